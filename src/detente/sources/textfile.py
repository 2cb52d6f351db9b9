"""Reading raw bytes and decoding them as text, with errors that point at the offending line.

Publishers ship CSVs in UTF-8, UTF-8 with a byte-order mark, Latin-1, and (by accident) UTF-16. A
naive reader either crashes with a bare ``UnicodeDecodeError`` or silently produces mojibake. Here the
declared encoding (``source.yml``) is applied strictly and every failure names the line to look at.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from detente.sources.errors import SourceDataError

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_bytes(path: Path, *, gzipped: bool = False) -> bytes:
    """The file's bytes (decompressed when ``gzipped``); an empty file is an error."""
    data = path.read_bytes()
    if not data:
        raise SourceDataError(
            path,
            None,
            None,
            "the file is empty (0 bytes).",
            "Re-download the file or restore it from the mirror.",
        )
    if gzipped:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise SourceDataError(
                path, None, None, f"is not a complete gzip file ({exc}).", "Re-download the file."
            ) from exc
    return data


def decode(data: bytes, path: Path, encoding: str) -> str:
    """Decode ``data`` strictly with ``encoding``; drop a leading UTF-8 byte-order mark.

    Raises:
        SourceDataError: the bytes are not valid in ``encoding`` (row = the line of the first bad byte),
            the text contains NUL characters (the usual sign of a UTF-16 file read as 8-bit text), or
            there is nothing but whitespace.
    """
    fix = (
        f"source.yml declares encoding {encoding!r}; check the file is the published one "
        "(re-download it) or correct the declared encoding."
    )
    if data.startswith(_UTF16_BOMS) and not encoding.lower().startswith("utf-16"):
        raise SourceDataError(path, 1, None, "starts with a UTF-16 byte-order mark.", fix)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise SourceDataError(
            path, line, None, f"byte 0x{byte} at offset {exc.start} is not valid {encoding}.", fix
        ) from exc
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise SourceDataError(path, line, None, "contains NUL characters (UTF-16 or binary data?).", fix)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise SourceDataError(path, None, None, "the file has no content.", "Re-download the file.")
    return text


def read_text(path: Path, encoding: str, *, gzipped: bool = False) -> str:
    """Read and strictly decode a text file (see :func:`decode`)."""
    return decode(read_bytes(path, gzipped=gzipped), path, encoding)
