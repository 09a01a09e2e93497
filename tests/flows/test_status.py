"""`newsevents status` logic (flows/ops.py) on a real DuckDB written through storage.writes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import DatabaseLocked
from core.records import FeedState, RunSummary
from core.settings import PROJECT_ROOT
from flows.ops import EXIT_FRESH, EXIT_STALE, status_exit_code, status_report
from storage import writes
from storage.db import open_db

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _run(conn, run_id: str, minutes_ago: float, *, flow: str = "ingest", status: str = "completed",
         polled: int = 3, failed: int = 0, per_feed: dict | None = None, skips: dict | None = None,
         articles: int = 5, events: int = 2) -> None:
    started = NOW - timedelta(minutes=minutes_ago)
    writes.start_run(conn, run_id, flow, started, {"db_path": "x"})
    if status == "running":
        return
    writes.finish_run(conn, RunSummary(
        run_id=run_id, started_at=started, finished_at=started + timedelta(minutes=1), status=status,
        feeds_polled=polled, feeds_failed=failed, items_seen=10, items_new=articles,
        articles_fetched=articles, articles_extracted=articles, events_found=events,
        skips_by_reason=skips or {}, per_feed=per_feed or {}))


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "status.duckdb"
    with open_db(path) as conn:
        _run(conn, "r-old", 60 * 30, articles=100, events=50)  # 30 h ago: outside the 24 h window
        _run(conn, "r-ok", 50, skips={"extract_too_short": 2},
             per_feed={"alpha": {"items": 4, "new_items": 3}, "quiet": {"items": 2, "new_items": 0},
                       "broken": {"items": 0, "errors": 1, "feed_http_500": 1}})
        _run(conn, "r-all-failed", 35, polled=3, failed=3, articles=0, events=0,
             skips={"feed_timeout": 3})
        _run(conn, "r-retag", 20, flow="retag", polled=0, articles=0, events=7)
        _run(conn, "r-crashed", 15, status="crashed", polled=0, articles=0, events=0)
        _run(conn, "r-died", 60 * 3, status="running")  # killed outright 3 h ago
        _run(conn, "r-now", 1, status="running")  # still going
        writes.save_feed_states(conn, [
            FeedState("alpha", consecutive_failures=0, last_success_at=NOW - timedelta(minutes=50)),
            FeedState("quiet", consecutive_failures=0, last_success_at=NOW - timedelta(minutes=50)),
            FeedState("broken", consecutive_failures=4, last_success_at=NOW - timedelta(days=2),
                      next_poll_at=NOW + timedelta(hours=1)),
            FeedState("removed-long-ago", consecutive_failures=9),
        ])
    return path


def test_fresh_data_exits_zero_and_reports_runs_feeds_and_day_counts(db):
    report = status_report(db, stale_after_minutes=60, now=NOW)
    json.dumps(report)  # the CLI prints it as JSON for monitors
    assert report["database_found"] and not report["stale"]
    assert status_exit_code(report) == EXIT_FRESH
    # the completed run in which every feed failed brought no data: the success is r-ok
    assert report["minutes_since_last_success"] == 49.0
    assert report["last_success_at"] == (NOW - timedelta(minutes=49)).isoformat()

    outcomes = {r["run_id"]: r["outcome"] for r in report["last_runs"]}
    assert outcomes == {"r-now": "running", "r-crashed": "crashed", "r-retag": "completed",
                        "r-all-failed": "completed", "r-ok": "completed", "r-died": "abandoned",
                        "r-old": "completed"}
    assert [r["run_id"] for r in report["last_runs"]][:2] == ["r-now", "r-crashed"]  # newest first

    day = report["last_24h"]
    assert day["runs"] == 6  # r-old is 30 h old
    assert day["failed_runs"] == 2  # crashed + abandoned
    assert day["articles_extracted"] == 5 and day["events_found"] == 2  # ingest runs only
    assert day["feeds_polled"] == 6 and day["feeds_failed"] == 3
    assert day["skips_by_reason"] == {"extract_too_short": 2, "feed_timeout": 3}

    assert [f["feed_name"] for f in report["failing_feeds"]] == ["broken", "removed-long-ago"]
    assert report["failing_feeds"][0]["consecutive_failures"] == 4
    assert [f["feed_name"] for f in report["silent_feeds"]] == ["quiet"]
    assert any("2 runs failed" in p for p in report["problems"])


def test_feeds_of_the_registry_leave_out_removed_ones(db):
    report = status_report(db, stale_after_minutes=60, now=NOW, feeds=["alpha", "broken", "quiet"])
    assert [f["feed_name"] for f in report["failing_feeds"]] == ["broken"]


def test_stale_data_exits_non_zero_with_a_readable_problem(db):
    report = status_report(db, stale_after_minutes=30, now=NOW)
    assert report["stale"] and status_exit_code(report) == EXIT_STALE
    assert "no successful ingest for 49 minutes (limit 30)" in report["problems"]


def test_no_successful_ingest_at_all_is_stale(tmp_path):
    path = tmp_path / "failing.duckdb"
    with open_db(path) as conn:
        _run(conn, "r1", 5, polled=2, failed=2)
        _run(conn, "r2", 20, status="failed")
    report = status_report(path, stale_after_minutes=60, now=NOW)
    assert report["stale"] and report["last_success_at"] is None
    assert status_exit_code(report) == EXIT_STALE


def test_missing_database_is_stale_not_an_error(tmp_path):
    report = status_report(tmp_path / "nope.duckdb", stale_after_minutes=60, now=NOW)
    assert not report["database_found"] and report["stale"]
    assert status_exit_code(report) == EXIT_STALE
    assert "no database" in report["problems"][0]


_HOLD_LOCK = """
import sys, time
from storage.db import connect
conn = connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.close()
"""


def _hold_lock(path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(path), str(seconds)],
                              cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_waits_for_a_flow_holding_the_database_then_reads(db):
    holder = _hold_lock(db, 1.5)
    try:
        started = time.monotonic()
        report = status_report(db, stale_after_minutes=60, now=NOW, lock_wait_seconds=30)
        assert time.monotonic() - started >= 0.5
        assert not report["stale"]
    finally:
        holder.wait(timeout=30)


def test_gives_up_as_transient_when_the_database_stays_locked(db):
    holder = _hold_lock(db, 20)
    try:
        with pytest.raises(DatabaseLocked):
            status_report(db, stale_after_minutes=60, now=NOW, lock_wait_seconds=0.5)
    finally:
        holder.kill()
        holder.wait(timeout=30)
