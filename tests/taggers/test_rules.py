"""Rule packs are validated at load with file, line and reason."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from core.errors import RuleError
from taggers.actors import load_actors
from taggers.engine import Tagger
from taggers.rules import literal_prefixes, load_context, load_triggers
from taggers.taxonomy import ACLED_SUB_EVENTS

RULES = Path(__file__).resolve().parents[2] / "taggers" / "rules"
IDS = set(ACLED_SUB_EVENTS)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rules_load():
    triggers = load_triggers(RULES / "triggers.toml", IDS)
    assert len(triggers) >= 20
    load_context(RULES / "context.toml")
    actors = load_actors(RULES)
    assert len(actors.names) >= 200


def test_unknown_sub_event_type_points_at_its_line(tmp_path):
    path = _write(
        tmp_path,
        "t.toml",
        '[[trigger]]\nid = "x.one"\nsub_event_type = "air_drone_strike"\npatterns = ["a"]\n\n'
        '[[trigger]]\nid = "x.two"\nsub_event_type = "airstrikes"\npatterns = ["b"]\n',
    )
    with pytest.raises(RuleError) as caught:
        load_triggers(path, IDS)
    assert caught.value.line == 7 and "airstrikes" in caught.value.reason and str(path) in str(caught.value)


def test_bad_regex_is_reported(tmp_path):
    path = _write(tmp_path, "t.toml", '[[trigger]]\nid = "x.one"\nsub_event_type = "attack"\npatterns = ["kill(ed"]\n')
    with pytest.raises(RuleError, match="bad regular expression") as caught:
        load_triggers(path, IDS)
    assert caught.value.line == 2


def test_toml_syntax_error_carries_line(tmp_path):
    path = _write(tmp_path, "t.toml", "[[trigger]]\nid = x.one\n")
    with pytest.raises(RuleError) as caught:
        load_triggers(path, IDS)
    assert caught.value.line == 2


def test_duplicate_alias_names_both_lines(tmp_path):
    shutil.copy(RULES / "generic_actors.csv", tmp_path / "generic_actors.csv")
    (tmp_path / "actors.csv").write_text(
        "name,actor_type,country,aliases,valid_from,valid_to,notes\n"
        "Group A,rebel_group,IRQ,Alpha Front,,,\n"
        "Group B,rebel_group,SYR,alpha front,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match="already belongs to 'Group A' \\(line 2\\)") as caught:
        load_actors(tmp_path)
    assert caught.value.line == 3


def test_bad_actor_type(tmp_path):
    shutil.copy(RULES / "generic_actors.csv", tmp_path / "generic_actors.csv")
    (tmp_path / "actors.csv").write_text(
        "name,actor_type,country,aliases,valid_from,valid_to,notes\nGroup A,terrorists,IRQ,,,,\n", encoding="utf-8"
    )
    with pytest.raises(RuleError, match="actor_type") as caught:
        load_actors(tmp_path)
    assert caught.value.line == 2


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"(?:hand[\s-])?grenades?", {"hand", "grenade", "grenades"}),
        (r"kill(?:ed|ing|s)?", {"kill", "killed", "killing", "kills"}),
        (r"[A-Z]+ bombs?", None),
    ],
)
def test_literal_prefixes(pattern, expected):
    assert literal_prefixes(pattern) == expected


def test_prefilter_never_hides_a_match():
    """Every sentence a rule's own regex matches is also selected by the keyword prefilter."""
    tagger = Tagger.load()
    compiled = tagger._compiled
    sentences = [
        "Coalition airstrikes on caves killed 5 fighters.",
        "A roadside bomb exploded near the convoy.",
        "Protesters clashed with police on Tuesday.",
        "Gunmen opened fire on worshippers.",
        "Troops recaptured the town of Hit.",
        "Police defused an IED near the market.",
        "Rebels seized control of the border crossing.",
        "A suicide bomber blew himself up.",
    ]
    for sentence in sentences:
        selected = compiled.rules_to_run(sentence.lower())
        for index, regex in enumerate(compiled.regexes):
            if regex.search(sentence):
                assert index in selected, (sentence, tagger.triggers[index].id)


def test_rule_ids_name_their_sub_event_type():
    for rule in load_triggers(RULES / "triggers.toml", IDS):
        assert re.match(rf"{rule.sub_event_type}\.", rule.id), rule.id
