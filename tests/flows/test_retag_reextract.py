"""The real retag and reextract flows under prefect_test_harness, on a database built by the
ingest flow from the demo site (127.0.0.1): idempotent, faithful to ingest, and a rule change
shows up in the events."""

from __future__ import annotations

import shutil
from datetime import UTC
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT
from extractors.demo_site import DemoSite
from flows import stages
from storage import reads
from storage.db import open_db

pytestmark = pytest.mark.flow

REMOVED_RULE = "air_drone_strike.airstrike"


@pytest.fixture(scope="module")
def ingested_db(prefect_harness, tmp_path_factory) -> Path:
    """A database after one ingest run of the demo site (shared: copy it before changing it)."""
    from flows.ingest import ingest

    folder = tmp_path_factory.mktemp("demo-db")
    db = folder / "events.duckdb"
    with DemoSite() as site:
        feeds = folder / "feeds.toml"
        feeds.write_text("".join(f'[[feed]]\nname = "{s.name}"\nurl = "{s.url}"\n\n' for s in site.feed_sources()))
        summary = ingest(feeds_file=str(feeds), db_path=str(db), allow_private_networks=True, per_host_delay=0.0)
    assert summary["articles_extracted"] >= 24
    return db


@pytest.fixture
def db(ingested_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "events.duckdb"
    shutil.copyfile(ingested_db, copy)
    return copy


def snapshot(db: Path) -> dict:
    """Row counts, events and articles as stored (lineage columns included)."""
    with open_db(db, read_only=True) as conn:
        counts = reads.table_counts(conn)
        # lineage columns last, whatever order migrations added the others in
        _, events = reads.run_query(conn, "SELECT * EXCLUDE (rule_id, tagger_version, run_id, stored_at), "
                                          "rule_id, tagger_version, run_id, stored_at FROM events ORDER BY event_id")
        _, articles = reads.run_query(
            conn, "SELECT * EXCLUDE (html_compressed) FROM articles ORDER BY url_hash")
        _, runs = reads.run_query(conn, "SELECT run_id, flow_name, status, parameters FROM runs ORDER BY started_at")
    counts.pop("runs")  # every run adds its own row, by design
    return {"counts": counts, "events": events, "articles": articles, "runs": runs}


def test_retag_reproduces_ingest_and_changes_nothing_when_run_again(db):
    from flows.retag import retag

    before = snapshot(db)
    first = retag(db_path=str(db))
    after_first = snapshot(db)
    second = retag(db_path=str(db))
    after_second = snapshot(db)

    assert first["articles_extracted"] >= 24 and first["events_found"] == len(before["events"])
    assert second["events_found"] == first["events_found"]
    # same rules as ingest: not a row written, not even run_id or stored_at
    assert after_first["events"] == before["events"]
    assert after_second["events"] == before["events"] and after_second["articles"] == before["articles"]
    assert after_second["counts"] == before["counts"]
    run_id, flow_name, status, parameters = after_second["runs"][-1]
    assert (run_id, flow_name, status) == (second["run_id"], "retag", "completed")
    assert '"rules_digest"' in parameters and '"tagger_version"' in parameters


def test_a_removed_rule_changes_events_on_retag_and_restoring_it_restores_them(db, tmp_path):
    from flows.retag import retag

    rules = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / "taggers" / "rules", rules)
    triggers = rules / "triggers.toml"
    blocks = triggers.read_text(encoding="utf-8").split("[[trigger]]\n")
    kept = [b for b in blocks if not b.startswith(f'id = "{REMOVED_RULE}"')]
    assert len(kept) == len(blocks) - 1
    triggers.write_text("[[trigger]]\n".join(kept), encoding="utf-8")

    before = snapshot(db)
    rule_ids = {row[-4] for row in before["events"]}  # rule_id column (then tagger_version, run_id, stored_at)
    assert REMOVED_RULE in rule_ids

    without = retag(db_path=str(db), rules_dir=str(rules))
    changed = snapshot(db)
    assert REMOVED_RULE not in {row[-4] for row in changed["events"]}
    assert changed["events"] != before["events"]
    restored = retag(db_path=str(db))
    assert restored["tagger"]["rules_digest"] != without["tagger"]["rules_digest"]
    after = snapshot(db)
    key = [(row[0], row[1:-2]) for row in after["events"]]  # every column but run_id, stored_at
    assert key == [(row[0], row[1:-2]) for row in before["events"]]
    assert after["counts"] == before["counts"]


