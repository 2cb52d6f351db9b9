"""PA-X peace agreements (the 40-agreement sample in the mirror, or the user's full file) as agreements
with their provisions.

Each row becomes an :class:`~detente.store.models.Agreement` of kind ``peace_agreement``
(``source_key = "pax:<AgtId>"``, title ``Agt``, signed and in force from ``Dat``; PA-X codes no end, so the
interval is open). The agreement's descriptors -- conflict, peace process, type, stage, status,
signatories as text, locations (ISO3 and G-W), and the UCDP, PAM and COW cross-references -- are kept in
``original``.

Every provision column (every integer column after the descriptors: ``gch`` .. ``im_src``) coded
non-zero becomes a :class:`~detente.store.models.Provision`: ``code`` the column, ``kind`` its PA-X
category (groups, gender, state definition, governance, power sharing, human rights, justice, socio-
economic, land, security sector, transitional justice, implementation ...), ``conditions.value`` the
coded value (1 a mention .. 3 a detailed provision in PA-X's depth scales, or a plain 1).

The signatories (``Part``) and third parties (``ThrdPart``: witnesses, mediators, guarantors) become
:class:`~detente.store.models.AgreementParty` rows with roles ``signatory`` and ``third_party``, one per
line or ``;``-separated item, named in ``actor_name`` exactly as PA-X writes them; PA-X names people and
groups, not state codes, so they carry no state.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from detente.sources.mapping import MapContext
from detente.store.models import Agreement, AgreementParty, Provision

INPUTS = ("pax_sample",)
NEEDS_STATES = True

DESCRIPTORS = (
    "agt_id", "agt", "dat", "con", "loc1_iso", "loc2_iso", "loc1_gwno", "loc2_gwno", "agtp", "stage", "contp",
    "pp", "ppname", "reg", "ver", "status", "lgt", "n_characters", "stage_sub", "part", "thrd_part", "oth_agr",
    "ucdp_con", "ucdp_agr", "pam_agr", "cow_war",
)  # fmt: skip
"""The agreement's own columns; every other integer column is a provision code."""

CATEGORIES = (
    ("ge_", "gender"),
    ("st_", "state definition"),
    ("pps_", "power sharing"), ("tps_", "power sharing"), ("eps", "power sharing"), ("mps", "power sharing"),
    ("polps", "power sharing"), ("terps", "power sharing"),
    ("hr", "human rights"), ("eq_", "human rights"), ("prot", "human rights"), ("cpr_", "human rights"),
    ("ser_", "human rights"), ("med", "human rights"), ("cit_", "human rights"),
    ("jus_", "justice"),
    ("dev", "socio-economic"), ("nec", "socio-economic"), ("nat_res", "socio-economic"), ("int_fu", "socio-economic"),
    ("bus", "socio-economic"), ("tax", "socio-economic"), ("ban", "socio-economic"), ("cen_ban", "socio-economic"),
    ("la_", "land, property and environment"), ("wat", "land, property and environment"),
    ("ssr_", "security sector"), ("ce", "security sector"), ("ddr_", "security sector"), ("cor", "security sector"),
    ("terr", "security sector"),
    ("tj_", "transitional justice"),
    ("im_", "implementation"),
    ("g", "groups"),
    ("pol", "governance"), ("con_ren", "governance"), ("cons", "governance"), ("ele", "governance"),
    ("civso", "governance"), ("tral", "governance"), ("pubad", "governance"),
)  # fmt: skip
"""PA-X categories by code prefix, most specific first (``g`` catches the remaining group codes)."""


def category(code: str) -> str:
    """The PA-X category of a provision code: ``"cpr_life"`` -> ``"human rights"``."""
    for prefix, name in CATEGORIES:
        if code.startswith(prefix):
            return name
    return "other"


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Write the agreements and their non-zero provisions; return rows written per table."""
    ctx.clear(Provision, AgreementParty, Agreement)
    frame = ctx.table("pax_sample", "agreements")
    codes = [c for c, t in frame.schema.items() if c not in DESCRIPTORS and t.is_integer()]
    agreements = [
        {
            "kind": "peace_agreement",
            "title": row["agt"][:500],
            "signed_on": row["dat"],
            "signed_precision": "day",
            "valid_from": row["dat"],
            "valid_from_precision": "day",
            "valid_to": None,
            "valid_to_precision": "day",
            "source_key": f"pax:{row['agt_id']}",
            "original": {k: row[k] for k in DESCRIPTORS if k not in ("agt", "dat") and k in row},
        }
        for row in frame.iter_rows(named=True)
    ]
    written = {
        "agreements": ctx.insert(
            Agreement, pl.DataFrame(agreements, schema_overrides={"original": pl.Object}, infer_schema_length=None)
        )
    }
    ids = ctx.ids(Agreement)
    provisions = (
        frame.select("agt_id", *codes)
        .unpivot(index="agt_id", variable_name="code", value_name="value")
        .filter(pl.col("value").is_not_null() & (pl.col("value") != 0))
        .sort("agt_id", "code")
    )
    rows = [
        {
            "agreement_id": ids[f"pax:{agt_id}"],
            "code": code,
            "kind": category(code),
            "conditions": {"value": value},
            "source_key": f"pax:{agt_id}:{code}",
        }
        for agt_id, code, value in provisions.iter_rows()
    ]
    written["provisions"] = ctx.insert(Provision, pl.DataFrame(rows, schema_overrides={"conditions": pl.Object}))
    written["agreement_parties"] = ctx.insert(AgreementParty, actor_parties(frame, ids))
    return written


def signatories(text: str | None) -> list[str]:
    """The signatories PA-X lists in a ``Part`` / ``ThrdPart`` cell, one per line or ``;``-separated item."""
    if not text:
        return []
    items = (item.strip() for line in text.splitlines() for item in line.split(";"))
    return list(dict.fromkeys(item for item in items if item))


def actor_parties(frame: pl.DataFrame, ids: dict[Any, int]) -> pl.DataFrame:
    """PA-X's signatories (``part``, role ``signatory``) and third parties (``thrd_part``, role
    ``third_party``) as agreement parties named by ``actor_name``, as PA-X writes them (no state: PA-X
    names people and groups, not codes)."""
    rows = []
    for row in frame.select("agt_id", "part", "thrd_part").iter_rows(named=True):
        for column, role in (("part", "signatory"), ("thrd_part", "third_party")):
            for n, name in enumerate(signatories(row[column]), start=1):
                rows.append(
                    {
                        "agreement_id": ids[f"pax:{row['agt_id']}"],
                        "actor_name": name[:300],
                        "role": role,
                        "source_key": f"pax:{row['agt_id']}:{role}:{n}",
                        "original": {column: name} if len(name) > 300 else None,
                    }
                )
    return pl.DataFrame(
        rows,
        schema={
            "agreement_id": pl.Int64,
            "actor_name": pl.String,
            "role": pl.String,
            "source_key": pl.String,
            "original": pl.Object,
        },
    )
