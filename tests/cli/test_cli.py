"""The ``detente`` command line on real databases: init, status, audit verify and audit log."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import text
from typer.testing import CliRunner

from detente.cli.main import app
from detente.services.records import Records
from detente.store.database import Store

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_status_and_verify(database_url: str) -> None:
    code, out, _ = invoke("status", "--database", database_url)
    assert code == 2, "status on an empty database must say to run init"

    code, out, _ = invoke("init", "--database", database_url)
    assert code == 0 and "ready" in out

    store = Store.open(database_url)
    records = Records(store)
    state = records.create("state", {"name": "India", "ccode": 750, "iso3": "IND"}, actor="alice")
    records.update("state", state["id"], {"gwcode": 750}, actor="bob")
    store.close()

    code, out, _ = invoke("status", "--database", database_url, "--json")
    assert code == 0
    status = json.loads(out)
    assert status["schema_current"] is True
    assert status["table_counts"]["states"] == 1
    assert status["table_counts"]["audit_entries"] == 2
    assert status["sources"] == []

    code, out, _ = invoke("audit", "verify", "--database", database_url, "--json")
    assert code == 0
    assert json.loads(out)["entries_verified"] == 2

    code, out, _ = invoke("audit", "log", "--database", database_url, "--object", f"state:{state['id']}", "--json")
    assert code == 0
    assert [e["action"] for e in json.loads(out)] == ["update", "create"]

    code, out, err = invoke("audit", "log", "--database", database_url, "--object", "state")
    assert code == 2 and "TYPE:ID" in err


def test_verify_exits_nonzero_and_names_the_bad_entry(store: Store, database_url: str) -> None:
    records = Records(store)
    for name in ("Chile", "Peru", "Bolivia"):
        records.create("state", {"name": name}, actor="alice")
    with store.engine.begin() as connection:
        if store.engine.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_entries_no_update ON audit_entries"))
        else:
            connection.execute(text("DROP TRIGGER audit_entries_no_update"))
        connection.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2"))
    code, _, err = invoke("audit", "verify", "--database", database_url)
    assert code == 1
    assert "broken at entry 2" in err
    code, out, _ = invoke("audit", "verify", "--database", database_url, "--json")
    assert code == 1
    assert json.loads(out)["first_bad_seq"] == 2


def test_password_is_never_printed() -> None:
    code, out, err = invoke("status", "--database", "postgresql://detente:s3cret@127.0.0.1:1/nothing")
    assert code == 2
    assert "cannot connect to postgresql+psycopg://detente:***@127.0.0.1:1/nothing" in " ".join(err.split())
    assert "s3cret" not in out + err


def test_installed_entry_point_runs(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "detente", "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0
    for command in ("init", "status", "audit"):
        assert command in result.stdout
