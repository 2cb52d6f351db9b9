"""The engagement forms refuse bad input beside the field it concerns: proposing one (every input), editing
it, moving it through its lifecycle (approval by a second editor) and assessing it. A refusal answers with its
status, keeps what the user typed and stores nothing; a refusal of a whole form (a step out of turn, a version
someone else changed) is shown beside the form's button, which points at it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from detente.domain.markings import Role
from detente.services.writing import Writer
from detente.store.models import Engagement
from tests.web_forms.conftest import Browser, MakeBrowser, created_id, field_errors, fresh_tag, refused


def _proposal(tag: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": f"Staff talks {tag}",
        "kind": "staff_talks",
        "place": f"Toulon {tag}",
        "valid_from": "2031-03-04",
        "valid_to": "2031-03-05",
        "description": f"Talks about {tag}",
        "objectives": f"Agree a calendar {tag}\nExchange liaison officers",
        "classification": "CONFIDENTIAL",
        "releasable_to": "",
        **extra,
    }


def _titled(who: Browser, tag: str) -> list[int]:
    """The engagements proposed with this test's place (read from the table: a refusal must store none)."""
    with who.ctx.store.engine.connect() as connection:
        return list(connection.scalars(select(Engagement.id).where(Engagement.place == f"Toulon {tag}")))


def _selected(html: str, select_id: str) -> str | None:
    """The value of the option chosen in the select ``select_id`` of the page."""
    block = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert block is not None, select_id
    chosen = re.search(r'<option value="([^"]*)" selected>', block.group(1))
    return chosen.group(1) if chosen else None


def test_a_refused_proposal_shows_the_message_beside_its_field_and_keeps_what_was_typed(
    person: MakeBrowser,
) -> None:
    editor = person(Role.EDITOR, "FRA", "SECRET")
    tag = fresh_tag()
    senegal = str(editor.ctx.state_id("SEN"))
    for extra, field, words in (
        ({"title": "   "}, "title", "title: give the engagement a title"),
        ({"kind": "picnic"}, "kind", "kind: must be one of"),
        ({"host_state_id": "Atlantis"}, "host_state_id", "host state: choose a host state from the list"),
        ({"valid_from": "next week"}, "valid_from", "valid from: 'next week' is not a date; write YYYY-MM-DD"),
        ({"valid_to": "2031-13-01"}, "valid_to", "is not a date"),
        ({"releasable_to": "DEU, not a partner"}, "releasable_to", "'not a partner' is not a releasability token"),
        ({"classification": "TOP SECRET"}, "classification", "above your clearance"),
    ):
        form = _proposal(tag, **{"host_state_id": senegal, **extra})
        page = refused(editor.post("/ui/engagements", form), 400, field, words)
        assert list(field_errors(page)) == [field]  # one message, beside its own field only
        assert '<p class="alert" role="alert">Not saved. ' in page  # and the summary at the top
        for typed in ("place", "description"):
            assert f">{form[typed]}<" in page or f'value="{form[typed]}"' in page, typed
        assert f"Agree a calendar {tag}\nExchange liaison officers</textarea>" in page
        if field != "host_state_id":
            assert _selected(page, "n-host") == senegal
        if field != "kind":
            assert _selected(page, "n-kind") == "staff_talks"
        assert _titled(editor, tag) == []  # nothing stored
    viewer = person(Role.VIEWER, "FRA")
    refused(viewer.post("/ui/engagements", _proposal(tag)), 403, words="needs the editor role")
    assert _titled(editor, tag) == []
    made = created_id(editor.post("/ui/engagements", _proposal(tag, host_state_id=senegal)), "/ui/engagements/")
    assert _titled(editor, tag) == [made]


def _proposed(who: Browser, tag: str) -> int:
    created = Writer(who.ctx.store).create(
        who.ctx.principal,
        "engagements",
        {"title": f"Port call {tag}", "kind": "visit", "place": "Brest"},
        children={"engagement-objectives": [{"text": "Show the flag"}, {"text": "Meet the harbour master"}]},
    )
    return int(created["id"])


def _version(who: Browser, engagement_id: int) -> int:
    return int(who.ctx.reader.get(who.ctx.principal, "engagements", engagement_id)["version"])


