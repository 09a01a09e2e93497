"""Scoring of tagger output, the eval runner and the floors check, with hand-built events
(no tagger engine needed)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from core.errors import ConfigError
from core.records import Event
from evaluation import corpora
from evaluation.corpora import PetrSentence, PloverSentence
from evaluation.run import (
    FLOORS_PATH,
    check_figures,
    check_floors,
    format_report,
    load_floors,
    run_eval,
)
from evaluation.scoring import (
    NO_EVENT,
    aggregate_documents,
    count_gold,
    field_correct,
    gold_events_from_dicts,
    locate_evidence,
    match_events,
    normalize_name,
    per_label_scores,
    predict_case_label,
    score_case2021,
    score_document,
    score_petr2,
    score_plover,
    weighted_f1,
)
from taggers.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()

TEXT = (
    "Coalition airstrikes on caves in the Hamrin Mountains killed at least 5 to 10 fighters. "
    "Militants killed five soldiers in Diyala and Kirkuk. "
    "ISIS seized Mosul in the summer of 2014. "
    "Troops blew up four hideouts used by the group."
)
S1 = "Coalition airstrikes on caves in the Hamrin Mountains killed at least 5 to 10 fighters."
S2 = "Militants killed five soldiers in Diyala and Kirkuk."
S3 = "ISIS seized Mosul in the summer of 2014."
S4 = "Troops blew up four hideouts used by the group."


def event(sub_event_type: str, evidence: str, text: str = TEXT, **values) -> Event:
    """A predicted event whose span is where ``evidence`` sits in ``text``."""
    start = text.find(evidence)
    sub = TAXONOMY.sub_events[sub_event_type]
    return Event(
        doc_id="doc",
        event_id=f"{sub_event_type}-{start}",
        event_type=sub.event_type,
        sub_event_type=sub_event_type,
        evidence=evidence,
        char_start=max(start, 0),
        char_end=max(start, 0) + len(evidence) if start >= 0 else 0,
        **{"confidence": 0.5, **values},
    )


def gold(sub_event_type: str, evidence: str, **values) -> dict:
    return {
        "sub_event_type": sub_event_type,
        "evidence": evidence,
        "required": True,
        "historical": False,
        **values,
    }


# --- field comparison ------------------------------------------------------------------------


def test_normalize_name_ignores_case_accents_and_the_arabic_article():
    assert normalize_name("Salah al-Din") == normalize_name("SALAH AL DIN") == "salah din"
    assert normalize_name("Diyālá") == "diyala"
    assert normalize_name("The Hamrin Mountains") == normalize_name("hamrin mountains")


@pytest.mark.parametrize(
    ("name", "predicted", "gold_value", "correct"),
    [
        ("admin1", "Kirkuk", ["Diyala", "Kirkuk"], True),  # any listed region counts
        ("admin1", "Nineveh", ["Diyala", "Kirkuk"], False),
        ("admin1", "Salah ad Din", "Salah al-Din", False),  # spelling variants need the gazetteer
        ("location", "hamrin Mountains", "Hamrin mountains", True),
        ("location", "Al-Hawija", "Hawija", True),
        ("actor1", "Islamic State", "Islamic State", True),
        ("actor2", "Iraqi army", "Iraqi police", False),
        ("actor2", None, None, True),
        ("actor2", "Civilians", None, False),
        ("fatalities", 5, 5, True),
        ("fatalities", 10, 5, False),
        ("fatalities", None, 5, False),
        ("date_text", "Wednesday", "on Wednesday", True),
        ("date_text", "on April 12, 2024", "April 12", True),
        ("date_text", "April 11", "April 12", False),
        ("date_text", "September 9th", None, False),
        ("sub_event_type", "armed_clash", "armed_clash", True),
        ("event_date", date(2026, 11, 18), "2026-11-18", True),
        ("event_date", date(2026, 11, 17), "2026-11-18", False),
        ("event_date", date(2026, 11, 17), None, False),
    ],
)
def test_field_correct(name, predicted, gold_value, correct):
    assert field_correct(name, predicted, gold_value) is correct


# --- matching --------------------------------------------------------------------------------


def test_locate_evidence_exact_and_across_whitespace():
    assert locate_evidence(TEXT, S2) == (TEXT.find(S2), TEXT.find(S2) + len(S2))
    spaced = "Militants  killed\nfive soldiers"
    assert locate_evidence(TEXT, spaced) == (
        TEXT.find(S2),
        TEXT.find(S2) + len("Militants killed five soldiers"),
    )
    assert locate_evidence(TEXT, "not in the text") is None


def test_matching_pairs_same_type_first_when_two_events_share_a_sentence():
    gold_events = gold_events_from_dicts(
        [gold("armed_clash", S4), gold("looting_property_destruction", "blew up four hideouts")],
        TEXT,
    )
    predicted = [event("looting_property_destruction", S4), event("armed_clash", S4)]
    assert match_events(predicted, gold_events) == [(0, 1), (1, 0)]


def test_matching_prefers_the_prediction_of_the_same_type():
    gold_events = gold_events_from_dicts([gold("armed_clash", S2)], TEXT)
    predicted = [event("attack", S2), event("armed_clash", S2)]
    assert match_events(predicted, gold_events) == [(1, 0)]


def test_no_match_without_overlap():
    gold_events = gold_events_from_dicts([gold("armed_clash", S2)], TEXT)
    assert match_events([event("armed_clash", S1)], gold_events) == []


def test_matching_falls_back_to_shared_words_without_spans():
    gold_events = gold_events_from_dicts([gold("armed_clash", S2)], "another text")
    assert gold_events[0].span is None
    predicted = Event(
        doc_id="d", event_id="e", event_type="Battles", sub_event_type="armed_clash",
        evidence="Militants killed five soldiers in Diyala.",
    )  # fmt: skip
    assert match_events([predicted], gold_events) == [(0, 0)]


# --- document scores ---------------------------------------------------------------------------


def test_required_optional_and_historical_gold_events():
    gold_dicts = [
        gold(
            "air_drone_strike",
            S1,
            fatalities=5,
            fatalities_high=10,
            location="Hamrin mountains",
            date="2026-11-18",
        ),
        gold("armed_clash", S2, fatalities=5, admin1=["Diyala", "Kirkuk"]),
        gold("non_state_actor_overtakes_territory", S3, required=False, historical=True),
        gold("looting_property_destruction", S4, required=False),
    ]
    predicted = [
        event(
            "air_drone_strike",
            S1,
            fatalities=5,
            fatalities_high=10,
            location="Hamrin Mountains",
            event_date=date(2026, 11, 18),
        ),
        event("non_state_actor_overtakes_territory", S3),  # background reported as news
        event("looting_property_destruction", S4),  # optional: neither rewarded nor punished
        event("attack", S4, negated=True),  # denied: not reported, not counted
    ]
    score = score_document("doc", predicted, gold_dicts, TEXT)
    assert score.true_positives == 1
    assert score.false_negatives == 1  # the armed clash was missed
    assert score.neutral == 1
    assert score.historical_as_news == 1
    assert score.false_positives == 1  # the historical event
    assert score.reported == 3
    assert score.missed[0]["sub_event_type"] == "armed_clash"
    assert score.fields["fatalities"] == [1, 1]
    assert score.fields["location"] == [1, 1]
    assert score.fields["injured"] == [0, 0]  # empty on both sides: not counted
    assert score.fields["event_date"] == [1, 1]  # gold key "date"

    figures = aggregate_documents([score], count_gold(gold_dicts))
    assert figures["precision"] == 0.5
    assert figures["recall"] == 0.5
    assert figures["f1"] == 0.5
    assert figures["historical_as_news"] == 1
    assert figures["required_gold_events"] == 2
    assert figures["optional_gold_events"] == 1
    assert figures["historical_gold_events"] == 1
    assert figures["fields"]["fatalities"] == {"correct": 1, "total": 1, "accuracy": 1.0}
    assert figures["fields"]["injured"]["accuracy"] is None
    json.dumps(figures)


def test_historical_event_flagged_by_us_is_fine():
    gold_dicts = [gold("non_state_actor_overtakes_territory", S3, required=False, historical=True)]
    predicted = [event("non_state_actor_overtakes_territory", S3, historical=True)]
    score = score_document("doc", predicted, gold_dicts, TEXT)
    assert (score.historical_as_news, score.false_positives, score.false_negatives) == (0, 0, 0)


def test_unmatched_predictions_are_false_positives_and_field_errors_are_listed():
    gold_dicts = [gold("armed_clash", S2, actor1="Islamic State", fatalities=5)]
    predicted = [
        event("armed_clash", S2, actor1="Iraqi army", fatalities=5),
        event("shelling_artillery_missile_attack", S1),
    ]
    score = score_document("doc", predicted, gold_dicts, TEXT)
    assert (score.true_positives, score.false_positives, score.false_negatives) == (1, 1, 0)
    assert score.fields["actor1"] == [0, 1]
    assert score.field_errors[0]["field"] == "actor1"
    assert score.spurious[0]["why"] == "no gold event"


def test_empty_document_scores_zero_without_dividing_by_zero():
    figures = aggregate_documents([score_document("doc", [], [], TEXT)], count_gold([]))
    assert (figures["precision"], figures["recall"], figures["f1"]) == (0.0, 0.0, 0.0)


# --- CASE 2021 ---------------------------------------------------------------------------------


def test_weighted_f1_matches_a_hand_computed_example():
    # Labels A, B, C; X is outside the label set (an "unseen" class).
    y_true = ["A", "A", "B", "C", "X"]
    y_pred = ["A", "B", "B", "A", "A"]
    # A: tp 1, predicted 3 (one of them on the X sample), true 2 -> P 1/3, R 1/2, F1 0.4
    # B: tp 1, predicted 2, true 1 -> P 1/2, R 1, F1 2/3
    # C: tp 0 -> F1 0
    # weighted by true counts 2, 1, 1: (0.4*2 + 2/3*1 + 0*1) / 4 = 0.366667
    scores = per_label_scores(y_true, y_pred, ["A", "B", "C"])
    assert scores["A"]["precision"] == pytest.approx(1 / 3)
    assert scores["A"]["f1"] == pytest.approx(0.4)
    assert scores["B"]["f1"] == pytest.approx(2 / 3)
    assert scores["C"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert weighted_f1(y_true, y_pred, ["A", "B", "C"]) == pytest.approx(0.8 / 4 + (2 / 3) / 4)
    assert weighted_f1(["A"], ["A"], ["A", "B"]) == 1.0  # labels without support weigh 0
    with pytest.raises(ValueError):
        weighted_f1(["A"], [], ["A"])


def test_case_label_is_the_top_non_negated_event_mapped_through_the_taxonomy():
    text = "Warplanes struck the village while gunmen attacked a checkpoint."
    strike = event("air_drone_strike", text, text=text, confidence=0.9)
    clash = event("armed_clash", text, text=text, confidence=0.7)
    denied = event("suicide_bomb", text, text=text, confidence=0.99, negated=True)
    assert predict_case_label([clash, strike, denied], TAXONOMY) == "AIR_STRIKE"
    assert predict_case_label([denied], TAXONOMY) == NO_EVENT
    assert predict_case_label([], TAXONOMY) == NO_EVENT
    # equal confidence: ACLED precedence decides (strike inside a battle -> Battles)
    tied = [event("air_drone_strike", text, text=text), event("armed_clash", text, text=text)]
    assert predict_case_label(tied, TAXONOMY) == "ARMED_CLASH"


def test_score_case2021_counts_unseen_alarms_and_accuracy_on_seen():
    seen = list(TAXONOMY.by_case2021_label())
    gold_labels = ["AIR_STRIKE", "ARMED_CLASH", "ARREST", "DIPLO", "NATURAL_DISASTER"]
    predicted = ["AIR_STRIKE", "ATTACK", NO_EVENT, "AGREEMENT", NO_EVENT]
    figures = score_case2021(gold_labels, predicted, seen)
    assert figures["seen_snippets"] == 3 and figures["unseen_snippets"] == 2
    assert figures["accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert figures["unseen_event_rate"] == 0.5
    assert figures["no_event_rate_seen"] == pytest.approx(1 / 3, abs=1e-4)
    assert figures["weighted_f1_seen_only"] == pytest.approx(1 / 3, abs=1e-4)
    assert figures["per_label"]["AIR_STRIKE"]["f1"] == 1.0
    assert {"gold": "ARMED_CLASH", "predicted": "ATTACK", "count": 1} in figures["top_confusions"]
    json.dumps(figures)


# --- PLOVER and PETRARCH-2 -----------------------------------------------------------------------


def test_score_plover_maps_types_and_checks_counts():
    bombing = "A roadside bomb killed one soldier and wounded two others."
    police = "Police opened fire on demonstrators, killing one person."
    treaty = "The two states agreed on a trade pact."
    records = [
        PloverSentence("r1", bombing, "ASSAULT", "explosives", dead=1, injured=2),
        PloverSentence("r2", police, "COERCE", "firearms", dead=None, injured=None),
        PloverSentence("r3", police, "FIGHT", "firearms", dead=1, injured=None),
        PloverSentence("r4", treaty, "AGREE", None, dead=None, injured=None),
    ]
    events = {
        bombing: [event("remote_explosive_landmine_ied", bombing, text=bombing, fatalities=1)],
        police: [event("excessive_force_against_protesters", police, text=police, fatalities=1)],
        treaty: [event("agreement", treaty, text=treaty)],
    }
    figures = score_plover(records, events, TAXONOMY)
    assert figures["sentences"] == 3 and figures["mapped_sentences"] == 2
    assert figures["event_type_accuracy"] == 1.0  # Protests is one of the police sentence's types
    assert figures["dead_accuracy"] == 1.0 and figures["dead_sentences"] == 2
    assert figures["injured_accuracy"] == 0.0  # we found no injured count
    assert figures["events_on_unmapped_rate"] == 1.0


def test_score_petr2_compares_cameo_roots():
    sentences = [
        PetrSentence("s1", "US launched an air strike.", "GOLD", None, ("195",)),
        PetrSentence("s2", "Talks were held.", "AFP", None, ("042",)),
        PetrSentence("s3", "Nothing happened.", "AFP", None, ()),
    ]
    events = {
        "s1": [
            event(
                "air_drone_strike", "US launched an air strike.", text="US launched an air strike."
            )
        ],
        "s3": [event("arrests", "Nothing happened.", text="Nothing happened.")],
    }
    figures = score_petr2(sentences, events, TAXONOMY)
    assert figures["matched_roots"] == 1
    assert figures["precision"] == 0.5  # 19 right, 17 on a no-event sentence
    assert figures["recall"] == 0.5  # 04 is out of reach
    assert figures["recall_in_scope"] == 1.0
    assert figures["events_on_no_event_sentences"] == 1


# --- floors ---------------------------------------------------------------------------------------


RESULTS = {
    "meta": {},
    "sets": {
        "seeds": {
            "recall": 0.75,
            "historical_as_news": 1,
            "fields": {"actor1": {"accuracy": None}},
        },
        "case2021": {"weighted_f1": 0.41},
    },
}


def test_check_figures_reports_floors_ceilings_and_missing_figures():
    floors = {
        "seeds": {"recall": 0.8, "fields": {"actor1": {"accuracy": 0.5}}},
        "case2021.weighted_f1": 0.40,
        "plover": {"event_type_accuracy": 0.9},  # not evaluated in this run: skipped
        "seeds.precision": 0.5,
    }
    violations = check_figures(RESULTS, floors, {"seeds": {"historical_as_news": 0}})
    assert violations == [
        "seeds.recall = 0.75 is below its floor 0.8",
        "seeds.fields.actor1.accuracy: no such figure (has floor 0.5)",
        "seeds.precision: no such figure (has floor 0.5)",
        "seeds.historical_as_news = 1 is above its ceiling 0",
    ]
    assert check_figures(RESULTS, {"case2021": {"weighted_f1": 0.41}}) == []


def test_check_floors_reads_the_file(tmp_path):
    path = tmp_path / "floors.toml"
    path.write_text(
        "[floors]\ncase2021.weighted_f1 = 0.5\n[ceilings]\nseeds.historical_as_news = 0\n"
    )
    assert check_floors(RESULTS, path) == [
        "case2021.weighted_f1 = 0.41 is below its floor 0.5",
        "seeds.historical_as_news = 1 is above its ceiling 0",
    ]
    assert check_floors(RESULTS, tmp_path / "absent.toml") == []


def test_bad_floors_file_reports_file_and_line(tmp_path):
    path = tmp_path / "floors.toml"
    path.write_text("[floors]\nseeds.recall = = 1\n")
    with pytest.raises(ConfigError) as caught:
        check_floors(RESULTS, path)
    assert caught.value.line == 2
    path.write_text('[floors]\nseeds.recall = "high"\n')
    with pytest.raises(ConfigError):
        check_floors(RESULTS, path)
    path.write_text("[flors]\n")
    with pytest.raises(ConfigError):
        check_floors(RESULTS, path)


def test_shipped_floors_file_parses():
    floors, ceilings = load_floors(FLOORS_PATH)
    assert isinstance(floors, dict) and isinstance(ceilings, dict)


# --- the runner, end to end on a tiny corpus tree ----------------------------------------------


class KeywordTagger:
    """Stands in for taggers.engine.Tagger: one event per sentence that names a strike."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, date | None, str | None, str | None]] = []

    def tag(self, text, published, title=None, doc_id=None, snippet=False):
        self.calls.append((text, published, title, doc_id))
        if "explode" in text:
            raise RuntimeError("tagger bug")
        if "strike" not in text:
            return []
        return [event("air_drone_strike", text, text=text, tagger_version="kw-1")]


