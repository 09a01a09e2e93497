"""Reads: what the flows and the CLI get back, and the views behind them."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest

from core.errors import TerminalError
from core.records import url_hash
from storage import (
    articles_for_retag,
    feed_states,
    known_article_urls,
    open_db,
    recent_events,
    replace_events,
    run_query,
    table_counts,
    upsert_articles,
)
from storage.migrate import discover_migrations
from tests.storage.storage_samples import (
    LOCAL_URL,
    NOW,
    PUBLISHED,
    SHARED_URL,
    SKIPPED_URL,
    make_article,
    make_event,
)


def test_feed_states_round_trip_as_records(populated_db, sample):
    with open_db(populated_db, read_only=True) as conn:
        states = feed_states(conn)
    assert states == {s.feed_name: s for s in sample.states}
    assert states["dead"].next_poll_at.tzinfo is UTC


def test_known_article_urls(populated_db):
    unknown = "https://wire.example/not-yet"
    with open_db(populated_db, read_only=True) as conn:
        candidates = [SHARED_URL, SKIPPED_URL, unknown, SHARED_URL]
        assert known_article_urls(conn, candidates) == {SHARED_URL, SKIPPED_URL}
        assert known_article_urls(conn, candidates, retry_skip_reasons={"not_html"}) == {
            SHARED_URL
        }
        assert known_article_urls(conn, []) == set()


def test_recent_events_default_to_current_asserted_events(populated_db):
    with open_db(populated_db, read_only=True) as conn:
        current = recent_events(conn)
        everything = recent_events(conn, include_all=True)
        assert len(recent_events(conn, limit=1)) == 1
    assert {e["sub_event_type"] for e in current} == {"air_drone_strike", "peaceful_protest"}
    assert len(everything) == 3 and any(e["historical"] for e in everything)
    strike = next(e for e in current if e["sub_event_type"] == "air_drone_strike")
    assert strike["url"] == SHARED_URL
    assert strike["title"] == f"Story at {SHARED_URL}"
    assert strike["published"] == PUBLISHED and strike["published"].tzinfo is UTC
    assert strike["feed_name"] == "wire" and strike["domain"] == "wire.example"
    assert isinstance(strike["event_date"], date)


def test_events_of_duplicate_articles_are_left_out_of_v_events(populated_db):
    copy_url = "https://mirror.example/copy"
    with open_db(populated_db) as conn:
        copy = make_article(copy_url, text=make_article(LOCAL_URL).text)
        upsert_articles(conn, "run-0002", [copy])
        replace_events(conn, "run-0002", {copy.url_hash: [make_event("copy-1")]})
        shown = {e["event_id"] for e in recent_events(conn)}
        assert "copy-1" not in shown
        assert "copy-1" in {e["event_id"] for e in recent_events(conn, include_all=True)}


def test_table_counts(populated_db):
    with open_db(populated_db, read_only=True) as conn:
        counts = table_counts(conn)
    assert counts == {
        "articles": 3,
        "events": 3,
        "feed_items": 4,
        "feed_state": 3,
        "feeds": 3,
        "fetches": 5,
        "runs": 1,
        "schema_migrations": len(discover_migrations()),
        "incidents": 0,  # the sample stores no incidents: the flow clusters after storing
        "incident_mentions": 0,
        "gazetteer": 0,
    }


def test_articles_for_retag_pages_through_extracted_articles(populated_db):
    extra = [make_article(f"https://wire.example/extra/{i}") for i in range(5)]
    with open_db(populated_db) as conn:
        upsert_articles(conn, "run-0002", extra)
        expected = sorted([url_hash(SHARED_URL), url_hash(LOCAL_URL)] + [a.url_hash for a in extra])
        seen = []
        for article in articles_for_retag(conn, page_size=2):
            seen.append(article["url_hash"])
            # Writing between pages on the same connection must not disturb the iteration.
            replace_events(conn, "run-0003", {article["url_hash"]: []})
        assert seen == expected  # skipped article left out
        first = next(iter(articles_for_retag(conn)))
        assert set(first) >= {"url_hash", "url", "title", "text", "published", "language",
                              "feed_name"}


def test_articles_for_retag_filters(populated_db):
    old = make_article("https://local.example/old", "local",
                       published=NOW - timedelta(days=400))
    with open_db(populated_db) as conn:
        upsert_articles(conn, "run-0002", [old])
        by_wire = {a["url"] for a in articles_for_retag(conn, source="wire")}
        by_local = {a["url"] for a in articles_for_retag(conn, source="local")}
        month_ago = (NOW - timedelta(days=30)).date()
        recent = {a["url"] for a in articles_for_retag(conn, since=month_ago)}
    assert by_wire == {SHARED_URL}
    assert by_local == {SHARED_URL, LOCAL_URL, old.url}  # the shared story is listed by local too
    assert recent == {SHARED_URL, LOCAL_URL}


def test_run_query(populated_db):
    with open_db(populated_db, read_only=True) as conn:
        columns, rows = run_query(conn, "SELECT feed_name, health FROM v_feed_health ORDER BY 1")
        assert columns == ["feed_name", "health"]
        assert rows == [("dead", "failing"), ("local", "ok"), ("wire", "ok")]
        with pytest.raises(TerminalError, match="no_such_table"):
            run_query(conn, "SELECT * FROM no_such_table")
        with pytest.raises(TerminalError, match="read-only"):
            run_query(conn, "DELETE FROM events")


def test_feed_health_view(populated_db):
    with open_db(populated_db, read_only=True) as conn:
        columns, rows = run_query(conn, "SELECT * FROM v_feed_health ORDER BY feed_name")
    health = {row[0]: dict(zip(columns, row, strict=True)) for row in rows}
    dead, local = health["dead"], health["local"]
    assert (dead["consecutive_failures"], dead["last_poll_outcome"], dead["last_success_at"]) == (
        2, "error", None)
    assert dead["last_poll_reason"] == "connect timeout" and dead["polls_failed"] == 1
    assert (local["last_poll_outcome"], local["items_total"], local["items_last_24h"]) == (
        "bozo", 3, 3)
    assert local["last_success_at"] == NOW


def test_read_only_open_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no database yet"):
        with open_db(tmp_path / "missing.duckdb", read_only=True):
            pass
