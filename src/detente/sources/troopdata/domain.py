"""Visits abroad by US service chiefs (troopdata ``visits``) as engagements of kind ``visit``.

The sheet has one row per country visited: a trip of the Secretary of the Army to Japan and Korea is two
rows with the same traveller and dates. Each row becomes one :class:`~detente.store.models.Engagement`
(``kind = "visit"``, ``status = "executed"``, keyed ``"troopdata:visit:<row>"`` by its 1-based row in the
sheet, ``host_state_id`` the state visited, ``place`` the city where the sheet names one) with two
participants: the United States as the visiting side (``role = "participant"``, ``name_as_given`` the
office and the person) and the visited state as ``host``. ``original.trip`` (office, person, start and end
date) is the same for every row of one trip, so trips can be regrouped.

The visited state is mostly an ISO3 code, sometimes a name ("Kosovo") or a place ("Nassau", "Wake Island");
all go through the crosswalk's name matcher (which knows ISO3 codes) in the visit's start year. A cell that
denotes no state -- a territory such as Guam, a city, Antarctica -- is kept (``state_id`` NULL, the cell in
``name_as_given``) and reported with its count.
"""

from __future__ import annotations

import polars as pl

from detente.sources.mapping import MapContext, MappingError
from detente.sources.unknowns import check_names
from detente.store.models import Engagement, EngagementParticipant

INPUTS = ("troopdata",)
NEEDS_STATES = True

_VISITOR_COW = 2
"""COW code of the United States, the visiting side of every row."""


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Write one visit engagement per sheet row with its two participants; return rows per table."""
    ctx.clear(EngagementParticipant, Engagement)
    usa_key = ctx.crosswalk.key_for("cow", _VISITOR_COW)
    if usa_key is None or usa_key not in ctx.state_ids:
        raise MappingError("troopdata visits: the crosswalk has no United States (COW 2); reload the crosswalk sources")
    visits = ctx.table("troopdata", "visits").with_row_index("row", offset=1)
    visits, unmatched, not_states = ctx.crosswalk.match_names(visits, "state_visited", year_col="start_year")
    ctx.report_unmatched("visited state: not a state (kept, state_id NULL)", not_states)
    check_names(ctx, unmatched, source="troopdata", table="visits", columns=["State Visit"], what="visited state")
    names = dict(ctx.crosswalk.states.select("state_key", "name").iter_rows())
    ids = ctx.state_ids
    rows = []
    for visit in visits.iter_rows(named=True):
        key = visit["state_key"]
        host = names.get(key, visit["state_visited"]) if key else visit["state_visited"]
        rows.append(
            {
                "kind": "visit",
                "status": "executed",
                "title": f"{visit['title']} {visit['name']} visits {host}",
                "place": visit["city_visited"],
                "host_state_id": ids.get(key) if key else None,
                "valid_from": visit["start_date"],
                "valid_from_precision": "day",
                "valid_to": visit["end_date"],
                "valid_to_precision": "day",
                "source_key": f"troopdata:visit:{visit['row']}",
                "original": {
                    "title": visit["title"],
                    "name": visit["name"],
                    "state_visited": visit["state_visited"],
                    "city_visited": visit["city_visited"],
                    "trip": f"{visit['title']} | {visit['name']} | {visit['start_date']} | {visit['end_date']}",
                },
            }
        )
    engagements = pl.DataFrame(rows, schema_overrides={"original": pl.Object}, infer_schema_length=None)
    written = ctx.insert(Engagement, engagements)
    engagement_ids = ctx.ids(Engagement)
    people = []
    for visit, row in zip(visits.iter_rows(named=True), rows, strict=True):
        engagement_id = engagement_ids[row["source_key"]]
        people.append(
            {
                "engagement_id": engagement_id,
                "state_id": ids[usa_key],
                "name_as_given": f"{visit['title']}: {visit['name']}"[:200],
                "role": "participant",
                "source_key": f"{row['source_key']}:visitor",
            }
        )
        people.append(
            {
                "engagement_id": engagement_id,
                "state_id": row["host_state_id"],
                "name_as_given": visit["state_visited"],
                "role": "host",
                "source_key": f"{row['source_key']}:host",
            }
        )
    participants = pl.DataFrame(people, schema_overrides={"state_id": pl.Int64})
    return {"engagements": written, "engagement_participants": ctx.insert(EngagementParticipant, participants)}
