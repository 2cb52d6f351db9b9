"""The read services give the same answers as straightforward queries, for every kind of reader.

:class:`~detente.services.reading.Reader` runs statements built once per shape, straight on the driver, with a
per-process book of the markings (:mod:`detente.services.read_plans`, :mod:`detente.services.marking_book`).
Here a fixed set of list, count, get and search calls, by readers of several clearances, nationalities and
affiliations, over real exercises and alliances and over marked records made for the test, is compared with
the answer of a plain SQLAlchemy query written here: the whole markings table read and judged with
:func:`~detente.domain.markings.can_see`, each filter's clause made from its value, run through SQLAlchemy's
own execution. A few answers are also checked against SQL written out by hand. Then the markings book is
put through writes: new markings, a changed marking and a rolled-back one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import and_, func, or_, select, text, true

from detente.domain.markings import Classification, Role, can_see
from detente.services.access import Principal, Scope
from detente.services.catalog import Resource, resource
from detente.services.entities import RecordError, row_snapshot
from detente.services.errors import NotFoundError
from detente.services.reading import LIST_OMITS, Reader
from detente.services.records import Records, table_of
from detente.services.search import search_clause
from detente.services.writing import MarkingRequest, Writer
from detente.store.database import Store
from detente.store.models import Agreement, EngagementParticipant, Marking
from tests.api.conftest import MakePerson, fresh_tag

MARKINGS = [
    MarkingRequest("UNCLASSIFIED", ()),
    MarkingRequest("SECRET", ()),
    MarkingRequest("CONFIDENTIAL", ("GBR",)),
    MarkingRequest("RESTRICTED", ("ORG:NATO",)),
    MarkingRequest("SECRET", ("GROUP:FVEY",)),
]
READERS = [
    ("FRA", "SECRET", ()),
    ("FRA", "UNCLASSIFIED", ()),
    ("GBR", "CONFIDENTIAL", ("ORG:NATO",)),
    ("USA", "SECRET", ("GROUP:FVEY",)),
    ("DEU", "TOP SECRET", ()),
]


@dataclass
class Fixture:
    tag: str
    readers: list[Principal]
    author: Principal
    states: list[int]
    alliances: list[int]
    engagements: list[int]
    reports: list[int]


@pytest.fixture(scope="module")
def fixture(real_store: Store, make_person: MakePerson, state_ids: dict[str, int]) -> Fixture:
    author = make_person(Role.EDITOR, "FRA", "TOP SECRET").principal
    writer = Writer(real_store)
    tag = fresh_tag()
    engagements, reports = [], []
    for number, request in enumerate(MARKINGS * 2):
        engagement = writer.create(
            author,
            "engagements",
            {
                "kind": "exercise",
                "title": f"{tag} drill_{number} 100%",
                "host_state_id": state_ids["FRA"],
                "valid_from": f"201{number % 10}-03-01",
            },
            marking=request,
        )
        writer.create(
            author,
            "engagement-participants",
            {"engagement_id": engagement["id"], "state_id": state_ids["GBR"], "role": "participant"},
        )
        report = writer.create(
            author,
            "reports",
            {
                "reported_on": f"2024-05-{number + 1:02d}",
                "title": f"Report {tag} {number}",
                "body": f"Observed {tag} {'frigate' if number % 2 else 'convoy'} near the border",
                "reliability": "B",
                "credibility": 1 + number % 3,
            },
            marking=request,
        )
        writer.create(author, "report-links", {"report_id": report["id"], "object_type": "state", "object_id": 7})
        engagements.append(engagement["id"])
        reports.append(report["id"])
    readers = [make_person(Role.VIEWER, *reader).principal for reader in READERS] + [author]
    with real_store.engine.connect() as connection:
        states = list(
            connection.execute(
                select(EngagementParticipant.state_id)
                .where(EngagementParticipant.state_id.is_not(None))
                .group_by(EngagementParticipant.state_id)
                .order_by(func.count().desc(), EngagementParticipant.state_id)
                .limit(4)
            ).scalars()
        )
        alliances = list(
            connection.execute(
                select(Agreement.id).where(Agreement.kind == "alliance").order_by(Agreement.id).limit(6)
            ).scalars()
        )
    return Fixture(tag, readers, author, [*states, state_ids["FRA"]], alliances, engagements, reports)


# -- the straightforward reference --------------------------------------------------------------------------


def _visible_ids(store: Store, principal: Principal) -> dict[int, dict[str, Any]]:
    shown = {}
    with store.engine.connect() as connection:
        columns = (Marking.id, Marking.classification, Marking.releasable_to, Marking.caveat)
        for row in connection.execute(select(*columns)):
            level = Classification.parse(row.classification)
            if can_see(principal.reader, level, row.releasable_to or []):
                shown[row.id] = {
                    "classification": level.label,
                    "releasable_to": row.releasable_to,
                    "caveat": row.caveat,
                }
    return shown


def _access(res: Resource, shown: Mapping[int, Any]) -> Any:
    if res.marked:
        return or_(res.model.marking_id.is_(None), res.model.marking_id.in_(list(shown)))  # type: ignore[attr-defined]
    if res.parent is not None:
        parent = resource(res.parent.resource)
        column = table_of(res.model).c[res.parent.column]
        return column.in_(select(table_of(parent.model).c.id).where(_access(parent, shown)))
    return true()


def _decorate(res: Resource, rows: list[dict[str, Any]], shown: Mapping[int, Any]) -> list[dict[str, Any]]:
    if res.marked:
        for row in rows:
            row["marking"] = shown.get(row["marking_id"]) if row["marking_id"] else None
    return rows


def reference_list(
    store: Store,
    principal: Principal,
    name: str,
    filters: Mapping[str, Any],
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
    search: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    res = resource(name)
    shown = _visible_ids(store, principal)
    table = table_of(res.model)
    known = res.all_filters()
    clauses = [_access(res, shown)]
    for key, value in filters.items():
        spec = known[key]
        clauses.append(spec.clause(date.fromisoformat(value) if spec.type is date else value))
    with store.engine.connect() as connection:
        if search is not None:
            clauses.append(search_clause(res, search, connection.dialect.name))
        key = sort or res.default_sort
        column = table.c[key.removeprefix("-")]
        order = [column.desc() if key.startswith("-") else column.asc(), table.c.id.asc()]
        query = select(*(c for c in table.c if c.name not in LIST_OMITS)).where(and_(*clauses)).order_by(*order)
        rows = [row_snapshot(row._mapping) for row in connection.execute(query.limit(limit).offset(offset))]
        total = connection.scalar(select(func.count()).select_from(table).where(and_(*clauses)))
    return _decorate(res, rows, shown), int(total or 0)


def reference_get(store: Store, principal: Principal, name: str, record_id: int) -> dict[str, Any] | None:
    res = resource(name)
    shown = _visible_ids(store, principal)
    table = table_of(res.model)
    with store.engine.connect() as connection:
        row = connection.execute(select(table).where(table.c.id == record_id, _access(res, shown))).one_or_none()
        if row is None:
            return None
        record = _decorate(res, [row_snapshot(row._mapping)], shown)[0]
        for child_name in res.children:
            child = resource(child_name)
            assert child.parent is not None
            child_table = table_of(child.model)
            rows = connection.execute(
                select(*(c for c in child_table.c if c.name not in LIST_OMITS))
                .where(child_table.c[child.parent.column] == record_id)
                .order_by(child_table.c[child.default_sort], child_table.c.id)
            )
            record[child_name.replace("-", "_")] = [row_snapshot(r._mapping) for r in rows]
    return record


# -- the calls ------------------------------------------------------------------------------------------------


def _list_calls(fixture: Fixture) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    for state in fixture.states:
        for year in ("1995", "2003", "2013-03", "2015-03-01"):
            calls.append({"name": "engagements", "filters": {"state_id": state, "kind": "exercise", "as_of": year}})
    calls += [
        {"name": "engagements", "filters": {"title": fixture.tag}, "sort": "-valid_from", "limit": 3},
        {"name": "engagements", "filters": {"title": fixture.tag}, "sort": "title", "limit": 4, "offset": 4},
        {"name": "engagements", "filters": {"title": "drill_1 100%"}},
        {"name": "engagements", "filters": {"title": "drill%1"}},
        {"name": "engagements", "filters": {"state_id": fixture.states[0]}, "limit": 7, "offset": 14},
        {"name": "engagements", "filters": {"starts_after": "2012-01-01", "starts_before": "2016-12-31"}, "limit": 5},
        {"name": "engagements", "filters": {}, "sort": "-id", "limit": 10},
        {"name": "engagement-participants", "filters": {"engagement_id": fixture.engagements[3]}},
        {"name": "engagement-participants", "filters": {}, "sort": "-id", "limit": 5, "offset": 2},
        {"name": "agreements", "filters": {"kind": "alliance", "as_of": "1990"}, "limit": 5, "offset": 10},
        {"name": "agreements", "filters": {"state_id": fixture.states[0]}, "sort": "-signed_on", "limit": 10},
        {"name": "agreement-parties", "filters": {"agreement_id": fixture.alliances[0]}},
        {"name": "reports", "filters": {}, "search": f"{fixture.tag} frigate", "limit": 20},
        {"name": "reports", "filters": {"credibility": 2}, "search": f"{fixture.tag}", "limit": 3, "offset": 1},
        {"name": "reports", "filters": {"about": "state:7", "since": "2024-05-03"}, "sort": "title"},
        {"name": "reports", "filters": {"about": "state:x"}},
        {"name": "report-links", "filters": {"report_id": fixture.reports[4]}},
        {"name": "states", "filters": {"name": "land"}, "sort": "-ccode", "limit": 10},
        {"name": "states", "filters": {"iso3": "FRA"}},
    ]
    return calls


def test_lists_and_counts_match_the_reference(real_store: Store, fixture: Fixture) -> None:
    reader = Reader(real_store)
    seen_marked = 0
    for principal in fixture.readers:
        for call in _list_calls(fixture):
            name, filters = call["name"], call["filters"]
            options = {key: call[key] for key in ("sort", "limit", "offset", "search") if key in call}
            page = reader.list(principal, name, filters=filters, **options)
            rows, total = reference_list(real_store, principal, name, filters, **options)
            assert page.items == rows, (principal.username, call)
            assert page.total == total, (principal.username, call)
            counted = reader.count(principal, name, filters=filters, search=call.get("search"))
            assert counted == total, (principal.username, call)
            seen_marked += sum(1 for row in rows if row.get("marking"))
    assert seen_marked > 0  # the calls did reach marked records


def test_gets_match_the_reference(real_store: Store, fixture: Fixture) -> None:
    reader = Reader(real_store)
    wanted = [("agreements", a) for a in fixture.alliances]
    wanted += [("engagements", e) for e in fixture.engagements] + [("reports", r) for r in fixture.reports]
    for principal in fixture.readers:
        visible = 0
        for name, record_id in wanted:
            expected = reference_get(real_store, principal, name, record_id)
            if expected is None:
                with pytest.raises(NotFoundError):
                    reader.get(principal, name, record_id)
            else:
                assert reader.get(principal, name, record_id) == expected, (principal.username, name, record_id)
                visible += 1
        assert visible >= len(fixture.alliances)  # public alliances, at least


def test_engagements_of_a_state_in_a_year_match_hand_written_sql(real_store: Store, fixture: Fixture) -> None:
    """The benchmark's list, against SQL written out here (public records: the real exercises)."""
    reader = Reader(real_store)
    principal = fixture.readers[1]  # FRA, unclassified: sees public records and UNCLASSIFIED//FRA ones
    sql = text(
        "SELECT e.id FROM engagements e LEFT JOIN markings m ON m.id = e.marking_id "
        "WHERE e.kind = 'exercise' AND (e.marking_id IS NULL OR m.classification = 'UNCLASSIFIED') "
        "AND (e.host_state_id = :state OR e.id IN "
        "(SELECT engagement_id FROM engagement_participants WHERE state_id = :state)) "
        "AND (e.valid_from IS NULL OR e.valid_from <= :last) AND (e.valid_to IS NULL OR e.valid_to >= :first) "
        "ORDER BY e.id"
    )
    checked = 0
    with real_store.engine.connect() as connection:
        for state in fixture.states:
            for year in (1995, 2005, 2013):
                bounds = {"state": state, "first": date(year, 1, 1), "last": date(year, 12, 31)}
                expected = list(connection.execute(sql, bounds).scalars())
                page = reader.list(
                    principal,
                    "engagements",
                    filters={"state_id": state, "kind": "exercise", "as_of": str(year)},
                    sort="id",
                    limit=500,
                )
                assert [row["id"] for row in page.items] == expected
                assert page.total == len(expected)
                checked += len(expected)
    assert checked > 20


