"""The compliance report of one treaty (optionally one party) at an as-of date: status per obligation, the
timeline of margins, the evidence used and the citations; rendered as Markdown, HTML (local, no assets
from anywhere) or JSON.

The timeline evaluates the obligations at every date the treaty's declarations were made up to the as-of
date (for New START: each data exchange), so that a reader sees how each margin moved.

A report is written for a reader: everything in it is evaluated on the evidence their
:class:`~detente.services.access.Scope` lets them see (without one, public evidence only; see
:mod:`detente.compliance.visibility`), so it never cites a record hidden from them. A signed-in reader's
report resting on marked evidence is audited as a read of those records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

import polars as pl
from jinja2 import Environment, select_autoescape
from sqlalchemy import select

from detente.compliance.evidence import state_codes
from detente.compliance.packs import get_pack
from detente.compliance.registry import agreement_ids, obligations_of
from detente.compliance.service import evaluate_frames, pack_evidence, today
from detente.compliance.visibility import Viewer, audit_evidence_read, marked_evidence
from detente.store.database import Store
from detente.store.models import Declaration, Source, SourceVersion

__all__ = ["FORMATS", "Report", "build_report", "render"]

FORMATS = ("md", "html", "json")
TIMELINE_KINDS = ("LIMIT", "QUOTA", "RECONCILE")


@dataclass
class Report:
    """Everything a report shows, as plain data."""

    treaty: dict[str, Any]
    party: str | None
    as_of: date
    status: list[dict[str, Any]]
    counts: dict[str, int]
    timeline: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    citations: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "treaty": self.treaty,
            "party": self.party,
            "as_of": self.as_of.isoformat(),
            "counts": self.counts,
            "status": self.status,
            "timeline": self.timeline,
            "evidence": self.evidence,
            "citations": self.citations,
        }


def _plain(frame: pl.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    out = []
    for row in frame.select(columns).iter_rows(named=True):
        out.append({k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()})
    return out


def build_report(
    store: Store, *, treaty: str, party: str | None = None, as_of: date | None = None, scope: Viewer = None
) -> Report:
    """Evaluate the treaty at the as-of date and along its timeline (nothing is stored), on the evidence the
    reader with ``scope`` may see (``None``: public evidence only)."""
    pack = get_pack(treaty)
    day = as_of or today()
    found = evaluate_frames(store, treaty=treaty, party=party, dates=[day], viewer=scope)
    codes = state_codes(store)
    evidence = pack_evidence(store, pack, codes, scope)
    declared = evidence.frame("declaration")
    if party:
        declared = declared.filter(pl.col("party_code") == party.upper())
    dates = sorted({d for d in declared["time"].dt.date().to_list() if d <= day} | {day})
    timeline = evaluate_frames(store, treaty=treaty, party=party, dates=dates, viewer=scope)
    titles = {spec.code: spec.title for spec in obligations_of(store, pack)}
    status_rows: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    if found.height:
        found = found.with_columns(pl.col("code").replace_strict(titles, default=pl.col("code")).alias("title"))
        status_rows = _plain(
            found,
            [
                "code",
                "title",
                "kind",
                "party_code",
                "subject",
                "status",
                "measured",
                "limit",
                "margin",
                "measure_name",
                "limit_name",
                "verified",
                "explanation",
                "evidence",
            ],
        )
        counts = {str(k): int(v) for k, v in found.group_by("status").len().sort("status").iter_rows()}
    timeline_rows: list[dict[str, Any]] = []
    if timeline.height:
        timeline = timeline.filter(pl.col("kind").is_in(TIMELINE_KINDS)).sort("code", "party_code", "as_of")
        timeline_rows = _plain(timeline, ["as_of", "code", "party_code", "status", "measured", "limit", "margin"])
    used = sorted({ref for refs in (found["evidence"].to_list() if found.height else []) for ref in refs or []})
    agreements = agreement_ids(store, pack)
    rested = used + [r for refs in (timeline["evidence"].to_list() if timeline.height else []) for r in refs or []]
    audit_evidence_read(store, scope, rested, marked_evidence(store, agreements), f"compliance report {pack.code}")
    return Report(
        treaty={"code": pack.code, "title": pack.title, "short_name": pack.short_name, "citation": pack.citation},
        party=party.upper() if party else None,
        as_of=day,
        status=status_rows,
        counts=counts,
        timeline=timeline_rows,
        evidence=_evidence_details(store, used),
        citations=_citations(store, pack.code, agreements),
    )


def _evidence_details(store: Store, refs: list[str]) -> list[dict[str, Any]]:
    declaration_ids = [int(r.split(":")[1]) for r in refs if r.startswith("declaration:")]
    details: dict[str, dict[str, Any]] = {r: {"ref": r} for r in refs}
    if declaration_ids:
        with store.engine.connect() as connection:
            rows = connection.execute(
                select(Declaration.id, Declaration.as_of, Declaration.reference, Declaration.counts).where(
                    Declaration.id.in_(declaration_ids)
                )
            ).all()
        for i, as_of, reference, counts in rows:
            details[f"declaration:{i}"] |= {"as_of": as_of.isoformat(), "reference": reference, "counts": counts}
    return list(details.values())


def _citations(store: Store, treaty: str, agreements: list[int]) -> list[str]:
    pack = get_pack(treaty)
    out = [pack.citation]
    out += sorted({f"{spec.code}: {spec.source}" for spec in pack.obligations})
    with store.engine.connect() as connection:
        sources = connection.execute(
            select(Source.citation)
            .join(SourceVersion, SourceVersion.source_id == Source.id)
            .join(Declaration, Declaration.source_version_id == SourceVersion.id)
            .where(Declaration.agreement_id.in_(agreements))
            .distinct()
        ).scalars()
        out += [str(c).strip() for c in sources]
    return out


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}" if isinstance(value, float) else str(value)


def _markdown(report: Report) -> str:
    lines = [
        f"# {report.treaty['short_name']} compliance report",
        "",
        f"{report.treaty['title']}. As of {report.as_of.isoformat()}"
        + (f", party {report.party}." if report.party else ", all parties."),
        "",
        "Findings: " + ", ".join(f"{k} {v}" for k, v in report.counts.items()),
        "",
        "## Status per obligation",
        "",
        "| obligation | party | status | measured | limit | margin | explanation |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in report.status:
        flag = "" if row["verified"] else " (unverified)"
        lines.append(
            f"| {row['code']}{flag} | {row['party_code'] or ''} | {row['status']} | {_number(row['measured'])} | "
            f"{_number(row['limit'])} | {_number(row['margin'])} | {row['explanation'].replace('|', '/')} |"
        )
    lines += [
        "",
        "## Timeline of margins",
        "",
        "| as of | obligation | party | status | measured | limit | margin |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in report.timeline:
        lines.append(
            f"| {row['as_of']} | {row['code']} | {row['party_code'] or ''} | {row['status']} | "
            f"{_number(row['measured'])} | {_number(row['limit'])} | {_number(row['margin'])} |"
        )
    lines += ["", "## Evidence", ""]
    for item in report.evidence:
        extra = f" as of {item['as_of']}: {item.get('counts')} ({item.get('reference')})" if "as_of" in item else ""
        lines.append(f"- {item['ref']}{extra}")
    lines += ["", "## Citations", ""] + [f"- {c}" for c in report.citations]
    return "\n".join(lines) + "\n"


def render(report: Report, fmt: str) -> str:
    """The report as ``md``, ``html`` or ``json`` text."""
    if fmt == "json":
        return json.dumps(report.as_dict(), indent=2, ensure_ascii=False, default=str)
    if fmt == "md":
        return _markdown(report)
    if fmt == "html":
        template = resources.files("detente.compliance").joinpath("templates", "report.html").read_text("utf-8")
        environment = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
        environment.filters["number"] = _number
        return environment.from_string(template).render(report=report)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
