"""``newsevents eval``: tag every evaluation corpus, score it, check the pinned floors.

    results = run_eval(Tagger.load(), ["seeds", "case2021"], shared_root)
    print(format_report(results))
    violations = check_floors(results, FLOORS_PATH)

``results`` is JSON-serializable: ``{"meta": {...}, "sets": {set name: figures}}``.
"""

from __future__ import annotations

import logging
import re
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from core.errors import ConfigError
from core.records import Event
from evaluation import corpora, scoring
from taggers.taxonomy import Taxonomy, load_taxonomy

log = logging.getLogger(__name__)

FLOORS_PATH = Path(__file__).resolve().parent / "floors.toml"

GOLD_SETS = ("seeds", "demo")
SET_NAMES = ("seeds", "demo", "case2021", "plover", "petr2", "places")
SET_DESCRIPTIONS = {
    "seeds": "seed articles with analyst-coded events (shared/gold)",
    "demo": "demo site articles with analyst-coded events (demo/articles)",
    "case2021": "CASE 2021 Task 2 snippets, ACLED sub-event labels",
    "plover": "PLOVER gold-standard sentences, event type and casualties",
    "petr2": "PETRARCH-2 validation sentences, CAMEO roots",
    "places": "admin1 on unseen news (blind judgements), PLOVER event locations, place-free sentences",
}
MAX_ERRORS_KEPT = 10

Progress = Callable[[int, int], None]


class TaggerLike(Protocol):
    def tag(
        self,
        text: str,
        published: date | None,
        title: str | None = None,
        doc_id: str | None = None,
        snippet: bool = False,
    ) -> list[Event]: ...


@dataclass(frozen=True)
class _Item:
    """One text to tag."""

    key: str
    text: str
    published: date | None = None
    title: str | None = None
    snippet: bool = False  # a single sentence or snippet, see SNIPPET_SETS


def _load_items(
    name: str, shared_root: Path, demo_dir: Path, gazetteer: Any = None
) -> tuple[list[_Item], Callable[[dict[str, list[Event]], Taxonomy], dict]]:
    """The texts of one set and the function that scores their events (keyed by item key).
    ``gazetteer`` (the tagger's) compares place names by place rather than by spelling."""
    same_place = scoring.place_matcher(gazetteer) if gazetteer is not None else None
    if name == "places":
        if gazetteer is None:
            raise ValueError("the places set needs a tagger with a gazetteer")
        return _load_places(shared_root, gazetteer)
    if name in GOLD_SETS:
        docs = (
            corpora.load_seed_gold(shared_root)
            if name == "seeds"
            else corpora.load_demo_gold(demo_dir)
        )
        items = [_Item(d.doc_id, d.text, d.published, d.title) for d in docs]

        def score_gold(events: dict[str, list[Event]], taxonomy: Taxonomy) -> dict:
            scores = [
                scoring.score_document(d.doc_id, events.get(d.doc_id, []), d.events, d.text, same_place)
                for d in docs
            ]
            gold_counts = scoring.count_gold(e for d in docs for e in d.events)
            return scoring.aggregate_documents(scores, gold_counts)

        return items, score_gold
    if name == "case2021":
        snippets = corpora.load_case2021(shared_root)
        items = [_Item(s.snippet_id, s.text) for s in snippets]

        def score_case(events: dict[str, list[Event]], taxonomy: Taxonomy) -> dict:
            predicted = [
                scoring.predict_case_label(events.get(s.snippet_id, []), taxonomy) for s in snippets
            ]
            return scoring.score_case2021(
                [s.label for s in snippets], predicted, list(taxonomy.by_case2021_label())
            )

        return items, score_case
    if name == "plover":
        records = corpora.load_plover_gsr(shared_root)
        # Several records share one sentence: tag each sentence once, keyed by its text.
        items = [_Item(text, text) for text in dict.fromkeys(r.text for r in records)]

        def score_plover(events: dict[str, list[Event]], taxonomy: Taxonomy) -> dict:
            return scoring.score_plover(records, events, taxonomy)

        return items, score_plover
    if name == "petr2":
        sentences = corpora.load_petr2_gsr(shared_root)
        items = [_Item(s.sentence_id, s.text, s.published) for s in sentences]

        def score_petr(events: dict[str, list[Event]], taxonomy: Taxonomy) -> dict:
            return scoring.score_petr2(sentences, events, taxonomy)

        return items, score_petr
    raise ValueError(f"unknown evaluation set {name!r} (known: {', '.join(SET_NAMES)})")


