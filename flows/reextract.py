"""The `reextract` flow: rebuild article text from the stored raw HTML with the current
extractor, then tag again the articles whose text or metadata changed.

    for each page of stored articles with raw HTML:
        read → extract (worker pool) → tag the changed ones → store articles, copies, events
    then: record the run, publish its report

For after an extractor upgrade, without fetching anything again. The extractor sees each page
as the ingest flow did: the same bytes, the same feed item (title, date and authors take
precedence over the page) and the same fetch time (it bounds plausible dates), so an unchanged
extractor gives back the stored article, and a second run changes nothing. Rows that change
get the current ``extractor_version`` and this run's id; their near-duplicate links are
recomputed (fingerprints are filled in for articles stored before they existed).

A page that now yields no text keeps its stored text and events (storage never lets a skip
overwrite an extracted article); a page skipped before that now has text is stored and tagged.

The page's Content-Type header is stored with the article (schema v4) and handed back, so a
page whose only charset declaration was the header decodes as before (articles stored earlier
have none: decoded from their <meta> or by detection). Not reproduced: the URL after redirects
(the canonical URL stands in for it). Articles whose raw HTML was dropped by the maintenance flow's
retention are not re-extracted.

The run row: ``articles_extracted`` counts articles that have text after this run,
``articles_skipped`` those without (by reason in ``skips_by_reason``), ``events_found`` the
events of the articles tagged again; ``per_feed`` also counts ``changed`` articles.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from core.records import Article, Event, FeedItem, FetchRecord, Page, RunSummary
from core.settings import Settings, load_settings
from extractors.articles import EXTRACTOR_VERSION
from flows import stages, tasks
from flows.ingest import summary_dict
from flows.retag import parse_since, tagger_lineage
from storage import reads, writes
from storage.batches import transaction
from storage.db import open_db

PAGE_SIZE = 100  # pages per read/extract/tag/store round (raw HTML: ~100 KB each)
REEXTRACT_TIMEOUT_SECONDS = 12 * 3600  # a whole archive; the deployment runs one at a time


# ---------------------------------------------------------------------------- stages (no Prefect)
def read_stored_pages(settings: Settings, since: date | None, source: str | None, after: str,
                      page_size: int = PAGE_SIZE) -> list[dict]:
    """The next page of stored articles with raw HTML after the url_hash ``after``."""
    with open_db(settings.db_path) as conn:
        return reads.articles_for_reextract(conn, since, source, after=after, page_size=page_size)


def stored_page(row: dict) -> Page:
    """The fetched page as the ingest flow handed it to the extractor."""
    item = FeedItem(feed_name=row["feed_name"], url=row["url"], guid=None, title=row["feed_title"],
                    published=_as_written(row["feed_published"], row["feed_published_offset_minutes"]),
                    summary=None, authors=tuple(row["feed_authors"] or ()))
    record = FetchRecord(kind="article", url=row["url"], feed_name=row["feed_name"], started_at=row["fetched_at"],
                         status=200, n_bytes=len(row["html"]), duration_ms=0.0, outcome="ok")
    return Page(item=item, final_url=row["url"], status=200, content_type=row["content_type"],
                body=row["html"], record=record)


def _as_written(published: datetime | None, offset_minutes: int | None) -> datetime | None:
    """The feed's time in the offset the feed wrote it with: the publisher's day depends on it."""
    if published is None or offset_minutes is None:
        return published
    return published.astimezone(timezone(timedelta(minutes=offset_minutes)))


def text_sha1(text: str) -> str:
    """As storage keys article texts (``articles.text_sha1``)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def is_changed(article: Article, row: dict) -> bool:
    """Does the new extraction change what the tagger reads (text, title, dates, language)?
    A new skip changes nothing: the stored text stays."""
    if article.skip_reason or not article.text:
        return False
    return (row["status"] != "extracted" or row["text_sha1"] != text_sha1(article.text)
            or (row["title"], row["published"], row["published_local_date"], row["language"])
            != (article.title, article.published, article.published_local_date, article.language))


def store_page(settings: Settings, run_id: str, articles: Sequence[Article],
               events: dict[str, list[Event]]) -> None:
    """Articles, their near-duplicate links and the new events of the changed ones, together."""
    with open_db(settings.db_path) as conn, transaction(conn):
        writes.upsert_articles(conn, run_id, list(articles))
        stages.link_copies(conn, articles)
        writes.replace_events(conn, run_id, events)


# ---------------------------------------------------------------------------- tasks
read_reextract_page = tasks.db_task("read-reextract-page", read_stored_pages)
store_reextracted = tasks.db_task("store-reextracted", store_page)


