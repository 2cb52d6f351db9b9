"""ATOP's five alliance obligations and the condition codes of each, as the member file gives them.

ATOP codes obligations per member and phase (``atop5_1m.csv``): a member may promise ``defense``
(active military support if an ally is attacked), ``offense`` (active military support in other
circumstances), ``neutral`` (not to join or aid an ally's adversary), ``nonagg`` (not to use force
against its allies) and ``consul`` (to consult its allies in a crisis that may turn militarised). For
four of them the member file says whether the promise is conditional (``defcon``, ``offcon``, ``neucon``,
``concon``) and on what (``defcoadv`` ... ``concoreq``); non-aggression has no condition codes. Three
member-level codes qualify every obligation of the member: ``conditio`` (any obligation is conditional),
``olimob`` (an obligation hangs on a condition the specific codes do not cover) and ``obvary`` (the
member owes different partners different things).

:func:`provision_rows` turns each obligation a member took in a phase into one provision row whose
``conditions`` JSON reads without the codebook (``{"conditional": true, "conditions": {"location": true,
...}, ...}``) and whose ``original`` JSON keeps the raw codes under their codebook names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

__all__ = ["MEMBER_QUALIFIERS", "OBLIGATIONS", "Obligation", "provision_rows"]


@dataclass(frozen=True)
class Obligation:
    """One ATOP obligation: its flag column, its 'conditional' summary column and its specific conditions."""

    code: str
    description: str
    conditional: str | None
    conditions: tuple[tuple[str, str], ...]
    """(readable name, member-file column) for each specific condition ATOP codes for this obligation."""

    @property
    def columns(self) -> list[str]:
        """Every member-file column that describes this obligation."""
        return [self.code, *([self.conditional] if self.conditional else []), *(c for _, c in self.conditions)]


_COMMON = (("adversary", "adv"), ("location", "loc"), ("ongoing_conflict", "con"), ("number_of_adversaries", "num"))


def _conditions(prefix: str, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((name, f"{prefix}co{suffix}") for name, suffix in _COMMON) + extra


OBLIGATIONS: tuple[Obligation, ...] = (
    Obligation(
        "defense",
        "Promises active military support if an ally's sovereignty or territory is attacked.",
        "defcon",
        _conditions("def", ("ally_meets_demands", "defcodem"), ("ally_does_not_provoke", "defconpr")),
    ),
    Obligation(
        "offense",
        "Promises active military support in circumstances other than an attack on an ally.",
        "offcon",
        _conditions("off", ("ally_meets_demands", "offcodem")),
    ),
    Obligation(
        "neutral",
        "Promises not to join, or aid in any way, an adversary of an ally in a conflict (neutrality).",
        "neucon",
        _conditions(
            "neu",
            ("ally_meets_demands", "neucodem"),
            ("ally_does_not_provoke", "neuconpr"),
            ("ally_attacked", "neucoatt"),
        ),
    ),
    Obligation(
        "nonagg",
        "Promises not to use force against the alliance partners (non-aggression).",
        None,
        (),
    ),
    Obligation(
        "consul",
        "Promises to consult the allies, with a view to coordinating policy, in a crisis that may become militarised.",
        "concon",
        (
            ("adversary", "concoadv"),
            ("location", "concoloc"),
            ("ongoing_conflict", "concocon"),
            ("ally_requests", "concoreq"),
        ),
    ),
)
"""The five obligations in ATOP's order. ``nonagg`` has no condition codes in ATOP."""

MEMBER_QUALIFIERS = (
    ("any_obligation_conditional", "conditio"),
    ("other_condition", "olimob"),
    ("obligations_vary_by_partner", "obvary"),
)
"""Member-level codes that qualify every obligation of the member in that phase."""


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def provision_rows(members: pl.DataFrame) -> list[dict[str, Any]]:
    """One dict per obligation a member row carries (value 1), with ``code``, ``conditions``, ``original``.

    ``members`` must hold the member-file columns plus ``row_key`` (the identity to build a
    ``source_key`` from); every other column of the result is copied from the member row by the caller.
    """
    rows: list[dict[str, Any]] = []
    qualifier_columns = [column for _, column in MEMBER_QUALIFIERS]
    for member in members.iter_rows(named=True):
        qualifiers = {name: _flag(member[column]) for name, column in MEMBER_QUALIFIERS}
        for obligation in OBLIGATIONS:
            if member[obligation.code] != 1:
                continue
            conditional = None if obligation.conditional is None else _flag(member[obligation.conditional])
            conditions = {
                "conditional": conditional,
                "conditions": {name: _flag(member[column]) for name, column in obligation.conditions},
                **qualifiers,
            }
            original = {column: member[column] for column in [*obligation.columns, *qualifier_columns]}
            rows.append(
                {
                    "row_key": member["row_key"],
                    "code": obligation.code,
                    "kind": obligation.code,
                    "text": obligation.description,
                    "conditions": conditions,
                    "original": original,
                }
            )
    return rows
