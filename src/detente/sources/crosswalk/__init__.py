"""The country-code crosswalk: COW, Gleditsch-Ward, ISO3, ISO2 and names, valid by year.

Every connector maps its country codes or names through this one crosswalk::

    tables = {name: get_source(name).parse(resolve_source(get_source(name).spec, mirror=m))
              for name in ("countrycode", "isard", "peacesciencer")}
    cw = build_crosswalk(tables)
    cw.key_for("gw", 260, 1995)                                   # 'DEU'
    cw.key_for("cow", 255, 1950)                                  # None: COW 255 is no state in 1950
    df = cw.map_codes(df, system="cow", code_col="ccode", year_col="year")   # adds state_key
    frame, unmatched, not_states = cw.match_names(df, "recipient", year_col="year")

Identity rule (what one ``state_key`` is)
-----------------------------------------
A state is a group of COW and G-W codes that denote the same state in some year: isard's COW<->G-W
year panels link a COW code and a G-W code whenever they are paired in a year in which both are valid
members of their systems, and every connected group of codes is one state. So a state continues
wherever **either** system treats it as continuing, and each system keeps its own codes by year:

- Germany (``DEU``): COW 255 (1816-1945, Prussia/German Reich), COW 260 (1955-1990), COW 255 (1990-);
  G-W 255 (1816-1945), G-W 260 (1949-). The Reich, the Federal Republic and united Germany are one
  state (as in international law: the FRG continued the Reich and absorbed the GDR in 1990). The GDR
  (COW/G-W 265) is its own state, ``COW-265``. COW 255 in 1950 denotes nothing.
- Yemen (``YEM``): COW 678 (1926-1990) then 679 (1990-); G-W 678 throughout (G-W and ISO treat united
  Yemen as the Yemen Arab Republic continued). South Yemen (COW/G-W 680) is ``COW-680``.
- Serbia (``SRB``): COW 345 throughout (1878-1941, 1944-); G-W 340 (1878-1915), 345 (1918-2006), 340
  (2006-). Serbia, Yugoslavia, the FRY / Serbia and Montenegro and Serbia again are one state, as both
  systems code them (the UN's 1992 view that the FRY was a new state is not followed). Montenegro
  (341) and Kosovo (347, ``COW-347``) are their own states.
- Vietnam (``VNM``): COW/G-W 816 (1954-, North Vietnam continuing as united Vietnam); South Vietnam
  (817) is ``COW-817``; G-W's pre-colonial Vietnam (815, 1816-1893) is ``GW-815``.
- The Soviet Union and Russia (365) are one state (``RUS``); Austria-Hungary (300, ``COW-300``) and
  Austria (305), Czechoslovakia (315, ``COW-315``) and Czechia (316) are different states, as both
  systems code them.
- Codes differ between the systems for some states: COW 970 is Nauru while G-W 970 is Kiribati; the
  crosswalk keeps each system's codes apart, so ``key_for("cow", 970, y)`` and ``key_for("gw", 970, y)``
  give different states.

States that no state system lists but that countrycode gives an ISO3 (Hong Kong ``HKG``, Palestine
``PSE``) are states of the crosswalk with ``in_cow`` and ``in_gw`` false, so ISO-coded data keep them.
Dependent territories, organisations, non-state actors and regions are not states: they are listed in
``aliases.yml`` under ``not_a_state`` and reported by the name matcher, never matched.

Keys
----
``state_key`` is the ISO3 code the state holds last (``DEU``, ``YEM``, ``SRB``, ``RUS``), else
``COW-<latest ccode>`` (``COW-265``, ``COW-817``, ``COW-680``, ``COW-347``), else ``GW-<latest
gwcode>`` (``GW-815``, ``GW-711`` Tibet). Keys are stable as long as the inputs are.

Validity by year
----------------
A COW or G-W code is valid in every calendar year that one of its membership spells touches (so in a
year of a change both the old and the new code are valid: COW 260 and 255 in 1990). A spell that ends
on the last day of its source's coverage (COW 2016, G-W 2020) is open: the code stays valid after it,
and its ``last_year`` is null. ISO codes and countrycode names are valid in the years the countrycode
panel gives them (which projects today's ISO codes back in time: ``DEU`` in 1900 is Germany).
"""

from detente.sources.crosswalk.build import build_crosswalk
from detente.sources.crosswalk.model import (
    CODE_SYSTEMS,
    SYSTEMS,
    Crosswalk,
    CrosswalkError,
    NameMatch,
    System,
    code_text,
)
from detente.sources.crosswalk.names import load_aliases, match_names, normalise

__all__ = [
    "CODE_SYSTEMS",
    "SYSTEMS",
    "Crosswalk",
    "CrosswalkError",
    "NameMatch",
    "System",
    "build_crosswalk",
    "code_text",
    "load_aliases",
    "match_names",
    "normalise",
]
