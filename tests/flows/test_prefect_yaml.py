"""prefect.yaml: every entrypoint loads as the flow it names, with the parameters the file gives
it; schedules, time zones, concurrency and the work pool are what the runbook promises."""

from __future__ import annotations

import asyncio
import inspect
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from core.settings import PROJECT_ROOT

PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"
POOL = "newsevents-process"


def _config() -> dict:
    return yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))


def _deployments() -> dict[str, dict]:
    return {d["name"]: d for d in _config()["deployments"]}


def _load_flow(entrypoint: str):
    from prefect.flows import load_flow_from_entrypoint

    path, _, function = entrypoint.partition(":")
    assert (PROJECT_ROOT / path).is_file(), f"entrypoint file {path} does not exist"
    # use_placeholder_flow=False: by default Prefect falls back to a stand-in built from the
    # source text when the module fails to import (so does `prefect deploy`); we want the error.
    return load_flow_from_entrypoint(f"{PROJECT_ROOT / path}:{function}", use_placeholder_flow=False)


def test_the_four_deployments_are_declared():
    assert set(_deployments()) == {"ingest", "retag", "reextract", "maintenance"}


@pytest.mark.parametrize("name", ["ingest", "retag", "reextract", "maintenance"])
def test_entrypoint_loads_the_named_flow_with_valid_default_parameters(name):
    deployment = _deployments()[name]
    flow = _load_flow(deployment["entrypoint"])
    assert flow.name == name
    signature = inspect.signature(flow.fn)
    parameters = deployment.get("parameters") or {}
    unknown = set(parameters) - set(signature.parameters)
    assert not unknown, f"{name}: prefect.yaml passes parameters the flow does not take: {unknown}"
    # Prefect validates run parameters against the signature (enforce_parameter_schema).
    flow.validate_parameters(dict(parameters))
    required = [p for p in signature.parameters.values() if p.default is inspect.Parameter.empty]
    assert not required, f"{name}: every flow parameter needs a default for scheduled runs: {required}"


@pytest.mark.parametrize(("name", "expected"), [
    ("retag", {"since", "source", "db_path", "rules_dir"}),
    ("reextract", {"since", "source", "db_path"}),
])
def test_on_demand_flows_take_their_reprocessing_parameters(name, expected):
    flow = _load_flow(_deployments()[name]["entrypoint"])
    assert expected <= set(inspect.signature(flow.fn).parameters)


def test_every_deployment_runs_on_the_shared_process_pool():
    deployments = list(_deployments().values())
    pools = [d["work_pool"] for d in deployments]
    assert all(pool["name"] == POOL for pool in pools)
    # One YAML anchor: the loader hands back the same mapping for every alias.
    assert all(pool is pools[0] for pool in pools)
    assert "&process_pool" in PREFECT_YAML.read_text(encoding="utf-8")


def test_database_and_feeds_parameters_have_defaults():
    deployments = _deployments()
    assert {d["parameters"]["db_path"] for d in deployments.values()} == {"data/newsevents.duckdb"}
    assert deployments["ingest"]["parameters"]["feeds_file"] == "config/feeds.toml"
    assert (PROJECT_ROOT / deployments["ingest"]["parameters"]["feeds_file"]).is_file()


def _fire_times(schedule: dict, start: datetime, n: int) -> list[datetime]:
    from prefect.server.schemas.schedules import CronSchedule

    cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    dates = asyncio.run(cron.get_dates(n=n, start=start))  # the server's own schedule expansion
    return [datetime.fromtimestamp(d.timestamp(), UTC) for d in dates]


def test_ingest_runs_every_15_minutes_in_an_explicit_time_zone_without_overlap():
    ingest = _deployments()["ingest"]
    (schedule,) = ingest["schedules"]
    assert schedule["timezone"] and ZoneInfo(schedule["timezone"])
    assert schedule.get("active", True)
    # Through both European daylight-saving changes: a run every 15 minutes, none skipped or doubled.
    for change in (datetime(2026, 3, 29, 0, 0, tzinfo=UTC), datetime(2026, 10, 25, 0, 0, tzinfo=UTC)):
        times = _fire_times(schedule, change, 16)
        assert {b - a for a, b in zip(times, times[1:], strict=False)} == {timedelta(minutes=15)}
    assert ingest["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}


def test_maintenance_runs_once_a_night_and_reprocessing_only_on_demand():
    deployments = _deployments()
    (schedule,) = deployments["maintenance"]["schedules"]
    assert ZoneInfo(schedule["timezone"])
    times = _fire_times(schedule, datetime(2026, 11, 1, tzinfo=UTC), 3)
    assert {b - a for a, b in zip(times, times[1:], strict=False)} == {timedelta(days=1)}
    assert all(t.hour < 6 for t in times), "maintenance belongs in the quiet hours"
    assert deployments["maintenance"]["concurrency_limit"]["collision_strategy"] == "CANCEL_NEW"
    for name in ("retag", "reextract"):
        assert not deployments[name].get("schedules"), f"{name} must run only on demand"
        assert deployments[name]["concurrency_limit"]["limit"] == 1


def test_pull_step_enters_the_checkout_named_by_the_worker():
    (step,) = _config()["pull"]
    assert step == {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $NEWSEVENTS_HOME }}"}}

