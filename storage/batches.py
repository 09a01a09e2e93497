"""Fast paths into DuckDB: batches travel as Arrow tables (executemany manages ~600 rows/s here,
Arrow several hundred thousand), registered under a name the SQL files refer to."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

import duckdb
import pyarrow as pa

T = TypeVar("T")


def dedupe_by_key(records: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """One record per key, the last one winning, in first-seen key order.

    DuckDB's upsert silently keeps the first of two rows with the same key in one batch (or
    refuses to update a row twice): decide here, explicitly, that later information wins.
    """
    latest: dict[Hashable, T] = {}
    for record in records:
        latest[key(record)] = record
    return list(latest.values())


def arrow_table(schema: pa.Schema, rows: Sequence[dict]) -> pa.Table:
    """Columns typed by ``schema`` (so all-null columns keep their type)."""
    return pa.table(
        {f.name: pa.array([row[f.name] for row in rows], type=f.type) for f in schema},
        schema=schema,
    )


@contextmanager
def registered(conn: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """Expose ``table`` to SQL as ``name`` for the duration of the block."""
    conn.register(name, table)
    try:
        yield
    finally:
        conn.unregister(name)


# Connections inside a transaction opened by `transaction` below. DuckDB has no way to ask
# whether a transaction is open, and a failed BEGIN aborts the one that is: so we keep track.
_open_transactions: set[int] = set()


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block atomically. Nested uses join the outermost one, so a caller can group
    several writes: ``with transaction(conn): upsert_articles(...); replace_events(...)``."""
    key = id(conn)
    if key in _open_transactions:
        yield
        return
    conn.execute("BEGIN TRANSACTION")
    _open_transactions.add(key)
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
    finally:
        _open_transactions.discard(key)