def write_corpus_tree(root: Path) -> Path:
    shared = root / "shared"
    (shared / "gold").mkdir(parents=True)
    (shared / "gold" / "doc-1.txt").write_text("A drone strike hit a car. Nothing else.\n")
    (shared / "gold" / "doc-1.json").write_text(
        json.dumps(
            {
                "id": "doc-1",
                "published": None,
                "text_file": "doc-1.txt",
                "events": [gold("air_drone_strike", "A drone strike hit a car.")],
            }
        )
    )
    case_dir = shared / corpora.CASE2021_TSV.parent
    case_dir.mkdir(parents=True)
    (shared / corpora.CASE2021_TSV).write_text(
        "id\tEventSnippet\tSubType\n1\tAn air strike hit the town.\tAIR_STRIKE\n"
        '2\tThe "floods" hit the town.\tNATURAL_DISASTER\n3\tThe bomb did explode.\tREM_EXPLOS\n'
    )
    plover = shared / corpora.PLOVER_GSR_FILE
    plover.parent.mkdir(parents=True)
    plover.write_text(
        json.dumps(
            [
                {"id": "doc", "event": "DOCUMENT"},
                {"id": "p1", "event": "FIGHT", "mode": "heavy-weapons", "dead": "4",
                 "text": "Aircraft carried out a strike that killed 4."},
            ]
        )
    )  # fmt: skip
    petr = shared / corpora.PETR2_GSR_FILE
    petr.parent.mkdir(parents=True)
    petr.write_text(
        """<Validation><Sentences>
<Sentence category="GOLD" date="20140901" id="g1" evaluate="true"/>
<EventCoding eventcode="195" sourcecode="USA" targetcode="IRQMUS" />
<Text>
The United States launched an air strike.
</Text>
<Parse>
</Parse>
</Sentence>
<Sentence category="AFP" date="20080806" id="a1" evaluate="true">
<!-- <EventCoding eventcode="111" /> -->
<EventCoding noevents="True" />
<Text>
Talks &amp; more.
</Text>
</Sentence>
</Sentences></Validation>
"""
    )
    return shared


