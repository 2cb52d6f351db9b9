"""``detente serve`` on real databases, without serving: ``uvicorn.run`` is replaced by a recorder (the only
stand-in), so the test sees what the command prints and what it would serve, and no port is opened.

On a store with no accounts the command says how to make the first one; the command it names works as
written; once an account exists the hint is gone."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from detente.cli.main import app
from detente.store.engine import redact_url

runner = CliRunner()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """The calls ``detente serve`` makes to ``uvicorn.run`` (which would block, serving, for good)."""
    calls: list[dict[str, Any]] = []

    def record(app_or_path: Any, **options: Any) -> None:
        calls.append({"app": app_or_path, **options})

    monkeypatch.setattr(uvicorn, "run", record)
    yield calls
    for call in calls:
        call["app"].state.store.close()  # the server would have closed it on shutdown
    gc.unfreeze()  # serve freezes the objects alive at start-up (it expects to serve until the process ends)


def _serve(database_url: str, *more: str) -> str:
    result = runner.invoke(app, ["serve", "--database", database_url, "--port", "8123", *more])
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())  # the console wraps long lines


def test_serve_tells_how_to_make_the_first_login(database_url: str, served: list[dict[str, Any]]) -> None:
    assert runner.invoke(app, ["init", "--database", database_url]).exit_code == 0
    said = _serve(database_url)
    assert "no accounts yet" in said
    assert "detente users create-admin NAME --nationality ISO3" in said
    assert "http://127.0.0.1:8123/ui/login" in said
    [call] = served
    assert (call["host"], call["port"]) == ("127.0.0.1", 8123)
    assert call["app"].state.store.url == redact_url(database_url), "it serves the database it was given"

    made = runner.invoke(
        app,
        ["users", "create-admin", "first", "--nationality", "NOR", "--generate-password", "--database", database_url],
    )
    assert made.exit_code == 0, made.output
    said = _serve(database_url)
    assert "no accounts yet" not in said
    assert "create-admin" not in said
    assert len(served) == 2
