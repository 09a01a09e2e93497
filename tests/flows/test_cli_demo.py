"""`newsevents demo` twice: the same rows (the README's promise), readable output, JSON on request."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from storage import reads
from storage.db import open_db

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.flow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo(db: Path, port: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flows.cli", "demo", "--db", str(db), "--port", str(port), *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_demo_twice_leaves_the_same_rows(tmp_path):
    db, port = tmp_path / "demo.duckdb", _free_port()
    first = _demo(db, port)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "air_drone_strik" in first.stdout and "SELECT" in first.stdout  # the table and the next queries
    with open_db(db, read_only=True) as conn:
        first_tables = reads.table_counts(conn)
    second = _demo(db, port, "--json")
    assert second.returncode == 0, second.stderr[-2000:]
    tables = json.loads(second.stdout)["tables"]
    for table in ("articles", "events", "feed_items", "feeds", "incidents", "incident_mentions", "gazetteer"):
        assert tables[table] == first_tables[table], table
    assert first_tables["events"] > 0 and tables["runs"] == 2


def test_demo_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = _demo(tmp_path / "demo.duckdb", busy.getsockname()[1])
    assert result.returncode == 2 and "--port" in result.stderr
