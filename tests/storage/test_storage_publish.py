"""Querying while the pipeline writes: the analyst copy is published atomically, analysts never
block the writer and never see half a snapshot. The last test runs the writer and two analysts
as separate processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest

from core.errors import TerminalError
from core.records import RunSummary
from storage import (
    cluster_incidents,
    finish_run,
    open_analyst,
    open_db,
    publish_analyst_copy,
    replace_events,
    table_counts,
    upsert_articles,
)
from storage.publish import fts_extension_path
from tests.storage.storage_samples import NOW, make_article, make_event

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EVENTS_PER_RUN = 5

# What an analyst's consistency check reads: a snapshot is whole when the events stored equal
# the events the runs say they stored, and the incidents count exactly their members.
SNAPSHOT_QUERY = """
SELECT (SELECT count(*) FROM runs) AS generation,
       (SELECT count(*) FROM events) = (SELECT coalesce(sum(events_found), 0) FROM runs)
       AND (SELECT count(*) FROM incident_mentions)
           = (SELECT coalesce(sum(n_mentions), 0) FROM incidents) AS whole
"""

# An analyst process. "hold": one session opened at the start and queried until the end.
# "fresh": a new session every round, to see new snapshots (within one process DuckDB hands a
# new session the database an older open session already holds, so this process holds none
# between rounds). Records every answer and every error; stops when the stop file appears and
# prints what it saw as JSON; meanwhile the file seen-by-<mode> holds the last generation seen.
ANALYST = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from storage import open_analyst

    mode, copy, stop, query = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    progress = stop.with_name(f"seen-by-{mode}")
    seen = {"answers": [], "errors": [], "rounds": 0}
    held = open_analyst(copy) if mode == "hold" else None
    print("ready", flush=True)
    while not stop.exists():
        try:
            if held is not None:
                seen["answers"].append(held.execute(query).fetchone())
            else:
                with open_analyst(copy) as fresh:
                    seen["answers"].append(fresh.execute(query).fetchone())
                    fresh.execute("SELECT count(*) FROM v_incidents, v_mentions").fetchone()
        except Exception as exc:  # the test asserts there is none
            seen["errors"].append(repr(exc))
        seen["rounds"] += 1
        if seen["answers"]:  # tell the writer which snapshot was seen last
            progress.with_suffix(".tmp").write_text(str(seen["answers"][-1][0]))
            progress.with_suffix(".tmp").replace(progress)
        time.sleep(0.01)  # an analyst, not a load test: leave the writer some CPU
    if held is not None:
        held.close()
    print(json.dumps(seen), flush=True)
    """
)


def store_run(db_path: Path, run: int) -> None:
    """One pipeline run: an article with EVENTS_PER_RUN events, clustered, the run recorded."""
    run_id = f"publish-test-run-{run}"  # the sample stored run-0001
    article = make_article(f"https://wire.example/run/{run}")
    events = [
        make_event(f"{article.url_hash[:12]}-{k}", doc_id=article.url_hash, fatalities=k,
                   location=f"Village {run}-{k}", latitude=30 + run, longitude=40 + k)
        for k in range(EVENTS_PER_RUN)
    ]
    with open_db(db_path) as conn:
        upsert_articles(conn, run_id, [article])
        replace_events(conn, run_id, {article.url_hash: events})
        cluster_incidents(conn, run_id)
        finish_run(conn, RunSummary(run_id, NOW + timedelta(minutes=run), NOW + timedelta(minutes=run),
                                    events_found=EVENTS_PER_RUN, status="completed"))


@pytest.fixture
def analyst_path(tmp_path: Path) -> Path:
    return tmp_path / "published" / "newsevents-analyst.duckdb"


def test_published_copy_holds_everything_and_can_be_searched(populated_db, analyst_path):
    with open_db(populated_db) as conn:
        cluster_incidents(conn, "run-0001")
        expected = table_counts(conn)
    report = publish_analyst_copy(populated_db, analyst_path)
    assert report["bytes"] == analyst_path.stat().st_size and report["seconds"] > 0
    assert not list(analyst_path.parent.glob(".*"))  # no temporary file or log left behind
    assert not analyst_path.with_name(analyst_path.name + ".wal").exists()
    with open_analyst(analyst_path) as conn:
        assert table_counts(conn) == expected
        assert conn.execute("SELECT count(*) FROM v_incidents").fetchone()[0] == 2
        if fts_extension_path() is None:
            pytest.skip("duckdb-extension-fts not installed")
        assert report["full_text"]
        (hit,) = conn.execute(
            "SELECT url FROM (SELECT url, fts_main_articles.match_bm25(url_hash, 'protest basra')"
            " AS score FROM articles) WHERE score IS NOT NULL"
        ).fetchall()
        assert hit == ("https://local.example/news/protest-basra",)
        with pytest.raises(Exception, match="read-only"):
            conn.execute("DELETE FROM events")


