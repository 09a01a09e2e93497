"""Opening the DuckDB file: the one place a connection is made.

DuckDB lets one process hold the file read-write, and while it does no other process can open
it at all (read-only included). So the flows open the database only while they store, and a
lock conflict becomes ``DatabaseLocked`` (transient: the caller may retry later).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.errors import DatabaseLocked
from storage.migrate import migrate

logger = logging.getLogger(__name__)

_LOCK_MESSAGE = "Could not set lock"


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A raw connection with our session settings; prefer ``open_db``."""
    path = Path(path)
    try:
        conn = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if _LOCK_MESSAGE in str(exc):
            raise DatabaseLocked(
                f"{path}: held by another process ({exc}); retry when it has finished"
            ) from exc
        raise
    # Timestamps are stored as TIMESTAMPTZ; show and compare them in UTC whatever the host says.
    conn.execute("SET TimeZone = 'UTC'")
    return conn


@contextmanager
def open_db(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open (creating and migrating when writable) the database, yield it, commit and close.

    Each write function runs in its own transaction (group several with
    ``storage.transaction(conn)``); the final commit only matters when the caller began one
    itself. On an exception nothing pending is committed.
    """
    path = Path(path)
    if read_only:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no database yet (run the ingest flow first)")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path, read_only=read_only)
    try:
        if not read_only:
            migrate(conn)
        yield conn
        conn.commit()
    finally:
        conn.close()