def test_retag_of_one_source_touches_only_its_articles(db):
    from flows.retag import retag

    summary = retag(db_path=str(db), source="tigris", since="2000-01-01")
    with open_db(db, read_only=True) as conn:
        _, rows = reads.run_query(conn, "SELECT count(*) FROM articles WHERE status = 'extracted' AND url_hash IN "
                                        "(SELECT url_hash FROM feed_items WHERE feed_name = 'tigris')")
        _, everything = reads.run_query(conn, "SELECT count(*) FROM articles WHERE status = 'extracted'")
    # the articles the tigris feed lists, whichever feed brought them first
    assert 0 < summary["articles_extracted"] + summary["articles_skipped"] == rows[0][0] < everything[0][0]
    assert "tigris" in summary["per_feed"]
    assert retag(db_path=str(db), since="2999-01-01")["articles_extracted"] == 0


def test_reextract_reproduces_ingest_and_changes_nothing_when_run_again(db):
    from flows.reextract import reextract

    before = snapshot(db)
    first = reextract(db_path=str(db))
    after_first = snapshot(db)
    second = reextract(db_path=str(db))
    after_second = snapshot(db)

    # nothing changed in what the tagger reads, so nothing was tagged again
    assert first["articles_extracted"] >= 24
    assert sum(c.get("changed", 0) for c in first["per_feed"].values()) == 0
    assert first["events_found"] == second["events_found"] == 0
    assert after_first["events"] == before["events"] == after_second["events"]
    assert after_first["counts"] == before["counts"] == after_second["counts"]
    # the first run only filled in the fingerprints; the second wrote nothing
    assert after_second["articles"] == after_first["articles"]
    with open_db(db, read_only=True) as conn:
        _, missing = reads.run_query(
            conn, "SELECT count(*) FROM articles WHERE status = 'extracted' AND simhash IS NULL")
    assert missing == [(0,)]


def test_reextract_rebuilds_a_stale_text_and_tags_it_again(db):
    from flows.reextract import reextract

    before = snapshot(db)
    with open_db(db) as conn:
        _, rows = reads.run_query(
            conn, "SELECT url_hash FROM events GROUP BY url_hash ORDER BY count(*) DESC, url_hash LIMIT 1")
        (stale,) = rows[0]
        # what an older extractor might have left: other text, no events
        reads.run_query(conn, "UPDATE articles SET text = 'Older extractor output.', text_sha1 = 'old', "
                              f"extractor_version = 'old-0' WHERE url_hash = '{stale}'")
        reads.run_query(conn, f"DELETE FROM events WHERE url_hash = '{stale}'")

    summary = reextract(db_path=str(db))
    after = snapshot(db)

    assert sum(c.get("changed", 0) for c in summary["per_feed"].values()) == 1
    assert summary["events_found"] == sum(1 for row in before["events"] if row[1] == stale)
    restored = {row[0] for row in after["events"] if row[1] == stale}
    assert restored == {row[0] for row in before["events"] if row[1] == stale}
    assert after["counts"] == before["counts"]
    with open_db(db, read_only=True) as conn:
        _, rows = reads.run_query(conn, f"SELECT extractor_version, run_id FROM articles WHERE url_hash = '{stale}'")
    assert rows == [(summary["extractor_version"], summary["run_id"])]


def test_the_store_stage_links_a_syndicated_copy_to_the_story_stored_first(tmp_path):
    # no Prefect here: the stage function the ingest and reextract flows call
    from datetime import UTC, datetime

    from core.records import Article
    from core.settings import load_settings

    settings = load_settings(environ={}, db_path=tmp_path / "events.duckdb")
    story = (PROJECT_ROOT / "demo" / "articles" / "dw-001-iraq-airstrike-hamrin.txt").read_text(encoding="utf-8")
    other = (PROJECT_ROOT / "demo" / "articles" / "td-006-iraq-basra-power-protest.txt").read_text(encoding="utf-8")
    copy = story.replace("\n\n", "\n\nCopyright our partners.\n\n", 1) + "\n(Reporting by the wire; editing by us)\n"

    def article(url: str, text: str) -> Article:
        return Article(url=url, feed_name="wire", title="t", authors=(), published=datetime(2026, 11, 19, tzinfo=UTC),
                       language="en", text=text, site_name=None, extractor_version="test")

    original = article("https://wire.example/story", story)
    stages.store(settings, "run-1", [], [], [], [original], {})
    later = [article("https://client.example/copy", copy), article("https://other.example/news", other)]
    stages.store(settings, "run-2", [], [], [], later, {})
    stages.store(settings, "run-3", [], [], [], later, {})  # again: nothing changes

    with open_db(settings.db_path, read_only=True) as conn:
        _, rows = reads.run_query(
            conn, "SELECT url, duplicate_of, simhash IS NOT NULL, run_id FROM articles ORDER BY url")
    assert rows == [
        ("https://client.example/copy", original.url_hash, True, "run-2"),
        ("https://other.example/news", None, True, "run-2"),
        ("https://wire.example/story", None, True, "run-1"),
    ]


