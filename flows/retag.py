"""The `retag` flow: run the current tagger again over the stored article texts.

    for each page of stored articles:  read → tag → replace their events
    then: record the run, publish its report

For when the rules change (or the tagger does): each article's events become exactly what
the current rules find. New events are added, vanished ones removed, unchanged ones left
untouched (same ``run_id`` and ``stored_at``), so a second run changes nothing. Events carry
the tagger's ``tagger_version`` (engine version + a short digest of the rules and place data);
the run row records it with the full digest (``rules_digest``).

One read, one tag and one store task per page of ``PAGE_SIZE`` articles (never one per
article); the database is open only while a read or store task runs, so an ingest due
meanwhile takes its turn between two pages. A run that dies halfway is finished by the next.

The run row: ``articles_extracted`` counts the articles tagged again, ``articles_skipped``
those left without events because they are not in English, ``events_found`` the events
they now have.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from itertools import islice

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from core.errors import TerminalError
from core.records import Article, Event, RunSummary
from core.settings import Settings, load_settings
from flows import stages, tasks
from flows.ingest import summary_dict
from storage import reads, writes
from storage.db import open_db

PAGE_SIZE = 500  # articles per read/tag/store round: ~1 s of tagging, a few MB of text
RETAG_TIMEOUT_SECONDS = 6 * 3600  # a whole archive; the deployment runs one at a time


# ---------------------------------------------------------------------------- stages (no Prefect)
def read_articles(settings: Settings, since: date | None, source: str | None, after: str,
                  page_size: int = PAGE_SIZE) -> list[Article]:
    """The next page of stored extracted articles after the url_hash ``after``, as records."""
    with open_db(settings.db_path) as conn:
        rows = reads.articles_for_retag(conn, since, source, page_size=page_size, after=after)
        return [stored_article(row) for row in islice(rows, page_size)]  # one page, one query


def stored_article(row: dict) -> Article:
    """An ``Article`` from a stored row, with what the tagger reads (text, title, dates, hint)."""
    return Article(
        url=row["url"], feed_name=row["feed_name"], title=row["title"], authors=(),
        published=row["published"], language=row["language"], text=row["text"], site_name=None,
        extractor_version=row.get("extractor_version") or "", country_hint=row["country_hint"],
        published_local_date=row.get("published_local_date"),
    )


def store_events(settings: Settings, run_id: str, events: dict[str, list[Event]]) -> int:
    """Make each article's stored events exactly these (see ``writes.replace_events``)."""
    with open_db(settings.db_path) as conn:
        return writes.replace_events(conn, run_id, events)


def tagger_lineage(settings: Settings) -> dict[str, str]:
    """What tagged: the tagger's version, its rules directory and the digest of its rules and
    place data (``taggers.engine.rules_digest``)."""
    tagger = stages._tagger(settings.rules_dir, settings.historical_days, settings.gazetteer_extra)
    return {"tagger_version": tagger.version, "rules_dir": str(settings.rules_dir), "rules_digest": tagger.digest}


def parse_since(since: str | date | None) -> date | None:
    if since is None or isinstance(since, date):
        return since
    try:
        return date.fromisoformat(since)
    except ValueError as exc:
        raise TerminalError(f"since must be a date YYYY-MM-DD, not {since!r}") from exc


# ---------------------------------------------------------------------------- tasks
read_retag_page = tasks.db_task("read-retag-page", read_articles)
store_retag_events = tasks.db_task("store-retag-events", store_events)


# ---------------------------------------------------------------------------- flow
@flow(name="retag", log_prints=False, validate_parameters=True, timeout_seconds=RETAG_TIMEOUT_SECONDS,
      on_failure=[tasks.record_failed_run], on_crashed=[tasks.record_failed_run],
      on_cancellation=[tasks.record_failed_run])
def retag(since: str | None = None, source: str | None = None, db_path: str | None = None,
          rules_dir: str | None = None) -> dict:
    """Tag the stored articles again with the rules in ``rules_dir``: those published on or
    after ``since`` (YYYY-MM-DD; all when None) and listed by the feed ``source`` (all when
    None). Returns the run summary."""
    settings = load_settings(db_path=db_path, rules_dir=rules_dir)
    return run_retag(settings, parse_since(since), source)


def run_retag(settings: Settings, since: date | None = None, source: str | None = None) -> dict:
    logger = get_run_logger()
    run_id = str(flow_run.id or uuid.uuid4())
    started = datetime.now(UTC)
    lineage = tagger_lineage(settings)
    tasks.record_run_start(settings, run_id, "retag", started, {
        "since": since.isoformat() if since else None, "source": source,
        "db_path": str(settings.db_path), **lineage})
    per_feed: dict[str, Counter[str]] = {}
    after = ""
    while True:
        articles = read_retag_page(settings, since, source, after)
        if not articles:
            break
        events = tasks.tag_articles(settings, articles)
        store_retag_events(settings, run_id, events)
        count_page(per_feed, articles, events)
        after = articles[-1].url_hash
        if len(articles) < PAGE_SIZE:
            break
    summary = summarize(run_id, started, per_feed)
    tasks.record_run_end(settings, summary)
    report(summary, lineage)
    logger.info("retag %s: %d articles tagged again (%d not in English), %d events, rules %s",
                run_id, summary.articles_extracted, summary.articles_skipped, summary.events_found,
                lineage["rules_digest"][:12])
    return summary_dict(summary) | {"tagger": lineage}


def is_tagged(article: Article) -> bool:
    """The articles ``stages.tag`` runs the rules on (the others get no events)."""
    return not article.skip_reason and article.language in (None, "en")


def count_page(per_feed: dict[str, Counter[str]], articles: Sequence[Article],
               events: dict[str, list[Event]]) -> None:
    for article in articles:
        feed = per_feed.setdefault(article.feed_name, Counter())
        if is_tagged(article):
            feed["articles"] += 1
            feed["events"] += len(events.get(article.url_hash, []))
        else:
            feed["skipped"] += 1
            feed["retag_not_english"] += 1


def summarize(run_id: str, started: datetime, per_feed: dict[str, Counter[str]]) -> RunSummary:
    total: Counter[str] = Counter()
    for counts in per_feed.values():
        total.update(counts)
    return RunSummary(
        run_id=run_id, started_at=started, finished_at=datetime.now(UTC),
        articles_extracted=total["articles"], articles_skipped=total["skipped"],
        events_found=total["events"],
        skips_by_reason={"retag_not_english": total["retag_not_english"]} if total["retag_not_english"] else {},
        per_feed={name: dict(counts) for name, counts in sorted(per_feed.items())}, status="completed",
    )


def report(summary: RunSummary, lineage: dict[str, str]) -> None:
    lines = [
        f"# Retag run `{summary.run_id}`", "",
        f"tagger `{lineage['tagger_version']}`, rules `{lineage['rules_dir']}` "
        f"(digest `{lineage['rules_digest'][:12]}`)", "",
        f"articles tagged again **{summary.articles_extracted}** (not in English: "
        f"{summary.articles_skipped}) · events **{summary.events_found}**", "",
        "| feed | articles | events | not in English |", "|---|---:|---:|---:|",
    ]
    lines += [f"| {name} | {c.get('articles', 0)} | {c.get('events', 0)} | {c.get('skipped', 0)} |"
              for name, c in summary.per_feed.items()]
    create_markdown_artifact(markdown="\n".join(lines), key="retag-summary",
                             description="Articles tagged again and their events, per feed")
