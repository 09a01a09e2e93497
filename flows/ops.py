"""Operations without Prefect: the run rows every flow writes, the analyst copy they publish,
and the report behind ``newsevents status`` (what a monitor calls: it exits non-zero when the
data is stale).

No Prefect import here, so ``newsevents status`` answers in well under a second.

A run is *successful* when it is an ``ingest`` run that completed and heard from at least one
feed (``feeds_polled > feeds_failed``): a run that completes while every feed fails keeps the
pipeline green in Prefect but brings no data, and that is what the staleness check is for.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.errors import DatabaseLocked
from core.records import RunSummary
from core.settings import Settings
from storage import reads, writes
from storage.db import open_db
from storage.publish import publish_analyst_copy

EXIT_FRESH, EXIT_STALE = 0, 1
RUNS_SCANNED = 1000  # 24 h of a */15 schedule is 96 ingest runs; this leaves room for the others
STAGE_COUNTS = ("feeds_polled", "feeds_failed", "items_seen", "items_new", "articles_fetched",
                "articles_extracted", "articles_skipped", "events_found")
_RUN_COLUMNS = ("run_id", "flow_name", "started_at", "finished_at", "duration_s", "feeds_polled",
                "feeds_failed", "items_new", "articles_extracted", "events_found")


# ---------------------------------------------------------------------------- run rows
def record_run_start(settings: Settings, run_id: str, flow_name: str, started_at: datetime,
                     parameters: dict) -> None:
    """The run's row, status 'running', written before any work (a crash leaves it so)."""
    with open_db(settings.db_path) as conn:
        writes.start_run(conn, run_id, flow_name, started_at, parameters)


def record_run_end(settings: Settings, summary: RunSummary) -> None:
    """The run's counts and final status (completed | failed | crashed | cancelled)."""
    with open_db(settings.db_path) as conn:
        writes.finish_run(conn, summary)


def analyst_copy_path(settings: Settings) -> Path:
    """The read-only copy analysts query, next to the pipeline's file: ``<stem>-analyst.duckdb``
    (``data/newsevents-analyst.duckdb`` by default)."""
    db_path = settings.db_path
    return db_path.with_name(f"{db_path.stem}-analyst{db_path.suffix}")


def publish_for_analysts(settings: Settings) -> dict:
    """Checkpoint the pipeline's file, copy it, index the copy for full-text search and swap it
    in atomically (storage.publish): analysts never hold the pipeline's lock."""
    return publish_analyst_copy(settings.db_path, analyst_copy_path(settings))


# ---------------------------------------------------------------------------- status
def status_report(db_path: Path | str, stale_after_minutes: float, *, now: datetime | None = None,
                  feeds: Collection[str] | None = None, silent_after_hours: float = 24.0,
                  abandoned_after_minutes: float = 120.0, runs_shown: int = 10,
                  lock_wait_seconds: float = 30.0) -> dict:
    """What the pipeline did lately, as a JSON-ready dict.

    Keys: ``checked_at``, ``database``, ``database_found``, ``stale``, ``stale_after_minutes``,
    ``last_success_at`` and ``minutes_since_last_success`` (last successful ingest),
    ``last_runs`` (newest first, each with an ``outcome``: a run still 'running' after
    ``abandoned_after_minutes`` is 'abandoned', its process died), ``failing_feeds`` (feeds whose
    last polls failed), ``silent_feeds`` (polled in the last ``silent_after_hours`` but brought
    no new item), ``last_24h`` (runs, failed runs, counts per stage, skips by reason) and
    ``problems`` (one readable line each). ``feeds``: the enabled feed names of the registry,
    to leave out feeds that were removed from it.

    The database is opened read-only; while a flow holds it, this waits up to
    ``lock_wait_seconds`` and then raises DatabaseLocked."""
    now = now or datetime.now(UTC)
    db_path = Path(db_path)
    report: dict = {
        "checked_at": now.isoformat(), "database": str(db_path), "database_found": db_path.exists(),
        "stale": True, "stale_after_minutes": stale_after_minutes, "last_success_at": None,
        "minutes_since_last_success": None, "last_runs": [], "failing_feeds": [], "silent_feeds": [],
        "last_24h": {"runs": 0, "failed_runs": 0, **dict.fromkeys(STAGE_COUNTS, 0), "skips_by_reason": {}},
        "problems": [],
    }
    if not report["database_found"]:
        report["problems"].append(f"no database at {db_path}: has the ingest flow ever run?")
        return report
    runs, states = _read_runs_and_states(db_path, lock_wait_seconds)
    report["last_runs"] = [_run_line(run, now, abandoned_after_minutes) for run in runs[:runs_shown]]

    last_success = next((run for run in runs if _successful(run)), None)
    if last_success is not None:
        at = last_success["finished_at"] or last_success["started_at"]
        report["last_success_at"] = at.isoformat()
        report["minutes_since_last_success"] = round((now - at).total_seconds() / 60, 1)
        report["stale"] = report["minutes_since_last_success"] > stale_after_minutes
        if report["stale"]:
            report["problems"].append(
                f"no successful ingest for {report['minutes_since_last_success']:.0f} minutes "
                f"(limit {stale_after_minutes:g})")
    else:
        report["problems"].append(f"no successful ingest among the last {len(runs)} runs")

    window = [run for run in runs if run["started_at"] >= now - timedelta(hours=24)]
    report["last_24h"] = _day_counts(window, now, abandoned_after_minutes)
    if report["last_24h"]["failed_runs"]:
        report["problems"].append(f"{report['last_24h']['failed_runs']} runs failed in the last 24 h")

    wanted = set(feeds) if feeds is not None else None
    report["failing_feeds"] = [
        {"feed_name": s.feed_name, "consecutive_failures": s.consecutive_failures,
         "last_success_at": _iso(s.last_success_at), "next_poll_at": _iso(s.next_poll_at)}
        for s in sorted(states.values(), key=lambda s: s.feed_name)
        if s.consecutive_failures > 0 and (wanted is None or s.feed_name in wanted)
    ]
    for feed in report["failing_feeds"]:
        report["problems"].append(f"feed {feed['feed_name']} failing ({feed['consecutive_failures']} polls in a row)")

    silent_window = [run for run in runs if run["flow_name"] == "ingest" and run["status"] == "completed"
                     and run["started_at"] >= now - timedelta(hours=silent_after_hours)]
    report["silent_feeds"] = _silent_feeds(silent_window, states, wanted)
    return report