# Sets of single sentences or snippets already known to report an event: tagged in snippet
# mode (no article-level gates), see Tagger.tag.
SNIPPET_SETS = frozenset({"case2021", "plover", "petr2"})
# judged sets whose texts are article bodies (the extraction corpora's gold text)
_ARTICLE_SETS = ("zyte", "naeb", "fundus")


# later place-judgement batches (each judged after the rules were last changed: its first run is
# a blind figure), reported on their own: (result key, batch number, report label)
_LATER_BATCHES = (("unseen_batch2", 2, "batch 2 (htmldate pages)"),
                  ("unseen_batch3", 3, "batch 3 (CASE 2021 snippets)"),
                  ("unseen_batch4", 4, "batch 4 (CASE 2021 snippets, a second draw)"),
                  ("unseen_batch5", 5, "batch 5 (CASE 2021 snippets, a third draw)"))


def _extracted_items(shared_root: Path, keys: set[str]) -> dict[str, _Item]:
    """htmldate-set pages as the pipeline sees them: our extractor's text, title and publisher's
    day (the judgements' offsets point into that text; see places_unseen.tsv, batch 2)."""
    from core.settings import load_settings
    from evaluation.extraction import as_page, load_samples
    from extractors.articles import extract_article

    settings = load_settings(environ={})
    items = {}
    for sample in load_samples("htmldate", shared_root):
        if sample.key in keys:
            article = extract_article(as_page(sample), settings)
            items[f"htmldate/{sample.key}"] = _Item(f"htmldate/{sample.key}", article.text,
                                                    article.published_local_date, article.title)
    return items


def _load_places(shared_root: Path, gazetteer: Any) -> tuple[list[_Item], Callable]:
    """Unseen news with blind judgements, PLOVER sentences with a coded location, and our
    place-free sentences (scored on the gazetteer's own finds, not on events)."""
    from evaluation.extraction import load_samples  # trafilatura-heavy: only for this set

    judgements = corpora.load_place_judgements()
    wanted = {(j.set_name, j.key) for j in judgements}
    items: dict[str, _Item] = {}
    for set_name in _ARTICLE_SETS:
        if any(s == set_name for s, _ in wanted):
            for sample in load_samples(set_name, shared_root):
                if (set_name, sample.key) in wanted and sample.body:
                    items[f"{set_name}/{sample.key}"] = _Item(f"{set_name}/{sample.key}", sample.body,
                                                             title=sample.title)
    if any(s == "htmldate" for s, _ in wanted):  # pages without a gold text: ours, as ingest extracts it
        items.update(_extracted_items(shared_root, {k for s, k in wanted if s == "htmldate"}))
    for snippet in corpora.load_case2021(shared_root):
        if ("case2021", snippet.snippet_id) in wanted:
            key = f"case2021/{snippet.snippet_id}"
            items[key] = _Item(key, snippet.text, snippet=True)
    for sentence in corpora.load_petr2_gsr(shared_root):
        if ("petr2", sentence.sentence_id) in wanted:
            key = f"petr2/{sentence.sentence_id}"
            items[key] = _Item(key, sentence.text, sentence.published, snippet=True)
    plover = corpora.load_plover_gsr(shared_root)
    for record in plover:
        if ("plover", record.record_id) in wanted:
            key = f"plover/{record.record_id}"
            items[key] = _Item(key, record.text, snippet=True)
    located = [r for r in plover if r.location]
    for text in dict.fromkeys(r.text for r in located):
        items[f"plover-location/{text}"] = _Item(f"plover-location/{text}", text, snippet=True)
    missing = sorted(f"{s}/{k}" for s, k in wanted if f"{s}/{k}" not in items)
    if missing:
        raise ConfigError(str(corpora.PLACE_JUDGEMENTS_FILE), None,
                          f"{len(missing)} judged texts not found in the corpora, e.g. {missing[:3]}")
    no_place = corpora.load_no_place_sentences()
    same_place = scoring.place_matcher(gazetteer)

    def score_places(events: dict[str, list[Event]], taxonomy: Taxonomy) -> dict:
        by_text = {key.removeprefix("plover-location/"): found for key, found in events.items()
                   if key.startswith("plover-location/")}
        found = {text: [m.surface for m in gazetteer.find(text)] for text in no_place}
        return {
            "unseen": scoring.score_place_judgements(judgements, events, same_place),
            **{key: scoring.score_place_judgements([j for j in judgements if j.batch == batch],
                                                   events, same_place)
               for key, batch, _ in _LATER_BATCHES},
            "plover": scoring.score_plover_places(located, by_text, taxonomy, same_place),
            "no_place": scoring.score_no_place(found),
        }

    return list(items.values()), score_places


