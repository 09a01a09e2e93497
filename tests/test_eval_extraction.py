"""`newsevents eval extraction`: the body metric is the Zyte benchmark's own (it reproduces
the published figures), the title/author/date scores count what they say, and a small run
over every set produces a complete report."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from evaluation.extraction import (
    SET_NAMES,
    Prediction,
    Sample,
    author_scores,
    body_scores,
    date_scores,
    format_extraction_report,
    load_samples,
    loose_title,
    normalize_title,
    run_extraction_eval,
    shingle_match,
    title_scores,
)
from evaluation.run import check_figures


def test_shingle_metric_reproduces_the_published_zyte_figures(shared_root):
    # README of the benchmark: AutoExtract (Nov 2019) F1 0.970, precision 0.984, recall 0.956
    folder = shared_root / "corpora" / "extraction" / "zyte-aeb"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    output = json.loads((folder / "output" / "AutoExtract.json").read_text(encoding="utf-8"))
    output = output.get("output", output)
    scores = body_scores([
        shingle_match(truth[key].get("articleBody", ""), output.get(key, {}).get("articleBody") or "")
        for key in truth
    ])
    assert (scores["f1"], scores["precision"], scores["recall"]) == (
        pytest.approx(0.970, abs=6e-4), pytest.approx(0.984, abs=6e-4), pytest.approx(0.956, abs=6e-4))


def test_shingle_match_counts_shingles_with_repeats():
    assert shingle_match("a b c d e", "a b c d e") == (1.0, 0.0, 0.0)
    assert shingle_match("a b c d e", "") == (0.0, 0.0, 1.0)
    tp, fp, fn = shingle_match("one two three four five", "one two three four six")
    assert (tp, fp, fn) == (pytest.approx(1 / 3), pytest.approx(1 / 3), pytest.approx(1 / 3))
    assert shingle_match("", "") == (0.0, 0.0, 0.0)
    # shorter than a shingle: all its words are one shingle
    assert shingle_match("two words", "two words") == (1.0, 0.0, 0.0)
    perfect_and_empty = body_scores([(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)])
    # the empty answer has no precision to average, and recall 0
    assert (perfect_and_empty["precision"], perfect_and_empty["recall"]) == (1.0, 0.5)


def _sample(**gold) -> Sample:
    return Sample("naeb", gold.pop("key", "k"), "https://example.com/a", gold.pop("html", b""),
                  datetime(2024, 1, 1, tzinfo=UTC), **gold)


def _prediction(title=None, authors=(), day=None, utc_day=None) -> Prediction:
    return Prediction("", title, tuple(authors), day, utc_day or day)


def test_title_scores_exact_and_loose():
    assert normalize_title("  Blast\u00a0kills  5 ") == "Blast kills 5"
    assert loose_title("‘Blast’ kills 5!") == loose_title("blast kills 5")
    samples = [_sample(title="Blast kills 5"), _sample(title="‘Quote’ here"), _sample(title=None)]
    predictions = [_prediction("Blast  kills 5"), _prediction("Quote here"), _prediction("x")]
    scores = title_scores(samples, predictions)
    assert (scores["exact"], scores["loose"], scores["pages"], scores["missing"]) == (0.5, 1.0, 2, 0)


def test_author_scores_compare_name_sets():
    samples = [_sample(authors=("Jane Roe", "John Doe")), _sample(authors=()), _sample(authors=("A B",))]
    predictions = [_prediction(authors=("john doe", "By Jane Roe")), _prediction(), _prediction(authors=("C D",))]
    scores = author_scores(samples, predictions)
    two_thirds = pytest.approx(2 / 3, abs=1e-4)  # figures are rounded to 4 places
    assert (scores["exact_set"], scores["name_precision"], scores["name_recall"]) == (two_thirds,) * 3
    assert scores["pages_with_gold_authors"] == 2


def test_date_scores_count_days_and_kinds_of_miss():
    samples = [_sample(published=date(2023, 12, 22)) for _ in range(4)] + [_sample(published=None)]
    predictions = [
        _prediction(day=date(2023, 12, 22), utc_day=date(2023, 12, 23)),
        _prediction(day=date(2023, 12, 23), utc_day=date(2023, 12, 22)),
        _prediction(day=date(2024, 12, 22)),
        _prediction(),
        _prediction(day=date(2020, 1, 1)),
    ]
    scores = date_scores(samples, predictions)
    assert (scores["day"], scores["utc_day"], scores["pages"]) == (0.25, 0.25, 4)
    assert (scores["missing"], scores["off_by_one_day"], scores["other_year_same_day"]) == (1, 1, 1)


@pytest.mark.parametrize("name", SET_NAMES)
def test_every_corpus_loads(shared_root, name):
    samples = load_samples(name, shared_root, limit=3)
    assert len(samples) == 3
    assert all(s.html and s.url.startswith("http") for s in samples)
    assert all(s.body for s in samples) or name == "htmldate"
    assert all(s.published for s in samples) or name in {"zyte", "fundus"}


def test_a_small_run_scores_ours_next_to_trafilatura(shared_root):
    progress = []
    results = run_extraction_eval(shared_root, lambda done, total: progress.append((done, total)), limit=2)
    sets = results["sets"]
    assert set(sets) == set(SET_NAMES)
    for name in ("zyte", "fundus", "naeb"):
        assert {"ours", "trafilatura"} <= set(sets[name]["body"])
        assert 0.0 <= sets[name]["body"]["ours"]["f1"] <= 1.0
    assert set(sets["naeb"]) >= {"title", "authors", "date"}
    assert set(sets["naeb"]["date"]) == {"ours", "trafilatura", "ours_with_feed_date"}
    assert set(sets["htmldate"]["date"]) == {"ours", "trafilatura", "ours_with_feed_date"}
    # a correct feed date survives the precedence and the publisher's-day rule on these pages
    assert sets["htmldate"]["date"]["ours_with_feed_date"]["day"] == 1.0
    assert progress[-1][0] == progress[-1][1] == 2 * 2 * 4 + 2 * 2
    report = format_extraction_report(results)
    assert "zyte" in report and "ours_with_feed_date" in report and "trafilatura" in report
    json.dumps(results)  # JSON-ready for --json
    # floors of the eval harness apply to these figures
    assert check_figures(results, {"zyte": {"body": {"ours": {"f1": 0.0}}}}) == []
    assert check_figures(results, {"zyte": {"body": {"ours": {"f1": 1.1}}}}) != []


def test_date_scores_where_the_page_writes_the_day_and_without_modified_golds():
    gold = date(2023, 12, 22)
    published_page = b'<meta property="article:published_time" content="2023-12-22T10:00:00Z">'
    modified_page = (b'<script>{"datePublished": "2022-10-21T11:00:00Z", '
                     b'"dateModified": "2023-12-22T12:51:36Z"}</script>')
    silent_page = b"<p>No date here.</p>"
    samples = [_sample(published=gold, html=published_page), _sample(published=gold, html=modified_page),
               _sample(published=gold, html=silent_page)]
    predictions = [_prediction(day=gold), _prediction(day=date(2022, 10, 21)), _prediction(day=date(2023, 1, 1))]
    scores = date_scores(samples, predictions)
    assert (scores["pages_carrying_day"], scores["day_where_carried"]) == (2, 0.5)
    assert scores["publication_day_where_carried"] == 1.0  # the modified-date gold is set aside
    assert scores["gold_is_modified_date"] == 1


def test_a_day_is_carried_only_as_a_whole_date():
    from evaluation.extraction import page_carries_day

    assert page_carries_day(b"<p>Posted 1 December 2023</p>", date(2023, 12, 1))
    assert not page_carries_day(b"<p>Posted 21 December 2023</p>", date(2023, 12, 1))
