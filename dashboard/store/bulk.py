"""Bulk primitives of the ingest hot path, one per dialect, the rest of ingest shared.

Rows arrive as numpy columns already sorted in primary-key order. SQLite gets DB-API
`executemany` of plain tuples (its fastest path); PostgreSQL gets binary `COPY`, with the
buffer built by numpy in one go instead of a Python call per row. Upserts on PostgreSQL copy
into a temporary stage and run one set-based `INSERT ... SELECT ... ON CONFLICT`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, select, table, true
from sqlalchemy import column as sql_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

__all__ = ["copy_binary", "insert_rows", "plain_rows", "upsert_rows"]

_PG_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" * 2
_PG_COPY_TRAILER = b"\xff\xff"
# numpy dtype -> (big-endian wire dtype, PostgreSQL type used for staging)
_PG_WIRE = {
    np.dtype(np.int32): (">i4", "integer"),
    np.dtype(np.int64): (">i8", "bigint"),
    np.dtype(np.float64): (">f8", "double precision"),
}


def copy_binary(columns: Sequence[np.ndarray]) -> bytes:
    """The binary COPY stream for these equally long, NULL-free numpy columns."""
    n = len(columns[0])
    fields: list[tuple[str, str]] = [("nfields", ">i2")]
    for i, col in enumerate(columns):
        fields += [(f"len{i}", ">i4"), (f"col{i}", _PG_WIRE[col.dtype][0])]
    rows = np.empty(n, dtype=np.dtype(fields))
    rows["nfields"] = len(columns)
    for i, col in enumerate(columns):
        rows[f"len{i}"] = col.dtype.itemsize
        rows[f"col{i}"] = col
    return _PG_COPY_HEADER + rows.tobytes() + _PG_COPY_TRAILER


def _driver(conn: Connection) -> Any:
    return conn.connection.driver_connection


def _pg_copy(conn: Connection, table_name: str, names: Sequence[str], cols: Sequence[Any]) -> None:
    stream = copy_binary(cols)
    sql = f"COPY {table_name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    with _driver(conn).cursor() as cur, cur.copy(sql) as copy:
        copy.write(stream)


def plain_rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    """The rows of a parameterless `sql` as the driver's tuples (a few thousand numbers per
    batch: SQLAlchemy's Row objects cost more than the query)."""
    cur = _driver(conn).cursor()
    try:
        cur.execute(sql)
        return list(cur.fetchall())
    finally:
        cur.close()


def _tuples(cols: Sequence[np.ndarray]) -> Any:
    # An iterator: executemany takes the rows one by one, no list of them is built.
    return zip(*(c.tolist() for c in cols), strict=True)


def insert_rows(conn: Connection, target: Table, cols: Sequence[np.ndarray]) -> None:
    """Plain INSERT of new rows (no conflict expected: the caller removed duplicates)."""
    names = [c.name for c in target.columns]
    if conn.dialect.name == "postgresql":
        _pg_copy(conn, target.name, names, cols)
        return
    sql = f"INSERT INTO {target.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    _driver(conn).executemany(sql, _tuples(cols))


def _stage_name(target: Table) -> str:
    return f"_stage_{target.name}"


def _pg_stage(conn: Connection, target: Table, cols: Sequence[np.ndarray]) -> Any:
    """Copy `cols` into a per-session temporary twin of `target`; return it as a table()."""
    name = _stage_name(target)
    names = [c.name for c in target.columns]
    decl = ", ".join(f"{n} {_PG_WIRE[c.dtype][1]}" for n, c in zip(names, cols, strict=True))
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({decl}) ON COMMIT DELETE ROWS")
    conn.exec_driver_sql(f"TRUNCATE {name}")
    _pg_copy(conn, name, names, cols)
    return table(name, *(sql_column(n) for n in names))


def upsert_rows(
    conn: Connection,
    target: Table,
    cols: Sequence[np.ndarray],
    set_: dict[str, Any],
    where: ColumnElement[bool] | None = None,
) -> None:
    """INSERT ... ON CONFLICT (primary key) DO UPDATE for numpy columns in key order.

    `set_` and `where` are built by the caller against `excluded` (see `excluded_of`); the
    dialect's own `insert` renders them, so the same expressions serve both databases.
    """
    names = [c.name for c in target.columns]
    keys = [c.name for c in target.primary_key.columns]
    if conn.dialect.name == "postgresql":
        stage = _pg_stage(conn, target, cols)
        stmt = postgresql.insert(target).from_select(names, select(stage).where(true()))
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=set_, where=where))
        return
    base = sqlite.insert(target).values({n: None for n in names})
    up = base.on_conflict_do_update(index_elements=keys, set_=set_, where=where)
    compiled = up.compile(dialect=conn.dialect)
    if list(compiled.positiontup or []) != names:
        raise RuntimeError(f"unexpected parameter order {compiled.positiontup} for {names}")
    _driver(conn).executemany(str(compiled), _tuples(cols))
