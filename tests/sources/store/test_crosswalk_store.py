"""The crosswalk in the store: states, year-valid codes, system spells and capitals from the three sources."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import and_, func, select

from detente.services import audit_trail
from detente.services.exports import export_frame
from detente.sources.load import load_source
from detente.store.database import Store
from detente.store.models import Capital, MapperRun, State, StateCode, SystemSpell
from detente.store.temporal import in_force
from tests.conftest import BACKENDS, _empty_database


@pytest.fixture(scope="module", params=BACKENDS)
def crosswalk_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, mirror: Path
) -> Iterator[Store]:
    with _empty_database(str(request.param), tmp_path_factory.mktemp("crosswalk")) as url:
        store = Store.open(url, create=True)
        reports = [load_source(store, name, mirror=mirror) for name in ("countrycode", "isard", "peacesciencer")]
        assert "crosswalk: waits for isard, peacesciencer" in reports[0].waiting
        assert "crosswalk" in reports[2].domain
        yield store
        store.close()


def _state_for(store: Store, system: str, code: str, year: int) -> str | None:
    with store.sessions() as session:
        return session.scalar(
            select(State.source_key)
            .join(StateCode, StateCode.state_id == State.id)
            .where(StateCode.system == system, StateCode.code == code, in_force(StateCode, year))
        )


@pytest.mark.parametrize(
    ("system", "code", "year", "expected"),
    [
        ("cow", "255", 1950, None),
        ("cow", "260", 1980, "DEU"),
        ("cow", "255", 2000, "DEU"),
        ("gw", "260", 1995, "DEU"),
        ("cow", "265", 1980, "COW-265"),
        ("cow", "345", 2010, "SRB"),
        ("gw", "340", 2010, "SRB"),
        ("cow", "816", 1980, "VNM"),
        ("cow", "817", 1970, "COW-817"),
        ("cow", "679", 2000, "YEM"),
        ("iso2", "NA", 2000, "NAM"),
    ],
)
def test_year_valid_codes_in_the_store(
    crosswalk_store: Store, system: str, code: str, year: int, expected: str | None
) -> None:
    assert _state_for(crosswalk_store, system, code, year) == expected


def test_every_cow_member_year_maps_to_one_state(crosswalk_store: Store) -> None:
    with crosswalk_store.sessions() as session:
        spells = session.execute(select(SystemSpell.code, SystemSpell.valid_from, SystemSpell.valid_to)).all()
        assert len(spells) > 400
        mapped = session.execute(
            select(func.count())
            .select_from(SystemSpell)
            .join(
                StateCode,
                and_(
                    StateCode.state_id == SystemSpell.state_id,
                    StateCode.system == SystemSpell.system,
                ),
            )
        ).scalar_one()
        assert mapped >= len(spells)
        states = session.scalar(select(func.count()).select_from(State))
        capitals = session.scalar(select(func.count()).select_from(Capital))
    assert states is not None and 200 < states < 300
    assert capitals is not None and capitals > 200


def test_reloading_changes_nothing_and_the_mapper_does_not_rerun(crosswalk_store: Store, mirror: Path) -> None:
    with crosswalk_store.sessions() as session:
        before = session.scalar(select(MapperRun.ran_at).where(MapperRun.mapper == "crosswalk"))
    head = audit_trail.verify(crosswalk_store).head_seq
    assert load_source(crosswalk_store, "isard", mirror=mirror).status == "unchanged"
    with crosswalk_store.sessions() as session:
        assert session.scalar(select(MapperRun.ran_at).where(MapperRun.mapper == "crosswalk")) == before
    assert audit_trail.verify(crosswalk_store).head_seq == head


def test_source_tables_export_with_their_types(crosswalk_store: Store, tmp_path: Path) -> None:
    frame = export_frame(crosswalk_store, "peacesciencer.cow_states")
    assert frame.height == 243
    assert frame.schema["stateabb"].__class__.__name__ == "String"
    with pytest.raises(LookupError, match="sources load sipri_tiv"):
        export_frame(crosswalk_store, "sipri_tiv.tiv")
