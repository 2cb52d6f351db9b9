"""The engine: evaluate every obligation of a pack for every bound party at every as-of date, in bulk.

:func:`evaluate_pack` runs each obligation's kind evaluator over the pack's evidence frames and returns
one Polars frame of findings (every finding, never just the first). It then applies what no kind decides
for itself: an obligation outside its time in force (or its treaty's) is ``not_in_force`` -- its figures
still shown, for information -- and a finding built on values not verified against the authentic text
says so.

:class:`Evaluator` keeps the evidence and the findings in memory, so that after one added record only the
parties that record touches are evaluated again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from detente.compliance.evidence import Evidence
from detente.compliance.kinds.common import Context
from detente.compliance.kinds.deadline import evaluate_deadline, evaluate_threshold
from detente.compliance.kinds.gate import evaluate_gate
from detente.compliance.kinds.limit import evaluate_limit
from detente.compliance.kinds.quota import evaluate_quota
from detente.compliance.kinds.reconcile import evaluate_reconcile
from detente.compliance.kinds.window import evaluate_window
from detente.compliance.packs import InForce, ObligationSpec, Pack

__all__ = ["EVALUATORS", "STATUSES", "Evaluator", "evaluate_obligation", "evaluate_pack"]

STATUSES = ("compliant", "at_risk", "breach", "overdue", "not_in_force", "insufficient_data")

Evaluate = Callable[[ObligationSpec, Any, Context], pl.LazyFrame]
EVALUATORS: dict[str, Evaluate] = {
    "LIMIT": evaluate_limit,
    "QUOTA": evaluate_quota,
    "DEADLINE": evaluate_deadline,
    "THRESHOLD": evaluate_threshold,
    "WINDOW": evaluate_window,
    "GATE": evaluate_gate,
    "RECONCILE": evaluate_reconcile,
}
"""Rule kind -> the function that evaluates it."""

UNVERIFIED = " This finding rests on values not yet verified against the authentic text."


def _in_force(pack: Pack, spec: ObligationSpec) -> InForce:
    starts = [d for d in (pack.in_force.start, spec.in_force.start) if d is not None]
    ends = [d for d in (pack.in_force.end, spec.in_force.end) if d is not None]
    return InForce.model_validate({"from": max(starts) if starts else None, "to": min(ends) if ends else None})


def evaluate_obligation(spec: ObligationSpec, context: Context) -> pl.DataFrame:
    """The findings of one obligation, with its code, treaty, kind, severity and verified flag."""
    found = EVALUATORS[spec.kind](spec, spec.rule, context)
    window = _in_force(context.pack, spec)
    outside = pl.lit(False)
    if window.start is not None:
        outside = outside | (pl.col("as_of") < window.start)
    if window.end is not None:
        outside = outside | (pl.col("as_of") > window.end)
    span = f"{window.start or 'the start'} to {window.end or 'open end'}"
    explanation = (
        pl.when(outside)
        .then(
            pl.format(
                "Not in force on {} (in force {}); for information: {}",
                pl.col("as_of"),
                pl.lit(span),
                pl.col("explanation"),
            )
        )
        .otherwise(pl.col("explanation"))
    )
    if not spec.verified:
        explanation = pl.concat_str(explanation, pl.lit(UNVERIFIED))
    if not context.explain:
        explanation = pl.col("explanation")
    return found.with_columns(
        pl.when(outside).then(pl.lit("not_in_force")).otherwise(pl.col("status")).alias("status"),
        explanation.alias("explanation"),
        pl.lit(spec.code).alias("code"),
        pl.lit(context.pack.code).alias("treaty"),
        pl.lit(spec.kind).alias("kind"),
        pl.lit(spec.severity).alias("severity"),
        pl.lit(spec.verified).alias("verified"),
    ).collect()


def evaluate_pack(
    pack: Pack,
    evidence: Evidence,
    dates: Iterable[date],
    *,
    obligations: Iterable[ObligationSpec] | None = None,
    at_risk_pct: float = 5.0,
    lookback_days: int = 365,
    horizon_days: int = 30,
    only_parties: set[int] | None = None,
    explain: bool = True,
) -> pl.DataFrame:
    """Every finding of a pack's obligations (or the ones given) at every as-of date; without sentences
    (``explanation`` null) when ``explain`` is false, for bulk runs that only need the verdicts."""
    context = Context(
        pack,
        evidence,
        list(dates),
        at_risk_pct=at_risk_pct,
        lookback_days=lookback_days,
        horizon_days=horizon_days,
        only_parties=only_parties,
        explain=explain,
    )
    frames = [evaluate_obligation(spec, context) for spec in (obligations or pack.obligations)]
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()


@dataclass
class Evaluator:
    """A pack's evidence and findings kept in memory for fast re-evaluation after new records.

    ``evaluate()`` evaluates everything once; ``add(type, rows)`` appends records and marks the parties they
    touch; the next ``evaluate()`` re-runs the obligations only on the evidence of those parties (and group
    limits, whose figure sums several parties) and swaps in their findings. Findings are kept per party, so
    that swapping costs nothing in proportion to the rest.
    """

    pack: Pack
    evidence: Evidence
    dates: list[date]
    at_risk_pct: float = 5.0
    lookback_days: int = 365
    horizon_days: int = 30
    explain: bool = True
    _parts: dict[int | None, pl.DataFrame] = field(default_factory=dict)
    _dirty: set[int] = field(default_factory=set)
    _done: bool = False
    _index: dict[tuple[str, str], dict[int, pl.DataFrame]] = field(default_factory=dict)

    def _partitions(self, kind: str, column: str) -> dict[int, pl.DataFrame]:
        """The records of one type split by party (or counterpart), built once and kept up to date."""
        key = (kind, column)
        if key not in self._index:
            frame = self.evidence.frame(kind).filter(pl.col(column).is_not_null())
            self._index[key] = {k[0]: v for k, v in frame.partition_by(column, as_dict=True).items()}
        return self._index[key]

    def _touched(self, dirty: set[int]) -> Evidence:
        """Only the records in which a dirty party is the party or the counterpart."""
        frames = {}
        for kind, frame in self.evidence.frames.items():
            parts = [
                part
                for column in ("party", "counterpart")
                for state, part in self._partitions(kind, column).items()
                if state in dirty
            ]
            frames[kind] = pl.concat(parts, how="diagonal_relaxed").unique("id") if parts else frame.clear()
        return Evidence(frames, self.evidence.codes)

    def _run(self, evidence: Evidence, only: set[int] | None, obligations: list[ObligationSpec]) -> pl.DataFrame:
        return evaluate_pack(
            self.pack,
            evidence,
            self.dates,
            obligations=obligations,
            at_risk_pct=self.at_risk_pct,
            lookback_days=self.lookback_days,
            horizon_days=self.horizon_days,
            only_parties=only,
            explain=self.explain,
        )

    def add(self, evidence_type: str, rows: pl.DataFrame) -> None:
        """Append records of one evidence type (a frame in the :mod:`~detente.compliance.evidence` shape)."""
        self.evidence.append(evidence_type, rows)
        for column in ("party", "counterpart"):
            self._dirty.update(int(v) for v in rows[column].drop_nulls().to_list())
            index = self._index.get((evidence_type, column))
            if index is not None:
                for key, part in rows.filter(pl.col(column).is_not_null()).partition_by(column, as_dict=True).items():
                    state = int(key[0])
                    current = index.get(state)
                    index[state] = part if current is None else pl.concat([current, part], how="diagonal_relaxed")

    @property
    def findings(self) -> pl.DataFrame:
        """Every finding, as of the last :meth:`evaluate` (the per-party parts, not copied)."""
        parts = [frame for frame in self._parts.values() if frame.height]
        return pl.concat(parts, how="vertical_relaxed", rechunk=False) if parts else pl.DataFrame()

    def _store(self, found: pl.DataFrame, parties: set[int | None] | None) -> None:
        if parties is not None:
            for party in parties:
                self._parts.pop(party, None)
        if found.height:
            for key, part in found.partition_by("party", as_dict=True).items():
                self._parts[key[0]] = part

    def evaluate(self) -> pl.DataFrame:
        """All findings, re-evaluating only what the records added since the last call can change."""
        if not self._done:
            self._store(self._run(self.evidence, None, list(self.pack.obligations)), None)
            for kind in self.evidence.frames:
                for column in ("party", "counterpart"):
                    self._partitions(kind, column)
            self._done, self._dirty = True, set()
            return self.findings
        if not self._dirty:
            return self.findings
        dirty, self._dirty = set(self._dirty), set()
        touched = self._touched(dirty)
        grouped = [s for s in self.pack.obligations if getattr(s.rule, "groups", None)]
        per_party = [s for s in self.pack.obligations if s not in grouped]
        self._store(self._run(touched, dirty, per_party), set(dirty))
        if grouped:
            self._store(self._run(self.evidence, None, grouped), {None})
        return self.findings