def test_bad_input_is_refused_as_before(real_store: Store, fixture: Fixture) -> None:
    reader = Reader(real_store)
    principal = fixture.readers[0]
    with pytest.raises(RecordError, match=r"engagements\.colour: no such filter"):
        reader.list(principal, "engagements", filters={"colour": "red"})
    with pytest.raises(RecordError, match=r"engagements\.as_of"):
        reader.list(principal, "engagements", filters={"as_of": "19xx"})
    with pytest.raises(RecordError, match=r"reports\.since: '2024-13-01' is not a date"):
        reader.list(principal, "reports", filters={"since": "2024-13-01"})
    with pytest.raises(RecordError, match=r"engagements\.sort: cannot sort by 'colour'"):
        reader.list(principal, "engagements", sort="colour")
    with pytest.raises(RecordError, match=r"engagements\.q: full-text search is available for reports only"):
        reader.list(principal, "engagements", search="frigate")
    with pytest.raises(RecordError, match=r"reports\.q: give at least one word"):
        reader.count(principal, "reports", search="  ?! ")


# -- the markings book through writes ---------------------------------------------------------------------


def _titles(store: Store, principal: Principal, tag: str) -> set[str]:
    page = Reader(store).list(principal, "engagements", filters={"title": tag}, limit=500)
    return {row["title"] for row in page.items}


