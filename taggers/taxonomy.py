"""The ACLED event taxonomy and its crosswalk to CAMEO, QuadClass, PLOVER and CASE 2021.

The data lives in ``taggers/rules/taxonomy.toml``; this module validates it into frozen
records (``load_taxonomy``) and renders the generated parts of ``docs/taxonomy.md``
(``render_doc_sections``). A bad file fails with ``RuleError(path, line, reason)``.

Run ``python -m taggers.taxonomy docs/taxonomy.md`` to refresh the generated sections of the
doc after editing the TOML (a test fails while they differ).
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.errors import RuleError

DEFAULT_TAXONOMY_PATH = Path(__file__).resolve().parent / "rules" / "taxonomy.toml"

# ACLED's 25 sub-event types and the event type each belongs to (ACLED Codebook order).
ACLED_SUB_EVENTS: dict[str, str] = {
    "government_regains_territory": "Battles",
    "non_state_actor_overtakes_territory": "Battles",
    "armed_clash": "Battles",
    "chemical_weapon": "Explosions/Remote violence",
    "air_drone_strike": "Explosions/Remote violence",
    "suicide_bomb": "Explosions/Remote violence",
    "shelling_artillery_missile_attack": "Explosions/Remote violence",
    "remote_explosive_landmine_ied": "Explosions/Remote violence",
    "grenade": "Explosions/Remote violence",
    "sexual_violence": "Violence against civilians",
    "attack": "Violence against civilians",
    "abduction_forced_disappearance": "Violence against civilians",
    "peaceful_protest": "Protests",
    "protest_with_intervention": "Protests",
    "excessive_force_against_protesters": "Protests",
    "violent_demonstration": "Riots",
    "mob_violence": "Riots",
    "agreement": "Strategic developments",
    "arrests": "Strategic developments",
    "change_to_group_activity": "Strategic developments",
    "disrupted_weapons_use": "Strategic developments",
    "headquarters_or_base_established": "Strategic developments",
    "looting_property_destruction": "Strategic developments",
    "non_violent_transfer_of_territory": "Strategic developments",
    "other": "Strategic developments",
}
EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(ACLED_SUB_EVENTS.values()))

# Event types of the PLOVER gold-standard records (draft 0.5b1) plus the two the 2021 manual
# introduced (REQUEST, ACCUSE), so a crosswalk written against either draft loads.
PLOVER_TYPES = frozenset(
    {
        "AGREE", "AID", "ASSAULT", "COERCE", "CONCEDE", "CONSULT", "COOPERATE", "DEMAND",
        "DISAPPROVE", "FIGHT", "INVESTIGATE", "MOBILIZE", "PROTEST", "REJECT", "RETREAT",
        "SANCTION", "SUPPORT", "THREATEN", "REQUEST", "ACCUSE",
    }
)  # fmt: skip

QUAD_CLASS_NAMES = {
    1: "verbal cooperation",
    2: "material cooperation",
    3: "verbal conflict",
    4: "material conflict",
}
CAMEO_ROOTS: tuple[str, ...] = tuple(f"{n:02d}" for n in range(1, 21))

_SUB_EVENT_KEYS = (
    "id", "event_type", "label", "definition", "coding_rules", "cameo_code", "quad_class",
    "plover_type", "plover_mode", "case2021_label", "precedence",
)  # fmt: skip
_TOP_LEVEL_KEYS = ("event_types", "sub_event", "plover_to_acled", "cameo_root_names")

_SNAKE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CAMEO_CODE = re.compile(r"^\d{2,4}$")
_CASE_LABEL = re.compile(r"^[A-Z][A-Z_]*$")
_PLOVER_MODE = re.compile(r"^[a-z][a-z-]*$")
_PLOVER_KEY = re.compile(r"^(?P<type>[A-Z]+)(?:/(?P<mode>[a-z][a-z-]*))?$")


def quad_class_of_root(root: str) -> int:
    """GDELT's QuadClass of a CAMEO root: 01-05 verbal cooperation, 06-08 material
    cooperation, 09-13 verbal conflict, 14-20 material conflict."""
    number = int(root)
    if number <= 5:
        return 1
    if number <= 8:
        return 2
    if number <= 13:
        return 3
    return 4


@dataclass(frozen=True)
class SubEventType:
    """One ACLED sub-event type with its crosswalk codes."""

    id: str
    event_type: str
    label: str
    definition: str
    coding_rules: tuple[str, ...]
    cameo_code: str
    quad_class: int
    plover_type: str
    plover_mode: str  # "" when the PLOVER vocabulary has no mode for it
    case2021_label: str
    precedence: int  # higher wins when one sentence fits several types

    @property
    def cameo_root(self) -> str:
        return self.cameo_code[:2]


@dataclass(frozen=True)
class Taxonomy:
    """The validated taxonomy. Treat the dicts as read-only."""

    sub_events: dict[str, SubEventType]  # ACLED order
    event_types: dict[str, str]  # ACLED event type -> definition
    plover_to_acled: dict[str, str]  # "TYPE" or "TYPE/mode" -> ACLED event type ("" = none)
    cameo_root_names: dict[str, str]  # "01".."20" -> name

    def by_case2021_label(self) -> dict[str, SubEventType]:
        return {sub.case2021_label: sub for sub in self.sub_events.values()}

    def case2021_label(self, sub_event_id: str) -> str:
        return self.sub_events[sub_event_id].case2021_label

    def by_precedence(self) -> list[SubEventType]:
        """Sub-event types, the one that wins a tie first."""
        return sorted(self.sub_events.values(), key=lambda sub: sub.precedence, reverse=True)

    def winner(self, sub_event_ids: Iterable[str]) -> str:
        """The sub-event type ACLED would code when a sentence fits all of ``sub_event_ids``."""
        return max(sub_event_ids, key=lambda sub_id: self.sub_events[sub_id].precedence)

    def cameo_roots(self) -> frozenset[str]:
        """CAMEO roots our crosswalk can produce."""
        return frozenset(sub.cameo_root for sub in self.sub_events.values())

    def event_type_for_plover(self, plover_type: str, plover_mode: str | None = None) -> str | None:
        """ACLED event type for a PLOVER type (and mode), or None where none exists."""
        if plover_mode:
            specific = self.plover_to_acled.get(f"{plover_type}/{plover_mode}")
            if specific is not None:
                return specific or None
        return self.plover_to_acled.get(plover_type) or None


# --- loading ---------------------------------------------------------------------------------


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and validate the taxonomy file (default: the packaged ``rules/taxonomy.toml``)."""
    path = Path(path) if path is not None else DEFAULT_TAXONOMY_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(str(path), None, f"cannot read taxonomy: {exc}") from exc
    return parse_taxonomy(text, str(path))


