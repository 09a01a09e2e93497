from datetime import date

import pytest

from taggers.dates import find_dates

PUBLISHED = date(2026, 11, 18)  # a Wednesday


@pytest.mark.parametrize(
    ("sentence", "text", "value", "precision"),
    [
        ("strikes on Wednesday have killed", "on Wednesday", date(2026, 11, 18), "day"),
        ("On Tuesday night gunmen attacked", "On Tuesday night", date(2026, 11, 17), "day"),
        ("on Thursday, police said", "on Thursday", date(2026, 11, 12), "day"),
        ("in Hawija on April 12, according to", "on April 12", date(2026, 4, 12), "day"),
        ("on December 3 gunmen", "on December 3", date(2025, 12, 3), "day"),
        ("took place on September 9th, when", "on September 9th", date(2026, 9, 9), "day"),
        ("vowed last week to", "last week", date(2026, 11, 11), "week"),
        ("yesterday's blast", "yesterday", date(2026, 11, 17), "day"),
        ("on 3 March 2025 militants", "on 3 March 2025", date(2025, 3, 3), "day"),
    ],
)
def test_resolves_against_publication(sentence, text, value, precision):
    found = find_dates(sentence, PUBLISHED)
    assert [(d.text, d.value, d.precision) for d in found] == [(text, value, precision)]


def test_years_are_past_hints():
    (mention,) = find_dates("ISIS seized Mosul in the summer of 2014", PUBLISHED)
    assert mention.past_hint and mention.value.year == 2014


def test_without_publication_weekday_stays_unresolved():
    (mention,) = find_dates("on Wednesday", None)
    assert mention.value is None and mention.text == "on Wednesday"
