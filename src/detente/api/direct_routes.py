"""Answering the API's plain GET routes without FastAPI's per-request dependency solving.

Why: profiling ``detente serve`` under the benchmark's read mix (py-spy, 2026-11-26) showed FastAPI's
``solve_dependencies`` taking about a third of the server's CPU for a read: on every request it inspects each
parameter's annotation again (is it a sequence? a model? which aliases?) before validating it, and a list route
here has a dozen or more filter parameters. The service call itself was a small part of the request.

What: for a route that qualifies (see :func:`direct_handler`), the work FastAPI does per request is done once,
when the app is built: which parameters come from the path and which from the query string, their defaults and
their validators. Per request, :class:`DirectRoute` then does exactly what FastAPI would:

1. takes each parameter's value from the path or the query string (the last one when a key repeats, as
   Starlette's ``QueryParams.get``), leaving an absent one to its default;
2. validates each present value with FastAPI's own validator for that parameter (``ModelField.validate``, the
   same Pydantic type adapter, the same error locations ``("query", name)``), and raises FastAPI's
   ``RequestValidationError`` with every error, path errors first, so the app's handler answers the same 422;
3. resolves the store and the principal with the same dependency functions (:mod:`detente.api.deps`): a missing
   or bad token is the same 401;
4. runs the endpoint on a worker thread (:func:`detente.api.server_tuning.run_blocking`, as FastAPI runs a
   ``def`` endpoint with Starlette's ``run_in_threadpool``) and sends the ``Response`` it returns.

Which routes qualify: ``GET`` routes whose endpoint is a plain ``def`` returning a ``Response`` (so no response
model is applied per request), whose only dependencies are the store and the principal, and whose parameters are
scalar path or query parameters. Every other route (bodies, headers, forms, other dependencies, answers
serialised through a response model) stays with FastAPI. So do all routes while the app has
``dependency_overrides`` (tests use them; the direct path would ignore them).

The routes, their parameters and the OpenAPI document are unchanged: this replaces only the per-request
handler. ``tests/api/test_direct_routes.py`` sends the same requests, valid and not, to both handlers and
compares status and body.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from fastapi import FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import QueryParams
from starlette.types import Receive, Scope, Send

from detente.api.deps import bearer, current_principal, current_store
from detente.api.server_tuning import run_blocking
from detente.store.connection_health import connection_lost, drop_pooled_connections

__all__ = ["DirectRoute", "direct_handler"]

_IMMUTABLE_DEFAULTS = (type(None), bool, int, float, str, bytes)
_SCALARS = frozenset({int, float, bool, str, date, datetime})


@dataclass(frozen=True)
class _Param:
    """One path or query parameter, with what FastAPI would otherwise work out on every request."""

    name: str
    """The endpoint's keyword."""
    alias: str
    """The key in the path or query string."""
    location: str
    """``"path"`` or ``"query"``: the first part of an error's ``loc``."""
    required: bool
    default: Any
    copy_default: bool
    """Whether the default must be copied per request (FastAPI deep-copies it; immutable ones need not be)."""
    validate: Callable[..., tuple[Any, list[dict[str, Any]]]]
    """FastAPI's validator for the parameter (``ModelField.validate``)."""


@dataclass(frozen=True)
class DirectRoute:
    """An ASGI handler answering one qualifying route as FastAPI would (see the module's documentation)."""

    app: FastAPI
    route: APIRoute
    endpoint: Callable[..., Response]
    params: tuple[_Param, ...]
    store_name: str | None
    principal_name: str | None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app.dependency_overrides:
            await self.route.handle(scope, receive, send)
            return
        values: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        path_params: dict[str, Any] = scope.get("path_params", {})
        query: QueryParams | None = None
        for param in self.params:
            if param.location == "path":
                raw = path_params.get(param.alias)
            else:
                if query is None:
                    query = QueryParams(scope.get("query_string", b""))
                raw = query.get(param.alias)
            if raw is None:
                if param.required:
                    where = (param.location, param.alias)
                    errors.append({"type": "missing", "loc": where, "msg": "Field required", "input": None})
                    continue
                values[param.name] = copy.deepcopy(param.default) if param.copy_default else param.default
                continue
            value, problems = param.validate(raw, values, loc=(param.location, param.alias))
            if problems:
                errors.extend(problems)
            else:
                values[param.name] = value
        request = Request(scope, receive)
        # FastAPI solves sub-dependencies before reading parameters: a missing token is a 401 even when a
        # parameter is also invalid. Same order here.
        store = await current_store(request)
        if self.principal_name is not None:
            values[self.principal_name] = await current_principal(store, await bearer(request))
        if errors:
            raise RequestValidationError(errors, body=None)
        if self.store_name is not None:
            values[self.store_name] = store
        try:
            response = await run_blocking(self.endpoint, **values)
        except Exception as error:  # SQLAlchemy's DBAPIError, or the driver's own error for driver statements
            if not connection_lost(store.engine, error):
                raise
            # The pooled connection died while it waited (see detente.store.connection_health): a GET reads
            # only, so it runs once more, on a fresh connection.
            drop_pooled_connections(store.engine)
            response = await run_blocking(self.endpoint, **values)
        await response(scope, receive, send)


def _is_store(dependant: Dependant) -> bool:
    return dependant.call is current_store


def _is_principal(dependant: Dependant) -> bool:
    return dependant.call is current_principal


def direct_handler(app: FastAPI, route: APIRoute) -> DirectRoute | None:
    """A :class:`DirectRoute` for ``route``, or ``None`` when the route does not qualify (it then stays with
    FastAPI's handler)."""
    dependant = route.dependant
    endpoint = dependant.call
    if endpoint is None or (route.methods or set()) - {"HEAD"} != {"GET"} or inspect.iscoroutinefunction(endpoint):
        return None
    # The declared return type (routes built from the catalog carry a generated ``__signature__`` without one).
    if getattr(endpoint, "__annotations__", {}).get("return") not in (Response, "Response"):
        return None
    if (
        dependant.body_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.request_param_name
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
    ):
        return None
    store_name = principal_name = None
    for sub in dependant.dependencies:
        if _is_store(sub) and store_name is None:
            store_name = sub.name
        elif _is_principal(sub) and principal_name is None:
            principal_name = sub.name
        else:
            return None
    params: list[_Param] = []
    for location, fields in (("path", dependant.path_params), ("query", dependant.query_params)):
        for field in fields:
            info = field.field_info
            annotation = info.annotation
            if get_origin(annotation) is Annotated:
                annotation = get_args(annotation)[0]
            if not _is_scalar(annotation) or info.validate_default:
                return None
            default = None if info.is_required() else field.default
            params.append(
                _Param(
                    name=field.name,
                    alias=field.alias,
                    location=location,
                    required=info.is_required(),
                    default=default,
                    copy_default=not isinstance(default, _IMMUTABLE_DEFAULTS),
                    validate=field.validate,
                )
            )
    return DirectRoute(app, route, endpoint, tuple(params), store_name, principal_name)


def _is_scalar(annotation: Any) -> bool:
    """Whether a parameter's type is one value FastAPI reads with ``get`` (not ``getlist``, not a model of
    several keys): ``int``, ``float``, ``bool``, ``str``, ``date``, ``datetime``, a ``Literal``, or an optional
    one of those."""
    if annotation in _SCALARS:
        return True
    origin = get_origin(annotation)
    if origin is Literal:
        return all(isinstance(choice, str | int | bool) for choice in get_args(annotation))
    if origin in (Union, UnionType):
        return all(arg is type(None) or _is_scalar(arg) for arg in get_args(annotation))
    return False
