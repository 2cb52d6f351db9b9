"""The negotiation forms: open a process (conflict, parties, mediators), add rounds, record the agreement
reached and score its provisions year by year, which the heat map shows; refusals store nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from detente.domain.markings import Role
from detente.store.models import Conflict
from detente.web.viewmodels import negotiations
from tests.web_forms.conftest import Browser, MakeBrowser, created_id, fresh_tag, refused


def _conflict(who: Browser) -> tuple[int, str]:
    """A real UCDP conflict: Colombia's government conflict."""
    with who.ctx.store.engine.connect() as connection:
        row = connection.execute(
            select(Conflict.id, Conflict.name).where(Conflict.name == "Colombia: Government").order_by(Conflict.id)
        ).first()
    assert row is not None, "UCDP's Colombia: Government conflict is loaded"
    return int(row.id), str(row.name)


def _talks(who: Browser, named: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": named,
        "conflict_id": str(_conflict(who)[0]),
        "status": "ongoing",
        "valid_from": "2012-10-18",
        "party_state_id": [str(who.ctx.state_id("COL"))],
        "other_parties": "FARC-EP",
        "mediator_state_id": [str(who.ctx.state_id("NOR")), str(who.ctx.state_id("CUB"))],
        "other_mediators": "United Nations",
        "classification": "RESTRICTED",
        **extra,
    }


def _titled(who: Browser, title: str) -> list[dict[str, Any]]:
    return who.ctx.reader.list(who.ctx.principal, "negotiations", filters={"title": title}).items


def test_a_negotiation_opened_on_the_form_is_stored_with_its_parties_and_mediators(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "NOR")
    title = f"Havana talks {fresh_tag()}"
    negotiation_id = created_id(editor.post("/ui/negotiations", _talks(editor, title)), "/ui/negotiations/")
    record = editor.ctx.reader.get(editor.ctx.principal, "negotiations", negotiation_id)
    assert (record["title"], record["status"], str(record["valid_from"])[:10]) == (title, "ongoing", "2012-10-18")
    assert record["conflict_id"] == _conflict(editor)[0]
    assert record["marking"]["classification"] == "RESTRICTED" and record["marking"]["releasable_to"] == ["NOR"]
    parties = sorted((p["actor_name"], p["role"], p["state_id"]) for p in record["negotiation_parties"])
    assert parties == sorted(
        [
            ("Colombia", "party", editor.ctx.state_id("COL")),
            ("FARC-EP", "party", None),
            ("Norway", "mediator", editor.ctx.state_id("NOR")),
            ("Cuba", "mediator", editor.ctx.state_id("CUB")),
            ("United Nations", "mediator", None),
        ]
    )
    assert title in editor.get("/ui/negotiations").text


def test_bad_input_on_the_negotiation_form_stores_nothing(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "NOR")
    title = f"Talks {fresh_tag()}"
    col = str(editor.ctx.state_id("COL"))
    for extra, field, words in (
        ({"other_parties": ""}, "party_state_id", "at least two parties"),
        ({"mediator_state_id": [col]}, "mediator_state_id", "Colombia: a party cannot also mediate"),
        ({"valid_from": "October 2012"}, "valid_from", "is not a date"),
        ({"conflict_id": "abc"}, "conflict_id", "choose a conflict from the list"),
        ({"title": ""}, "title", "give the negotiation a title"),
        ({"status": "frozen"}, "status", "'frozen' is not one of"),
    ):
        page = refused(editor.post("/ui/negotiations", _talks(editor, title, **extra)), 400, field, words)
        assert "Not saved." in page
    assert _titled(editor, title) == []
    viewer = person(Role.VIEWER, "NOR")
    refused(viewer.post("/ui/negotiations", _talks(viewer, title)), 403, words="needs the editor role")
    assert editor.post("/ui/negotiations", _talks(editor, title), csrf=False).status_code == 403
    assert _titled(editor, title) == []


