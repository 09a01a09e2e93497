"""Engine behaviour on sentences written for the test (ACLED coding rules)."""

from __future__ import annotations

from datetime import date

import pytest

from taggers.engine import Tagger
from taggers.text import fold_name

PUBLISHED = date(2026, 11, 18)  # a Wednesday


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.load()


def _one(tagger, text, published=PUBLISHED):
    events = tagger.tag(text, published, doc_id="t")
    assert len(events) == 1, events
    return events[0]


def test_airstrike_with_range_place_and_date(tagger):
    e = _one(
        tagger,
        "Coalition airstrikes on caves in the Hamrin Mountains of Saladin province on Wednesday "
        "killed at least 5 to 10 ISIS fighters, the coalition said.",
    )
    assert (e.event_type, e.sub_event_type) == ("Explosions/Remote violence", "air_drone_strike")
    assert (e.actor1, e.actor2) == ("International coalition", "Islamic State")
    assert (e.country, e.admin1, e.admin1_code, e.location) == ("IRQ", "Salah al-Din", "IQ-SD", "Hamrin mountains")
    assert e.latitude and e.longitude
    assert (e.fatalities, e.fatalities_high, e.event_date, e.date_precision) == (5, 10, PUBLISHED, "day")
    assert e.evidence.startswith("Coalition airstrikes") and (e.char_start, e.rule_id) == (
        0,
        "air_drone_strike.airstrike",
    )


def test_attack_on_police_is_armed_clash(tagger):
    e = _one(
        tagger,
        "ISIS militants killed an Iraqi federal police officer at a checkpoint in Hawija, western Kirkuk on Monday.",
    )
    assert (e.sub_event_type, e.actor1, e.actor2, e.fatalities) == ("armed_clash", "Islamic State", "Iraqi police", 1)
    assert (e.admin1, e.location, e.event_date) == ("Kirkuk", "Hawija", date(2026, 11, 16))


def test_attack_on_civilians_is_attack(tagger):
    e = _one(tagger, "Gunmen shot dead three shepherds near Tuz Khurmatu on Tuesday, police said.")
    assert (e.event_type, e.sub_event_type, e.fatalities) == ("Violence against civilians", "attack", 3)


def test_passive_voice_roles(tagger):
    e = _one(
        tagger,
        "Two Iraqi soldiers were killed by a roadside bomb planted by Islamic State militants in Tarmiyah on Sunday.",
    )
    assert e.sub_event_type == "remote_explosive_landmine_ied"
    assert e.actor2 == "Iraqi army"


def test_threat_is_not_an_event(tagger):
    assert tagger.tag("The group threatened to attack Kirkuk on Friday.", PUBLISHED) == []


def test_disaster_is_not_an_event(tagger):
    assert tagger.tag("An earthquake killed 12 people in Erbil on Monday.", PUBLISHED) == []


def test_background_year_is_historical(tagger):
    e = _one(tagger, "ISIS seized Mosul and large parts of Nineveh in June 2014.")
    assert e.historical and e.sub_event_type == "non_state_actor_overtakes_territory"


def test_denial_is_negated(tagger):
    e = _one(tagger, "The PKK denied carrying out the bombing that killed four soldiers in Sirnak on Tuesday.")
    assert e.negated


def test_no_casualties_reported(tagger):
    e = _one(tagger, "Two rockets hit Ain al-Asad air base in Anbar on Tuesday night; no casualties were reported.")
    assert e.sub_event_type == "shelling_artillery_missile_attack" and e.fatalities == 0


def test_protest_crowd_is_actor1(tagger):
    e = _one(tagger, "Security forces fired tear gas at hundreds of protesters in Basra on Monday.")
    assert e.sub_event_type == "protest_with_intervention"
    assert (e.actor1, e.actor2) == ("Protesters (Iraq)", "Iraqi security forces")


def test_follow_up_sentences_merge(tagger):
    events = tagger.tag(
        "A car bomb exploded at a market in Kirkuk on Monday, killing six civilians. "
        "The bombing also wounded 20 people, officials said.",
        PUBLISHED,
    )
    assert len(events) == 1 and events[0].injured == 20


def test_sports_metaphor_is_not_an_event(tagger):
    assert (
        tagger.tag(
            "The striker fired twice as Zawraa killed off the match against Talaba in Baghdad on Friday.", PUBLISHED
        )
        == []
    )


# --- where: one place per event, picked the way ACLED coders pick it --------------------------


