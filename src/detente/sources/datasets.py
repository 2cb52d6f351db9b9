"""Source tables as parsed, stored in the database: the "original values" layer.

Every table a source's parser returns is stored whole in a table of its own, ``ds_<source>__<table>``,
with a leading ``ds_row`` column (the row's 1-based position in the parsed table), and recorded in the
``dataset_tables`` catalog with its source version and column types. Domain tables (agreements, missions,
arms transfers ...) are mapped from these; exports and panels read them back with :func:`read_dataset`.

Writing millions of rows is the slow part of a load, so rows go straight to the driver: ``executemany`` on
SQLite, ``COPY`` on PostgreSQL. Everything happens on the caller's connection, inside the load's single
transaction: SQLite and PostgreSQL both roll DDL back with the rest.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.types import TypeEngine

from detente.sources.errors import SourceSpecError
from detente.store.models import DatasetTable, Source, SourceVersion

__all__ = ["DATASET_PREFIX", "dataset_table_name", "drop_dataset_tables", "read_dataset", "write_dataset"]

DATASET_PREFIX = "ds_"
ROW_COLUMN = "ds_row"

_SQL_TYPES: dict[str, TypeEngine[Any]] = {
    "Int64": BigInteger(),
    "Int32": BigInteger(),
    "Float64": Float(),
    "String": Text(),
    "Boolean": Boolean(),
    "Date": Date(),
}
_POLARS_TYPES: dict[str, pl.DataType] = {
    "Int64": pl.Int64(),
    "Int32": pl.Int32(),
    "Float64": pl.Float64(),
    "String": pl.String(),
    "Boolean": pl.Boolean(),
    "Date": pl.Date(),
}


def dataset_table_name(source: str, table: str) -> str:
    """``ds_<source>__<table>``; at most 63 characters (PostgreSQL's limit for names)."""
    name = f"{DATASET_PREFIX}{source}__{table}"
    if len(name) > 63:
        raise SourceSpecError(source, table, f"the database name {name!r} is longer than 63 characters")
    return name


def _sql_table(name: str, columns: list[tuple[str, str]]) -> Table:
    """A SQLAlchemy table for stored rows: ``ds_row`` first, then the parsed columns with their types."""
    fields = [Column(ROW_COLUMN, Integer, primary_key=True, autoincrement=False)]
    for column, dtype in columns:
        if dtype not in _SQL_TYPES:
            raise SourceSpecError(name, column, f"column type {dtype} cannot be stored; cast it in the parser")
        fields.append(Column(column, _SQL_TYPES[dtype]))
    return Table(name, MetaData(), *fields)


def write_dataset(connection: Connection, source_version_id: int, source: str, table: str, frame: pl.DataFrame) -> int:
    """Store ``frame`` as ``ds_<source>__<table>`` (replacing an older copy) and catalog it; return its rows."""
    name = dataset_table_name(source, table)
    columns = [(column, str(dtype)) for column, dtype in frame.schema.items()]
    sql_table = _sql_table(name, columns)
    sql_table.drop(connection, checkfirst=True)
    sql_table.create(connection)
    rows = frame.with_row_index(ROW_COLUMN, offset=1)
    if connection.dialect.name == "postgresql":
        _copy_rows(connection, sql_table, rows)
    else:
        _insert_rows(connection, sql_table, rows)
    connection.execute(delete(DatasetTable).where(DatasetTable.db_table == name))
    connection.execute(
        insert(DatasetTable).values(
            source_version_id=source_version_id,
            name=table,
            db_table=name,
            columns=[list(c) for c in columns],
            rows=frame.height,
        )
    )
    return frame.height


def _insert_rows(connection: Connection, table: Table, frame: pl.DataFrame) -> None:
    """SQLite: one prepared INSERT run over every row (dates as ISO text, which SQLite keeps)."""
    dates = [name for name, dtype in frame.schema.items() if dtype == pl.Date]
    if dates:
        frame = frame.with_columns(pl.col(dates).dt.strftime("%Y-%m-%d"))
    marks = ", ".join("?" for _ in table.columns)
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(c.name) for c in table.columns)
    sql = f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})"
    cursor = connection.connection.cursor()
    try:
        for chunk in frame.iter_slices(50_000):
            cursor.executemany(sql, chunk.rows())
    finally:
        cursor.close()


def _copy_rows(connection: Connection, table: Table, frame: pl.DataFrame) -> None:
    """PostgreSQL: stream every row with COPY."""
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(c.name) for c in table.columns)
    driver: Any = connection.connection.dbapi_connection  # a psycopg connection: COPY is psycopg's own API
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
        for row in frame.iter_rows():
            copy.write_row(row)


def drop_dataset_tables(connection: Connection, source_version_id: int) -> None:
    """Drop every stored table of one source version and remove them from the catalog."""
    stored = connection.execute(
        select(DatasetTable.db_table).where(DatasetTable.source_version_id == source_version_id)
    ).scalars()
    for name in list(stored):
        Table(name, MetaData()).drop(connection, checkfirst=True)
    connection.execute(delete(DatasetTable).where(DatasetTable.source_version_id == source_version_id))


def read_dataset(engine: Engine | Connection, source: str, table: str) -> pl.DataFrame:
    """A stored source table, as a Polars frame with the column types it was parsed with.

    Raises:
        LookupError: the source (or that table of it) has not been loaded; the message says what to run.
    """
    query = (
        select(DatasetTable.db_table, DatasetTable.columns)
        .join(SourceVersion, SourceVersion.id == DatasetTable.source_version_id)
        .join(Source, Source.id == SourceVersion.source_id)
        .where(Source.name == source, DatasetTable.name == table)
    )
    if isinstance(engine, Engine):
        with engine.connect() as connection:
            return _read(connection, query, source, table)
    return _read(engine, query, source, table)


def _read(connection: Connection, query: Any, source: str, table: str) -> pl.DataFrame:
    found = connection.execute(query).one_or_none()
    if found is None:
        raise LookupError(f"source table {source}.{table} is not loaded: run `detente sources load {source}`")
    name, columns = found
    schema = {column: _POLARS_TYPES[dtype] for column, dtype in columns}
    sqlite = connection.dialect.name == "sqlite"
    # Rows come straight from the driver; SQLite hands dates back as the ISO text they were stored as.
    wire = {c: (pl.String() if sqlite and t == pl.Date() else t) for c, t in schema.items()}
    quote = connection.dialect.identifier_preparer.quote
    listed = ", ".join(quote(c) for c in schema)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"SELECT {listed} FROM {quote(name)} ORDER BY {ROW_COLUMN}")
        frames = []
        while rows := cursor.fetchmany(200_000):
            frames.append(pl.DataFrame(rows, schema=wire, orient="row"))
    finally:
        cursor.close()
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=wire)
    dates = [c for c, t in schema.items() if t == pl.Date() and wire[c] != t]
    return frame.with_columns(pl.col(dates).str.to_date("%Y-%m-%d")) if dates else frame
