"""PA-X Peace Agreements Database (v4): agreements with their ~225 provision codes.

``agreements`` (one row per agreement; the mirror holds a 40-agreement sample, the user supplies the
full file downloaded from www.peaceagreements.org)
    ``agt_id``, ``agt`` (name), ``dat`` (signature date), ``con`` (conflict), ``contp``, ``pp``,
    ``pp_name`` (peace process), ``reg``, ``ver``, ``status``, ``lgt``, ``n_characters``, ``agtp``
    (agreement type), ``stage``, ``stage_sub``, ``part`` / ``thrd_part`` (signatories, text),
    ``loc1_iso``/``loc2_iso`` (ISO3), ``loc1_gwno``/``loc2_gwno`` (G-W, integers), ``ucdp_con``,
    ``ucdp_agr``, ``pam_agr``, ``cow_war`` and every provision code (``g_ch``, ``cf_*``, ``ssr_*``,
    ``mil_*`` ...) snake_cased from the codebook names, typed as integers.

The full file carries a UTF-8 byte-order mark on its header; it is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import Col, Kind

FILE = "pax_sample_40_agreements.csv"


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the PA-X agreements file."""
    frame = read_csv(files[FILE], "utf-8").typed(
        [
            Col("AgtId", "agt_id", Kind.INT),
            Col("Agt", "agt"),
            Col("Dat", "dat", Kind.DATE),
            Col("Con", "con"),
            Col("Loc1ISO", "loc1_iso"),
            Col("Loc2ISO", "loc2_iso"),
            Col("Loc1GWNO", "loc1_gwno", Kind.INT),
            Col("Loc2GWNO", "loc2_gwno", Kind.INT),
            Col("Agtp", "agtp"),
            Col("Stage", "stage"),
        ],
        rest=Kind.AUTO,
    )
    return {"agreements": frame}
