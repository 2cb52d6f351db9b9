"""What routes depend on: the store, and the principal behind the request's bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from detente.services import accounts
from detente.services.access import Principal
from detente.services.errors import AuthenticationError
from detente.store.database import Store

__all__ = ["CurrentPrincipal", "CurrentStore", "bearer", "client_address", "current_principal", "current_store"]

bearer = HTTPBearer(
    auto_error=False,
    description="A session token from POST /auth/login or an API token from POST /auth/tokens",
)


def current_store(request: Request) -> Store:
    """The store the app serves (set by :func:`detente.api.app.create_app`)."""
    store: Store = request.app.state.store
    return store


CurrentStore = Annotated[Store, Depends(current_store)]


def current_principal(
    store: CurrentStore,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The signed-in user; 401 without a valid, unexpired, unrevoked token."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("sign in: send Authorization: Bearer <token> (POST /auth/login gives one)")
    return accounts.authenticate(store, credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def client_address(request: Request) -> str:
    """The client's address, for login rate limiting."""
    return request.client.host if request.client else "unknown"
