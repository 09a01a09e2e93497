"""The nightly `maintenance` flow: retention → publish (checkpoint + search index) → exports.

    drop raw HTML   of articles first stored more than ``raw_html_retention_days`` ago (their
                    text and events stay): the HTML is what makes the file grow
    publish         checkpoint the pipeline's file (WAL folded in, freed blocks reusable), copy
                    it, rebuild the BM25 full-text index on the copy and swap the analyst copy in
                    atomically (storage.publish; ingest runs publish too, this makes the nightly
                    copy reflect the retention)
    exports         one Parquet file per analyst view in ``export_dir``, read from the analyst
                    copy: exporting never holds the pipeline's file

The first two steps hold the database-writer slot (flows/tasks.py) only while they work, so an
ingest run due at the same time waits minutes at most. Every step is idempotent: a failed night
is repaired by the next one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from core.records import RunSummary
from core.settings import Settings, load_settings
from flows import ops, tasks
from storage import maintenance as db_maintenance
from storage.db import open_db
from storage.publish import open_analyst

MAINTENANCE_TIMEOUT_SECONDS = 3600


# ---------------------------------------------------------------------------- stages (no Prefect)
def drop_expired_html(settings: Settings, first_stored_before: datetime) -> int:
    with open_db(settings.db_path) as conn:
        return db_maintenance.drop_raw_html(conn, first_stored_before)


def export_analyst_views(settings: Settings, export_dir: Path) -> dict[str, int]:
    with open_analyst(ops.analyst_copy_path(settings), full_text=False) as conn:
        return db_maintenance.export_views(conn, export_dir)


# ---------------------------------------------------------------------------- tasks
drop_expired_html_task = tasks.db_task("drop-expired-html", drop_expired_html)
export_task = task(name="export-views", timeout_seconds=tasks.DB_TASK_TIMEOUT,
                   **tasks.RETRY_TRANSIENT)(export_analyst_views)


# ---------------------------------------------------------------------------- flow
@flow(name="maintenance", log_prints=False, validate_parameters=True, timeout_seconds=MAINTENANCE_TIMEOUT_SECONDS,
      on_failure=[tasks.record_failed_run], on_crashed=[tasks.record_failed_run],
      on_cancellation=[tasks.record_failed_run])
def maintenance(db_path: str | None = None, raw_html_retention_days: int | None = None,
                export_dir: str | None = None) -> dict:
    """Nightly housekeeping of ``db_path``. ``raw_html_retention_days`` and ``export_dir``
    default to the settings (``NEWSEVENTS_RAW_HTML_RETENTION_DAYS``, ``NEWSEVENTS_EXPORT_DIR``).
    Returns what each step did."""
    settings = load_settings(db_path=db_path)
    days = settings.raw_html_retention_days if raw_html_retention_days is None else raw_html_retention_days
    exports = Path(export_dir) if export_dir else settings.export_dir
    return run_maintenance(settings, days, exports)


def run_maintenance(settings: Settings, retention_days: int, export_dir: Path) -> dict:
    logger = get_run_logger()
    run_id = str(flow_run.id or uuid.uuid4())
    started = datetime.now(UTC)
    tasks.record_run_start(settings, run_id, "maintenance", started,
                           {"db_path": str(settings.db_path), "raw_html_retention_days": retention_days,
                            "export_dir": str(export_dir)})
    cutoff = started - timedelta(days=retention_days)
    html_dropped = drop_expired_html_task(settings, cutoff)
    tasks.record_run_end(settings, RunSummary(run_id=run_id, started_at=started,
                                              finished_at=datetime.now(UTC), status="completed"))
    tasks.sync_gazetteer(settings, run_id)
    published = tasks.publish_analyst_copy(settings)  # after the run row: the copy shows this run
    exported = export_task(settings, export_dir)
    result = {"run_id": run_id, "html_dropped": html_dropped, "analyst_copy": str(ops.analyst_copy_path(settings)),
              "full_text_index": published["full_text"], "publish_seconds": published["seconds"],
              "exported_rows": exported}
    lines = [
        f"# Maintenance run `{run_id}`", "",
        f"- raw HTML dropped from **{html_dropped}** articles first stored before {cutoff:%Y-%m-%d %H:%M} UTC "
        f"(retention {retention_days} days)",
        f"- analyst copy `{result['analyst_copy']}` published in {published['seconds']:.1f} s, full-text index "
        + ("rebuilt" if published["full_text"] else "**missing** (duckdb-extension-fts not installed)"),
        f"- exports in `{export_dir}`:", "",
        "| view | rows |", "|---|---:|",
        *(f"| {view} | {rows} |" for view, rows in sorted(exported.items())),
    ]
    create_markdown_artifact(markdown="\n".join(lines), key="maintenance-summary",
                             description="Retention, analyst copy with full-text index, exports")
    logger.info("maintenance %s: raw HTML dropped from %d articles, copy published in %.1f s, %d views exported",
                run_id, html_dropped, published["seconds"], len(exported))
    return result