def test_run_eval_scores_every_set_and_reports(tmp_path):
    shared = write_corpus_tree(tmp_path)
    tagger = KeywordTagger()
    calls = []
    results = run_eval(
        tagger,
        ["seeds", "case2021", "plover", "petr2"],
        shared,
        progress=lambda done, total: calls.append((done, total)),
    )
    sets = results["sets"]
    assert sets["seeds"]["recall"] == 1.0 and sets["seeds"]["precision"] == 1.0
    assert sets["case2021"]["snippets"] == 3
    assert sets["case2021"]["per_label"]["AIR_STRIKE"]["f1"] == 1.0
    assert sets["case2021"]["tagger_errors"] == 1
    assert sets["case2021"]["unseen_event_rate"] == 0.0
    assert sets["plover"]["event_type_accuracy"] == 1.0
    assert sets["plover"]["dead_accuracy"] == 0.0
    assert sets["petr2"]["matched_roots"] == 1
    assert sets["petr2"]["expected_roots"] == 1  # the commented-out coding is ignored
    assert calls[0] == (0, 7) and calls[-1] == (7, 7)
    assert results["meta"]["tagger_versions"] == ["kw-1"]
    assert "case2021/3" in results["meta"]["errors"][0]
    # PETRARCH sentences carry their date; text is unescaped and unwrapped
    assert ("Talks & more.", date(2008, 8, 6), None, "a1") in tagger.calls
    json.dumps(results)

    report = format_report(results)
    for heading in ("seeds:", "case2021:", "plover:", "petr2:", "TAGGER ERRORS: 1"):
        assert heading in report
    assert check_figures(
        results, {"seeds": {"recall": 1.0}}, {"case2021": {"tagger_errors": 0}}
    ) == ["case2021.tagger_errors = 1 is above its ceiling 0"]


