"""Bad input gives a SourceDataError naming file, row, column and the next step.

Each case writes a small broken copy of a real file to tmp_path.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from detente.sources import SourceDataError, SourceFetchError, SourceSpecError, get_source, load_spec
from detente.sources.fetch import resolve_file, resolve_source

DCAD = "DCAD-v1.0-main.csv"


@pytest.fixture
def dcad_lines(mirror: Path) -> list[bytes]:
    return (mirror / "dcad" / DCAD).read_bytes().splitlines(keepends=True)


def _parse_dcad(path: Path) -> None:
    get_source("dcad").parse({DCAD: path})


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / DCAD
    path.write_bytes(data)
    return path


def test_checksum_mismatch_names_both_digests(mirror: Path, tmp_path: Path) -> None:
    source = get_source("dcad")
    data = bytearray((mirror / "dcad" / DCAD).read_bytes())
    data[100] ^= 0x01
    (tmp_path / "dcad").mkdir()
    (tmp_path / "dcad" / DCAD).write_bytes(bytes(data))
    with pytest.raises(SourceDataError) as info:
        resolve_file(source.spec, source.spec.file(DCAD), mirror=tmp_path, cache=tmp_path / "cache")
    message = str(info.value)
    assert source.spec.file(DCAD).sha256 in message
    assert re.search(r"the file has [0-9a-f]{64}", message)
    assert "Fix:" in message
    assert not (tmp_path / "cache").exists()  # an unverified file never reaches the cache


def test_truncated_csv_reports_the_ragged_last_row(tmp_path: Path, dcad_lines: list[bytes]) -> None:
    last = dcad_lines[-1]
    path = _write(tmp_path, b"".join(dcad_lines[:-1]) + last[: len(last) // 3])
    with pytest.raises(SourceDataError) as info:
        _parse_dcad(path)
    assert info.value.row == len(dcad_lines)
    assert "fields where the header has 30" in info.value.problem
    assert "truncated" in info.value.fix


def test_utf16_file_declared_utf8(tmp_path: Path, dcad_lines: list[bytes]) -> None:
    path = _write(tmp_path, b"".join(dcad_lines).decode("utf-8").encode("utf-16"))
    with pytest.raises(SourceDataError) as info:
        _parse_dcad(path)
    assert info.value.row == 1
    assert "UTF-16" in info.value.problem
    assert "encoding" in info.value.fix


def test_utf16_without_bom_is_caught_by_nul_characters(tmp_path: Path, dcad_lines: list[bytes]) -> None:
    path = _write(tmp_path, b"".join(dcad_lines).decode("utf-8").encode("utf-16-le"))
    with pytest.raises(SourceDataError, match="NUL characters"):
        _parse_dcad(path)


def test_invalid_utf8_byte_names_its_line(tmp_path: Path, dcad_lines: list[bytes]) -> None:
    lines = list(dcad_lines)
    lines[4] = lines[4].replace(b"USA", b"US\xe9", 1)
    with pytest.raises(SourceDataError) as info:
        _parse_dcad(_write(tmp_path, b"".join(lines)))
    assert info.value.row == 5
    assert "not valid utf-8" in info.value.problem


def test_renamed_required_column(tmp_path: Path, dcad_lines: list[bytes]) -> None:
    lines = list(dcad_lines)
    lines[0] = lines[0].replace(b"signYear", b"sign_year")
    with pytest.raises(SourceDataError) as info:
        _parse_dcad(_write(tmp_path, b"".join(lines)))
    assert (info.value.row, info.value.column) == (1, "signYear")
    assert "required column is missing" in info.value.problem


def test_missing_required_column(tmp_path: Path, dcad_lines: list[bytes]) -> None:
    # Drop the last column (DCAid) from every line.
    cut = [re.sub(rb",[^,\r\n]*(\r?\n)$", rb"\1", line) for line in dcad_lines]
    with pytest.raises(SourceDataError) as info:
        _parse_dcad(_write(tmp_path, b"".join(cut)))
    assert info.value.column == "DCAid"


@pytest.mark.parametrize(
    ("field", "value", "column", "problem"),
    [(5, b"13", "signMonth", "month 13 is impossible"), (4, b"32", "signDay", "day 32 is impossible")],
)
def test_impossible_date(
    tmp_path: Path, dcad_lines: list[bytes], field: int, value: bytes, column: str, problem: str
) -> None:
    lines = list(dcad_lines)
    cells = lines[2].split(b",")
    assert cells[4:7] == [b"19", b"8", b"1994"]  # signDay, signMonth, signYear of the second agreement
    cells[field] = value
    lines[2] = b",".join(cells)
    with pytest.raises(SourceDataError) as info:
        _parse_dcad(_write(tmp_path, b"".join(lines)))
    assert (info.value.row, info.value.column) == (3, column)
    assert problem in info.value.problem


def test_iso_date_with_month_13(mirror: Path, tmp_path: Path) -> None:
    text = (mirror / "new_start" / "new_start_aggregate_numbers.csv").read_text(encoding="utf-8")
    path = tmp_path / "new_start_aggregate_numbers.csv"
    path.write_text(text.replace("2011-09-01,USA", "2011-13-01,USA", 1), encoding="utf-8")
    with pytest.raises(SourceDataError) as info:
        get_source("new_start").parse({"new_start_aggregate_numbers.csv": path})
    assert (info.value.row, info.value.column) == (4, "as_of_date")


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(SourceDataError) as info:
        _parse_dcad(_write(tmp_path, b""))
    assert "empty" in info.value.problem
    assert DCAD in info.value.file


def test_header_only_file(tmp_path: Path, dcad_lines: list[bytes]) -> None:
    with pytest.raises(SourceDataError, match="no data rows"):
        _parse_dcad(_write(tmp_path, dcad_lines[0]))


def test_row_count_differs_from_source_yml(mirror: Path, tmp_path: Path, dcad_lines: list[bytes]) -> None:
    with pytest.raises(SourceDataError) as info:
        _parse_dcad(_write(tmp_path, b"".join(dcad_lines[:-1])))
    assert "has 1870 rows; source.yml expects 1871" in info.value.problem


def test_forbidden_source_is_never_downloaded(tmp_path: Path) -> None:
    spec = get_source("sipri_register").spec
    with pytest.raises(SourceFetchError, match="--file"):
        resolve_source(spec, mirror=tmp_path, download=True, cache=tmp_path / "cache")


def test_allowed_source_needs_explicit_download(tmp_path: Path) -> None:
    spec = get_source("atop").spec
    with pytest.raises(SourceFetchError, match="sources pull atop"):
        resolve_source(spec, mirror=tmp_path, cache=tmp_path / "cache")


def test_supplied_file_is_verified_and_cached(mirror: Path, tmp_path: Path) -> None:
    spec = get_source("sipri_milex").spec
    entry = spec.files[0]
    path = resolve_file(spec, entry, supplied=mirror / "sipri_milex" / entry.path, cache=tmp_path)
    assert path == mirror / "sipri_milex" / entry.path
    cached = tmp_path / "sipri_milex" / spec.version / entry.path
    assert cached.read_bytes() == path.read_bytes()
    assert resolve_file(spec, entry, cache=tmp_path) == cached  # second time: from the cache, offline


def test_bad_source_yml_names_file_and_field(tmp_path: Path) -> None:
    folder = tmp_path / "dcad"
    folder.mkdir()
    text = (Path(get_source("dcad").folder) / "source.yml").read_text(encoding="utf-8")
    (folder / "source.yml").write_text(text.replace("redistribution: allowed", "redistribution: maybe"))
    with pytest.raises(SourceSpecError) as info:
        load_spec(folder / "source.yml")
    assert info.value.field == "redistribution"
    assert str(folder / "source.yml") in str(info.value)


def test_bad_sha256_in_source_yml(tmp_path: Path) -> None:
    folder = tmp_path / "dcad"
    folder.mkdir()
    text = (Path(get_source("dcad").folder) / "source.yml").read_text(encoding="utf-8")
    (folder / "source.yml").write_text(re.sub(r"sha256: [0-9a-f]{64}", "sha256: abc", text))
    with pytest.raises(SourceSpecError) as info:
        load_spec(folder / "source.yml")
    assert info.value.field == "files.0.sha256"
