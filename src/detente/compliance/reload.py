"""Stored findings after a source reload: the treaties whose evidence the load replaced are evaluated again.

A source's domain mapper replaces the rows it wrote the last time: the New START mapper, for one, clears
the treaty's declarations and inserts them again (new ids, perhaps new figures). Findings stored before the
reload rest on the records as they were -- on ids that no longer exist -- so once the load has committed,
:func:`reevaluate_after_load` finds every treaty pack the source feeds (its agreement, or evidence linked to
its agreement, written by any version of that source) that has stored findings, and evaluates it again in
full at each as-of date the store holds findings for. The stored findings are then exactly what a full
:func:`~detente.compliance.service.evaluate` at those dates stores; a later one writes nothing.

A reload replaces every record of the source at once, so there is nothing to be incremental against (unlike
:mod:`detente.compliance.refresh`): the whole treaty is evaluated, at the stored dates only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from detente.compliance.findings import StoreReport
from detente.compliance.packs import load_packs
from detente.compliance.registry import agreement_ids
from detente.compliance.service import evaluate
from detente.store.database import Store
from detente.store.models import (
    Activity,
    Agreement,
    Approval,
    Declaration,
    Finding,
    Inspection,
    Notification,
    Obligation,
    Source,
    SourceVersion,
)

__all__ = ["Reevaluation", "reevaluate_after_load"]

_EVIDENCE = (Declaration, Notification, Inspection, Activity, Approval)


@dataclass(frozen=True)
class Reevaluation:
    """One treaty evaluated again after a reload: where, and what storing its findings changed."""

    treaty: str
    dates: list[date]
    stored: StoreReport

    def as_dict(self) -> dict[str, Any]:
        return {"treaty": self.treaty, "dates": [d.isoformat() for d in self.dates], "stored": self.stored.as_dict()}


def _fed_by(store: Store, source: str, agreements: Sequence[int]) -> bool:
    """Did ``source`` (any version) write one of these agreements, or evidence linked to one of them?"""
    versions = select(SourceVersion.id).join(Source, Source.id == SourceVersion.source_id).where(Source.name == source)
    with store.engine.connect() as connection:
        own = select(Agreement.id).where(Agreement.id.in_(agreements), Agreement.source_version_id.in_(versions))
        if connection.execute(own.limit(1)).first() is not None:
            return True
        for model in _EVIDENCE:
            table = model.__table__
            linked = select(table.c.id).where(
                table.c.agreement_id.in_(agreements), table.c.source_version_id.in_(versions)
            )
            if connection.execute(linked.limit(1)).first() is not None:
                return True
    return False


def _stored_dates(store: Store, agreements: Sequence[int]) -> list[date]:
    """Every as-of date the store holds findings of these agreements' obligations for."""
    query = (
        select(Finding.as_of)
        .join(Obligation, Obligation.id == Finding.obligation_id)
        .where(Obligation.agreement_id.in_(agreements))
        .distinct()
    )
    with store.engine.connect() as connection:
        return sorted(connection.execute(query).scalars())


def reevaluate_after_load(store: Store, source: str, *, actor: str) -> list[Reevaluation]:
    """After ``source`` was loaded and its mappers ran (the load committed): evaluate again, at the dates
    they hold findings for, the treaty packs whose agreement or evidence the source wrote."""
    out = []
    for pack in load_packs().values():
        agreements = agreement_ids(store, pack)
        if not agreements or not _fed_by(store, source, agreements):
            continue
        dates = _stored_dates(store, agreements)
        if not dates:
            continue
        result = evaluate(store, treaty=pack.code, as_of=dates, actor=actor)
        assert result.stored is not None
        out.append(Reevaluation(pack.code, dates, result.stored))
    return out
