"""The list of page modules the UI serves, and the navigation built from it.

Each :class:`PageSpec` names a module in :mod:`detente.web.pages` that exposes ``router`` (a FastAPI
``APIRouter``). Pages with a ``label`` appear in the navigation, in this order. To add a page, add a line here
(see :mod:`detente.web`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from fastapi import APIRouter

from detente.domain.markings import Role

__all__ = ["PAGES", "NavEntry", "PageSpec", "navigation", "page_routers"]


@dataclass(frozen=True)
class PageSpec:
    """One page module: where it lives and, if it is in the navigation, its label and address."""

    module: str
    label: str | None = None
    href: str | None = None
    role: Role = Role.VIEWER
    """The least role that sees the entry in the navigation (the page itself checks access too)."""


PAGES: list[PageSpec] = [
    PageSpec("detente.web.pages.auth"),
    PageSpec("detente.web.pages.home", "Home", "/ui/"),
    PageSpec("detente.web.pages.country", "Countries", "/ui/country"),
    PageSpec("detente.web.pages.pair", "Pairs", "/ui/pair"),
    PageSpec("detente.web.pages.worldmap", "Map", "/ui/map"),
    PageSpec("detente.web.pages.network", "Network", "/ui/network"),
    # pages 6-11 (branch web-work)
    PageSpec("detente.web.pages.compliance", "Compliance", "/ui/compliance"),
    PageSpec("detente.web.pages.engagements", "Engagements", "/ui/engagements"),
    PageSpec("detente.web.pages.cases", "Assistance", "/ui/cases"),
    PageSpec("detente.web.pages.reports", "Reports", "/ui/reports"),
    PageSpec("detente.web.pages.negotiations", "Negotiations", "/ui/negotiations"),
    PageSpec("detente.web.pages.peacekeeping", "Peacekeeping", "/ui/peacekeeping"),
    PageSpec("detente.web.pages.peacekeeping_forms"),
    PageSpec("detente.web.pages.sources", "Sources", "/ui/sources"),
    PageSpec("detente.web.pages.admin", "Admin", "/ui/admin", Role.ADMIN),
]
"""Every page module of the UI, navigation order."""


@dataclass(frozen=True)
class NavEntry:
    """One link of the navigation bar."""

    label: str
    href: str


def navigation(role: Role = Role.VIEWER) -> list[NavEntry]:
    """The navigation bar's links for a user of ``role``, from :data:`PAGES`."""
    return [NavEntry(spec.label, spec.href) for spec in PAGES if spec.label and spec.href and role.at_least(spec.role)]


def page_routers() -> list[APIRouter]:
    """The router of every page module (imported here, so a broken page fails at start-up, not on first use)."""
    routers: list[APIRouter] = []
    for spec in PAGES:
        module = importlib.import_module(spec.module)
        router = getattr(module, "router", None)
        if not isinstance(router, APIRouter):
            raise TypeError(f"page module {spec.module} must define router = APIRouter()")
        routers.append(router)
    return routers
