"""Scoring of tagger output against gold data. Pure: records in, figures out.

Four kinds of ground truth:

- gold-JSON documents: events matched one to one within a document, then precision, recall,
  F1, per-field accuracy on matched required events and the historical-as-news error count;
- CASE 2021 Task 2 snippets: one label per snippet, weighted F1 over the 25 ACLED labels
  (as sklearn's ``f1_score(average="weighted", labels=...)``), accuracy, unseen-class alarms;
- PLOVER records: ACLED event type (through the taxonomy's PLOVER mapping) and casualty counts;
- PETRARCH-2 records: CAMEO roots of our crosswalk codes against the expected codes;
- places: blind judgements of where events in unseen news happened (admin1, country), the
  PLOVER coders' event locations, and place-free sentences (every place found is false).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from core.records import Event
from evaluation.corpora import PetrSentence, PlaceJudgement, PloverSentence
from taggers.gazetteer import Place
from taggers.taxonomy import Taxonomy

NO_EVENT = "NONE"
SCORED_FIELDS = (
    "sub_event_type", "actor1", "actor2", "admin1", "location", "fatalities",
    "fatalities_high", "injured", "date_text", "event_date",
)  # fmt: skip
# Gold files name a few fields differently from core.records.Event.
GOLD_KEYS = {"event_date": "date"}
# Word-overlap share that makes two evidence strings "the same passage" when no span is known.
EVIDENCE_OVERLAP_MIN = 0.5


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, 0.0 when the denominator is 0 (sklearn's zero_division=0)."""
    return numerator / denominator if denominator else 0.0


def f1_of(precision: float, recall: float) -> float:
    return ratio(2 * precision * recall, precision + recall)


def is_reported(event: Event) -> bool:
    """An event we publish as news: neither background (historical) nor denied (negated)."""
    return not event.historical and not event.negated


# --- comparing field values ------------------------------------------------------------------


def normalize_name(value: str) -> str:
    """Case-, accent- and spelling-insensitive form of a name: "Salah al-Din" -> "salah din"."""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"\b(?:al|el)[-\s]+", "", text)  # Arabic article: al-Din, al Din, el-Din
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return re.sub(r"^the ", "", text)


def _names(value: object) -> set[str]:
    return {normalize_name(name) for name in _names_raw(value)}


def _is_empty(value: object) -> bool:
    return value is None or value == "" or value == []


class Lookup(Protocol):
    """What place scoring needs of a gazetteer (``taggers.gazetteer.Gazetteer``)."""

    def lookup(self, name: str, country: str | None = None) -> list[Place]: ...


# field name, predicted value, gold value -> the same place under another spelling?
SamePlace = Callable[[str, object, object], bool]


def place_matcher(gazetteer: Lookup) -> SamePlace:
    """Place names compared through the gazetteer: "Taiz" and "Taizz" are one admin1 (YE-TA),
    "Thiban" and "Dhiban" one town. Spelling is not what the place fields are scored on."""
    keys_of: dict[tuple[str, str], frozenset[str]] = {}

    def keys(field_name: str, value: object) -> set[str]:
        found: set[str] = set()
        for name in _names_raw(value):
            name = _PLACE_NOUN_OF.sub("", name.strip())  # "the town of Rafah" -> "Rafah"
            cached = keys_of.get((field_name, name))
            if cached is None:
                places = gazetteer.lookup(name)
                if field_name == "country":
                    codes = {p.country for p in places if p.kind == "country"}
                    if len(name) == 3 and name.isupper():
                        codes.add(name)
                elif field_name == "admin1":
                    codes = {p.admin1_code or f"{p.country}:{p.admin1}" for p in places if p.kind == "admin1"}
                    if _ISO_3166_2.fullmatch(name):
                        codes.add(name.upper())
                else:
                    codes = {f"{p.country}:{p.name}" for p in places
                             if p.curated and p.kind not in ("admin1", "country")}
                cached = keys_of[(field_name, name)] = frozenset(codes | {normalize_name(name)})
            found |= cached
        return found

    def same(field_name: str, predicted: object, gold: object) -> bool:
        return bool(keys(field_name, predicted) & keys(field_name, gold))

    return same


_PLACE_NOUN_OF = re.compile(
    r"^(?:the\s+)?(?:province|town|city|village|region|district|governorate|state|county)\s+of\s+", re.I)
_ISO_3166_2 = re.compile(r"[A-Za-z]{2}-[A-Za-z0-9]{1,3}")


