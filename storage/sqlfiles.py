"""Loads the SQL that lives next to this package: whole scripts (schema migrations, views) and
named statements (``-- name: upsert_articles`` sections in ``queries/*.sql``)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

STORAGE_DIR = Path(__file__).resolve().parent
SCHEMA_DIR = STORAGE_DIR / "schema"
VIEWS_FILE = STORAGE_DIR / "views.sql"
QUERIES_DIR = STORAGE_DIR / "queries"

_NAME_LINE = re.compile(r"^--\s*name:\s*(?P<name>[a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


def parse_named_statements(text: str, source: str = "<sql>") -> dict[str, str]:
    """Split a file of ``-- name: x`` sections into {name: statement}."""
    statements: dict[str, str] = {}
    headers = list(_NAME_LINE.finditer(text))
    for header, following in zip(headers, [*headers[1:], None], strict=True):
        end = following.start() if following else len(text)
        body = text[header.end() : end].strip().rstrip(";").strip()
        name = header["name"]
        if name in statements:
            raise ValueError(f"{source}: statement {name!r} defined twice")
        if not body:
            raise ValueError(f"{source}: statement {name!r} is empty")
        statements[name] = body
    return statements


@cache
def _queries_file(stem: str) -> dict[str, str]:
    path = QUERIES_DIR / f"{stem}.sql"
    return parse_named_statements(path.read_text(encoding="utf-8"), str(path))


def query(stem: str, name: str) -> str:
    """The statement ``name`` from ``queries/<stem>.sql``."""
    statements = _queries_file(stem)
    try:
        return statements[name]
    except KeyError:
        raise KeyError(f"no statement {name!r} in queries/{stem}.sql") from None