def test_the_district_not_the_landmark_it_is_north_of(tagger):
    e = _one(tagger, "Two soldiers were killed by a roadside bomb in the Tarmiyah district north of Baghdad "
                     "on Sunday, officials said.")
    assert (e.location, e.admin1) == ("Tarmiyah", "Baghdad")


def test_a_landmark_far_away_gives_only_the_country(tagger):
    e = tagger.tag("Gunmen killed two guards at a mine about 185 miles northwest of Baghdad.", PUBLISHED,
                   snippet=True)[0]
    assert e.location is None and e.admin1 is None and e.country == "IRQ"


def test_in_the_same_district_takes_the_previous_events_place(tagger):
    text = ("Two soldiers were killed by a roadside bomb in the Tarmiyah district north of Baghdad on Sunday, "
            "officials said.\n\nOn Tuesday, militants opened fire on a police checkpoint in the same district, "
            "wounding one officer, police said.")
    events = tagger.tag(text, PUBLISHED)
    assert [e.location for e in events] == ["Tarmiyah", "Tarmiyah"]


@pytest.mark.parametrize("sentence", [
    "Protesters clashed with police in Serbia on Tuesday, Belgrade radio said.",
    "Beirut again rejected on Thursday an appeal to deploy troops, after protesters clashed with police "
    "in Serbia.",
    "Moscow has accused the opposition after protesters clashed with police in Serbia.",
    "Protesters clashed with police in Serbia, and Beirut rejected the plan.",
])
def test_a_city_that_names_a_broadcaster_or_a_government_is_not_the_place(tagger, sentence):
    e = tagger.tag(sentence, PUBLISHED, snippet=True)[0]
    assert e.country == "SRB" and e.location is None


def test_the_place_of_origin_gives_way_to_where_it_happened(tagger):
    e = tagger.tag("A missionary from Calgary was arrested in Lebanon on Monday.", PUBLISHED, snippet=True)[0]
    assert e.country == "LBN" and e.location is None


def test_makhmour_is_coded_to_nineveh_as_the_news_names_it(tagger):
    e = _one(tagger, "Two soldiers were killed on Thursday in a clash in the Qarachogh mountains overlooking "
                     "Makhmour, a military source said.")
    assert e.admin1 == "Nineveh" and e.admin1_code == "IQ-NI"


def test_a_later_mention_does_not_move_an_event_to_another_country(tagger):
    text = ("Sweden has dropped its investigation into a rape allegation against the activist.\n\n"
            "Police in Quito arrested the activist after a rape allegation was filed there.")
    first = tagger.tag(text, PUBLISHED)[0]
    assert first.country == "SWE" and first.admin1 is None


def test_geonames_id_is_filled_where_the_gazetteer_has_one(tagger):
    e = _one(tagger, "Two soldiers were killed by a roadside bomb in Tarmiyah on Sunday, officials said.")
    assert e.geonames_id == 98403


def test_tagger_version_changes_with_the_place_data(tagger, tmp_path):
    from taggers.engine import rules_digest
    from taggers.gazetteer import DATA_DIR, gazetteer_files

    # the loaded tagger's version is the digest of its rules and of the place data it read
    assert tagger.digest == rules_digest(DATA_DIR.parent / "rules", gazetteer_files())
    assert tagger.version.endswith("+" + tagger.digest[:10])

    copy = tmp_path / "data"
    copy.mkdir()
    for path in gazetteer_files(compiled=None):
        (copy / path.name).write_bytes(path.read_bytes())
    rules_dir = DATA_DIR.parent / "rules"
    before = rules_digest(rules_dir, gazetteer_files(copy, compiled=None))
    with (copy / "places.tsv").open("a", encoding="utf-8") as handle:
        handle.write("Test village\tTest village\tvillage\tIRQ\tDiyala\t\t34.0\t45.0\t\t\tcurated:rough\n")
    assert rules_digest(rules_dir, gazetteer_files(copy, compiled=None)) != before


