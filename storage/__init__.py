"""DuckDB storage: the only package that talks to the database.

    db.py        open_db(): connect, translate lock errors, migrate, commit, close
    batches.py   Arrow batches, dedupe by key, transaction() to group several writes
    migrate.py   numbered forward-only migrations (schema/NNNN_*.sql) + views.sql
    writes.py    idempotent upserts on natural keys, batches loaded through Arrow
    reads.py     what the flows and the CLI read back
    sqlfiles.py  loads the SQL; every statement lives in a .sql file

Analyst documentation of every table, view and column: docs/analysts.md.
"""

from storage.batches import transaction
from storage.db import open_db
from storage.migrate import migrate
from storage.reads import (
    article_html,
    articles_for_retag,
    feed_states,
    known_article_urls,
    latest_runs,
    recent_events,
    run_query,
    table_counts,
)
from storage.writes import (
    finish_run,
    record_fetches,
    replace_events,
    save_feed_states,
    start_run,
    upsert_articles,
    upsert_feed_items,
    upsert_feeds,
)

__all__ = [
    "article_html",
    "articles_for_retag",
    "feed_states",
    "finish_run",
    "known_article_urls",
    "latest_runs",
    "migrate",
    "open_db",
    "recent_events",
    "record_fetches",
    "replace_events",
    "run_query",
    "save_feed_states",
    "start_run",
    "table_counts",
    "transaction",
    "upsert_articles",
    "upsert_feed_items",
    "upsert_feeds",
]
