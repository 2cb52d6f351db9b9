"""Removing a report's link from its page: one small form per link (CSRF token) removes that link and no
other; a viewer, a request without the token, a link of another report, a link removed twice (the page was
stale: 409) and a link to an engagement the user may not see are all refused and remove nothing."""

from __future__ import annotations

import re
from typing import Any

from detente.domain.markings import Role
from detente.services.writing import MarkingRequest, Writer
from tests.web_forms.conftest import Browser, MakeBrowser, created_id, fresh_tag, refused

REMOVE = re.compile(r'action="/ui/reports/(\d+)/links/(\d+)/remove"')
ONE = {"version": "1"}
"""What a remove button posts for a link never changed: its version as the page showed it."""


def _links(who: Browser, report_id: int) -> list[tuple[str, int]]:
    record = who.ctx.reader.get(who.ctx.principal, "reports", report_id)
    return sorted((str(x["object_type"]), int(x["object_id"])) for x in record["report_links"])


def _link_ids(who: Browser, report_id: int) -> dict[tuple[str, int], int]:
    record = who.ctx.reader.get(who.ctx.principal, "reports", report_id)
    return {(str(x["object_type"]), int(x["object_id"])): int(x["id"]) for x in record["report_links"]}


def _write(who: Browser, tag: str, **extra: Any) -> int:
    form = {
        "title": f"Harbour survey {tag}",
        "body": f"The {tag} survey ship left Brest.",
        "reported_on": "2025-03-01",
        "reliability": "C",
        "credibility": "3",
        "classification": "UNCLASSIFIED",
        "link_state_id": [str(who.ctx.state_id("SEN")), str(who.ctx.state_id("FRA"))],
        **extra,
    }
    return created_id(who.post("/ui/reports", form), "/ui/reports/")


def test_removing_a_link_removes_that_link_only(person: MakeBrowser) -> None:
    analyst = person(Role.ANALYST, "FRA")
    tag = fresh_tag()
    visit = Writer(analyst.ctx.store).create(
        person(Role.EDITOR, "FRA").ctx.principal, "engagements", {"title": f"Port call {tag}", "kind": "visit"}
    )
    report = _write(analyst, tag, link_engagement_id=str(visit["id"]))
    sen, fra = analyst.ctx.state_id("SEN"), analyst.ctx.state_id("FRA")
    assert sen is not None and fra is not None
    ids = _link_ids(analyst, report)
    page = analyst.get(f"/ui/reports/{report}").text
    assert sorted(int(link) for _, link in REMOVE.findall(page)) == sorted(ids.values())  # one button per link
    assert 'aria-label="Remove the link to Senegal (state)"' in page
    assert page.count('<input type="hidden" name="version" value="1">') == len(ids)  # each button posts it

    answer = analyst.post(f"/ui/reports/{report}/links/{ids[('state', sen)]}/remove", ONE)
    assert answer.status_code == 303 and answer.headers["location"] == f"/ui/reports/{report}#about"
    assert _links(analyst, report) == sorted([("state", fra), ("engagement", int(visit["id"]))])
    page = analyst.get(f"/ui/reports/{report}").text
    about = re.search(r'<dd id="about">(.*?)</dd>', page, re.S)
    assert about is not None
    assert "Senegal" not in about.group(1) and "France" in about.group(1) and f"Port call {tag}" in about.group(1)

    # the page the user read is stale: the link is gone, so removing it again is a conflict, shown at the top
    again = refused(
        analyst.post(f"/ui/reports/{report}/links/{ids[('state', sen)]}/remove", ONE),
        409,
        words="the report has no such link any more",
    )
    assert '<p class="alert" role="alert">Not saved. the report has no such link any more' in again
    assert _links(analyst, report) == sorted([("state", fra), ("engagement", int(visit["id"]))])


def test_a_removal_is_refused_for_who_may_not_and_for_links_not_shown(person: MakeBrowser) -> None:
    analyst, viewer = person(Role.ANALYST, "FRA"), person(Role.VIEWER, "FRA")
    tag = fresh_tag()
    report, other = _write(analyst, tag), _write(analyst, tag + "b")
    before = _links(analyst, report)
    link = next(iter(_link_ids(analyst, report).values()))

    assert REMOVE.search(viewer.get(f"/ui/reports/{report}").text) is None  # a viewer gets no remove button
    refused(viewer.post(f"/ui/reports/{report}/links/{link}/remove", ONE), 403, words="needs the analyst role")
    assert analyst.post(f"/ui/reports/{report}/links/{link}/remove", ONE, csrf=False).status_code == 403
    # a link of this report asked for through another report's address
    refused(analyst.post(f"/ui/reports/{other}/links/{link}/remove", ONE), 409, words="no such link")
    outsider = person(Role.ANALYST, "DEU")  # the report is releasable to France only: not found for a German
    assert outsider.post(f"/ui/reports/{report}/links/{link}/remove", ONE).status_code == 404
    assert _links(analyst, report) == before and len(before) == 2


def test_a_link_to_an_engagement_beyond_the_reader_is_neither_shown_nor_removable(person: MakeBrowser) -> None:
    cleared, uncleared = person(Role.ANALYST, "FRA", "SECRET"), person(Role.ANALYST, "FRA", "CONFIDENTIAL")
    tag = fresh_tag()
    secret = Writer(cleared.ctx.store).create(
        person(Role.EDITOR, "FRA", "SECRET").ctx.principal,
        "engagements",
        {"title": f"Secret staff talks {tag}", "kind": "staff_talks"},
        marking=MarkingRequest("SECRET"),
    )
    report = _write(cleared, tag, link_engagement_id=str(secret["id"]))
    hidden = _link_ids(cleared, report)[("engagement", int(secret["id"]))]
    page = uncleared.get(f"/ui/reports/{report}").text
    assert f"/links/{hidden}/remove" not in page and f"Secret staff talks {tag}" not in page
    answer = refused(uncleared.post(f"/ui/reports/{report}/links/{hidden}/remove", ONE), 409, words="no such link")
    assert f"Secret staff talks {tag}" not in answer
    assert ("engagement", int(secret["id"])) in _links(cleared, report)


def test_a_removal_names_the_version_the_page_showed(person: MakeBrowser) -> None:
    """A delete names the version it was made against, a link's too: none is refused (400), a stale one is a 409."""
    analyst = person(Role.ANALYST, "FRA")
    report = _write(analyst, fresh_tag())
    before = _links(analyst, report)
    link = next(iter(_link_ids(analyst, report).values()))
    path = f"/ui/reports/{report}/links/{link}/remove"
    for posted in ({}, {"version": "x"}):
        refused(analyst.post(path, posted), 400, field=f"unlink-{link}", words="which version of the link you read")
    refused(analyst.post(path, {"version": "2"}), 409, field=f"unlink-{link}", words="changed by someone else")
    assert _links(analyst, report) == before
    assert analyst.post(path, ONE).status_code == 303
    assert len(_links(analyst, report)) == len(before) - 1