def _names_raw(value: object) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list | tuple) else [value]
    return [str(item) for item in values if item is not None and str(item)]


def field_correct(name: str, predicted: object, gold: object, same_place: SamePlace | None = None) -> bool:
    """Does the predicted value of field ``name`` count as the gold value?

    Text fields compare normalized names (gold ``admin1`` may list several regions: any one
    counts); with ``same_place``, ``admin1`` and ``location`` also count under another
    spelling of the same place; ``date_text`` accepts containment either way ("Wednesday" /
    "on Wednesday"); numbers and dates (``event_date``, gold key ``date``) must be equal. A
    missing value only matches a missing value."""
    if _is_empty(gold) or _is_empty(predicted):
        return _is_empty(gold) and _is_empty(predicted)
    if name in ("fatalities", "fatalities_high", "injured"):
        return predicted == gold
    if name == "sub_event_type":
        return predicted == gold
    if name == "event_date":  # date or ISO string on either side
        return str(predicted)[:10] == str(gold)[:10]
    if name == "date_text":
        a, b = normalize_name(str(predicted)), normalize_name(str(gold))
        return bool(a and b) and (a in b or b in a)
    if same_place is not None and name in ("admin1", "location"):
        return same_place(name, predicted, gold)
    return bool(_names(predicted) & _names(gold))


# --- gold documents --------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldEvent:
    sub_event_type: str
    evidence: str
    span: tuple[int, int] | None  # where the evidence sits in the document text
    required: bool
    historical: bool
    values: Mapping[str, object]  # the gold dict, for field comparison

    @property
    def counted(self) -> bool:
        """Counts for recall (and its match for precision)."""
        return self.required and not self.historical


def locate_evidence(text: str, evidence: str) -> tuple[int, int] | None:
    """Character span of ``evidence`` in ``text`` (exact, then whitespace-insensitive)."""
    if not evidence:
        return None
    at = text.find(evidence)
    if at >= 0:
        return at, at + len(evidence)
    words = evidence.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(word) for word in words)
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None


def gold_events_from_dicts(events: Iterable[Mapping], text: str) -> list[GoldEvent]:
    return [
        GoldEvent(
            sub_event_type=str(event["sub_event_type"]),
            evidence=str(event.get("evidence") or ""),
            span=locate_evidence(text, str(event.get("evidence") or "")),
            required=bool(event.get("required", True)),
            historical=bool(event.get("historical", False)),
            values=event,
        )
        for event in events
    ]


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def evidence_overlap(predicted: Event, gold: GoldEvent) -> float:
    """Share of the gold evidence that the predicted evidence covers (0 = unrelated).

    By character span when both are known, else by shared words."""
    if gold.span and predicted.char_end > predicted.char_start:
        start = max(gold.span[0], predicted.char_start)
        end = min(gold.span[1], predicted.char_end)
        return ratio(max(0, end - start), gold.span[1] - gold.span[0])
    pred_words, gold_words = _words(predicted.evidence), _words(gold.evidence)
    share = ratio(len(pred_words & gold_words), min(len(pred_words), len(gold_words)))
    return share if share >= EVIDENCE_OVERLAP_MIN else 0.0


def match_events(predicted: Sequence[Event], gold: Sequence[GoldEvent]) -> list[tuple[int, int]]:
    """One-to-one (predicted index, gold index) pairs whose evidence overlaps.

    Greedy, best pair first: same sub-event type, then a gold event that counts (required
    and current) before an optional or historical one, then larger evidence overlap."""
    candidates = []
    for p, pred in enumerate(predicted):
        for g, gold_event in enumerate(gold):
            overlap = evidence_overlap(pred, gold_event)
            if overlap > 0:
                tier = 2 if gold_event.counted else (1 if not gold_event.historical else 0)
                same_type = pred.sub_event_type == gold_event.sub_event_type
                candidates.append(((same_type, tier, overlap, -p, -g), p, g))
    candidates.sort(reverse=True)
    used_pred: set[int] = set()
    used_gold: set[int] = set()
    pairs = []
    for _, p, g in candidates:
        if p not in used_pred and g not in used_gold:
            used_pred.add(p)
            used_gold.add(g)
            pairs.append((p, g))
    return sorted(pairs)


