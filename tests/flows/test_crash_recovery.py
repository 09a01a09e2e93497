"""Crash safety of the ingest flow: the ingest process is SIGKILLed mid-fetch, mid-extraction,
inside a chunk's store transaction and inside the final one (feed items and state). Each time
the database must hold exactly the chunks committed before the kill, and one normal run later
it must equal the database of a run that was never interrupted: nothing lost, nothing twice.

Each run is a real ``ingest`` flow in its own process (against a Prefect server on loopback),
with chunks of 10 articles so that a kill lands between committed chunks. The process stops
itself at the kill point (it sleeps, telling the test where it is) and the test kills its
whole process group with SIGKILL: no handler, no ``finally``, no flush runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT
from extractors.demo_site import DemoSite
from storage import reads
from storage.db import open_db
from tests.flows.prefect_server import clean_env, running_server, stop_process_group

pytestmark = pytest.mark.e2e

CHUNK = 10
RUN_TIMEOUT = 180

# Runs the ingest flow; with a kill point, stops there and writes to the marker file the
# url_hashes of the articles whose chunk was committed before it.
DRIVER = r"""
import json, sys, time
point, feeds, db, marker = sys.argv[1:5]

import flows.ingest as ingest_module
from flows import stages
from storage import writes

ingest_module.CHUNK = int(sys.argv[5])
article_batches = []  # url_hashes given to each upsert_articles call, in order


def stop_here(in_flight=False):
    committed = article_batches[:-1] if in_flight else article_batches
    with open(marker + ".tmp", "w") as out:
        json.dump({"point": point, "committed": sorted(h for batch in committed for h in batch)}, out)
    import os
    os.replace(marker + ".tmp", marker)
    time.sleep(600)  # the test SIGKILLs us here


real_upsert_articles = writes.upsert_articles
def upsert_articles(conn, run_id, articles):
    article_batches.append([a.url_hash for a in articles])
    return real_upsert_articles(conn, run_id, articles)
writes.upsert_articles = upsert_articles

