"""A database built the way the pipeline builds it: the demo corpus served on 127.0.0.1, run
through the real stages (poll → select → fetch → extract → tag → store) without Prefect, then
incidents clustered and the tagger's gazetteer loaded. Used by the storage tests (the analyst
doc's example queries run against it) and by benchmarks/bench_storage.py."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from core.records import FeedSource, Page, RunSummary
from core.settings import load_settings
from extractors.articles import shutdown_workers
from extractors.demo_site import DemoSite
from flows import stages
from storage import cluster_incidents, finish_run, load_gazetteer_table, open_db, start_run
from taggers.gazetteer import Place, load_curated

DEMO_RUN_ID = "demo-run-1"


def gazetteer_rows() -> list[dict]:
    """The tagger's curated places (countries, admin1 regions, places) as
    ``load_gazetteer_table`` rows; the flow may load the compiled GeoNames rows too."""
    entries = load_curated()[1]  # (countries, [(spelling keys, place)], ...)
    return [place_row(place) for _, place in entries]


def place_row(place: Place) -> dict:
    return {
        "name": place.name, "kind": place.kind, "country": place.country, "admin1": place.admin1,
        "admin1_code": place.admin1_code, "admin2": place.admin2, "latitude": place.latitude,
        "longitude": place.longitude, "geonames_id": place.geonames_id, "population": place.population,
        "source": place.source,
    }


# A registered feed whose server refuses connections: feed health has something to report.
DEAD_FEED = FeedSource("silent-wire", "http://127.0.0.1:9/rss.xml", language="en")


def build_demo_database(db_path: Path, run_id: str = DEMO_RUN_ID, *, dead_feed: bool = True) -> RunSummary:
    """Ingest the demo corpus (and ``DEAD_FEED``) into ``db_path``; return the run's summary."""
    settings = load_settings(environ={}, db_path=db_path, allow_private_networks=True, per_host_delay=0.0)
    started = datetime.now(UTC)
    with open_db(db_path) as conn:
        start_run(conn, run_id, "ingest", started, {"corpus": "demo"})
    with DemoSite() as site:
        sources = site.feed_sources() + ([DEAD_FEED] if dead_feed else [])
        polls = stages.poll(settings, sources, stages.read_feed_states(settings), force=True)
        items = stages.select_new_items(settings, [p for p, _ in polls])
        fetched = stages.fetch(settings, items)
    pages = [f for f in fetched if isinstance(f, Page)]
    records = [f.record if isinstance(f, Page) else f for f in fetched]
    try:
        articles = stages.extract(settings, pages, {s.name: s.country for s in sources})
    finally:
        shutdown_workers()
    events = stages.tag(settings, articles)
    new_items = stages.store(settings, run_id, sources, polls, records, articles, events)
    summary = RunSummary(
        run_id=run_id, started_at=started, finished_at=datetime.now(UTC),
        feeds_polled=len(polls), feeds_failed=sum(1 for p, _ in polls if p.record.outcome == "error"),
        items_seen=sum(len(p.items) for p, _ in polls), items_new=new_items,
        articles_fetched=sum(1 for r in records if r.outcome == "ok"),
        articles_extracted=sum(1 for a in articles if not a.skip_reason),
        articles_skipped=sum(1 for a in articles if a.skip_reason),
        events_found=sum(len(v) for v in events.values()),
        skips_by_reason=dict(Counter(a.skip_reason for a in articles if a.skip_reason)),
        per_feed={s.name: {"items": sum(len(p.items) for p, _ in polls if p.source.name == s.name)}
                  for s in sources},
        status="completed",
    )
    with open_db(db_path) as conn:
        cluster_incidents(conn, run_id)  # a no-op once the flow's store stage clusters itself
        load_gazetteer_table(conn, gazetteer_rows(), version="demo")
        finish_run(conn, summary)
    return summary
