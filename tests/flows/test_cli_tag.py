"""The `newsevents tag` contract: JSONL in, one JSON object per event out, stable keys."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core.records import EVENT_FIELDS

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_KEYS = [
    "doc_id", "event_id", "event_type", "sub_event_type", "cameo_code", "quad_class", "actor1",
    "actor1_type", "actor1_country", "actor2", "actor2_type", "actor2_country", "country", "admin1",
    "admin1_code", "admin2", "location", "latitude", "longitude", "geo_precision", "geonames_id",
    "event_date",
    "date_precision", "date_text", "fatalities", "fatalities_high", "injured", "historical", "negated",
    "hedged", "evidence", "char_start", "char_end", "confidence", "rule_id", "tagger_version",
]


def _tag(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flows.cli", "tag", *args], input=stdin, text=True,
                          capture_output=True, cwd=ROOT, timeout=300, check=False)


def test_event_fields_are_the_contract():
    assert list(EVENT_FIELDS) == CONTRACT_KEYS


def test_jsonl_round_trip_on_seeds(shared_root):
    docs = []
    for meta in sorted((shared_root / "gold").glob("seed-*.json")):
        gold = json.loads(meta.read_text())
        docs.append({"id": gold["id"], "text": (meta.parent / gold["text_file"]).read_text(),
                     "published": None, "title": None})
    result = _tag("\n".join(json.dumps(d) for d in docs) + "\n", "--input", "jsonl", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events and all(list(e) == CONTRACT_KEYS for e in events)
    assert {e["doc_id"] for e in events} == {d["id"] for d in docs}
    for e in events:
        text = next(d["text"] for d in docs if d["id"] == e["doc_id"])
        assert text[e["char_start"]:e["char_end"]] == e["evidence"]


def test_thousand_documents_in_one_call():
    template = ("KIRKUK, Iraq - Gunmen killed {n} shepherds near Hawija on Tuesday, police said. "
                "Separately, the football league resumed.")
    lines = [json.dumps({"id": f"doc-{i}", "text": template.format(n=i % 9 + 2), "published": "2026-11-18",
                         "title": None}) for i in range(1000)]
    result = _tag("\n".join(lines) + "\n", "--input", "jsonl", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert len({e["doc_id"] for e in events}) == 1000
    first = next(e for e in events if e["doc_id"] == "doc-0")
    assert first["sub_event_type"] == "attack" and first["fatalities"] == 2
    assert first["event_date"] == "2026-11-17" and first["admin1"] == "Kirkuk"


def test_bad_jsonl_line_is_a_usage_error():
    result = _tag('{"id": "x"}\n', "--input", "jsonl", "--format", "jsonl")
    assert result.returncode == 2
    assert "<stdin>:1" in result.stderr