def parse_taxonomy(text: str, path: str = "<taxonomy>") -> Taxonomy:
    """Validate taxonomy TOML text; ``path`` only names the file in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        raise RuleError(path, int(match.group(1)) if match else None, str(exc)) from exc
    return _Validator(text, path).validate(data)


class _Validator:
    """Semantic checks. tomllib gives no line numbers after parsing, so errors are located by
    scanning the raw text: the offending key inside its table, else the table's ``id`` line."""

    def __init__(self, text: str, path: str) -> None:
        self.lines = text.splitlines()
        self.path = path
        self.sub_event_headers = [
            n for n, line in enumerate(self.lines) if line.strip().startswith("[[sub_event]]")
        ]

    # -- locating lines (1-based) --

    def _table_block(self, header: str) -> tuple[int, int] | None:
        for n, line in enumerate(self.lines):
            if line.strip() == f"[{header}]":
                return n, self._block_end(n)
        return None

    def _block_end(self, start: int) -> int:
        for n in range(start + 1, len(self.lines)):
            if self.lines[n].lstrip().startswith("["):
                return n
        return len(self.lines)

    def _key_line(self, block: tuple[int, int] | None, key: str) -> int | None:
        if block is None:
            return None
        pattern = re.compile(rf'^\s*(?:{re.escape(key)}|"{re.escape(key)}")\s*=')
        for n in range(block[0], block[1]):
            if pattern.match(self.lines[n]):
                return n + 1
        return None

    def _sub_event_line(self, index: int, key: str | None = None) -> int | None:
        if index >= len(self.sub_event_headers):
            return None
        start = self.sub_event_headers[index]
        block = (start, self._block_end(start))
        if key is not None and (line := self._key_line(block, key)) is not None:
            return line
        return self._key_line(block, "id") or start + 1

    def _top_level_line(self, key: str) -> int | None:
        for n, line in enumerate(self.lines):
            stripped = line.strip()
            if stripped in (f"[{key}]", f"[[{key}]]") or re.match(rf"^{re.escape(key)}\s*=", line):
                return n + 1
        return None

    def fail(self, line: int | None, reason: str) -> RuleError:
        return RuleError(self.path, line, reason)

    # -- checks --

    def validate(self, data: dict) -> Taxonomy:
        for key in data:
            if key not in _TOP_LEVEL_KEYS:
                raise self.fail(self._top_level_line(key), f"unknown top-level key {key!r}")
        for key in _TOP_LEVEL_KEYS:
            if key not in data:
                raise self.fail(None, f"missing top-level table {key!r}")
        cameo_root_names = self._cameo_root_names(data["cameo_root_names"])
        event_types = self._event_types(data["event_types"])
        sub_events = self._sub_events(data["sub_event"])
        plover_to_acled = self._plover_to_acled(data["plover_to_acled"])
        return Taxonomy(
            sub_events=sub_events,
            event_types=event_types,
            plover_to_acled=plover_to_acled,
            cameo_root_names=cameo_root_names,
        )

    def _string_table(self, value: object, name: str) -> dict[str, str]:
        block = self._table_block(name)
        if not isinstance(value, dict):
            raise self.fail(self._top_level_line(name), f"{name} must be a table")
        for key, item in value.items():
            if not isinstance(item, str):
                raise self.fail(self._key_line(block, key), f"{name}.{key} must be a string")
        return dict(value)

    def _event_types(self, value: object) -> dict[str, str]:
        table = self._string_table(value, "event_types")
        block = self._table_block("event_types")
        for key, definition in table.items():
            if key not in EVENT_TYPES:
                raise self.fail(
                    self._key_line(block, key),
                    f"unknown event type {key!r} (expected one of {', '.join(EVENT_TYPES)})",
                )
            if not definition.strip():
                raise self.fail(self._key_line(block, key), f"event type {key!r} has no definition")
        missing = [name for name in EVENT_TYPES if name not in table]
        if missing:
            raise self.fail(
                block[0] + 1 if block else None, f"event_types lacks {', '.join(missing)}"
            )
        return {name: table[name] for name in EVENT_TYPES}

    def _cameo_root_names(self, value: object) -> dict[str, str]:
        table = self._string_table(value, "cameo_root_names")
        block = self._table_block("cameo_root_names")
        for key in table:
            if key not in CAMEO_ROOTS:
                raise self.fail(self._key_line(block, key), f"{key!r} is not a CAMEO root (01-20)")
        missing = [root for root in CAMEO_ROOTS if root not in table]
        if missing:
            raise self.fail(
                block[0] + 1 if block else None, f"cameo_root_names lacks {', '.join(missing)}"
            )
        return {root: table[root] for root in CAMEO_ROOTS}

    def _plover_to_acled(self, value: object) -> dict[str, str]:
        table = self._string_table(value, "plover_to_acled")
        block = self._table_block("plover_to_acled")
        for key, event_type in table.items():
            line = self._key_line(block, key)
            match = _PLOVER_KEY.match(key)
            if not match or match.group("type") not in PLOVER_TYPES:
                raise self.fail(line, f"{key!r} is not a PLOVER type or TYPE/mode")
            if event_type and event_type not in EVENT_TYPES:
                raise self.fail(line, f"{key!r} maps to unknown event type {event_type!r}")
        return table

    def _sub_events(self, value: object) -> dict[str, SubEventType]:
        if not isinstance(value, list):
            raise self.fail(
                self._top_level_line("sub_event"), "sub_event must be [[sub_event]] tables"
            )
        found: dict[str, SubEventType] = {}
        seen_labels: dict[str, str] = {}
        seen_precedence: dict[int, str] = {}
        for index, table in enumerate(value):
            if isinstance(table, dict) and table.get("id") in found:
                raise self.fail(
                    self._sub_event_line(index), f"duplicate sub-event id {table['id']!r}"
                )
            sub = self._sub_event(index, table)
            if sub.case2021_label in seen_labels:
                raise self.fail(
                    self._sub_event_line(index, "case2021_label"),
                    f"case2021_label {sub.case2021_label!r} already used by "
                    f"{seen_labels[sub.case2021_label]!r}",
                )
            if sub.precedence in seen_precedence:
                raise self.fail(
                    self._sub_event_line(index, "precedence"),
                    f"precedence {sub.precedence} already used by "
                    f"{seen_precedence[sub.precedence]!r}",
                )
            found[sub.id] = sub
            seen_labels[sub.case2021_label] = sub.id
            seen_precedence[sub.precedence] = sub.id
        missing = [sub_id for sub_id in ACLED_SUB_EVENTS if sub_id not in found]
        if missing:
            raise self.fail(
                None, f"{len(found)} sub-event types, expected 25; missing: {', '.join(missing)}"
            )
        return {sub_id: found[sub_id] for sub_id in ACLED_SUB_EVENTS}

    def _sub_event(self, index: int, table: object) -> SubEventType:
        if not isinstance(table, dict):
            raise self.fail(self._sub_event_line(index), "sub_event entries must be tables")
        for key in table:
            if key not in _SUB_EVENT_KEYS:
                raise self.fail(self._sub_event_line(index, key), f"unknown key {key!r}")
        missing = [key for key in _SUB_EVENT_KEYS if key not in table]
        if missing:
            raise self.fail(self._sub_event_line(index), f"missing key(s): {', '.join(missing)}")

        def bad(key: str, reason: str) -> RuleError:
            return self.fail(self._sub_event_line(index, key), f"{table['id']!r}: {reason}")

        for key in ("id", "event_type", "label", "definition", "cameo_code", "plover_type",
                    "plover_mode", "case2021_label"):  # fmt: skip
            if not isinstance(table[key], str):
                raise self.fail(self._sub_event_line(index, key), f"{key} must be a string")
        for key in ("quad_class", "precedence"):
            if not isinstance(table[key], int) or isinstance(table[key], bool):
                raise bad(key, f"{key} must be an integer")
        rules = table["coding_rules"]
        if not isinstance(rules, list) or not all(isinstance(r, str) and r.strip() for r in rules):
            raise bad("coding_rules", "coding_rules must be a list of non-empty strings")

        sub_id = table["id"]
        if not _SNAKE_ID.match(sub_id):
            raise bad("id", "id must be snake_case")
        if sub_id not in ACLED_SUB_EVENTS:
            raise bad("id", "not an ACLED sub-event type (see docs/taxonomy.md)")
        if table["event_type"] not in EVENT_TYPES:
            raise bad(
                "event_type",
                f"unknown event type {table['event_type']!r} (expected one of "
                f"{', '.join(EVENT_TYPES)})",
            )
        if table["event_type"] != ACLED_SUB_EVENTS[sub_id]:
            raise bad("event_type", f"belongs to {ACLED_SUB_EVENTS[sub_id]!r} in ACLED")
        for key in ("label", "definition"):
            if not table[key].strip():
                raise bad(key, f"{key} is empty")
        code = table["cameo_code"]
        if not _CAMEO_CODE.match(code) or code[:2] not in CAMEO_ROOTS:
            raise bad("cameo_code", f"{code!r} is not a CAMEO code (2-4 digits, root 01-20)")
        if table["quad_class"] not in QUAD_CLASS_NAMES:
            raise bad("quad_class", f"quad_class must be 1-4, not {table['quad_class']}")
        if table["quad_class"] != quad_class_of_root(code[:2]):
            raise bad(
                "quad_class",
                f"quad_class {table['quad_class']} disagrees with CAMEO root {code[:2]} "
                f"(QuadClass {quad_class_of_root(code[:2])})",
            )
        if table["plover_type"] not in PLOVER_TYPES:
            raise bad("plover_type", f"unknown PLOVER type {table['plover_type']!r}")
        if table["plover_mode"] and not _PLOVER_MODE.match(table["plover_mode"]):
            raise bad("plover_mode", "plover_mode must be lowercase words joined by '-', or ''")
        if not _CASE_LABEL.match(table["case2021_label"]):
            raise bad("case2021_label", "case2021_label must be an upper-case CASE 2021 label")
        if table["precedence"] < 1:
            raise bad("precedence", "precedence must be a positive integer")
        return SubEventType(
            id=sub_id,
            event_type=table["event_type"],
            label=table["label"],
            definition=table["definition"],
            coding_rules=tuple(rules),
            cameo_code=code,
            quad_class=table["quad_class"],
            plover_type=table["plover_type"],
            plover_mode=table["plover_mode"],
            case2021_label=table["case2021_label"],
            precedence=table["precedence"],
        )