@dataclass
class DocumentScore:
    doc_id: str
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    neutral: int = 0  # matched optional gold events: neither rewarded nor punished
    historical_as_news: int = 0
    predicted: int = 0
    reported: int = 0
    fields: dict[str, list[int]] = field(default_factory=dict)  # name -> [correct, total]
    missed: list[dict] = field(default_factory=list)
    spurious: list[dict] = field(default_factory=list)
    field_errors: list[dict] = field(default_factory=list)


def _brief(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def score_document(
    doc_id: str, predicted: Sequence[Event], gold_dicts: Iterable[Mapping], text: str,
    same_place: SamePlace | None = None,
) -> DocumentScore:
    """Compare the events tagged in one document with its gold events.

    Reported predictions (not historical, not negated) are matched to gold events.
    A match with a required current gold event is a true positive; with an optional one,
    neutral; with a historical one, a false positive and a ``historical_as_news`` error.
    Unmatched reported predictions are false positives; unmatched required current gold
    events are false negatives. Fields are compared on true positives only, and a field left
    empty by both sides is not counted (the ``total`` of each field says how many were)."""
    gold = gold_events_from_dicts(gold_dicts, text)
    reported = [event for event in predicted if is_reported(event)]
    score = DocumentScore(doc_id=doc_id, predicted=len(predicted), reported=len(reported))
    score.fields = {name: [0, 0] for name in SCORED_FIELDS}
    pairs = match_events(reported, gold)
    matched_pred = {p for p, _ in pairs}
    matched_gold = {g for _, g in pairs}
    for p, g in pairs:
        pred, gold_event = reported[p], gold[g]
        if gold_event.historical:
            score.historical_as_news += 1
            score.false_positives += 1
            score.spurious.append(
                {
                    "sub_event_type": pred.sub_event_type,
                    "evidence": _brief(pred.evidence),
                    "why": "historical event reported as news",
                }
            )
        elif not gold_event.required:
            score.neutral += 1
        else:
            score.true_positives += 1
            for name in SCORED_FIELDS:
                predicted_value = getattr(pred, name)
                gold_value = gold_event.values.get(GOLD_KEYS.get(name, name))
                if _is_empty(predicted_value) and _is_empty(gold_value):
                    continue  # nothing to get right; counting it would flatter sparse fields
                tally = score.fields[name]
                tally[1] += 1
                if field_correct(name, predicted_value, gold_value, same_place):
                    tally[0] += 1
                else:
                    score.field_errors.append(
                        {
                            "field": name,
                            "gold": gold_value,
                            "predicted": predicted_value,
                            "evidence": _brief(gold_event.evidence, 60),
                        }
                    )
    for p, pred in enumerate(reported):
        if p not in matched_pred:
            score.false_positives += 1
            score.spurious.append(
                {
                    "sub_event_type": pred.sub_event_type,
                    "evidence": _brief(pred.evidence),
                    "why": "no gold event",
                }
            )
    for g, gold_event in enumerate(gold):
        if gold_event.counted and g not in matched_gold:
            score.false_negatives += 1
            score.missed.append(
                {
                    "sub_event_type": gold_event.sub_event_type,
                    "evidence": _brief(gold_event.evidence),
                }
            )
    return score


def aggregate_documents(scores: Sequence[DocumentScore], gold_counts: Mapping[str, int]) -> dict:
    """Micro-averaged figures over documents (JSON-serializable)."""
    tp = sum(s.true_positives for s in scores)
    fp = sum(s.false_positives for s in scores)
    fn = sum(s.false_negatives for s in scores)
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    fields = {}
    for name in SCORED_FIELDS:
        correct = sum(s.fields[name][0] for s in scores)
        total = sum(s.fields[name][1] for s in scores)
        fields[name] = {
            "correct": correct,
            "total": total,
            "accuracy": round(ratio(correct, total), 4) if total else None,
        }
    return {
        "documents": len(scores),
        **dict(gold_counts),
        "predicted_events": sum(s.predicted for s in scores),
        "reported_events": sum(s.reported for s in scores),
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "neutral_matches": sum(s.neutral for s in scores),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1_of(precision, recall), 4),
        "historical_as_news": sum(s.historical_as_news for s in scores),
        "fields": fields,
        "per_document": [
            {
                "doc_id": s.doc_id,
                "true_positives": s.true_positives,
                "false_positives": s.false_positives,
                "false_negatives": s.false_negatives,
                "missed": s.missed,
                "spurious": s.spurious,
                "field_errors": s.field_errors,
            }
            for s in scores
        ],
    }


