"""What an attaché report is about: its links to states, organizations and engagements.

A report links to records when it is written (the report and its links are one transaction) and afterwards
from the report's page, where each link also has a button that removes it (and only it). A linked report
shows on the country page of each state it is about (as released to the reader), and the reports search finds
it with ``about=state:<id>``.

The writer checks that the user may see the record linked to (an engagement marked beyond them does not
exist for them) and that the user's role may write links (analysts and up); this module checks that a state
or organization is one the store knows, that a link is not made twice, and that a link removed is one of this
report's links that the user can see (a link to an engagement beyond them is neither shown nor removable).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from detente.services.entities import RecordError
from detente.services.errors import ConflictError, NotFoundError
from detente.services.writing import Writer
from detente.web.viewmodels.common import Choice, Context, every
from detente.web.viewmodels.fields import may_write

__all__ = ["Link", "LinkChoices", "add_link", "link_choices", "links_from", "remove_link", "report_links"]

ENTITY = "report-links"
FIELDS = {"object_id": "link_engagement_id"}
"""The writer's field for a link it refuses (an engagement the user may not see) -> the form's field."""


@dataclass(frozen=True)
class Link:
    """One record a report is about: its kind, its name and where it is shown."""

    kind: str
    label: str
    href: str | None
    id: int | None = None
    """The link's own id (what the page's remove button posts)."""
    version: int | None = None
    """The link's version as the page was read (the remove button posts it: a link changed since is a 409)."""


@dataclass(frozen=True)
class LinkChoices:
    """The states and organizations a report can be linked to (engagements are given by number)."""

    states: list[Choice]
    organizations: list[Choice]


def link_choices(ctx: Context) -> LinkChoices:
    """Every state and organization the store knows, by name."""
    organizations = [
        Choice(str(o["id"]), f"{o['name']} ({o['abbreviation']})" if o.get("abbreviation") else str(o["name"]))
        for o in every(ctx.reader, ctx.principal, "organizations", sort="name")
    ]
    return LinkChoices(ctx.state_choices(), organizations)


def _organization_ids(ctx: Context) -> set[str]:
    return {str(o["id"]) for o in every(ctx.reader, ctx.principal, "organizations")}


def _engagement_ids(raw: str | None) -> list[int]:
    out: list[int] = []
    for part in (raw or "").replace(";", ",").replace(" ", ",").split(","):
        part = part.strip().lstrip("#")
        if not part:
            continue
        if not part.isdigit():
            raise RecordError(ENTITY, "link_engagement_id", f"{part!r} is not an engagement number")
        if int(part) not in out:
            out.append(int(part))
    return out


def links_from(ctx: Context, form: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """The links a form asks for: ``link_state_id`` and ``link_organization_id`` (multiple selects, in
    ``lists``) and ``link_engagement_id`` (engagement numbers separated by commas)."""
    links: list[dict[str, Any]] = []
    for raw in dict.fromkeys(v.strip() for v in lists.get("link_state_id", []) if v.strip()):
        if not raw.isdigit() or not ctx.has_state(int(raw)):
            raise RecordError(ENTITY, "link_state_id", "choose states from the list")
        links.append({"object_type": "state", "object_id": int(raw)})
    chosen = [v.strip() for v in lists.get("link_organization_id", []) if v.strip()]
    if chosen:
        known = _organization_ids(ctx)
        for raw in dict.fromkeys(chosen):
            if raw not in known:
                raise RecordError(ENTITY, "link_organization_id", "choose organizations from the list")
            links.append({"object_type": "organization", "object_id": int(raw)})
    links += [{"object_type": "engagement", "object_id": i} for i in _engagement_ids(form.get("link_engagement_id"))]
    return links


def add_link(ctx: Context, report_id: int, form: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> list[Any]:
    """Link an existing report to what the form names (all of it in one transaction; none twice)."""
    may_write(ctx, "report-links")
    record = ctx.reader.get(ctx.principal, "reports", report_id)
    wanted = links_from(ctx, form, lists)
    if not wanted:
        raise RecordError(ENTITY, "link_state_id", "choose a state, an organization or an engagement to link to")
    have = {(x["object_type"], int(x["object_id"])) for x in record.get("report_links", [])}
    for link in wanted:
        if (link["object_type"], link["object_id"]) in have:
            field = {"state": "link_state_id", "organization": "link_organization_id"}.get(
                link["object_type"], "link_engagement_id"
            )
            name = ctx.state_name(link["object_id"]) if link["object_type"] == "state" else None
            what = name or f"{link['object_type']} {link['object_id']}"
            raise RecordError(ENTITY, field, f"the report is already about {what}")
    return Writer(ctx.store).add_children(ctx.principal, "reports", report_id, {"report-links": wanted})["report_links"]


def remove_link(ctx: Context, report_id: int, link_id: int, form: Mapping[str, str]) -> dict[str, Any]:
    """Remove the link ``link_id`` of the report ``report_id`` at the ``version`` the form posts (the version
    the page showed, as every delete names the version it was made against); returns the link as it was.

    Refused for a role that may not write links (:class:`~detente.services.errors.ForbiddenError`, 403) and,
    with :class:`~detente.services.errors.ConflictError` (409), for a link the report's page does not show to
    this user: most often one someone removed since the page was read (removing one twice is the conflict),
    else one of another report or to a record beyond the user; and for a link changed since the page was read
    (a stale ``version``, 409). A form without a version is refused (a 400 naming it).
    """
    may_write(ctx, ENTITY)
    record = ctx.reader.get(ctx.principal, "reports", report_id)
    gone = ConflictError(
        "the report has no such link any more (it may have been removed since you read the page): "
        "its links are shown as they are now"
    )
    if link_id not in {link.id for link in report_links(ctx, record)}:
        raise gone
    try:
        return Writer(ctx.store).delete(ctx.principal, ENTITY, link_id, version=_version(form.get("version")))
    except NotFoundError:
        raise gone from None  # removed by someone else between the check and the delete


def _version(raw: str | None) -> int:
    """The version the remove button posts (the page's hidden field); refused when missing or not a number."""
    text = (raw or "").strip()
    if not text.isdigit():
        raise RecordError(
            ENTITY, None, "the form did not say which version of the link you read: reload the page and try again"
        )
    return int(text)


def report_links(ctx: Context, record: Mapping[str, Any]) -> list[Link]:
    """The report's links as the page shows them; a link to a record the reader may not see is left out."""
    out: list[Link] = []
    organizations: dict[int, str] | None = None
    for link in record.get("report_links", []):
        kind, ident, own = str(link["object_type"]), int(link["object_id"]), int(link["id"])
        version = int(link["version"])
        if kind == "state":
            iso3 = ctx.state_iso3(ident)
            out.append(Link(kind, ctx.state_name(ident), f"/ui/country/{iso3}" if iso3 else None, own, version))
        elif kind == "organization":
            if organizations is None:
                organizations = {
                    int(o["id"]): str(o["name"]) for o in every(ctx.reader, ctx.principal, "organizations")
                }
            out.append(Link(kind, organizations.get(ident, f"organization {ident}"), None, own, version))
        elif kind == "engagement":
            try:
                title = str(ctx.reader.visible_record(ctx.principal, "engagements", ident)["title"])
            except NotFoundError:
                continue  # not released to this reader: not even its number is shown
            out.append(Link(kind, title, f"/ui/engagements/{ident}", own, version))
        else:
            out.append(Link(kind, f"{kind} {ident}", None, own, version))
    return out
