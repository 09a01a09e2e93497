"""End to end on a real Prefect server, with the runbook's own commands (docs/operations.md):
server on loopback (SQLite, telemetry off) → work pool → global concurrency limit → deploy from
prefect.yaml → the runbook's automations → trigger `ingest/ingest` against the demo site → one
process worker runs it.
Checks the run completed, events are stored, the run-summary artifacts exist, and a second
triggered run adds no duplicate rows. Every step has a timeout; every process is stopped."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from core.settings import PROJECT_ROOT
from extractors.demo_site import DemoSite
from flows.ops import EXIT_FRESH, status_exit_code, status_report
from storage import reads
from storage.db import open_db
from tests.flows.prefect_server import clean_env, run_command, running_server

RUNBOOK = PROJECT_ROOT / "docs" / "operations.md"
POOL = "newsevents-process"

# The runbook's commands, exactly; `{...}` is what differs between a laptop and this test.
SERVER_START = "prefect server start --host 127.0.0.1 --port {port}"
CREATE_POOL = f"prefect work-pool create {POOL} --type process"
CREATE_WRITER_LIMIT = "prefect gcl create newsevents-db-writer --limit 1"
DEPLOY_ALL = "prefect --no-prompt deploy --all"
TRIGGER_INGEST = "prefect deployment run ingest/ingest --params {params}"
WORKER_ONCE = f"prefect worker start --pool {POOL} --run-once"
CREATE_AUTOMATIONS = "prefect automation create --from-file newsevents-automations.yaml"
RUNBOOK_COMMANDS = (SERVER_START, CREATE_POOL, CREATE_WRITER_LIMIT, DEPLOY_ALL, TRIGGER_INGEST, WORKER_ONCE,
                    CREATE_AUTOMATIONS)


def test_runbook_shows_the_commands_this_test_runs():
    text = RUNBOOK.read_text(encoding="utf-8")
    for command in RUNBOOK_COMMANDS:
        documented = command.split("{")[0].strip()
        assert documented in text, f"docs/operations.md lost the command: {documented}"


def runbook_automations() -> str:
    """The automations file as the runbook shows it (between its begin/end markers)."""
    text = RUNBOOK.read_text(encoding="utf-8")
    block = text.split("<!-- automations:begin -->", 1)[1].split("<!-- automations:end -->", 1)[0]
    return block.strip().removeprefix("```yaml").removesuffix("```")


def _feeds_file(tmp_path: Path, site: DemoSite) -> Path:
    path = tmp_path / "demo-feeds.toml"
    path.write_text("".join(f'[[feed]]\nname = "{s.name}"\nurl = "{s.url}"\nlanguage = "en"\n\n'
                            for s in site.feed_sources()), encoding="utf-8")
    return path


def _api(api_url: str, method: str, path: str, body: dict | None = None):
    response = httpx.request(method, f"{api_url}{path}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def _trigger_and_work(env: dict[str, str], api_url: str, parameters: dict) -> str:
    """Trigger one ingest run, let one worker poll once (it waits for the run), return its id."""
    trigger = TRIGGER_INGEST.format(params=shlex.quote(json.dumps(parameters)))
    created = run_command(trigger, env, timeout=120)
    match = re.search(r"UUID: ([0-9a-f-]{36})", created.stdout)
    assert match, created.stdout
    flow_run_id = match.group(1)
    worked = run_command(WORKER_ONCE, env, timeout=300)
    state = _api(api_url, "GET", f"/flow_runs/{flow_run_id}")
    assert state["state_type"] == "COMPLETED", (state["state"], worked.stdout[-4000:], worked.stderr[-4000:])
    return flow_run_id


def _counts(db: Path) -> dict[str, int]:
    with open_db(db, read_only=True) as conn:
        return reads.table_counts(conn)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    with running_server(home) as api_url:
        yield api_url, clean_env(home, api_url, NEWSEVENTS_HOME=str(PROJECT_ROOT))


@pytest.mark.e2e
def test_deployed_ingest_runs_on_a_process_worker_and_reruns_add_nothing(prefect_server, tmp_path):
    api_url, env = prefect_server
    db = tmp_path / "e2e.duckdb"
    with DemoSite() as site:
        run_command(CREATE_POOL, env)
        run_command(CREATE_WRITER_LIMIT, env)
        run_command(DEPLOY_ALL, env, timeout=180)
        (tmp_path / "newsevents-automations.yaml").write_text(runbook_automations(), encoding="utf-8")
        run_command(CREATE_AUTOMATIONS, env, cwd=tmp_path)
        automations = {a["name"] for a in _api(api_url, "POST", "/automations/filter", {})}

        deployments = {d["name"]: d for d in _api(api_url, "POST", "/deployments/filter", {})}
        assert set(deployments) == {"ingest", "retag", "reextract", "maintenance"}
        assert {d["work_pool_name"] for d in deployments.values()} == {POOL}
        ingest = deployments["ingest"]
        (schedule,) = ingest["schedules"]
        assert schedule["schedule"]["cron"] == "*/15 * * * *" and schedule["schedule"]["timezone"] == "UTC"
        assert ingest["global_concurrency_limit"]["limit"] == 1
        assert ingest["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"

        parameters = {"feeds_file": str(_feeds_file(tmp_path, site)), "db_path": str(db),
                      "allow_private_networks": True, "per_host_delay": 0.0, "force": True}
        first_run = _trigger_and_work(env, api_url, parameters)
        first = _counts(db)
        artifacts = _api(api_url, "POST", "/artifacts/filter",
                         {"artifacts": {"flow_run_id": {"any_": [first_run]}}})
        second_run = _trigger_and_work(env, api_url, parameters)
        second = _counts(db)

    assert automations == {"newsevents-run-failed", "newsevents-run-late", "newsevents-no-ingest-for-an-hour",
                           "newsevents-zombie-runs"}
    assert first["events"] > 0 and first["articles"] >= 24, first
    assert {a["key"] for a in artifacts} >= {"ingest-summary", "ingest-feeds"}
    feed_table = next(a for a in artifacts if a["key"] == "ingest-feeds")
    assert "demowire" in json.dumps(feed_table["data"])
    for table in ("articles", "events", "feed_items", "feeds"):
        assert second[table] == first[table], (table, first, second)
    with open_db(db, read_only=True) as conn:
        runs = {r["run_id"]: r for r in reads.latest_runs(conn, limit=10)}
    assert runs[first_run]["status"] == runs[second_run]["status"] == "completed"
    assert runs[first_run]["events_found"] > 0
    assert runs[second_run]["items_new"] == 0 and runs[second_run]["articles_extracted"] == 0
    assert status_exit_code(status_report(db, stale_after_minutes=60)) == EXIT_FRESH


# With argv[2] == "hold": takes the writer slot of the limit named argv[1] and keeps it until a
# line arrives on stdin. With "try": tries to take it within 1 s, twice, a line apart.
_SLOT = """
import sys
import flows.tasks as tasks
from core.errors import DatabaseLocked
tasks.DB_WRITER_LIMIT = sys.argv[1]
if sys.argv[2] == "hold":
    with tasks.db_writer_slot():
        print("held", flush=True)
        sys.stdin.readline()
    sys.exit(0)
