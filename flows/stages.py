"""The pipeline stages as plain functions (no Prefect): each takes records and returns records.
Tasks in flows/tasks.py wrap these one-to-one, and the benchmark calls them directly to
measure what Prefect adds."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from core.records import Article, Event, FeedPoll, FeedSource, FeedState, FetchRecord, Page
from core.settings import Settings, load_settings
from extractors.articles import extract_articles
from extractors.dedup import CANDIDATE_WINDOW, link_near_duplicates
from extractors.feeds import fetch_pages, poll_feeds
from extractors.http import PoliteClient
from storage import reads, writes
from storage.batches import transaction
from storage.clustering import cluster_incidents
from storage.db import open_db
from storage.gazetteer import load_gazetteer_table, stored_gazetteer_version
from taggers.engine import Tagger


def read_feed_states(settings: Settings) -> dict[str, FeedState]:
    with open_db(settings.db_path) as conn:
        return reads.feed_states(conn)


def poll(settings: Settings, sources: Sequence[FeedSource], states: dict[str, FeedState],
         force: bool = False) -> list[tuple[FeedPoll, FeedState]]:
    """Poll the feeds that are due (``force``: all of them, ignoring backoff)."""
    async def _run() -> list[tuple[FeedPoll, FeedState]]:
        async with PoliteClient(settings) as client:
            return await poll_feeds(client, list(sources), states, datetime.now(UTC), only_due=not force)
    return asyncio.run(_run())


def select_new_items(settings: Settings, polls: Sequence[FeedPoll]) -> list:
    """Items whose canonical URL has no article yet, one per URL across feeds, capped per feed."""
    per_feed: Counter[str] = Counter()
    seen: set[str] = set()
    candidates = []
    for feed_poll in polls:
        for item in feed_poll.items:
            if item.url in seen or per_feed[item.feed_name] >= settings.max_articles_per_feed:
                continue
            seen.add(item.url)
            per_feed[item.feed_name] += 1
            candidates.append(item)
    with open_db(settings.db_path) as conn:
        known = reads.known_article_urls(conn, [i.url for i in candidates])
    return [item for item in candidates if item.url not in known]


def fetch(settings: Settings, items: Sequence) -> list[Page | FetchRecord]:
    async def _run() -> list[Page | FetchRecord]:
        async with PoliteClient(settings) as client:
            return await fetch_pages(client, list(items))
    return asyncio.run(_run())


def extract(settings: Settings, pages: Sequence[Page], country_hints: dict[str, str | None]) -> list[Article]:
    articles = extract_articles(list(pages), settings)
    return [a if a.country_hint or not country_hints.get(a.feed_name) else
            replace(a, country_hint=country_hints[a.feed_name]) for a in articles]


@lru_cache(maxsize=4)
def _tagger(rules_dir: Path, historical_days: int, gazetteer_extra: str = "") -> Tagger:
    """The tagger for these settings, loaded once per process (rule packs and automata)."""
    return Tagger.load(load_settings(environ={}, rules_dir=rules_dir, historical_days=historical_days,
                                     gazetteer_extra=gazetteer_extra))


def tag(settings: Settings, articles: Sequence[Article]) -> dict[str, list[Event]]:
    """Events per article (url_hash). Skipped and non-English articles get no events."""
    tagger = _tagger(settings.rules_dir, settings.historical_days, settings.gazetteer_extra)
    out: dict[str, list[Event]] = {}
    for article in articles:
        if article.skip_reason or (article.language and article.language != "en"):
            out[article.url_hash] = []
            continue
        published = article.published_local_date or (article.published.date() if article.published else None)
        out[article.url_hash] = tagger.tag(article.text, published, article.title,
                                           doc_id=article.url_hash, country_hint=article.country_hint)
    return out


def sync_gazetteer(settings: Settings, run_id: str) -> int:
    """Load the tagger's gazetteer into the analysts' ``gazetteer`` table when it changed
    (first run, new tagger or data version); returns the rows loaded, 0 when up to date."""
    tagger = _tagger(settings.rules_dir, settings.historical_days, settings.gazetteer_extra)
    version = f"{tagger.version}/{tagger.gazetteer.size}"
    with open_db(settings.db_path) as conn:
        if stored_gazetteer_version(conn) == version:
            return 0
        rows = ({"name": p.name, "kind": p.kind, "country": p.country, "admin1": p.admin1,
                 "admin1_code": p.admin1_code, "admin2": p.admin2, "latitude": p.latitude,
                 "longitude": p.longitude, "geonames_id": p.geonames_id, "population": p.population,
                 "source": p.source} for p in tagger.gazetteer.iter_places())
        return load_gazetteer_table(conn, rows, version=version, run_id=run_id)


def store(settings: Settings, run_id: str, sources: Sequence[FeedSource],
          polls: Sequence[tuple[FeedPoll, FeedState]], fetch_records: Sequence[FetchRecord],
          articles: Sequence[Article], events: dict[str, list[Event]]) -> int:
    """Write one run's results in one transaction: a run that dies before or during the
    store leaves nothing half-written, and since the feed state (ETag, next poll) is saved in
    the same transaction, the next run polls the full feeds again and picks up what was missed."""
    with open_db(settings.db_path) as conn, transaction(conn):
        writes.upsert_feeds(conn, list(sources), run_id=run_id)
        writes.upsert_articles(conn, run_id, list(articles))
        link_copies(conn, articles)
        writes.replace_events(conn, run_id, events)
        if events:  # new or changed mentions join (or form) incidents in the same transaction
            cluster_incidents(conn, run_id)
        writes.record_fetches(conn, run_id, [p.record for p, _ in polls] + list(fetch_records))
        new_items = writes.upsert_feed_items(conn, run_id, [i for p, _ in polls for i in p.items])
        writes.save_feed_states(conn, [state for _, state in polls], run_id=run_id)
        return new_items


def link_copies(conn, articles: Sequence[Article]) -> None:  # noqa: ANN001 (a storage connection)
    """Fingerprint the stored articles that have text and link syndicated copies to the story
    stored first, comparing with the canonical articles published within CANDIDATE_WINDOW."""
    texts = {a.url_hash: a.text for a in articles if a.text and not a.skip_reason}
    if not texts:
        return
    now = datetime.now(UTC)
    moments = [a.published or now for a in articles if a.url_hash in texts]
    candidates = reads.near_duplicate_candidates(
        conn, min(moments) - CANDIDATE_WINDOW, max(moments) + CANDIDATE_WINDOW, include=list(texts))
    writes.save_near_duplicates(conn, link_near_duplicates(texts, candidates))
