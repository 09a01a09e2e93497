"""Near-duplicate detection: a syndicated wire story with light edits is linked to the
original; another story about the same event is not."""

from __future__ import annotations

from extractors.dedup import (
    DEFAULT_MAX_DISTANCE,
    NearDuplicate,
    find_near_duplicate,
    hamming,
    link_near_duplicates,
    shingles,
    simhash64,
)

WIRE_STORY = """\
BAGHDAD (Wire) — Gunmen attacked an army checkpoint in the Hamrin mountains north-east of \
Baghdad late on Tuesday, killing four soldiers and wounding three others, two security \
officials said on Wednesday.

The attackers opened fire with machine guns and sniper rifles from two directions shortly \
after midnight and then withdrew towards the valleys on the border between Diyala and \
Salahuddin provinces, the officials said, speaking on condition of anonymity because they \
were not authorised to talk to reporters.

A spokesman for the Joint Operations Command said reinforcements had been sent to the area \
and that aircraft were searching the surrounding hills. He did not give a casualty toll.

No group immediately claimed responsibility, but the rugged area has long served as a \
hideout for remnants of the Islamic State group, which lost its last territory in Iraq in \
2017 and has since waged a low-level insurgency of ambushes and roadside bombs.

Attacks on security forces in the area have become less frequent over the past two years, \
but officials say small cells still move between the mountains and the farmland of the \
Tigris valley, where they can find shelter and supplies.

The army said last month that it had killed a senior Islamic State commander in an air \
strike in the same mountains, and that the group had fewer than a few hundred fighters \
left in Iraq.

Four soldiers were also killed in a similar attack in the province of Kirkuk in January.
"""

# What a client site does with wire copy: its own dateline, "said" → "told", a trimmed
# last paragraph, and its credit line.
SYNDICATED_COPY = (
    WIRE_STORY.replace("BAGHDAD (Wire) —", "Baghdad:")
    .replace("two security officials said on Wednesday", "two security officials told us")
    .replace(
        "\nFour soldiers were also killed in a similar attack in the province of "
        "Kirkuk in January.\n",
        "\n",
    )
    + "\n(Reporting by the Wire's Baghdad bureau; editing by our desk)\n"
)

# The same event, reported independently: shared facts and names, different sentences.
SAME_EVENT_OTHER_STORY = """\
Four Iraqi soldiers died and three were hurt when Islamic State militants ambushed their \
post in the Hamrin range overnight, the defence ministry announced on Wednesday.

According to the ministry statement, the militants struck from the hills at about 12:30 \
a.m., and the soldiers returned fire for nearly an hour before the attackers escaped into \
the orchards near the Diyala river.

Local residents told our correspondent they heard heavy gunfire and saw helicopters over \
the area until dawn. The wounded soldiers were taken to a military hospital in Tikrit.

Security experts say the Hamrin mountains, which stretch across Diyala, Salahuddin and \
Kirkuk, remain one of the last places where the militants can operate, because the terrain \
is hard to patrol and the provinces' forces often fail to coordinate.

The attack is the deadliest on the army since January, when a roadside bomb killed four \
soldiers south of Kirkuk. Parliament's security committee called for an inquiry.
"""


def test_syndicated_copy_with_light_edits_is_linked_to_the_original() -> None:
    original, copy = simhash64(WIRE_STORY), simhash64(SYNDICATED_COPY)
    assert hamming(original, copy) <= DEFAULT_MAX_DISTANCE
    candidates = {"a" * 40: original, "b" * 40: simhash64(SAME_EVENT_OTHER_STORY)}
    assert find_near_duplicate(copy, candidates) == "a" * 40


def test_another_story_about_the_same_event_is_not_a_duplicate() -> None:
    other = simhash64(SAME_EVENT_OTHER_STORY)
    assert hamming(simhash64(WIRE_STORY), other) > 2 * DEFAULT_MAX_DISTANCE
    assert find_near_duplicate(other, {"a" * 40: simhash64(WIRE_STORY)}) is None


def test_fingerprints_are_stable_across_processes_and_versions() -> None:
    # Pinned: blake2b-based, so a change here means every stored fingerprint is stale.
    assert simhash64("Gunmen attacked an army checkpoint in the Hamrin mountains") == (
        simhash64("gunmen ATTACKED an army checkpoint, in the Hamrin mountains!")
    )
    assert simhash64(WIRE_STORY) == PINNED_WIRE_STORY_FINGERPRINT
    assert 0 <= simhash64(WIRE_STORY) < 2**64


