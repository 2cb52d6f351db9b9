"""Exports: named, documented tables of what is stored, to CSV, Parquet or JSON.

Two kinds of export exist:

* the named domain exports below (``arms-transfers``, ``contributions``, ``missions``, ``agreements`` and
  its alias ``alliances``, ``parties``, ``engagements``, ``participants``), each a documented set of columns
  that ends with ``source`` (the source and version every row came from, or ``user`` for a user's record);
* any stored source table as ``SOURCE.TABLE`` (for example ``sipri_tiv.tiv``), exactly as it was parsed.

The command line has no signed-in user, so these exports hold public data only: user records that carry a
marking are left out (users export what their markings let them see through the API's ``/export`` routes).

Country codes in the domain exports are the codes valid in the row's year (COW 255 in 1950 is nothing; the
Federal Republic is 260 until 1990), taken from the crosswalk's ``state_codes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl
from sqlalchemy import Connection, Select, func, literal, select
from sqlalchemy.orm import aliased

from detente.store.database import Store
from detente.store.models import (
    Agreement,
    AgreementParty,
    ArmsTransfer,
    Contribution,
    Engagement,
    EngagementParticipant,
    Mission,
    Source,
    SourceVersion,
    State,
    StateCode,
)

__all__ = ["EXPORTS", "Format", "NamedExport", "export_frame", "write_frame"]

Format = Literal["csv", "parquet", "json"]
AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class NamedExport:
    """A documented export: its columns (name -> meaning) and the query that produces its rows."""

    name: str
    description: str
    columns: dict[str, str]
    query: Any  # Callable[[], AnySelect]
    code_years: tuple[tuple[str, str, str], ...] = ()
    """(state-id column, year column, prefix): add ``<prefix>_iso3`` and ``<prefix>_ccode`` valid in that year."""


def _source_label() -> Any:
    """``<source> <version>`` of a row's source version, or ``user`` for a user's own record."""
    return func.coalesce(Source.name + literal(" ") + SourceVersion.version, literal("user")).label("source")


def _with_source(query: AnySelect, model: Any) -> AnySelect:
    return query.outerjoin(SourceVersion, SourceVersion.id == model.source_version_id).outerjoin(
        Source, Source.id == SourceVersion.source_id
    )


def _arms_transfers() -> AnySelect:
    query = select(
        ArmsTransfer.supplier_state_id,
        ArmsTransfer.recipient_state_id,
        ArmsTransfer.supplier_name,
        ArmsTransfer.recipient_name,
        ArmsTransfer.designation,
        ArmsTransfer.description,
        ArmsTransfer.category,
        ArmsTransfer.order_year,
        ArmsTransfer.delivery_year,
        ArmsTransfer.number_ordered,
        ArmsTransfer.number_delivered,
        ArmsTransfer.status,
        ArmsTransfer.tiv_per_unit,
        ArmsTransfer.tiv_delivered,
        _source_label(),
    ).order_by(ArmsTransfer.id)
    return _with_source(query, ArmsTransfer)


def _contributions() -> AnySelect:
    query = (
        select(
            Mission.code.label("mission"),
            Contribution.state_id.label("contributor_state_id"),
            func.extract("year", Contribution.valid_to).label("year"),
            Contribution.valid_to.label("date"),
            Contribution.troops,
            Contribution.police,
            Contribution.police_individual,
            Contribution.police_formed_units,
            Contribution.experts,
            Contribution.total,
            Contribution.women,
            _source_label(),
        )
        .join(Mission, Mission.id == Contribution.mission_id)
        .where(Mission.marking_id.is_(None))
        .order_by(Contribution.valid_to, Mission.code, Contribution.state_id)
    )
    return _with_source(query, Contribution)


def _missions() -> AnySelect:
    host = aliased(State)
    query = (
        select(
            Mission.code.label("mission"),
            Mission.name,
            Mission.kind,
            host.iso3.label("host_iso3"),
            Mission.valid_from.label("first_date"),
            Mission.valid_to.label("last_date"),
            Mission.hq_latitude,
            Mission.hq_longitude,
            _source_label(),
        )
        .outerjoin(host, host.id == Mission.host_state_id)
        .where(Mission.marking_id.is_(None))
        .order_by(Mission.code)
    )
    return _with_source(query, Mission)


def _agreements(kind: str | None = None) -> Any:
    def query() -> AnySelect:
        parties = (
            select(func.count())
            .select_from(AgreementParty)
            .where(AgreementParty.agreement_id == Agreement.id)
            .scalar_subquery()
        )
        built = (
            select(
                Agreement.id.label("agreement_id"),
                Agreement.source_key,
                Agreement.kind,
                Agreement.title,
                Agreement.signed_on,
                Agreement.valid_from,
                Agreement.valid_from_precision,
                Agreement.valid_to,
                Agreement.valid_to_precision,
                parties.label("parties"),
                _source_label(),
            )
            .where(Agreement.marking_id.is_(None))
            .order_by(Agreement.id)
        )
        if kind is not None:
            built = built.where(Agreement.kind == kind)
        return _with_source(built, Agreement)

    return query


def _parties() -> AnySelect:
    query = (
        select(
            AgreementParty.agreement_id,
            Agreement.source_key.label("agreement_key"),
            Agreement.kind.label("agreement_kind"),
            AgreementParty.state_id,
            func.extract("year", func.coalesce(AgreementParty.valid_from, Agreement.valid_from)).label("year"),
            AgreementParty.actor_name,
            AgreementParty.role,
            AgreementParty.valid_from,
            AgreementParty.valid_from_precision,
            AgreementParty.valid_to,
            AgreementParty.valid_to_precision,
            _source_label(),
        )
        .join(Agreement, Agreement.id == AgreementParty.agreement_id)
        .where(Agreement.marking_id.is_(None))
        .order_by(AgreementParty.agreement_id, AgreementParty.id)
    )
    return _with_source(query, AgreementParty)


def _engagements() -> AnySelect:
    host = aliased(State)
    query = (
        select(
            Engagement.id.label("engagement_id"),
            Engagement.source_key,
            Engagement.kind,
            Engagement.title,
            Engagement.status,
            Engagement.place,
            host.iso3.label("host_iso3"),
            Engagement.valid_from,
            Engagement.valid_from_precision,
            Engagement.valid_to,
            Engagement.valid_to_precision,
            _source_label(),
        )
        .outerjoin(host, host.id == Engagement.host_state_id)
        .where(Engagement.marking_id.is_(None))
        .order_by(Engagement.id)
    )
    return _with_source(query, Engagement)


def _participants() -> AnySelect:
    query = (
        select(
            EngagementParticipant.engagement_id,
            Engagement.source_key.label("engagement_key"),
            EngagementParticipant.state_id,
            func.extract("year", Engagement.valid_from).label("year"),
            EngagementParticipant.name_as_given,
            EngagementParticipant.role,
            _source_label(),
        )
        .join(Engagement, Engagement.id == EngagementParticipant.engagement_id)
        .where(Engagement.marking_id.is_(None))
        .order_by(EngagementParticipant.engagement_id, EngagementParticipant.id)
    )
    return _with_source(query, EngagementParticipant)


_SOURCE = {"source": "the source and version the row came from (or `user` for a user's own record)"}
AGREEMENT_COLUMNS = {
    "agreement_id": "detente id",
    "source_key": "the agreement's id in its source",
    "kind": "alliance, dca, arms_control, peace_agreement, treaty, ...",
    "title": "title",
    "signed_on": "signature date",
    "valid_from": "in force from (first day)",
    "valid_from_precision": "year, month or day",
    "valid_to": "in force to (last day; empty = still in force)",
    "valid_to_precision": "year, month or day",
    "parties": "number of party spells",
    **_SOURCE,
}

EXPORTS: dict[str, NamedExport] = {
    export.name: export
    for export in (
        NamedExport(
            "arms-transfers",
            "Transfers of major conventional arms, one row per deal and delivery year (SIPRI register).",
            {
                "supplier_iso3": "supplier's ISO3 code in the delivery year (empty for non-states)",
                "supplier_ccode": "supplier's COW code in the delivery year",
                "recipient_iso3": "recipient's ISO3 code in the delivery year",
                "recipient_ccode": "recipient's COW code in the delivery year",
                "supplier_name": "supplier as the source names it",
                "recipient_name": "recipient as the source names it",
                "designation": "weapon designation",
                "description": "weapon description",
                "category": "weapon category",
                "order_year": "year of order",
                "delivery_year": "year of delivery",
                "number_ordered": "number ordered",
                "number_delivered": "number delivered in the delivery year",
                "status": "deal status as the source gives it",
                "tiv_per_unit": "SIPRI trend-indicator value per unit (millions; a volume measure, not money)",
                "tiv_delivered": "TIV of the units delivered in the delivery year",
                **_SOURCE,
            },
            _arms_transfers,
            (("supplier_state_id", "delivery_year", "supplier"), ("recipient_state_id", "delivery_year", "recipient")),
        ),
        NamedExport(
            "contributions",
            "Uniformed personnel contributed to missions, per contributor, mission and month.",
            {
                "mission": "mission acronym",
                "contributor_iso3": "contributor's ISO3 code",
                "contributor_ccode": "contributor's COW code in that year",
                "date": "last day of the period reported",
                "troops": "troops (empty = not reported)",
                "police": "police (empty = not reported)",
                "police_individual": "individual police officers, IPO (empty = not split by the source)",
                "police_formed_units": "formed police units, FPU (empty = not split by the source)",
                "experts": "military experts / observers (empty = not reported)",
                "total": "all uniformed personnel",
                "women": "women among them (only where the source reports it)",
                **_SOURCE,
            },
            _contributions,
            (("contributor_state_id", "year", "contributor"),),
        ),
        NamedExport(
            "missions",
            "Peacekeeping and other multinational missions.",
            {
                "mission": "acronym",
                "name": "full name",
                "kind": "un_pko, un_spm, un_support or multinational",
                "host_iso3": "host state's ISO3 code",
                "first_date": "first day covered by the data",
                "last_date": "last day covered by the data (empty = open)",
                "hq_latitude": "mission HQ latitude",
                "hq_longitude": "mission HQ longitude",
                **_SOURCE,
            },
            _missions,
        ),
        NamedExport(
            "agreements",
            "Every agreement: alliances, defence cooperation, arms control, peace agreements.",
            AGREEMENT_COLUMNS,
            _agreements(),
        ),
        NamedExport(
            "alliances",
            "Alliances only (ATOP), with the columns of `agreements`.",
            AGREEMENT_COLUMNS,
            _agreements("alliance"),
        ),
        NamedExport(
            "parties",
            "Parties to agreements, with their joining and leaving dates.",
            {
                "agreement_id": "detente id of the agreement",
                "agreement_key": "the agreement's id in its source",
                "agreement_kind": "kind of agreement",
                "party_iso3": "party's ISO3 code in the year it joined",
                "party_ccode": "party's COW code in the year it joined",
                "actor_name": "the party's name, for non-state parties (rebel groups, named signatories)",
                "role": "party, signatory, third_party, guarantor ...",
                "valid_from": "joined (first day)",
                "valid_to": "left (last day; empty = still a party)",
                **_SOURCE,
            },
            _parties,
            (("state_id", "year", "party"),),
        ),
        NamedExport(
            "engagements",
            "Military-to-military engagements: exercises, visits, training ...",
            {
                "engagement_id": "detente id",
                "source_key": "the engagement's id in its source",
                "kind": "exercise, visit, training, exchange, staff_talks, conference",
                "title": "title",
                "status": "proposed, approved, planned, executed or assessed",
                "place": "where",
                "host_iso3": "host state's ISO3 code",
                "valid_from": "first day",
                "valid_to": "last day",
                **_SOURCE,
            },
            _engagements,
        ),
        NamedExport(
            "participants",
            "Participants in engagements (states, or organisations by name).",
            {
                "engagement_id": "detente id of the engagement",
                "engagement_key": "the engagement's id in its source",
                "participant_iso3": "participant's ISO3 code in the engagement's year (empty for non-states)",
                "participant_ccode": "participant's COW code in that year",
                "name_as_given": "the participant as the source names it",
                "role": "host, participant or observer",
                **_SOURCE,
            },
            _participants,
            (("state_id", "year", "participant"),),
        ),
    )
}


def _codes_by_year(connection: Connection, system: str) -> pl.DataFrame:
    """state_id, code, first and last year of each code spell of ``system``."""
    rows = connection.execute(
        select(
            StateCode.state_id,
            StateCode.code,
            func.extract("year", StateCode.valid_from),
            func.extract("year", StateCode.valid_to),
        ).where(StateCode.system == system)
    ).all()
    return pl.DataFrame(
        rows, schema={"state_id": pl.Int64, "code": pl.String, "first": pl.Int64, "last": pl.Int64}, orient="row"
    )


def _add_codes(
    frame: pl.DataFrame, spells: dict[str, pl.DataFrame], state_col: str, year_col: str, prefix: str
) -> pl.DataFrame:
    """Add ``<prefix>_iso3`` and ``<prefix>_ccode``: the codes of the row's state valid in the row's year."""
    work = frame.with_row_index("__row")
    for system, suffix in (("iso3", "iso3"), ("cow", "ccode")):
        table = spells[system]
        hits = (
            work.select(
                "__row",
                pl.col(state_col).cast(pl.Int64).alias("state_id"),
                pl.col(year_col).cast(pl.Int64).alias("__year"),
            )
            .join(table, on="state_id", how="inner")
            .filter(
                (pl.col("first") <= pl.col("__year"))
                & (pl.col("last").is_null() | (pl.col("last") >= pl.col("__year")))
            )
            .group_by("__row")
            # a year two spells share (a code that ends and one that starts in it): the newer code, whatever
            # order the database returned the spells in
            .agg(pl.col("code").sort_by("first", "code", descending=True).first().alias(f"{prefix}_{suffix}"))
        )
        work = work.join(hits, on="__row", how="left")
    return work.drop("__row")


def export_frame(store: Store, name: str) -> pl.DataFrame:
    """The rows of a named export, or of a stored source table ``SOURCE.TABLE``.

    Raises:
        LookupError: unknown export, or a source table that is not loaded; the message lists what exists.
    """
    from detente.sources.datasets import read_dataset

    if "." in name:
        source, table = name.split(".", 1)
        return read_dataset(store.engine, source, table)
    if name not in EXPORTS:
        raise LookupError(
            f"unknown export {name!r}: use one of {', '.join(EXPORTS)}, or SOURCE.TABLE for a stored source table"
        )
    export = EXPORTS[name]
    with store.engine.connect() as connection:
        result = connection.execute(export.query())
        frame = pl.DataFrame(result.fetchall(), schema=list(result.keys()), orient="row", infer_schema_length=None)
        if export.code_years:
            spells = {system: _codes_by_year(connection, system) for system in ("iso3", "cow")}
            for state_col, year_col, prefix in export.code_years:
                frame = _add_codes(frame, spells, state_col, year_col, prefix)
    keep = [c for c in export.columns if c in frame.columns]
    return frame.select(keep)


def write_frame(frame: pl.DataFrame, fmt: Format, out: Path) -> None:
    """Write ``frame`` as CSV, Parquet or JSON (an array of row objects)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        frame.write_csv(out)
    elif fmt == "parquet":
        frame.write_parquet(out)
    elif fmt == "json":
        frame.write_json(out)
    else:
        raise ValueError(f"unknown format {fmt!r}: use csv, parquet or json")
