"""DuckDB storage: the only package that talks to the database.

    db.py        open_db(): connect, translate lock errors, migrate, commit, close
    batches.py   Arrow batches, dedupe by key, transaction() to group several writes
    migrate.py   numbered forward-only migrations (schema/NNNN_*.sql) + views.sql
    writes.py    idempotent upserts on natural keys, batches loaded through Arrow
    reads.py     what the flows and the CLI read back
    incidents.py which mentions report the same event, and their consensus (pure functions)
    clustering.py cluster_incidents(): incidents kept up to date with the events table
    gazetteer.py load_gazetteer_table(): the tagger's gazetteer as a table to join on
    publish.py   publish_analyst_copy() / open_analyst(): querying while the pipeline writes
    maintenance.py raw-HTML retention and Parquet exports of the analyst views
    sqlfiles.py  loads the SQL; every statement lives in a .sql file

Analyst documentation of every table, view and column: docs/analysts.md.
"""

from storage.batches import transaction
from storage.clustering import REBUILD_ALL, cluster_incidents
from storage.db import open_db
from storage.gazetteer import load_gazetteer_table, stored_gazetteer_version
from storage.migrate import migrate
from storage.publish import open_analyst, publish_analyst_copy
from storage.reads import (
    article_html,
    articles_for_reextract,
    articles_for_retag,
    feed_states,
    known_article_urls,
    latest_runs,
    near_duplicate_candidates,
    recent_events,
    recent_incidents,
    run_query,
    table_counts,
)
from storage.writes import (
    finish_run,
    record_fetches,
    replace_events,
    save_feed_states,
    save_near_duplicates,
    start_run,
    upsert_articles,
    upsert_feed_items,
    upsert_feeds,
)

__all__ = [
    "REBUILD_ALL",
    "article_html",
    "articles_for_reextract",
    "articles_for_retag",
    "cluster_incidents",
    "feed_states",
    "finish_run",
    "known_article_urls",
    "latest_runs",
    "near_duplicate_candidates",
    "load_gazetteer_table",
    "migrate",
    "open_analyst",
    "open_db",
    "publish_analyst_copy",
    "recent_events",
    "recent_incidents",
    "record_fetches",
    "replace_events",
    "run_query",
    "save_feed_states",
    "save_near_duplicates",
    "start_run",
    "stored_gazetteer_version",
    "table_counts",
    "transaction",
    "upsert_articles",
    "upsert_feed_items",
    "upsert_feeds",
]