def count_gold(gold_dicts: Iterable[Mapping]) -> dict[str, int]:
    counts = Counter()
    for event in gold_dicts:
        counts["gold_events"] += 1
        historical = bool(event.get("historical", False))
        if historical:
            counts["historical_gold_events"] += 1
        elif event.get("required", True):
            counts["required_gold_events"] += 1
        else:
            counts["optional_gold_events"] += 1
    return {
        key: counts[key]
        for key in (
            "gold_events",
            "required_gold_events",
            "optional_gold_events",
            "historical_gold_events",
        )
    }


# --- one label per text (CASE 2021, PLOVER) ----------------------------------------------------


def top_event(events: Iterable[Event], taxonomy: Taxonomy, margin: float = 0.0) -> Event | None:
    """The event we would report for a short text: among the non-negated events whose
    confidence is within ``margin`` of the best, the one of highest precedence (ACLED's rule
    for one incident that fits several types), then the most confident."""
    candidates = [event for event in events if not event.negated]
    if not candidates:
        return None
    best = max(event.confidence for event in candidates)
    close = [event for event in candidates if event.confidence >= best - margin]

    def rank(event: Event) -> tuple[int, float]:
        sub = taxonomy.sub_events.get(event.sub_event_type)
        return (sub.precedence if sub else 0), event.confidence

    return max(close, key=rank)


def predict_case_label(events: Iterable[Event], taxonomy: Taxonomy) -> str:
    """CASE 2021 label of a snippet's top event, or ``NONE``."""
    event = top_event(events, taxonomy)
    if event is None or event.sub_event_type not in taxonomy.sub_events:
        return NO_EVENT
    return taxonomy.case2021_label(event.sub_event_type)