for attempt in ("while held", "after release"):
    try:
        with tasks.db_writer_slot(wait_seconds=1):
            print(attempt, "acquired", flush=True)
    except DatabaseLocked:
        print(attempt, "locked", flush=True)
    sys.stdin.readline()
"""


def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(argv, env=env, cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _say(process: subprocess.Popen, line: str = "go") -> None:
    process.stdin.write(line + "\n")
    process.stdin.flush()


@pytest.mark.e2e
def test_database_writers_take_turns_on_the_global_concurrency_limit(prefect_server):
    api_url, env = prefect_server
    name = "newsevents-db-writer-test"  # its own limit: independent of the other test's
    run_command(f"prefect gcl create {name} --limit 1", env)
    argv = [sys.executable, "-c", _SLOT, name]
    holder = _start([*argv, "hold"], env)
    contender = None
    try:
        assert holder.stdout.readline().strip() == "held"
        contender = _start([*argv, "try"], env)
        while_held = contender.stdout.readline().strip()
        _say(holder)
        assert holder.wait(timeout=60) == 0
        _say(contender)
        after_release = contender.stdout.readline().strip()
        _say(contender)
        assert contender.wait(timeout=60) == 0
    finally:
        for process in (holder, contender):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    assert (while_held, after_release) == ("while held locked", "after release acquired")