def test_empty_text_matches_nothing() -> None:
    assert simhash64("") == 0
    assert simhash64("—  …") == 0
    assert find_near_duplicate(0, {"a": 0, "b": 1}) is None


def test_closest_candidate_wins_and_ties_go_to_the_smallest_key() -> None:
    base = 0b1011_0000
    candidates = {"far": base ^ 0b111, "near": base ^ 0b1, "also-near": base ^ 0b10}
    assert find_near_duplicate(base, candidates) == "also-near"  # distance 1, "a" < "n"
    assert find_near_duplicate(base, candidates, max_distance=0) is None
    assert find_near_duplicate(base, {}) is None


def test_hamming() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0, 2**64 - 1) == 64
    assert hamming(0b1010, 0b0110) == 2


def test_shingles() -> None:
    assert shingles("One two three four") == ["one two three", "two three four"]
    assert shingles("Two words") == ["two words"]
    assert shingles("") == []


# --- linking a batch of new articles (what the flows call) ---------------------------------

ORIGINAL, COPY, OTHER = "1" * 40, "2" * 40, "3" * 40


def test_new_copy_links_to_the_stored_original() -> None:
    links = link_near_duplicates(
        {COPY: SYNDICATED_COPY, OTHER: SAME_EVENT_OTHER_STORY, "4" * 40: ""},
        {ORIGINAL: simhash64(WIRE_STORY)},
    )
    assert links[COPY] == NearDuplicate(simhash64(SYNDICATED_COPY), ORIGINAL)
    assert links[OTHER] == NearDuplicate(simhash64(SAME_EVENT_OTHER_STORY), None)
    assert links["4" * 40] == NearDuplicate(None, None)  # no words: no fingerprint, no link
    assert set(links) == {COPY, OTHER, "4" * 40}  # stored articles are not reported


def test_copies_arriving_together_link_to_the_smallest_key() -> None:
    links = link_near_duplicates({COPY: SYNDICATED_COPY, ORIGINAL: WIRE_STORY}, {})
    assert links[ORIGINAL].duplicate_of is None
    assert links[COPY].duplicate_of == ORIGINAL


def test_relinking_stored_articles_changes_nothing() -> None:
    # A re-extraction passes stored articles again: the original is not its own duplicate,
    # nor a copy of its (later) copy; the copy keeps its link.
    first = link_near_duplicates({ORIGINAL: WIRE_STORY, COPY: SYNDICATED_COPY}, {})
    stored_canonical = {k: v.simhash for k, v in first.items() if v.duplicate_of is None}
    again = link_near_duplicates({ORIGINAL: WIRE_STORY, COPY: SYNDICATED_COPY}, stored_canonical)
    assert again == first


def test_the_older_stored_article_stays_canonical_whatever_the_keys() -> None:
    # "9..." was stored before "1...": the stored order decides, not the key order.
    older, newer = "9" * 40, "1" * 40
    recent = {older: simhash64(WIRE_STORY), newer: simhash64(SAME_EVENT_OTHER_STORY)}
    # the newer article is re-extracted and now carries the wire copy
    links = link_near_duplicates({newer: SYNDICATED_COPY, older: WIRE_STORY}, recent)
    assert links[older].duplicate_of is None
    assert links[newer].duplicate_of == older


def test_equal_distances_go_to_the_oldest_candidate() -> None:
    # Same text stored twice as canonical (e.g. before linking existed): the oldest wins.
    recent = {"b" * 40: simhash64(WIRE_STORY), "a" * 40: simhash64(WIRE_STORY)}
    links = link_near_duplicates({"c" * 40: WIRE_STORY}, recent)
    assert links["c" * 40].duplicate_of == "b" * 40


def test_distance_limit_is_respected() -> None:
    distance = hamming(simhash64(WIRE_STORY), simhash64(SYNDICATED_COPY))
    recent = {ORIGINAL: simhash64(WIRE_STORY)}
    assert link_near_duplicates({COPY: SYNDICATED_COPY}, recent, distance)[COPY].duplicate_of
    assert link_near_duplicates({COPY: SYNDICATED_COPY}, recent, distance - 1)[COPY] == (
        NearDuplicate(simhash64(SYNDICATED_COPY), None)
    )


PINNED_WIRE_STORY_FINGERPRINT = 0xC553618312410E91
