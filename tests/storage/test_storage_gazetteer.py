"""The gazetteer table: loaded from the tagger's places, replaced as a whole, idempotent."""

from __future__ import annotations

import pytest

from core.errors import TerminalError
from storage import load_gazetteer_table, open_db, stored_gazetteer_version
from tests.storage.storage_samples import snapshot

KIRKUK = {"name": "Kirkuk", "kind": "city", "country": "IRQ", "admin1": "Kirkuk", "admin1_code": "IQ-KI",
          "admin2": "Kirkuk", "latitude": 35.4681, "longitude": 44.3922, "geonames_id": 94787}
KIRKUK_REGION = {**KIRKUK, "kind": "admin1", "admin2": None, "geonames_id": None}
HAWIJA = {"name": "Hawija", "kind": "town", "country": "IRQ", "admin1": "Kirkuk", "admin1_code": "IQ-KI",
          "admin2": "Hawija", "latitude": 35.3259, "longitude": 43.7727, "geonames_id": 390188,
          "population": 0, "source": "curated"}


def places(conn) -> dict[tuple[str, str], tuple]:
    rows = conn.execute("SELECT name, kind, latitude, geonames_id, population, place_source, gazetteer_version "
                        "FROM gazetteer").fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def test_load_replace_and_reload_without_changes(db_path):
    with open_db(db_path) as conn:
        assert stored_gazetteer_version(conn) is None
        assert load_gazetteer_table(conn, [KIRKUK, KIRKUK_REGION, HAWIJA, HAWIJA], version="g1") == 3
        assert places(conn)[("Hawija", "town")] == (35.3259, 390188, None, "curated", "g1")
        assert places(conn)[("Kirkuk", "city")][1] == 94787  # same name, two kinds: two places
        assert stored_gazetteer_version(conn) == "g1"
        before = snapshot(conn)
        load_gazetteer_table(conn, [KIRKUK, KIRKUK_REGION, HAWIJA], version="g1")
        assert snapshot(conn) == before

        moved = {**HAWIJA, "latitude": 35.33}
        assert load_gazetteer_table(conn, [KIRKUK, moved], version="g2", run_id="run-9") == 2
        assert set(places(conn)) == {("Kirkuk", "city"), ("Hawija", "town")}
        assert places(conn)[("Hawija", "town")][0] == 35.33
        assert stored_gazetteer_version(conn) == "g2"
        assert load_gazetteer_table(conn, []) == 0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({k: v for k, v in KIRKUK.items() if k != "admin2"}, "missing keys \\['admin2'\\]"),
        ({**KIRKUK, "lat": 1.0}, "unknown keys \\['lat'\\]"),
        ({**KIRKUK, "name": ""}, "name is empty"),
    ],
)
def test_bad_rows_are_refused_with_their_number(db_path, row, message):
    with open_db(db_path) as conn:
        with pytest.raises(TerminalError, match=f"row 2.*{message}"):
            load_gazetteer_table(conn, [KIRKUK, row])
        assert places(conn) == {}