def test_run_eval_rejects_unknown_sets_and_missing_corpora(tmp_path):
    with pytest.raises(ValueError):
        run_eval(KeywordTagger(), ["nonsense"], tmp_path)
    with pytest.raises(ConfigError) as caught:
        run_eval(KeywordTagger(), ["case2021"], tmp_path)
    assert "test_set_final_release_with_labels.tsv" in caught.value.path
    with pytest.raises(ConfigError):
        run_eval(KeywordTagger(), ["demo"], tmp_path, demo_dir=tmp_path / "no-demo")
    demo = tmp_path / "demo"
    demo.mkdir()
    for name in ("a.json", "b.json"):
        (demo / name).write_text(json.dumps({"id": "same", "text": "x", "events": []}))
    with pytest.raises(ConfigError) as caught:
        run_eval(KeywordTagger(), ["demo"], tmp_path, demo_dir=demo)
    assert "same" in caught.value.reason


def test_gold_document_with_inline_text_and_publication_date(tmp_path):
    path = tmp_path / "demo-1.json"
    path.write_text(
        json.dumps(
            {"id": "demo-1", "published": "2024-05-02T08:30:00+03:00", "title": "Strike",
             "text": "A drone strike hit a car.", "events": []}
        )
    )  # fmt: skip
    doc = corpora.load_gold_document(path)
    assert (doc.doc_id, doc.published, doc.title) == ("demo-1", date(2024, 5, 2), "Strike")
    path.write_text('{"events": [\n  {"evidence": "x"}\n]}')
    with pytest.raises(ConfigError):
        corpora.load_gold_document(path)
    path.write_text('{"events": [\n  oops\n]}')
    with pytest.raises(ConfigError) as caught:
        corpora.load_gold_document(path)
    assert caught.value.line == 2


