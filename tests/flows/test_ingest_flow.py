"""The real ingest flow under prefect_test_harness, against the demo site on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.demo_site import DemoSite
from storage import reads
from storage.db import open_db

pytestmark = pytest.mark.flow


def _feeds_file(tmp_path: Path, site: DemoSite, extra: str = "") -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text("".join(f'[[feed]]\nname = "{s.name}"\nurl = "{s.url}"\n\n' for s in site.feed_sources()) + extra)
    return path


def test_ingest_demo_corpus_is_complete_and_idempotent(prefect_harness, tmp_path):
    from flows.ingest import ingest

    db = tmp_path / "events.duckdb"
    broken = (
        '[[feed]]\nname = "refused"\nurl = "http://127.0.0.1:9/feed.xml"\n\n'
        '[[feed]]\nname = "missing"\nurl = "{base}/feeds/nope.xml"\n'
    )
    with DemoSite() as site:
        feeds = _feeds_file(tmp_path, site, broken.replace("{base}", site.base_url))
        first = ingest(feeds_file=str(feeds), db_path=str(db), allow_private_networks=True, per_host_delay=0.0)
        with open_db(db, read_only=True) as conn:
            counts_first = reads.table_counts(conn)
            events = reads.recent_events(conn, limit=500)
            _, ((incidents, multi_source),) = reads.run_query(
                conn, "SELECT count(*), count(*) FILTER (WHERE n_sources > 1) FROM v_incidents")
            _, ((hawija,),) = reads.run_query(conn, "SELECT count(*) FROM gazetteer WHERE name = 'Hawija'")
        second = ingest(feeds_file=str(feeds), db_path=str(db), allow_private_networks=True, per_host_delay=0.0,
                        force=True)
        with open_db(db, read_only=True) as conn:
            counts_second = reads.table_counts(conn)

    assert 0 < incidents < len(events)  # mentions cluster into incidents
    assert multi_source >= 1  # the syndicated Tuz Khurmatu attack: two outlets, one incident
    assert hawija >= 1  # the analysts' gazetteer table is loaded
    assert first["feeds_polled"] == 5
    assert first["feeds_failed"] == 2, first["skips_by_reason"]
    assert first["articles_extracted"] >= 24
    assert first["events_found"] >= 15
    assert {"refused", "missing"} <= set(first["per_feed"])
    sub_types = {e["sub_event_type"] for e in events}
    assert {"air_drone_strike", "remote_explosive_landmine_ied", "suicide_bomb"} <= sub_types
    # the second run finds nothing new and leaves the same rows (fetch log and runs grow by design)
    assert second["feeds_polled"] == 5 and second["items_seen"] == first["items_seen"]
    assert second["items_new"] == 0 and second["articles_extracted"] == 0
    for table in ("articles", "events", "feed_items", "feeds", "incidents", "gazetteer"):
        assert counts_second[table] == counts_first[table], table