def status_exit_code(report: dict) -> int:
    """0 when a successful ingest happened within the limit, 1 when the data is stale (or there
    is no database): the contract for monitors."""
    return EXIT_STALE if report["stale"] else EXIT_FRESH


def _read_runs_and_states(db_path: Path, lock_wait_seconds: float) -> tuple[list[dict], dict]:
    deadline = time.monotonic() + lock_wait_seconds
    while True:
        try:
            with open_db(db_path, read_only=True) as conn:
                return reads.latest_runs(conn, limit=RUNS_SCANNED), reads.feed_states(conn)
        except DatabaseLocked:
            # Flows hold the file only while they read or store: a second later it is free.
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


def _successful(run: dict) -> bool:
    return (run["flow_name"] == "ingest" and run["status"] == "completed"
            and run["feeds_polled"] > run["feeds_failed"])


def _outcome(run: dict, now: datetime, abandoned_after_minutes: float) -> str:
    if run["status"] == "running" and now - run["started_at"] > timedelta(minutes=abandoned_after_minutes):
        return "abandoned"
    return run["status"]


def _run_line(run: dict, now: datetime, abandoned_after_minutes: float) -> dict:
    line = {column: run.get(column) for column in _RUN_COLUMNS}
    line["outcome"] = _outcome(run, now, abandoned_after_minutes)
    line["started_at"] = _iso(run["started_at"])
    line["finished_at"] = _iso(run["finished_at"])
    return line


def _day_counts(window: list[dict], now: datetime, abandoned_after_minutes: float) -> dict:
    counts = {"runs": len(window),
              "failed_runs": sum(1 for r in window
                                 if _outcome(r, now, abandoned_after_minutes) not in {"completed", "running"})}
    ingest_runs = [r for r in window if r["flow_name"] == "ingest"]
    for column in STAGE_COUNTS:
        counts[column] = sum(r[column] or 0 for r in ingest_runs)
    skips: Counter[str] = Counter()
    for run in ingest_runs:
        skips.update(run.get("skips_by_reason") or {})
    counts["skips_by_reason"] = dict(sorted(skips.items()))
    return counts


def _silent_feeds(runs: list[dict], states: dict, wanted: set[str] | None) -> list[dict]:
    """Feeds that answered in these runs without a single new item."""
    polled: Counter[str] = Counter()
    new_items: Counter[str] = Counter()
    for run in runs:
        for name, counts in (run.get("per_feed") or {}).items():
            if counts.get("errors"):
                continue
            polled[name] += 1
            new_items[name] += counts.get("new_items", 0)
    return [
        {"feed_name": name, "polls": polled[name],
         "last_success_at": _iso(states[name].last_success_at) if name in states else None}
        for name in sorted(polled)
        if new_items[name] == 0 and (wanted is None or name in wanted)
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
