"""Alliance reliability 1816-1944 on real data: spot checks of promises, estimates beside the anchors."""

from __future__ import annotations

from detente.analysis.reliability import PUBLISHED, reliability
from detente.store.database import Store


def test_reliability_estimates_and_promises(analysis_store: Store) -> None:
    result = reliability(analysis_store)
    assert result.naive.promises == len(result.promises)
    assert result.naive.kept == sum(p.kept for p in result.promises)
    invoked = [p for p in result.promises if p.verdict == "invoked"]
    assert result.conditional.promises == len(invoked)
    assert result.conditional.promises + result.not_invoked + result.unknown_conditions == result.naive.promises
    assert result.naive.share is not None and 0 < result.naive.share < 1
    assert result.published == PUBLISHED
    # 1939: Germany attacked Poland; France had promised to defend it (ATOP 2060, 1921) and fought. The
    # British guarantee was signed in 1939 itself, so it is not a promise in force on 1 January.
    poland = [p for p in result.promises if p.attacked == "Poland" and p.year == 1939]
    assert any(p.ally == "France" and p.alliance == "ATOP 2060" and p.kept for p in poland)
    assert all(p.ally != "United Kingdom" for p in poland)
    assert {c.key for c in result.citations} >= {"atop", "leeds_long_mitchell_2000"}
    assert len(result.explanation) == 3
