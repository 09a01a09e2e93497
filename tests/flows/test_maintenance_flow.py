"""The nightly maintenance flow under prefect_test_harness, on a DuckDB written through
storage.writes: raw HTML past retention is dropped (text stays), the analyst copy is published
with a full-text index that answers a search, the Parquet exports match the views, and a
second run changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow.parquet as pq
import pytest

from core.records import Article, RunSummary
from storage import reads, writes
from storage.db import open_db
from storage.publish import open_analyst

pytestmark = pytest.mark.flow

ARTICLES = [
    Article(url=f"https://wire.example/news/{slug}", feed_name="wire", title=title, authors=(),
            published=datetime(2026, 11, 20, 8, tzinfo=UTC), language="en", text=text, site_name="Wire",
            extractor_version="test", html=f"<html><body><p>{text}</p></body></html>".encode())
    for slug, title, text in [
        ("airstrike", "Airstrike near Tuz Khurmatu",
         "Iraqi warplanes struck an Islamic State hideout in the Hamrin mountains on Monday, killing four."),
        ("protest", "Teachers protest in Sulaymaniyah",
         "Hundreds of teachers protested unpaid salaries outside the governorate building in Sulaymaniyah."),
    ]
]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "maintenance.duckdb"
    with open_db(path) as conn:
        writes.start_run(conn, "r1", "ingest", datetime.now(UTC), {})
        writes.upsert_articles(conn, "r1", ARTICLES)
        writes.finish_run(conn, RunSummary(run_id="r1", started_at=datetime.now(UTC), finished_at=datetime.now(UTC),
                                           status="completed", feeds_polled=1, articles_extracted=2))
    return path


def test_maintenance_drops_old_html_publishes_a_searchable_copy_and_exports(prefect_harness, db, tmp_path):
    from flows.maintenance import maintenance

    exports = tmp_path / "exports"
    # retention 0 days: everything stored before now has expired
    first = maintenance(db_path=str(db), raw_html_retention_days=0, export_dir=str(exports))
    second = maintenance(db_path=str(db), raw_html_retention_days=0, export_dir=str(exports))

    assert first["html_dropped"] == 2 and second["html_dropped"] == 0
    assert first["full_text_index"] is True
    assert first["analyst_copy"] == str(tmp_path / "maintenance-analyst.duckdb")
    with open_db(db, read_only=True) as conn:
        for article in ARTICLES:
            assert reads.article_html(conn, article.url_hash) == b""
        texts = dict(reads.run_query(conn, "SELECT url, text FROM articles")[1])
        runs = {r["run_id"]: r for r in reads.latest_runs(conn)}
    assert texts == {a.url: a.text for a in ARTICLES}  # the text stays
    assert {r["flow_name"] for r in runs.values()} == {"ingest", "maintenance"}
    assert runs[first["run_id"]]["status"] == runs[second["run_id"]]["status"] == "completed"

    with open_analyst(first["analyst_copy"]) as copy:
        _, hits = reads.run_query(copy, "SELECT url FROM (SELECT url, fts_main_articles.match_bm25(url_hash, "
                                        "'teachers salaries') AS score FROM articles) WHERE score IS NOT NULL")
        view_rows = {v: reads.run_query(copy, f"SELECT count(*) FROM {v}")[1][0][0] for v in second["exported_rows"]}
    assert hits == [("https://wire.example/news/protest",)]
    assert sorted(exports.glob("*.parquet")) == sorted(exports / f"{v}.parquet" for v in view_rows)
    assert not list(exports.glob(".*"))  # no partial file left behind
    for view, rows in view_rows.items():
        assert pq.read_table(exports / f"{view}.parquet").num_rows == rows == second["exported_rows"][view]
