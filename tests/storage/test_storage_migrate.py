"""Migrations: forward-only, recorded with checksums, views re-created every time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.errors import MigrationError
from storage import migrate, open_db, table_counts
from storage.db import connect
from storage.migrate import discover_migrations
from storage.sqlfiles import SCHEMA_DIR, VIEWS_FILE, parse_named_statements

TABLES = {
    "schema_migrations",
    "feeds",
    "feed_state",
    "feed_items",
    "fetches",
    "articles",
    "events",
    "runs",
    "incidents",
    "incident_mentions",
    "gazetteer",
}
VIEWS = {"v_events", "v_mentions", "v_runs", "v_feed_health", "v_incidents", "v_daily_by_admin1"}
# A version after every packaged migration, for the files the tests add.
NEXT = f"{discover_migrations()[-1].version + 1:04d}"


def relations(conn, kind: str) -> set[str]:
    return {
        name
        for (name,) in conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = ?",
            [kind],
        ).fetchall()
    }


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    """A private copy of the migrations, so a test may edit or add files."""
    return Path(shutil.copytree(SCHEMA_DIR, tmp_path / "schema"))


def test_open_db_creates_parent_dir_tables_and_views(db_path):
    with open_db(db_path) as conn:
        assert relations(conn, "BASE TABLE") == TABLES
        assert relations(conn, "VIEW") == VIEWS
        recorded = conn.execute("SELECT version, name, checksum FROM schema_migrations").fetchall()
    assert db_path.exists()
    assert [(v, n) for v, n, _ in recorded] == [(m.version, m.name) for m in discover_migrations()]
    assert all(len(checksum) == 64 for _, _, checksum in recorded)


def test_migrate_twice_is_a_no_op(populated_db):
    with open_db(populated_db) as conn:
        before = table_counts(conn)
        assert migrate(conn) == []
        assert migrate(conn) == []
        assert table_counts(conn) == before
        assert before["schema_migrations"] == len(discover_migrations())
        assert relations(conn, "VIEW") == VIEWS
        assert conn.execute("SELECT count(*) FROM v_events").fetchone()[0] > 0


def test_later_migrations_upgrade_a_v2_database_and_keep_its_rows(db_path, schema_copy, tmp_path):
    # a database as version 2 left it: its migrations and its views (without geonames_id)
    later = {path.name: path.read_text() for path in schema_copy.glob("000[345]_*.sql")}
    for name in later:
        (schema_copy / name).unlink()
    v2_views = tmp_path / "views_v2.sql"
    v2_views.write_text("".join(line for line in VIEWS_FILE.read_text().splitlines(keepends=True)
                                if "geonames_id" not in line))
    db_path.parent.mkdir(parents=True)
    conn = connect(db_path)
    try:
        assert migrate(conn, schema_dir=schema_copy, views_file=v2_views) == [
            "0001_init", "0002_incidents_gazetteer"]
        conn.execute(
            "INSERT INTO events (event_id, url_hash, event_type, sub_event_type, historical, "
            "negated, hedged, evidence, char_start, char_end, confidence, rule_id, "
            "tagger_version, run_id, stored_at) VALUES ('e-1', 'a-1', 'Battles', "
            "'armed_clash', false, false, false, 'x', 0, 1, 0.5, 'r', 't', 'run-1', now())"
        )
        for name, sql in later.items():  # the upgrade ships them
            (schema_copy / name).write_text(sql)
        # added by hand beforehand: the migration still applies (IF NOT EXISTS)
        conn.execute("ALTER TABLE incidents ADD COLUMN geonames_id BIGINT")
        assert migrate(conn, schema_dir=schema_copy) == [
            "0003_geonames_id", "0004_article_local_day_content_type", "0005_feed_item_utc_offset"]
        assert migrate(conn, schema_dir=schema_copy) == []
        article_columns = dict(conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'articles' "
            "AND column_name IN ('published_local_date', 'content_type')").fetchall())
        assert article_columns == {"published_local_date": "DATE", "content_type": "VARCHAR"}
        assert conn.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'feed_items' "
            "AND column_name = 'published_utc_offset_minutes'").fetchall() == [("SMALLINT",)]
        types = dict(conn.execute(
            "SELECT table_name, data_type FROM information_schema.columns "
            "WHERE column_name = 'geonames_id' AND table_name <> 'gazetteer'"
        ).fetchall())
        assert types == dict.fromkeys(
            ("events", "incidents", "v_mentions", "v_events", "v_incidents"), "BIGINT")
        # stored before the column existed: null until re-tagged
        assert conn.execute("SELECT event_id, geonames_id FROM v_mentions").fetchall() == [
            ("e-1", None)]
    finally:
        conn.close()


def test_edited_migration_is_refused(db_path, schema_copy):
    with open_db(db_path) as conn:
        assert migrate(conn, schema_dir=schema_copy) == []  # same files: nothing to do
        first = schema_copy / "0001_init.sql"
        first.write_text(first.read_text() + "\n-- an innocent-looking edit\n")
        with pytest.raises(MigrationError, match="0001_init.sql: changed after it was applied"):
            migrate(conn, schema_dir=schema_copy)


def test_tampered_checksum_is_refused(db_path):
    with open_db(db_path) as conn:
        conn.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            migrate(conn)


def test_crlf_checkout_matches_recorded_checksum(db_path, schema_copy):
    with open_db(db_path):
        pass
    first = schema_copy / "0001_init.sql"
    first.write_bytes(first.read_bytes().replace(b"\n", b"\r\n"))
    with open_db(db_path) as conn:
        assert migrate(conn, schema_dir=schema_copy) == []


def test_new_migration_applies_forward_and_views_follow(populated_db, schema_copy):
    # No secondary indexes: a migration can change a column type, which an index would block.
    (schema_copy / f"{NEXT}_widen.sql").write_text(
        "ALTER TABLE events ALTER COLUMN quad_class TYPE SMALLINT;\n"
        "ALTER TABLE articles ADD COLUMN word_count INTEGER;\n"
    )
    with open_db(populated_db) as conn:
        assert migrate(conn, schema_dir=schema_copy) == [f"{NEXT}_widen"]
        assert migrate(conn, schema_dir=schema_copy) == []
        (quad_type,) = conn.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'v_events' AND column_name = 'quad_class'"
        ).fetchone()
        assert quad_type == "SMALLINT"  # the view was re-created over the altered table
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == int(NEXT)


def test_failed_migration_leaves_database_unchanged(populated_db, schema_copy):
    (schema_copy / f"{NEXT}_broken.sql").write_text(
        "ALTER TABLE articles ADD COLUMN fine INTEGER;\n"
        "ALTER TABLE no_such_table ADD COLUMN x INT;\n"
    )
    with open_db(populated_db) as conn:
        with pytest.raises(MigrationError, match=f"{NEXT}_broken.sql"):
            migrate(conn, schema_dir=schema_copy)
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == int(NEXT) - 1
        assert relations(conn, "VIEW") == VIEWS  # the views dropped inside were rolled back
        columns = {c for (c,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles'"
        ).fetchall()}
        assert "fine" not in columns


def test_applied_migration_missing_on_disk_is_refused(db_path, schema_copy):
    (schema_copy / f"{NEXT}_extra.sql").write_text("CREATE TABLE extra (x INTEGER);\n")
    with open_db(db_path) as conn:
        migrate(conn, schema_dir=schema_copy)
        with pytest.raises(MigrationError, match=f"{NEXT}_extra is recorded as applied"):
            migrate(conn)  # the packaged schema lacks it: this code is older than the file


def test_badly_named_migration_file_is_refused(schema_copy):
    (schema_copy / "2_oops.sql").write_text("SELECT 1;\n")
    with pytest.raises(MigrationError, match="2_oops.sql"):
        discover_migrations(schema_copy)


def test_broken_views_file_raises_migration_error(db_path, tmp_path):
    views = tmp_path / "views.sql"
    views.write_text(VIEWS_FILE.read_text() + "\nCREATE VIEW v_bad AS SELECT nope FROM events;\n")
    with open_db(db_path) as conn:
        with pytest.raises(MigrationError, match="views.sql"):
            migrate(conn, views_file=views)
        assert relations(conn, "VIEW") == VIEWS


def test_named_statements_are_parsed_and_checked():
    text = "-- name: one\nSELECT 1;\n\n-- name: two\n-- a comment\nSELECT 2;\n"
    assert parse_named_statements(text) == {"one": "SELECT 1", "two": "-- a comment\nSELECT 2"}
    with pytest.raises(ValueError, match="defined twice"):
        parse_named_statements("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n")
    with pytest.raises(ValueError, match="empty"):
        parse_named_statements("-- name: a\n-- name: b\nSELECT 2;\n")