@pytest.mark.parametrize(("sentence", "location", "precision"), [
    ("Mosul was retaken by Iraqi forces after fighting that killed 20 militants.", "Mosul", 1),
    ("Aleppo has been shelled for days, killing 12 civilians.", "Aleppo", 1),
    ("Airstrikes on Aleppo's eastern districts killed 12 civilians.", "Aleppo", 1),
    ("Gunmen attacked Kabul's diplomatic quarter, killing three guards.", "Kabul", 1),
    ("Fighting in eastern Mosul has killed 20 militants.", "Mosul", 1),
    ("A journalist from Basra, aged 35, was shot dead in northern Mosul.", "Mosul", 1),
    ("A bomb exploded 20 km south of Kirkuk, killing two soldiers.", "Kirkuk", 2),
    ("Gunmen stormed Kidal Monday, killing four soldiers.", "Kidal", 1),
    ("Militants stormed the village of Nahr al-Imam near Muqdadiya, killing four villagers.", "Nahr al-Imam", 1),
])
def test_the_place_where_it_happened_in_ordinary_sentences(tagger, sentence, location, precision):
    e = tagger.tag(sentence, PUBLISHED, snippet=True)[0]
    assert (e.location, e.geo_precision) == (location, precision)


@pytest.mark.parametrize(("sentence", "country", "admin1", "location"), [
    # a region or country after a comma picks the namesake inside it (not Jamaica's Portland parish)
    ("Protesters threw objects at police in Portland, Oregon, on Thursday.", "USA", "Oregon", "Portland"),
    ("Police arrested 20 protesters in Portland, Maine on Friday.", "USA", "Maine", "Portland"),
    ("Militants attacked a checkpoint in Hawija, Kirkuk, killing two soldiers.", "IRQ", "Kirkuk", "Hawija"),
    # a list is not a qualifier: Aleppo stays the city, Florida the state
    ("Gunmen killed 3 people in Aleppo, Idlib and Hama on Monday.", "SYR", "Aleppo", "Aleppo"),
    ("Protesters rallied in Florida, California and Texas on Saturday.", "USA", "Florida", None),
    ("Protesters threw objects at police in Portland, Oregon, and damaged a car park.", "USA", "Oregon", "Portland"),
    # a count between the preposition and the place: Baghdad, not the Mosul of the next clause
    ("Suicide bombings at two Baghdad markets killed 18 people as Iraqi forces battle IS in Mosul.",
     "IRQ", "Baghdad", "Baghdad"),
    # a year is not a count: "In 2003 Baghdad" has no preposition of its own
    ("In 2003 Baghdad fell to US forces, and 5 soldiers were killed in Basra on Monday.", "IRQ", "Basra", "Basra"),
    # the origin looked for past direction words too
    ("A missionary from northern Calgary was arrested in Lebanon.", "LBN", None, None),
    # an ambiguous curated name after "in the" with its feature word
    ("A car bomb exploded in the Mansour district, killing 4.", "IRQ", "Baghdad", "Mansour"),
    # no place names a country: the demonyms do
    ("Six Malian soldiers were killed when militants ambushed a patrol in the desert on Sunday.", "MLI", None, None),
    ("Three South Sudanese soldiers were killed when gunmen ambushed their convoy on Sunday.", "SSD", None, None),
    # the capital, unnamed, of the article's country; a weekday after it is not its name
    ("Thousands of Sudanese protesters rallied outside the army headquarters in the capital Sunday, "
     "and police fired tear gas.", "SDN", "Khartoum", "Khartoum"),
    # a place after its country's possessive
    ("Fighters clashed in the north of South Sudan's Unity State on Monday, killing 12.", "SSD", "Unity", None),
    # "X of <country>": that country's X, or none (not Burkina Faso's Sud-Ouest)
    ("Gunmen attacked soldiers of the Southwest state of Somalia with a grenade, killing two.", "SOM", None, None),
    # a provincial capital is not the national one
    ("Gunmen killed two Afghan policemen in the provincial capital on Monday.", "AFG", None, None),
    # an institution named after a big place stands in it; not after a village's name
    ("Kolkata Police arrested ten people and seized fake notes on Monday.", "IND", "West Bengal", "Kolkata"),
    ("Students clashed with police at Dhaka University on Monday, injuring 20.", "BGD", "Dhaka", "Dhaka"),
    # (not Cumhuriyet, a village in Izmir; "Sivas" alone reads as its province)
    ("Police stopped a demonstration by students at Cumhuriyet University in Sivas on Monday.", "TUR", "Sivas",
     None),
    # where something was said is not where it happened
    ("Speaking in Baghdad, the minister said five soldiers were killed in Mosul on Monday.", "IRQ", "Nineveh",
     "Mosul"),
    ("A report released Tuesday in the Rwandan capital alleged that soldiers killed 40 villagers in Rwanda.",
     "RWA", None, None),
    # the only place named stays the place
    ("Speaking in Kabul, police said gunmen killed two guards on Monday.", "AFG", "Kabul", "Kabul"),
    # an event across a country has no one region, whatever the dateline says
    ("NEW DELHI (AP) - Thousands of farmers protested across India on Friday against new farm laws.", "IND",
     None, None),
    ("NEW DELHI (AP) - Thousands of farmers protested on Friday against new farm laws.", "IND", "Delhi",
     "New Delhi"),
    # ... but "amid nationwide protests" is the backdrop of this one
    ("PARIS (AP) - The unrest was one of several rallies marred by violence amid nationwide protests on "
     "Thursday.", "FRA", "Île-de-France", "Paris"),
    # the capital, not the state of the same name
    ("Thousands of protesters rallied in Washington on Monday, blocking streets near the Capitol.", "USA",
     "District of Columbia", "Washington"),
    # a big city before a small country's region of the same name; the region where it is meant
    ("Dueling demonstrations in Portland turned violent near a county building on Saturday.", "USA", "Oregon",
     "Portland"),
    # the place of an earlier event the sentence recalls is not this one's, nor is its region
    ("Police came under a grenade attack while raiding a hideout, days after the group's attack at a Dhaka "
     "cafe killed 22.", "BGD", None, None),
    ("Police came under a grenade attack while raiding a hideout in Rajshahi, days after the group's attack "
     "at a Dhaka cafe killed 22.", "BGD", "Rajshahi", "Rajshahi"),
    # the region the event is placed in first, when the town named later lies outside it
    ("At least 52 demonstrators in Gaza were killed by Israeli forces as the United States opened its "
     "embassy in Jerusalem.", "PSE", "Gaza Strip", None),
    # ... but not a direction word that is some country's region name
    ("Hezbollah fighters pushed deep into Eastern areas of Arsal and retook border crossings, killing 12.",
     "LBN", "Baalbek-Hermel", "Arsal"),
    # a district named in a text that names no country, like a town
    ("Two women were raped in Saptari district on Sunday, police said.", "NPL", "Madhesh", "Saptari"),
    # a region by another of its names when the writer says it is a region
    ("Police seized landmines and grenades from a militant cache in Donetsk Region on Monday.", "UKR",
     "Donetska oblast", None),
])
def test_the_place_one_sentence_gives_its_event(tagger, sentence, country, admin1, location):
    e = tagger.tag(sentence, PUBLISHED, snippet=True)[0]
    assert (e.country, e.admin1, e.location) == (country, admin1, location)


