"""Who to cite for a panel: every dataset a builder or an enricher used, in the order they were used.

A panel's rows come from original datasets (the COW state system, ATOP, NMC ...) that peacesciencer and
isard repackage. Researchers must cite the originals, and the packages that prepared them. Each builder and
enricher therefore adds the :class:`Citation` of each original dataset it read, and the store's own citation
of the source package (the ``sources`` row, from the source's ``source.yml``), so ``panel.citations`` is the
complete list -- and ``detente panel ... --cite`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass

from detente.store import catalog
from detente.store.database import Store

__all__ = ["DATASETS", "Citation", "merge", "source_citation"]


@dataclass(frozen=True)
class Citation:
    """One work to cite: a short key (``atop``, ``source:peacesciencer``) and the reference text."""

    key: str
    text: str


DATASETS: dict[str, Citation] = {
    c.key: c
    for c in (
        Citation(
            "cow_states",
            "Correlates of War Project. 2017. State System Membership List, v2016. https://correlatesofwar.org",
        ),
        Citation(
            "gw_states",
            "Gleditsch, Kristian S. and Michael D. Ward. 1999. A Revised List of Independent States since the "
            "Congress of Vienna. International Interactions 25(4): 393-413.",
        ),
        Citation(
            "atop",
            "Leeds, Brett Ashley, Jeffrey M. Ritter, Sara McLaughlin Mitchell and Andrew G. Long. 2002. Alliance "
            "Treaty Obligations and Provisions, 1815-1944. International Interactions 28: 237-260. (ATOP 5.1)",
        ),
        Citation(
            "nmc",
            "Singer, J. David, Stuart Bremer and John Stuckey. 1972. Capability Distribution, Uncertainty, and "
            "Major Power War, 1820-1965. In Bruce Russett (ed.), Peace, War, and Numbers. Beverly Hills: Sage. "
            "(COW National Material Capabilities 7.0)",
        ),
        Citation(
            "contiguity",
            "Stinnett, Douglas M., Jaroslav Tir, Philip Schafer, Paul F. Diehl and Charles Gochman. 2002. The "
            "Correlates of War Project Direct Contiguity Data, Version 3. Conflict Management and Peace Science "
            "19(2): 58-66. (v3.2)",
        ),
        Citation(
            "cow_mid",
            "Palmer, Glenn, Roseanne W. McManus, Vito D'Orazio, Michael R. Kenwick, Mikaela Karstens, Chase "
            "Bloch, Nick Dietrich, Kayla Kahn, Kellan Ritter and Michael J. Soules. 2022. The MID5 Dataset, "
            "2011-2014: Procedures, Coding Rules, and Description. Conflict Management and Peace Science 39(4).",
        ),
        Citation(
            "capitals",
            "Gleditsch, Kristian S. and Michael D. Ward. 2001. Measuring Space: A Minimum-Distance Database and "
            "Applications to International Studies. Journal of Peace Research 38(6): 739-758. (capitals as "
            "revised in peacesciencer)",
        ),
        Citation(
            "uds",
            "Marquez, Xavier. 2016. A Quick Method for Extending the Unified Democracy Scores. SSRN 2753830; "
            "Pemstein, Daniel, Stephen A. Meserve and James Melton. 2010. Democratic Compromise: A Latent "
            "Variable Analysis of Ten Measures of Regime Type. Political Analysis 18(4): 426-449.",
        ),
        Citation(
            "polity",
            "Marshall, Monty G., Ted Robert Gurr and Keith Jaggers. 2017. Polity IV Project: Political Regime "
            "Characteristics and Transitions, 1800-2016. Center for Systemic Peace.",
        ),
        Citation(
            "vdem",
            "Coppedge, Michael et al. V-Dem Dataset. Varieties of Democracy (V-Dem) Project. (v2x_polyarchy)",
        ),
        Citation(
            "igo",
            "Pevehouse, Jon C.W., Timothy Nordstrom, Roseanne W. McManus and Anne Spencer Jamison. 2020. "
            "Tracking Organizations in the World: The Correlates of War IGO Version 3.0 Datasets. Journal of "
            "Peace Research 57(3): 492-503.",
        ),
    )
}
"""The original datasets behind the reference enrichers."""


def source_citation(store: Store, source: str) -> Citation:
    """The store's citation of a loaded source package (``sources.citation``), keyed ``source:<name>``."""
    text = catalog.source_citation_text(store, source)
    if text is None:
        raise LookupError(f"source {source} is not loaded: run `detente sources load {source}`")
    return Citation(f"source:{source}", text)


def merge(existing: tuple[Citation, ...], *added: Citation) -> tuple[Citation, ...]:
    """``existing`` followed by each of ``added`` not already in it (first use keeps its place)."""
    seen = {c.key for c in existing}
    out = list(existing)
    for citation in added:
        if citation.key not in seen:
            seen.add(citation.key)
            out.append(citation)
    return tuple(out)