# ---------------------------------------------------------------------------- flow
@flow(name="reextract", log_prints=False, validate_parameters=True, timeout_seconds=REEXTRACT_TIMEOUT_SECONDS,
      on_failure=[tasks.record_failed_run], on_crashed=[tasks.record_failed_run],
      on_cancellation=[tasks.record_failed_run])
def reextract(since: str | None = None, source: str | None = None, db_path: str | None = None) -> dict:
    """Extract again the stored articles published on or after ``since`` (YYYY-MM-DD; all when
    None) and listed by the feed ``source`` (all when None), from their raw HTML, and tag the
    ones that changed. Returns the run summary."""
    settings = load_settings(db_path=db_path)
    return run_reextract(settings, parse_since(since), source)


def run_reextract(settings: Settings, since: date | None = None, source: str | None = None) -> dict:
    logger = get_run_logger()
    run_id = str(flow_run.id or uuid.uuid4())
    started = datetime.now(UTC)
    lineage = tagger_lineage(settings)
    tasks.record_run_start(settings, run_id, "reextract", started, {
        "since": since.isoformat() if since else None, "source": source, "db_path": str(settings.db_path),
        "extractor_version": EXTRACTOR_VERSION, **lineage})
    per_feed: dict[str, Counter[str]] = {}
    after = ""
    while True:
        rows = read_reextract_page(settings, since, source, after)
        if not rows:
            break
        extracted = tasks.extract_articles(settings, [stored_page(row) for row in rows], {})
        # the country hint the article was stored with (the feed registry may have changed since)
        articles = [replace(a, country_hint=row["country_hint"]) for a, row in zip(extracted, rows, strict=True)]
        changed = [a for a, row in zip(articles, rows, strict=True) if is_changed(a, row)]
        events = tasks.tag_articles(settings, changed) if changed else {}
        store_reextracted(settings, run_id, articles, events)
        count_page(per_feed, articles, rows, events)
        after = rows[-1]["url_hash"]
        if len(rows) < PAGE_SIZE:
            break
    summary = summarize(run_id, started, per_feed)
    tasks.record_run_end(settings, summary)
    report(summary)
    logger.info("reextract %s with %s: %d articles with text (%d changed), %d without, %d events",
                run_id, EXTRACTOR_VERSION, summary.articles_extracted, _total(summary, "changed"),
                summary.articles_skipped, summary.events_found)
    return summary_dict(summary) | {"extractor_version": EXTRACTOR_VERSION, "tagger": lineage}


def _total(summary: RunSummary, key: str) -> int:
    return sum(counts.get(key, 0) for counts in summary.per_feed.values())


def count_page(per_feed: dict[str, Counter[str]], articles: Sequence[Article], rows: Sequence[dict],
               events: dict[str, list[Event]]) -> None:
    for article, row in zip(articles, rows, strict=True):
        feed = per_feed.setdefault(article.feed_name, Counter())
        if article.skip_reason or not article.text:
            reason = f"extract_{article.skip_reason or 'empty'}"
            feed["skipped"] += 1
            feed[reason] += 1
            if row["status"] == "extracted":
                feed["kept_stored_text"] += 1
        else:
            feed["articles"] += 1
        if article.url_hash in events:
            feed["changed"] += 1
            feed["events"] += len(events[article.url_hash])


def summarize(run_id: str, started: datetime, per_feed: dict[str, Counter[str]]) -> RunSummary:
    total: Counter[str] = Counter()
    for counts in per_feed.values():
        total.update(counts)
    return RunSummary(
        run_id=run_id, started_at=started, finished_at=datetime.now(UTC),
        articles_extracted=total["articles"], articles_skipped=total["skipped"], events_found=total["events"],
        skips_by_reason={k: v for k, v in sorted(total.items()) if k.startswith("extract_")},
        per_feed={name: dict(counts) for name, counts in sorted(per_feed.items())}, status="completed",
    )


def report(summary: RunSummary) -> None:
    lines = [
        f"# Reextract run `{summary.run_id}`", "",
        f"extractor `{EXTRACTOR_VERSION}` · articles with text **{summary.articles_extracted}** "
        f"(changed and tagged again {_total(summary, 'changed')}) · without text {summary.articles_skipped} · "
        f"events of the changed articles **{summary.events_found}**", "",
        "| feed | with text | changed | events | without text | kept stored text |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {name} | {c.get('articles', 0)} | {c.get('changed', 0)} | {c.get('events', 0)} | "
              f"{c.get('skipped', 0)} | {c.get('kept_stored_text', 0)} |" for name, c in summary.per_feed.items()]
    if summary.skips_by_reason:
        lines += ["", "| skip reason | count |", "|---|---:|"]
        lines += [f"| {k} | {v} |" for k, v in summary.skips_by_reason.items()]
    create_markdown_artifact(markdown="\n".join(lines), key="reextract-summary",
                             description="Articles extracted again, changed and tagged again, per feed")
