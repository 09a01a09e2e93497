"""`newsevents gazetteer import` end to end: a GeoNames-format dump in, a user gazetteer out,
picked up by the tagger through NEWSEVENTS_GAZETTEER_EXTRA."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROW = ["990000003", "Qaryat Zayd", "Qaryat Zayd", "Zaydiyah Village", "34.8", "44.5", "P", "PPL", "IQ", "",
       "18", "", "", "", "1200", "", "230", "Asia/Baghdad", "2020-01-01"]


def _run(*args: str, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, env=env, timeout=300, check=False)


def test_import_then_tag_with_the_user_gazetteer(tmp_path):
    dump = tmp_path / "IQ.txt"
    dump.write_text("\t".join(ROW) + "\n", encoding="utf-8")
    out = tmp_path / "user.zip"
    result = _run("gazetteer", "import", str(dump), "--out", str(out), "--countries", "IQ", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["places"] == 1 and out.exists()

    env = {**os.environ, "NEWSEVENTS_GAZETTEER_EXTRA": str(out)}
    text = "KIRKUK, Iraq - Gunmen killed three farmers in the village of Qaryat Zayd in Iraq on Tuesday, police said."
    tagged = _run("tag", "--format", "jsonl", "--published", "2026-11-18", env=env, stdin=text)
    assert tagged.returncode == 0, tagged.stderr
    event = json.loads(tagged.stdout.splitlines()[0])
    assert event["location"] == "Qaryat Zayd" and event["latitude"] == 34.8


def test_import_of_a_malformed_dump_exits_2(tmp_path):
    dump = tmp_path / "bad.txt"
    dump.write_text("1\tonly three\tcolumns\n", encoding="utf-8")
    result = _run("gazetteer", "import", str(dump), "--out", str(tmp_path / "o.zip"))
    assert result.returncode == 2 and "19 tab-separated columns" in result.stderr
