"""IPI gender file into the domain model: ``Contribution`` rows with women, 2009-11..2014-02.

Each row of ``contributor_mission_months`` (contributor x mission x month-end) becomes one contribution of
that month, on the ``Mission`` the IPI mapper wrote for the code (:mod:`detente.sources.ipi_peacekeeping.domain`,
which also holds the shared column rules): ``troops`` = troops total, ``police`` = individual police +
formed police units, ``experts`` = experts on mission, ``total`` = total, and ``women`` = total female,
the sum of the female counts of the four types. The file reports every type for every row (0 where a
contributor sent none of that type; no NA in this file), so these zeros are reported zeros. ``women`` is
filled only from this file: the IPI 2014-03 detail has no sex breakdown.

No double counting: a month belongs to one file. The IPI mapper writes the months its contributor x
mission detail covers (2014-03); this mapper writes every other month of the gender file and leaves out
any month the detail also covers (none today: the gender file ends 2014-02). The IPI file wins such a
month because its totals are the ones IPI's mission-month table agrees with; the rows left out are counted
in the load report under ``months left to the IPI detail``.

Checked on the mirror: per mission and month these sums equal IPI's ``mission_months`` totals in 908 of
the 927 mission-months of 2009-11..2014-02 (every month of 2013 exactly). The 19 others are differences
between the UN's gender report and its mission report, mostly troop counts (UNMIS 2010-2011 by -12..+173,
UNMIL 2010-02 +128, MINUSTAH 2010-05 police -22, UNMISS 2011-08/09 about -1,490, UNIFIL 2012-06 -1,011);
they are kept as given.
"""

from __future__ import annotations

import polars as pl

from detente.sources.ipi_peacekeeping.domain import detail_months, police, write_contributions
from detente.sources.mapping import MapContext
from detente.store.models import Contribution

INPUTS = ("ipi_peacekeeping_gender", "ipi_peacekeeping")
NEEDS_STATES = True

SOURCE = "ipi_peacekeeping_gender"
_TYPES = ("individual_police", "formed_police_units", "experts_on_mission", "troops")


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Write the gender file's contributions; return rows written per table."""
    ctx.clear(Contribution)
    frame = ctx.table(SOURCE, "contributor_mission_months")
    taken = detail_months(ctx)
    overlap = frame.filter(pl.col("date").is_in(taken))
    ctx.report_unmatched(
        "months left to the IPI detail (rows not written)",
        {str(d): n for d, n in overlap.group_by("date").len().iter_rows()},
    )
    rows = frame.filter(~pl.col("date").is_in(taken)).select(
        "date",
        "contributor",
        "contributor_iso3",
        "mission",
        pl.col("troops_total").alias("troops"),
        police("individual_police_total", "formed_police_units_total").alias("police"),
        pl.col("individual_police_total").alias("police_individual"),
        pl.col("formed_police_units_total").alias("police_formed_units"),
        pl.col("experts_on_mission_total").alias("experts"),
        pl.col("total_total").alias("total"),
        pl.col("total_female").alias("women"),
        *[pl.col(f"{kind}_{sex}") for kind in _TYPES for sex in ("female", "total")],
    )
    extra = [f"{kind}_{sex}" for kind in _TYPES for sex in ("female", "total")]
    return {
        "contributions": write_contributions(
            ctx,
            rows,
            origin=SOURCE,
            table="contributor_mission_months",
            iso3_column="Contributor ISO-3",
            extra=extra,
        )
    }