@pytest.mark.parametrize(("sentence", "country", "admin1", "location"), [
    ("Police fired tear gas at protesters in the Indian capital on Monday, injuring 20.", "IND", "Delhi",
     "New Delhi"),
    ("Protesters clashed with police in Kenya's capital on Friday.", "KEN", "Nairobi City", "Nairobi"),
    ("Protesters clashed with police in the South Sudanese capital on Friday.", "SSD", "Central Equatoria",
     "Juba"),
    # the phrase goes on to name the capital: that name is the place
    ("A bomb exploded in the Afghan capital Kabul on Tuesday, killing two.", "AFG", "Kabul", "Kabul"),
    # money, not a city
    ("Protesters rallied in Mumbai as Indian capital markets fell.", "IND", "Maharashtra", "Mumbai"),
])
def test_a_national_capital_by_its_country(tagger, sentence, country, admin1, location):
    e = tagger.tag(sentence, PUBLISHED, snippet=True)[0]
    assert (e.country, e.location) == (country, location)
    assert fold_name(e.admin1) == fold_name(admin1)


def test_a_far_landmark_gives_way_to_a_region_the_sentence_names(tagger):
    e = tagger.tag("Gunmen killed 12 people in Diyala province, 60 km north of Baghdad.", PUBLISHED, snippet=True)[0]
    assert (e.location, e.admin1, e.geo_precision) == (None, "Diyala", 3)


def test_a_later_mention_refines_a_region_to_a_town_inside_it(tagger):
    text = ("Gunmen killed four villagers in Diyala province on Friday, officials said.\n\n"
            "The attackers killed the villagers near Muqdadiya before fleeing, a police officer said.")
    first = tagger.tag(text, PUBLISHED)[0]
    assert (first.location, first.admin1) == ("Muqdadiya", "Diyala")