def run_eval(
    tagger: TaggerLike,
    sets: Sequence[str],
    shared_root: Path | None = None,
    progress: Progress | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    demo_dir: Path | None = None,
) -> dict:
    """Tag and score each named set. ``progress(done, total)`` is called after every text.

    A text on which the tagger raises counts in the set's ``tagger_errors`` (and the first
    few messages land in ``meta.errors``) instead of stopping the whole evaluation."""
    shared_root = shared_root or corpora.DEFAULT_SHARED_ROOT
    demo_dir = demo_dir or corpora.DEMO_GOLD_DIR
    taxonomy = taxonomy or load_taxonomy()
    unknown = [name for name in sets if name not in SET_NAMES]
    if unknown:
        raise ValueError(f"unknown evaluation set(s) {unknown} (known: {', '.join(SET_NAMES)})")
    gazetteer = getattr(tagger, "gazetteer", None)
    loaded = {name: _load_items(name, shared_root, demo_dir, gazetteer) for name in dict.fromkeys(sets)}
    for name, (items, _) in loaded.items():
        keys = [item.key for item in items]
        if len(set(keys)) != len(keys):
            duplicates = sorted({key for key in keys if keys.count(key) > 1})
            raise ConfigError(name, None, f"duplicate document ids: {duplicates[:5]}")
    total = sum(len(items) for items, _ in loaded.values())
    done = 0
    if progress:
        progress(done, total)
    results: dict[str, Any] = {
        "meta": {
            "shared_root": str(shared_root),
            "sets": list(loaded),
            "seconds": {},
            "texts": {},
            "errors": [],
            "tagger_versions": [],
        },
        "sets": {},
    }
    versions: set[str] = set()
    for name, (items, score) in loaded.items():
        started = time.perf_counter()
        events: dict[str, list[Event]] = {}
        errors = 0
        for item in items:
            try:
                found = tagger.tag(item.text, item.published, title=item.title, doc_id=item.key,
                                   **({"snippet": True} if item.snippet or name in SNIPPET_SETS else {}))
            except Exception as exc:  # counted and reported, see the docstring
                errors += 1
                log.debug("tagger failed on %s/%s: %r", name, item.key[:60], exc)
                if len(results["meta"]["errors"]) < MAX_ERRORS_KEPT:
                    results["meta"]["errors"].append(f"{name}/{item.key[:60]}: {exc!r}")
                found = []
            events[item.key] = list(found)
            versions.update(event.tagger_version for event in found if event.tagger_version)
            done += 1
            if progress:
                progress(done, total)
        figures = score(events, taxonomy)
        figures["tagger_errors"] = errors
        results["sets"][name] = figures
        results["meta"]["seconds"][name] = round(time.perf_counter() - started, 3)
        results["meta"]["texts"][name] = len(items)
    results["meta"]["tagger_versions"] = sorted(versions)
    return results


# --- floors ---------------------------------------------------------------------------------


def _flatten(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, path + ".")
        else:
            yield path, value


def _lookup(figures: Mapping[str, Any], path: str) -> Any:
    value: Any = figures
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def check_figures(
    results: Mapping[str, Any],
    floors: Mapping[str, Any],
    ceilings: Mapping[str, Any] | None = None,
) -> list[str]:
    """Violations of ``floors`` (figure must be >=) and ``ceilings`` (figure must be <=).

    Keys are dotted paths below ``results["sets"]``, e.g. ``case2021.weighted_f1`` (or nested
    tables). A bound on a set that was not evaluated is skipped; a bound on a figure the
    evaluated set lacks is a violation."""
    sets = results.get("sets", {})
    violations = []
    for kind, bounds in (("floor", floors), ("ceiling", ceilings or {})):
        for path, bound in _flatten(bounds):
            if path.split(".", 1)[0] not in sets:
                continue
            value = _lookup(sets, path)
            if isinstance(value, bool) or not isinstance(value, int | float):
                violations.append(f"{path}: no such figure (has {kind} {bound})")
            elif kind == "floor" and value < bound - 1e-9:
                violations.append(f"{path} = {value:g} is below its floor {bound:g}")
            elif kind == "ceiling" and value > bound + 1e-9:
                violations.append(f"{path} = {value:g} is above its ceiling {bound:g}")
    return violations


