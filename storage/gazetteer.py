"""The tagger's gazetteer as a table analysts can join on (names to coordinates and regions).

``load_gazetteer_table(conn, rows)`` makes the ``gazetteer`` table hold exactly ``rows``: a
place no longer listed is removed, an unchanged place keeps its row (and lineage) untouched,
so loading the same gazetteer every run changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from hashlib import sha1

import duckdb
import pyarrow as pa

from core.errors import TerminalError
from storage.batches import arrow_table, dedupe_by_key, registered, transaction
from storage.sqlfiles import query

# Keys of a gazetteer row (taggers.gazetteer.Place fields); population and source (curated,
# geonames, import: stored as place_source) are optional.
GAZETTEER_KEYS: tuple[str, ...] = (
    "name", "kind", "country", "admin1", "admin1_code", "admin2", "latitude", "longitude",
    "geonames_id",
)
_OPTIONAL_KEYS = ("population", "source")

_GAZETTEER = pa.schema(
    [
        ("place_id", pa.string()),
        ("name", pa.string()),
        ("kind", pa.string()),
        ("country", pa.string()),
        ("admin1", pa.string()),
        ("admin1_code", pa.string()),
        ("admin2", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("geonames_id", pa.int64()),
        ("population", pa.int64()),
        ("place_source", pa.string()),
    ]
)


def place_id(row: Mapping) -> str:
    """Natural key of a place: the same name may be a town and a region, or lie in two regions."""
    parts = (row["country"], row["kind"], row["admin1"] or "", row["admin2"] or "", row["name"])
    return sha1("|".join(parts).encode("utf-8")).hexdigest()[:16]


def load_gazetteer_table(
    conn: duckdb.DuckDBPyConnection,
    rows: Iterable[Mapping],
    *,
    version: str | None = None,
    run_id: str | None = None,
) -> int:
    """Replace the ``gazetteer`` table's content with ``rows``; return how many places it holds.

    Each row is a mapping with the keys name, kind, country (ISO3), admin1, admin1_code, admin2,
    latitude, longitude, geonames_id (None where unknown) and optionally population and source
    (``taggers.gazetteer.Place.source``: curated, geonames, import). ``version``
    (e.g. the tagger version) and ``run_id`` are stored as lineage on changed rows.
    """
    checked = [_checked(row, number) for number, row in enumerate(rows, start=1)]
    places = dedupe_by_key(checked, lambda r: r["place_id"])
    with transaction(conn), registered(conn, "incoming_gazetteer", arrow_table(_GAZETTEER, places)):
        conn.execute(query("gazetteer", "delete_unlisted_places"))
        if places:
            conn.execute(query("gazetteer", "upsert_places"),
                         {"gazetteer_version": version, "run_id": run_id})
    return len(places)


def stored_gazetteer_version(conn: duckdb.DuckDBPyConnection) -> str | None:
    """The ``version`` the gazetteer table was loaded with (None when empty or mixed): load
    it again only when the tagger's gazetteer changed (250k rows take a few seconds)."""
    versions = conn.execute(query("gazetteer", "stored_versions")).fetchall()
    return versions[0][0] if len(versions) == 1 else None


def _checked(row: Mapping, number: int) -> dict:
    missing = [key for key in GAZETTEER_KEYS if key not in row]
    unknown = sorted(set(row) - set(GAZETTEER_KEYS) - set(_OPTIONAL_KEYS))
    if missing or unknown:
        raise TerminalError(
            f"gazetteer row {number} ({row.get('name')!r}): missing keys {missing}, "
            f"unknown keys {unknown}; expected {list(GAZETTEER_KEYS)} (+ population, source)"
        )
    for key in ("name", "kind", "country"):
        if not row[key]:
            raise TerminalError(f"gazetteer row {number}: {key} is empty ({dict(row)!r})")
    out = {key: row[key] for key in GAZETTEER_KEYS}
    out["population"] = row.get("population") or None  # Place uses 0 for unknown
    out["place_source"] = row.get("source")
    out["place_id"] = place_id(out)
    return out
