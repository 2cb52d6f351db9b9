"""Calendar feed tokens: a subscribe address that works without a session, shows only what its owner may see,
opens nothing else, and stops working when revoked or expired."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from detente.domain.markings import Role
from detente.services import accounts
from detente.services.entities import RecordError
from detente.services.errors import AuthenticationError, NotFoundError
from detente.services.records import Records
from detente.store.models import Activity, ApiToken, Marking
from detente.web.redaction import RedactFeedTokens, install_log_redaction, redact
from detente.web.viewmodels import calendar_feeds, compliance
from tests.web_viewmodels.conftest import PASSWORD, MakeContext, fresh_tag

TREATY = "vienna-document-2011"


def _uid(code: str, party: str, subject: str, due: date) -> str:
    """The UID the calendar gives a due item (see detente.compliance.calendar.to_ical)."""
    return hashlib.sha256("|".join([code, party, subject, due.isoformat()]).encode()).hexdigest()[:32]


def test_a_feed_token_reads_the_calendar_and_nothing_else(person: MakeContext) -> None:
    owner, other = person(Role.VIEWER, "FRA"), person(Role.VIEWER, "FRA")
    issued = calendar_feeds.create_feed(owner)
    assert issued.kind == "calendar" and issued.secret.startswith("dt_")
    path = calendar_feeds.feed_path(issued.secret, TREATY)
    assert path == f"/ui/compliance/calendar/{issued.secret}.ics?treaty={TREATY}"
    today = datetime.now(UTC).date()
    feed = calendar_feeds.feed_calendar(owner.store, issued.secret, TREATY, today)
    assert feed.startswith(b"BEGIN:VCALENDAR") and feed == compliance.calendar_ics(owner, TREATY, today)
    assert [f.id for f in calendar_feeds.feeds(owner)] == [issued.id] and calendar_feeds.feeds(other) == []
    # Only its hash is stored.
    with owner.store.engine.connect() as connection:
        stored = connection.execute(select(ApiToken.token_hash).where(ApiToken.id == issued.id)).scalar_one()
    assert stored == hashlib.sha256(issued.secret.encode()).hexdigest() and issued.secret not in stored
    # The narrow scope: not a session, not an API token (not even from the API's cache of verified tokens,
    # where reading the feed just put it); and a session is not a feed token.
    assert accounts.recently_verified(owner.store, issued.secret) is None
    with pytest.raises(AuthenticationError, match="calendar feed"):
        accounts.authenticate(owner.store, issued.secret)
    session = accounts.login(owner.store, owner.principal.username, PASSWORD, client="tests")
    with pytest.raises(NotFoundError):
        calendar_feeds.feed_calendar(owner.store, session.secret, TREATY)
    with pytest.raises(NotFoundError):
        calendar_feeds.feed_calendar(owner.store, "dt_" + "x" * 43, TREATY)
    # Another user cannot revoke it; its owner can, and then it answers nothing.
    with pytest.raises(NotFoundError):
        calendar_feeds.revoke_feed(other, issued.id)
    calendar_feeds.revoke_feed(owner, issued.id)
    assert calendar_feeds.feeds(owner) == []
    with pytest.raises(NotFoundError, match="no such calendar feed"):
        calendar_feeds.feed_calendar(owner.store, issued.secret, TREATY)


def test_an_expired_feed_token_answers_nothing(person: MakeContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_TOKEN_CACHE_SECONDS", "0")
    owner = person(Role.VIEWER, "FRA")
    issued = calendar_feeds.create_feed(owner, days=1)
    assert calendar_feeds.feed_calendar(owner.store, issued.secret, TREATY).startswith(b"BEGIN:VCALENDAR")
    with owner.store.engine.begin() as connection:
        connection.execute(
            update(ApiToken).where(ApiToken.id == issued.id).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    with pytest.raises(NotFoundError):
        calendar_feeds.feed_calendar(owner.store, issued.secret, TREATY)
    assert calendar_feeds.feeds(owner) == []
    with pytest.raises(RecordError, match="between 1 and 366"):
        calendar_feeds.create_feed(owner, days=400)


def test_the_feed_shows_only_what_its_owner_may_see(person: MakeContext) -> None:
    editor = person(Role.EDITOR, "FRA", "SECRET")
    cleared, uncleared, foreign = (
        person(Role.VIEWER, "FRA", "SECRET"),
        person(Role.VIEWER, "FRA", "UNCLASSIFIED"),
        person(Role.VIEWER, "DEU", "SECRET"),
    )
    today = datetime.now(UTC).date()
    start = today + timedelta(days=100)
    tag = fresh_tag()
    exercise = {"activities": [{"ref": tag, "kind": "exercise", "party": "DEU", "title": tag, "start": str(start)}]}
    exercise["activities"][0].update({"end": str(start), "troops": 10_000})
    compliance.import_file(editor, TREATY, f"{tag}.json", json.dumps(exercise).encode(), as_of=today)
    with editor.store.engine.connect() as connection:
        activity = connection.execute(select(Activity.id).where(Activity.title == tag)).scalar_one()
    # Mark the activity SECRET, releasable to France only (through the audited records service).
    records = Records(editor.store)
    marking = records.create(Marking, {"classification": "SECRET", "releasable_to": ["FRA"]}, actor="test")
    records.update(Activity, activity, {"marking_id": marking["id"]}, actor="test")
    notice = _uid("VD-PRIOR-NOTICE", "DEU", f"activity:{activity}", start - timedelta(days=42))
    feeds = {}
    for name, reader in (("cleared", cleared), ("uncleared", uncleared), ("foreign", foreign)):
        secret = calendar_feeds.create_feed(reader).secret
        feeds[name] = calendar_feeds.feed_calendar(reader.store, secret, TREATY, today).decode()
    assert notice in feeds["cleared"]  # the notice owed for the marked exercise
    assert notice not in feeds["uncleared"] and notice not in feeds["foreign"]
    assert all(text.startswith("BEGIN:VCALENDAR") for text in feeds.values())


def test_the_access_log_never_shows_a_feed_token() -> None:
    secret = "dt_" + "Ab9-_" * 8
    line = f'127.0.0.1:5555 - "GET /ui/compliance/calendar/{secret}.ics?treaty={TREATY} HTTP/1.1" 200'
    assert secret not in redact(line) and "/ui/compliance/calendar/[redacted].ics?treaty=" in redact(line)
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5555", "GET", f"/ui/compliance/calendar/{secret}.ics?treaty={TREATY}", "1.1", 200),
        None,
    )
    assert RedactFeedTokens().filter(record) and secret not in record.getMessage()
    assert redact("/ui/compliance/calendar.ics?treaty=x") == "/ui/compliance/calendar.ics?treaty=x"
    install_log_redaction()  # what install_web does: the access logger carries the filter, once
    install_log_redaction()
    assert sum(isinstance(f, RedactFeedTokens) for f in logging.getLogger("uvicorn.access").filters) == 1
