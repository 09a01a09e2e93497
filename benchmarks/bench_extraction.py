"""Extraction throughput: ``extract_articles`` over the process pool vs plain single-process
trafilatura, on the same Zyte benchmark pages, in the same run.

    python -m benchmarks.bench_extraction [--workers N] [--repeat K] [--rounds R]
                                          [--limit N] [--json]

Measured: the pool's first (cold) call once, then R rounds in which each variant below
takes its turn; a ratio is worked out per round and the median reported, so that a change
in a shared machine's speed during the run does not land on one variant only.
  trafilatura.extract                  plain: text only, default options, one process
  trafilatura.extract(with_metadata)   the same job as ours (text and metadata), one process
  extract_article, one process         ours without the pool
  extract_articles, pool (cold)        ours, first call: starting the workers counts
  extract_articles, pool               ours, second call: the workers are kept between calls
                                       (as in a flow, which calls once per chunk of pages)
  trafilatura.extract, N processes     plain, text only, split over as many warm processes as
                                       the pool has workers (multiprocessing.Pool, chunks of 8):
                                       what the machine's cores give plain work, for scale
The ratios use the warm pool; the cold figure (once, before the rounds) shows what the
start-up costs.

The pool pays off only with idle cores: on a shared machine, read ``loadavg`` alongside.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

import trafilatura

from core.records import FeedItem, FetchRecord, Page
from core.settings import PROJECT_ROOT, load_settings
from extractors.articles import extract_article, extract_articles, shutdown_workers

ZYTE = PROJECT_ROOT.parent / "shared" / "corpora" / "extraction" / "zyte-aeb"


def load_pages(folder: Path = ZYTE, limit: int | None = None) -> list[Page]:
    """The benchmark's pages as fetched ``Page`` records (URL from its ground truth)."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    fetched_at = datetime.now(UTC)
    pages = []
    for key, entry in sorted(truth.items())[:limit]:
        body = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        url = entry["url"]
        item = FeedItem(
            feed_name="zyte-aeb", url=url, guid=key, title=None, published=None, summary=None
        )
        record = FetchRecord(
            kind="article",
            url=url,
            feed_name="zyte-aeb",
            started_at=fetched_at,
            status=200,
            n_bytes=len(body),
            duration_ms=0.0,
            outcome="ok",
        )
        pages.append(
            Page(
                item=item,
                final_url=url,
                status=200,
                content_type="text/html; charset=utf-8",
                body=body,
                record=record,
            )
        )
    return pages


def _plain_extract(job: tuple[bytes, str]) -> int:
    return len(trafilatura.extract(job[0], url=job[1]) or "")


def _docs_per_second(run: Callable[[], object], n_docs: int) -> float:
    started = time.perf_counter()
    run()
    return n_docs / (time.perf_counter() - started)


def measure(pages: Sequence[Page], workers: int, rounds: int) -> dict[str, list[float]]:
    """docs/s of each variant, once per round. The variants take turns within a round, so
    that a change in the machine's speed (a shared host) falls on all of them alike."""
    settings = load_settings(environ={})
    n = len(pages)
    jobs = [(page.body or b"", page.final_url) for page in pages]
    # Warm this process (imports, regex caches, language model) so that single-process
    # figures measure steady state; the pool's workers start cold, as they do in a run.
    for page in pages[:5]:
        trafilatura.extract(page.body, url=page.final_url)
        extract_article(page, settings)

    def plain() -> None:
        for page in pages:
            trafilatura.extract(page.body, url=page.final_url)

    def plain_with_metadata() -> None:
        for page in pages:
            trafilatura.extract(page.body, url=page.final_url, with_metadata=True)

    def ours_inline() -> None:
        for page in pages:
            extract_article(page, settings)

    def ours_pool() -> None:
        extract_articles(pages, settings, workers=workers)

    rates: dict[str, list[float]] = {}
    shutdown_workers()  # the first pool call starts its workers: measured as "cold"
    with multiprocessing.get_context("spawn").Pool(workers) as plain_pool:
        plain_pool.map(_plain_extract, jobs[: workers * 4], chunksize=1)  # started and warm
        try:
            rates["extract_articles_pool_cold"] = [_docs_per_second(ours_pool, n)]
            variants: dict[str, Callable[[], object]] = {
                "trafilatura_extract": plain,
                "trafilatura_extract_with_metadata": plain_with_metadata,
                "extract_article_one_process": ours_inline,
                "extract_articles_pool": ours_pool,
                "trafilatura_extract_in_worker_processes": lambda: plain_pool.map(
                    _plain_extract, jobs, chunksize=8
                ),
            }
            for _ in range(rounds):
                for name, run in variants.items():
                    rates.setdefault(name, []).append(_docs_per_second(run, n))
        finally:
            shutdown_workers()
    return rates


def _ratios(rates: dict[str, list[float]], over: str, under: str) -> list[float]:
    return [a / b for a, b in zip(rates[over], rates[under], strict=True)]


_RATIOS = {
    "pool_vs_trafilatura_extract": ("extract_articles_pool", "trafilatura_extract"),
    "pool_vs_trafilatura_extract_with_metadata": (
        "extract_articles_pool",
        "trafilatura_extract_with_metadata",
    ),
    "pool_vs_one_process": ("extract_articles_pool", "extract_article_one_process"),
    "plain_processes_vs_plain": (
        "trafilatura_extract_in_worker_processes",
        "trafilatura_extract",
    ),
}


def main(argv: Sequence[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=1, help="pass over the pages K times")
    parser.add_argument("--rounds", type=int, default=3, help="measure every variant R times")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--corpus", type=Path, default=ZYTE)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not (args.corpus / "ground-truth.json").exists():
        parser.error(f"no Zyte benchmark at {args.corpus}")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    pages = load_pages(args.corpus, args.limit) * args.repeat
    loadavg_before = os.getloadavg()[0]
    rates = measure(pages, args.workers, args.rounds)
    ratios = {name: _ratios(rates, *pair) for name, pair in _RATIOS.items()}
    result = {
        "pages": len(pages),
        "workers": args.workers,
        "rounds": args.rounds,
        "cpu_count": os.cpu_count(),
        "loadavg_before": loadavg_before,
        "loadavg_after": os.getloadavg()[0],  # includes this run's own load
        "docs_per_second_median": {k: round(median(v), 1) for k, v in rates.items()},
        "docs_per_second": {k: [round(x, 1) for x in v] for k, v in rates.items()},
        # each round's ratio, then their median: variants of one round ran back to back
        "ratios_median": {k: round(median(v), 2) for k, v in ratios.items()},
        "ratios": {k: [round(x, 2) for x in v] for k, v in ratios.items()},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return result
    print(
        f"{len(pages)} pages, {args.workers} workers, {os.cpu_count()} CPUs, {args.rounds} rounds, "
        f"load average {result['loadavg_before']:.2f} before, {result['loadavg_after']:.2f} after"
    )
    print("docs/s, median of the rounds (each round):")
    for name, values in rates.items():
        each = ", ".join(f"{x:.1f}" for x in values)
        print(f"  {name:<40} {median(values):7.1f}   ({each})")
    print("ratios, median of the rounds' ratios (each round):")
    for name, values in ratios.items():
        each = ", ".join(f"{x:.2f}" for x in values)
        print(f"  {name:<44} {median(values):5.2f}x  ({each})")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
