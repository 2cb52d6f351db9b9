"""Required capabilities for the coalition builder: what each candidate could bring, and whether it is enough.

A planner may require capabilities of coalition partners (``personnel=50``, ``aircraft=10``). Each is read
from open data in the year the ranking's features come from:

``personnel``
    military personnel in thousands (COW NMC ``milper``);
``expenditure``
    military expenditure in thousands of current US dollars (COW NMC ``milex``);
a SIPRI armament category
    (``aircraft``, ``armoured-vehicles``, ``air-defence-systems``, ``artillery``, ``engines``, ``missiles``,
    ``naval-weapons``, ``satellites``, ``sensors``, ``ships``, ``other``): the number of such major weapons
    delivered to the state in the ten years up to that year (SIPRI arms transfers register: imports only,
    so what a state builds itself is not counted -- a floor, not a stock).

Unknown stays unknown. NMC's gaps stay ``None``. The register covers deliveries from 1995 on (before that,
only four suppliers' registers are stored), so for a window that starts before 1995 a count of none is
unknown rather than 0; a positive count is known (those weapons were delivered). A candidate **meets** the
requirements when every one is known and at least its minimum, **fails** them when one is known and below,
and is **unknown** otherwise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import polars as pl
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from detente.store.database import Store
from detente.store.models import ArmsTransfer

__all__ = ["CATEGORIES", "NMC", "CapabilityNeed", "holdings", "meets", "parse_need"]

NMC = {"personnel": "milper1", "expenditure": "milex1"}
"""Capability -> the relations column (COW NMC) it is read from."""
CATEGORIES = {
    "aircraft": "Aircraft",
    "air-defence-systems": "Air-defence systems",
    "armoured-vehicles": "Armoured vehicles",
    "artillery": "Artillery",
    "engines": "Engines",
    "missiles": "Missiles",
    "naval-weapons": "Naval weapons",
    "satellites": "Satellites",
    "sensors": "Sensors",
    "ships": "Ships",
    "other": "Other",
}
"""Capability -> the SIPRI register's armament category."""
REGISTER_FROM = 1995
WINDOW = 10


class CapabilityNeed(BaseModel):
    """One capability required of a partner, and the least that is enough."""

    capability: str = Field(description=f"{', '.join([*NMC, *CATEGORIES])}")
    minimum: float = Field(ge=0, description="personnel in thousands, expenditure in thousands of USD, or weapons")


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def parse_need(text: str) -> CapabilityNeed:
    """``aircraft=10`` (or ``aircraft`` alone: at least one) as a :class:`CapabilityNeed`.

    Raises:
        ValueError: an unknown capability or a minimum that is not a number of 0 or more; the message lists
            the capabilities.
    """
    name, _, minimum = text.partition("=")
    capability = _key(name)
    if capability not in NMC and capability not in CATEGORIES:
        raise ValueError(
            f"unknown capability {name.strip()!r}: require one of {', '.join([*NMC, *CATEGORIES])}, e.g. aircraft=10"
        )
    try:
        value = float(minimum) if minimum.strip() else 1.0
    except ValueError:
        raise ValueError(f"{text!r}: the minimum after '=' must be a number, e.g. {capability}=10") from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{text!r}: the minimum must be a finite number, 0 or more")
    return CapabilityNeed(capability=capability, minimum=value)


def holdings(
    store: Store,
    year_rows: pl.DataFrame,
    state_ids: Mapping[int, int],
    year: int,
    needs: Iterable[CapabilityNeed],
) -> dict[int, dict[str, float | None]]:
    """COW code -> capability -> what the state could bring in ``year`` (``None``: unknown).

    ``year_rows`` is the relations table's slice of ``year`` (NMC columns per ``ccode1``); ``state_ids`` maps
    each candidate's COW code to its store id (for the register).
    """
    wanted = list(dict.fromkeys(n.capability for n in needs))
    out: dict[int, dict[str, float | None]] = {code: {} for code in state_ids}
    nmc = [c for c in wanted if c in NMC]
    if nmc:
        present = [NMC[c] for c in nmc if NMC[c] in year_rows.columns]
        own = year_rows.group_by("ccode1").agg(*(pl.col(c).first() for c in present))
        rows = {int(r["ccode1"]): r for r in own.iter_rows(named=True)}
        for code in out:
            for capability in nmc:
                value = rows.get(code, {}).get(NMC[capability])
                out[code][capability] = None if value is None else float(value)
    categories = [c for c in wanted if c in CATEGORIES]
    if categories:
        first = year - WINDOW + 1
        query = (
            select(ArmsTransfer.recipient_state_id, ArmsTransfer.category, func.sum(ArmsTransfer.number_delivered))
            .where(
                ArmsTransfer.recipient_state_id.in_(sorted(state_ids.values())),
                ArmsTransfer.category.in_([CATEGORIES[c] for c in categories]),
                ArmsTransfer.delivery_year.between(first, year),
            )
            .group_by(ArmsTransfer.recipient_state_id, ArmsTransfer.category)
        )
        with store.engine.connect() as connection:
            counts = {(int(s or 0), str(c)): float(n or 0) for s, c, n in connection.execute(query)}
        for code, state_id in state_ids.items():
            for capability in categories:
                count = counts.get((state_id, CATEGORIES[capability]), 0.0)
                out[code][capability] = count if count > 0 or first >= REGISTER_FROM else None
    return out


def meets(brings: Mapping[str, float | None], needs: Iterable[CapabilityNeed]) -> bool | None:
    """True when every need is known and met, False when one is known and short, else None (unknown)."""
    verdict: bool | None = True
    for need in needs:
        value = brings.get(need.capability)
        if value is None:
            verdict = None
        elif value < need.minimum:
            return False
    return verdict
