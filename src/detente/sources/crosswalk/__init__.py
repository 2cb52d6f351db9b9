"""The country-code crosswalk (placeholder docstring)."""

from detente.sources.crosswalk.build import build_crosswalk
from detente.sources.crosswalk.model import CODE_SYSTEMS, SYSTEMS, Crosswalk, CrosswalkError, NameMatch, System
from detente.sources.crosswalk.names import load_aliases, normalise

__all__ = [
    "CODE_SYSTEMS",
    "SYSTEMS",
    "Crosswalk",
    "CrosswalkError",
    "NameMatch",
    "System",
    "build_crosswalk",
    "load_aliases",
    "normalise",
]
