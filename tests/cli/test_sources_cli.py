"""``detente sources ...`` and ``detente export`` on real data and real databases."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from detente.cli.main import app
from tests.sources.conftest import MIRROR

runner = CliRunner()
needs_mirror = pytest.mark.skipif(not MIRROR.is_dir(), reason=f"no dataset mirror at {MIRROR}")


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_list_and_cite_need_no_database() -> None:
    code, out, _ = invoke("sources", "list", "--json")
    assert code == 0
    listed = {row["name"]: row for row in json.loads(out)}
    assert len(listed) == 23
    assert listed["sipri_register"]["redistribution"] == "forbidden"
    assert listed["atop"]["redistribution"] == "allowed"
    code, out, _ = invoke("sources", "cite", "dcad", "--format", "bibtex")
    assert code == 0 and out.startswith("@")
    code, out, _ = invoke("sources", "cite", "dcad", "--format", "text")
    assert code == 0 and "Kinne" in out
    code, _, err = invoke("sources", "cite", "no_such_source")
    assert code == 1 and "unknown source" in err


@needs_mirror
def test_load_versions_check_and_export(database_url: str, tmp_path: Path) -> None:
    assert invoke("init", "--database", database_url)[0] == 0
    code, out, err = invoke(
        "sources", "load", "sipri_tiv", "--mirror", str(MIRROR), "--database", database_url, "--json"
    )
    assert code == 0, err
    report = json.loads(out)[0]
    assert (report["status"], report["tables"]) == ("loaded", {"tiv": 21324})

    code, out, _ = invoke("sources", "load", "sipri_tiv", "--mirror", str(MIRROR), "--database", database_url, "--json")
    assert json.loads(out)[0]["status"] == "unchanged"

    code, out, _ = invoke("sources", "versions", "--database", database_url, "--json")
    versions = json.loads(out)
    assert [(v["source"], v["current"]) for v in versions] == [("sipri_tiv", True)]
    assert versions[0]["row_counts"] == {"tiv": 21324}

    code, out, _ = invoke("sources", "check", "sipri_tiv", "--database", database_url, "--json")
    assert code == 0 and json.loads(out)[0]["ok"] is True

    target = tmp_path / "tiv.parquet"
    code, out, _ = invoke(
        "export", "sipri_tiv.tiv", "--format", "parquet", "--out", str(target), "--database", database_url
    )
    assert code == 0
    assert pl.read_parquet(target).height == 21324

    from sqlalchemy import create_engine

    from detente.store.engine import normalise_url

    engine = create_engine(normalise_url(database_url))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM ds_sipri_tiv__tiv WHERE ds_row < 11"))
    engine.dispose()
    code, _, err = invoke("sources", "check", "sipri_tiv", "--database", database_url)
    assert code == 1 and "21314 rows stored, 21324 declared" in err


def test_forbidden_source_without_a_file_says_what_to_do(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DETENTE_CACHE_DIR", str(tmp_path / "empty-cache"))  # other tests may have cached it
    assert invoke("init", "--database", database_url)[0] == 0
    code, _, err = invoke("sources", "load", "sipri_register", "--mirror", str(tmp_path), "--database", database_url)
    assert code == 1
    flat = " ".join(err.split())
    assert "--file" in flat and "do not allow detente to download it" in flat


@needs_mirror
def test_supplied_file_is_verified(database_url: str, tmp_path: Path) -> None:
    assert invoke("init", "--database", database_url)[0] == 0
    register = next((MIRROR / "sipri_register").glob("*.csv"))
    code, out, err = invoke(
        "sources", "load", "sipri_register", "--file", str(register), "--database", database_url, "--json"
    )
    assert code == 0, err
    assert json.loads(out)[0]["tables"] == {"transfers": 25024}
    bad = tmp_path / "register.csv"
    bad.write_bytes(register.read_bytes()[:-100])
    code, _, err = invoke("sources", "load", "sipri_tiv", "--file", str(bad), "--database", database_url)
    assert code == 1 and "checksum mismatch" in " ".join(err.split())
