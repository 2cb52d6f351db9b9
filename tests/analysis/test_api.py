"""The analyses over the REST API, on the real store of each backend: the same answers as the services,
signed-in callers only, the caller's markings applied to the user's records (never to the public counts),
compliance status from the real New START data exchanges, exports, and the OpenAPI document.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import date

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from detente.analysis.coalition import backtest, rank
from detente.analysis.dossiers import country_dossier
from detente.analysis.networks import network
from detente.analysis.reliability import reliability
from detente.api.app import create_app
from detente.compliance import evaluate
from detente.domain.markings import Role
from detente.store.database import Store
from detente.store.models import State
from tests.api.conftest import Person, new_person
from tests.panels.conftest import MIRROR


@pytest.fixture(scope="module")
def client(analysis_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(analysis_store)) as test_client:
        yield test_client


def _caller(store: Store, role: Role, nationality: str) -> Person:
    """A new user of the analysis store with this role and nationality, cleared SECRET, signed in."""
    return new_person(store, role, nationality, "SECRET")


def _state_ids(store: Store, *iso3: str) -> dict[str, int]:
    with store.engine.connect() as connection:
        rows = connection.execute(select(State.iso3, State.id).where(State.iso3.in_(iso3)))
        return {str(code): int(state_id) for code, state_id in rows}


def test_every_analysis_route_needs_a_sign_in(client: TestClient) -> None:
    for path in ("/dossiers/FRA", "/dossiers/FRA/IND", "/networks/alliances?year=1990", "/reliability"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["error"] == "unauthorized"


def test_country_dossier_route_gives_the_service_answer(client: TestClient, analysis_store: Store) -> None:
    viewer = _caller(analysis_store, Role.VIEWER, "FRA")
    response = client.get("/dossiers/FRA", params={"as_of": "2005-06-01"}, headers=viewer.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = country_dossier(analysis_store, "FRA", date(2005, 6, 1)).model_dump(mode="json")
    for key in ("state", "year", "capabilities", "partners", "armed_conflicts", "citations"):
        assert body[key] == expected[key], key
    assert body["armed_conflicts"]["covered"] and body["armed_conflicts"]["conflicts"], "France's UCDP conflicts"
    # France is bound by no treaty pack and the store holds no treaty evidence about it: unknown, said so
    assert body["compliance"]["treaties"] == []
    assert body["compliance"]["note"].startswith("unknown")
    missing = client.get("/dossiers/Atlantis", headers=viewer.headers)
    assert missing.status_code == 404 and "Atlantis" in missing.json()["message"]
    same = client.get("/dossiers/FRA/FRN", headers=viewer.headers)
    assert same.status_code == 422 and same.json()["fields"][0]["field"] == "partner"


def test_marked_records_are_shown_only_as_released(client: TestClient, analysis_store: Store) -> None:
    """A British editor's exercise with France, releasable to GBR only: in the British analyst's dossier with
    its marking, absent from the French analyst's, and in nobody's counts."""
    ids = _state_ids(analysis_store, "FRA", "IND", "GBR")
    author = _caller(analysis_store, Role.EDITOR, "GBR")
    title = f"exercise {uuid.uuid4().hex[:10]}"
    created = client.post(
        "/engagements",
        json={
            "kind": "exercise",
            "title": title,
            "valid_from": "2005-03-01",
            "marking": {"classification": "SECRET", "releasable_to": ["GBR"]},
        },
        headers=author.headers,
    )
    assert created.status_code == 201, created.text
    engagement = created.json()
    assert engagement["marking"]["releasable_to"] == ["GBR"]
    for state in ("FRA", "IND"):
        added = client.post(
            "/engagement-participants",
            json={"engagement_id": engagement["id"], "state_id": ids[state]},
            headers=author.headers,
        )
        assert added.status_code == 201, added.text
    british = _caller(analysis_store, Role.ANALYST, "GBR")
    french = _caller(analysis_store, Role.ANALYST, "FRA")
    seen = client.get("/dossiers/FRA", params={"as_of": "2005-06-01"}, headers=british.headers).json()
    unseen = client.get("/dossiers/FRA", params={"as_of": "2005-06-01"}, headers=french.headers).json()
    mine = [r for r in seen["user_records"] if r["title"] == title]
    assert len(mine) == 1
    assert mine[0]["kind"] == "engagement:exercise" and mine[0]["partner_ids"] == [ids["IND"]]
    assert mine[0]["marking"]["classification"] == "SECRET" and mine[0]["marking"]["releasable_to"] == ["GBR"]
    assert all(r["title"] != title for r in unseen["user_records"])
    assert seen["partners"] == unseen["partners"]  # the public counts do not move with the caller
    pair_seen = client.get("/dossiers/FRA/IND", params={"as_of": "2005-06-01"}, headers=british.headers).json()
    pair_unseen = client.get("/dossiers/FRA/IND", params={"as_of": "2005-06-01"}, headers=french.headers).json()
    assert [r["title"] for r in pair_seen["user_records"] if r["title"] == title] == [title]
    assert all(r["title"] != title for r in pair_unseen["user_records"])
    assert pair_seen["series"] == pair_unseen["series"]
    # The Python API knows no reader: unmarked records only.
    assert all(r.title != title for r in country_dossier(analysis_store, "FRA", date(2005, 6, 1)).user_records)


def _raw_new_start(party: str, as_of: date) -> dict[str, str]:
    with (MIRROR / "new_start" / "new_start_aggregate_numbers.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["party"] == party and r["as_of_date"] <= as_of.isoformat()]
    return max(rows, key=lambda r: r["as_of_date"])


def test_compliance_status_from_new_start(client: TestClient, analysis_store: Store) -> None:
    viewer = _caller(analysis_store, Role.VIEWER, "USA")
    when = date(2019, 6, 1)
    body = client.get("/dossiers/USA", params={"as_of": when.isoformat()}, headers=viewer.headers).json()
    treaties = {t["treaty"]: t for t in body["compliance"]["treaties"]}
    assert treaties["new-start"]["bound"] == {"USA": "named party"}
    assert "aeca-36b" in treaties  # the USA is the party AECA 36(b) names; no evidence: no finding, unknown
    warheads = next(f for f in treaties["new-start"]["findings"] if f["obligation"] == "NST-LIMIT-WARHEADS")
    raw = _raw_new_start("USA", when)
    assert warheads["measured"] == float(raw["warheads_deployed"])
    assert warheads["limit"] == 1550 and warheads["status"] in ("compliant", "at_risk")
    assert warheads["origin"] == "evaluated" and warheads["evidence"]
    assert all(ref.startswith("declaration:") for ref in warheads["evidence"])
    # Findings stored by 'detente compliance evaluate' are shown as stored, per party.
    result = evaluate(analysis_store, treaty="new-start", party="RUS", as_of=when)
    pair = client.get("/dossiers/USA/RUS", params={"as_of": when.isoformat()}, headers=viewer.headers).json()
    (new_start,) = [t for t in pair["compliance"]["treaties"] if t["treaty"] == "new-start"]
    origins = {(f["party"], f["origin"]) for f in new_start["findings"]}
    assert origins == {("USA", "evaluated"), ("RUS", "stored")}
    stored = sorted((f["obligation"], f["status"]) for f in new_start["findings"] if f["party"] == "RUS")
    assert stored == sorted((r["code"], r["status"]) for r in result.rows())


def test_network_route_and_exports(client: TestClient, analysis_store: Store) -> None:
    viewer = _caller(analysis_store, Role.VIEWER, "FRA")
    expected = network(analysis_store, "alliances", 1990)
    body = client.get("/networks/alliances", params={"year": 1990, "blocs_since": 1989}, headers=viewer.headers).json()
    assert [n["state"]["ccode"] for n in body["nodes"]] == [n.state.ccode for n in expected.nodes]
    assert body["modularity"] == expected.modularity and len(body["edges"]) == len(expected.edges)
    assert [c["year"] for c in body["bloc_changes"]] == [1989, 1990]
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        response = client.get("/networks/alliances", params={"year": 1990, "format": fmt}, headers=viewer.headers)
        assert response.status_code == 200 and response.headers["content-type"].startswith(f"application/{fmt}")
        graph = reader(io.BytesIO(response.content))
        assert graph.number_of_nodes() == len(expected.nodes) and graph.number_of_edges() == len(expected.edges)
    outside = client.get("/networks/dca", params={"year": 2015}, headers=viewer.headers)
    assert outside.status_code == 422 and outside.json()["fields"][0]["field"] == "year"
    assert "1980-2010" in outside.json()["message"]


def test_coalition_routes(client: TestClient, analysis_store: Store) -> None:
    viewer = _caller(analysis_store, Role.VIEWER, "USA")
    params = {"lead": "USA", "target": "IRQ", "date": "1990-08-02"}
    body = client.get("/coalitions/rank", params=params, headers=viewer.headers).json()
    expected = rank(analysis_store, ["USA"], ["IRQ"], date(1990, 8, 2))
    assert [c["state"]["state_id"] for c in body["candidates"]] == [c.state.state_id for c in expected.candidates]
    assert body["candidates"][0]["factors"] == expected.candidates[0].factors
    unknown = client.get("/coalitions/rank", params={**params, "target": "Atlantis"}, headers=viewer.headers)
    assert unknown.status_code == 404
    refused = client.get("/coalitions/backtest", headers=viewer.headers)
    assert refused.status_code == 403 and "analyst" in refused.json()["message"]
    analyst = _caller(analysis_store, Role.ANALYST, "USA")
    found = client.get("/coalitions/backtest", params={"split": 1990}, headers=analyst.headers)
    assert found.status_code == 200, found.text
    assert found.json() == backtest(analysis_store, 1990).model_dump(mode="json")
    assert found.json()["model"]["roc_auc"] > found.json()["baseline"]["roc_auc"]
    too_early = client.get("/coalitions/backtest", params={"split": 1817}, headers=analyst.headers)
    assert too_early.status_code == 422 and too_early.json()["fields"][0]["field"] == "split"


def test_reliability_route(client: TestClient, analysis_store: Store) -> None:
    viewer = _caller(analysis_store, Role.VIEWER, "FRA")
    body = client.get("/reliability", params={"from": 1816, "to": 1944}, headers=viewer.headers).json()
    expected = reliability(analysis_store, (1816, 1944))
    assert body["naive"] == expected.naive.model_dump() and body["conditional"] == expected.conditional.model_dump()
    backwards = client.get("/reliability", params={"from": 1900, "to": 1850}, headers=viewer.headers)
    assert backwards.status_code == 422 and backwards.json()["fields"][0]["field"] == "to"


def test_force_generation_uses_only_pledges_the_caller_may_see(client: TestClient, analysis_store: Store) -> None:
    ids = _state_ids(analysis_store, "GHA")
    capability = f"test_signals_{uuid.uuid4().hex[:8]}"
    planner = _caller(analysis_store, Role.EDITOR, "GHA")
    pledge = client.post(
        "/pledges",
        json={
            "state_id": ids["GHA"],
            "capability_type": capability,
            "size": 120,
            "readiness_level": "L3",
            "pledged_on": "2012-01-10",
        },
        headers=planner.headers,
    )
    assert pledge.status_code == 201, pledge.text
    requirement = {"date": "2013-07-01", "requirements": [{"capability": capability, "size": 100, "readiness": "L2"}]}
    own = client.post("/forcegen", json=requirement, headers=planner.headers).json()
    other = client.post("/forcegen", json=requirement, headers=_caller(analysis_store, Role.VIEWER, "FRA").headers)
    (line,) = own["lines"]
    assert (line["covered"], line["uncovered"]) == (100, 0)
    assert line["allocations"][0]["pledge_id"] == pledge.json()["id"]
    assert other.json()["lines"][0]["uncovered"] == 100 and other.json()["lines"][0]["allocations"] == []
    bad = client.post("/forcegen", json={**requirement, "requirements": [{"capability": "x", "size": 0}]},
                      headers=planner.headers)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "requirements.0.size"


def test_openapi_describes_the_analyses(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    responses = {
        ("/dossiers/{state}", "get"): "CountryDossier",
        ("/dossiers/{state}/{partner}", "get"): "PairDossier",
        ("/networks/{kind}", "get"): "NetworkAnswer",
        ("/coalitions/rank", "get"): "Ranking",
        ("/coalitions/backtest", "get"): "Backtest",
        ("/forcegen", "post"): "ForceGeneration",
        ("/reliability", "get"): "Reliability",
    }
    for (path, method), schema in responses.items():
        operation = document["paths"][path][method]
        content = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert content["$ref"].endswith(f"/{schema}"), (path, content)
        assert operation["security"], f"{path} needs a bearer token"
    schemas = document["components"]["schemas"]
    assert {"conflict_id", "side", "secondary", "years", "episodes"} <= set(schemas["ArmedConflict"]["properties"])
    assert {"same_side", "direct_years"} <= set(schemas["SharedConflict"]["properties"])
    compliance = document["components"]["schemas"]["ComplianceFinding"]["properties"]
    assert {"evidence", "status", "origin"} <= set(compliance)
