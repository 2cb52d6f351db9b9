"""Attaché reports linked to states, organizations and engagements (when written and afterwards), and an
engagement with its objectives written in one transaction; refusals store nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from detente.domain.markings import Role
from detente.services.entities import RecordError
from detente.services.writing import MarkingRequest, Writer
from detente.store.models import AuditEntry
from tests.web_forms.conftest import Browser, MakeBrowser, created_id, fresh_tag, refused


def _report(who: Browser, tag: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": f"Naval visit {tag}",
        "body": f"The {tag} frigate called at Dakar.",
        "region": "West Africa",
        "reported_on": "2025-02-03",
        "reliability": "B",
        "credibility": "2",
        "classification": "CONFIDENTIAL",
        "link_state_id": [str(who.ctx.state_id("SEN")), str(who.ctx.state_id("FRA"))],
        **extra,
    }


def _found(who: Browser, tag: str) -> list[dict[str, Any]]:
    return who.ctx.reader.list(who.ctx.principal, "reports", search=tag).items


def _engagement(who: Browser, title: str, marking: MarkingRequest | None = None) -> int:
    made = Writer(who.ctx.store).create(
        who.ctx.principal, "engagements", {"title": title, "kind": "visit"}, marking=marking
    )
    return int(made["id"])


def test_a_report_is_linked_when_written_and_shows_on_the_country_page(person: MakeBrowser) -> None:
    analyst = person(Role.ANALYST, "FRA")
    tag = fresh_tag()
    visit = _engagement(person(Role.EDITOR, "FRA"), f"Port call {tag}")
    answer = analyst.post("/ui/reports", _report(analyst, tag, link_engagement_id=f"{visit}"))
    report_id = created_id(answer, "/ui/reports/")
    record = analyst.ctx.reader.get(analyst.ctx.principal, "reports", report_id)
    assert (record["title"], record["region"], record["reliability"], record["credibility"]) == (
        f"Naval visit {tag}",
        "West Africa",
        "B",
        2,
    )
    links = sorted((x["object_type"], x["object_id"]) for x in record["report_links"])
    assert links == sorted(
        [("state", analyst.ctx.state_id("SEN")), ("state", analyst.ctx.state_id("FRA")), ("engagement", visit)]
    )
    page = analyst.get(f"/ui/reports/{report_id}").text
    assert '<a href="/ui/country/SEN">Senegal</a>' in page and f"Port call {tag}" in page
    about = analyst.ctx.reader.list(
        analyst.ctx.principal, "reports", filters={"about": f"state:{analyst.ctx.state_id('SEN')}"}, search=tag
    )
    assert [r["id"] for r in about.items] == [report_id]
    assert f"Naval visit {tag}" in analyst.get("/ui/country/SEN").text


def test_a_refused_link_leaves_no_report_and_a_later_link_is_added_once(person: MakeBrowser) -> None:
    analyst, german = person(Role.ANALYST, "FRA"), person(Role.EDITOR, "DEU")
    tag = fresh_tag()
    hidden = _engagement(german, f"German staff talks {tag}", MarkingRequest("SECRET"))
    for extra, field, words in (
        ({"link_engagement_id": str(hidden)}, "link_engagement_id", f"there is no engagement with id {hidden}"),
        ({"link_engagement_id": "next week"}, "link_engagement_id", "'next' is not an engagement number"),
        ({"link_state_id": ["999999"]}, "link_state_id", "choose states from the list"),
        ({"link_organization_id": ["abc"]}, "link_organization_id", "choose organizations from the list"),
        ({"reliability": "Z"}, "reliability", "must be one of A, B, C, D, E, F"),
        ({"body": "  "}, "body", "write a body"),
    ):
        page = refused(analyst.post("/ui/reports", _report(analyst, tag, **extra)), 400, field, words)
        assert f"Naval visit {tag}" in page  # the title typed is kept
        assert _found(analyst, tag) == []  # the report is not stored without its links
    report_id = created_id(analyst.post("/ui/reports", _report(analyst, tag, link_state_id=[])), "/ui/reports/")
    assert analyst.ctx.reader.get(analyst.ctx.principal, "reports", report_id)["report_links"] == []
    sen = str(analyst.ctx.state_id("SEN"))
    assert analyst.post(f"/ui/reports/{report_id}/links", {"link_state_id": [sen]}).status_code == 303
    refused(
        analyst.post(f"/ui/reports/{report_id}/links", {"link_state_id": [sen]}),
        400,
        "link_state_id",
        "already about Senegal",
    )
    refused(analyst.post(f"/ui/reports/{report_id}/links", {}), 400, "link_state_id", "choose a state")
    refused(
        analyst.post(f"/ui/reports/{report_id}/links", {"link_engagement_id": str(hidden)}),
        400,
        "link_engagement_id",
        "there is no engagement",
    )
    viewer = person(Role.VIEWER, "FRA")
    refused(viewer.post(f"/ui/reports/{report_id}/links", {"link_state_id": [sen]}), 403, words="analyst role")
    assert analyst.post(f"/ui/reports/{report_id}/links", {"link_state_id": [sen]}, csrf=False).status_code == 403
    links = analyst.ctx.reader.get(analyst.ctx.principal, "reports", report_id)["report_links"]
    assert [(x["object_type"], x["object_id"]) for x in links] == [("state", int(sen))]


def test_an_engagement_and_its_objectives_land_together_or_not_at_all(person: MakeBrowser) -> None:
    editor = person(Role.EDITOR, "FRA")
    tag = fresh_tag()
    form = {
        "title": f"Staff talks {tag}",
        "kind": "staff_talks",
        "valid_from": "2025-05-05",
        "objectives": "Agree the exercise calendar\n\nExchange liaison officers\n",
        "classification": "UNCLASSIFIED",
    }
    engagement_id = created_id(editor.post("/ui/engagements", form), "/ui/engagements/")
    record = editor.ctx.reader.get(editor.ctx.principal, "engagements", engagement_id)
    assert [o["text"] for o in record["engagement_objectives"]] == [
        "Agree the exercise calendar",
        "Exchange liaison officers",
    ]

    def audit_entries() -> int:
        with editor.ctx.store.engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    before = audit_entries()
    writer = Writer(editor.ctx.store)
    broken = f"Broken talks {tag}"
    with pytest.raises(RecordError, match=r"engagement_objective\.text: is required and cannot be empty"):
        writer.create(
            editor.ctx.principal,
            "engagements",
            {"title": broken, "kind": "visit"},
            children={"engagement-objectives": [{"text": "fine"}, {"text": None}]},
        )
    found = editor.ctx.reader.list(editor.ctx.principal, "engagements", filters={"title": broken})
    assert found.total == 0 and audit_entries() == before  # the engagement written first was rolled back
    with pytest.raises(RecordError, match="are not parts of engagements"):
        writer.create(editor.ctx.principal, "engagements", {"title": broken}, children={"case-lines": [{}]})
