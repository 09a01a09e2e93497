"""The `ingest` flow: poll → fetch → extract → tag → store → report.

One task per stage and per chunk of articles (never one per article: a task run costs
10-15 ms). A bad feed or page becomes a counted, recorded skip; the run itself fails only
when the database cannot be written.

Crash safety: each chunk of articles is fetched, extracted, tagged and stored in its own
transaction, and the feeds' state (ETag, next poll) is saved last. A run killed at any point
keeps the chunks it stored; the next run polls the same feeds again and fetches only the items
that still have no article. A run that fails is recorded as such by a hook; one killed outright
stays 'running' in the runs table (``newsevents status`` shows it as abandoned)."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from core.records import Article, FetchRecord, Page, RunSummary
from core.registry import load_feed_registry
from core.settings import Settings, load_settings
from flows import ops, stages, tasks

CHUNK = 100  # articles per fetch/extract/tag/store round
# Longer than any healthy run (minutes), short enough that a hung run does not block the */15
# schedule for long: the deployment cancels new runs while one is running.
INGEST_TIMEOUT_SECONDS = 1800


def quiet_http_logs() -> None:
    """httpx logs one INFO line per request; at hundreds of feeds that drowns the run log."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


@flow(name="ingest", log_prints=False, validate_parameters=True, timeout_seconds=INGEST_TIMEOUT_SECONDS,
      on_failure=[tasks.record_failed_run], on_crashed=[tasks.record_failed_run],
      on_cancellation=[tasks.record_failed_run])
def ingest(feeds_file: str | None = None, db_path: str | None = None,
           allow_private_networks: bool | None = None, per_host_delay: float | None = None,
           force: bool = False) -> dict:
    """Poll every due feed of ``feeds_file`` (``force``: every feed, now), fetch and extract
    new articles, tag events and store everything in ``db_path``. Returns the run summary."""
    quiet_http_logs()
    settings = load_settings(feeds_file=feeds_file, db_path=db_path,
                             allow_private_networks=allow_private_networks, per_host_delay=per_host_delay)
    return run_ingest(settings, force=force)


# The same pipeline without Prefect: the stage functions the tasks wrap, one to one. The
# benchmark runs it to measure what Prefect adds; `run_pipeline` is the one sequence for both.
DIRECT_STEPS = SimpleNamespace(
    record_run_start=ops.record_run_start, record_run_end=ops.record_run_end,
    publish_analyst_copy=ops.publish_for_analysts, sync_gazetteer=stages.sync_gazetteer,
    read_feed_states=stages.read_feed_states, poll_feeds=stages.poll, select_new_items=stages.select_new_items,
    fetch_articles=stages.fetch, extract_articles=stages.extract, tag_articles=stages.tag,
    store_results=stages.store,
)


def run_ingest(settings: Settings, force: bool = False) -> dict:
    run_id = str(flow_run.id or uuid.uuid4())
    summary = run_pipeline(settings, run_id, force, tasks)
    report(summary)
    get_run_logger().info(
        "ingest %s: %d feeds polled (%d failed), %d new items, %d articles, %d events",
        run_id, summary.feeds_polled, summary.feeds_failed, summary.items_new,
        summary.articles_extracted, summary.events_found,
    )
    return summary_dict(summary)


def run_pipeline(settings: Settings, run_id: str, force: bool, steps) -> RunSummary:  # noqa: ANN001
    """poll → select → (fetch → extract → tag → store) per chunk → feed state → run row →
    analyst copy. ``steps`` is the tasks module (a Prefect run) or DIRECT_STEPS (no Prefect)."""
    started = datetime.now(UTC)
    sources = [s for s in load_feed_registry(settings.feeds_file) if s.enabled]
    steps.record_run_start(settings, run_id, "ingest", started,
                           {"feeds_file": str(settings.feeds_file), "db_path": str(settings.db_path)})
    steps.sync_gazetteer(settings, run_id)  # a no-op unless the gazetteer changed
    states = steps.read_feed_states(settings)
    polls = steps.poll_feeds(settings, sources, states, force)
    feed_polls = [p for p, _ in polls]
    items = steps.select_new_items(settings, feed_polls)
    hints = {s.name: s.country for s in sources}
    fetch_records: list[FetchRecord] = []
    articles: list[Article] = []
    events: dict = {}
    for start in range(0, len(items), CHUNK):
        fetched = steps.fetch_articles(settings, items[start:start + CHUNK])
        pages = [f for f in fetched if isinstance(f, Page)]
        chunk_records = [f.record if isinstance(f, Page) else f for f in fetched]
        chunk_articles = steps.extract_articles(settings, pages, hints) if pages else []
        chunk_events = steps.tag_articles(settings, chunk_articles) if chunk_articles else {}
        steps.store_results(settings, run_id, sources, [], chunk_records, chunk_articles, chunk_events)
        fetch_records.extend(chunk_records)
        articles.extend(chunk_articles)
        events.update(chunk_events)
    # Feed items and feed state last: until they are saved, the next run re-reads these feeds.
    new_items = steps.store_results(settings, run_id, sources, polls, [], [], {})
    summary = summarize(run_id, started, feed_polls, items, fetch_records, articles, events, new_items)
    steps.record_run_end(settings, summary)
    steps.publish_analyst_copy(settings)  # after the run row, so the copy shows this run
    return summary


