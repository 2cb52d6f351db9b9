"""What the permission matrices share: the markings records are made with, the readers who ask, the rule
that says who should see what (written out here, apart from the code under test), and how to make a marked
record whose release a second editor approves.

The rule, as issue 6 states it: a reader sees a marked record when their clearance is at least its
classification and their nationality or one of their affiliations is among the partners it is released to
(the owning state, FRA here, always; a release still awaiting its second editor counts for nothing).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from detente.domain.markings import Role
from detente.services.catalog import resource
from detente.services.entities import entity_name
from detente.services.writing import MarkingRequest, Writer
from tests.api.conftest import Person

LEVELS = ["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP SECRET"]

Reader = tuple[str, str, tuple[str, ...]]
"""nationality, clearance, affiliations"""


@dataclass(frozen=True)
class Marked:
    """A record made for the matrix and who should see it."""

    classification: str
    partners: tuple[str, ...]
    approved: bool

    def seen_by(self, nationality: str, clearance: str, affiliations: tuple[str, ...]) -> bool:
        released = {"FRA", *self.partners} if self.approved else {"FRA"}
        cleared = LEVELS.index(clearance) >= LEVELS.index(self.classification)
        return cleared and bool(released & {nationality, *affiliations})

    @property
    def request(self) -> MarkingRequest:
        return MarkingRequest(self.classification, self.partners)


MARKINGS = [
    Marked("UNCLASSIFIED", (), True),
    Marked("SECRET", (), True),
    Marked("CONFIDENTIAL", ("GBR",), True),
    Marked("RESTRICTED", ("ORG:NATO",), True),
    Marked("SECRET", ("GROUP:FVEY",), True),
    Marked("CONFIDENTIAL", ("DEU",), False),
    Marked("TOP SECRET", ("GBR", "DEU", "USA"), True),
]

READERS: list[Reader] = list(
    itertools.product(
        ("FRA", "GBR", "DEU", "USA"),
        ("UNCLASSIFIED", "CONFIDENTIAL", "SECRET"),
        ((), ("ORG:NATO",), ("GROUP:FVEY",)),
    )
)


def role_of(reader: Reader) -> Role:
    """Readers take every role in turn, so that each role meets every marking."""
    return list(Role)[READERS.index(reader) % len(Role)]


def ids(response_json: dict[str, Any]) -> set[int]:
    """The ids of a page of a list."""
    items = response_json["items"]
    assert isinstance(items, list)
    return {int(item["id"]) for item in items}


def create_marked(
    writer: Writer, author: Person, second: Person, name: str, values: dict[str, Any], marked: Marked
) -> dict[str, Any]:
    """Create a record of ``name`` marked as ``marked``; a second editor approves its release if it should be."""
    record = writer.create(author.principal, name, values, marking=marked.request)
    assert record["release_pending"] is bool(marked.partners)
    if marked.partners and marked.approved:
        kind = entity_name(resource(name).model)
        [pending] = [
            r for r in writer.releases(second.principal) if r["object_id"] == record["id"] and r["object_type"] == kind
        ]
        writer.decide_release(second.principal, pending["id"], approve=True)
    return record