# --- the real shared corpora (read by path, never copied) --------------------------------------

SHARED = corpora.DEFAULT_SHARED_ROOT
needs_shared = pytest.mark.skipif(not (SHARED / "corpora").is_dir(), reason="no shared corpora")


@needs_shared
def test_shared_corpora_load_with_their_documented_sizes():
    assert len(corpora.load_case2021()) == 1019
    plover = corpora.load_plover_gsr()
    assert len(plover) == 322
    assert sum(r.dead is not None for r in plover) == 15
    petr = corpora.load_petr2_gsr()
    assert len(petr) == 78
    assert sum(not s.expected_codes for s in petr) == 12
    seeds = corpora.load_seed_gold()
    assert [d.doc_id for d in seeds] == ["seed-000-diyaruna", "seed-001-rudaw"]
    for doc in seeds:
        for gold_event in gold_events_from_dicts(doc.events, doc.text):
            assert gold_event.span is not None, gold_event.evidence


# --- places ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def same_place():
    from evaluation.scoring import place_matcher
    from taggers.gazetteer import load_gazetteer

    return place_matcher(load_gazetteer())


def test_place_names_match_across_spellings(same_place):
    assert same_place("admin1", "Taizz", "Taiz")
    assert same_place("admin1", "Salah al-Din", ["Diyala", "Saladin"])
    assert same_place("admin1", "Nineveh", "IQ-NI")
    assert same_place("location", "Dhiban", "Thiban")
    assert same_place("location", "Rafah", "the town of Rafah")
    assert same_place("country", "NPL", "Nepal")
    assert not same_place("admin1", "Erbil", "Nineveh")
    assert not same_place("location", "Mosul", "Tikrit")
    assert field_correct("admin1", "Taizz", "Taiz", same_place)
    assert not field_correct("admin1", "Taizz", "Taiz")  # without a gazetteer: spelling only


