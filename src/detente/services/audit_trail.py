"""Reading the audit trail: verify the chain, list entries, filter by object."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from detente.store import audit_log
from detente.store.database import Store
from detente.store.models import AuditEntry

__all__ = ["AuditReport", "entries", "parse_object_ref", "verify"]


@dataclass(frozen=True)
class AuditReport:
    """The outcome of walking the chain."""

    ok: bool
    entries_verified: int
    head_seq: int
    first_bad_seq: int | None
    reason: str | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries_verified": self.entries_verified,
            "head_seq": self.head_seq,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
            "seconds": round(self.seconds, 4),
        }


def verify(store: Store, jobs: int = 1, parallel_from: int = audit_log.PARALLEL_FROM) -> AuditReport:
    """Recompute every hash in order and compare with the stored chain and head.

    ``jobs`` > 1 lets a long log be checked by that many worker processes at once (the command line uses one
    per CPU); the answer is the same either way.
    """
    started = time.perf_counter()
    checked, broken = audit_log.verify(store.engine, jobs=jobs, parallel_from=parallel_from)
    with store.engine.connect() as connection:
        head_seq, _ = audit_log.head(connection)
    return AuditReport(
        ok=broken is None,
        entries_verified=checked,
        head_seq=head_seq,
        first_bad_seq=broken.seq if broken else None,
        reason=broken.reason if broken else None,
        seconds=time.perf_counter() - started,
    )


def parse_object_ref(text: str) -> tuple[str, str]:
    """``state:12`` -> (``state``, ``12``); a clear error for anything else."""
    kind, sep, ident = text.partition(":")
    if not sep or not kind or not ident:
        raise ValueError(f"{text!r} is not an object reference; write TYPE:ID, for example state:12")
    return kind, ident


def entries(
    store: Store, *, object_ref: str | None = None, limit: int = 50, newest_first: bool = True
) -> list[dict[str, Any]]:
    """Audit entries, newest first, optionally only those about one object (``TYPE:ID``)."""
    query = select(AuditEntry)
    if object_ref:
        kind, ident = parse_object_ref(object_ref)
        query = query.where(AuditEntry.object_type == kind, AuditEntry.object_id == ident)
    query = query.order_by(AuditEntry.seq.desc() if newest_first else AuditEntry.seq).limit(limit)
    with store.sessions() as session:
        return [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "before": e.before,
                "after": e.after,
                "hash": e.hash,
            }
            for e in session.scalars(query)
        ]
