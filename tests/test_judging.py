"""The blind-judging packet: a reproducible draw, one row per event sentence, no place fields."""

from __future__ import annotations

from dataclasses import replace

from evaluation.judging import PACKET_COLUMNS, JudgingText, packet_rows, sample_texts
from taggers.engine import Tagger


def test_sample_is_reproducible_and_in_corpus_order() -> None:
    texts = [JudgingText("case2021", str(n), f"text {n}") for n in range(50)]
    first = sample_texts(texts, 10, seed=7)
    assert first == sample_texts(texts, 10, seed=7)
    assert first != sample_texts(texts, 10, seed=8)
    assert [int(t.key) for t in first] == sorted(int(t.key) for t in first)
    assert len(sample_texts(texts, 500, seed=7)) == 50  # a sample larger than the corpus is all of it


def test_texts_already_judged_are_never_drawn_again() -> None:
    texts = [JudgingText("case2021", str(n), f"text {n}") for n in range(50)]
    judged = {("case2021", str(n)) for n in range(0, 50, 2)} | {("plover", "1")}

    drawn = sample_texts(texts, 500, seed=7, judged=judged)

    # odd keys only: "1" is drawn, though plover's text "1" was judged (another text)
    assert [t.key for t in drawn] == [str(n) for n in range(1, 50, 2)]


def test_packet_gives_each_event_sentence_once_and_nothing_of_our_places() -> None:
    tagger = Tagger.load()
    text = JudgingText(
        "case2021", "k1",
        "Gunmen killed three police officers in Kirkuk on Monday. Later, a bomb exploded and killed "
        "two soldiers near Tikrit. The weather was fine.",
    )
    # the tagger's events, their place fields set to values no text contains: none may reach the packet
    sentinels = {"country": "XXA", "admin1": "Sentinel Admin1", "admin1_code": "XX-SA",
                 "admin2": "Sentinel Admin2", "location": "Sentinel Town", "geonames_id": 987654321,
                 "latitude": 12.3456789, "longitude": 98.7654321}
    events = [replace(e, **sentinels) for e in tagger.tag(text.text, None, doc_id=text.key, snippet=True)]
    rows = packet_rows([text], lambda t: events)

    assert all(len(row) == len(PACKET_COLUMNS) for row in rows)
    starts = [row[2] for row in rows]
    assert starts == sorted({e.char_start for e in events})  # one row per sentence with an event
    assert len(starts) == 2
    for row in rows:
        assert text.text[row[2]:].startswith(row[3])  # the offset points at the sentence
        assert not any(str(value) in str(field) for value in sentinels.values() for field in row)
