"""The taxonomy file loads, rejects bad edits with file + line, and the docs render from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import RuleError
from core.settings import PROJECT_ROOT
from taggers.taxonomy import (
    ACLED_SUB_EVENTS,
    DEFAULT_TAXONOMY_PATH,
    EVENT_TYPES,
    extract_generated_section,
    load_taxonomy,
    quad_class_of_root,
    render_doc_sections,
    replace_generated_sections,
)

GOOD_TEXT = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")

# The 25 "seen" labels of CASE 2021 Task 2 (event_types_note.txt of the shared task).
CASE2021_SEEN_LABELS = {
    "ABDUCT_DISSAP", "AGREEMENT", "AIR_STRIKE", "ARMED_CLASH", "ARREST", "ART_MISS_ATTACK",
    "ATTACK", "CHANGE_TO_GROUP_ACT", "CHEM_WEAP", "DISR_WEAP", "FORCE_AGAINST_PROTEST",
    "GOV_REGAINS_TERIT", "GRENADE", "HQ_ESTABLISHED", "MOB_VIOL", "NON_STATE_ACTOR_OVERTAKES_TER",
    "NON_VIOL_TERRIT_TRANSFER", "OTHER", "PEACE_PROTEST", "PROPERTY_DISTRUCT",
    "PROTEST_WITH_INTER", "REM_EXPLOS", "SEX_VIOL", "SUIC_BOMB", "VIOL_DEMONSTR",
}  # fmt: skip


def line_of(text: str, needle: str, after: str | None = None) -> int:
    """1-based line of the first ``needle`` (after the first ``after``, if given)."""
    start = text.index(after) if after else 0
    return text.count("\n", 0, text.index(needle, start)) + 1


def mutate(old: str, new: str, after: str | None = None) -> str:
    start = GOOD_TEXT.index(after) if after else 0
    at = GOOD_TEXT.index(old, start)
    return GOOD_TEXT[:at] + new + GOOD_TEXT[at + len(old) :]


def load_text(tmp_path: Path, text: str):
    path = tmp_path / "taxonomy.toml"
    path.write_text(text, encoding="utf-8")
    return path, load_taxonomy(path)


def expect_error(tmp_path: Path, text: str) -> RuleError:
    path = tmp_path / "taxonomy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_taxonomy(path)
    assert caught.value.path == str(path)
    return caught.value


ARMED_CLASH = 'id = "armed_clash"'


# --- the packaged file --------------------------------------------------------------------------


def test_packaged_taxonomy_has_25_sub_event_types_in_6_event_types():
    taxonomy = load_taxonomy()
    assert list(taxonomy.sub_events) == list(ACLED_SUB_EVENTS)
    assert len(taxonomy.sub_events) == 25
    assert tuple(taxonomy.event_types) == EVENT_TYPES
    assert len(EVENT_TYPES) == 6
    for sub in taxonomy.sub_events.values():
        assert sub.event_type == ACLED_SUB_EVENTS[sub.id]
        assert sub.quad_class == quad_class_of_root(sub.cameo_root)
        assert sub.definition and sub.label
    assert sorted(sub.precedence for sub in taxonomy.sub_events.values()) == list(range(1, 26))


def test_case2021_labels_cover_the_25_seen_labels_one_to_one():
    taxonomy = load_taxonomy()
    assert set(taxonomy.by_case2021_label()) == CASE2021_SEEN_LABELS
    assert taxonomy.case2021_label("air_drone_strike") == "AIR_STRIKE"
    assert taxonomy.by_case2021_label()["FORCE_AGAINST_PROTEST"].id == (
        "excessive_force_against_protesters"
    )


def test_cameo_codes_of_well_known_sub_events():
    subs = load_taxonomy().sub_events
    assert subs["air_drone_strike"].cameo_code == "195"
    assert subs["suicide_bomb"].cameo_code == "1831"
    assert subs["shelling_artillery_missile_attack"].cameo_code == "194"
    assert subs["arrests"].cameo_code == "173"
    assert subs["peaceful_protest"].cameo_root == "14"
    assert subs["agreement"].quad_class == 1


@pytest.mark.parametrize(
    ("candidates", "winner"),
    [
        (["armed_clash", "air_drone_strike"], "armed_clash"),  # strike inside a ground battle
        (["armed_clash", "shelling_artillery_missile_attack"], "armed_clash"),
        (["suicide_bomb", "armed_clash"], "suicide_bomb"),
        (["armed_clash", "government_regains_territory"], "government_regains_territory"),
        (["chemical_weapon", "shelling_artillery_missile_attack"], "chemical_weapon"),
        (["attack", "abduction_forced_disappearance"], "attack"),  # abducted, then killed
        (["attack", "air_drone_strike"], "air_drone_strike"),  # civilians killed by a strike
        (["attack", "armed_clash"], "armed_clash"),
        (["mob_violence", "attack"], "mob_violence"),
        (["excessive_force_against_protesters", "attack"], "excessive_force_against_protesters"),
        (["protest_with_intervention", "arrests"], "protest_with_intervention"),
        (["violent_demonstration", "protest_with_intervention"], "violent_demonstration"),
        (
            ["remote_explosive_landmine_ied", "disrupted_weapons_use"],
            "remote_explosive_landmine_ied",
        ),
        (["non_violent_transfer_of_territory", "other"], "non_violent_transfer_of_territory"),
    ],
)
def test_precedence_follows_acled_rules(candidates, winner):
    assert load_taxonomy().winner(candidates) == winner


def test_plover_mapping_prefers_type_and_mode_over_type():
    taxonomy = load_taxonomy()
    assert taxonomy.event_type_for_plover("FIGHT") == "Battles"
    assert taxonomy.event_type_for_plover("FIGHT", "firearms") == "Battles"
    assert taxonomy.event_type_for_plover("FIGHT", "heavy-weapons") == "Explosions/Remote violence"
    assert taxonomy.event_type_for_plover("FIGHT", "deport") is None  # explicitly none
    assert taxonomy.event_type_for_plover("COERCE", "arrest") == "Strategic developments"
    assert taxonomy.event_type_for_plover("COERCE", "ban") is None
    assert taxonomy.event_type_for_plover("AGREE") is None
    assert taxonomy.event_type_for_plover("PROTEST", "riot-spon") == "Riots"


def test_same_text_elsewhere_loads(tmp_path):
    _, taxonomy = load_text(tmp_path, GOOD_TEXT)
    assert taxonomy == load_taxonomy()


# --- errors carry file and line -----------------------------------------------------------------


def test_syntax_error_passes_tomllib_line_through(tmp_path):
    text = mutate("quad_class = 4", "quad_class = = 4", after=ARMED_CLASH)
    error = expect_error(tmp_path, text)
    assert error.line == line_of(text, "quad_class = = 4")


def test_unknown_event_type_points_at_its_line(tmp_path):
    text = mutate('event_type = "Battles"', 'event_type = "Skirmishes"', after=ARMED_CLASH)
    error = expect_error(tmp_path, text)
    assert error.line == line_of(text, '"Skirmishes"')
    assert "Skirmishes" in error.reason
    assert f"{tmp_path / 'taxonomy.toml'}:{error.line}" in str(error)


def test_event_type_from_another_family_is_rejected(tmp_path):
    text = mutate('event_type = "Battles"', 'event_type = "Riots"', after=ARMED_CLASH)
    error = expect_error(tmp_path, text)
    assert error.line == line_of(text, 'event_type = "Riots"', after=ARMED_CLASH)


def test_quad_class_out_of_range(tmp_path):
    text = mutate("quad_class = 4", "quad_class = 7", after=ARMED_CLASH)
    error = expect_error(tmp_path, text)
    assert error.line == line_of(text, "quad_class = 7")
    assert "1-4" in error.reason


def test_quad_class_must_agree_with_cameo_root(tmp_path):
    text = mutate("quad_class = 4", "quad_class = 3", after=ARMED_CLASH)
    error = expect_error(tmp_path, text)
    assert error.line == line_of(text, "quad_class = 3")
    assert "root 19" in error.reason


def test_bad_cameo_code(tmp_path):
    text = mutate('cameo_code = "193"', 'cameo_code = "993"', after=ARMED_CLASH)
    assert expect_error(tmp_path, text).line == line_of(text, '"993"')


def test_missing_key_points_at_the_id_line(tmp_path):
    text = mutate('label = "Armed clash"\n', "", after=ARMED_CLASH)
    error = expect_error(tmp_path, text)
    assert error.line == line_of(text, ARMED_CLASH)
    assert "label" in error.reason


def test_unknown_key_is_rejected_at_its_line(tmp_path):
    text = mutate("precedence = 21\n", 'precedence = 21\ncolour = "red"\n', after=ARMED_CLASH)
    error = expect_error(tmp_path, text)
    assert error.line == line_of(text, 'colour = "red"')
    assert "colour" in error.reason


def test_duplicate_id_points_at_the_second_table(tmp_path):
    text = mutate('id = "attack"', 'id = "armed_clash"')
    error = expect_error(tmp_path, text)
    assert error.line == line_of(text, ARMED_CLASH, after='id = "grenade"')
    assert "duplicate" in error.reason


def test_unknown_id_is_rejected(tmp_path):
    text = mutate(ARMED_CLASH, 'id = "armed_skirmish"')
    error = expect_error(tmp_path, text)
    assert error.line == line_of(text, 'id = "armed_skirmish"')


def test_missing_sub_event_type_is_reported(tmp_path):
    start = GOOD_TEXT.index('[[sub_event]]\nid = "other"')
    end = GOOD_TEXT.index("# -----", start)
    error = expect_error(tmp_path, GOOD_TEXT[:start] + GOOD_TEXT[end:])
    assert error.line is None  # nothing to point at: the table is absent
    assert "other" in error.reason and "24 sub-event types" in error.reason


def test_duplicate_precedence(tmp_path):
    text = mutate("precedence = 21", "precedence = 24", after=ARMED_CLASH)
    error = expect_error(tmp_path, text)
    assert error.line == line_of(text, "precedence = 24", after=ARMED_CLASH)


def test_wrong_value_type(tmp_path):
    text = mutate("precedence = 21", 'precedence = "21"', after=ARMED_CLASH)
    assert expect_error(tmp_path, text).line == line_of(text, 'precedence = "21"')


def test_unknown_top_level_key(tmp_path):
    text = GOOD_TEXT + '\n[extras]\nfoo = "bar"\n'
    assert expect_error(tmp_path, text).line == line_of(text, "[extras]")


def test_bad_plover_mapping_value(tmp_path):
    text = mutate('"FIGHT" = "Battles"', '"FIGHT" = "Warfare"')
    assert expect_error(tmp_path, text).line == line_of(text, '"FIGHT" = "Warfare"')


def test_missing_event_type_definition(tmp_path):
    text = mutate('"Riots" = "Demonstrators', '"Riot" = "Demonstrators')
    assert expect_error(tmp_path, text).line == line_of(text, '"Riot" = ')


def test_unreadable_file(tmp_path):
    with pytest.raises(RuleError) as caught:
        load_taxonomy(tmp_path / "absent.toml")
    assert "absent.toml" in str(caught.value)


# --- docs kept true ----------------------------------------------------------------------------


DOC_PATH = PROJECT_ROOT / "docs" / "taxonomy.md"


@pytest.mark.parametrize("section", ["definitions", "precedence", "crosswalk", "plover"])
def test_doc_contains_exactly_the_rendered_section(section):
    rendered = render_doc_sections(load_taxonomy())[section]
    assert extract_generated_section(DOC_PATH.read_text(encoding="utf-8"), section) == rendered, (
        "docs/taxonomy.md is stale: run `python -m taggers.taxonomy docs/taxonomy.md`"
    )


def test_replace_generated_sections_is_idempotent():
    doc = DOC_PATH.read_text(encoding="utf-8")
    sections = render_doc_sections(load_taxonomy())
    assert replace_generated_sections(doc, sections) == doc
    with pytest.raises(ValueError):
        replace_generated_sections("no markers here", sections)
