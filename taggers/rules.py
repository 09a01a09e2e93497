"""Load and validate the rule packs in ``taggers/rules/`` (triggers.toml, context.toml).

Every problem is a ``RuleError`` naming the file, the line and the reason, so an analyst who
edits a rule file sees exactly what to fix."""

from __future__ import annotations

import re
import re._constants as sre_constants  # the stdlib regex parser: exact literal prefixes of a rule
import re._parser as sre_parser
import tomllib
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

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


@dataclass(frozen=True)
class CompiledTriggers:
    """Per-rule patterns behind an exact keyword prefilter: every match of a rule starts with
    one of its literal prefixes (computed from the parsed pattern), so a sentence is only run
    against the rules whose prefixes occur in it at a word start. Rules whose matches can
    start without a literal are always run."""

    regexes: tuple[re.Pattern[str], ...]
    prefixes: ahocorasick.Automaton
    always: frozenset[int]

    def rules_to_run(self, folded_sentence: str) -> set[int]:
        hits = set(self.always)
        for end, (length, indices) in self.prefixes.iter(folded_sentence):
            start = end - length + 1
            if start == 0 or not folded_sentence[start - 1].isalnum():
                hits.update(indices)
        return hits


def compile_triggers(rules: list[TriggerRule]) -> CompiledTriggers:
    regexes = tuple(re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in rule.patterns) + r")\b", _FLAGS)
                    for rule in rules)
    automaton = ahocorasick.Automaton()
    table: dict[str, set[int]] = {}
    always: set[int] = set()
    for index, rule in enumerate(rules):
        for pattern in rule.patterns:
            found = literal_prefixes(pattern)
            if found is None:
                always.add(index)
                continue
            for prefix in found:
                table.setdefault(prefix, set()).add(index)
    for prefix, indices in table.items():
        automaton.add_word(prefix, (len(prefix), frozenset(indices)))
    if table:
        automaton.make_automaton()
    return CompiledTriggers(regexes, automaton, frozenset(always))


def literal_prefixes(pattern: str, limit: int = 8) -> set[str] | None:
    """Lowercase literal prefixes with which every match of ``pattern`` begins, or None when
    a match may begin with no literal (a character class, say)."""
    found = _prefixes(list(sre_parser.parse(pattern, _FLAGS)), 0, limit)
    return None if found is None or "" in found else found


def _prefixes(tokens: list, i: int, limit: int) -> set[str] | None:
    if i >= len(tokens):
        return {""}
    op, av = tokens[i]
    if op is sre_constants.AT:  # \b and anchors match no character
        return _prefixes(tokens, i + 1, limit)
    if op is sre_constants.LITERAL:
        if limit == 0:
            return {""}
        rest = _prefixes(tokens, i + 1, limit - 1) or {""}
        return {chr(av).lower() + r for r in rest}
    if op is sre_constants.SUBPATTERN:
        return _prefixes(list(av[3]), 0, limit)
    if op is sre_constants.BRANCH:
        union: set[str] = set()
        for alternative in av[1]:
            found = _prefixes(list(alternative), 0, limit)
            if found is None:
                return None
            union |= found
        return union
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        inner = _prefixes(list(av[2]), 0, limit)
        if av[0] == 0:  # optional: the match may start with what follows instead
            rest = _prefixes(tokens, i + 1, limit)
            return None if inner is None or rest is None else inner | rest
        return inner
    return {""}


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
