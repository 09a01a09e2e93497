"""Thin Prefect tasks: each calls one stage function from flows/stages.py with plain inputs.
Retries only for transient errors; every network call and extraction carries its own timeout
inside the stage (a Prefect task timeout cannot interrupt a blocking call: the timeouts here
are a backstop against a hung task, not the first line).

Everything that opens the database holds the one slot of the Prefect global concurrency limit
``newsevents-db-writer`` while it does (``db_writer_slot``): DuckDB lets a single process open
the file, so ingest, retag, reextract and maintenance take turns instead of failing."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency
from prefect.exceptions import MissingContextError, ObjectNotFound

from core.errors import DatabaseLocked, TransientError
from core.records import RunSummary
from core.settings import load_settings
from flows import ops, stages

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

DB_WRITER_LIMIT = "newsevents-db-writer"  # create it with: prefect gcl create newsevents-db-writer --limit 1
DB_WRITER_WAIT_SECONDS = 600.0  # a retag of a large archive holds the slot for minutes
DB_TASK_TIMEOUT = 900  # > DB_WRITER_WAIT_SECONDS, so a wait for the slot is not reported as a hang
NETWORK_TASK_TIMEOUT = 1800  # the stage's own per-request timeouts fire long before this
CPU_TASK_TIMEOUT = 900  # per chunk of CHUNK articles; extraction has its own per-page limit


def _transient(task, task_run, state) -> bool:  # noqa: ANN001 (Prefect's retry_condition_fn signature)
    """The one retry condition: retry when the stage raised a TransientError (database lock,
    timeouts surfaced as errors); never on terminal errors."""
    try:
        state.result()
    except TransientError:
        return True
    except Exception:  # noqa: BLE001 (anything else is terminal)
        return False
    return False


def _writer_limit_exists() -> bool:
    """Is the global concurrency limit defined on the Prefect server? Without it (a laptop, the
    test harness) the flows still run: DuckDB's own file lock then serialises writers, and a
    lost race is a DatabaseLocked that the retry condition retries."""
    try:
        with get_client(sync_client=True) as client:
            client.read_global_concurrency_limit_by_name(DB_WRITER_LIMIT)
    except ObjectNotFound:
        _note_once(f"no global concurrency limit {DB_WRITER_LIMIT!r} on the Prefect server; relying on "
                   "the DuckDB file lock (create it: prefect gcl create newsevents-db-writer --limit 1)")
        return False
    except Exception as exc:  # noqa: BLE001 (an unreachable API must not stop the pipeline)
        _note_once(f"cannot read the global concurrency limit {DB_WRITER_LIMIT!r} ({exc!r}); "
                   "relying on the DuckDB file lock")
        return False
    return True


_noted: set[str] = set()


def _note_once(message: str) -> None:
    if message in _noted:
        return
    _noted.add(message)
    try:
        get_run_logger().warning(message)
    except MissingContextError:  # called outside a flow or task run
        logger.warning(message)


@contextmanager
def db_writer_slot(wait_seconds: float = DB_WRITER_WAIT_SECONDS) -> Iterator[None]:
    """Hold the single slot of ``newsevents-db-writer`` for the block (skipped when the limit
    does not exist). Waiting longer than ``wait_seconds`` raises DatabaseLocked (transient)."""
    if not _writer_limit_exists():
        yield
        return
    acquired = False
    try:
        with concurrency(DB_WRITER_LIMIT, occupy=1, timeout_seconds=wait_seconds, strict=False,
                         raise_on_lease_renewal_failure=False):
            acquired = True
            yield
    except TimeoutError as exc:
        if acquired:  # raised by the block itself, not by the wait for the slot
            raise
        raise DatabaseLocked(f"waited {wait_seconds:.0f} s for the {DB_WRITER_LIMIT!r} slot: another "
                             "flow is writing the database") from exc


def holding_db_writer(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run inside ``db_writer_slot`` (signature kept, for Prefect's parameters)."""
    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with db_writer_slot():
            return function(*args, **kwargs)
    return wrapper


def record_failed_run(flow, run, state) -> None:  # noqa: ANN001 (Prefect's state hook signature)
    """State hook: mark the run's row failed/crashed/cancelled, so the runs table never says
    'running' about a run Prefect has ended. Best effort: the database may be what failed."""
    status = {"FAILED": "failed", "CRASHED": "crashed", "CANCELLED": "cancelled"}.get(state.type.name, "failed")
    try:
        parameters = dict(run.parameters or {})
        settings = load_settings(db_path=parameters.get("db_path"))
        started = run.start_time or datetime.now(UTC)
        summary = RunSummary(run_id=str(run.id), started_at=started, finished_at=datetime.now(UTC), status=status)
        with db_writer_slot():
            # The run may have failed before writing its row (a bad feeds file): write it now.
            ops.record_run_start(settings, summary.run_id, flow.name, started, parameters)
            ops.record_run_end(settings, summary)
    except Exception:  # noqa: BLE001 (a hook must not mask the run's own error)
        logger.exception("could not record run %s as %s", run.id, status)


# Options shared by the tasks that may meet a transient error, and by those that open the database.
RETRY_TRANSIENT = {"cache_policy": NO_CACHE, "retry_condition_fn": _transient, "retries": 2,
                   "retry_delay_seconds": [5, 30]}
DB_TASK_OPTIONS = {"timeout_seconds": DB_TASK_TIMEOUT, **RETRY_TRANSIENT}


def db_task(name: str, function: Callable[P, R]) -> Task[P, R]:
    """A task that opens the database: holds the writer slot, retries transient errors."""
    return task(name=name, **DB_TASK_OPTIONS)(holding_db_writer(function))


record_run_start = db_task("record-run-start", ops.record_run_start)
record_run_end = db_task("record-run-end", ops.record_run_end)
read_feed_states = db_task("read-feed-states", stages.read_feed_states)
poll_feeds = task(name="poll-feeds", timeout_seconds=NETWORK_TASK_TIMEOUT, **RETRY_TRANSIENT)(stages.poll)
select_new_items = db_task("select-new-items", stages.select_new_items)
fetch_articles = task(name="fetch-articles", timeout_seconds=NETWORK_TASK_TIMEOUT, **RETRY_TRANSIENT)(stages.fetch)
extract_articles = task(name="extract-articles", timeout_seconds=CPU_TASK_TIMEOUT,
                        cache_policy=NO_CACHE)(stages.extract)
tag_articles = task(name="tag-articles", timeout_seconds=CPU_TASK_TIMEOUT, cache_policy=NO_CACHE)(stages.tag)
store_results = db_task("store-results", stages.store)
sync_gazetteer = db_task("sync-gazetteer", stages.sync_gazetteer)
publish_analyst_copy = db_task("publish-analyst-copy", ops.publish_for_analysts)
