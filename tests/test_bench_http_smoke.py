"""The HTTP benchmark runs end to end at a tiny size and reports the expected shape.
Timings are not checked (they depend on the machine); counts and structure are."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.bench_http import COLUMNS, render_table
from core.settings import PROJECT_ROOT

SIDES = ("polite", "naive")
SIDE_KEYS = {key for _, key, _ in COLUMNS} | {"complete", "items", "feed_errors", "body_mb"}


@pytest.fixture(scope="module")
def result() -> dict:
    # A little server latency so that the in-flight counts (one request per host at a time,
    # several hosts at once) are observable; the whole run takes a few seconds.
    command = [sys.executable, "-m", "benchmarks.bench_http", "--feeds", "20", "--articles", "20",
               "--hosts", "4", "--latency-ms", "5", "--json"]  # fmt: skip
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_reports_both_sides_with_every_figure(result):
    assert set(result) >= {
        "config",
        "cpu_count",
        "launcher_peak_rss_mb",
        "loadavg_before",
        "loadavg_after",
        "sides",
        "ratios",
    }
    assert tuple(result["sides"]) == SIDES
    for side in result["sides"].values():
        assert SIDE_KEYS <= set(side)
        assert side["wall_s"] > 0 and side["peak_rss_mb"] >= side["rss_after_imports_mb"] > 0
    assert result["ratios"]["naive_wall_over_polite_wall"] > 0
    assert result["ratios"]["polite_peak_rss_over_naive_peak_rss"] > 0


def test_both_sides_make_the_same_requests(result):
    config = result["config"]
    assert (config["feeds"], config["articles"], config["hosts"]) == (20, 20, 4)
    assert config["per_host_delay"] == 0.0
    changed = config["changed_feeds"]
    assert 1 <= changed < config["feeds"]  # most feeds answer 304
    for name in SIDES:
        side = result["sides"][name]
        assert side["complete"], (name, side)
        assert side["feeds_not_modified"] == 20 - changed and side["feeds_changed"] == changed
        assert side["items"] == side["articles_ok"] == 20 and side["article_errors"] == 0
        robots = {"robots 200": 4} if name == "polite" else {}
        assert side["server_routes"] == {"feed 200": changed, "feed 304": 20 - changed, "article 200": 20} | robots
    assert result["sides"]["polite"]["robots_requests"] == 4  # robots.txt once per host
    assert result["sides"]["polite"]["requests"] == 44 and result["sides"]["naive"]["requests"] == 40


def test_polite_client_keeps_one_request_per_host(result):
    polite, naive = result["sides"]["polite"], result["sides"]["naive"]
    assert polite["max_in_flight_per_host"] == 1
    assert naive["max_in_flight"] == 1  # sequential


def test_table_shows_both_sides_and_the_ratios(result):
    table = render_table(result)
    lines = table.splitlines()
    header = next(line for line in lines if line.startswith("side"))
    assert all(heading in header for heading, _, _ in COLUMNS)
    assert any(line.startswith("polite") and line.endswith("yes") for line in lines)
    assert any(line.startswith("naive") and line.endswith("yes") for line in lines)
    assert "naive wall / polite wall:" in table and "polite peak RSS / naive peak RSS:" in table