def test_a_new_marking_is_seen_at_once_and_only_by_its_readers(
    real_store: Store, fixture: Fixture, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    tag = fresh_tag()
    author = make_person(Role.EDITOR, "ITA", "TOP SECRET").principal
    fellow = make_person(Role.VIEWER, "ITA", "CONFIDENTIAL").principal
    outsider = make_person(Role.VIEWER, "FRA", "TOP SECRET").principal
    assert _titles(real_store, fellow, tag) == set()  # the book is now filled for these readers
    assert _titles(real_store, outsider, tag) == set()
    writer = Writer(real_store)
    for level in ("CONFIDENTIAL", "SECRET"):
        writer.create(
            author,
            "engagements",
            {"kind": "visit", "title": f"{tag} {level}", "host_state_id": state_ids["ITA"]},
            marking=MarkingRequest(level, ()),
        )
    assert _titles(real_store, fellow, tag) == {f"{tag} CONFIDENTIAL"}
    assert _titles(real_store, author, tag) == {f"{tag} CONFIDENTIAL", f"{tag} SECRET"}
    assert _titles(real_store, outsider, tag) == set()


def test_a_changed_marking_takes_effect_at_once(
    real_store: Store, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    """Markings are not changed by detente's own faces, but an audited change through the records service
    (or any other audited write) is seen by the next read."""
    tag = fresh_tag()
    author = make_person(Role.EDITOR, "NOR", "TOP SECRET").principal
    reader = make_person(Role.VIEWER, "NOR", "SECRET").principal
    made = Writer(real_store).create(
        author,
        "engagements",
        {"kind": "visit", "title": f"{tag} visit", "host_state_id": state_ids["NOR"]},
        marking=MarkingRequest("SECRET", (), "narrowed by " + tag),
    )
    assert _titles(real_store, reader, tag) == {f"{tag} visit"}
    Records(real_store).update(Marking, made["marking_id"], {"classification": "TOP_SECRET"}, actor="test")
    assert _titles(real_store, reader, tag) == set()
    assert _titles(real_store, author, tag) == {f"{tag} visit"}


def test_a_rolled_back_marking_is_never_shown(real_store: Store, make_person: MakePerson) -> None:
    """A scope worked out inside a transaction that is then rolled back leaves nothing behind, even where the
    database hands the rolled-back id to the next marking (SQLite)."""
    reader = make_person(Role.VIEWER, "USA", "UNCLASSIFIED").principal
    records = Records(real_store)

    def make_and_roll_back() -> None:
        with records.batch(actor="test") as work:
            loose = work.create(Marking, {"classification": "UNCLASSIFIED", "releasable_to": ["USA"], "caveat": None})
            assert loose["id"] in Scope.of(work.connection, reader).marking_ids
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError, match="roll back"):
        make_and_roll_back()
    strict = records.create(
        Marking, {"classification": "TOP_SECRET", "releasable_to": ["FRA"], "caveat": None}, actor="test"
    )
    with real_store.engine.connect() as connection:
        scope = Scope.of(connection, reader)
    assert strict["id"] not in scope.marking_ids
    assert scope.marking_ids == set(_visible_ids(real_store, reader))


def test_readers_alike_share_the_book_but_not_its_dicts(real_store: Store, fixture: Fixture) -> None:
    reader = Reader(real_store)
    principal = fixture.readers[0]
    first = reader.get(principal, "engagements", fixture.engagements[0])
    assert first["marking"] is not None
    first["marking"]["releasable_to"].append("XXX")
    again = reader.get(principal, "engagements", fixture.engagements[0])
    assert "XXX" not in again["marking"]["releasable_to"]
