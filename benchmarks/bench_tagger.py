"""Tagger throughput on one core, next to a baseline measured in the same run.

    python -m benchmarks.bench_tagger [--docs 3000] [--json]

Documents: the NAEB news articles (real English news from 212 sites, read by path from
../shared/corpora/extraction/naeb) plus our demo articles, cycled up to ``--docs``.
Measured, in this order, on the same documents and in one process:
  rules load              Tagger.load(): rule packs, actor and place automata
  baseline                trafilatura.extract of each document's HTML (the stage before us)
  tagger                  Tagger.tag of each document's text
Reports documents/s for both, their ratio, and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import time
from datetime import date

import trafilatura

from core.settings import PROJECT_ROOT
from taggers.engine import Tagger

NAEB = PROJECT_ROOT.parent / "shared" / "corpora" / "extraction" / "naeb"
DEMO = PROJECT_ROOT / "demo" / "articles"


def load_documents(limit: int) -> list[tuple[str, date | None, bytes | None]]:
    """(text, published, html) per document, cycled up to ``limit``."""
    base: list[tuple[str, date | None, bytes | None]] = []
    articles = json.loads((NAEB / "articles.json").read_text(encoding="utf-8"))
    for key, article in sorted(articles.items()):
        html_path = NAEB / "html" / f"{key}.html.gz"
        if not html_path.exists() or not article.get("articleBody"):
            continue
        try:
            published = date.fromisoformat(str(article.get("date"))[:10])
        except ValueError:  # "NaT" and missing dates in the corpus
            published = None
        base.append((article["articleBody"], published, gzip.decompress(html_path.read_bytes())))
    for text_file in sorted(DEMO.glob("*.txt")):
        base.append((text_file.read_text(encoding="utf-8"), date(2026, 11, 18), None))
    return [base[i % len(base)] for i in range(limit)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(n_docs: int) -> dict:
    docs = load_documents(n_docs)
    started = time.perf_counter()
    tagger = Tagger.load()
    load_seconds = time.perf_counter() - started
    rss_after_load = peak_rss_mb()

    with_html = [html for _, _, html in docs if html is not None]
    started = time.perf_counter()
    for html in with_html:
        trafilatura.extract(html, deduplicate=False)
    baseline_seconds = time.perf_counter() - started

    started = time.perf_counter()
    events = 0
    for i, (text, published, _) in enumerate(docs):
        events += len(tagger.tag(text, published, doc_id=str(i)))
    tag_seconds = time.perf_counter() - started
    characters = sum(len(text) for text, _, _ in docs)
    return {
        "documents": len(docs),
        "mean_characters": round(characters / len(docs)),
        "events": events,
        "rules_load_seconds": round(load_seconds, 3),
        "baseline_docs_per_second": round(len(with_html) / baseline_seconds, 1),
        "tagger_docs_per_second": round(len(docs) / tag_seconds, 1),
        "speedup_vs_baseline": round((len(docs) / tag_seconds) / (len(with_html) / baseline_seconds), 2),
        "peak_rss_mb_after_load": round(rss_after_load, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=3000, help="documents to tag (default 3000)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    print_result(run(args.docs), args.json)
    return 0


def print_result(result: dict, as_json: bool) -> None:
    """A benchmark's figures as aligned ``key  value`` lines, or JSON."""
    if as_json:
        print(json.dumps(result, indent=2))
        return
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    raise SystemExit(main())
