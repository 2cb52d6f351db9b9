"""Networks: metrics on a small hand-checked graph, and a real year checked against the stored source."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import polars as pl
import pytest

from detente.analysis.networks import NetworkCoverageError, bloc_changes, metrics, network, write_network
from detente.panels import create_state_years
from detente.panels.cache import read_table
from detente.store.database import Store


def test_metrics_of_a_hand_checked_graph() -> None:
    # Two triangles (1-2-3 and 4-5-6) joined by the bridge 3-4.
    pairs = [(1, 2), (1, 3), (2, 3), (3, 4), (4, 5), (4, 6), (5, 6)]
    edges = pl.DataFrame({"source": [a for a, _ in pairs], "target": [b for _, b in pairs], "weight": [1.0] * 7})
    found = metrics(edges, directed=False)
    assert found.codes == [1, 2, 3, 4, 5, 6]
    assert found.degree == [2, 2, 3, 3, 2, 2]
    # Node 3 lies on the shortest paths from 1 and 2 to 4, 5 and 6 (6 pairs) and from 1 and 2 ... only those.
    assert found.betweenness == [0.0, 0.0, 6.0, 6.0, 0.0, 0.0]
    assert found.eigenvector[2] == pytest.approx(1.0) and found.eigenvector[3] == pytest.approx(1.0)
    assert found.community[:3] == [found.community[0]] * 3 and found.community[3:] == [found.community[3]] * 3
    assert found.community[0] != found.community[3]
    assert found.modularity == pytest.approx(5 / 14)  # two triangles: 2 * (3/7 - (7/14) ** 2)
    again = metrics(edges, directed=False)  # seeded: the same communities every time
    assert again.community == found.community and again.modularity == found.modularity


def test_alliance_network_of_1990_matches_atop(analysis_store: Store) -> None:
    result = network(analysis_store, "alliances", 1990)
    atop = read_table(analysis_store, "peacesciencer", "atop_alliance").filter(pl.col("year") == 1990)
    members = set(create_state_years(analysis_store, "cow", (1990, 1990)).frame["ccode"].to_list())
    pairs = {tuple(sorted(p)) for p in atop.select("ccode1", "ccode2").iter_rows() if set(p) <= members}
    assert len(result.edges) == len(pairs)
    usa = next(n for n in result.nodes if n.state.ccode == 2)
    assert usa.degree == len({b for a, b in pairs if a == 2} | {a for a, b in pairs if b == 2})
    assert max(n.eigenvector for n in result.nodes) == pytest.approx(1.0)
    assert {c.key for c in result.citations} >= {"atop"}
    defence = network(analysis_store, "alliances", 1990, obligation="defense")
    assert len(defence.edges) < len(result.edges)


def test_export_and_coverage(analysis_store: Store, tmp_path: Path) -> None:
    result = network(analysis_store, "arms", 2000)
    assert result.directed and all(e.weight > 0 for e in result.edges)
    graphml = nx.read_graphml(write_network(result, tmp_path / "arms.graphml"))
    gexf = nx.read_gexf(write_network(result, tmp_path / "arms.gexf"))
    assert graphml.number_of_edges() == gexf.number_of_edges() == len(result.edges)
    saved = json.loads(write_network(result, tmp_path / "arms.json").read_text())
    assert saved["citations"] and len(saved["nodes"]) == len(result.nodes)
    with pytest.raises(NetworkCoverageError, match="2010-2013"):
        network(analysis_store, "pko", 1990)
    changes = bloc_changes(analysis_store, "dca", (1995, 1997))
    assert changes[0].adjusted_rand is None and all(c.adjusted_rand is not None for c in changes[1:])