# --- documentation ---------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_crosswalk_markdown(taxonomy: Taxonomy) -> str:
    """The crosswalk table of docs/taxonomy.md: one row per sub-event type."""
    rows = [
        "| Event type | Sub-event type | id | CAMEO | QuadClass | PLOVER type / mode "
        "| CASE 2021 | Precedence |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for sub in taxonomy.sub_events.values():
        plover = f"{sub.plover_type} / {sub.plover_mode}" if sub.plover_mode else sub.plover_type
        root_name = taxonomy.cameo_root_names[sub.cameo_root]
        rows.append(
            f"| {_cell(sub.event_type)} | {_cell(sub.label)} | `{sub.id}` "
            f"| {sub.cameo_code} ({root_name}) "
            f"| {sub.quad_class} ({QUAD_CLASS_NAMES[sub.quad_class]}) "
            f"| {plover} | {sub.case2021_label} | {sub.precedence} |"
        )
    return "\n".join(rows) + "\n"


def render_definitions_markdown(taxonomy: Taxonomy) -> str:
    """Event types and sub-event types with definitions and coding rules."""
    parts: list[str] = []
    for event_type, definition in taxonomy.event_types.items():
        parts.append(f"### {event_type}\n\n{definition}\n")
        for sub in taxonomy.sub_events.values():
            if sub.event_type != event_type:
                continue
            parts.append(f"#### {sub.label} (`{sub.id}`)\n\n{sub.definition}\n")
            if sub.coding_rules:
                parts.append("".join(f"- {rule}\n" for rule in sub.coding_rules))
    return "\n".join(parts)


def render_precedence_markdown(taxonomy: Taxonomy) -> str:
    """Sub-event types from the one that wins a tie down to the one that always yields."""
    return "".join(
        f"{rank}. {sub.label} (`{sub.id}`, {sub.precedence})\n"
        for rank, sub in enumerate(taxonomy.by_precedence(), start=1)
    )


def render_plover_mapping_markdown(taxonomy: Taxonomy) -> str:
    rows = ["| PLOVER type / mode | ACLED event type |", "|---|---|"]
    for key, event_type in taxonomy.plover_to_acled.items():
        rows.append(f"| {key} | {event_type or '(none)'} |")
    return "\n".join(rows) + "\n"


def render_doc_sections(taxonomy: Taxonomy) -> dict[str, str]:
    """Generated sections of docs/taxonomy.md by marker name."""
    return {
        "definitions": render_definitions_markdown(taxonomy),
        "precedence": render_precedence_markdown(taxonomy),
        "crosswalk": render_crosswalk_markdown(taxonomy),
        "plover": render_plover_mapping_markdown(taxonomy),
    }


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- BEGIN GENERATED: {name} -->\n", f"<!-- END GENERATED: {name} -->"


def extract_generated_section(doc: str, name: str) -> str | None:
    """Text between the BEGIN/END markers of section ``name``, or None if absent."""
    begin, end = _markers(name)
    start = doc.find(begin)
    stop = doc.find(end, start + len(begin)) if start >= 0 else -1
    if start < 0 or stop < 0:
        return None
    return doc[start + len(begin) : stop]


def replace_generated_sections(doc: str, sections: dict[str, str]) -> str:
    """``doc`` with every marked section replaced by its rendering."""
    for name, body in sections.items():
        current = extract_generated_section(doc, name)
        if current is None:
            raise ValueError(f"docs lack the markers of generated section {name!r}")
        begin, end = _markers(name)
        doc = doc.replace(begin + current + end, begin + body + end, 1)
    return doc


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated sections of the given doc files in place."""
    taxonomy = load_taxonomy()
    sections = render_doc_sections(taxonomy)
    for name in argv if argv is not None else sys.argv[1:]:
        path = Path(name)
        path.write_text(replace_generated_sections(path.read_text("utf-8"), sections), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
