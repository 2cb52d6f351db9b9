"""Finding a request's route by its first path segment instead of trying every route in turn.

FastAPI matches a request by trying each route of the app in order; a route of an included router is tried
through its router, and the router that matched is walked a second time to dispatch. With the ~300 routes
generated from the catalog that walk cost 0.1-0.7 ms of CPU per request (more for resources declared late),
a fifth of a short read.

:class:`RouteIndex` sits where the app's router starts routing (Starlette's ``Router.middleware_stack``). It
knows every route in FastAPI's order, grouped by the first segment of the path (``/engagements/{record_id}``
is under ``engagements``), and tries only the group of the request's first segment, in the same order. It
answers a request itself only when a plain API route matches it fully (path and method); anything else (no
match, a wrong method, a trailing-slash redirect, a mount, the web UI's routes) goes to FastAPI's own routing,
unchanged. So the route chosen is always the one FastAPI would choose:

* a route whose first segment is literal can only match paths with that first segment, and every route
  FastAPI would try before it that could match the same path is in the same group, before it;
* a route the index does not handle itself (a mount, a Starlette route, a route of a router included with a
  prefix or dependencies, a route whose first segment holds a parameter) is a *barrier*: reaching it sends
  the request to FastAPI, which decides.

Nothing about the routes changes (paths, the OpenAPI document, dependencies, errors): the index only picks.
It is built once, when the app is made (:func:`install_route_index`); routes added to the app later sit after
the indexed ones in FastAPI's order and are found through FastAPI's routing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from detente.api.direct_routes import direct_handler

__all__ = ["RouteIndex", "first_segment", "install_route_index"]


@dataclass(frozen=True)
class _Barrier:
    """A route the index does not dispatch: reaching it in a group hands the request to FastAPI."""

    route: BaseRoute


_Entry = APIRoute | _Barrier


def first_segment(path: str) -> str | None:
    """The literal first segment of a route path or request path (``"engagements"`` for
    ``/engagements/{record_id}``); ``None`` when that segment holds a parameter and may match anything."""
    segment = path.lstrip("/").split("/", 1)[0]
    return None if "{" in segment else segment


def _flatten(routes: list[BaseRoute]) -> Iterator[_Entry]:
    """Every route in FastAPI's matching order, the routes of included routers in place.

    A router included with a prefix, dependencies, form limits or low-priority routes changes how its routes
    behave: its routes become barriers rather than being dispatched without that context.
    """
    for route in routes:
        original = getattr(route, "original_router", None)
        context = getattr(route, "include_context", None)
        if original is None or context is None:
            yield route if type(route) is APIRoute else _Barrier(route)
            continue
        plain = (
            not context.prefix
            and not context.dependencies
            and not getattr(context, "form_limits", None)
            and not getattr(original, "_low_priority_routes", None)
            and getattr(context, "max_body_size", None) is None
        )
        for inner in _flatten(list(original.routes)):
            yield inner if plain or isinstance(inner, _Barrier) else _Barrier(inner)


def _path_of(entry: _Entry) -> str | None:
    route = entry.route if isinstance(entry, _Barrier) else entry
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


class RouteIndex:
    """ASGI app choosing a route by the request's first path segment (see the module's documentation).

    ``fallback`` is FastAPI's own routing (the router's ``middleware_stack`` before the index replaced it).
    """

    def __init__(
        self,
        router: BaseRoute | ASGIApp,
        routes: list[BaseRoute],
        fallback: ASGIApp,
        handlers: dict[int, ASGIApp] | None = None,
    ) -> None:
        self.router = router
        self.fallback = fallback
        self.handlers = handlers or {}
        """Per route (keyed by ``id(route)``), an ASGI app that answers it instead of ``route.handle``: the
        direct handlers of :mod:`detente.api.direct_routes`."""
        groups: dict[str, list[_Entry]] = {}
        anywhere: list[_Entry] = []
        """Entries that may match any first segment, in order; every group gets them in their place."""
        for entry in _flatten(routes):
            path = _path_of(entry)
            segment = first_segment(path) if path is not None else None
            if segment is None:
                entry = entry if isinstance(entry, _Barrier) else _Barrier(entry)
                anywhere.append(entry)
                for group in groups.values():
                    group.append(entry)
                continue
            groups.setdefault(segment, list(anywhere)).append(entry)
        self.groups: dict[str, tuple[_Entry, ...]] = {key: tuple(value) for key, value in groups.items()}
        self.anywhere: tuple[_Entry, ...] = tuple(anywhere)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            root = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            segment = first_segment(path) or ""
            for entry in self.groups.get(segment, self.anywhere):
                if isinstance(entry, _Barrier):
                    break
                match, child_scope = entry.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self.router)
                    scope.update(child_scope)
                    handler = self.handlers.get(id(entry))
                    if handler is not None:
                        await handler(scope, receive, send)
                    else:
                        await entry.handle(scope, receive, send)
                    return
        await self.fallback(scope, receive, send)


def install_route_index(app: FastAPI) -> RouteIndex:
    """Put a :class:`RouteIndex` of ``app``'s routes in front of its router's matching, with a direct handler
    (:func:`detente.api.direct_routes.direct_handler`) for each route that qualifies; call it once the app's
    routes are all added."""
    router = app.router
    handlers: dict[int, ASGIApp] = {}
    for entry in _flatten(list(router.routes)):
        if isinstance(entry, APIRoute) and (direct := direct_handler(app, entry)) is not None:
            handlers[id(entry)] = direct
    index = RouteIndex(router, list(router.routes), router.middleware_stack, handlers)
    router.middleware_stack = index
    return index