def _placed(start: int, country: str | None, admin1: str | None, code: str | None = None) -> Event:
    return Event(doc_id="d", event_id=f"e{start}", event_type="Battles", sub_event_type="armed_clash",
                 country=country, admin1=admin1, admin1_code=code, char_start=start)


def test_place_judgements_count_right_wrong_unfounded_and_unmatched(same_place):
    from evaluation.corpora import PlaceJudgement
    from evaluation.scoring import score_place_judgements

    judged = [
        PlaceJudgement("zyte", "k", 0, "IRQ", "Salah al-Din", "IQ-SD", None),  # right by code
        PlaceJudgement("zyte", "k", 10, "IRQ", "Saladin", None, None),  # right by spelling
        PlaceJudgement("zyte", "k", 20, "IRQ", "Kirkuk", None, None),  # wrong
        PlaceJudgement("zyte", "k", 30, "IRQ", None, None, None),  # we gave one without basis
        PlaceJudgement("zyte", "k", 40, "IRQ", "Diyala", None, None),  # no event there any more
    ]
    events = {"zyte/k": [_placed(0, "IRQ", "Salah al-Din", "IQ-SD"), _placed(10, "IRQ", "Salah al-Din"),
                         _placed(20, "IRQ", "Diyala"), _placed(30, "IRQ", "Anbar")]}
    figures = score_place_judgements(judged, events, same_place)
    assert figures["unmatched_events"] == 1
    assert (figures["admin1_events"], figures["admin1_accuracy"]) == (3, round(2 / 3, 4))
    assert figures["unfounded_admin1"] == 1
    assert figures["admin1_precision"] == 0.5
    assert figures["country_accuracy"] == 1.0
    assert [e["gold"] for e in figures["errors"]] == ["Kirkuk", None]


