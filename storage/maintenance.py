"""Housekeeping the nightly maintenance flow runs: retention of raw HTML, Parquet exports of
the analyst views (statements in ``queries/maintenance.sql``)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb

from storage.batches import transaction
from storage.migrate import quote_identifier
from storage.sqlfiles import query


def drop_raw_html(conn: duckdb.DuckDBPyConnection, first_stored_before: datetime) -> int:
    """Drop the stored HTML of articles first stored before ``first_stored_before`` (their text
    and events stay); return how many articles lost theirs. Running it again drops nothing."""
    with transaction(conn):
        (dropped,) = conn.execute(
            query("maintenance", "drop_raw_html"), {"first_stored_before": first_stored_before}
        ).fetchone()
    return int(dropped)


def analyst_views(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The analyst contract: every v_* view."""
    return [name for (name,) in conn.execute(query("migrate", "analyst_views")).fetchall()]


def export_views(conn: duckdb.DuckDBPyConnection, export_dir: Path) -> dict[str, int]:
    """Write every analyst view to ``export_dir/<view>.parquet``; return rows per view.

    Each file is written next to its target under a temporary name and renamed over it, so a
    reader never sees half a file. Reads only: works on a read-only (analyst copy) connection.
    """
    export_dir = Path(export_dir)
    export_dir.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    for view in analyst_views(conn):
        target = export_dir / f"{view}.parquet"
        temp = export_dir / f".{view}.parquet.{os.getpid()}.tmp"
        statement = query("maintenance", "export_view").format(
            view=quote_identifier(view), path=_sql_string(temp.as_posix()))
        try:
            (count,) = conn.execute(statement).fetchone()
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
        rows[view] = int(count)
    return rows


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
