"""How the query layer runs its reads: statements built once, executed on the session's Core
connection, answers memoised per read session.

A wall refresh runs about twenty small statements every few seconds. Building a `select()`
(argument coercion, its cache key) and loading rows through the ORM cost more Python time
than the driver spends on most of them, so the hot ones are built once per process with
`bindparam`s (`statement`), their cache keys computed once, and run with `rows` on the
session's Core connection: the same SQL and the same result processors (a `UTCDateTime`
column still arrives aware), without the per-call construction and entity bookkeeping.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from functools import cache
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from dashboard.store.models import AssetRow

__all__ = [
    "attribute",
    "columns_of",
    "driver_rows",
    "float_array",
    "frame_of",
    "int_array",
    "query_frame",
    "rows",
    "session_memo",
    "statement",
]

T = TypeVar("T")
S = TypeVar("S", bound=Executable)
_MEMO = "cityops.queries.memo"


def statement(build: Callable[[], S]) -> Callable[[], S]:
    """`build()` once per process: for module-level builders of constant statements whose
    values are `bindparam`s. A statement is immutable (every method returns a new one), so
    sharing it between threads and requests is safe."""
    return cache(build)


def rows(session: Session, stmt: Executable, params: Mapping[str, Any] | None = None) -> list[Any]:
    """Every row of `stmt` (with `params` for its bindparams), run on the session's Core
    connection: plain column selects get the same values as through the ORM."""
    return list(session.connection().execute(stmt, params).all())


_DRIVER_SQL: dict[
    tuple[Executable, str, str], tuple[str, tuple[str, ...] | None, dict[str, Any]]
] = {}


def _driver_sql(
    stmt: Executable, dialect: Dialect
) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
    """`stmt` compiled for `dialect` once: its SQL, for a positional paramstyle the names of
    its parameters in order (None: the driver takes them by name), and the values of the
    parameters the statement carries itself (literals SQLAlchemy turned into parameters)."""
    key = (stmt, dialect.name, dialect.driver)
    found = _DRIVER_SQL.get(key)
    if found is None:
        compiled = cast(SQLCompiler, cast(ClauseElement, stmt).compile(dialect=dialect))
        names = tuple(compiled.positiontup or ()) if compiled.positional else None
        found = _DRIVER_SQL[key] = (compiled.string, names, dict(compiled.params))
    return found


def driver_rows(
    session: Session, stmt: Executable, params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """Every row of `stmt` as the driver's plain tuples, for selects of plain number and
    text columns with plain `bindparam`s (no result or bind processing happens).

    A detail read fetches a few thousand rollup rows; building SQLAlchemy `Row`s cost about a
    third of the driver's own time. The statement is compiled once per dialect and runs
    through `exec_driver_sql`, so the engine's events (the benches' SQL capture) still see it.
    """
    conn = session.connection()
    sql, names, carried = _driver_sql(stmt, conn.dialect)
    values = {**carried, **params}
    args: Any = tuple(values[n] for n in names) if names is not None else values
    result = conn.exec_driver_sql(sql, args)
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()


def session_memo(session: Session, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """`compute()` once per read session and key (frames and lists handed out as copies).

    One wall refresh asks several queries for the same pieces (segments, stations, gauges,
    feed quality) in one session, so they are read once. Keys carry `now`: a session reused
    for a later instant reads afresh.
    """
    memo: dict[tuple[Hashable, ...], Any] = session.info.setdefault(_MEMO, {})
    if key not in memo:
        memo[key] = compute()
    value = memo[key]
    return cast(T, value.copy() if isinstance(value, pd.DataFrame | list) else value)


def query_frame(session: Session, stmt: Any, columns: Sequence[str]) -> pd.DataFrame:
    """The rows of `stmt` as a DataFrame, built column by column (pandas' row-by-row path
    costs more than the query on a few thousand rows).

    Executed on the session's Core connection: the ORM's row loading (entity bookkeeping per
    row) cost more than the driver on the wall's statements, and these are plain column
    selects, so Core rows carry the same values (the same result processors run)."""
    found = session.connection().execute(stmt).all()
    return frame_of(found, columns)


def frame_of(found: Sequence[Sequence[Any]], columns: Sequence[str]) -> pd.DataFrame:
    """Rows as a DataFrame of object columns (empty: object columns, no rows)."""
    if not found:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame(dict(zip(columns, map(list, zip(*found, strict=True)), strict=True)))


def attribute(key: str) -> ColumnElement[float]:
    """A numeric asset attribute read in SQL (SQLite json_extract, PostgreSQL ->>), NULL if absent."""
    return AssetRow.attributes[key].as_float()


def float_array(values: Any) -> np.ndarray:
    """float64 with NaN for None (what `astype("float64")` makes of a column), read-only."""
    array = np.array(list(values), dtype="float64")
    array.flags.writeable = False
    return array


def int_array(values: Any) -> np.ndarray:
    """int64, read-only."""
    array = np.array(list(values), dtype="int64")
    array.flags.writeable = False
    return array


def columns_of(found: list[Any], n: int) -> list[tuple[Any, ...]]:
    """The columns of `found` rows (n empty columns when there are none)."""
    return list(zip(*found, strict=True)) if found else [()] * n
