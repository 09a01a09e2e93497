"""Maintenance: raw-HTML retention keeps text and events; exports mirror the analyst views."""

from __future__ import annotations

from datetime import timedelta

import pyarrow.parquet as pq

from storage import (
    article_html,
    cluster_incidents,
    open_analyst,
    open_db,
    publish_analyst_copy,
    run_query,
    upsert_articles,
)
from storage.maintenance import analyst_views, drop_raw_html, export_views
from tests.storage.storage_samples import NOW, SHARED_URL, make_article, snapshot


def test_drop_raw_html_keeps_text_and_is_idempotent(populated_db):
    recent = make_article("https://wire.example/fresh")
    with open_db(populated_db) as conn:
        cutoff = conn.execute("SELECT max(first_seen_at) FROM articles").fetchone()[0] + timedelta(microseconds=1)
        texts = dict(run_query(conn, "SELECT url, text FROM articles")[1])
        assert drop_raw_html(conn, cutoff) == 3  # the skipped PDF had its bytes kept too
        assert drop_raw_html(conn, cutoff) == 0
        assert article_html(conn, make_article(SHARED_URL).url_hash) == b""
        assert dict(run_query(conn, "SELECT url, text FROM articles")[1]) == texts
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (3,)
        # an article stored after the cutoff keeps its page
        upsert_articles(conn, "run-2", [recent])
        assert drop_raw_html(conn, NOW - timedelta(days=1)) == 0
        assert article_html(conn, recent.url_hash) == recent.html


def test_export_views_from_the_analyst_copy(populated_db, tmp_path):
    with open_db(populated_db) as conn:
        cluster_incidents(conn, "run-0001")
        before = snapshot(conn)
    copy = tmp_path / "analyst.duckdb"
    publish_analyst_copy(populated_db, copy, full_text=False)
    exports = tmp_path / "exports"
    with open_analyst(copy, full_text=False) as conn:
        rows = export_views(conn, exports)
        views = analyst_views(conn)
        expected = {v: conn.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in views}
    assert rows == expected and set(views) >= {"v_incidents", "v_mentions", "v_daily_by_admin1"}
    assert sorted(p.name for p in exports.iterdir()) == sorted(f"{v}.parquet" for v in views)
    assert pq.read_table(exports / "v_incidents.parquet").num_rows == rows["v_incidents"] == 2
    with open_db(populated_db) as conn:
        assert snapshot(conn) == before  # exporting wrote nothing to the pipeline's file
