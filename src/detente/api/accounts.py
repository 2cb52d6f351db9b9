"""Routes for signing in and out, API tokens, and (for admins) users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field

from detente.api.deps import CurrentPrincipal, CurrentStore, bearer, client_address
from detente.api.errors import ERROR_RESPONSES
from detente.api.resources import IdPath
from detente.api.schemas import NO_NUL
from detente.domain.markings import Role
from detente.services import accounts
from detente.services.access import require_role
from detente.services.errors import AuthenticationError

__all__ = ["router"]

router = APIRouter(responses=ERROR_RESPONSES)

Token = Annotated[str, Field(pattern=r"^(?:[A-Z]{3}|(?:ORG|GROUP):[A-Z0-9][A-Z0-9_.-]{0,39})$")]
Clearance = Literal["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP SECRET"]
RoleName = Literal["viewer", "analyst", "editor", "admin"]
Password = Annotated[str, Field(min_length=accounts.MIN_PASSWORD_LENGTH, max_length=200, pattern=NO_NUL)]


class LoginIn(BaseModel):
    """A user name and password."""

    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=60, pattern=NO_NUL)]
    password: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]


class TokenOut(BaseModel):
    """A new session or API token. The token is shown once: keep it; detente stores only its hash."""

    id: int
    token: str
    kind: str
    expires_at: datetime
    user: dict[str, Any]


class TokenIn(BaseModel):
    """A name for the new API token and how many days it lives."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)]
    days: Annotated[int, Field(ge=1, le=366)] = 90


class TokenInfo(BaseModel):
    """A session or token as listed (never its secret)."""

    id: int
    kind: str
    name: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class Me(BaseModel):
    """Who you are signed in as, and what you may see."""

    user_id: int
    username: str
    role: str
    clearance: str
    nationality: str | None
    affiliations: list[str]


class UserIn(BaseModel):
    """A new user."""

    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.@-]+$")]
    password: Password
    role: RoleName = "viewer"
    display_name: Annotated[str, Field(max_length=200, pattern=NO_NUL)] | None = None
    nationality: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    clearance: Clearance = "UNCLASSIFIED"
    affiliations: list[Token] = Field(default_factory=list, max_length=50)


class UserUpdate(BaseModel):
    """Changes to a user (admins), or a new password (the user themself)."""

    model_config = ConfigDict(extra="forbid")
    password: Password | None = None
    role: RoleName | None = None
    display_name: Annotated[str, Field(max_length=200, pattern=NO_NUL)] | None = None
    nationality: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    clearance: Clearance | None = None
    affiliations: list[Token] | None = Field(default=None, max_length=50)
    active: bool | None = None


class UserOut(BaseModel):
    """A user (never a password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    nationality: str | None
    clearance: str
    affiliations: list[str]
    active: bool


def _token_out(issued: accounts.IssuedToken) -> TokenOut:
    return TokenOut(id=issued.id, token=issued.secret, kind=issued.kind, expires_at=issued.expires_at, user=issued.user)


@router.post("/auth/login", response_model=TokenOut, tags=["accounts"], operation_id="login")
def login(body: LoginIn, store: CurrentStore, request: Request) -> TokenOut:
    """Sign in: a session token valid for 12 hours. Repeated failures are refused for a while (429)."""
    return _token_out(accounts.login(store, body.username, body.password, client=client_address(request)))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["accounts"], operation_id="logout")
def logout(
    store: CurrentStore,
    principal: CurrentPrincipal,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Sign out: revoke the token this request carries."""
    if credentials is None:
        raise AuthenticationError("no token to sign out with")
    accounts.revoke_secret(store, credentials.credentials)


@router.get("/auth/me", response_model=Me, tags=["accounts"], operation_id="me")
def me(principal: CurrentPrincipal) -> Me:
    """The signed-in user, their role, clearance, nationality and affiliations."""
    return Me(
        user_id=principal.user_id,
        username=principal.username,
        role=principal.role.value,
        clearance=principal.clearance.label,
        nationality=principal.nationality,
        affiliations=sorted(principal.affiliations),
    )


@router.get("/auth/tokens", response_model=list[TokenInfo], tags=["accounts"], operation_id="list_tokens")
def list_tokens(store: CurrentStore, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Your sessions and API tokens."""
    return accounts.list_tokens(store, principal)


@router.post(
    "/auth/tokens",
    response_model=TokenOut,
    status_code=status.HTTP_201_CREATED,
    tags=["accounts"],
    operation_id="create_token",
)
def create_token(body: TokenIn, store: CurrentStore, principal: CurrentPrincipal) -> TokenOut:
    """A named API token for scripts; shown once."""
    return _token_out(accounts.issue_token(store, principal, name=body.name, days=body.days))


@router.delete("/auth/tokens/{token_id}", response_model=TokenInfo, tags=["accounts"], operation_id="revoke_token")
def revoke_token(token_id: IdPath, store: CurrentStore, principal: CurrentPrincipal) -> dict[str, Any]:
    """Revoke one of your tokens (admins: anyone's)."""
    return accounts.revoke_token(store, principal, token_id)


@router.get("/users", response_model=list[UserOut], tags=["accounts"], operation_id="list_users")
def list_users(store: CurrentStore, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every user (admins only)."""
    return accounts.list_users(store, principal)


@router.post(
    "/users", response_model=UserOut, status_code=status.HTTP_201_CREATED, tags=["accounts"], operation_id="create_user"
)
def create_user(body: UserIn, store: CurrentStore, principal: CurrentPrincipal) -> dict[str, Any]:
    """Create a user (admins only)."""
    require_role(principal, Role.ADMIN, "creating users")
    return accounts.create_user(
        store,
        actor=principal.actor,
        username=body.username,
        password=body.password,
        role=Role(body.role),
        display_name=body.display_name,
        nationality=body.nationality,
        clearance=body.clearance,
        affiliations=body.affiliations,
    )


@router.patch("/users/{user_id}", response_model=UserOut, tags=["accounts"], operation_id="update_user")
def update_user(user_id: IdPath, body: UserUpdate, store: CurrentStore, principal: CurrentPrincipal) -> dict[str, Any]:
    """Change a user (admins), or your own password."""
    return accounts.update_user(store, principal, user_id, body.model_dump(exclude_unset=True))
