"""Reads for the flows and the CLI. Rows come back as records or plain dicts; timestamps are
timezone-aware UTC, dates ``datetime.date``."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa

from core.errors import TerminalError
from core.records import FeedState, url_hash
from storage.batches import arrow_table, registered
from storage.migrate import quote_identifier
from storage.sqlfiles import query
from storage.writes import decompress_html

_CANDIDATE_URLS = pa.schema([("url", pa.string()), ("url_hash", pa.string())])
_RUN_JSON_COLUMNS = ("skips_by_reason", "per_feed", "parameters")


def feed_states(conn: duckdb.DuckDBPyConnection) -> dict[str, FeedState]:
    """Every stored feed state by feed name."""
    return {
        row[0]: FeedState(
            feed_name=row[0],
            etag=row[1],
            last_modified=row[2],
            consecutive_failures=row[3],
            next_poll_at=_utc(row[4]),
            last_success_at=_utc(row[5]),
        )
        for row in conn.execute(query("reads", "feed_states")).fetchall()
    }


def known_article_urls(
    conn: duckdb.DuckDBPyConnection,
    urls: Sequence[str],
    *,
    retry_skip_reasons: Collection[str] = (),
) -> set[str]:
    """The canonical URLs among ``urls`` that already have an article row.

    Skipped articles count as known unless their skip reason is in ``retry_skip_reasons``
    (e.g. a transient fetch failure the flow wants to try again).
    """
    unique = sorted(set(urls))
    if not unique:
        return set()
    candidates = arrow_table(_CANDIDATE_URLS, [{"url": u, "url_hash": url_hash(u)} for u in unique])
    with registered(conn, "candidate_urls", candidates):
        rows = conn.execute(
            query("reads", "known_article_urls"),
            {"retry_skip_reasons": sorted(retry_skip_reasons)},
        ).fetchall()
    return {url for (url,) in rows}


def recent_events(
    conn: duckdb.DuckDBPyConnection, limit: int = 50, *, include_all: bool = False
) -> list[dict]:
    """Latest events (``v_events``) with their article's url, title, published and feed.

    ``include_all`` reads ``v_mentions`` instead: background, negated and duplicate mentions too.
    """
    statement = "recent_mentions" if include_all else "recent_events"
    return _dicts(conn.execute(query("reads", statement), {"limit": limit}))


def recent_incidents(conn: duckdb.DuckDBPyConnection, limit: int = 50) -> list[dict]:
    """Latest incidents (``v_incidents``): one row per event however many outlets reported it."""
    return _dicts(conn.execute(query("reads", "recent_incidents"), {"limit": limit}))


def table_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every table."""
    tables = [name for (name,) in conn.execute(query("reads", "base_tables")).fetchall()]
    template = query("reads", "count_rows")
    return {
        name: conn.execute(template.format(table=quote_identifier(name))).fetchone()[0]
        for name in tables
    }


def articles_for_retag(
    conn: duckdb.DuckDBPyConnection,
    since: date | None = None,
    source: str | None = None,
    *,
    page_size: int = 500,
    after: str = "",
) -> Iterator[dict]:
    """Extracted articles to tag again, in url_hash order, fetched a page at a time.

    ``since`` keeps articles published (or, without a date, first stored) on or after that day;
    ``source`` keeps articles listed by that feed; ``after`` starts after that url_hash (so a
    flow can read one page, close the database, and go on later). Writing between pages is safe.
    """
    while True:
        page = _dicts(
            conn.execute(
                query("reads", "articles_for_retag"),
                {"after": after, "since": since, "source": source, "page_size": page_size},
            )
        )
        yield from page
        if len(page) < page_size:
            return
        after = page[-1]["url_hash"]


def articles_for_reextract(
    conn: duckdb.DuckDBPyConnection,
    since: date | None = None,
    source: str | None = None,
    *,
    after: str = "",
    page_size: int = 100,
) -> list[dict]:
    """One page of stored articles that kept their raw HTML, in url_hash order after ``after``:
    what is needed to extract them again exactly as the ingest flow did.

    Each row: the article's ``url_hash``, ``url``, ``feed_name``, ``country_hint``, ``status``,
    ``text_sha1``, ``title``, ``published``, ``published_local_date``, ``language``,
    ``extractor_version``, ``content_type`` (the page's header, None before schema v4); ``html`` (raw
    bytes); ``fetched_at`` (when the page was fetched: its last successful article fetch, else
    when the article was first stored); and what the feed that brought it said about it:
    ``feed_title``, ``feed_published``, ``feed_published_offset_minutes`` (the UTC offset the feed
    wrote, schema v5), ``feed_authors`` (None/empty when unknown).
    ``since`` and ``source`` filter as in ``articles_for_retag``. Skipped articles are included
    (a newer extractor may find their text).
    """
    rows = _dicts(
        conn.execute(
            query("reads", "articles_for_reextract"),
            {"after": after, "since": since, "source": source, "page_size": page_size},
        )
    )
    for row in rows:
        row["html"] = decompress_html(row.pop("html_compressed"), row.pop("html_codec"))
        row["feed_authors"] = tuple(row["feed_authors"] or ())
    return rows


def near_duplicate_candidates(
    conn: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    include: Collection[str] = (),
) -> dict[str, int]:
    """Fingerprints of canonical articles (extracted, fingerprinted, not themselves copies)
    published (or, without a date, first stored) between ``start`` and ``end``, or whose
    url_hash is in ``include``: {url_hash: simhash}, oldest first (first stored, then url_hash).
    What ``extractors.dedup.link_near_duplicates`` compares new articles with.
    """
    rows = conn.execute(
        query("reads", "near_duplicate_candidates"),
        {"start": start, "end": end, "include": sorted(include)},
    ).fetchall()
    return {key: int(simhash) for key, simhash in rows}


def run_query(conn: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    """Run an analyst's SQL; return column names and rows (for ``newsevents sql``)."""
    try:
        result = conn.execute(sql)
    except duckdb.Error as exc:
        raise TerminalError(f"query failed: {exc}") from exc
    if result.description is None:  # a statement without a result set
        return [], []
    columns = [d[0] for d in result.description]
    return columns, result.fetchall()


def latest_runs(conn: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict]:
    """Most recent runs first (``v_runs``), JSON columns decoded."""
    runs = _dicts(conn.execute(query("reads", "latest_runs"), {"limit": limit}))
    for run in runs:
        for column in _RUN_JSON_COLUMNS:
            if run.get(column) is not None:
                run[column] = json.loads(run[column])
    return runs


def article_html(conn: duckdb.DuckDBPyConnection, article_url_hash: str) -> bytes | None:
    """The raw HTML stored for an article (b"" when none was kept), None if no such article."""
    row = conn.execute(query("reads", "article_html"), {"url_hash": article_url_hash}).fetchone()
    if row is None:
        return None
    return decompress_html(row[0], row[1])


def _dicts(result: duckdb.DuckDBPyConnection) -> list[dict]:
    columns = [d[0] for d in result.description]
    return [
        {c: _utc(v) if isinstance(v, datetime) else v for c, v in zip(columns, row, strict=True)}
        for row in result.fetchall()
    ]


def _utc(value: datetime | None) -> datetime | None:
    # DuckDB hands back pytz-flavoured UTC; the records promise datetime.UTC.
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
