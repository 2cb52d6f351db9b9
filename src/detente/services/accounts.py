"""Accounts: users with argon2 password hashes, login sessions and API tokens, and login rate limiting.

A session (from :func:`login`) and an API token (from :func:`issue_token`) are the same thing to the store: a
random secret given to the user once, of which only the SHA-256 is kept (a secret of 256 random bits needs no
slow hash; passwords, which people choose, get argon2). Both expire and both can be revoked. Neither a
password nor a secret ever reaches a log, an error message or the audit trail (``password_hash`` and
``token_hash`` are hidden there, see :data:`~detente.services.entities.SECRET_FIELDS`).

A **calendar feed token** (from :func:`issue_feed_token`) is the same kind of row with the narrowest scope:
``kind = "calendar"``. It exists because calendar programs subscribe to an address and cannot sign in, so
the secret travels in the address itself. It is good for reading that user's compliance calendar and for
nothing else: :func:`authenticate` (sessions, the API) refuses it, and only :func:`authenticate_feed`
accepts it. It expires (at most :data:`MAX_FEED_DAYS` days) and the user revokes it like any token.

Failed logins are counted per user name and per client address in a sliding window, in the store (so the
limit holds across processes and uvicorn workers); past the limit a login is refused with
:class:`RateLimitedError` until the window moves on, even with the right password.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, func, insert, select

from detente.domain.markings import Classification, MarkingError, Role, normalise_tokens
from detente.services.access import Principal
from detente.services.entities import RecordError
from detente.services.errors import AuthenticationError, ForbiddenError, NotFoundError, RateLimitedError
from detente.services.records import Batch, batch
from detente.store.database import Store
from detente.store.models import ApiToken, LoginFailure, User
from detente.store.models import Role as RoleRow

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "SESSION_HOURS",
    "IssuedToken",
    "LoginLimiter",
    "authenticate",
    "authenticate_feed",
    "create_user",
    "hash_password",
    "issue_feed_token",
    "issue_token",
    "list_tokens",
    "list_users",
    "login",
    "principal_named",
    "recently_verified",
    "revoke_token",
    "update_user",
]

MIN_PASSWORD_LENGTH = 12
SESSION_HOURS = 12
MAX_TOKEN_DAYS = 366
MAX_FEED_DAYS = 366
TOKEN_PREFIX = "dt_"
FEED_KIND = "calendar"
"""The ``kind`` of a calendar feed token: it reads one user's compliance calendar and nothing else."""
SIGN_IN_KINDS = frozenset({"session", "api"})
"""The kinds :func:`authenticate` accepts (a feed token is not among them)."""

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password anyone has")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``, after checking it is long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RecordError("user", "password", f"must be at least {MIN_PASSWORD_LENGTH} characters long")
    return _hasher.hash(password)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


class LoginLimiter:
    """Failed logins per key (user name, client address) in a sliding window of ``window`` seconds.

    The failures are rows of ``login_failures`` in the store, so every process and every uvicorn worker
    serving the store counts the same failures: starting more workers does not multiply the attempts an
    attacker gets. Checking and counting are two statements, so a burst racing across workers may get a
    few attempts past the limit before the next check sees them; it cannot go on past it.
    """

    def __init__(self, per_user: int = 5, per_client: int = 20, window: float = 300.0) -> None:
        self.per_user, self.per_client, self.window = per_user, per_client, window

    @staticmethod
    def _keys(username: str, client: str) -> tuple[str, str]:
        return f"user:{username.lower()}"[:300], f"client:{client}"[:300]

    def check(self, store: Store, username: str, client: str) -> None:
        """Raise :class:`RateLimitedError` if either key is over its limit."""
        now = _now()
        since = now - timedelta(seconds=self.window)
        user_key, client_key = self._keys(username, client)
        with store.engine.connect() as connection:
            for key, limit in ((user_key, self.per_user), (client_key, self.per_client)):
                count, oldest = connection.execute(
                    select(func.count(), func.min(LoginFailure.failed_at)).where(
                        LoginFailure.key == key, LoginFailure.failed_at > since
                    )
                ).one()
                if count >= limit:
                    wait = int((oldest + timedelta(seconds=self.window) - now).total_seconds()) + 1
                    raise RateLimitedError(
                        f"too many failed logins; try again in {wait} seconds", retry_after=max(wait, 1)
                    )

    def failed(self, store: Store, username: str, client: str) -> None:
        """Count one failure against the user name and the client; forget failures older than the window."""
        now = _now()
        with store.engine.begin() as connection:
            connection.execute(
                delete(LoginFailure).where(LoginFailure.failed_at <= now - timedelta(seconds=self.window))
            )
            connection.execute(
                insert(LoginFailure), [{"key": key, "failed_at": now} for key in self._keys(username, client)]
            )

    def succeeded(self, store: Store, username: str) -> None:
        """A right password clears the user name's failures (not the client's)."""
        with store.engine.begin() as connection:
            connection.execute(delete(LoginFailure).where(LoginFailure.key == self._keys(username, "")[0]))


