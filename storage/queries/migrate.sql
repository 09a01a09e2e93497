-- Statements used by storage/migrate.py.

-- name: create_migrations_table
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        VARCHAR NOT NULL,
    checksum    VARCHAR NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL
);

-- name: applied_migrations
SELECT version, name, checksum
FROM schema_migrations
ORDER BY version;

-- name: record_migration
INSERT INTO schema_migrations (version, name, checksum, applied_at)
VALUES ($version, $name, $checksum, now());

-- name: analyst_views
-- Views we own: every v_* view in the main schema (re-created from views.sql).
SELECT view_name
FROM duckdb_views()
WHERE NOT internal
  AND schema_name = 'main'
  AND view_name LIKE 'v\_%' ESCAPE '\'
ORDER BY view_name;

-- name: drop_view
DROP VIEW IF EXISTS {view};
