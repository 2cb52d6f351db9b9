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
from detente.compliance.kinds.common import ENGINE, FINDING_COLUMNS, Context, select
from detente.compliance.kinds.deadline import evaluate_deadline, evaluate_threshold
from detente.compliance.kinds.gate import evaluate_gate
from detente.compliance.kinds.limit import evaluate_limit
from detente.compliance.kinds.quota import evaluate_quota
from detente.compliance.kinds.reconcile import evaluate_reconcile
from detente.compliance.kinds.window import evaluate_window
from detente.compliance.packs import ObligationSpec, Pack
from detente.compliance.rules import WindowRule, judged, reading, reads, touched_by

__all__ = ["EVALUATORS", "STATUSES", "Evaluator", "Touched", "evaluate_obligation", "evaluate_pack"]

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


def _in_force(pack: Pack, spec: ObligationSpec) -> tuple[date | None, date | None]:
    """The obligation's time in force within its treaty's: the later start, the earlier end."""
    starts = [d for d in (pack.in_force.start, spec.in_force.start) if d is not None]
    ends = [d for d in (pack.in_force.end, spec.in_force.end) if d is not None]
    return (max(starts) if starts else None, min(ends) if ends else None)


def evaluate_obligation(spec: ObligationSpec, context: Context) -> pl.DataFrame:
    """The findings of one obligation, with its code, treaty, kind, severity and verified flag.

    An obligation whose findings are each about one judged record (see :func:`~detente.compliance.rules.judged`)
    has none when no record is selected: its kind is not run then (it would only build an empty frame, at
    a few milliseconds of Polars calls; a dossier's treaty packs have several such rules with no evidence).
    """
    if _nothing_to_judge(spec, context):
        found = pl.LazyFrame(schema=FINDING_COLUMNS)
    else:
        found = EVALUATORS[spec.kind](spec, spec.rule, context)
    start, end = _in_force(context.pack, spec)
    outside = pl.lit(False)
    if start is not None:
        outside = outside | (pl.col("as_of") < start)
    if end is not None:
        outside = outside | (pl.col("as_of") > end)
    columns = [
        pl.when(outside).then(pl.lit("not_in_force")).otherwise(pl.col("status")).alias("status"),
        pl.lit(spec.code).alias("code"),
        pl.lit(context.pack.code).alias("treaty"),
        pl.lit(spec.kind).alias("kind"),
        pl.lit(spec.severity).alias("severity"),
        pl.lit(spec.verified).alias("verified"),
    ]
    if context.explain:
        span = f"{start or 'the start'} to {end or 'open end'}"
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
        columns.append(explanation.alias("explanation"))
    return found.with_columns(columns).collect(engine=ENGINE)


def _nothing_to_judge(spec: ObligationSpec, context: Context) -> bool:
    """Does the obligation judge records one by one, none of which is selected in this context?"""
    records = judged(spec.rule)
    return records is not None and select(context, records).is_empty()


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
    local: Evidence | None = None,
) -> pl.DataFrame:
    """Every finding of a pack's obligations (or the ones given) at every as-of date; without sentences
    (``explanation`` null) when ``explain`` is false, for bulk runs that only need the verdicts. With
    ``only_parties``, ``local`` may hold the records naming those parties (see :class:`Context`)."""
    context = Context(
        pack,
        evidence,
        list(dates),
        at_risk_pct=at_risk_pct,
        lookback_days=lookback_days,
        horizon_days=horizon_days,
        only_parties=only_parties,
        explain=explain,
        local=local,
    )
    frames = [evaluate_obligation(spec, context) for spec in (obligations or pack.obligations)]
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()


