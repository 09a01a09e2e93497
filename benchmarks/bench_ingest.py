"""Time of an ingest run over the demo corpus, first and warm, and what Prefect adds.

    python -m benchmarks.bench_ingest [--repeat 3] [--json]

The demo site (30 articles in 3 feeds) is served on 127.0.0.1; every measured run starts from an
empty database, so each does the whole job: poll, fetch, extract, tag, store, record, publish the
analyst copy. Measured in one process, in this order:

  import prefect        the import alone (every worker-launched flow run pays it)
  direct, first         the stage functions of flows/stages.py called in the flow's order, no
                        Prefect: pays the tagger load and the extraction worker start
  prefect, first        the `ingest` flow: pays the Prefect start (with no PREFECT_API_URL, a
                        temporary local server in a fresh PREFECT_HOME, as `newsevents run`)
  direct / prefect, warm  alternated ``--repeat`` times (median reported)
  prefect, nothing new  the flow again on a full database, every feed polled: a quiet scheduled run

Prefect's overhead is the warm median of the flow minus the warm median of the direct calls.
Timings on shared cores swing: compare figures of one run of this script.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from core.settings import Settings, load_settings
from extractors.demo_site import DemoSite


def write_feeds(site: DemoSite, path: Path) -> Path:
    path.write_text("".join(f'[[feed]]\nname = "{s.name}"\nurl = "{s.url}"\nlanguage = "en"\n\n'
                            for s in site.feed_sources()), encoding="utf-8")
    return path


def run_direct(settings: Settings) -> dict:
    """The ingest flow's own sequence (flows.ingest.run_pipeline) with the stage functions
    called directly, no Prefect."""
    from flows.ingest import DIRECT_STEPS, run_pipeline

    summary = run_pipeline(settings, str(uuid.uuid4()), False, DIRECT_STEPS)
    return {"articles_extracted": summary.articles_extracted, "events_found": summary.events_found}


def run_prefect(settings: Settings, force: bool = False) -> dict:
    from flows.ingest import ingest

    summary = ingest(feeds_file=str(settings.feeds_file), db_path=str(settings.db_path),
                     allow_private_networks=True, per_host_delay=0.0, force=force)
    return {"articles_extracted": summary["articles_extracted"], "events_found": summary["events_found"]}


def timed(function: Callable[[Settings], dict], settings: Settings) -> tuple[float, dict]:
    started = time.perf_counter()
    result = function(settings)
    return time.perf_counter() - started, result


def run(repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, DemoSite() as site:
        tmp_path = Path(tmp)
        feeds = write_feeds(site, tmp_path / "feeds.toml")
        counter = iter(range(10_000))

        def fresh() -> Settings:
            return load_settings(environ={}, feeds_file=feeds, db_path=tmp_path / f"run-{next(counter)}.duckdb",
                                 allow_private_networks=True, per_host_delay=0.0)

        started = time.perf_counter()
        import prefect  # noqa: F401 (timed: the import is part of every flow run's cost)

        results: dict = {"import_prefect_s": time.perf_counter() - started}
        results["direct_first_s"], first = timed(run_direct, fresh())
        results["prefect_first_s"], first_flow = timed(run_prefect, fresh())
        direct, flow = [], []
        for _ in range(repeat):
            direct.append(timed(run_direct, fresh())[0])
            settings = fresh()
            flow.append(timed(run_prefect, settings)[0])
        # Every feed polled again (force), every item already stored: a quiet scheduled run.
        results["prefect_nothing_new_s"], _ = timed(lambda s: run_prefect(s, force=True), settings)
        results["direct_warm_s"] = statistics.median(direct)
        results["prefect_warm_s"] = statistics.median(flow)
        results["prefect_overhead_warm_s"] = results["prefect_warm_s"] - results["direct_warm_s"]
        # The first flow run finds the tagger and extraction workers already warm (same process):
        # what it adds over a warm direct run is Prefect's own start.
        results["prefect_first_start_s"] = results["prefect_first_s"] - results["direct_warm_s"]
        results["direct_warm_runs_s"], results["prefect_warm_runs_s"] = direct, flow
        results["articles_extracted"], results["events_found"] = first["articles_extracted"], first["events_found"]
        assert first == first_flow, (first, first_flow)  # the same work either way
        from extractors.articles import shutdown_workers

        shutdown_workers()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm runs of each kind (median reported)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    # A fresh PREFECT_HOME makes "first" a true first start; telemetry off, quiet logs.
    home = tempfile.mkdtemp(prefix="bench-prefect-home-")
    os.environ.setdefault("PREFECT_HOME", home)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    results = run(args.repeat)
    results["prefect_api"] = os.environ.get("PREFECT_API_URL", "temporary local server")
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"demo corpus: {results['articles_extracted']} articles, {results['events_found']} events per run "
          f"(API: {results['prefect_api']})")
    rows = [("import prefect", "import_prefect_s"), ("direct stage calls, first", "direct_first_s"),
            ("prefect flow, first", "prefect_first_s"), ("  of which Prefect's start", "prefect_first_start_s"),
            ("direct stage calls, warm (median)", "direct_warm_s"),
            ("prefect flow, warm (median)", "prefect_warm_s"), ("prefect overhead, warm", "prefect_overhead_warm_s"),
            ("prefect flow, nothing new", "prefect_nothing_new_s")]
    for label, key in rows:
        print(f"  {label:<36} {results[key]:7.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
