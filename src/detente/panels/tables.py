"""The domain tables panels read, as light SQLAlchemy Core tables (no ORM import on a panel's path).

Some enrichers read rows a source's mapper wrote into the domain tables (DCAD agreements, exercise
engagements, peacekeeping contributions, SIPRI register transfers) and every translation of codes reads
the crosswalk (``states``, ``state_codes``). Declaring the queries over the ORM models would import the
whole model (SQLAlchemy's ORM and fifty classes, more than half a second) into every panel command, even
when every answer then comes from the columnar cache. So the columns those queries touch are declared
here once more as Core ``table()`` clauses: same names, same types (a test holds them equal to
:mod:`detente.store.models`), together with the two catalog tables that say which source wrote a row
(``sources``, ``source_versions``). They are for reading only; every write goes through the models and
services. Only a cache miss imports this module (and so SQLAlchemy): a warm panel reads Parquet.
"""

from __future__ import annotations

from sqlalchemy import JSON, Date, Double, Integer, String, column, table

__all__ = [
    "agreement_parties",
    "agreements",
    "arms_transfers",
    "contributions",
    "engagement_participants",
    "engagements",
    "missions",
    "source_versions",
    "sources",
    "state_codes",
    "states",
]

sources = table(
    "sources",
    column("id", Integer),
    column("name", String),
)
source_versions = table(
    "source_versions",
    column("id", Integer),
    column("source_id", Integer),
)
agreements = table(
    "agreements",
    column("id", Integer),
    column("kind", String),
    column("valid_from", Date),
    column("valid_to", Date),
    column("source_version_id", Integer),
)
agreement_parties = table(
    "agreement_parties",
    column("agreement_id", Integer),
    column("state_id", Integer),
)
engagements = table(
    "engagements",
    column("id", Integer),
    column("kind", String),
    column("valid_from", Date),
    column("source_key", String),
    column("original", JSON),
    column("source_version_id", Integer),
)
engagement_participants = table(
    "engagement_participants",
    column("engagement_id", Integer),
    column("state_id", Integer),
    column("source_version_id", Integer),
)
missions = table(
    "missions",
    column("id", Integer),
    column("kind", String),
)
contributions = table(
    "contributions",
    column("mission_id", Integer),
    column("state_id", Integer),
    column("valid_from", Date),
    column("total", Integer),
    column("source_version_id", Integer),
)
arms_transfers = table(
    "arms_transfers",
    column("supplier_state_id", Integer),
    column("recipient_state_id", Integer),
    column("delivery_year", Integer),
    column("tiv_delivered", Double),
    column("source_version_id", Integer),
)
states = table(
    "states",
    column("id", Integer),
    column("source_key", String),
)
state_codes = table(
    "state_codes",
    column("state_id", Integer),
    column("system", String),
    column("code", String),
    column("valid_from", Date),
    column("valid_to", Date),
)
