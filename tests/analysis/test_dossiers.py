"""Dossiers on real data: figures equal the raw files they come from; unknown stays unknown; citations."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from detente.analysis.dossiers import country_dossier, pair_dossier, to_markdown
from detente.store.database import Store
from tests.panels.conftest import MIRROR


def _raw_tiv(supplier: str, recipient: str, year: int) -> float:
    raw = pl.read_csv(MIRROR / "sipri_tiv" / "sipri-exports-processed.csv", null_values="NA")
    rows = raw.filter((pl.col("supplier") == supplier) & (pl.col("recipient") == recipient) & (pl.col("year") == year))
    return float(rows["value"].sum())


def test_country_dossier_matches_the_raw_files(analysis_store: Store) -> None:
    dossier = country_dossier(analysis_store, "FRA", date(2005, 6, 1))
    assert dossier.state.ccode == 220 and dossier.year == 2005
    partners = {p.partner.iso3: p for p in dossier.partners}
    spain, usa = partners["ESP"], partners["USA"]
    assert spain.figures["tiv12"].value == _raw_tiv("France", "Spain", 2005)
    assert spain.figures["tiv12"].year == 2005
    assert usa.figures["tiv21"].value == _raw_tiv("United States", "France", 2005)
    # NATO (ATOP 3180): France's own defence promise is conditional on location, as the member file says.
    members = pl.read_csv(MIRROR / "atop" / "atop5_1m.csv", infer_schema_length=0)
    france = members.filter((pl.col("atopid") == "3180") & (pl.col("member") == "220"))
    nato = next(a for a in usa.agreements if a.title == "ATOP 3180")
    defence = next(o for o in nato.own_obligations if o.code == "defense")
    assert ("location" in defence.conditions) == (france["defcoloc"].cast(pl.Int64).max() == 1)
    assert dossier.compliance.treaties == [] and dossier.compliance.note.startswith("unknown")
    keys = {c.key for c in dossier.citations}
    assert {"source:atop", "source:sipri_tiv", "source:unvotes", "nmc"} <= keys
    for partner in dossier.partners:
        for figure in partner.figures.values():
            assert figure.sources, "every figure names its source"
    assert dossier.capabilities["cinc"].value is not None


def test_figures_outside_coverage_are_unknown_or_dated(analysis_store: Store) -> None:
    dossier = country_dossier(analysis_store, "FRA", date(2015, 6, 1))
    spain = next(p for p in dossier.partners if p.partner.iso3 == "ESP")
    dca = spain.figures["dca_count"]
    assert dca.year is not None and dca.year <= 2010  # DCAD ends in 2010: the latest known year, said so


def test_pair_dossier_series_and_markdown(analysis_store: Store) -> None:
    dossier = pair_dossier(analysis_store, "FRA", "IND", date(2015, 1, 1))
    years = {entry.year: entry.values for entry in dossier.series}
    assert years[2013]["tiv12"] == _raw_tiv("France", "India", 2013)
    assert years[2012]["dca_count"] is None  # after DCAD's years: unknown, not 0
    assert years[1949]["tiv12"] is None  # before SIPRI's table
    assert any(a.kind == "dca" for a in dossier.agreements)
    text = to_markdown(dossier)
    assert "## Sources" in text and "unknown" in text
    with pytest.raises(ValueError, match="two different states"):
        pair_dossier(analysis_store, "FRA", "France")
    with pytest.raises(LookupError, match="no state is called"):
        country_dossier(analysis_store, "Atlantis")