def load_floors(floors_path: Path) -> tuple[dict, dict]:
    """(floors, ceilings) from a floors file; a missing file means no bounds."""
    if not floors_path.exists():
        return {}, {}
    try:
        data = tomllib.loads(floors_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        raise ConfigError(
            str(floors_path), int(match.group(1)) if match else None, str(exc)
        ) from exc
    unknown = set(data) - {"floors", "ceilings"}
    if unknown:
        raise ConfigError(str(floors_path), None, f"unknown table(s) {sorted(unknown)}")
    for kind in ("floors", "ceilings"):
        for path, bound in _flatten(data.get(kind, {})):
            if isinstance(bound, bool) or not isinstance(bound, int | float):
                raise ConfigError(str(floors_path), None, f"{kind}.{path} must be a number")
    return data.get("floors", {}), data.get("ceilings", {})


def check_floors(results: Mapping[str, Any], floors_path: Path = FLOORS_PATH) -> list[str]:
    """Violations of the pinned floors and ceilings in ``floors_path`` (empty: all good)."""
    floors, ceilings = load_floors(floors_path)
    return check_figures(results, floors, ceilings)


# --- report ---------------------------------------------------------------------------------


def _pct(value: Any) -> str:
    return "  n/a" if value is None else f"{value:5.3f}"


def _report_gold(name: str, f: Mapping[str, Any]) -> list[str]:
    lines = [
        f"{name}: {f['documents']} documents, {f['gold_events']} gold events "
        f"({f['required_gold_events']} required, {f['optional_gold_events']} optional, "
        f"{f['historical_gold_events']} historical); {f['reported_events']} reported",
        f"  precision {_pct(f['precision'])}  recall {_pct(f['recall'])}  f1 {_pct(f['f1'])}"
        f"  (tp {f['true_positives']}, fp {f['false_positives']}, fn {f['false_negatives']},"
        f" neutral {f['neutral_matches']})  historical_as_news {f['historical_as_news']}",
        "  field accuracy on matched required events:",
    ]
    for field_name, tally in f["fields"].items():
        lines.append(
            f"    {field_name:<16} {_pct(tally['accuracy'])}  ({tally['correct']}/{tally['total']})"
        )
    for doc in f["per_document"]:
        for missed in doc["missed"]:
            lines.append(
                f"  missed    {doc['doc_id']}: {missed['sub_event_type']}: {missed['evidence']}"
            )
        for spurious in doc["spurious"]:
            lines.append(
                f"  spurious  {doc['doc_id']}: {spurious['sub_event_type']} "
                f"({spurious['why']}): {spurious['evidence']}"
            )
        for error in doc["field_errors"]:
            lines.append(
                f"  wrong     {doc['doc_id']}: {error['field']}: predicted "
                f"{error['predicted']!r}, gold {error['gold']!r}"
            )
    return lines


def _report_case(f: Mapping[str, Any]) -> list[str]:
    lines = [
        f"case2021: {f['snippets']} snippets ({f['seen_snippets']} of the 25 ACLED labels, "
        f"{f['unseen_snippets']} unseen)",
        f"  weighted F1 {_pct(f['weighted_f1'])} "
        f"(seen snippets only {_pct(f['weighted_f1_seen_only'])}, published best 0.839)"
        f"  macro F1 {_pct(f['macro_f1'])}  accuracy {_pct(f['accuracy'])}",
        f"  no event on seen {_pct(f['no_event_rate_seen'])}  "
        f"event on unseen {_pct(f['unseen_event_rate'])}",
        "  label                            P      R      F1   support",
    ]
    for label, s in f["per_label"].items():
        lines.append(
            f"  {label:<30} {_pct(s['precision'])}  {_pct(s['recall'])}  {_pct(s['f1'])}  "
            f"{s['support']:>5}"
        )
    if f["top_confusions"]:
        lines.append("  most frequent confusions (gold -> predicted):")
        lines.extend(
            f"    {c['gold']} -> {c['predicted']}: {c['count']}" for c in f["top_confusions"]
        )
    return lines


def _report_plover(f: Mapping[str, Any]) -> list[str]:
    return [
        f"plover: {f['sentences']} sentences ({f['records']} codings), "
        f"{f['mapped_sentences']} with an ACLED equivalent",
        f"  event type accuracy {_pct(f['event_type_accuracy'])} "
        f"(any event {_pct(f['event_type_any_accuracy'])}, none found "
        f"{_pct(f['no_event_rate_mapped'])})"
        f"  events on unmapped {_pct(f['events_on_unmapped_rate'])}",
        f"  dead exact {_pct(f['dead_accuracy'])} ({f['dead_sentences']} sentences)  "
        f"injured exact {_pct(f['injured_accuracy'])} ({f['injured_sentences']} sentences)",
    ]


def _report_petr(f: Mapping[str, Any]) -> list[str]:
    return [
        f"petr2: {f['sentences']} sentences, {f['expected_roots']} expected CAMEO roots "
        f"({f['expected_roots_in_scope']} within our crosswalk)",
        f"  root precision {_pct(f['precision'])}  recall {_pct(f['recall'])}  "
        f"recall in scope {_pct(f['recall_in_scope'])}  "
        f"events on no-event sentences {f['events_on_no_event_sentences']}",
    ]


def _report_places(f: Mapping[str, Any]) -> list[str]:
    unseen, plover, clean = f["unseen"], f["plover"], f["no_place"]
    lines = [
        f"places: {unseen['judged_events']} events in unseen news judged blind "
        f"({unseen['unmatched_events']} no longer tagged)",
        f"  admin1 right {_pct(unseen['admin1_accuracy'])} of {unseen['admin1_events']} events placed in one  "
        f"admin1 given without basis {unseen['unfounded_admin1']}  "
        f"admin1 precision {_pct(unseen['admin1_precision'])}  "
        f"country {_pct(unseen['country_accuracy'])} of {unseen['country_events']}",
        *(f"  of which {label}: admin1 right {_pct(f[key]['admin1_accuracy'])} of {f[key]['admin1_events']}, "
          f"without basis {f[key]['unfounded_admin1']}, "
          f"country {_pct(f[key]['country_accuracy'])} of {f[key]['country_events']}"
          for key, _, label in _LATER_BATCHES),
        f"  PLOVER event location named by our place {_pct(plover['location_accuracy'])} "
        f"of {plover['located_sentences'] - plover['no_event']} sentences with an event",
        f"  place-free sentences: {clean['sentences']}, clean {_pct(clean['clean_rate'])}, "
        f"false places {len(clean['false_places'])}"
        + (f" ({', '.join(sorted({p['name'] for p in clean['false_places']}))})" if clean["false_places"] else ""),
    ]
    lines.extend(f"    admin1 miss {e['doc'][:40]}@{e['at']}: gold {e['gold']}, ours {e['predicted']} ({e['location']})"
                 for e in unseen["errors"][:MAX_ERRORS_KEPT])
    return lines


def format_report(results: Mapping[str, Any]) -> str:
    """A plain-text report of every evaluated set."""
    meta = results.get("meta", {})
    lines = [f"newsevents eval ({meta.get('shared_root', '?')})"]
    if meta.get("tagger_versions"):
        lines[0] += f", tagger {', '.join(meta['tagger_versions'])}"
    for name, figures in results.get("sets", {}).items():
        lines.append("")
        if name in GOLD_SETS:
            lines.extend(_report_gold(name, figures))
        elif name == "case2021":
            lines.extend(_report_case(figures))
        elif name == "plover":
            lines.extend(_report_plover(figures))
        elif name == "petr2":
            lines.extend(_report_petr(figures))
        elif name == "places":
            lines.extend(_report_places(figures))
        seconds = meta.get("seconds", {}).get(name)
        texts = meta.get("texts", {}).get(name)
        if seconds is not None and texts:
            lines.append(
                f"  {texts} texts in {seconds:.1f} s ({texts / max(seconds, 1e-9):.0f} texts/s)"
            )
        if figures.get("tagger_errors"):
            lines.append(f"  TAGGER ERRORS: {figures['tagger_errors']}")
    if meta.get("errors"):
        lines.append("")
        lines.append("first tagger errors:")
        lines.extend(f"  {error}" for error in meta["errors"])
    return "\n".join(lines) + "\n"
