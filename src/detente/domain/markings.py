"""Need to know, as pure rules: classification levels, releasability tokens, roles, and who may see what.

A user's record carries a *marking*: a classification level and the list of partners it is releasable to.
Partners are named by *releasability tokens*:

* a state, by its ISO3 code (``FRA``);
* an organization, as ``ORG:`` and its abbreviation (``ORG:NATO``);
* a sharing group, as ``GROUP:`` and its name (``GROUP:FVEY``).

A user holds a clearance (a classification level), a nationality (ISO3) and affiliations (tokens of the
organizations and sharing groups they belong to). A user may see a marked record when their clearance is at
least the record's classification **and** at least one of their tokens (nationality or affiliations) is in
the record's releasability list. A record with no marking at all is public data (an ingested source row).

Nothing here touches a database: the services apply these rules to the markings table and to queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum

__all__ = [
    "TOKEN_PATTERN",
    "Classification",
    "MarkingError",
    "RecordMarking",
    "Role",
    "can_see",
    "most_restrictive",
    "needs_release",
    "normalise_tokens",
]


class MarkingError(ValueError):
    """A marking, clearance or token that cannot be used as given; the message says what to write instead."""


class Classification(IntEnum):
    """Classification levels, lowest first; a clearance is one of these too."""

    UNCLASSIFIED = 0
    RESTRICTED = 1
    CONFIDENTIAL = 2
    SECRET = 3
    TOP_SECRET = 4

    @classmethod
    def parse(cls, text: str) -> Classification:
        """``"secret"`` or ``"TOP SECRET"`` -> the level; a clear error naming the levels otherwise."""
        key = text.strip().upper().replace(" ", "_").replace("-", "_")
        try:
            return cls[key]
        except KeyError:
            levels = ", ".join(level.label for level in cls)
            raise MarkingError(f"{text!r} is not a classification level; use one of {levels}") from None

    @property
    def label(self) -> str:
        """How the level is written on a record (``TOP SECRET``)."""
        return self.name.replace("_", " ")


class Role(StrEnum):
    """What a user may do. Each role may do everything the roles before it may."""

    VIEWER = "viewer"
    """read, list, count and search what their markings let them see"""
    ANALYST = "analyst"
    """+ export, write attaché reports and journal notes"""
    EDITOR = "editor"
    """+ create and change every kind of record, move lifecycles, approve releases and engagements"""
    ADMIN = "admin"
    """+ manage users and verify the audit log"""

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        """True when this role may do what ``other`` may."""
        return self.rank >= other.rank


TOKEN_PATTERN = re.compile(r"^(?:[A-Z]{3}|(?:ORG|GROUP):[A-Z0-9][A-Z0-9_.-]{0,39})$")
"""ISO3 (``FRA``), ``ORG:NATO`` or ``GROUP:FVEY`` (upper case; 40 characters at most after the prefix)."""


def normalise_tokens(tokens: Iterable[str], *, field: str = "releasable_to") -> tuple[str, ...]:
    """Upper-case, check and de-duplicate releasability tokens (sorted, so equal lists compare equal)."""
    out: set[str] = set()
    for raw in tokens:
        token = str(raw).strip().upper()
        if not TOKEN_PATTERN.match(token):
            raise MarkingError(
                f"{field}: {raw!r} is not a releasability token; write a state's ISO3 code (FRA), "
                "ORG:<abbreviation> (ORG:NATO) or GROUP:<name> (GROUP:FVEY)"
            )
        out.add(token)
    return tuple(sorted(out))


@dataclass(frozen=True)
class Reader:
    """What the rules need to know about the person reading: clearance and tokens."""

    clearance: Classification
    nationality: str | None
    affiliations: frozenset[str]

    @property
    def tokens(self) -> frozenset[str]:
        """Nationality plus affiliations: the partners this reader counts as."""
        return self.affiliations | ({self.nationality} if self.nationality else set())


def can_see(reader: Reader, classification: Classification, releasable_to: Iterable[str]) -> bool:
    """May ``reader`` see a record with this marking? Clearance high enough and one token in common."""
    return reader.clearance >= classification and not reader.tokens.isdisjoint(releasable_to)


def needs_release(home: str, releasable_to: Iterable[str]) -> bool:
    """Does this releasability share a record beyond its author's own state (``home``)?

    Such a marking takes effect only after a second editor approves it (four-eyes release); until then the
    record is releasable to ``home`` alone.
    """
    return any(token != home for token in releasable_to)


CAVEAT_LENGTH = 100
"""The longest caveat a marking row holds (``markings.caveat``)."""


@dataclass(frozen=True)
class RecordMarking:
    """A marking as values: classification, the partners it is releasable to (normalised), an optional caveat."""

    classification: Classification
    releasable_to: tuple[str, ...]
    caveat: str | None = None

    @classmethod
    def of(cls, classification: str, releasable_to: Iterable[str], caveat: str | None = None) -> RecordMarking:
        """A marking read from a row (``"SECRET"``, ``["FRA", "GBR"]``), checked and normalised."""
        return cls(Classification.parse(classification), normalise_tokens(releasable_to), caveat or None)


def most_restrictive(markings: Iterable[RecordMarking | None]) -> RecordMarking | None:
    """The marking of something derived from records with these markings: no reader may see it who could not
    see every one of them.

    * the classification is the highest of them;
    * the releasability is the *intersection* of theirs (a partner must be named by every one); an empty
      intersection gives a marking releasable to nobody, which is correct: no single partner may see all
      the records it rests on;
    * the caveats are all kept (distinct, sorted, joined by ``"; "``; cut at :data:`CAVEAT_LENGTH`);
    * an unmarked record (``None``, public data) adds no restriction, and if every record is unmarked the
      result is ``None`` (public).

    >>> secret = RecordMarking(Classification.SECRET, ("FRA", "GBR"))
    >>> restricted = RecordMarking(Classification.RESTRICTED, ("GBR", "USA"))
    >>> most_restrictive([secret, None, restricted])
    RecordMarking(classification=<Classification.SECRET: 3>, releasable_to=('GBR',), caveat=None)
    >>> most_restrictive([None, None]) is None
    True
    """
    marked = [m for m in markings if m is not None]
    if not marked:
        return None
    level = max(m.classification for m in marked)
    partners = set(marked[0].releasable_to)
    for m in marked[1:]:
        partners &= set(m.releasable_to)
    caveats = sorted({m.caveat for m in marked if m.caveat})
    caveat = "; ".join(caveats) or None
    if caveat is not None and len(caveat) > CAVEAT_LENGTH:
        caveat = caveat[: CAVEAT_LENGTH - 3] + "..."
    return RecordMarking(level, tuple(sorted(partners)), caveat)
