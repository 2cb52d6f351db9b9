"""``build_crosswalk(tables)``: the crosswalk from the parsed countrycode, isard and peacesciencer tables.

The steps (identity rule in the package docstring):

1. System membership spells from the state-system tables (COW: peacesciencer ``cow_states`` = isard
   ``cw_system``; G-W: isard ``gw_system``, which adds microstates and runs to 2020, plus any spell only
   in peacesciencer ``gw_states``). A spell that ends on its table's last day is open (still a member).
2. Code-years: a COW or G-W code is valid in every calendar year its membership spells touch.
3. States: the (system, code) pairs are nodes; isard's COW<->G-W panels link a COW and a G-W code that
   denote the same state in a year when both are valid. Each connected group of codes is one state.
4. The countrycode panel (one row per country-year) hangs ISO3, ISO2 and five languages of names on
   those states, row by row: a row goes to the state its COW code (else G-W code) denotes that year, else
   to the state of the latest coded row of the same countrycode country. Countries that never carry a
   COW or G-W code but have an ISO3 (Hong Kong, Palestine, ...) become states of their own
   (``in_cow`` and ``in_gw`` false).
5. Keys, current codes, capitals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from detente.sources.crosswalk.model import OPEN_END, Crosswalk, CrosswalkError, _max_int
from detente.sources.crosswalk.names import load_aliases

NAME_COLUMNS_PANEL = ("country_name_en", "country_name_de", "country_name_es", "country_name_fr", "country_name_it")
NAME_COLUMNS_CODELIST = (
    *NAME_COLUMNS_PANEL,
    "cow_name",
    "iso_name_en",
    "iso_name_fr",
    "un_name_en",
    "un_name_es",
    "un_name_fr",
    "p4_name",
    "vdem_name",
)

CODE_SPELL_SCHEMA = {
    "state_key": pl.String,
    "system": pl.String,
    "code": pl.String,
    "first_year": pl.Int64,
    "last_year": pl.Int64,
}


def _table(tables: Mapping[str, Mapping[str, pl.DataFrame]], source: str, name: str) -> pl.DataFrame:
    try:
        return tables[source][name]
    except KeyError as exc:
        raise CrosswalkError(
            f"build_crosswalk needs table {name!r} of source {source!r}; "
            f"pass tables={{'{source}': get_source('{source}').parse(files), ...}}"
        ) from exc


# --------------------------------------------------------------------------- 1. membership spells
def _membership(tables: Mapping[str, Mapping[str, pl.DataFrame]]) -> pl.DataFrame:
    """COW and G-W membership spells, one row per spell, with their source table."""
    cow = _table(tables, "peacesciencer", "cow_states").select(
        pl.lit("cow").alias("system"),
        pl.col("ccode").alias("code_int"),
        pl.col("stateabb").alias("abbreviation"),
        pl.col("statenme").alias("name"),
        pl.date("styear", "stmonth", "stday").alias("start"),
        pl.date("endyear", "endmonth", "endday").alias("end"),
        pl.lit(None, pl.Boolean).alias("microstate"),
        pl.lit("peacesciencer.cow_states").alias("source"),
    )
    cw = _table(tables, "isard", "cw_system").select(
        pl.lit("cow").alias("system"),
        pl.col("ccode").alias("code_int"),
        pl.col("cw_abb").alias("abbreviation"),
        pl.col("cw_name").alias("name"),
        "start",
        "end",
        pl.lit(None, pl.Boolean).alias("microstate"),
        pl.lit("isard.cw_system").alias("source"),
    )
    gw = _table(tables, "isard", "gw_system").select(
        pl.lit("gw").alias("system"),
        pl.col("gwcode").alias("code_int"),
        pl.col("gw_abb").alias("abbreviation"),
        pl.col("gw_name").alias("name"),
        "start",
        "end",
        (pl.col("microstate") == 1).alias("microstate"),
        pl.lit("isard.gw_system").alias("source"),
    )
    gws = _table(tables, "peacesciencer", "gw_states").select(
        pl.lit("gw").alias("system"),
        pl.col("gwcode").alias("code_int"),
        pl.col("stateabb").alias("abbreviation"),
        pl.col("statename").alias("name"),
        pl.col("startdate").alias("start"),
        pl.col("enddate").alias("end"),
        pl.lit(False).alias("microstate"),
        pl.lit("peacesciencer.gw_states").alias("source"),
    )
    parts = []
    for primary, secondary in ((cow, cw), (gw, gws)):
        primary = primary.with_columns((pl.col("end") == pl.col("end").max()).alias("end_is_coverage_end"))
        secondary = secondary.with_columns((pl.col("end") == pl.col("end").max()).alias("end_is_coverage_end"))
        extra = secondary.join(primary, on=["code_int", "start"], how="anti")
        parts.extend([primary, extra])
    return pl.concat(parts).sort("system", "code_int", "start")


def _validity(spells: pl.DataFrame) -> pl.DataFrame:
    """Year spells of each (system, code): every calendar year a membership spell touches; open ends null."""
    return spells.select(
        "system",
        "code_int",
        pl.col("start").dt.year().alias("first_year"),
        pl.when(pl.col("end_is_coverage_end")).then(None).otherwise(pl.col("end").dt.year()).alias("last_year"),
    )


def _years_of(validity: pl.DataFrame, horizon: int) -> pl.DataFrame:
    return (
        validity.select(
            "system",
            "code_int",
            pl.int_ranges("first_year", pl.col("last_year").fill_null(horizon) + 1).alias("year"),
        )
        .explode("year")
        .unique()
    )


# --------------------------------------------------------------------------- 3. groups of codes
class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def add(self, node: str) -> None:
        self.parent.setdefault(node, node)

    def find(self, node: str) -> str:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: str, b: str) -> None:
        self.add(a)
        self.add(b)
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _groups(tables: Mapping[str, Mapping[str, pl.DataFrame]], code_years: pl.DataFrame) -> dict[str, str]:
    """node ("cow:255") -> group id, linking COW and G-W codes that isard pairs in a year both are valid."""
    uf = _UnionFind()
    for system, code in code_years.select("system", "code_int").unique().iter_rows():
        uf.add(f"{system}:{code}")
    panels = pl.concat(
        [
            _table(tables, "isard", "cw_gw_panel").select("year", "ccode", "gwcode"),
            _table(tables, "isard", "gw_cw_panel").select("year", "ccode", "gwcode"),
        ]
    ).drop_nulls()
    cow_valid = code_years.filter(pl.col("system") == "cow").select(pl.col("code_int").alias("ccode"), "year")
    gw_valid = code_years.filter(pl.col("system") == "gw").select(pl.col("code_int").alias("gwcode"), "year")
    links = (
        panels.join(cow_valid, on=["ccode", "year"], how="semi")
        .join(gw_valid, on=["gwcode", "year"], how="semi")
        .select("ccode", "gwcode")
        .unique()
    )
    for ccode, gwcode in links.iter_rows():
        uf.union(f"cow:{ccode}", f"gw:{gwcode}")
    return {node: uf.find(node) for node in uf.parent}


# --------------------------------------------------------------------------- 4. countrycode rows
def _panel_rows(
    panel: pl.DataFrame, code_years: pl.DataFrame, group_of: Mapping[str, str]
) -> tuple[pl.DataFrame, list[str]]:
    """Each countrycode panel row with the group it belongs to (rows that fit no group are dropped
    and their countries returned, e.g. German states before 1816 that have no code of any kind)."""
    valid = code_years.with_columns((pl.col("system") + ":" + pl.col("code_int").cast(pl.String)).alias("node")).select(
        "node", "year"
    )
    groups = pl.DataFrame(
        {"node": list(group_of), "group": list(group_of.values())}, schema={"node": pl.String, "group": pl.String}
    )
    valid = valid.join(groups, on="node")
    rows = panel.with_columns(
        ("cow:" + pl.col("cown").cast(pl.String)).alias("cow_node"),
        ("gw:" + pl.col("gwn").cast(pl.String)).alias("gw_node"),
    )
    rows = rows.join(
        valid.rename({"node": "cow_node", "group": "cow_group"}), on=["cow_node", "year"], how="left"
    ).join(valid.rename({"node": "gw_node", "group": "gw_group"}), on=["gw_node", "year"], how="left")
    rows = rows.with_columns(pl.coalesce("cow_group", "gw_group").alias("coded_group"))
    home = (
        rows.filter(pl.col("coded_group").is_not_null())
        .sort("year")
        .group_by("country_name_en")
        .agg(pl.col("coded_group").last().alias("home"))
    )
    iso_home = (
        rows.join(home, on="country_name_en", how="anti")
        .filter(pl.col("iso3c").is_not_null())
        .sort("year")
        .group_by("country_name_en")
        .agg(("iso:" + pl.col("iso3c").last()).alias("iso_home"))
    )
    rows = (
        rows.join(home, on="country_name_en", how="left")
        .join(iso_home, on="country_name_en", how="left")
        .with_columns(pl.coalesce("coded_group", "home", "iso_home").alias("group"))
    )
    dropped = sorted(set(rows.filter(pl.col("group").is_null()).get_column("country_name_en").to_list()))
    return rows.filter(pl.col("group").is_not_null()), dropped


def _compress(frame: pl.DataFrame, open_year: int | None) -> pl.DataFrame:
    """(group, system, code, year) rows -> spells of consecutive years; ``open_year`` ends become null."""
    spells = (
        frame.unique(["group", "system", "code", "year"])
        .sort("group", "system", "code", "year")
        .with_columns((pl.col("year") - pl.int_range(pl.len()).over("group", "system", "code")).alias("_run"))
        .group_by("group", "system", "code", "_run")
        .agg(pl.col("year").min().alias("first_year"), pl.col("year").max().alias("last_year"))
        .drop("_run")
    )
    if open_year is not None:
        spells = spells.with_columns(
            pl.when(pl.col("last_year") >= open_year).then(None).otherwise(pl.col("last_year")).alias("last_year")
        )
    return spells


def _long_names(rows: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    return pl.concat(
        [
            rows.select("group", pl.lit("name").alias("system"), pl.col(c).alias("code"), "year").drop_nulls("code")
            for c in columns
            if c in rows.columns
        ]
    )


# --------------------------------------------------------------------------- the builder
def build_crosswalk(tables: Mapping[str, Mapping[str, pl.DataFrame]]) -> Crosswalk:
    """Build the crosswalk from parsed tables: ``{"countrycode": {...}, "isard": {...}, "peacesciencer": {...}}``.

    Raises:
        CrosswalkError: a table is missing, or the sources disagree so that one code would denote two
            states in the same year (the message lists the clashes).
    """
    spells = _membership(tables)
    validity = _validity(spells)
    panel = _table(tables, "countrycode", "panel")
    panel_end = _max_int(panel.get_column("year"))
    horizon = max(panel_end, _max_int(spells.get_column("end").dt.year())) + 1
    code_years = _years_of(validity, horizon)
    group_of = _groups(tables, code_years)

    # COW / G-W code spells per group (straight from membership, open ends kept open)
    node = pl.col("system") + ":" + pl.col("code_int").cast(pl.String)
    group_map = pl.DataFrame(
        {"node": list(group_of), "group": list(group_of.values())}, schema={"node": pl.String, "group": pl.String}
    )
    sys_years = (
        code_years.with_columns(node.alias("node"))
        .join(group_map, on="node")
        .select("group", "system", pl.col("code_int").cast(pl.String).alias("code"), "year")
    )
    open_codes = validity.filter(pl.col("last_year").is_null()).select(
        node.alias("node"), pl.col("system"), pl.col("code_int").cast(pl.String).alias("code")
    )
    sys_spells = _compress(sys_years, None).join(
        open_codes.select("system", "code", pl.lit(True).alias("_open")), on=["system", "code"], how="left"
    )
    sys_spells = sys_spells.with_columns(
        pl.when(pl.col("_open") & (pl.col("last_year") == horizon))
        .then(None)
        .otherwise(pl.col("last_year"))
        .alias("last_year")
    ).drop("_open")

    # ISO codes and names from the countrycode panel
    rows, _dropped = _panel_rows(panel, code_years, group_of)
    iso = pl.concat(
        [
            rows.select("group", pl.lit("iso3").alias("system"), pl.col("iso3c").alias("code"), "year"),
            rows.select("group", pl.lit("iso2").alias("system"), pl.col("iso2c").alias("code"), "year"),
        ]
    ).drop_nulls("code")
    iso_spells = _compress(iso, panel_end)
    panel_names = _compress(_long_names(rows, NAME_COLUMNS_PANEL), panel_end)

    # names from the state-system tables, over their membership years
    member_names = (
        spells.with_columns(node.alias("node"))
        .join(group_map, on="node")
        .select(
            "group",
            pl.lit("name").alias("system"),
            pl.col("name").alias("code"),
            pl.col("start").dt.year().alias("first_year"),
            pl.when(pl.col("end_is_coverage_end")).then(None).otherwise(pl.col("end").dt.year()).alias("last_year"),
        )
    )
    isard_names = pl.concat(
        [
            _table(tables, "isard", t).select(
                pl.lit(sys).alias("system"), pl.col(code).alias("code_int"), pl.col(nm).alias("name"), "year"
            )
            for t in ("cw_gw_panel", "gw_cw_panel")
            for sys, code, nm in (("cow", "ccode", "cw_name"), ("gw", "gwcode", "gw_name"))
        ]
    ).drop_nulls()
    isard_names = (
        isard_names.join(code_years, on=["system", "code_int", "year"], how="semi")
        .with_columns(node.alias("node"))
        .join(group_map, on="node")
        .select("group", pl.lit("name").alias("system"), pl.col("name").alias("code"), "year")
    )
    isard_end = _max_int(isard_names.get_column("year"))

    codes = pl.concat(
        [
            sys_spells,
            iso_spells,
            panel_names,
            member_names,
            _compress(isard_names, isard_end),
        ],
        how="diagonal_relaxed",
    )
    # codelist names (not by year): over each group's whole life
    codes = pl.concat([codes, _codelist_names(tables, codes)], how="diagonal_relaxed")
    codes = _merge_spells(codes)
    _check_unique(codes)

    keys = _keys(codes)
    codes = (
        codes.join(keys, on="group").select(list(CODE_SPELL_SCHEMA)).sort("state_key", "system", "first_year", "code")
    )
    system_spells = _system_spells(spells, group_map, keys)
    english = (
        rows.filter(pl.col("group") == pl.coalesce("home", "iso_home"))
        .sort("year")
        .group_by("group")
        .agg(pl.col("country_name_en").last().alias("english"))
        .join(keys, on="group")
        .select("state_key", "english")
    )
    states = _states(codes, system_spells, english)
    capitals = _capitals(tables, codes)
    aliases, not_a_state = load_aliases()
    return Crosswalk(
        states=states,
        codes=codes,
        system_spells=system_spells,
        capitals=capitals,
        aliases=aliases,
        not_a_state=not_a_state,
    )


def _codelist_names(tables: Mapping[str, Mapping[str, pl.DataFrame]], codes: pl.DataFrame) -> pl.DataFrame:
    codelist = _table(tables, "countrycode", "codelist")
    life = codes.group_by("group").agg(
        pl.col("first_year").min(), pl.col("last_year").fill_null(OPEN_END).max().alias("last_year")
    )
    by_iso = (
        codes.filter(pl.col("system") == "iso3")
        .sort(pl.col("last_year").fill_null(OPEN_END))
        .group_by("code")
        .agg(pl.col("group").last())
        .rename({"code": "iso3c"})
    )
    by_cow = (
        codes.filter(pl.col("system") == "cow")
        .sort(pl.col("last_year").fill_null(OPEN_END))
        .group_by("code")
        .agg(pl.col("group").last().alias("cow_group"))
        .rename({"code": "cown"})
    )
    named = (
        codelist.with_columns(pl.col("cown").cast(pl.String))
        .join(by_iso, on="iso3c", how="left")
        .join(by_cow, on="cown", how="left")
        .with_columns(pl.coalesce("group", "cow_group").alias("group"))
        .filter(pl.col("group").is_not_null())
    )
    names = pl.concat(
        [
            named.select("group", pl.lit("name").alias("system"), pl.col(c).alias("code"))
            for c in NAME_COLUMNS_CODELIST
            if c in named.columns
        ]
    ).drop_nulls("code")
    return (
        names.join(life, on="group")
        .with_columns(pl.when(pl.col("last_year") == OPEN_END).then(None).otherwise("last_year").alias("last_year"))
        .unique()
    )


def _merge_spells(codes: pl.DataFrame) -> pl.DataFrame:
    """Merge overlapping or adjacent spells of the same (group, system, code)."""
    codes = codes.with_columns(pl.col("last_year").fill_null(OPEN_END)).sort("group", "system", "code", "first_year")
    prev_end = pl.col("last_year").cum_max().shift(1).over("group", "system", "code")
    codes = codes.with_columns(
        (prev_end.is_null() | (pl.col("first_year") > prev_end + 1))
        .cum_sum()
        .over("group", "system", "code")
        .alias("_run")
    )
    merged = codes.group_by("group", "system", "code", "_run").agg(
        pl.col("first_year").min(), pl.col("last_year").max()
    )
    return merged.drop("_run").with_columns(
        pl.when(pl.col("last_year") == OPEN_END).then(None).otherwise("last_year").alias("last_year")
    )


def _check_unique(codes: pl.DataFrame) -> None:
    """No COW, G-W, ISO3 or ISO2 code may denote two states in one year."""
    coded = codes.filter(pl.col("system") != "name")
    pairs = coded.join(coded, on=["system", "code"], suffix="_b").filter(
        (pl.col("group") < pl.col("group_b"))
        & (pl.col("first_year") <= pl.col("last_year_b").fill_null(OPEN_END))
        & (pl.col("first_year_b") <= pl.col("last_year").fill_null(OPEN_END))
    )
    if pairs.height:
        listing = "; ".join(
            f"{r['system']} {r['code']}: {r['group']} {r['first_year']}-{r['last_year']} vs "
            f"{r['group_b']} {r['first_year_b']}-{r['last_year_b']}"
            for r in pairs.head(20).iter_rows(named=True)
        )
        raise CrosswalkError(f"codes that denote two states in the same year: {listing}")


def _keys(codes: pl.DataFrame) -> pl.DataFrame:
    """group -> state_key: the ISO3 the state holds last (if no other state holds it later), else
    ``COW-<latest ccode>``, else ``GW-<latest gwcode>``."""
    latest = (
        codes.filter(pl.col("system").is_in(["iso3", "cow", "gw"]))
        .with_columns(pl.col("last_year").fill_null(OPEN_END).alias("_end"))
        .sort("_end", "first_year")
        .group_by("group", "system")
        .agg(pl.col("code").last(), pl.col("_end").last())
    )
    iso = latest.filter(pl.col("system") == "iso3")
    iso_owner = iso.sort("_end").group_by("code").agg(pl.col("group").last().alias("owner"))
    iso = iso.join(iso_owner, on="code").filter(pl.col("group") == pl.col("owner")).select("group", "code")
    cow = latest.filter(pl.col("system") == "cow").select("group", ("COW-" + pl.col("code")).alias("cow_key"))
    gw = latest.filter(pl.col("system") == "gw").select("group", ("GW-" + pl.col("code")).alias("gw_key"))
    groups = codes.select("group").unique()
    keys = (
        groups.join(iso.rename({"code": "iso_key"}), on="group", how="left")
        .join(cow, on="group", how="left")
        .join(gw, on="group", how="left")
        .select("group", pl.coalesce("iso_key", "cow_key", "gw_key").alias("state_key"))
    )
    missing = keys.filter(pl.col("state_key").is_null())
    if missing.height:
        raise CrosswalkError(f"states without any ISO3, COW or G-W code: {missing.get_column('group').to_list()}")
    dupes = keys.group_by("state_key").len().filter(pl.col("len") > 1)
    if dupes.height:
        raise CrosswalkError(f"two states would share a key: {dupes.get_column('state_key').to_list()}")
    return keys


def _system_spells(spells: pl.DataFrame, group_map: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    node = pl.col("system") + ":" + pl.col("code_int").cast(pl.String)
    return (
        spells.with_columns(node.alias("node"))
        .join(group_map, on="node")
        .join(keys, on="group")
        .select(
            "state_key",
            "system",
            pl.col("code_int").cast(pl.String).alias("code"),
            "abbreviation",
            "name",
            "start",
            "end",
            pl.lit("day").alias("start_precision"),
            pl.lit("day").alias("end_precision"),
            "end_is_coverage_end",
            "microstate",
            "source",
        )
        .sort("state_key", "system", "start")
    )


def _states(codes: pl.DataFrame, system_spells: pl.DataFrame, english: pl.DataFrame) -> pl.DataFrame:
    """One row per state: its latest codes, its English name (countrycode's, else the latest COW, else
    the latest G-W name) and its life (years in a state system, else years with an ISO code)."""

    def latest(system: str, alias: str) -> pl.DataFrame:
        return (
            codes.filter(pl.col("system") == system)
            .sort(pl.col("last_year").fill_null(OPEN_END), "first_year", "code")
            .group_by("state_key")
            .agg(pl.col("code").last().alias(alias))
        )

    coded = codes.filter(pl.col("system") != "name")
    in_system = coded.filter(pl.col("system").is_in(["cow", "gw"]))
    coded = pl.concat([in_system, coded.join(in_system, on="state_key", how="anti")])
    life = coded.group_by("state_key").agg(
        pl.col("first_year").min(),
        pl.when(pl.col("last_year").is_null().any()).then(None).otherwise(pl.col("last_year").max()).alias("last_year"),
    )
    system_name = (
        system_spells.sort(pl.col("system") == "cow", "start")
        .group_by("state_key")
        .agg(pl.col("name").last().alias("system_name"))
    )
    abbreviation = (
        system_spells.filter(pl.col("system") == "cow")
        .sort("start")
        .group_by("state_key")
        .agg(pl.col("abbreviation").last())
    )
    member = system_spells.group_by("state_key").agg(
        (pl.col("system") == "cow").any().alias("in_cow"), (pl.col("system") == "gw").any().alias("in_gw")
    )
    states = (
        life.join(latest("cow", "ccode"), on="state_key", how="left")
        .join(latest("gw", "gwcode"), on="state_key", how="left")
        .join(latest("iso3", "iso3"), on="state_key", how="left")
        .join(latest("iso2", "iso2"), on="state_key", how="left")
        .join(english, on="state_key", how="left")
        .join(system_name, on="state_key", how="left")
        .join(abbreviation, on="state_key", how="left")
        .join(member, on="state_key", how="left")
    )
    return states.select(
        "state_key",
        pl.coalesce("english", "system_name").alias("name"),
        pl.col("ccode").cast(pl.Int64),
        pl.col("gwcode").cast(pl.Int64),
        "iso3",
        "iso2",
        "abbreviation",
        "first_year",
        "last_year",
        pl.col("in_cow").fill_null(False),
        pl.col("in_gw").fill_null(False),
    ).sort("state_key")


def _capitals(tables: Mapping[str, Mapping[str, pl.DataFrame]], codes: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for system, table, code in (("cow", "cow_capitals", "ccode"), ("gw", "gw_capitals", "gwcode")):
        owners = (
            codes.filter(pl.col("system") == system)
            .select("code", "state_key")
            .unique()
            .group_by("code")
            .agg(pl.col("state_key").first(), pl.col("state_key").n_unique().alias("n"))
            .filter(pl.col("n") == 1)
            .drop("n")
        )
        caps = _table(tables, "peacesciencer", table).select(
            pl.lit(system).alias("system"),
            pl.col(code).cast(pl.String).alias("code"),
            "capital",
            pl.col("lat"),
            pl.col("lng").alias("lon"),
            pl.col("stdate").alias("start"),
            pl.col("enddate").alias("end"),
        )
        parts.append(caps.join(owners, on="code", how="left"))
    caps = pl.concat(parts).with_columns(
        pl.col("start").dt.year().alias("first_year"), pl.col("end").dt.year().alias("last_year")
    )
    # a code no system knows (peacesciencer's gw_capitals files united Yemen under 679, a COW code)
    # is left out only when the same capital and dates are already there under a known code
    placed = caps.filter(pl.col("state_key").is_not_null())
    orphans = caps.filter(pl.col("state_key").is_null()).join(placed, on=["capital", "start", "end"], how="anti")
    caps = pl.concat([placed, orphans])
    # one row per (state, capital, dates): the COW row wins over an identical G-W row
    caps = caps.unique(["state_key", "capital", "start", "end"], keep="first", maintain_order=True)
    return caps.select(
        "state_key", "capital", "lat", "lon", "first_year", "last_year", "start", "end", "system", "code"
    ).sort("state_key", "start", "capital")


__all__ = ["build_crosswalk"]
