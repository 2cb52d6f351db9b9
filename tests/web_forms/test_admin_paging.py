"""The admin page pages and searches users, markings and the audit log the same way."""

from __future__ import annotations

import html
import re

from detente.domain.markings import Role
from detente.services.records import Records
from detente.store.models import Marking
from tests.web_forms.conftest import MakeBrowser, fresh_tag

PAGER = re.compile(r'<nav class="pager" aria-label="([^"]+) pages"><span>([^<]+)</span>')


def _pagers(page: str) -> dict[str, str]:
    return dict(PAGER.findall(page))


def test_markings_beyond_the_first_page_are_reached_and_found(person: MakeBrowser) -> None:
    admin = person(Role.ADMIN, "FRA")
    caveat = fresh_tag().upper()
    records = Records(admin.ctx.store)
    every_code = (admin.ctx.state_iso3(int(s.value)) for s in admin.ctx.state_choices())
    codes = sorted({code for code in every_code if code and code != "FRA"})[:60]
    assert len(codes) == 60
    made = [
        records.create(
            Marking, {"classification": "SECRET", "releasable_to": ["FRA", code], "caveat": caveat}, actor="tests"
        )["id"]
        for code in codes
    ]
    first = admin.get(f"/ui/admin?markings_q={caveat}").text
    assert _pagers(first)["Markings"] == "Showing 1-50 of 60."
    shown = [int(i) for i in re.findall(r'<tr><th scope="row">(\d+)</th><td>SECRET</td>', first)]
    assert shown == made[:50]
    following = re.search(r'<nav class="pager" aria-label="Markings pages">.*?<a href="([^"]+)">Next</a>', first, re.S)
    assert following is not None
    second = admin.get(html.unescape(following.group(1))).text
    assert _pagers(second)["Markings"] == "Showing 51-60 of 60."
    assert [int(i) for i in re.findall(r'<tr><th scope="row">(\d+)</th><td>SECRET</td>', second)] == made[50:]
    one = admin.get(f"/ui/admin?markings_q={codes[-1]}").text
    assert str(made[-1]) in re.findall(r'<tr><th scope="row">(\d+)</th><td>SECRET</td>', one)


def test_users_and_audit_entries_are_searched_and_paged(person: MakeBrowser) -> None:
    admin = person(Role.ADMIN, "FRA")
    caveat = fresh_tag().upper()
    for n in range(51):  # 51 audited writes: the log is longer than a page whatever ran before
        Records(admin.ctx.store).create(
            Marking, {"classification": "RESTRICTED", "releasable_to": ["FRA"], "caveat": f"{caveat}{n}"}, actor="tests"
        )
    page = admin.get("/ui/admin").text
    pagers = _pagers(page)
    assert set(pagers) == {"Audit log", "Users", "Markings"}
    assert pagers["Audit log"].startswith("Showing 1-50 of ")
    total = int(pagers["Audit log"].split(" of ")[1].rstrip(".").replace(",", ""))
    assert total > 50
    older = admin.get("/ui/admin?audit_offset=50").text
    assert _pagers(older)["Audit log"].startswith("Showing 51-")
    first_seqs = re.findall(r'<tr><th scope="row">(\d+)</th><td>\d{4}-', page)
    older_seqs = re.findall(r'<tr><th scope="row">(\d+)</th><td>\d{4}-', older)
    assert int(older_seqs[0]) < int(first_seqs[-1])  # newest first, the next page older
    mine = admin.get(f"/ui/admin?users_q={admin.ctx.principal.username}").text
    assert _pagers(mine)["Users"] == "Showing 1-1 of 1."
    assert _pagers(admin.get("/ui/admin?users_q=nobody-has-this-name").text)["Users"] == "None found."
    editor = person(Role.EDITOR, "FRA")
    assert editor.get("/ui/admin").status_code == 403