def per_label_scores(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per label, over all samples (a prediction of a
    label on a sample whose true label is outside ``labels`` still counts against it)."""
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred differ in length")
    true_counts, pred_counts = Counter(y_true), Counter(y_pred)
    hits = Counter(t for t, p in zip(y_true, y_pred, strict=True) if t == p)
    scores = {}
    for label in labels:
        precision = ratio(hits[label], pred_counts[label])
        recall = ratio(hits[label], true_counts[label])
        scores[label] = {
            "precision": precision,
            "recall": recall,
            "f1": f1_of(precision, recall),
            "support": true_counts[label],
        }
    return scores


def weighted_f1(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> float:
    """sklearn's ``f1_score(y_true, y_pred, average="weighted", labels=labels)``:
    per-label F1 averaged with the labels' true counts as weights."""
    scores = per_label_scores(y_true, y_pred, labels)
    support = sum(s["support"] for s in scores.values())
    return ratio(sum(s["f1"] * s["support"] for s in scores.values()), support)


def score_case2021(
    gold_labels: Sequence[str], predicted_labels: Sequence[str], seen_labels: Sequence[str]
) -> dict:
    """Figures for CASE 2021 Task 2. ``weighted_f1`` counts all snippets (predictions on
    unseen-class snippets are false positives), ``weighted_f1_seen_only`` only those whose
    gold label is one of the 25 (comparable with the task's subtask 1)."""
    seen = set(seen_labels)
    labels = sorted(seen)
    seen_idx = [i for i, label in enumerate(gold_labels) if label in seen]
    unseen_idx = [i for i, label in enumerate(gold_labels) if label not in seen]
    seen_true = [gold_labels[i] for i in seen_idx]
    seen_pred = [predicted_labels[i] for i in seen_idx]
    confusions = Counter(
        (t, p) for t, p in zip(seen_true, seen_pred, strict=True) if t != p
    ).most_common(15)
    per_label = per_label_scores(gold_labels, predicted_labels, labels)
    return {
        "snippets": len(gold_labels),
        "seen_snippets": len(seen_idx),
        "unseen_snippets": len(unseen_idx),
        "weighted_f1": round(weighted_f1(gold_labels, predicted_labels, labels), 4),
        "weighted_f1_seen_only": round(weighted_f1(seen_true, seen_pred, labels), 4),
        "macro_f1": round(ratio(sum(s["f1"] for s in per_label.values()), len(labels)), 4),
        "accuracy": round(
            ratio(sum(t == p for t, p in zip(seen_true, seen_pred, strict=True)), len(seen_idx)),
            4,
        ),
        "no_event_rate_seen": round(ratio(sum(p == NO_EVENT for p in seen_pred), len(seen_idx)), 4),
        "unseen_event_rate": round(
            ratio(sum(predicted_labels[i] != NO_EVENT for i in unseen_idx), len(unseen_idx)), 4
        ),
        "per_label": {
            label: {key: round(value, 4) for key, value in scores.items()}
            for label, scores in per_label.items()
        },
        "top_confusions": [{"gold": t, "predicted": p, "count": n} for (t, p), n in confusions],
    }


def score_plover(
    records: Sequence[PloverSentence],
    events_by_text: Mapping[str, Sequence[Event]],
    taxonomy: Taxonomy,
) -> dict:
    """ACLED event type and casualty counts on the PLOVER gold-standard sentences.

    A sentence coded several times (several records) is scored once: it is right if our top
    event's type is the mapped type of any of its codings. Sentences whose codings have no
    ACLED equivalent only feed ``events_on_unmapped_rate`` (information, not an error)."""
    expected: dict[str, set[str]] = {}
    dead: dict[str, int] = {}
    injured: dict[str, int] = {}
    for record in records:
        mapped = taxonomy.event_type_for_plover(record.plover_type, record.plover_mode)
        expected.setdefault(record.text, set())
        if mapped:
            expected[record.text].add(mapped)
        if record.dead is not None:
            dead.setdefault(record.text, record.dead)
        if record.injured is not None:
            injured.setdefault(record.text, record.injured)
    mapped_texts = [text for text, types in expected.items() if types]
    unmapped_texts = [text for text, types in expected.items() if not types]

    def top(text: str) -> Event | None:
        return top_event(events_by_text.get(text, ()), taxonomy)

    type_hits = sum(
        1
        for text in mapped_texts
        if (e := top(text)) is not None and e.event_type in expected[text]
    )
    any_type_hits = sum(
        1
        for text in mapped_texts
        if any(
            e.event_type in expected[text] for e in events_by_text.get(text, ()) if not e.negated
        )
    )
    dead_hits = sum(1 for text, n in dead.items() if (e := top(text)) and e.fatalities == n)
    injured_hits = sum(1 for text, n in injured.items() if (e := top(text)) and e.injured == n)
    alarms = sum(1 for text in unmapped_texts if top(text) is not None)
    return {
        "records": len(records),
        "sentences": len(expected),
        "mapped_sentences": len(mapped_texts),
        "event_type_accuracy": round(ratio(type_hits, len(mapped_texts)), 4),
        "event_type_any_accuracy": round(ratio(any_type_hits, len(mapped_texts)), 4),
        "no_event_rate_mapped": round(
            ratio(sum(top(text) is None for text in mapped_texts), len(mapped_texts)), 4
        ),
        "events_on_unmapped_rate": round(ratio(alarms, len(unmapped_texts)), 4),
        "dead_sentences": len(dead),
        "dead_accuracy": round(ratio(dead_hits, len(dead)), 4),
        "injured_sentences": len(injured),
        "injured_accuracy": round(ratio(injured_hits, len(injured)), 4),
    }


def cameo_code_of(event: Event, taxonomy: Taxonomy) -> str | None:
    """The event's own CAMEO code, else the taxonomy's crosswalk code."""
    if event.cameo_code:
        return event.cameo_code
    sub = taxonomy.sub_events.get(event.sub_event_type)
    return sub.cameo_code if sub else None


def score_petr2(
    sentences: Sequence[PetrSentence],
    events_by_id: Mapping[str, Sequence[Event]],
    taxonomy: Taxonomy,
) -> dict:
    """Precision and recall of CAMEO roots (first two digits), micro-averaged over
    sentences, each root counted once per sentence. ``recall_in_scope`` only counts expected
    roots our crosswalk can produce (14-20 and a few others): most PETRARCH codings are
    diplomatic verbs outside the ACLED taxonomy."""
    in_scope = taxonomy.cameo_roots()
    hits = predicted_total = expected_total = expected_in_scope = hits_in_scope = 0
    quiet_violations = 0
    for sentence in sentences:
        expected = {code[:2] for code in sentence.expected_codes}
        predicted = {
            code[:2]
            for event in events_by_id.get(sentence.sentence_id, ())
            if is_reported(event) and (code := cameo_code_of(event, taxonomy))
        }
        hits += len(expected & predicted)
        predicted_total += len(predicted)
        expected_total += len(expected)
        expected_in_scope += len(expected & in_scope)
        hits_in_scope += len(expected & predicted & in_scope)
        if not expected and predicted:
            quiet_violations += 1
    return {
        "sentences": len(sentences),
        "expected_roots": expected_total,
        "expected_roots_in_scope": expected_in_scope,
        "predicted_roots": predicted_total,
        "matched_roots": hits,
        "precision": round(ratio(hits, predicted_total), 4),
        "recall": round(ratio(hits, expected_total), 4),
        "recall_in_scope": round(ratio(hits_in_scope, expected_in_scope), 4),
        "events_on_no_event_sentences": quiet_violations,
    }


# --- places -------------------------------------------------------------------------------------


def score_place_judgements(
    judgements: Sequence[PlaceJudgement], events_by_doc: Mapping[str, Sequence[Event]], same_place: SamePlace
) -> dict:
    """Our country and admin1 against blind judgements, event by event (``events_by_doc`` is
    keyed ``"<set>/<key>"``; the event is the reported one whose sentence starts at the
    judged offset). ``admin1_accuracy`` is over events the text places in an admin1;
    ``unfounded_admin1`` counts events the reviewer could place in no admin1 but we did."""
    admin1_total = admin1_right = admin1_given_wrong = country_total = country_right = unfounded = unmatched = 0
    errors: list[dict] = []
    for judged in judgements:
        event = next(
            (e for e in events_by_doc.get(f"{judged.set_name}/{judged.key}", ())
             if e.char_start == judged.char_start and is_reported(e)),
            None,
        )
        if event is None:
            unmatched += 1  # the tagger no longer reports an event there: nothing to judge
            continue
        if judged.country:
            country_total += 1
            country_right += event.country == judged.country
        if judged.admin1:
            admin1_total += 1
            right = bool(judged.admin1_code and event.admin1_code == judged.admin1_code) or (
                not _is_empty(event.admin1) and same_place("admin1", event.admin1, judged.admin1))
            admin1_right += right
            admin1_given_wrong += not right and not _is_empty(event.admin1)
            if not right:
                errors.append({"doc": f"{judged.set_name}/{judged.key}", "at": judged.char_start,
                               "gold": judged.admin1, "predicted": event.admin1, "location": event.location})
        elif event.admin1:
            unfounded += 1
            errors.append({"doc": f"{judged.set_name}/{judged.key}", "at": judged.char_start,
                           "gold": None, "predicted": event.admin1, "location": event.location})
    return {
        "judged_events": len(judgements),
        "unmatched_events": unmatched,
        "country_events": country_total,
        "country_accuracy": round(ratio(country_right, country_total), 4),
        "admin1_events": admin1_total,
        "admin1_accuracy": round(ratio(admin1_right, admin1_total), 4),
        "unfounded_admin1": unfounded,
        # of the judged events we gave an admin1, the share whose admin1 is right
        "admin1_precision": round(ratio(admin1_right, admin1_right + admin1_given_wrong + unfounded), 4),
        "errors": errors,
    }


def score_plover_places(
    records: Sequence[PloverSentence], events_by_text: Mapping[str, Sequence[Event]],
    taxonomy: Taxonomy, same_place: SamePlace,
) -> dict:
    """Does the place of our top event name the PLOVER coder's event location (a town, a
    region or a country, matched through the gazetteer's spellings)?"""
    located = {r.text: r.location for r in records if r.location}
    right = no_event = 0
    misses: list[dict] = []
    for text, location in located.items():
        event = top_event(events_by_text.get(text, ()), taxonomy)
        if event is None:
            no_event += 1
            continue
        if (same_place("location", event.location, location) or same_place("admin1", event.admin1, location)
                or same_place("country", event.country, location)):
            right += 1
        else:
            misses.append({"gold": location, "location": event.location, "admin1": event.admin1,
                           "country": event.country})
    scored = len(located) - no_event
    return {
        "located_sentences": len(located),
        "no_event": no_event,
        "location_accuracy": round(ratio(right, scored), 4),
        "misses": misses,
    }


def score_no_place(found: Mapping[str, Sequence[str]]) -> dict:
    """Place-free sentences -> the place names found in each: every one is a false place."""
    false_places = [(text, name) for text, names in found.items() for name in names]
    return {
        "sentences": len(found),
        "sentences_with_false_place": sum(1 for names in found.values() if names),
        "clean_rate": round(ratio(sum(1 for names in found.values() if not names), len(found)), 4),
        "false_places": [{"name": name, "sentence": _brief(text, 80)} for text, name in false_places],
    }