def test_a_refused_edit_keeps_the_typed_values_and_a_stale_one_answers_409_beside_save(
    person: MakeBrowser,
) -> None:
    editor, colleague = person(Role.EDITOR, "FRA"), person(Role.EDITOR, "FRA")
    tag = fresh_tag()
    engagement = _proposed(editor, tag)
    address = f"/ui/engagements/{engagement}/edit"
    read = _version(editor, engagement)
    typed = {"title": f"Port call {tag} (renamed)", "place": "Cherbourg", "valid_from": "the ides of March"}
    page = refused(editor.post(address, {**typed, "version": str(read)}), 400, "valid_from", "is not a date")
    assert 'value="Cherbourg"' in page and f'value="Port call {tag} (renamed)"' in page
    assert 'value="the ides of March"' in page
    assert editor.ctx.reader.get(editor.ctx.principal, "engagements", engagement)["place"] == "Brest"

    assert colleague.post(address, {"place": "Lorient", "version": str(read)}).status_code == 303
    page = refused(editor.post(address, {"place": "Cherbourg", "version": str(read)}), 409, "version")
    assert "changed by someone else" in field_errors(page)["version"]
    assert re.search(r'<button type="submit" aria-describedby="err-version">Save</button>', page)
    assert 'value="Cherbourg"' in page  # what the user typed is kept, to apply again
    assert editor.ctx.reader.get(editor.ctx.principal, "engagements", engagement)["place"] == "Lorient"


def test_an_approval_out_of_turn_is_refused_beside_the_lifecycle_button(person: MakeBrowser) -> None:
    proposer, approver, late = person(Role.EDITOR, "FRA"), person(Role.EDITOR, "FRA"), person(Role.EDITOR, "FRA")
    tag = fresh_tag()
    engagement = _proposed(proposer, tag)
    address = f"/ui/engagements/{engagement}/transition"
    read = str(_version(proposer, engagement))
    approval = {"to": "approved", "version": read}
    page = refused(proposer.post(address, approval), 409, "to", "another editor must approve")
    assert proposer.ctx.reader.get(proposer.ctx.principal, "engagements", engagement)["status"] == "proposed"
    assert 'class="alert" role="alert">Not saved. you proposed this engagement' in page

    assert approver.post(address, approval).status_code == 303
    page = refused(late.post(address, approval), 409, "to", "cannot move from 'approved'")
    # the page now offers the next step, and its button points at the refusal shown beside it
    assert re.search(r'aria-describedby="err-to">Move to planned</button><span class="field-error" id="err-to">', page)
    skipped = refused(late.post(address, {"to": "executed", "version": read}), 409, "to", "only move to 'planned'")
    assert "Move to planned" in skipped
    assert late.ctx.reader.get(late.ctx.principal, "engagements", engagement)["approved_by_id"] == (
        approver.ctx.principal.user_id
    )


def test_an_assessment_is_refused_beside_the_score_or_the_button(person: MakeBrowser) -> None:
    proposer, approver = person(Role.EDITOR, "FRA"), person(Role.EDITOR, "FRA")
    tag = fresh_tag()
    engagement = _proposed(proposer, tag)
    writer = Writer(proposer.ctx.store)
    writer.transition(approver.ctx.principal, "engagements", engagement, "approved")
    for step in ("planned", "executed"):
        writer.transition(proposer.ctx.principal, "engagements", engagement, step)
    record = proposer.ctx.reader.get(proposer.ctx.principal, "engagements", engagement)
    first, second = (o["id"] for o in record["engagement_objectives"])
    address = f"/ui/engagements/{engagement}/assess"
    form = {
        f"score-{first}": "2",
        f"note-{first}": f"flag shown {tag}",
        f"score-{second}": "7",
        f"note-{second}": "met him twice",
        "version": str(record["version"]),
    }
    page = refused(proposer.post(address, form), 400, f"score-{second}", f"score {second}: 7 is not a score")
    assert f'value="flag shown {tag}"' in page and 'value="met him twice"' in page  # notes typed are kept
    assert _selected(page, f"score-{first}") == "2"
    assert f'aria-invalid="true" aria-describedby="err-score-{second}"' in page

    missing = {k: v for k, v in form.items() if not k.endswith(str(second))}
    page = refused(proposer.post(address, missing), 400, "assessment", "score every objective of the engagement")
    assert 'aria-describedby="err-assessment">Record the assessment</button>' in page

    stale = {**form, f"score-{second}": "3", "version": str(record["version"] - 1)}
    refused(proposer.post(address, stale), 409, "assessment", "changed by someone else")
    now = proposer.ctx.reader.get(proposer.ctx.principal, "engagements", engagement)
    assert now["status"] == "executed" and all(o["score"] is None for o in now["engagement_objectives"])

    to_assessed = {"to": "assessed", "version": str(record["version"])}
    refused(proposer.post(f"/ui/engagements/{engagement}/transition", to_assessed), 409, "to", "use the assessment")

    assert proposer.post(address, {**form, f"score-{second}": "3"}).status_code == 303
    done = proposer.ctx.reader.get(proposer.ctx.principal, "engagements", engagement)
    assert done["status"] == "assessed"
    assert sorted((o["score"], o["assessment"]) for o in done["engagement_objectives"]) == [
        (2, f"flag shown {tag}"),
        (3, "met him twice"),
    ]