def test_rounds_an_agreement_and_scores_fill_the_timeline_and_the_heat_map(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "NOR")
    title = f"Havana talks {fresh_tag()}"
    talks = created_id(editor.post("/ui/negotiations", _talks(editor, title)), "/ui/negotiations/")
    at = f"/ui/negotiations/{talks}"
    assert editor.post(f"{at}/rounds", {"valid_from": "2012-11-19", "venue": "Havana"}).status_code == 303
    second = {"valid_from": "2013-01-14", "valid_to": "2013-01-24", "venue": "Havana", "summary": "Land reform."}
    assert editor.post(f"{at}/rounds", second).status_code == 303
    refused(editor.post(f"{at}/rounds", {**second, "number": "2"}), 400, "number", "round 2 is already recorded")
    refused(editor.post(f"{at}/rounds", {"valid_from": "2013-02-01"}), 400, "venue", "give the venue")
    refused(
        editor.post(f"{at}/rounds", {**second, "valid_to": "2013-01-01"}), 400, "valid_to", "ends (2013-01-01) before"
    )
    agreement = {
        "agreement_title": "Final Agreement",
        "signed_on": "2016-11-24",
        "provisions": "Comprehensive rural reform\nEnd of the conflict",
    }
    refused(editor.post(f"{at}/agreements", {**agreement, "provisions": " \n"}), 400, "provisions", "one per line")
    assert editor.post(f"{at}/agreements", agreement).status_code == 303
    detail = negotiations.negotiation_detail(editor.ctx, talks)
    assert [(r.number, str(r.start), r.venue) for r in detail.rounds] == [
        (1, "2012-11-19", "Havana"),
        (2, "2013-01-14", "Havana"),
    ]
    assert [a.label for a in detail.agreements] == ["Final Agreement"]
    reform = next(p for p in detail.provisions if "rural reform" in p.label)
    ending = next(p for p in detail.provisions if "End of the conflict" in p.label)

    for provision, year, score in ((reform, 2017, 1), (reform, 2019, 2), (ending, 2017, 3), (reform, 2017, 2)):
        answer = editor.post(f"{at}/scores", {"provision_id": provision.value, "year": str(year), "score": str(score)})
        assert answer.status_code == 303
    heat = negotiations.negotiation_detail(editor.ctx, talks).heat
    assert heat.years == [2017, 2018, 2019]
    rows = dict(heat.rows)
    assert rows[reform.label] == [2, None, 2]  # the second 2017 score replaced the first; 2018 is not scored
    assert rows[ending.label] == [3, None, None]
    page = editor.get(at).text
    assert 'id="implementation"' in page and "Havana" in page

    for bad, field, words in (
        ({"score": "5"}, "score", "give a number from 0 to 3"),
        ({"year": "1850"}, "year", "give a number from 1900 to"),
        ({"provision_id": "0"}, "provision_id", "choose one of the negotiation's provisions"),
    ):
        form = {"provision_id": reform.value, "year": "2018", "score": "1", **bad}
        refused(editor.post(f"{at}/scores", form), 400, field, words)
    assert dict(negotiations.negotiation_detail(editor.ctx, talks).heat.rows)[reform.label] == [2, None, 2]


def test_a_negotiation_loaded_from_ucdp_takes_no_rounds_from_the_ui(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "NOR")
    loaded = editor.ctx.reader.list(
        editor.ctx.principal, "negotiations", filters={"title": "Peace process: Colombia: Government"}
    )
    sourced = next(n for n in loaded.items if n.get("source_version_id") is not None)
    page = editor.get(f"/ui/negotiations/{sourced['id']}").text
    assert "Add a round" not in page and "Score a provision" not in page
    before = negotiations.negotiation_detail(editor.ctx, sourced["id"]).rounds
    answer = editor.post(f"/ui/negotiations/{sourced['id']}/rounds", {"valid_from": "2020-01-01", "venue": "Oslo"})
    refused(answer, 403, words="loaded from a public source and is read-only")
    assert negotiations.negotiation_detail(editor.ctx, sourced["id"]).rounds == before


def test_the_status_and_outcome_are_changed_against_the_version_read(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "NOR")
    talks = created_id(editor.post("/ui/negotiations", _talks(editor, f"Talks {fresh_tag()}")), "/ui/negotiations/")
    version = negotiations.negotiation_detail(editor.ctx, talks).version
    done = {
        "status": "concluded",
        "valid_to": "2016-11-24",
        "outcome": "Final agreement signed.",
        "version": str(version),
    }
    refused(editor.post(f"/ui/negotiations/{talks}/edit", {**done, "valid_to": ""}), 400, "valid_to", "concluded")
    refused(
        editor.post(f"/ui/negotiations/{talks}/edit", {**done, "status": "ongoing"}), 400, "valid_to", "no end date"
    )
    assert editor.post(f"/ui/negotiations/{talks}/edit", done).status_code == 303
    record = editor.ctx.reader.get(editor.ctx.principal, "negotiations", talks)
    assert (record["status"], str(record["valid_to"])[:10], record["outcome"]) == (
        "concluded",
        "2016-11-24",
        "Final agreement signed.",
    )
    refused(editor.post(f"/ui/negotiations/{talks}/edit", done), 409, words="was changed by someone else")
