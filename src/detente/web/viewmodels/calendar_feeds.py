"""Calendar feeds: a subscribe address for the compliance calendar that a calendar program can read without
signing in.

A calendar program (Outlook, Thunderbird, a phone) fetches an address on its own schedule and has no way to
sign in, so the address itself must carry the credential: ``/ui/compliance/calendar/<secret>.ics?treaty=...``.
The secret is an accounts-service token of the narrowest kind (:data:`~detente.services.accounts.FEED_KIND`):
only its SHA-256 is stored, it expires, the user revokes it from the compliance page, and it opens nothing but
this feed (the API and the pages refuse it). The feed shows exactly what the token's owner may see: the due
items are filtered by that user's markings as on the board (:func:`detente.web.viewmodels.compliance.
calendar_ics`). An unknown, revoked or expired token answers 404, naming nothing.

The secret sits in the path rather than the query string, and :mod:`detente.web.redaction` blanks it in the
server's access log, so it is never written down by detente.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import quote

from detente.services import accounts
from detente.services.errors import AuthenticationError, NotFoundError
from detente.store.database import Store
from detente.web.viewmodels.common import Context
from detente.web.viewmodels.compliance import calendar_ics

__all__ = ["FEED_DAYS", "Feed", "create_feed", "feed_calendar", "feed_path", "feeds", "revoke_feed"]

FEED_DAYS = 180
"""How long a new subscribe address works (the user makes a new one after)."""


@dataclass(frozen=True)
class Feed:
    """One of the user's live subscribe addresses (its secret is never shown again after it is made)."""

    id: int
    name: str
    created_at: datetime
    expires_at: datetime


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def feeds(ctx: Context) -> list[Feed]:
    """The user's calendar feed tokens that still work (neither revoked nor expired), oldest first."""
    now = datetime.now(UTC)
    return [
        Feed(int(row["id"]), str(row["name"] or "calendar"), _aware(row["created_at"]), _aware(row["expires_at"]))
        for row in accounts.list_tokens(ctx.store, ctx.principal)
        if row["kind"] == accounts.FEED_KIND and row["revoked_at"] is None and _aware(row["expires_at"]) > now
    ]


def feed_path(secret: str, treaty: str) -> str:
    """The subscribe address (path and query) for ``treaty`` with the feed token ``secret``."""
    return f"/ui/compliance/calendar/{quote(secret, safe='')}.ics?treaty={quote(treaty, safe='')}"


def create_feed(ctx: Context, days: int = FEED_DAYS) -> accounts.IssuedToken:
    """A new feed token for the user (audited as a token creation); its secret is shown once."""
    return accounts.issue_feed_token(ctx.store, ctx.principal, days=days)


def revoke_feed(ctx: Context, token_id: int) -> None:
    """Revoke one of the user's own feed tokens; :class:`NotFoundError` for any other token id."""
    if token_id not in {feed.id for feed in feeds(ctx)}:
        raise NotFoundError(f"you have no live calendar feed with id {token_id}")
    accounts.revoke_token(ctx.store, ctx.principal, token_id)


def feed_calendar(store: Store, secret: str, treaty: str, day: date | None = None) -> bytes:
    """The treaty's due calendar as the feed token's owner may see it; :class:`NotFoundError` when the token
    is not a live feed token (the message names neither the token nor why)."""
    try:
        principal = accounts.authenticate_feed(store, secret)
    except AuthenticationError:
        raise NotFoundError("no such calendar feed") from None
    return calendar_ics(Context(store, principal), treaty, day)
