"""Writes: idempotent upserts on natural keys, one transaction per call.

Every batch is deduplicated by key (the last record wins), loaded as an Arrow table and merged
by a statement from ``queries/writes.sql``. Running a write again with the same records changes
nothing; rows carry the run that wrote them.
"""

from __future__ import annotations

import ipaddress
import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from hashlib import sha1
from urllib.parse import urlsplit

import duckdb
import pyarrow as pa

from core.errors import TerminalError
from core.records import (
    Article,
    Event,
    FeedItem,
    FeedSource,
    FeedState,
    FetchRecord,
    RunSummary,
    url_hash,
)
from storage.batches import arrow_table, dedupe_by_key, registered, transaction
from storage.sqlfiles import query

HTML_CODEC = "zlib"  # stdlib, deterministic; the codec is stored per row so it can change later
_ZLIB_LEVEL = 6

_UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

_FEEDS = pa.schema(
    [
        ("feed_name", pa.string()),
        ("url", pa.string()),
        ("country", pa.string()),
        ("language", pa.string()),
        ("enabled", pa.bool_()),
    ]
)
_FEED_STATES = pa.schema(
    [
        ("feed_name", pa.string()),
        ("etag", pa.string()),
        ("last_modified", pa.string()),
        ("consecutive_failures", pa.int32()),
        ("next_poll_at", _UTC_TIMESTAMP),
        ("last_success_at", _UTC_TIMESTAMP),
    ]
)
_FETCHES = pa.schema(
    [
        ("kind", pa.string()),
        ("url", pa.string()),
        ("started_at", _UTC_TIMESTAMP),
        ("url_hash", pa.string()),
        ("feed_name", pa.string()),
        ("status", pa.int32()),
        ("n_bytes", pa.int64()),
        ("duration_ms", pa.float64()),
        ("outcome", pa.string()),
        ("reason", pa.string()),
    ]
)
_FEED_ITEMS = pa.schema(
    [
        ("feed_name", pa.string()),
        ("url_hash", pa.string()),
        ("url", pa.string()),
        ("guid", pa.string()),
        ("title", pa.string()),
        ("published", _UTC_TIMESTAMP),
        ("published_utc_offset_minutes", pa.int16()),
        ("summary", pa.string()),
        ("authors", pa.list_(pa.string())),
    ]
)
_ARTICLES = pa.schema(
    [
        ("url_hash", pa.string()),
        ("url", pa.string()),
        ("domain", pa.string()),
        ("source", pa.string()),
        ("feed_name", pa.string()),
        ("title", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("published", _UTC_TIMESTAMP),
        ("language", pa.string()),
        ("site_name", pa.string()),
        ("country_hint", pa.string()),
        ("status", pa.string()),
        ("skip_reason", pa.string()),
        ("text", pa.large_string()),
        ("text_chars", pa.int32()),
        ("text_sha1", pa.string()),
        ("html_compressed", pa.large_binary()),
        ("html_codec", pa.string()),
        ("html_bytes", pa.int32()),
        ("extractor_version", pa.string()),
        ("published_local_date", pa.date32()),
        ("content_type", pa.string()),
    ]
)
_EVENT_TYPES: dict[str, pa.DataType] = {
    "quad_class": pa.int32(),
    "latitude": pa.float64(),
    "longitude": pa.float64(),
    "geo_precision": pa.int32(),
    "geonames_id": pa.int64(),
    "event_date": pa.date32(),
    "fatalities": pa.int32(),
    "fatalities_high": pa.int32(),
    "injured": pa.int32(),
    "historical": pa.bool_(),
    "negated": pa.bool_(),
    "hedged": pa.bool_(),
    "char_start": pa.int32(),
    "char_end": pa.int32(),
    "confidence": pa.float64(),
}
_EVENTS = pa.schema(
    [("url_hash", pa.string())]
    + [(name, _EVENT_TYPES.get(name, pa.string())) for name in Event.__dataclass_fields__]
)
_EVENT_ARTICLES = pa.schema([("url_hash", pa.string())])


def compress_html(html: bytes) -> bytes | None:
    return zlib.compress(html, _ZLIB_LEVEL) if html else None


def decompress_html(blob: bytes | None, codec: str | None) -> bytes:
    if not blob:
        return b""
    if codec != HTML_CODEC:
        raise ValueError(f"unknown html codec {codec!r}")
    return zlib.decompress(blob)


def url_domain(url: str) -> str | None:
    """Host of a URL without a leading ``www.``: the outlet, for counting sources."""
    host = urlsplit(url).hostname
    if host is None:
        return None
    return host.removeprefix("www.")


def article_source(domain: str | None, feed_name: str) -> str:
    """The outlet an article counts as when incidents count sources: its domain, or the feed
    name when the host is an IP address or localhost (a test or demo server names no outlet).
    Keep in step with the backfill in schema/0002_incidents_gazetteer.sql."""
    if domain is None or domain == "localhost":
        return feed_name
    try:
        ipaddress.ip_address(domain)
    except ValueError:
        return domain
    return feed_name


def upsert_feeds(
    conn: duckdb.DuckDBPyConnection, sources: Sequence[FeedSource], *, run_id: str | None = None
) -> None:
    """Register feeds (key: name). A feed removed from the registry keeps its row and history."""
    rows = [
        {
            "feed_name": s.name,
            "url": s.url,
            "country": s.country,
            "language": s.language,
            "enabled": s.enabled,
        }
        for s in dedupe_by_key(sources, lambda s: s.name)
    ]
    _merge(conn, "upsert_feeds", "incoming_feeds", _FEEDS, rows, {"run_id": run_id})


def save_feed_states(
    conn: duckdb.DuckDBPyConnection, states: Sequence[FeedState], *, run_id: str | None = None
) -> None:
    """Remember conditional-GET validators and backoff per feed (key: feed_name)."""
    rows = [
        {
            "feed_name": s.feed_name,
            "etag": s.etag,
            "last_modified": s.last_modified,
            "consecutive_failures": s.consecutive_failures,
            "next_poll_at": s.next_poll_at,
            "last_success_at": s.last_success_at,
        }
        for s in dedupe_by_key(states, lambda s: s.feed_name)
    ]
    _merge(conn, "save_feed_states", "incoming_feed_states", _FEED_STATES, rows, {"run_id": run_id})


def record_fetches(
    conn: duckdb.DuckDBPyConnection, run_id: str, records: Sequence[FetchRecord]
) -> None:
    """Log feed polls and article fetches (key: kind, url, started_at)."""
    rows = [
        {
            "kind": r.kind,
            "url": r.url,
            "started_at": r.started_at,
            "url_hash": url_hash(r.url),
            "feed_name": r.feed_name,
            "status": r.status,
            "n_bytes": r.n_bytes,
            "duration_ms": r.duration_ms,
            "outcome": r.outcome,
            "reason": r.reason,
        }
        for r in dedupe_by_key(records, lambda r: (r.kind, r.url, r.started_at))
    ]
    _merge(conn, "record_fetches", "incoming_fetches", _FETCHES, rows, {"run_id": run_id})


def upsert_feed_items(
    conn: duckdb.DuckDBPyConnection, run_id: str, items: Sequence[FeedItem]
) -> int:
    """Store feed entries (key: feed_name, url_hash); return how many were not stored before.

    The same URL in two feeds gives two feed_items rows (and later one article).
    """
    rows = [
        {
            "feed_name": i.feed_name,
            "url_hash": url_hash(i.url),
            "url": i.url,
            "guid": i.guid,
            "title": i.title,
            "published": i.published,
            "published_utc_offset_minutes": _offset_minutes(i.published),
            "summary": i.summary,
            "authors": list(i.authors),
        }
        for i in dedupe_by_key(items, lambda i: (i.feed_name, i.url))
    ]
    if not rows:
        return 0
    with transaction(conn), registered(conn, "incoming_feed_items", arrow_table(_FEED_ITEMS, rows)):
        (new,) = conn.execute(query("writes", "count_new_feed_items")).fetchone()
        conn.execute(query("writes", "upsert_feed_items"), {"run_id": run_id})
    return int(new)


def _offset_minutes(moment: datetime | None) -> int | None:
    """The UTC offset the time was written with (TIMESTAMPTZ keeps only the instant)."""
    offset = moment.utcoffset() if moment is not None else None
    return None if offset is None else int(offset.total_seconds() // 60)


def upsert_articles(
    conn: duckdb.DuckDBPyConnection, run_id: str, articles: Sequence[Article]
) -> None:
    """Store extracted and skipped articles (key: url_hash), raw HTML compressed.

    An article without usable text is stored with status 'skipped' and its ``skip_reason``;
    a later skip never overwrites an extracted article. Articles whose text equals that of an
    article stored earlier get ``duplicate_of`` pointing at it.
    """
    rows = [_article_row(a) for a in dedupe_by_key(articles, lambda a: a.url_hash)]
    if not rows:
        return
    with transaction(conn), registered(conn, "incoming_articles", arrow_table(_ARTICLES, rows)):
        conn.execute(query("writes", "upsert_articles"), {"run_id": run_id})
        conn.execute(query("writes", "link_exact_duplicates"))


def _article_row(article: Article) -> dict:
    has_text = bool(article.text) and article.skip_reason is None
    domain = url_domain(article.url)
    return {
        "url_hash": article.url_hash,
        "url": article.url,
        "domain": domain,
        "source": article_source(domain, article.feed_name),
        "feed_name": article.feed_name,
        "title": article.title,
        "authors": list(article.authors),
        "published": article.published,
        "language": article.language,
        "site_name": article.site_name,
        "country_hint": article.country_hint,
        "status": "extracted" if has_text else "skipped",
        "skip_reason": None if has_text else (article.skip_reason or "no_text"),
        "text": article.text,
        "text_chars": len(article.text),
        "text_sha1": sha1(article.text.encode("utf-8")).hexdigest() if has_text else None,
        "html_compressed": compress_html(article.html),
        "html_codec": HTML_CODEC if article.html else None,
        "html_bytes": len(article.html),
        "extractor_version": article.extractor_version,
        "published_local_date": article.published_local_date,
        "content_type": article.content_type,
    }


_NEAR_DUPLICATES = pa.schema(
    [("url_hash", pa.string()), ("simhash", pa.uint64()), ("duplicate_of", pa.string())]
)


def save_near_duplicates(
    conn: duckdb.DuckDBPyConnection, links: Mapping[str, tuple[int | None, str | None]]
) -> None:
    """Store each article's fingerprint and, when it is a copy, the canonical article it copies
    (``{url_hash: (simhash, duplicate_of)}``, from ``extractors.dedup.link_near_duplicates``).

    Sets links, never clears them (as ``link_exact_duplicates``): an article once found to be
    a copy stays one. Unknown url_hashes are ignored; writing the same links again changes nothing.
    """
    rows = [
        {"url_hash": key, "simhash": simhash, "duplicate_of": duplicate_of}
        for key, (simhash, duplicate_of) in links.items()
    ]
    _merge(conn, "save_near_duplicates", "incoming_near_duplicates", _NEAR_DUPLICATES, rows, {})


def replace_events(
    conn: duckdb.DuckDBPyConnection, run_id: str, events_by_article: Mapping[str, Sequence[Event]]
) -> int:
    """Make the stored events of each article (key: url_hash) exactly the given ones.

    An article mapped to no events loses its old ones; events not given for an article are
    removed; unchanged events are left untouched, so re-tagging with the same rules changes
    nothing. ``event_id`` is the key and must be unique across articles. Returns the number of
    events now stored for these articles.
    """
    if not events_by_article:
        return 0
    owner: dict[str, str] = {}
    rows = []
    for article_hash, events in events_by_article.items():
        for event in dedupe_by_key(events, lambda e: e.event_id):
            previous = owner.setdefault(event.event_id, article_hash)
            if previous != article_hash:
                raise TerminalError(
                    f"event_id {event.event_id!r} given for articles {previous} and "
                    f"{article_hash}: event ids must be unique across articles"
                )
            row = {name: getattr(event, name) for name in Event.__dataclass_fields__}
            row["url_hash"] = article_hash
            rows.append(row)
    batch = arrow_table(_EVENTS, rows)
    articles = arrow_table(_EVENT_ARTICLES, [{"url_hash": h} for h in events_by_article])
    with (
        transaction(conn),
        registered(conn, "incoming_events", batch),
        registered(conn, "incoming_event_articles", articles),
    ):
        conflicts = conn.execute(query("writes", "event_id_conflicts")).fetchall()
        if conflicts:
            described = ", ".join(f"{eid!r} (stored for {stored})" for eid, _, stored in conflicts)
            raise TerminalError(
                f"event ids already stored for other articles: {described}; "
                "event ids must be unique across articles"
            )
        conn.execute(query("writes", "prune_events"))
        conn.execute(query("writes", "upsert_events"), {"run_id": run_id})
    return len(rows)


def start_run(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    flow_name: str,
    started_at: datetime,
    parameters: dict,
) -> None:
    """Record that a run began (status 'running'); a repeated start keeps the first record."""
    with transaction(conn):
        conn.execute(
            query("writes", "start_run"),
            {
                "run_id": run_id,
                "flow_name": flow_name,
                "started_at": started_at,
                "parameters": _json(parameters),
            },
        )


def finish_run(conn: duckdb.DuckDBPyConnection, summary: RunSummary) -> None:
    """Store a run's counts per stage, per feed and skips by reason (key: run_id)."""
    with transaction(conn):
        conn.execute(
            query("writes", "finish_run"),
            {
                "run_id": summary.run_id,
                "status": summary.status,
                "started_at": summary.started_at,
                "finished_at": summary.finished_at,
                "feeds_polled": summary.feeds_polled,
                "feeds_failed": summary.feeds_failed,
                "items_seen": summary.items_seen,
                "items_new": summary.items_new,
                "articles_fetched": summary.articles_fetched,
                "articles_extracted": summary.articles_extracted,
                "articles_skipped": summary.articles_skipped,
                "events_found": summary.events_found,
                "skips_by_reason": _json(summary.skips_by_reason),
                "per_feed": _json(summary.per_feed),
            },
        )


def _json(value: object) -> str:
    # Sorted keys: the same dict always gives the same text, so an unchanged run stays unchanged.
    return json.dumps(value, sort_keys=True, default=str)


def _merge(
    conn: duckdb.DuckDBPyConnection,
    statement: str,
    table_name: str,
    schema: pa.Schema,
    rows: list[dict],
    parameters: dict,
) -> None:
    if not rows:
        return
    with transaction(conn), registered(conn, table_name, arrow_table(schema, rows)):
        conn.execute(query("writes", statement), parameters)
