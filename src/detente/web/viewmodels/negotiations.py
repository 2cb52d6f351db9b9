"""Negotiations: the processes, one negotiation's rounds as a timeline, its issues, and how far each
provision of the agreements it produced was implemented, year by year, as a heat map (0 none .. 3 full).

Everything is read through the marking-filtered reader: the negotiation (with its parties, rounds and
issues), the agreements whose ``negotiation_id`` is it (with their provisions), and each provision's
implementation scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from detente.domain.markings import Role
from detente.web.viewmodels.common import Choice, Context, every

__all__ = ["HeatMap", "NegotiationDetail", "NegotiationRow", "Round", "negotiation_detail", "negotiation_list"]

PAGE = 100
SCORE_LABELS = {0: "not implemented", 1: "minimal", 2: "intermediate", 3: "full"}


@dataclass(frozen=True)
class NegotiationRow:
    id: int
    title: str
    status: str
    start: date | None
    end: date | None
    parties: int | None = None


@dataclass(frozen=True)
class Round:
    number: int
    start: date | None
    end: date | None
    venue: str | None
    summary: str | None


@dataclass(frozen=True)
class HeatMap:
    """Provisions (rows) x years (columns); a cell is a score 0-3 or ``None`` (not scored: unknown, not 0)."""

    years: list[int]
    rows: list[tuple[str, list[int | None]]]
    labels: dict[int, str] = field(default_factory=lambda: dict(SCORE_LABELS))


@dataclass
class NegotiationDetail:
    row: NegotiationRow
    outcome: str | None
    parties: list[tuple[str, str]]
    rounds: list[Round]
    issues: list[tuple[str, list[tuple[str, str]]]]
    agreements: list[Choice]
    heat: HeatMap
    provisions: list[Choice] = field(default_factory=list)
    """Every provision of the negotiation's agreements (id, label): what a score can be recorded for."""
    can_write: bool = False
    """May the user add rounds, agreements and scores (an editor, and not a negotiation loaded from a source)?"""
    next_round: int = 1
    version: int = 0
    """The version read (the edit form sends it back)."""
    ended: str = ""
    """The end date as the edit form's date field wants it (YYYY-MM-DD), blank while the talks go on."""
    statuses: tuple[str, ...] = ("ongoing", "suspended", "concluded", "failed")


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _row(record: Mapping[str, Any], parties: int | None = None) -> NegotiationRow:
    return NegotiationRow(
        record["id"],
        record["title"],
        record["status"],
        _date(record.get("valid_from")),
        _date(record.get("valid_to")),
        parties,
    )


def negotiation_list(ctx: Context, *, status: str | None = None, state_id: int | None = None) -> list[NegotiationRow]:
    """The negotiations the user may see, newest first."""
    page = ctx.reader.list(
        ctx.principal,
        "negotiations",
        filters={"status": status or None, "state_id": state_id},
        sort="-valid_from",
        limit=PAGE,
    )
    return [_row(r) for r in page.items]


def negotiation_detail(ctx: Context, negotiation_id: int) -> NegotiationDetail:
    """One negotiation the user may see: parties, rounds, issues and the implementation heat map."""
    record = ctx.reader.get(ctx.principal, "negotiations", negotiation_id)
    parties = [
        (ctx.state_name(p["state_id"]) if p.get("state_id") else p["actor_name"], p["role"])
        for p in record.get("negotiation_parties", [])
    ]
    rounds = [
        Round(r["number"], _date(r.get("valid_from")), _date(r.get("valid_to")), r.get("venue"), r.get("summary"))
        for r in record.get("negotiation_rounds", [])
    ]
    issues = [
        (i["issue"], sorted((str(k), str(v)) for k, v in (i.get("positions") or {}).items()))
        for i in record.get("negotiation_issues", [])
    ]
    agreements: list[Choice] = []
    provision_choices: list[Choice] = []
    scored: dict[str, dict[int, int]] = {}
    for agreement in every(ctx.reader, ctx.principal, "agreements", filters={"negotiation_id": negotiation_id}):
        agreements.append(Choice(str(agreement["id"]), agreement["title"]))
        provisions = every(ctx.reader, ctx.principal, "provisions", filters={"agreement_id": agreement["id"]})
        for provision in provisions:
            label = f"{agreement['title']}: {provision.get('code') or provision['id']} {provision.get('text') or ''}"
            years = scored.setdefault(label.strip(), {})
            provision_choices.append(Choice(str(provision["id"]), label.strip()))
            for score in every(
                ctx.reader, ctx.principal, "implementation-scores", filters={"provision_id": provision["id"]}
            ):
                years[int(score["year"])] = int(score["score"])
    all_years = sorted({y for years in scored.values() for y in years})
    span = list(range(all_years[0], all_years[-1] + 1)) if all_years else []
    heat = HeatMap(span, [(label, [years.get(y) for y in span]) for label, years in scored.items()])
    return NegotiationDetail(
        _row(record, len(parties)),
        record.get("outcome"),
        parties,
        rounds,
        issues,
        agreements,
        heat,
        provision_choices,
        ctx.principal.at_least(Role.EDITOR) and record.get("source_version_id") is None,
        max((r.number for r in rounds), default=0) + 1,
        int(record.get("version") or 0),
        str(record.get("valid_to") or "")[:10],
    )