def test_an_open_session_keeps_its_snapshot_and_never_blocks_the_writer(populated_db, analyst_path):
    publish_analyst_copy(populated_db, analyst_path, full_text=False)
    with open_analyst(analyst_path) as old_session:
        store_run(populated_db, 1)  # the writer opens its own file read-write meanwhile
        publish_analyst_copy(populated_db, analyst_path, full_text=False)  # and swaps the copy
        assert old_session.execute("SELECT count(*) FROM runs").fetchone() == (1,)
    with open_analyst(analyst_path) as new_session:  # reconnected: the latest run
        assert new_session.execute("SELECT count(*) FROM runs").fetchone() == (2,)


def test_publish_refuses_what_it_cannot_do(tmp_path, populated_db):
    with pytest.raises(FileNotFoundError, match="no database to publish"):
        publish_analyst_copy(tmp_path / "missing.duckdb", tmp_path / "copy.duckdb")
    with pytest.raises(TerminalError, match="must not be the pipeline's file"):
        publish_analyst_copy(populated_db, populated_db)
    with pytest.raises(FileNotFoundError, match="no analyst copy yet"):
        open_analyst(tmp_path / "copy.duckdb")


def test_a_crashed_publish_leaves_the_old_copy_and_is_cleaned_up(populated_db, analyst_path):
    publish_analyst_copy(populated_db, analyst_path, full_text=False)
    crashed = analyst_path.with_name(f".{analyst_path.name}.123-dead.publishing")
    crashed.write_bytes(b"half a file from a publish that died")
    yesterday = time.time() - 24 * 3600
    os.utime(crashed, (yesterday, yesterday))
    running = analyst_path.with_name(f".{analyst_path.name}.456-busy.publishing")
    running.write_bytes(b"another publish, still at work")
    with open_analyst(analyst_path) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (1,)
    publish_analyst_copy(populated_db, analyst_path, full_text=False)
    assert not crashed.exists() and running.exists()


def start_analyst(mode: str, analyst_path: Path, stop: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", ANALYST, mode, str(analyst_path), str(stop), SNAPSHOT_QUERY],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish_analyst(process: subprocess.Popen) -> dict:
    try:
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["errors"] == [], err
    return seen


def wait_until_seen(progress: Path, generation: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if progress.exists() and int(progress.read_text()) >= generation:
            return
        time.sleep(0.01)
    raise AssertionError(f"the analyst never saw generation {generation}")


def test_analysts_and_writer_in_separate_processes(populated_db, analyst_path):
    cycles = 4
    with open_db(populated_db) as conn:
        cluster_incidents(conn, "run-0001")
    publish_analyst_copy(populated_db, analyst_path)
    stop = analyst_path.with_name("stop")
    analysts = []
    try:
        analysts = [start_analyst(mode, analyst_path, stop) for mode in ("hold", "fresh")]
        for process in analysts:
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        wait_until_seen(stop.with_name("seen-by-fresh"), 1)
        cycle_seconds = []
        for run in range(1, cycles + 1):
            started = time.perf_counter()
            store_run(populated_db, run)  # raises DatabaseLocked if an analyst blocked it
            publish_analyst_copy(populated_db, analyst_path)
            cycle_seconds.append(time.perf_counter() - started)
            # the next cycle starts once a fresh session has seen this snapshot
            wait_until_seen(stop.with_name("seen-by-fresh"), run + 1)
    finally:
        stop.touch()
        held, fresh = (finish_analyst(process) for process in analysts)

    assert held["rounds"] >= cycles
    # every snapshot either analyst saw was whole, old or new, never a mix
    assert all(whole for _, whole in held["answers"] + fresh["answers"])
    # the session open from the start kept its snapshot while the copy was replaced at every cycle
    assert {generation for generation, _ in held["answers"]} == {1}
    # fresh sessions saw every run arrive, in order
    generations = [generation for generation, _ in fresh["answers"]]
    assert generations == sorted(generations) and set(generations) == set(range(1, cycles + 2))
    assert max(cycle_seconds) < 10, cycle_seconds
