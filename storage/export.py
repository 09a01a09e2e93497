"""Exports for analysts: incidents as month-partitioned Parquet or CSV, and an ACLED-column
CSV that ACLED workflows read unchanged. Everything is written beside the target and renamed
over it, so a reader never sees half an export. Reads only: works on the analyst copy."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import duckdb

from core.errors import ConfigError
from storage.sqlfiles import query

FORMATS = ("parquet", "csv", "acled")


def export_incidents(conn: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str,
                     since: date | None = None) -> dict:
    """Write incidents (since ``since``) to ``out_dir``; returns the path and the row count.

    parquet: ``incidents/year=YYYY/month=M/*.parquet``; csv: ``incidents.csv``;
    acled: ``incidents_acled.csv`` with ACLED's column names."""
    if fmt not in FORMATS:
        raise ConfigError("--format", None, f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = query("export", "acled_columns" if fmt == "acled" else "incidents_since")
    params = {"since": since}
    (rows,) = conn.execute(f"SELECT count(*) FROM ({source})", params).fetchone()
    if fmt == "parquet":
        target = out_dir / "incidents"
        temp = out_dir / f".incidents.{os.getpid()}.tmp"
        shutil.rmtree(temp, ignore_errors=True)
        options = "FORMAT parquet, COMPRESSION zstd, PARTITION_BY (year, month)"
    else:
        target = out_dir / ("incidents_acled.csv" if fmt == "acled" else "incidents.csv")
        temp = out_dir / f".{target.name}.{os.getpid()}.tmp"
        options = "FORMAT csv, HEADER true"
    try:
        conn.execute(query("export", "copy_to").format(source=source, path=_sql_string(temp.as_posix()),
                                                       options=options), params)
        if fmt == "parquet":
            old = out_dir / f".incidents.{os.getpid()}.old"
            if target.exists():
                target.rename(old)
            temp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temp, target)
    finally:
        if temp.is_dir():
            shutil.rmtree(temp, ignore_errors=True)
        elif temp.exists():
            temp.unlink()
    return {"format": fmt, "path": str(target), "rows": int(rows)}


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