DEFAULT_LIMITER = LoginLimiter()


@dataclass(frozen=True)
class IssuedToken:
    """A new session or API token. ``secret`` is shown to the user once and stored nowhere."""

    id: int
    secret: str
    kind: str
    expires_at: datetime
    user: dict[str, Any]


ROLE_DESCRIPTIONS = {
    Role.VIEWER: "read, list, count and search what their markings let them see",
    Role.ANALYST: "a viewer who may also export and write attache reports and journal notes",
    Role.EDITOR: "an analyst who may also create and change records, move lifecycles and approve releases",
    Role.ADMIN: "an editor who may also manage users and verify the audit log",
}


def _role_ids(work: Batch) -> dict[str, int]:
    """Make sure the four roles exist; their ids by name."""
    found = {name: rid for rid, name in work.connection.execute(select(RoleRow.id, RoleRow.name))}
    for role in Role:
        if role.value not in found:
            found[role.value] = work.create(RoleRow, {"name": role.value, "description": ROLE_DESCRIPTIONS[role]})["id"]
    return found


def _user_values(values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise clearance, nationality and affiliations; hash a password."""
    out = dict(values)
    try:
        if "clearance" in out:
            out["clearance"] = Classification.parse(str(out["clearance"])).name
        if out.get("nationality") is not None:
            (out["nationality"],) = normalise_tokens([out["nationality"]], field="nationality")
            if ":" in out["nationality"]:
                raise RecordError("user", "nationality", "must be a state's ISO3 code, such as FRA")
        if "affiliations" in out:
            out["affiliations"] = list(normalise_tokens(out["affiliations"] or [], field="affiliations"))
    except MarkingError as error:
        raise RecordError("user", None, str(error)) from None
    if "password" in out:
        out["password_hash"] = hash_password(out.pop("password"))
    return out


def create_user(
    store: Store,
    *,
    actor: str,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    nationality: str | None = None,
    clearance: str = "UNCLASSIFIED",
    affiliations: Iterable[str] = (),
) -> dict[str, Any]:
    """Create a user (audited; the hash never leaves the store) and return it."""
    username = username.strip()
    if not username:
        raise RecordError("user", "username", "is required")
    values = _user_values(
        {
            "username": username,
            "display_name": display_name or username,
            "password": password,
            "nationality": nationality,
            "clearance": clearance,
            "affiliations": list(affiliations),
            "active": True,
        }
    )
    with batch(store, actor) as work:
        if work.connection.execute(select(User.id).where(User.username == username)).first() is not None:
            raise RecordError("user", "username", f"{username!r} is taken; choose another user name")
        values["role_id"] = _role_ids(work)[role.value]
        return _public_user(work.create(User, values), role)


def update_user(store: Store, admin: Principal, user_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a user's role, clearance, nationality, affiliations, display name, active flag or password."""
    if not admin.at_least(Role.ADMIN) and not (admin.user_id == user_id and set(changes) <= {"password"}):
        raise ForbiddenError("managing users needs the admin role (a user may change only their own password)")
    values = _user_values(changes)
    role = values.pop("role", None)
    with batch(store, admin.actor) as work:
        if role is not None:
            values["role_id"] = _role_ids(work)[Role(role).value]
        after = work.update(User, user_id, values)
        if values.get("active") is False or "password_hash" in values:
            _revoke_all(work, user_id)
        shown = _public_user(after, _role_name(work.connection, after["role_id"]))
    forget_verified_tokens()  # a new role, clearance or affiliation applies to the next request
    return shown


def _revoke_all(work: Batch, user_id: int) -> None:
    rows = work.connection.execute(
        select(ApiToken.id).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    ).scalars()
    for token_id in list(rows):
        work.update(ApiToken, token_id, {"revoked_at": _now()}, action="logout")
    forget_verified_tokens()


def _role_name(connection: Connection, role_id: int) -> Role:
    return Role(connection.execute(select(RoleRow.name).where(RoleRow.id == role_id)).scalar_one())


def _public_user(row: dict[str, Any], role: Role) -> dict[str, Any]:
    out = {key: value for key, value in row.items() if key not in ("password_hash", "role_id")}
    out["role"] = role.value
    return out


def list_users(store: Store, admin: Principal) -> list[dict[str, Any]]:
    """Every user (admins only), without password hashes."""
    if not admin.at_least(Role.ADMIN):
        raise ForbiddenError("listing users needs the admin role")
    with store.sessions() as session:
        rows = session.execute(select(User, RoleRow.name).join(RoleRow, RoleRow.id == User.role_id).order_by(User.id))
        return [
            {
                "id": user.id,
                "username": user.username,
                "display_name": user.display_name,
                "role": role,
                "nationality": user.nationality,
                "clearance": user.clearance,
                "affiliations": user.affiliations,
                "active": user.active,
            }
            for user, role in rows
        ]


def _issue(work: Batch, user_id: int, kind: str, name: str | None, lifetime: timedelta, action: str) -> tuple[int, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    row = work.create(
        ApiToken,
        {
            "user_id": user_id,
            "kind": kind,
            "name": name,
            "token_hash": _digest(secret),
            "created_at": now,
            "expires_at": now + lifetime,
        },
    )
    if action != "create":
        work.audit(action, "user", user_id, None, {"token_id": row["id"], "kind": kind})
    return row["id"], secret


def login(
    store: Store, username: str, password: str, *, client: str, limiter: LoginLimiter | None = None
) -> IssuedToken:
    """Check a user name and password and open a session; rate-limited per user name and client."""
    limiter = limiter or DEFAULT_LIMITER
    limiter.check(store, username, client)
    with store.sessions() as session:
        found = session.execute(
            select(User, RoleRow.name).join(RoleRow, RoleRow.id == User.role_id).where(User.username == username)
        ).first()
    user = found[0] if found else None
    try:
        _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
        ok = user is not None and user.active and user.password_hash is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or found is None:
        limiter.failed(store, username, client)
        raise AuthenticationError("wrong user name or password, or the account is disabled")
    limiter.succeeded(store, username)
    lifetime = timedelta(hours=SESSION_HOURS)
    with batch(store, user.username) as work:
        token_id, secret = _issue(work, user.id, "session", None, lifetime, "login")
    return IssuedToken(
        token_id,
        secret,
        "session",
        _now() + lifetime,
        {"id": user.id, "username": user.username, "role": found[1]},
    )


def _token_cache_seconds() -> float:
    raw = os.environ.get("DETENTE_TOKEN_CACHE_SECONDS", "5")
    try:
        return max(float(raw), 0.0)
    except ValueError:
        raise ValueError(f"DETENTE_TOKEN_CACHE_SECONDS={raw!r} is not a number of seconds; set it to e.g. 5") from None


_VERIFIED: dict[tuple[str, str], tuple[float, datetime, Principal, str]] = {}
"""(store URL, token digest) -> (when it was verified, when it expires, its principal, its kind): verified
tokens, briefly."""
_VERIFIED_LOCK = threading.Lock()


def forget_verified_tokens() -> None:
    """Drop every cached verification (done on each revocation and logout in this process)."""
    with _VERIFIED_LOCK:
        _VERIFIED.clear()


def recently_verified(store: Store, secret: str) -> Principal | None:
    """The principal of ``secret`` if this process verified it within ``DETENTE_TOKEN_CACHE_SECONDS``, it has
    not expired since and it is a session or API token (never a calendar feed token); else ``None`` (then
    :func:`authenticate` asks the database, and refuses a feed token). Never touches the database, so the API
    calls it on its event loop before handing a request to a worker thread."""
    if not secret.startswith(TOKEN_PREFIX):
        raise AuthenticationError("not a detente token; sign in at /auth/login or make an API token")
    ttl = _token_cache_seconds()
    cached = _VERIFIED.get((str(store.url), _digest(secret))) if ttl else None
    if cached is not None and time.monotonic() - cached[0] < ttl and cached[1] > _now() and cached[3] in SIGN_IN_KINDS:
        return cached[2]
    return None


def authenticate(store: Store, secret: str) -> Principal:
    """The principal a session or API token belongs to; :class:`AuthenticationError` if it is not valid now.

    A verified token is remembered for ``DETENTE_TOKEN_CACHE_SECONDS`` (default 5; 0 turns it off) so that a
    client's every request does not cost a database round trip. A revocation or logout in this process takes
    effect at once; one made by another process (another uvicorn worker) within that many seconds. An
    expiry is always checked against the clock. A calendar feed token is refused here (it only reads a
    calendar, through :func:`authenticate_feed`).
    """
    if not secret.startswith(TOKEN_PREFIX):
        raise AuthenticationError("not a detente token; sign in at /auth/login or make an API token")
    principal, kind = _checked(store, secret)
    if kind not in SIGN_IN_KINDS:
        raise AuthenticationError("this token only reads a calendar feed; sign in at /auth/login or make an API token")
    return principal


def authenticate_feed(store: Store, secret: str) -> Principal:
    """The principal a calendar feed token belongs to; :class:`AuthenticationError` for anything else (a
    session or API token, an unknown, revoked or expired token, a disabled user). Cached like
    :func:`authenticate`."""
    if not secret.startswith(TOKEN_PREFIX):
        raise AuthenticationError("not a calendar feed token")
    principal, kind = _checked(store, secret)
    if kind != FEED_KIND:
        raise AuthenticationError("not a calendar feed token")
    return principal


def _checked(store: Store, secret: str) -> tuple[Principal, str]:
    """The token's principal and kind, from the brief cache or the store (see :func:`authenticate`)."""
    key = (str(store.url), _digest(secret))
    ttl = _token_cache_seconds()
    cached = _VERIFIED.get(key) if ttl else None
    if cached is not None and time.monotonic() - cached[0] < ttl and cached[1] > _now():
        return cached[2], cached[3]
    principal, expires_at, kind = _verify(store, key[1])
    if ttl:
        with _VERIFIED_LOCK:
            if len(_VERIFIED) > 10_000:
                _VERIFIED.clear()
            _VERIFIED[key] = (time.monotonic(), expires_at, principal, kind)
    return principal, kind


_PRINCIPAL_COLUMNS = (
    User.id,
    User.username,
    User.active,
    User.clearance,
    User.nationality,
    User.affiliations,
    RoleRow.name,
)
"""What a principal is made of: the user's row and the name of their role (join ``roles`` to select them)."""


def _principal(row: Any) -> Principal:
    """The principal a row of :data:`_PRINCIPAL_COLUMNS` describes.

    A token and a user name lead to the same person in the same way: the role's name becomes a
    :class:`~detente.domain.markings.Role`, the stored clearance a
    :class:`~detente.domain.markings.Classification`, and the affiliations (null when there are none) a
    frozen set. Whether the user is active is the caller's to check before.
    """
    return Principal(
        user_id=row.id,
        username=row.username,
        role=Role(row.name),
        clearance=Classification.parse(row.clearance),
        nationality=row.nationality,
        affiliations=frozenset(row.affiliations or ()),
    )


def _verify(store: Store, digest: str) -> tuple[Principal, datetime, str]:
    with store.engine.connect() as connection:
        row = connection.execute(
            select(
                *_PRINCIPAL_COLUMNS,
                ApiToken.expires_at,
                ApiToken.revoked_at,
                ApiToken.kind,
            )
            .join(ApiToken, ApiToken.user_id == User.id)
            .join(RoleRow, RoleRow.id == User.role_id)
            .where(ApiToken.token_hash == digest)
        ).first()
    if row is None or row.revoked_at is not None or not row.active:
        raise AuthenticationError("this token is unknown or was revoked; sign in again")
    if row.expires_at <= _now():
        raise AuthenticationError("this token has expired; sign in again")
    return _principal(row), row.expires_at, str(row.kind)


def principal_named(store: Store, username: str) -> Principal:
    """The principal of an active user, by name, for a command run on the machine that holds the store
    (``detente compliance due --user NAME``): whoever can open the database can read every row already, so
    this authenticates nothing; it makes the command *show* only what that user may see.

    :class:`NotFoundError` for an unknown or deactivated user."""
    with store.engine.connect() as connection:
        row = connection.execute(
            select(*_PRINCIPAL_COLUMNS).join(RoleRow, RoleRow.id == User.role_id).where(User.username == username)
        ).first()
    if row is None or not row.active:
        raise NotFoundError(
            f"there is no active user named {username!r}; check the name (an admin lists users at /ui/admin)"
        )
    return _principal(row)


def issue_token(store: Store, principal: Principal, *, name: str, days: int) -> IssuedToken:
    """A named API token for the principal, valid ``days`` days (1 .. 366)."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise RecordError("api_token", "days", f"must be between 1 and {MAX_TOKEN_DAYS}")
    lifetime = timedelta(days=days)
    with batch(store, principal.actor) as work:
        token_id, secret = _issue(work, principal.user_id, "api", name, lifetime, "create")
    return IssuedToken(token_id, secret, "api", _now() + lifetime, {"id": principal.user_id})


def issue_feed_token(
    store: Store, principal: Principal, *, name: str = "compliance calendar", days: int = 180
) -> IssuedToken:
    """A calendar feed token for the principal, valid ``days`` days (1 .. 366): the secret to put in the
    subscribe address (shown once; only its SHA-256 is kept). It reads that user's calendar and nothing else."""
    if not 1 <= days <= MAX_FEED_DAYS:
        raise RecordError("api_token", "days", f"must be between 1 and {MAX_FEED_DAYS}")
    lifetime = timedelta(days=days)
    with batch(store, principal.actor) as work:
        token_id, secret = _issue(work, principal.user_id, FEED_KIND, name[:100], lifetime, "create")
    return IssuedToken(token_id, secret, FEED_KIND, _now() + lifetime, {"id": principal.user_id})


def list_tokens(store: Store, principal: Principal) -> list[dict[str, Any]]:
    """The principal's sessions and tokens (never their secrets)."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(
                ApiToken.id, ApiToken.kind, ApiToken.name, ApiToken.created_at, ApiToken.expires_at, ApiToken.revoked_at
            )
            .where(ApiToken.user_id == principal.user_id)
            .order_by(ApiToken.id)
        )
        return [dict(row._mapping) for row in rows]


def revoke_token(store: Store, principal: Principal, token_id: int) -> dict[str, Any]:
    """Revoke one of the principal's tokens (an admin may revoke anyone's)."""
    with batch(store, principal.actor) as work:
        owner = work.connection.execute(select(ApiToken.user_id).where(ApiToken.id == token_id)).scalar()
        if owner is None or (owner != principal.user_id and not principal.at_least(Role.ADMIN)):
            raise NotFoundError(f"you have no token with id {token_id}")
        after = work.update(ApiToken, token_id, {"revoked_at": _now()}, action="logout")
    forget_verified_tokens()
    return {key: value for key, value in after.items() if key != "token_hash"}


def revoke_secret(store: Store, secret: str) -> None:
    """Sign out: revoke the session or token whose secret this is."""
    with batch(store, "system") as work:
        row = work.connection.execute(
            select(ApiToken.id, User.username)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _digest(secret))
        ).first()
        if row is None:
            raise AuthenticationError("this token is unknown")
        work.actor = row.username
        work.update(ApiToken, row.id, {"revoked_at": _now()}, action="logout")
    forget_verified_tokens()
