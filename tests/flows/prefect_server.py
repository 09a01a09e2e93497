"""A real ``prefect server start`` on loopback for the end-to-end and crash tests: SQLite in a
temporary PREFECT_HOME, a free port, telemetry off, the scheduler off (no cron run may start
while a test runs), and every process it starts stopped at the end, by process group."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from core.settings import PROJECT_ROOT

BIN = Path(sys.executable).parent  # the virtualenv's bin: prefect and newsevents live here


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(prefect_home: Path, api_url: str | None = None, **extra: str) -> dict[str, str]:
    """The parent's environment without any PREFECT_* or NEWSEVENTS_* setting (the test must
    not depend on the machine's profile), plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSEVENTS_"))}
    env.update({
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "PREFECT_HOME": str(prefect_home),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLI_COLORS": "false",
        "PREFECT_CLI_WRAP_LINES": "false",
    })
    if api_url:
        env["PREFECT_API_URL"] = api_url
    env.update(extra)
    return env


def run_command(command: str | Sequence[str], env: dict[str, str], timeout: float = 120,
                cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    """Run one command line (as written in the runbook) and fail with its output if it fails."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    started = time.monotonic()
    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited {result.returncode} after "
                             f"{time.monotonic() - started:.1f} s\n--- stdout\n{result.stdout[-4000:]}\n"
                             f"--- stderr\n{result.stderr[-4000:]}")
    return result


def stop_process_group(process: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM to the process group we started, SIGKILL after ``grace`` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
    except ProcessLookupError:
        pass


@contextmanager
def running_server(prefect_home: Path, startup_timeout: float = 120) -> Iterator[str]:
    """Start ``prefect server start`` and yield its API URL once /api/health answers."""
    prefect_home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = clean_env(prefect_home, PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false")
    log_path = prefect_home / "server.log"
    with open(log_path, "w", encoding="utf-8") as log:
        server = subprocess.Popen(
            shlex.split(f"prefect server start --host 127.0.0.1 --port {port}"),
            env=env, cwd=prefect_home, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if server.poll() is not None:
                raise AssertionError(f"prefect server exited {server.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"prefect server not up after {startup_timeout} s:\n"
                                     f"{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        yield api_url
    finally:
        stop_process_group(server)
