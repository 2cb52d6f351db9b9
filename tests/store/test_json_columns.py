"""JSON columns read back exactly as they were written, through the quick decoder and its fallback.

:func:`detente.store.engine.decode_json` decodes with orjson and falls back to the standard library for what
orjson refuses; :func:`detente.services.entities.row_snapshot` hands a row's JSON objects on without walking
them. A source row (``original``) with nested objects, lists, non-ASCII text, floats and a number wider
than 64 bits must come back the same through the records service and the reader, on both backends.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import text

from detente.services.records import Records
from detente.store.database import Store
from detente.store.engine import decode_json

ORIGINAL: dict[str, Any] = {
    "ccode": 2,
    "name": "États-Unis",
    "share": 0.125,
    "years": [1949, 1950, {"note": None, "ok": True}],
    "wide": 123456789012345678901234567890,
}


def test_decode_json_falls_back_for_what_orjson_refuses() -> None:
    assert decode_json(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    decoded = decode_json('{"missing": NaN, "far": Infinity, "wide": 123456789012345678901234567890}')
    assert math.isnan(decoded["missing"]) and decoded["far"] == math.inf
    assert decoded["wide"] == 123456789012345678901234567890


def test_a_source_row_reads_back_as_written(store: Store) -> None:
    records = Records(store)
    stored = records.create("agreement", {"kind": "alliance", "title": "t", "original": ORIGINAL}, actor="t")
    assert stored["original"] == ORIGINAL
    again = records.get("agreement", stored["id"])
    assert again["original"] == ORIGINAL and again["original"] is not stored["original"]
    listed = records.list("agreement")
    assert [row["original"] for row in listed] == [ORIGINAL]


def test_a_non_finite_float_written_by_an_older_release_still_reads(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        return  # PostgreSQL's JSON types refuse NaN when it is written: nothing to read back there
    records = Records(store)
    stored = records.create("agreement", {"kind": "alliance", "title": "t"}, actor="t")
    with store.engine.begin() as connection:  # what json.dumps wrote for a missing value: orjson refuses it
        connection.execute(
            text("UPDATE agreements SET original = :value WHERE id = :id"),
            {"value": '{"share": NaN, "name": "x"}', "id": stored["id"]},
        )
    again = records.get("agreement", stored["id"])
    assert math.isnan(again["original"]["share"]) and again["original"]["name"] == "x"
