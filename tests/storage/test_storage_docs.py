"""docs/analysts.md stays true: its column tables match the live schema, and its example
queries run against the analyst copy of the demo corpus ingested by the real pipeline stages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from storage import open_analyst, open_db, run_query

ANALYSTS_DOC = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"

_HEADING = re.compile(r"^### `(?P<name>\w+)`\s*$")
_COLUMN_ROW = re.compile(
    r"^\| `(?P<column>\w+)` \| (?P<type>[A-Z0-9\[\] ]+?) \| (?P<meaning>.+) \|$"
)
_SQL_BLOCK = re.compile(r"^```sql\n(?P<sql>.*?)^```", re.MULTILINE | re.DOTALL)

# information_schema spells some types long-hand; the doc uses DuckDB's short names.
_TYPE_ALIASES = {"TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ"}


def documented_columns(text: str) -> dict[str, list[tuple[str, str]]]:
    """{relation: [(column, type), ...]} from the `### `name`` sections and their tables."""
    relations: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in text.splitlines():
        if heading := _HEADING.match(line):
            current = heading["name"]
            relations[current] = []
        elif line.startswith("## "):
            current = None
        elif current and (row := _COLUMN_ROW.match(line)):
            assert row["meaning"].strip(), f"{current}.{row['column']} has no meaning"
            relations[current].append((row["column"], row["type"].strip()))
    return relations


def live_columns(conn) -> dict[str, list[tuple[str, str]]]:
    columns, rows = run_query(
        conn,
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position",
    )
    relations: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        relations.setdefault(table, []).append((column, _TYPE_ALIASES.get(data_type, data_type)))
    return relations


def example_queries(text: str) -> list[str]:
    return [m["sql"].strip() for m in _SQL_BLOCK.finditer(text)]


def test_every_table_view_and_column_is_documented_as_it_is(db_path):
    documented = documented_columns(ANALYSTS_DOC.read_text(encoding="utf-8"))
    with open_db(db_path) as conn:
        live = live_columns(conn)
    assert sorted(documented) == sorted(live), "documented relations differ from the schema"
    for relation, columns in live.items():
        assert documented[relation] == columns, f"docs/analysts.md is out of date for {relation}"


@pytest.mark.parametrize("index", range(len(example_queries(ANALYSTS_DOC.read_text("utf-8")))))
def test_example_query_runs(demo_analyst_copy, index):
    sql = example_queries(ANALYSTS_DOC.read_text(encoding="utf-8"))[index]
    with open_analyst(demo_analyst_copy) as conn:
        columns, _ = run_query(conn, sql)
    assert columns, sql


def test_doc_has_enough_examples():
    assert len(example_queries(ANALYSTS_DOC.read_text(encoding="utf-8"))) >= 10


def test_examples_find_rows_in_the_demo(demo_analyst_copy):
    # Most examples should return something on the demo: a query that silently returns
    # nothing is as useless to an analyst as one that fails. (Nothing in the demo lies within
    # 50 km of Kirkuk.)
    queries = example_queries(ANALYSTS_DOC.read_text(encoding="utf-8"))
    with open_analyst(demo_analyst_copy) as conn:
        empty = [sql for sql in queries if not run_query(conn, sql)[1]]
    assert len(empty) <= 2, empty