@dataclass
class Evaluator:
    """A pack's evidence and findings kept in memory for fast re-evaluation after new records.

    ``evaluate()`` evaluates everything once; ``add(type, rows)`` appends records and notes what they
    touch: their evidence type and kinds, and the parties whose findings they can change -- the party and
    counterpart they name, and those of the records they are tied to (the event a notification answers;
    the events on the subject an extension is granted for). The next ``evaluate()`` re-runs only the
    obligations that read such records (see :func:`~detente.compliance.rules.reads`) -- for the touched
    parties alone, except group limits (whose figure sums several parties) -- and swaps their findings in.
    Findings are kept per party, so that swapping costs nothing in proportion to the rest. The result
    equals a full evaluation of all the evidence (a test proves it, pack by pack).
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
    _added: dict[str, set[str | None]] = field(default_factory=dict)
    _done: bool = False

    def _local(self, dirty: set[int], types: set[str]) -> Evidence:
        """The records of these types that name a dirty party, as party or counterpart, and those tied to
        such a record by reference (a notification naming it as its trigger) or, for approvals, by subject.
        (A filter over each frame costs a few milliseconds; an index by party would cost the full evaluation
        more.)"""
        states = list(dirty)
        names = (pl.col("party").is_in(states) | pl.col("counterpart").is_in(states)).fill_null(False)
        masks = {kind: frame.select(names).to_series() for kind, frame in self.evidence.frames.items()}
        refs = pl.concat([frame["ref"].filter(masks[kind]) for kind, frame in self.evidence.frames.items()])
        frames = {}
        for kind, frame in self.evidence.frames.items():
            if kind not in types:
                continue
            mask = masks[kind]
            if frame["trigger"].null_count() < frame.height:
                mask = mask | frame["trigger"].is_in(refs).fill_null(False)
            if kind == "approval":
                subjects = pl.concat([f["subject"].filter(masks[k]) for k, f in self.evidence.frames.items()])
                mask = mask | frame["subject"].is_in(subjects.drop_nulls().unique()).fill_null(False)
            frames[kind] = frame.filter(mask)
        return Evidence(frames, self.evidence.codes)

    def run(self, only: set[int] | None, obligations: list[ObligationSpec]) -> pl.DataFrame:
        """The findings of these obligations on the evidence, for the parties ``only`` (``None``: all)."""
        return evaluate_pack(
            self.pack,
            self.evidence,
            self.dates,
            obligations=obligations,
            at_risk_pct=self.at_risk_pct,
            lookback_days=self.lookback_days,
            horizon_days=self.horizon_days,
            only_parties=only,
            explain=self.explain,
            local=self._local(only, {s.evidence for spec in obligations for s in reads(spec.rule)})
            if only is not None
            else None,
        )

    def add(self, evidence_type: str, rows: pl.DataFrame) -> None:
        """Append records of one evidence type (a frame in the :mod:`~detente.compliance.evidence` shape)."""
        self.evidence.append(evidence_type, rows)
        self.note(evidence_type, rows)

    def note(self, evidence_type: str, rows: pl.DataFrame) -> None:
        """Note what records of one evidence type, already in :attr:`evidence`, can change (:meth:`add`
        without the append: for evidence read from a store that already holds the new records)."""
        kinds = set(rows["kind"].unique().to_list())
        self._added.setdefault(evidence_type, set()).update(kinds)
        # a record bears on the findings of the state a rule reads it for: its party, or (``as: counterpart``)
        # its counterpart
        roles = {s.role for spec in self.pack.obligations for s in reading(spec.rule, evidence_type, kinds)}
        self._dirty.update(_parties(rows, sorted(roles)))
        self._dirty.update(self._linked(evidence_type, rows))

    def _linked(self, evidence_type: str, rows: pl.DataFrame) -> set[int]:
        """The parties of the records the new ones are tied to other than by party."""
        linked: set[int] = set()
        triggers = rows["trigger"].drop_nulls().unique().to_list() if "trigger" in rows.columns else []
        for kind in {ref.split(":", 1)[0] for ref in triggers}:
            linked |= _parties(self.evidence.frame(kind).filter(pl.col("ref").is_in(triggers)))
        subjects = rows["subject"].drop_nulls().unique().to_list()
        kinds = set(rows["kind"].drop_nulls().to_list())
        for spec in self.pack.obligations:
            rule = spec.rule
            if evidence_type == "approval" and isinstance(rule, WindowRule) and rule.extension_kind in kinds:
                events = self.evidence.frame(rule.select.evidence)
                linked |= _parties(events.filter(pl.col("subject").is_in(subjects)))
        return linked

    @property
    def findings(self) -> pl.DataFrame:
        """Every finding, as of the last :meth:`evaluate` (the per-party parts, not copied)."""
        parts = [frame for frame in self._parts.values() if frame.height]
        return pl.concat(parts, how="vertical_relaxed", rechunk=False) if parts else pl.DataFrame()

    def _swap(self, found: pl.DataFrame, parties: set[int | None], codes: list[str]) -> None:
        """Replace the findings of ``codes`` for ``parties`` with those found."""
        new = {key[0]: part for key, part in found.partition_by("party", as_dict=True).items()} if found.height else {}
        for party in parties | set(new):
            kept = self._parts.get(party)
            if kept is not None and party in parties:
                kept = kept.filter(~pl.col("code").is_in(codes))
            pieces = [p for p in (kept, new.get(party)) if p is not None and p.height]
            self._parts[party] = (
                pl.concat(pieces, how="vertical_relaxed")
                if len(pieces) > 1
                else (pieces[0] if pieces else found.clear())
            )

    def evaluate(self) -> pl.DataFrame:
        """All findings, re-evaluating only what the records added since the last call can change."""
        if not self._done:
            found = self.run(None, list(self.pack.obligations))
            if found.height:
                self._parts = {key[0]: part for key, part in found.partition_by("party", as_dict=True).items()}
            self._done, self._dirty, self._added = True, set(), {}
            return self.findings
        if not self._added:
            return self.findings
        touched = self.take_touched()
        if touched.per_party:
            self._swap(touched.evaluate_per_party(self), set(touched.parties), touched.per_party_codes)
        if touched.grouped:
            self._swap(touched.evaluate_grouped(self), {None}, touched.grouped_codes)
        return self.findings

    def take_touched(self) -> Touched:
        """What the records noted since the last call can change (and forget them): the obligations that
        read such records, for the parties they touch -- group limits for every party."""
        dirty, added = set(self._dirty), dict(self._added)
        self._dirty, self._added = set(), {}
        affected = [
            spec
            for spec in self.pack.obligations
            if any(touched_by(spec.rule, kind, kinds) for kind, kinds in added.items())
        ]
        grouped = [s for s in affected if getattr(s.rule, "groups", None)]
        per_party = [s for s in affected if s not in grouped]
        return Touched(per_party, dirty, grouped)


@dataclass(frozen=True)
class Touched:
    """What new records can change: ``per_party`` obligations for ``parties``, and ``grouped`` obligations
    (group limits: their figure sums several parties) for every party. Outside these, every finding stays
    as it was."""

    per_party: list[ObligationSpec]
    parties: set[int]
    grouped: list[ObligationSpec]

    @property
    def per_party_codes(self) -> list[str]:
        return [spec.code for spec in self.per_party]

    @property
    def grouped_codes(self) -> list[str]:
        return [spec.code for spec in self.grouped]

    def evaluate_per_party(self, evaluator: Evaluator) -> pl.DataFrame:
        """The findings of the per-party obligations for the touched parties, on the evaluator's evidence."""
        return evaluator.run(set(self.parties), self.per_party) if self.per_party else pl.DataFrame()

    def evaluate_grouped(self, evaluator: Evaluator) -> pl.DataFrame:
        """The findings of the group obligations, for every party."""
        return evaluator.run(None, self.grouped) if self.grouped else pl.DataFrame()


def _parties(rows: pl.DataFrame, columns: Iterable[str] = ("party", "counterpart")) -> set[int]:
    """Every state a set of records names, as party or as counterpart (or in the columns given)."""
    return {int(v) for column in columns for v in rows[column].drop_nulls().unique().to_list()}