def test_retag_reads_the_publishers_day_so_relative_dates_do_not_move(tmp_path):
    # no Prefect here: the stage functions the ingest and retag flows call
    from datetime import UTC, date, datetime

    from core.records import Article
    from core.settings import load_settings
    from flows.retag import read_articles

    settings = load_settings(environ={}, db_path=tmp_path / "events.duckdb")
    # 03:00 UTC on Thursday 19 November is still Wednesday evening in New York
    article = Article(url="https://wire.example/late", feed_name="wire", title="t", authors=(),
                      published=datetime(2026, 11, 19, 3, 0, tzinfo=UTC), language="en",
                      text="Gunmen killed two police officers at a checkpoint in Tikrit yesterday, officials said.",
                      site_name=None, extractor_version="test", published_local_date=date(2026, 11, 18),
                      content_type="text/html; charset=windows-1256")
    ingested = stages.tag(settings, [article])[article.url_hash]
    stages.store(settings, "run-1", [], [], [], [article], {article.url_hash: ingested})
    stored = read_articles(settings, None, None, after="")
    assert [a.published_local_date for a in stored] == [date(2026, 11, 18)]
    retagged = stages.tag(settings, stored)[article.url_hash]
    assert [e.event_date for e in retagged] == [e.event_date for e in ingested] == [date(2026, 11, 17)]
    with open_db(settings.db_path, read_only=True) as conn:
        _, rows = reads.run_query(conn, "SELECT published_local_date, content_type FROM articles")
    assert rows == [(date(2026, 11, 18), "text/html; charset=windows-1256")]


def test_reextract_hands_back_the_feed_time_in_the_offset_the_feed_wrote(tmp_path):
    # 00:16 on 29 June in a +03:00 feed is 21:16 UTC on the 28th: the publisher's day is the 29th
    from datetime import date, datetime, timedelta, timezone

    from core.records import FeedItem, FetchRecord, Page
    from core.settings import load_settings
    from extractors.articles import extract_article
    from flows.reextract import read_stored_pages, stored_page
    from storage import writes

    settings = load_settings(environ={}, db_path=tmp_path / "events.duckdb")
    written = datetime(2020, 6, 29, 0, 16, tzinfo=timezone(timedelta(hours=3)))
    url = "https://news.example.com/story"  # .com: no national zone to fall back on
    item = FeedItem(feed_name="wire", url=url, guid="g", title="Gunmen kill two police officers in Tikrit",
                    published=written, summary=None)
    body = ("<html><head><title>t</title></head><body><article><p>"
            + "Gunmen killed two police officers at a checkpoint in Tikrit yesterday, officials said. " * 8
            + "</p></article></body></html>").encode()
    record = FetchRecord(kind="article", url=url, feed_name="wire", started_at=datetime(2020, 6, 29, 6, tzinfo=UTC),
                         status=200, n_bytes=len(body), duration_ms=1.0, outcome="ok")
    ingested = extract_article(Page(item=item, final_url=url, status=200, content_type="text/html", body=body,
                                    record=record), settings)
    assert ingested.published_local_date == date(2020, 6, 29)
    stages.store(settings, "run-1", [], [], [record], [ingested], {})
    with open_db(settings.db_path) as conn:
        writes.upsert_feed_items(conn, "run-1", [item])

    (row,) = read_stored_pages(settings, None, None, after="")
    page = stored_page(row)
    assert page.item.published == written and page.item.published.utcoffset() == timedelta(hours=3)
    assert extract_article(page, settings).published_local_date == date(2020, 6, 29)
