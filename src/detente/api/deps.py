"""What routes depend on: the store, and the principal behind the request's bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from detente.api.server_tuning import run_blocking
from detente.services import accounts
from detente.services.access import Principal
from detente.services.errors import AuthenticationError
from detente.store.database import Store

__all__ = ["CurrentPrincipal", "CurrentStore", "bearer", "client_address", "current_principal", "current_store"]

bearer = HTTPBearer(
    auto_error=False,
    description="A session token from POST /auth/login or an API token from POST /auth/tokens",
)


async def current_store(request: Request) -> Store:
    """The store the app serves (set by :func:`detente.api.app.create_app`).

    ``async`` because it does no I/O: FastAPI runs a plain ``def`` dependency on a worker thread, and the hop
    there and back cost more than the route's own work."""
    store: Store = request.app.state.store
    return store


CurrentStore = Annotated[Store, Depends(current_store)]


async def current_principal(
    store: CurrentStore,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The signed-in user; 401 without a valid, unexpired, unrevoked token.

    A token this process verified moments ago (``DETENTE_TOKEN_CACHE_SECONDS``) is answered on the event loop;
    only a database look-up goes to a worker thread."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("sign in: send Authorization: Bearer <token> (POST /auth/login gives one)")
    cached = accounts.recently_verified(store, credentials.credentials)
    if cached is not None:
        return cached
    return await run_blocking(accounts.authenticate, store, credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def client_address(request: Request) -> str:
    """The client's address, for login rate limiting."""
    return request.client.host if request.client else "unknown"
