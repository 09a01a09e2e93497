"""Exports from the analyst copy of the demo database: month-partitioned Parquet, CSV, and the
ACLED-column CSV, each readable back with the rows it reports."""

from __future__ import annotations

import csv
from datetime import date

import duckdb
import pytest

from core.errors import ConfigError
from storage.export import export_incidents
from storage.publish import open_analyst
from taggers.taxonomy import load_taxonomy

ACLED_HEAD = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
              "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
              "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
              "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
              "fatalities", "tags", "timestamp"]


def test_parquet_partitioned_by_month_round_trips(demo_analyst_copy, tmp_path):
    conn = open_analyst(demo_analyst_copy, full_text=False)
    report = export_incidents(conn, tmp_path, "parquet")
    (total,) = conn.execute("SELECT count(*) FROM v_incidents").fetchone()
    assert report["rows"] == total > 0
    files = list((tmp_path / "incidents").rglob("*.parquet"))
    assert files and all("year=" in str(f) and "month=" in str(f) for f in files)
    (back,) = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path}/incidents/**/*.parquet')").fetchone()
    assert back == total
    # every v_incidents column, those ACLED lacks (geonames_id) included
    exported = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{tmp_path}/incidents/**/*.parquet')")
    assert {"geo_precision", "geonames_id"} <= {row[0] for row in exported.fetchall()}
    again = export_incidents(conn, tmp_path, "parquet")  # re-export replaces, never appends
    (back,) = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path}/incidents/**/*.parquet')").fetchone()
    assert again["rows"] == back == total


def test_acled_csv_has_acled_columns_and_labels(demo_analyst_copy, tmp_path):
    conn = open_analyst(demo_analyst_copy, full_text=False)
    report = export_incidents(conn, tmp_path, "acled", since=date(2026, 11, 1))
    with open(report["path"], newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ACLED_HEAD and len(rows) == report["rows"]
    labels = {s.label for s in load_taxonomy().sub_events.values()}
    assert {r["sub_event_type"] for r in rows} <= labels  # ACLED's display labels, as its files use


def test_unknown_format_is_a_clear_error(demo_analyst_copy, tmp_path):
    with pytest.raises(ConfigError, match="unknown export format"):
        export_incidents(open_analyst(demo_analyst_copy, full_text=False), tmp_path, "xlsx")
