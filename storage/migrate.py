"""Forward-only schema migrations.

``schema/NNNN_name.sql`` files are applied in version order, each recorded in
``schema_migrations`` with the sha256 of its text. Editing a file that was already applied is
refused (``MigrationError``): add a new numbered file instead. The analyst views (``views.sql``)
are dropped before the migrations run and re-created after, on every migrate, so a migration
may alter any table and the views always match the tables under them.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.errors import MigrationError
from storage.sqlfiles import SCHEMA_DIR, VIEWS_FILE, query

logger = logging.getLogger(__name__)

_MIGRATION_FILE = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str  # file stem, e.g. "0001_init"
    path: Path
    sql: str
    checksum: str


def sql_checksum(text: str) -> str:
    """sha256 of a migration's text; line endings normalized so a CRLF checkout still matches."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def discover_migrations(schema_dir: Path = SCHEMA_DIR) -> list[Migration]:
    """Migration files in version order; a malformed name or a repeated version is an error."""
    migrations: dict[int, Migration] = {}
    for path in sorted(schema_dir.glob("*.sql")):
        match = _MIGRATION_FILE.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_snake_name.sql")
        version = int(match["version"])
        if version in migrations:
            other = migrations[version].path
            raise MigrationError(f"{path}: version {version} also used by {other}")
        text = path.read_text(encoding="utf-8")
        migrations[version] = Migration(version, path.stem, path, text, sql_checksum(text))
    return [migrations[v] for v in sorted(migrations)]


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def migrate(
    conn: duckdb.DuckDBPyConnection,
    *,
    schema_dir: Path = SCHEMA_DIR,
    views_file: Path = VIEWS_FILE,
) -> list[str]:
    """Apply pending migrations and re-create the views; return the names applied.

    Everything happens in one transaction: a failing migration leaves the database as it was.
    """
    migrations = discover_migrations(schema_dir)
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(query("migrate", "create_migrations_table"))
        applied = {
            version: (name, checksum)
            for version, name, checksum in conn.execute(
                query("migrate", "applied_migrations")
            ).fetchall()
        }
        _check_applied(applied, migrations, schema_dir)
        for (view,) in conn.execute(query("migrate", "analyst_views")).fetchall():
            conn.execute(query("migrate", "drop_view").format(view=quote_identifier(view)))
        names = []
        for migration in migrations:
            if migration.version in applied:
                continue
            try:
                conn.execute(migration.sql)
            except duckdb.Error as exc:
                raise MigrationError(f"{migration.path}: {exc}") from exc
            conn.execute(
                query("migrate", "record_migration"),
                {
                    "version": migration.version,
                    "name": migration.name,
                    "checksum": migration.checksum,
                },
            )
            names.append(migration.name)
        try:
            conn.execute(views_file.read_text(encoding="utf-8"))
        except duckdb.Error as exc:
            raise MigrationError(f"{views_file}: {exc}") from exc
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    if names:
        logger.info("applied migrations: %s", ", ".join(names))
    return names


def _check_applied(
    applied: dict[int, tuple[str, str]], migrations: list[Migration], schema_dir: Path
) -> None:
    on_disk = {m.version: m for m in migrations}
    for version, (name, checksum) in sorted(applied.items()):
        migration = on_disk.get(version)
        if migration is None:
            raise MigrationError(
                f"{schema_dir}: migration {name} is recorded as applied but its file is missing "
                "(this code is older than the database?)"
            )
        if migration.checksum != checksum:
            raise MigrationError(
                f"{migration.path}: changed after it was applied (checksum {checksum[:12]}… "
                f"recorded, {migration.checksum[:12]}… on disk); add a new migration instead"
            )
