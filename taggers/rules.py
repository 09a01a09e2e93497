"""Load and validate the rule packs in ``taggers/rules/`` (triggers.toml, context.toml).

Every problem is a ``RuleError`` naming the file, the line and the reason, so an analyst who
edits a rule file sees exactly what to fix."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from core.errors import RuleError

_TRIGGER_KEYS = {
    "id", "sub_event_type", "patterns", "specific", "weight", "veto", "requires",
    "armed_target", "civilian_target", "state_actor1", "nonstate_actor1", "switch", "outcome",
}
_CONTEXT_KEYS = {
    "hypothetical", "not_political", "negated", "hedged", "generic", "historical", "source_follows",
    "source_precedes", "claims",
}
_FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class TriggerRule:
    id: str
    sub_event_type: str
    patterns: tuple[str, ...]
    specific: bool = True
    weight: float = 0.6
    veto: re.Pattern[str] | None = None
    requires: re.Pattern[str] | None = None
    armed_target: str | None = None
    civilian_target: str | None = None
    state_actor1: str | None = None
    nonstate_actor1: str | None = None
    switches: tuple[tuple[re.Pattern[str], str], ...] = ()
    outcome: bool = False  # names a result (killed), not a method: yields to method triggers


@dataclass(frozen=True)
class ContextRules:
    hypothetical: re.Pattern[str]
    not_political: re.Pattern[str]
    negated: re.Pattern[str]
    hedged: re.Pattern[str]
    generic: re.Pattern[str]
    historical: re.Pattern[str]
    source_follows: re.Pattern[str]
    source_precedes: re.Pattern[str]
    claims: re.Pattern[str]


def _read_toml(path: Path) -> tuple[dict, list[str]]:
    raw = path.read_text(encoding="utf-8")
    try:
        return tomllib.loads(raw), raw.splitlines()
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise RuleError(path, int(line.group(1)) if line else None, f"invalid TOML: {exc}") from exc


def _line_of(lines: list[str], needle: str, default: int | None = None) -> int | None:
    for number, text in enumerate(lines, start=1):
        if needle in text:
            return number
    return default


def _alternation(patterns: list[str], path: Path, line: int | None, what: str) -> re.Pattern[str]:
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        raise RuleError(path, line, f"{what} must be a list of non-empty strings")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RuleError(path, line, f"{what}: bad regular expression {pattern!r}: {exc}") from exc
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b", _FLAGS)


def load_triggers(path: Path, sub_event_types: set[str]) -> list[TriggerRule]:
    data, lines = _read_toml(path)
    unknown_top = set(data) - {"trigger"}
    if unknown_top:
        raise RuleError(path, _line_of(lines, sorted(unknown_top)[0]), f"unknown section {sorted(unknown_top)}")
    rules: list[TriggerRule] = []
    seen: set[str] = set()
    for entry in data.get("trigger", []):
        rule_id = entry.get("id")
        line = _line_of(lines, f'"{rule_id}"') if rule_id else None
        if not isinstance(rule_id, str) or not rule_id:
            raise RuleError(path, None, "a [[trigger]] has no id")
        if rule_id in seen:
            raise RuleError(path, line, f"duplicate trigger id {rule_id!r}")
        seen.add(rule_id)
        unknown = set(entry) - _TRIGGER_KEYS
        if unknown:
            raise RuleError(path, line, f"trigger {rule_id!r}: unknown keys {sorted(unknown)}")
        targets = {k: entry.get(k) for k in (
            "sub_event_type", "armed_target", "civilian_target", "state_actor1", "nonstate_actor1")}
        for key, value in targets.items():
            if (value is not None or key == "sub_event_type") and value not in sub_event_types:
                raise RuleError(path, line, f"trigger {rule_id!r}: {key} {value!r} is not an ACLED sub-event type")
        patterns = entry.get("patterns")
        _alternation(patterns, path, line, f"trigger {rule_id!r} patterns")
        weight = entry.get("weight", 0.6)
        if not isinstance(weight, int | float) or not 0 <= weight <= 1:
            raise RuleError(path, line, f"trigger {rule_id!r}: weight must be a number in 0..1")
        switches = []
        for switch in entry.get("switch", []):
            if set(switch) != {"pattern", "sub_event_type"} or switch["sub_event_type"] not in sub_event_types:
                raise RuleError(path, line, f"trigger {rule_id!r}: a switch needs pattern and a valid sub_event_type")
            switches.append((_alternation([switch["pattern"]], path, line, "switch"), switch["sub_event_type"]))
        rules.append(TriggerRule(
            id=rule_id,
            sub_event_type=targets["sub_event_type"],
            patterns=tuple(patterns),
            specific=bool(entry.get("specific", True)),
            weight=float(weight),
            veto=_alternation(entry["veto"], path, line, "veto") if entry.get("veto") else None,
            requires=_alternation(entry["requires"], path, line, "requires") if entry.get("requires") else None,
            armed_target=targets["armed_target"],
            civilian_target=targets["civilian_target"],
            state_actor1=targets["state_actor1"],
            nonstate_actor1=targets["nonstate_actor1"],
            switches=tuple(switches),
            outcome=bool(entry.get("outcome", False)),
        ))
    if not rules:
        raise RuleError(path, None, "no [[trigger]] entries")
    return rules


def compile_triggers(rules: list[TriggerRule]) -> tuple[re.Pattern[str], list[re.Pattern[str]]]:
    """A prefilter alternation over every rule (most sentences match nothing and are
    scanned once), and one pattern per rule, so a vetoed rule never hides another rule's
    match of the same words."""
    per_rule = [re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in rule.patterns) + r")\b", _FLAGS)
                for rule in rules]
    prefilter = re.compile("|".join(f"(?:{p.pattern})" for p in per_rule), _FLAGS)
    return prefilter, per_rule


def load_context(path: Path) -> ContextRules:
    data, lines = _read_toml(path)
    missing = _CONTEXT_KEYS - set(data)
    if missing:
        raise RuleError(path, None, f"missing lists {sorted(missing)}")
    unknown = set(data) - _CONTEXT_KEYS
    if unknown:
        raise RuleError(path, _line_of(lines, sorted(unknown)[0]), f"unknown lists {sorted(unknown)}")
    compiled = {
        key: _alternation(data[key], path, _line_of(lines, f"{key} ="), key) for key in _CONTEXT_KEYS
    }
    return ContextRules(**compiled)