def test_place_free_sentences_count_every_place_found():
    from evaluation.scoring import score_no_place

    figures = score_no_place({"Police said so.": [], "Victoria Jordan said so.": ["Jordan"]})
    assert figures["clean_rate"] == 0.5 and figures["false_places"][0]["name"] == "Jordan"


def test_place_judgement_file_errors_name_file_and_line(tmp_path):
    path = tmp_path / "judged.tsv"
    header = "batch\tset\tkey\tchar_start\tcountry\tadmin1\tadmin1_code\tlocation\tnote\n"
    path.write_text("# comment\n" + header + "1\tzyte\tk\tzero\tIRQ\t\t\t\t\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        corpora.load_place_judgements(path)
    assert error.value.line == 3 and "char_start" in str(error.value)
    path.write_text(header + "zyte\tzyte\tk\t0\tIRQ\t\t\t\t\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        corpora.load_place_judgements(path)
    assert error.value.line == 2 and "batch" in str(error.value)
    path.write_text("set\tkey\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="header"):
        corpora.load_place_judgements(path)


def test_shipped_place_judgements_load():
    judged = corpora.load_place_judgements()
    assert len(judged) >= 150 and sum(1 for j in judged if j.admin1) >= 80
    assert {j.batch for j in judged} >= {1, 2, 3}


def test_a_duplicate_place_judgement_is_refused(tmp_path):
    path = tmp_path / "judged.tsv"
    row = "1\tzyte\tk\t0\tIRQ\tDiyala\t\t\t\n"
    path.write_text("batch\tset\tkey\tchar_start\tcountry\tadmin1\tadmin1_code\tlocation\tnote\n" + row + row,
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate") as error:
        corpora.load_place_judgements(path)
    assert error.value.line == 3
