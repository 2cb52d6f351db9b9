"""The analysis commands: JSON answers with citations, clear errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from detente.cli.main import app
from detente.store.database import Store

runner = CliRunner()


def _url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_dossier_network_and_reliability_commands(analysis_store: Store) -> None:
    url = _url(analysis_store)
    done = runner.invoke(app, ["dossier", "FRA", "--as-of", "2005-06-01", "--json", "--database", url])
    assert done.exit_code == 0, done.output
    answer = json.loads(done.stdout)
    assert answer["citations"] and answer["armed_conflicts"]["covered"]
    done = runner.invoke(app, ["dossier", "FRA", "IND", "--as-of", "2005-06-01", "--md", "--database", url])
    assert done.exit_code == 0 and "## Sources" in done.stdout
    assert "## Armed conflicts (UCDP/PRIO ACD)" in done.stdout
    done = runner.invoke(app, ["network", "--kind", "exercises", "--year", "2000", "--json", "--database", url])
    assert done.exit_code == 0 and json.loads(done.stdout)["citations"]
    done = runner.invoke(app, ["network", "--kind", "pko", "--year", "1990", "--database", url])
    assert done.exit_code == 1 and "2010-2013" in done.output
    done = runner.invoke(app, ["reliability", "--json", "--database", url])
    assert done.exit_code == 0 and json.loads(done.stdout)["naive"]["promises"] > 0
    done = runner.invoke(app, ["dossier", "FRA", "--as-of", "2005-13-01", "--database", url])
    assert done.exit_code == 2


def test_coalition_rank_with_requirements(analysis_store: Store) -> None:
    url = _url(analysis_store)
    base = ["coalition", "rank", "--lead", "USA", "--target", "LBY", "--date", "2011-03-19", "--database", url]
    done = runner.invoke(app, [*base, "--require", "personnel=100", "--require", "ships=1", "--json"])
    assert done.exit_code == 0, done.output
    answer = json.loads(done.stdout)
    assert [n["capability"] for n in answer["requirements"]] == ["personnel", "ships"]
    assert {"personnel", "ships"} == set(answer["candidates"][0]["brings"])
    done = runner.invoke(app, [*base, "--require", "personnel=100", "--top", "5"])
    assert done.exit_code == 0 and "meets" in done.stdout
    assert "Each factor's contribution" in done.stdout and "alliance conditions" in done.stdout
    done = runner.invoke(app, [*base, "--require", "tanks=3"])
    assert done.exit_code == 2 and "aircraft" in done.output  # the message lists the capabilities