def summarize(run_id, started, feed_polls, items, fetch_records: list[FetchRecord],
              articles: list[Article], events: dict, new_items: int) -> RunSummary:
    skips: Counter[str] = Counter()
    per_feed: dict[str, Counter[str]] = {p.source.name: Counter() for p in feed_polls}
    for feed_poll in feed_polls:
        feed = per_feed[feed_poll.source.name]
        feed["items"] += len(feed_poll.items)
        if feed_poll.record.outcome == "error":
            reason = f"feed_{feed_poll.record.reason or 'error'}"
            feed["errors"] += 1
            feed[reason] += 1
            skips[reason] += 1
    for item in items:
        per_feed.setdefault(item.feed_name, Counter())["new_items"] += 1
    for record in fetch_records:
        if record.outcome not in {"ok", "not_modified"}:
            reason = f"fetch_{record.reason or record.outcome}"
            skips[reason] += 1
            if record.feed_name:
                per_feed.setdefault(record.feed_name, Counter())["errors"] += 1
                per_feed[record.feed_name][reason] += 1
    for article in articles:
        feed = per_feed.setdefault(article.feed_name, Counter())
        if article.skip_reason:
            reason = f"extract_{article.skip_reason}"
            skips[reason] += 1
            feed["skipped"] += 1
            feed[reason] += 1
        else:
            feed["articles"] += 1
            feed["events"] += len(events.get(article.url_hash, []))
    return RunSummary(
        run_id=run_id, started_at=started, finished_at=datetime.now(UTC),
        feeds_polled=len(feed_polls),
        feeds_failed=sum(1 for p in feed_polls if p.record.outcome == "error"),
        items_seen=sum(len(p.items) for p in feed_polls), items_new=new_items,
        articles_fetched=sum(1 for r in fetch_records if r.outcome == "ok"),
        articles_extracted=sum(1 for a in articles if not a.skip_reason),
        articles_skipped=sum(1 for a in articles if a.skip_reason),
        events_found=sum(len(v) for v in events.values()),
        skips_by_reason=dict(skips), per_feed={k: dict(v) for k, v in per_feed.items()},
        status="completed",
    )


def summary_dict(summary: RunSummary) -> dict:
    out = dict(summary.__dict__)
    out["started_at"] = summary.started_at.isoformat()
    out["finished_at"] = summary.finished_at.isoformat() if summary.finished_at else None
    return out


SKIP_PREFIXES = ("feed_", "fetch_", "extract_")  # per-feed reason keys, named as in skips_by_reason


def feed_table(summary: RunSummary) -> list[dict]:
    """One row per feed: what the run found, kept and skipped (by reason), and its errors."""
    rows = []
    for name, c in sorted(summary.per_feed.items()):
        reasons = {k: v for k, v in c.items() if k.startswith(SKIP_PREFIXES)}
        rows.append({
            "feed": name, "items": c.get("items", 0), "new_items": c.get("new_items", 0),
            "articles": c.get("articles", 0), "events": c.get("events", 0), "skipped": c.get("skipped", 0),
            "errors": c.get("errors", 0),
            "skips_by_reason": ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())),
        })
    return rows


def report(summary: RunSummary) -> None:
    """Two artifacts per run: a markdown summary (counts per stage, per feed, skips by reason)
    and a table with one row per feed (artifact key ``ingest-feeds``)."""
    rows = feed_table(summary)
    lines = [
        f"# Ingest run `{summary.run_id}`", "",
        f"feeds polled **{summary.feeds_polled}** (failed {summary.feeds_failed}) · items "
        f"{summary.items_seen} (new {summary.items_new}) · fetched {summary.articles_fetched} · "
        f"extracted {summary.articles_extracted} (skipped {summary.articles_skipped}) · "
        f"events **{summary.events_found}**", "",
        "| feed | items | new items | articles | events | skipped | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['feed']} | {r['items']} | {r['new_items']} | {r['articles']} | "
                     f"{r['events']} | {r['skipped']} | {r['errors']} |")
    if summary.skips_by_reason:
        lines += ["", "| skip reason | count |", "|---|---:|"]
        lines += [f"| {k} | {v} |" for k, v in sorted(summary.skips_by_reason.items())]
    create_markdown_artifact(markdown="\n".join(lines), key="ingest-summary",
                             description="Counts per stage and per feed")
    if rows:
        create_table_artifact(table=rows, key="ingest-feeds",
                              description="Per feed: new items, articles, events, skips by reason, errors")