calls = {"fetch": 0, "extract": 0, "events": 0}
if point == "mid-fetch":  # second chunk: half its pages fetched, none stored
    real_fetch = stages.fetch_pages
    async def fetch_pages(client, items):
        calls["fetch"] += 1
        if calls["fetch"] == 2:
            await real_fetch(client, items[: len(items) // 2])
            stop_here()
        return await real_fetch(client, items)
    stages.fetch_pages = fetch_pages
elif point == "mid-extraction":  # second chunk: half its pages extracted
    real_extract = stages.extract_articles
    def extract_articles(pages, settings, *args, **kwargs):
        calls["extract"] += 1
        if calls["extract"] == 2:
            real_extract(pages[: len(pages) // 2], settings, *args, **kwargs)
            stop_here()
        return real_extract(pages, settings, *args, **kwargs)
    stages.extract_articles = extract_articles
elif point == "mid-chunk-write":  # second chunk's transaction: articles and events written, no commit
    real_replace_events = writes.replace_events
    def replace_events(conn, run_id, events):
        calls["events"] += 1
        result = real_replace_events(conn, run_id, events)
        if calls["events"] == 2:
            stop_here(in_flight=True)
        return result
    writes.replace_events = replace_events
elif point == "mid-final-write":  # last transaction: feed items written, feed state not yet
    real_save_feed_states = writes.save_feed_states
    def save_feed_states(conn, states, run_id=None):
        if states:  # chunk stores pass none
            stop_here()
        return real_save_feed_states(conn, states, run_id=run_id)
    writes.save_feed_states = save_feed_states
elif point != "none":
    raise SystemExit(f"unknown kill point {point}")

summary = ingest_module.ingest(feeds_file=feeds, db_path=db, allow_private_networks=True, per_host_delay=0.0)
print(json.dumps({"run_id": summary["run_id"], "articles_extracted": summary["articles_extracted"]}))
"""


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    with running_server(home) as api_url:
        yield home, api_url


@pytest.fixture(scope="module")
def demo_feeds(tmp_path_factory):
    with DemoSite() as site:
        path = tmp_path_factory.mktemp("feeds") / "feeds.toml"
        path.write_text("".join(f'[[feed]]\nname = "{s.name}"\nurl = "{s.url}"\n\n' for s in site.feed_sources()),
                        encoding="utf-8")
        yield path


def _ingest(prefect_api, feeds: Path, db: Path, point: str = "none") -> dict:
    """One ingest process; for a kill point, SIGKILL it there and return what it had committed."""
    home, api_url = prefect_api
    marker = db.with_suffix(f".{point}.json")
    log = db.with_suffix(f".{point}.log")
    argv = [sys.executable, "-c", DRIVER, point, str(feeds), str(db), str(marker), str(CHUNK)]
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=clean_env(home, api_url), stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:
            if point != "none" and marker.exists():
                os.killpg(process.pid, signal.SIGKILL)  # the process and its extraction workers
                process.wait(timeout=30)
                return json.loads(marker.read_text(encoding="utf-8"))
            if process.poll() is not None:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"ingest ({point}) still running after {RUN_TIMEOUT} s:\n{log.read_text()[-4000:]}")
    finally:
        stop_process_group(process, grace=5)
    output = log.read_text(encoding="utf-8")
    assert process.returncode == 0 and point == "none", (
        f"ingest ({point}) exited {process.returncode} before its kill point:\n{output[-4000:]}")
    return json.loads(output.strip().splitlines()[-1])


def _snapshot(db: Path) -> dict:
    with open_db(db, read_only=True) as conn:
        rows = reads.run_query
        return {
            "articles": set(rows(conn, "SELECT url_hash, status, skip_reason FROM articles")[1]),
            "events": set(rows(conn, "SELECT event_id, url_hash FROM events")[1]),
            "feed_items": set(rows(conn, "SELECT feed_name, url_hash FROM feed_items")[1]),
            "feed_state": {r[0] for r in rows(conn, "SELECT feed_name FROM feed_state")[1]},
            "runs": {r["run_id"]: r["status"] for r in reads.latest_runs(conn, limit=20)},
        }


@pytest.fixture(scope="module")
def uninterrupted(prefect_api, demo_feeds, tmp_path_factory):
    db = tmp_path_factory.mktemp("reference") / "reference.duckdb"
    summary = _ingest(prefect_api, demo_feeds, db)
    assert summary["articles_extracted"] >= 24
    return _snapshot(db)


@pytest.mark.parametrize("point", ["mid-fetch", "mid-extraction", "mid-chunk-write", "mid-final-write"])
def test_a_killed_run_leaves_committed_chunks_and_the_next_run_completes_the_rest(
        point, prefect_api, demo_feeds, uninterrupted, tmp_path):
    db = tmp_path / "crash.duckdb"
    killed = _ingest(prefect_api, demo_feeds, db, point)

    after_kill = _snapshot(db)  # opens: the file is consistent and not left locked
    assert {h for h, _, _ in after_kill["articles"]} == set(killed["committed"])
    assert killed["committed"], "the kill point must come after the first committed chunk"
    assert after_kill["feed_state"] == set(), "feed state is saved last, in the final transaction"
    assert after_kill["feed_items"] == set()
    assert list(after_kill["runs"].values()) == ["running"]  # SIGKILL: no hook could record it
    if point != "mid-final-write":
        assert len(after_kill["articles"]) < len(uninterrupted["articles"])

    recovery = _ingest(prefect_api, demo_feeds, db)
    recovered = _snapshot(db)
    for table in ("articles", "events", "feed_items", "feed_state"):
        assert recovered[table] == uninterrupted[table], table
    assert recovered["runs"][recovery["run_id"]] == "completed"
    assert sorted(recovered["runs"].values()) == ["completed", "running"]
