"""`newsevents status`: exit codes for monitors and the JSON report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from core.records import RunSummary
from flows.cli import main
from storage import writes
from storage.db import open_db


def _db_with_ingest(path, minutes_ago: float):
    started = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    with open_db(path) as conn:
        writes.start_run(conn, "r1", "ingest", started, {})
        writes.finish_run(conn, RunSummary(run_id="r1", started_at=started, finished_at=started, status="completed",
                                           feeds_polled=2, feeds_failed=0, articles_extracted=3, events_found=1))
    return path


def test_status_exits_zero_when_fresh_and_one_when_stale(tmp_path, capsys):
    db = _db_with_ingest(tmp_path / "s.duckdb", minutes_ago=10)
    feeds = tmp_path / "feeds.toml"
    feeds.write_text('[[feed]]\nname = "alpha"\nurl = "https://alpha.example/rss"\n')
    assert main(["status", "--db", str(db), "--feeds", str(feeds), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stale"] is False and report["last_runs"][0]["run_id"] == "r1"
    assert main(["status", "--db", str(db), "--feeds", str(feeds), "--stale-after", "5"]) == 1
    assert "no successful ingest for 10 minutes" in capsys.readouterr().err


def test_status_without_a_database_is_stale(tmp_path, capsys):
    assert main(["status", "--db", str(tmp_path / "none.duckdb"), "--feeds", str(tmp_path / "none.toml")]) == 1
