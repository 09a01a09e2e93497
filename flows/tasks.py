"""Thin Prefect tasks: each calls one stage function from flows/stages.py with plain inputs.
Retries only for transient errors; every network call and extraction carries its own timeout
inside the stage (a Prefect task timeout cannot interrupt a blocking call)."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from core.errors import TransientError
from flows import stages


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


_COMMON = {"cache_policy": NO_CACHE, "retry_condition_fn": _transient, "retries": 2, "retry_delay_seconds": 5}

read_feed_states = task(name="read-feed-states", **_COMMON)(stages.read_feed_states)
poll_feeds = task(name="poll-feeds", **_COMMON)(stages.poll)
select_new_items = task(name="select-new-items", **_COMMON)(stages.select_new_items)
fetch_articles = task(name="fetch-articles", **_COMMON)(stages.fetch)
extract_articles = task(name="extract-articles", cache_policy=NO_CACHE)(stages.extract)
tag_articles = task(name="tag-articles", cache_policy=NO_CACHE)(stages.tag)
store_results = task(name="store-results", **_COMMON)(stages.store)
