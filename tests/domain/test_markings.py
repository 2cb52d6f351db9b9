"""The marking combinator: a finding is marked as restrictively as the evidence it rests on."""

from __future__ import annotations

import pytest

from detente.domain.markings import (
    Classification,
    MarkingError,
    Reader,
    RecordMarking,
    can_see,
    most_restrictive,
)

SECRET_FRA_GBR = RecordMarking(Classification.SECRET, ("FRA", "GBR"))
RESTRICTED_GBR_USA = RecordMarking(Classification.RESTRICTED, ("GBR", "USA"), "NOFORN-ISH")
CONFIDENTIAL_FVEY = RecordMarking(Classification.CONFIDENTIAL, ("GBR", "GROUP:FVEY"), "EXERCISE")


def test_highest_classification_and_intersection_of_releasability() -> None:
    combined = most_restrictive([SECRET_FRA_GBR, RESTRICTED_GBR_USA, CONFIDENTIAL_FVEY])
    assert combined == RecordMarking(Classification.SECRET, ("GBR",), "EXERCISE; NOFORN-ISH")


def test_unmarked_evidence_adds_no_restriction() -> None:
    assert most_restrictive([None, SECRET_FRA_GBR, None]) == SECRET_FRA_GBR
    assert most_restrictive([None, None]) is None
    assert most_restrictive([]) is None


def test_disjoint_releasability_is_releasable_to_nobody() -> None:
    combined = most_restrictive([RecordMarking(Classification.UNCLASSIFIED, ("FRA",)), RESTRICTED_GBR_USA])
    assert combined is not None and combined.releasable_to == ()
    for nationality in ("FRA", "GBR", "USA"):
        reader = Reader(Classification.TOP_SECRET, nationality, frozenset({"GROUP:FVEY"}))
        assert not can_see(reader, combined.classification, combined.releasable_to)


def test_who_may_see_the_combination_may_see_every_part() -> None:
    parts = [SECRET_FRA_GBR, RESTRICTED_GBR_USA, CONFIDENTIAL_FVEY]
    combined = most_restrictive(parts)
    assert combined is not None
    for clearance in Classification:
        for nationality in ("FRA", "GBR", "USA", "DEU"):
            reader = Reader(clearance, nationality, frozenset())
            if can_see(reader, combined.classification, combined.releasable_to):
                assert all(can_see(reader, p.classification, p.releasable_to) for p in parts)
    assert can_see(Reader(Classification.SECRET, "GBR", frozenset()), combined.classification, combined.releasable_to)
    assert not can_see(
        Reader(Classification.CONFIDENTIAL, "GBR", frozenset()), combined.classification, combined.releasable_to
    )


def test_long_caveats_are_cut_to_the_column() -> None:
    many = [RecordMarking(Classification.RESTRICTED, ("FRA",), f"CAVEAT-{i:03d}-" + "X" * 20) for i in range(10)]
    combined = most_restrictive(many)
    assert combined is not None and combined.caveat is not None
    assert len(combined.caveat) == 100 and combined.caveat.endswith("...")


def test_record_marking_of_a_row_is_checked() -> None:
    assert RecordMarking.of("top secret", ["gbr", "FRA", "GBR"]) == RecordMarking(
        Classification.TOP_SECRET, ("FRA", "GBR")
    )
    with pytest.raises(MarkingError, match="not a classification level"):
        RecordMarking.of("cosmic", ["FRA"])
    with pytest.raises(MarkingError, match="not a releasability token"):
        RecordMarking.of("SECRET", ["France"])
