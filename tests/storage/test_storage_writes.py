"""Writes: idempotent upserts on natural keys, compression, event replacement, run summaries."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import TerminalError
from core.records import FeedItem, FetchRecord, RunSummary, url_hash
from storage import (
    article_html,
    finish_run,
    latest_runs,
    open_db,
    record_fetches,
    replace_events,
    save_feed_states,
    start_run,
    table_counts,
    transaction,
    upsert_articles,
    upsert_feed_items,
    upsert_feeds,
)
from tests.storage.storage_samples import (
    LOCAL_URL,
    NOW,
    RUN_ID,
    SHARED_URL,
    SKIPPED_URL,
    make_article,
    make_event,
    snapshot,
    store_sample,
)


def events_of(conn, article_url: str) -> dict[str, tuple]:
    rows = conn.execute(
        "SELECT event_id, sub_event_type, fatalities, run_id, stored_at FROM events "
        "WHERE url_hash = ? ORDER BY event_id",
        [url_hash(article_url)],
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_storing_everything_twice_changes_nothing(populated_db, sample):
    with open_db(populated_db) as conn:
        before = snapshot(conn)
        store_sample(conn, sample)
        assert snapshot(conn) == before


def test_each_upsert_is_idempotent_on_its_own(db_path, sample):
    writes = [
        ("feeds", lambda c: upsert_feeds(c, sample.feeds, run_id=RUN_ID)),
        ("feed_state", lambda c: save_feed_states(c, sample.states)),
        ("fetches", lambda c: record_fetches(c, RUN_ID, sample.fetches)),
        ("feed_items", lambda c: upsert_feed_items(c, RUN_ID, sample.items)),
        ("articles", lambda c: upsert_articles(c, RUN_ID, sample.articles)),
        ("events", lambda c: replace_events(c, RUN_ID, sample.events_by_article)),
        ("runs", lambda c: finish_run(c, sample.summary)),
    ]
    with open_db(db_path) as conn:
        for table, write in writes:
            write(conn)
            once = snapshot(conn)
            write(conn)
            assert snapshot(conn) == once, table
            assert table_counts(conn)[table] > 0, table


def test_feed_items_count_new_and_keep_one_row_per_feed(db_path, sample):
    with open_db(db_path) as conn:
        assert upsert_feed_items(conn, RUN_ID, sample.items) == 4
        assert upsert_feed_items(conn, "run-0002", sample.items) == 0
        extra = FeedItem("wire", "https://wire.example/new", None, "New", None, None)
        assert upsert_feed_items(conn, "run-0002", [*sample.items, extra, extra]) == 1
        first_run, last_run = conn.execute(
            "SELECT first_run_id, last_run_id FROM feed_items WHERE feed_name = 'wire' AND url = ?",
            [SHARED_URL],
        ).fetchone()
        assert (first_run, last_run) == (RUN_ID, "run-0002")
        assert upsert_feed_items(conn, RUN_ID, []) == 0


def test_an_item_in_two_feeds_is_two_items_and_one_article(populated_db):
    with open_db(populated_db) as conn:
        feeds = conn.execute(
            "SELECT feed_name FROM feed_items WHERE url_hash = ? ORDER BY feed_name",
            [url_hash(SHARED_URL)],
        ).fetchall()
        assert feeds == [("local",), ("wire",)]
        # The second feed delivers the same page: still one article, first feed kept.
        upsert_articles(conn, "run-0002", [make_article(SHARED_URL, "local")])
        rows = conn.execute(
            "SELECT feed_name FROM articles WHERE url_hash = ?", [url_hash(SHARED_URL)]
        ).fetchall()
        assert rows == [("wire",)]


def test_duplicate_keys_in_one_batch_keep_the_last_record(db_path):
    with open_db(db_path) as conn:
        upsert_articles(
            conn,
            RUN_ID,
            [make_article(LOCAL_URL, title="first"), make_article(LOCAL_URL, title="second")],
        )
        assert conn.execute("SELECT title FROM articles").fetchall() == [("second",)]
        stamp = datetime(2024, 1, 1, tzinfo=UTC)
        fetch = FetchRecord("article", LOCAL_URL, "local", stamp, 200, 1, 1.0, "ok")
        record_fetches(conn, RUN_ID, [fetch, fetch])
        assert table_counts(conn)["fetches"] == 1


def test_raw_html_round_trips_through_compression(db_path):
    # Not valid UTF-8 on purpose: the page is kept byte for byte.
    html = (b"<html><head><meta charset='windows-1256'></head><body>"
            + b"<p>\xc8\xdb\xcf\xc7\xcf</p>" * 2000 + b"</body></html>" + os.urandom(64))
    article = make_article(LOCAL_URL, html=html)
    with open_db(db_path) as conn:
        upsert_articles(conn, RUN_ID, [article])
        assert article_html(conn, article.url_hash) == html
        stored, codec, size = conn.execute(
            "SELECT octet_length(html_compressed), html_codec, html_bytes FROM articles"
        ).fetchone()
        assert codec == "zlib" and size == len(html) and stored < len(html) / 10
        assert article_html(conn, "0" * 40) is None


def test_skipped_articles_get_a_row_and_never_overwrite_extracted_ones(populated_db):
    with open_db(populated_db) as conn:
        status, reason, text, html_size = conn.execute(
            "SELECT status, skip_reason, text, html_bytes FROM articles WHERE url = ?",
            [SKIPPED_URL],
        ).fetchone()
        assert (status, reason, text, html_size) == ("skipped", "not_html", "", 8)

        failed = make_article(SHARED_URL, text="", html=b"", skip_reason="fetch_error")
        upsert_articles(conn, "run-0002", [failed])
        assert conn.execute(
            "SELECT status, skip_reason, run_id FROM articles WHERE url = ?", [SHARED_URL]
        ).fetchone() == ("extracted", None, RUN_ID)

        recovered = make_article(SKIPPED_URL, text="Now readable. " * 30)
        upsert_articles(conn, "run-0002", [recovered])
        assert conn.execute(
            "SELECT status, skip_reason, run_id FROM articles WHERE url = ?", [SKIPPED_URL]
        ).fetchone() == ("extracted", None, "run-0002")


def test_article_without_text_or_reason_is_skipped_as_no_text(db_path):
    with open_db(db_path) as conn:
        upsert_articles(conn, RUN_ID, [make_article(LOCAL_URL, text="")])
        assert conn.execute("SELECT status, skip_reason FROM articles").fetchone() == (
            "skipped",
            "no_text",
        )


def test_articles_with_the_same_text_link_to_the_first_stored(populated_db):
    copy_url = "https://mirror.example/wire-copy"
    original = make_article(SHARED_URL)
    with open_db(populated_db) as conn:
        upsert_articles(conn, "run-0002", [make_article(copy_url, "local", text=original.text)])
        links = dict(conn.execute("SELECT url, duplicate_of FROM articles").fetchall())
        assert links[copy_url] == url_hash(SHARED_URL)
        assert links[SHARED_URL] is None and links[LOCAL_URL] is None


def test_replace_events_replaces_an_articles_events(populated_db):
    shared = url_hash(SHARED_URL)
    with open_db(populated_db) as conn:
        other_before = events_of(conn, LOCAL_URL)
        retagged = [
            make_event(f"{shared}-1", doc_id=shared, fatalities=5),  # changed
            make_event(f"{shared}-3", doc_id=shared, sub_event_type="shelling_artillery_missile"),
        ]
        assert replace_events(conn, "run-0002", {shared: retagged}) == 2
        after = events_of(conn, SHARED_URL)
        assert set(after) == {f"{shared}-1", f"{shared}-3"}  # -2 removed
        assert after[f"{shared}-1"][:2] == ("air_drone_strike", 5)
        assert after[f"{shared}-1"][2] == "run-0002"
        assert events_of(conn, LOCAL_URL) == other_before  # other articles untouched

        assert replace_events(conn, "run-0003", {shared: []}) == 0
        assert events_of(conn, SHARED_URL) == {}
        assert replace_events(conn, "run-0003", {}) == 0


def test_retagging_with_the_same_events_changes_nothing(populated_db, sample):
    with open_db(populated_db) as conn:
        before = snapshot(conn)
        replace_events(conn, "run-0002", sample.events_by_article)
        assert snapshot(conn) == before  # run_id and stored_at kept too


def test_event_ids_must_be_unique_across_articles(populated_db):
    shared, local = url_hash(SHARED_URL), url_hash(LOCAL_URL)
    with open_db(populated_db) as conn:
        before = snapshot(conn)
        with pytest.raises(TerminalError, match="unique across articles"):
            replace_events(conn, "run-0002", {local: [make_event(f"{shared}-1")]})
        with pytest.raises(TerminalError, match="unique across articles"):
            replace_events(conn, "run-0002", {local: [make_event("x")], shared: [make_event("x")]})
        assert snapshot(conn) == before
        # Moving an id between two articles re-tagged together is fine.
        assert replace_events(conn, "run-0002", {shared: [], local: [make_event(f"{shared}-1")]})
        assert set(events_of(conn, LOCAL_URL)) == {f"{shared}-1"}


def test_run_summary_counts_are_stored(populated_db, sample):
    with open_db(populated_db) as conn:
        (run,) = latest_runs(conn)
    assert run["run_id"] == RUN_ID and run["flow_name"] == "ingest"
    assert run["status"] == "completed"
    assert run["parameters"] == sample.parameters
    assert run["duration_s"] == pytest.approx(42.0)
    for name in ("feeds_polled", "feeds_failed", "items_seen", "items_new", "articles_fetched",
                 "articles_extracted", "articles_skipped", "events_found"):
        assert run[name] == getattr(sample.summary, name), name
    assert run["skips_by_reason"] == {"not_html": 1}
    assert run["per_feed"] == sample.summary.per_feed


def test_run_lifecycle_from_running_to_finished(db_path):
    with open_db(db_path) as conn:
        start_run(conn, "run-x", "retag", NOW, {"since": "2024-01-01"})
        start_run(conn, "run-x", "retag", NOW + timedelta(seconds=5), {})  # retried start
        (run,) = latest_runs(conn)
        assert (run["status"], run["finished_at"], run["parameters"]) == (
            "running", None, {"since": "2024-01-01"})
        finish_run(conn, RunSummary("run-x", NOW, NOW + timedelta(seconds=3), events_found=7,
                                    status="completed"))
        (run,) = latest_runs(conn)
        assert (run["status"], run["events_found"], run["flow_name"]) == ("completed", 7, "retag")
        # finish without start still records the run
        finish_run(conn, RunSummary("run-y", NOW + timedelta(hours=1), status="failed"))
        assert [r["run_id"] for r in latest_runs(conn)] == ["run-y", "run-x"]


def test_bulk_batches_load_completely(db_path):
    # Speed is measured in benchmarks/, not here: this checks large batches land whole.
    n = 20_000
    start = NOW - timedelta(days=1)
    fetches = [
        FetchRecord("article", f"https://bulk.example/{i}", "wire",
                    start + timedelta(milliseconds=i), 200, 1000, 10.0, "ok")
        for i in range(n)
    ]
    articles = [make_article(f"https://bulk.example/{i}", html=b"") for i in range(2_000)]
    events = {
        a.url_hash: [make_event(f"{a.url_hash}-{k}") for k in range(5)] for a in articles
    }
    with open_db(db_path) as conn:
        record_fetches(conn, RUN_ID, fetches)
        upsert_articles(conn, RUN_ID, articles)
        assert replace_events(conn, RUN_ID, events) == 10_000
        counts = table_counts(conn)
    assert (counts["fetches"], counts["articles"], counts["events"]) == (n, 2_000, 10_000)


def test_writes_grouped_in_one_transaction_commit_or_roll_back_together(db_path, sample):
    with open_db(db_path) as conn:
        with pytest.raises(RuntimeError), transaction(conn):
            upsert_articles(conn, RUN_ID, sample.articles)
            replace_events(conn, RUN_ID, sample.events_by_article)
            raise RuntimeError("the flow failed half-way")
        assert table_counts(conn)["articles"] == table_counts(conn)["events"] == 0
        with transaction(conn):
            upsert_articles(conn, RUN_ID, sample.articles)
            replace_events(conn, RUN_ID, sample.events_by_article)
        assert table_counts(conn)["events"] == 3
