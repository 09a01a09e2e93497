"""Querying while the pipeline writes: a read-only analyst copy, swapped in atomically.

DuckDB locks a database file for one process at a time both ways: while the pipeline writes,
nobody can open the file, and an analyst session left open (read-only included) makes the
next run fail. So analysts never open the pipeline's file. After each run the pipeline
publishes a copy:

1. open the pipeline's file read-write (the lock keeps any other writer out while we copy),
   ``CHECKPOINT`` so the file holds every committed change and no write-ahead log is pending;
2. copy it to a temporary file next to the analyst copy (same directory, same file system),
   build the full-text index on the copy (``fts`` extension from the PyPI package), fsync;
3. ``os.replace`` it over the analyst copy: an atomic rename. A session open on the old copy
   keeps reading the old file (its inode lives until the session closes), new sessions open
   the new one, nobody ever sees half a file, and no lock is shared between the two sides.

Analysts open the copy with ``open_analyst`` (or ``duckdb -readonly``); a session sees the
snapshot it opened until it reconnects. POSIX rename semantics are assumed (Linux, macOS).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from pathlib import Path

import duckdb

from core.errors import TerminalError
from storage.db import connect

logger = logging.getLogger(__name__)

FTS_TABLE, FTS_KEY, FTS_COLUMNS = "articles", "url_hash", ("title", "text")
_TEMP_SUFFIX = ".publishing"
_STALE_AFTER_S = 6 * 3600  # a temporary file this old belongs to a publish that died


def fts_extension_path() -> Path | None:
    """The fts extension binary shipped by the ``duckdb-extension-fts`` wheel for this duckdb,
    or None. (``INSTALL fts`` would need the internet; ``LOAD`` by path does not.)"""
    try:
        import duckdb_extension_fts
    except ImportError:
        return None
    path = (Path(duckdb_extension_fts.__file__).parent / "extensions" / f"v{duckdb.__version__}"
            / "fts.duckdb_extension")
    return path if path.is_file() else None


def load_fts(conn: duckdb.DuckDBPyConnection) -> bool:
    """Load the fts extension into a session; False when this install has none."""
    path = fts_extension_path()
    if path is None:
        return False
    conn.execute(f"LOAD '{path.as_posix()}'")
    return True


def publish_analyst_copy(db_path: Path, analyst_path: Path, *, full_text: bool = True) -> dict:
    """Publish a consistent read-only copy of ``db_path`` at ``analyst_path`` (atomic swap).

    Call it after a run, once the run's own connection is closed. Holds the pipeline's file
    for the copy only (another process trying to write meanwhile gets ``DatabaseLocked``, as
    during a run). Returns timings: ``{"seconds", "copy_seconds", "index_seconds", "bytes",
    "full_text"}``. With ``full_text`` the copy gets a BM25 index over article titles and text
    (docs/analysts.md, "Full-text search").
    """
    db_path, analyst_path = Path(db_path), Path(analyst_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no database to publish (run the ingest flow first)")
    if db_path.resolve() == analyst_path.resolve():
        raise TerminalError(f"{analyst_path}: the analyst copy must not be the pipeline's file")
    analyst_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(analyst_path)
    # Next to the target so os.replace is a rename within one file system; named per publish,
    # since two flows (ingest, retag) may publish at once once each has released the lock.
    temp = analyst_path.with_name(f".{analyst_path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{_TEMP_SUFFIX}")
    started = time.perf_counter()
    try:
        conn = connect(db_path)
        try:
            conn.execute("CHECKPOINT")
            _check_no_pending_log(db_path)
            shutil.copyfile(db_path, temp)
        finally:
            conn.close()
        copied = time.perf_counter()
        indexed = full_text and _build_full_text_index(temp)
        index_done = time.perf_counter()
        _fsync(temp)
        os.replace(temp, analyst_path)
        _fsync_directory(analyst_path.parent)
    except BaseException:
        _remove(temp)
        raise
    finally:
        _remove(_wal(temp))
    report = {
        "seconds": round(time.perf_counter() - started, 4),
        "copy_seconds": round(copied - started, 4),
        "index_seconds": round(index_done - copied, 4),
        "bytes": analyst_path.stat().st_size,
        "full_text": bool(indexed),
    }
    logger.info("published %s to %s: %s", db_path, analyst_path, report)
    return report


def open_analyst(analyst_path: Path, *, full_text: bool = True) -> duckdb.DuckDBPyConnection:
    """A read-only session on the published copy (UTC, fts loaded when available).

    It never blocks the pipeline, whatever it does and however long it stays open; it reads
    the snapshot published when it opened. Close it (or use it as a context manager) to free
    the old snapshot's disk space, reconnect to see newer runs.
    """
    analyst_path = Path(analyst_path)
    if not analyst_path.is_file():
        raise FileNotFoundError(
            f"{analyst_path}: no analyst copy yet (it is published after each ingest run)"
        )
    conn = connect(analyst_path, read_only=True)
    if full_text:
        load_fts(conn)
    return conn


def _build_full_text_index(path: Path) -> bool:
    conn = connect(path)
    try:
        if not load_fts(conn):
            logger.warning("fts extension not installed (duckdb-extension-fts): "
                           "analyst copy published without full-text search")
            return False
        columns = ", ".join(f"'{c}'" for c in FTS_COLUMNS)
        conn.execute(
            f"PRAGMA create_fts_index('{FTS_TABLE}', '{FTS_KEY}', {columns}, "
            "stemmer = 'porter', stopwords = 'english', overwrite = 1)"
        )
        conn.execute("CHECKPOINT")
        return True
    finally:
        conn.close()


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _check_no_pending_log(db_path: Path) -> None:
    # After CHECKPOINT the log is gone or empty; if a transaction of this process kept it
    # alive, copying the main file alone would publish a stale snapshot.
    wal = _wal(db_path)
    if wal.exists() and wal.stat().st_size > 0:
        raise TerminalError(
            f"{db_path}: write-ahead log still pending after CHECKPOINT (is a connection of "
            "this process inside a transaction?); publish after the run's connection is closed"
        )


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(path: Path) -> None:
    # Makes the rename itself durable; not every platform can open a directory.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_temporaries(analyst_path: Path) -> None:
    cutoff = time.time() - _STALE_AFTER_S
    for leftover in analyst_path.parent.glob(f".{analyst_path.name}.*{_TEMP_SUFFIX}*"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except FileNotFoundError:
            pass


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
