"""Records for storage tests: a small, consistent set (three feeds, a story listed by two of
them, a skipped page, current and background events) and helpers to store and compare them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

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
from storage import (
    finish_run,
    record_fetches,
    replace_events,
    save_feed_states,
    start_run,
    upsert_articles,
    upsert_feed_items,
    upsert_feeds,
)

RUN_ID = "run-0001"
NOW = datetime.now(UTC).replace(microsecond=0)
PUBLISHED = NOW - timedelta(hours=3)
SHARED_URL = "https://wire.example/iraq/2024/airstrike-near-tuz"
LOCAL_URL = "https://local.example/news/protest-basra"
SKIPPED_URL = "https://local.example/files/report.pdf"
# GeoNames ids of the sample places, as taggers/data/places.tsv has them
TUZ_GEONAMES_ID = 90026
BASRA_GEONAMES_ID = 99532


@dataclass
class Sample:
    feeds: list[FeedSource]
    states: list[FeedState]
    fetches: list[FetchRecord]
    items: list[FeedItem]
    articles: list[Article]
    events_by_article: dict[str, list[Event]]
    summary: RunSummary
    parameters: dict = field(default_factory=lambda: {"feeds_file": "config/feeds.toml"})


def make_event(event_id: str, **overrides) -> Event:
    values = {
        "doc_id": None,
        "event_id": event_id,
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "air_drone_strike",
        "actor1": "Iraqi Air Force",
        "actor1_type": "state_forces",
        "actor2": "Islamic State",
        "country": "IRQ",
        "admin1": "Salah al-Din",
        "admin1_code": "IQ-SD",
        "location": "Tuz Khurmatu",
        "latitude": 34.88,
        "longitude": 44.63,
        "geo_precision": 1,
        "event_date": PUBLISHED.date() - timedelta(days=1),
        "date_precision": "day",
        "date_text": "on Monday",
        "fatalities": 4,
        "evidence": "Four militants were killed in an airstrike near Tuz Khurmatu on Monday.",
        "char_start": 0,
        "char_end": 72,
        "confidence": 0.9,
        "rule_id": "strike.air.killed",
        "tagger_version": "rules-0.1",
    }
    values.update(overrides)
    return Event(**values)


def make_article(url: str, feed_name: str = "wire", **overrides) -> Article:
    values = {
        "url": url,
        "feed_name": feed_name,
        "title": f"Story at {url}",
        "authors": ("A. Writer",),
        "published": PUBLISHED,
        "language": "en",
        "text": f"Body of {url}. " * 30,
        "site_name": "Example",
        "extractor_version": "trafilatura-2.3.1",
        "html": f"<html><body><p>Body of {url}.</p></body></html>".encode(),
        "country_hint": "IRQ",
    }
    values.update(overrides)
    return Article(**values)


def sample_records() -> Sample:
    feeds = [
        FeedSource("wire", "https://wire.example/rss", country="IRQ", language="en"),
        FeedSource("local", "https://local.example/atom", country="IRQ", language="en"),
        FeedSource("dead", "https://dead.example/rss", enabled=True),
    ]
    fetches = [
        FetchRecord("feed", "https://wire.example/rss", "wire", NOW, 200, 5120, 35.0, "ok"),
        FetchRecord("feed", "https://local.example/atom", "local", NOW, 200, 2048, 20.0, "bozo",
                    "undefined entity"),
        FetchRecord("feed", "https://dead.example/rss", "dead", NOW, None, 0, 5000.0, "error",
                    "connect timeout"),
        FetchRecord("article", SHARED_URL, "wire", NOW, 200, 30000, 120.0, "ok"),
        FetchRecord("article", SKIPPED_URL, "local", NOW, 200, 90000, 80.0, "skipped", "not_html"),
    ]
    states = [
        FeedState("wire", etag='"abc"', last_success_at=NOW),
        FeedState("local", last_modified="Mon, 01 Jan 2024 00:00:00 GMT", last_success_at=NOW),
        FeedState("dead", consecutive_failures=2, next_poll_at=NOW + timedelta(minutes=30)),
    ]
    items = [
        FeedItem("wire", SHARED_URL, "wire-1", "Airstrike near Tuz", PUBLISHED, "<p>Strike</p>",
                 ("A. Writer",)),
        FeedItem("local", SHARED_URL, None, "Airstrike near Tuz Khurmatu", None, None),
        FeedItem("local", LOCAL_URL, "local-7", "Protest in Basra", PUBLISHED, "Protest"),
        FeedItem("local", SKIPPED_URL, None, "Annual report", None, None),
    ]
    articles = [
        make_article(SHARED_URL, "wire"),
        make_article(LOCAL_URL, "local", title="Protest in Basra"),
        make_article(SKIPPED_URL, "local", text="", html=b"%PDF-1.7", skip_reason="not_html"),
    ]
    shared, local = url_hash(SHARED_URL), url_hash(LOCAL_URL)
    events_by_article = {
        shared: [
            make_event(f"{shared}-1", doc_id=shared, geonames_id=TUZ_GEONAMES_ID),
            make_event(
                f"{shared}-2",
                doc_id=shared,
                geonames_id=TUZ_GEONAMES_ID,
                event_type="Battles",
                sub_event_type="armed_clash",
                event_date=date(2014, 6, 11),
                date_precision="month",
                date_text="in June 2014",
                historical=True,
                fatalities=None,
                evidence="The town was overrun in June 2014.",
                rule_id="battle.overrun",
            ),
        ],
        local: [
            make_event(
                f"{local}-1",
                doc_id=local,
                event_type="Protests",
                sub_event_type="peaceful_protest",
                actor1="Protesters",
                actor1_type="protesters",
                actor2=None,
                admin1="Basra",
                admin1_code="IQ-BA",
                location="Basra",
                geonames_id=BASRA_GEONAMES_ID,
                fatalities=0,
                evidence="Hundreds protested in Basra over power cuts.",
                rule_id="protest.peaceful",
            )
        ],
        url_hash(SKIPPED_URL): [],
    }
    summary = RunSummary(
        run_id=RUN_ID,
        started_at=NOW,
        finished_at=NOW + timedelta(seconds=42),
        feeds_polled=3,
        feeds_failed=1,
        items_seen=4,
        items_new=4,
        articles_fetched=3,
        articles_extracted=2,
        articles_skipped=1,
        events_found=3,
        skips_by_reason={"not_html": 1},
        per_feed={"wire": {"items": 1, "new": 1}, "local": {"items": 3, "new": 3}},
        status="completed",
    )
    return Sample(feeds, states, fetches, items, articles, events_by_article, summary)


def store_sample(conn, sample: Sample, run_id: str = RUN_ID) -> None:
    """Store a sample the way the ingest flow does, stage by stage."""
    start_run(conn, run_id, "ingest", sample.summary.started_at, sample.parameters)
    upsert_feeds(conn, sample.feeds, run_id=run_id)
    record_fetches(conn, run_id, sample.fetches)
    save_feed_states(conn, sample.states, run_id=run_id)
    upsert_feed_items(conn, run_id, sample.items)
    upsert_articles(conn, run_id, sample.articles)
    replace_events(conn, run_id, sample.events_by_article)
    finish_run(conn, sample.summary)


def snapshot(conn) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: equal snapshots mean nothing changed."""
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    ]
    return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in tables}
