"""Readers for the evaluation corpora: the I/O edge of ``evaluation``.

Each loader turns one corpus into plain frozen records; scoring never touches files.

- gold-JSON sets: ``<shared>/gold/*.json`` (seed articles) and ``demo/articles/*.json`` (demo
  site), one document per JSON file with its text inline (``text``) or beside it (``text_file``);
- CASE 2021 Task 2: TSV ``id, EventSnippet, SubType``;
- PLOVER gold-standard records: one JSON array, one object per coded sentence;
- PETRARCH-2 validation records: XML-like (not well-formed) sentences with expected CAMEO codes.

A missing or unreadable corpus raises ``ConfigError(path, line, reason)``.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from core.errors import ConfigError
from core.settings import PROJECT_ROOT

DEFAULT_SHARED_ROOT = PROJECT_ROOT.parent / "shared"
DEMO_GOLD_DIR = PROJECT_ROOT / "demo" / "articles"

CASE2021_TSV = Path("corpora/events/case2021-task2/test_set_final_release_with_labels.tsv")
PLOVER_GSR_FILE = Path("corpora/events/plover-gsr/PLOVER_GSR_CAMEO.txt")
PETR2_GSR_FILE = Path("corpora/events/petr2-gsr/PETR2_GSR_validation.xml")
SEED_GOLD_DIR = Path("gold")


@dataclass(frozen=True)
class GoldDocument:
    """One article with the events an analyst coded in it (dicts in the gold schema)."""

    doc_id: str
    text: str
    published: date | None
    title: str | None
    events: tuple[dict, ...]
    source_path: str


@dataclass(frozen=True)
class CaseSnippet:
    snippet_id: str
    text: str
    label: str  # CASE 2021 label, e.g. AIR_STRIKE, or an unseen one such as DIPLO


@dataclass(frozen=True)
class PloverSentence:
    """One PLOVER coding. The same sentence can carry several codings (several records)."""

    record_id: str
    text: str
    plover_type: str
    plover_mode: str | None
    dead: int | None
    injured: int | None
    location: str | None = None  # the coder's event location ("eventLoc"), a name as written


@dataclass(frozen=True)
class PetrSentence:
    sentence_id: str
    text: str
    category: str
    published: date | None
    expected_codes: tuple[str, ...]  # empty: the sentence should yield no event


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), None, f"cannot read evaluation corpus: {exc}") from exc


# --- gold-JSON sets -------------------------------------------------------------------------------


def parse_published(value: object) -> date | None:
    """Publication date from an ISO date or datetime string (the date as written, no
    time-zone shift: relative dates in the article refer to the publisher's day)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"published must be an ISO date string, not {value!r}")
    return datetime.fromisoformat(value).date()


def load_gold_document(json_path: Path) -> GoldDocument:
    raw = _read_text(json_path)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(str(json_path), exc.lineno, f"invalid JSON: {exc.msg}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise ConfigError(str(json_path), None, "gold file must be an object with an events list")
    if isinstance(data.get("text"), str):
        text = data["text"]
    else:
        text_file = data.get("text_file") or json_path.with_suffix(".txt").name
        text = _read_text(json_path.parent / text_file)
    for number, event in enumerate(data["events"], start=1):
        if not isinstance(event, dict) or not event.get("sub_event_type"):
            raise ConfigError(str(json_path), None, f"event {number} has no sub_event_type")
    try:
        published = parse_published(data.get("published"))
    except ValueError as exc:
        raise ConfigError(str(json_path), None, f"bad published: {exc}") from exc
    return GoldDocument(
        doc_id=str(data.get("id") or json_path.stem),
        text=text,
        published=published,
        title=data.get("title") or None,
        events=tuple(data["events"]),
        source_path=str(json_path),
    )


def load_gold_dir(directory: Path) -> list[GoldDocument]:
    """Every ``*.json`` gold document in ``directory``, sorted by file name."""
    if not directory.is_dir():
        raise ConfigError(str(directory), None, "gold directory not found")
    return [load_gold_document(path) for path in sorted(directory.glob("*.json"))]


def load_seed_gold(shared_root: Path = DEFAULT_SHARED_ROOT) -> list[GoldDocument]:
    return load_gold_dir(shared_root / SEED_GOLD_DIR)


def load_demo_gold(demo_dir: Path = DEMO_GOLD_DIR) -> list[GoldDocument]:
    return load_gold_dir(demo_dir)


# --- CASE 2021 Task 2 -----------------------------------------------------------------------------


def load_case2021(shared_root: Path = DEFAULT_SHARED_ROOT) -> list[CaseSnippet]:
    path = shared_root / CASE2021_TSV
    snippets = []
    # Split by hand: snippets contain unbalanced double quotes that csv would treat as quoting.
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if number == 1 or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise ConfigError(
                str(path), number, f"expected 3 tab-separated fields, got {len(fields)}"
            )
        snippet_id, text, label = (field.strip() for field in fields)
        snippets.append(CaseSnippet(snippet_id=snippet_id, text=text, label=label))
    return snippets


# --- PLOVER gold-standard records -------------------------------------------------------------


def _count(value: object) -> int | None:
    """Casualty counts are strings in the file; vague ones ("scores") are not counts."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def load_plover_gsr(shared_root: Path = DEFAULT_SHARED_ROOT) -> list[PloverSentence]:
    path = shared_root / PLOVER_GSR_FILE
    try:
        records = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ConfigError(str(path), exc.lineno, f"invalid JSON: {exc.msg}") from exc
    sentences = []
    for record in records:
        if record.get("event") == "DOCUMENT" or not record.get("text"):
            continue
        sentences.append(
            PloverSentence(
                record_id=record["id"],
                text=record["text"],
                plover_type=record["event"],
                plover_mode=record.get("mode") or None,
                dead=_count(record.get("dead")),
                injured=_count(record.get("injured")),
                location=(record.get("eventLoc") or {}).get("name") or None,
            )
        )
    return sentences


# --- place judgements and place-free sentences ---------------------------------------------------

PLACE_JUDGEMENTS_FILE = PROJECT_ROOT / "evaluation" / "data" / "places_unseen.tsv"
NO_PLACE_FILE = PROJECT_ROOT / "evaluation" / "data" / "no_place_sentences.txt"
_JUDGEMENT_COLUMNS = ["batch", "set", "key", "char_start", "country", "admin1", "admin1_code", "location", "note"]


@dataclass(frozen=True)
class PlaceJudgement:
    """Where a reviewer, reading the text blind, says the event of one sentence happened."""

    set_name: str  # zyte, naeb, fundus (article bodies), petr2, plover (sentences)
    key: str
    char_start: int  # where the event's sentence starts in the text
    country: str | None
    admin1: str | None  # empty: the text places the event in no admin1
    admin1_code: str | None
    location: str | None
    batch: int = 1  # the judging round: each batch's first run was blind


def load_place_judgements(path: Path = PLACE_JUDGEMENTS_FILE) -> list[PlaceJudgement]:
    rows = []
    seen: set[tuple[str, str, int]] = set()
    header_seen = False
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if not header_seen:
            if fields != _JUDGEMENT_COLUMNS:
                raise ConfigError(str(path), number, f"header must be {_JUDGEMENT_COLUMNS}, got {fields}")
            header_seen = True
            continue
        if len(fields) != len(_JUDGEMENT_COLUMNS):
            raise ConfigError(str(path), number,
                              f"expected {len(_JUDGEMENT_COLUMNS)} tab-separated fields, got {len(fields)}")
        batch, set_name, key, start, country, admin1, code, location, _note = (f.strip() for f in fields)
        if not batch.isdigit() or int(batch) < 1:
            raise ConfigError(str(path), number, f"batch must be a positive number, got {batch!r}")
        if not start.isdigit():
            raise ConfigError(str(path), number, f"char_start must be a number, got {start!r}")
        if (set_name, key, int(start)) in seen:
            raise ConfigError(str(path), number, f"duplicate judgement of {set_name}/{key} at {start}")
        seen.add((set_name, key, int(start)))
        rows.append(PlaceJudgement(set_name, key, int(start), country or None, admin1 or None, code or None,
                                   location or None, int(batch)))
    return rows


def load_no_place_sentences(path: Path = NO_PLACE_FILE) -> list[str]:
    return [line.strip() for line in _read_text(path).splitlines() if line.strip() and not line.startswith("#")]


# --- PETRARCH-2 validation records --------------------------------------------------------------

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
_SENTENCE_TAG = re.compile(r"<Sentence\b([^>]*)>")
_CODING_TAG = re.compile(r"<EventCoding\b([^>]*)>")
_TEXT_BLOCK = re.compile(r"<Text>(.*?)</Text>", re.DOTALL)


def load_petr2_gsr(shared_root: Path = DEFAULT_SHARED_ROOT) -> list[PetrSentence]:
    """Parsed with regular expressions: the file opens each sentence with a self-closed tag
    and closes it with ``</Sentence>``, which an XML parser rejects."""
    path = shared_root / PETR2_GSR_FILE
    content = _COMMENT.sub("", _read_text(path))
    tags = list(_SENTENCE_TAG.finditer(content))
    sentences = []
    for tag, following in zip(tags, tags[1:] + [None], strict=True):
        body = content[tag.end() : following.start() if following else len(content)]
        attributes = dict(_ATTRIBUTE.findall(tag.group(1)))
        text_match = _TEXT_BLOCK.search(body)
        if not text_match:
            raise ConfigError(
                str(path), content.count("\n", 0, tag.start()) + 1, "sentence without <Text>"
            )
        codes = tuple(
            attrs["eventcode"]
            for attrs in (dict(_ATTRIBUTE.findall(m.group(1))) for m in _CODING_TAG.finditer(body))
            if "eventcode" in attrs
        )
        raw_date = attributes.get("date", "")
        published = (
            date(int(raw_date[:4]), int(raw_date[4:6]), int(raw_date[6:8]))
            if re.fullmatch(r"\d{8}", raw_date)
            else None
        )
        sentences.append(
            PetrSentence(
                sentence_id=attributes.get("id", f"sentence-{len(sentences) + 1}"),
                text=" ".join(html.unescape(text_match.group(1)).split()),
                category=attributes.get("category", ""),
                published=published,
                expected_codes=codes,
            )
        )
    return sentences
