"""Actor dictionary: named actors (actors.csv) and generic actors (generic_actors.csv), matched
with one Aho-Corasick automaton built once at load. Format: taggers/rules/README_actors.md."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ahocorasick

from core.errors import RuleError
from taggers.text import fold, fold_name, is_word_boundary

ACTOR_TYPES = {
    "state_forces",
    "rebel_group",
    "political_militia",
    "identity_militia",
    "rioters",
    "protesters",
    "civilians",
    "external_forces",
    "other",
}
ARMED_TYPES = {"state_forces", "rebel_group", "political_militia", "identity_militia", "external_forces"}
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9-]{1,5}$")
_ACTOR_COLUMNS = ["name", "actor_type", "country", "aliases", "valid_from", "valid_to", "notes"]
_ROLE_HINTS = {"", "target_only", "needs_demonym", "anonymous"}
_GENERIC_COLUMNS = ["phrase", "actor_template", "actor_type", "role_hint", "notes"]


@dataclass(frozen=True)
class Actor:
    name: str
    actor_type: str
    country: str | None
    valid_from: date | None = None
    valid_to: date | None = None
    template: str | None = None  # generic actors: "{demonym} army"
    role_hint: str | None = None  # "target_only": almost always victims; "needs_demonym":
    # only an actor when a demonym stands before it ("Iraqi jets"), since bare "jets" may be anyone's;
    # "anonymous": the text says the perpetrator is unknown ("gunmen"), never resolved to a named group

    @property
    def is_generic(self) -> bool:
        return self.template is not None

    @property
    def is_armed(self) -> bool:
        return self.actor_type in ARMED_TYPES


@dataclass(frozen=True)
class ActorMention:
    actor: Actor
    start: int
    end: int
    surface: str


def _parse_date(value: str, path: Path, line: int) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RuleError(path, line, f"not an ISO date: {value!r}") from exc


def _read_csv(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(row for row in handle if not row.startswith("#"))
        if reader.fieldnames != columns:
            raise RuleError(path, 1, f"header must be {','.join(columns)}, got {reader.fieldnames}")
        rows = []
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise RuleError(path, reader.line_num, "wrong number of columns")
            rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
        return rows


class ActorDictionary:
    """Finds actor mentions in text. Acronyms (ISIS, PKK) match case-sensitively, everything
    else case- and diacritic-insensitively, always on word boundaries."""

    def __init__(self, actors: list[tuple[str, Actor]], generics: list[tuple[str, Actor]]) -> None:
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[Actor, str | None]]] = {}
        for alias, actor in actors + generics:
            exact = alias if _ACRONYM.match(alias) else None
            entries.setdefault(fold_name(alias), []).append((actor, exact))
        for key, value in entries.items():
            self._automaton.add_word(key, (len(key), value))
        self._automaton.make_automaton()
        self.names = {actor.name: actor for _, actor in actors}

    def find(self, text: str, folded: str | None = None) -> list[ActorMention]:
        folded = fold(text) if folded is None else folded
        found: list[ActorMention] = []
        for end_index, (length, candidates) in self._automaton.iter(folded):
            start, end = end_index - length + 1, end_index + 1
            if not is_word_boundary(folded, start, end):
                continue
            surface = text[start:end]
            for actor, exact in candidates:
                if exact is None or surface == exact:
                    found.append(ActorMention(actor, start, end, surface))
                    break
        return _longest_first(found)


def _longest_first(mentions: list[ActorMention]) -> list[ActorMention]:
    """Drop mentions inside longer ones ("Islamic State" inside "Islamic State of Iraq")."""
    mentions.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[ActorMention] = []
    for mention in mentions:
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    return kept


def load_actors(rules_dir: Path) -> ActorDictionary:
    actors_path = rules_dir / "actors.csv"
    generic_path = rules_dir / "generic_actors.csv"
    named: list[tuple[str, Actor]] = []
    owner: dict[str, tuple[str, int]] = {}
    for line, row in _read_csv(actors_path, _ACTOR_COLUMNS):
        if not row["name"]:
            raise RuleError(actors_path, line, "empty name")
        if row["actor_type"] not in ACTOR_TYPES:
            raise RuleError(actors_path, line, f"actor_type {row['actor_type']!r} not in {sorted(ACTOR_TYPES)}")
        if row["country"] and not re.fullmatch(r"[A-Z]{3}", row["country"]):
            raise RuleError(actors_path, line, f"country {row['country']!r} is not ISO 3166-1 alpha-3")
        actor = Actor(
            name=row["name"],
            actor_type=row["actor_type"],
            country=row["country"] or None,
            valid_from=_parse_date(row["valid_from"], actors_path, line),
            valid_to=_parse_date(row["valid_to"], actors_path, line),
        )
        aliases = {a.strip() for a in row["aliases"].split("|") if a.strip()} | {row["name"]}
        for alias in aliases:
            key = alias if _ACRONYM.match(alias) else fold_name(alias)
            if key in owner and owner[key][0] != actor.name:
                raise RuleError(
                    actors_path, line, f"alias {alias!r} already belongs to {owner[key][0]!r} (line {owner[key][1]})"
                )
            owner[key] = (actor.name, line)
            named.append((alias, actor))
    generics: list[tuple[str, Actor]] = []
    for line, row in _read_csv(generic_path, _GENERIC_COLUMNS):
        if not row["phrase"] or not row["actor_template"]:
            raise RuleError(generic_path, line, "phrase and actor_template are required")
        if row["actor_type"] and row["actor_type"] not in ACTOR_TYPES:
            raise RuleError(generic_path, line, f"actor_type {row['actor_type']!r} not in {sorted(ACTOR_TYPES)}")
        if row["role_hint"] not in _ROLE_HINTS:
            raise RuleError(
                generic_path,
                line,
                f"role_hint must be empty or one of {sorted(_ROLE_HINTS - {''})}, got {row['role_hint']!r}",
            )
        unknown = set(re.findall(r"{(\w+)}", row["actor_template"])) - {"demonym", "country"}
        if unknown:
            raise RuleError(
                generic_path, line, f"unknown placeholder {sorted(unknown)} (use {{demonym}} or {{country}})"
            )
        key = fold_name(row["phrase"])
        if key in owner:
            continue  # a named alias wins over a generic phrase
        generics.append(
            (
                row["phrase"],
                Actor(
                    name=row["actor_template"],
                    actor_type=row["actor_type"] or "other",
                    country=None,
                    template=row["actor_template"],
                    role_hint=row["role_hint"] or None,
                ),
            )
        )
    return ActorDictionary(named, generics)
