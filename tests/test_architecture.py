"""The house rules that the tree must keep: who may import what, one settings object,
every setting documented, and a lint-clean tree."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import describe_settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "extractors", "taggers", "storage", "flows", "evaluation")
# package -> third-party or sibling modules it must not import
FORBIDDEN = {
    "core": {"prefect", "duckdb", "httpx", "trafilatura", "feedparser", "extractors", "taggers", "storage", "flows"},
    "taggers": {"prefect", "duckdb", "httpx", "extractors", "storage", "flows"},
    "extractors": {"prefect", "duckdb", "taggers", "storage", "flows"},
    "storage": {"prefect", "httpx", "trafilatura", "feedparser", "extractors", "taggers", "flows"},
    "evaluation": {"prefect", "duckdb", "httpx", "storage", "flows"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependency_direction(package):
    offenders = {}
    for path in (ROOT / package).rglob("*.py"):
        bad = _imports(path) & FORBIDDEN[package]
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_only_settings_reads_the_environment():
    readers = [str(p.relative_to(ROOT)) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
               if "os.environ" in p.read_text(encoding="utf-8") or "os.getenv" in p.read_text(encoding="utf-8")]
    # the CLI sets Prefect's own variables before importing it; nothing else reads ours
    assert set(readers) <= {"core/settings.py", "flows/cli.py"}, readers


def test_every_setting_is_documented():
    documented = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8") + \
        (ROOT / "docs" / "politeness.md").read_text(encoding="utf-8")
    missing = [env for env, _, description in describe_settings() if env not in documented or not description]
    assert missing == []


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
                    reason="ruff not installed")
def test_ruff_clean():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run([str(ruff) if ruff.exists() else "ruff", "check", "."], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
