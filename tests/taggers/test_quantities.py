import pytest

from taggers.quantities import find_count, no_casualties_reported, parse_number


@pytest.mark.parametrize(
    ("sentence", "kind", "low", "high"),
    [
        ("airstrikes on Wednesday have killed at least 5 to 10 alleged ISIS fighters", "killed", 5, 10),
        ("with militants killing five soldiers and wounding three more", "killed", 5, None),
        ("with militants killing five soldiers and wounding three more", "injured", 3, None),
        ("militants also killed an Iraqi federal police officer at a checkpoint", "killed", 1, None),
        ("Two policemen were killed and 11 people wounded when a bomb exploded", "killed", 2, None),
        ("Two policemen were killed and 11 people wounded when a bomb exploded", "injured", 11, None),
        ("A suicide bomber killed dozens of worshippers", "killed", 12, None),
        ("the death toll rose to 23", "killed", 23, None),
        ("Police arrested 12 suspects in the raid", "arrested", 12, None),
        ("gunmen kidnapped three aid workers", "kidnapped", 3, None),
        ("The blast killed twenty-five people", "killed", 25, None),
        ("a soldier was killed and two others were wounded", "injured", 2, None),
    ],
)
def test_counts(sentence, kind, low, high):
    count = find_count(sentence, kind)
    assert count is not None
    assert (count.low, count.high) == (low, high)


def test_vague_words_give_no_count():
    assert find_count("several people were killed in the attack", "killed") is None


def test_no_casualties_phrase():
    assert no_casualties_reported("The rocket hit an empty field and no casualties were reported.")


def test_parse_number():
    assert parse_number("1,200") == 1200
    assert parse_number("hundreds") == 100
    assert parse_number("several") is None
