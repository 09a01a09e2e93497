"""Embedded gazetteer: curated countries, admin1 regions and places (``taggers/data/*.tsv``) on
top of a compiled GeoNames table (``taggers/data/gazetteer.zip``, built by
``python -m taggers.gazetteer_build``) and any user tables imported from a GeoNames dump.

Matching is by token spans, not substrings: every capitalised word (or ``al-`` + capitalised
word) starts a span, the span grows word by word while it is a prefix of a known name, and each
span is looked up by its *canonical key*. The key folds case and diacritics and unifies the
transliteration variants news writers mix (al-/el-/ad-, -iya/-iyah/-iyya, ee/i, ou/u, q/k,
dh/d, doubled letters, final -ah/-eh), so "Hamreen", "Muqdadiyah" and "al-Muqdadiya" find
the rows that list "Hamrin" and "Muqdadiya".

Safety at world scale (GeoNames has towns called Police, Federal, Mission, Reading and Ali):
- curated rows are trusted, except names marked ``# ambiguous`` that need a preposition
  before them ("in Hit");
- a GeoNames name that is a common English word, a common person name or three letters long
  needs a preposition *and* a country the article already names;
- a GeoNames name glued to another capitalised word ("Ahmed Hassan", "Houston Rockets",
  "President Kabila") or after a title is refused;
- otherwise a GeoNames place is kept when its country is named in the article (a country,
  demonym or curated place), or when it is a large city, or after a preposition when the
  article names no country at all;
- where a curated row has the same name in the same country, GeoNames rows are dropped.
"""

from __future__ import annotations

import re
import zipfile
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import accumulate, pairwise
from pathlib import Path

from core.errors import RuleError
from taggers.dates import CALENDAR_WORDS
from taggers.text import fold, fold_name

DATA_DIR = Path(__file__).resolve().parent / "data"
COMPILED_PATH = DATA_DIR / "gazetteer.zip"
FORMAT_TAG = "#newsevents-gazetteer v1"
ATTRIBUTION = "Contains data from GeoNames (https://www.geonames.org/), licensed under CC-BY-4.0."

_ARTICLES = ("al-", "el-", "ad-", "as-", "an-", "ar-", "at-", "az-", "ash-", "al ", "el ", "the ")
_ARTICLE_TOKENS = {"al", "el", "ad", "as", "an", "ar", "at", "az", "ash", "ez", "es", "ed", "ul", "il"}
_FEATURE_SUFFIXES = {
    "province", "provinces", "governorate", "governorates", "district", "districts", "mountains",
    "mountain", "hills", "hill", "region", "city", "town", "village", "area", "areas", "camp",
    "base", "sub-district", "subdistrict", "county", "state", "valley", "desert", "plains",
    "range", "air base", "airbase", "border crossing", "crossing",
}
_REGION_SUFFIXES = {"province", "provinces", "governorate", "governorates", "state", "region", "county"}
# region names that are ordinary words: need a preposition even without a word list
_GENERIC_REGION_WORDS = {
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "centre",
    "center", "nord", "sud", "est", "ouest", "far", "district", "bay", "delta", "plateau", "rivers", "lac",
    "littoral", "upper", "lower", "coast", "coastal", "lakes", "lake", "red", "sea", "blue", "white", "nile",
    "cross", "river", "highlands", "islands", "capital",
}
_OF_PLACE_NOUNS = {
    "town", "village", "city", "district", "province", "governorate", "region", "area", "outskirts",
    "suburb", "suburbs", "neighbourhood", "neighborhood", "north", "south", "east", "west", "northeast",
    "northwest", "southeast", "southwest", "north-east", "north-west", "south-east", "south-west",
    "residents", "centre", "center", "capital", "port", "county", "state", "municipality", "hamlet",
}
_DISTRICT_SUFFIXES = _REGION_SUFFIXES | {"district", "districts", "sub-district", "subdistrict"}
# prepositions strong enough to make a common word a place ("in Mission"; not "Mary and Joseph")
_STRONG_LOCATIVE = {"in", "at", "near", "outside", "around", "inside", "into", "across", "towards", "toward", "from"}
_LOCATIVE = {"in", "at", "near", "of", "outside", "from", "to", "around", "into", "towards",
             "toward", "across", "between", "and", "on", "inside", "west", "east", "north", "south"}
# capitalised words that may stand right before a place without making it part of a longer name
_DIRECTION_WORDS = {
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
    "north-east", "north-west", "south-east", "south-west", "northeastern", "northwestern",
    "southeastern", "southwestern", "north-eastern", "north-western", "south-eastern",
    "south-western", "upper", "lower", "greater", "rural", "downtown", "the",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}
# counts between a preposition and the place it governs: "at two Baghdad markets" (a small
# number too; not a year: "in 2003 Baghdad fell")
_COUNT_WORDS = {"a", "an", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "several", "many", "some", "both", "dozens", "multiple"}


def _governor(words: Sequence[str]) -> tuple[str, str]:
    """The word governing a place name and the word before it, looking back (at most four
    words) past "the", direction words, possessives and counts: ("in", ...) for "in northern
    Mosul", "at two Baghdad markets"; ("of", "village") for "the village of Nahr al-Imam"."""
    for i in range(len(words) - 1, max(-1, len(words) - 5), -1):
        word = words[i]
        if (word in _DIRECTION_WORDS or word in _COUNT_WORDS or word.endswith(("'s", "’s"))
                or (word.isdigit() and len(word) < 4)):
            continue
        return word, words[i - 1] if i > 0 else ""
    return "", ""
# institutions named after the place they stand in: "Kolkata Police", "Dhaka University" are in
# Kolkata and Dhaka (not "Houston Rockets" or "Texas Rangers": teams play away)
_SITED_AFTER = {"police", "university", "college", "hospital", "airport", "prison", "jail"}
_SITED_NEXT = re.compile(r" (?:Police|University|College|Hospital|Airport|Prison|Jail)\b")
# a capitalised word before a GeoNames match that makes it a person ("President Kabila")
_TITLES = {
    "mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "president", "minister", "premier",
    "gen", "general", "col", "colonel", "lt", "capt", "captain", "maj", "major", "sgt", "sergeant",
    "brig", "commander", "cmdr", "adm", "admiral", "sheikh", "shaikh", "sheik", "imam", "mullah",
    "ayatollah", "king", "queen", "prince", "princess", "emir", "sultan", "pope", "cardinal",
    "bishop", "judge", "justice", "senator", "sen", "rep", "governor", "gov", "mayor", "chief",
    "officer", "spokesman", "spokeswoman", "spokesperson", "prof", "professor", "rev", "father",
    "brother", "sister", "st", "mister", "hajji", "haji", "mawlawi", "maulana", "sayyed", "sayyid",
}
_SPEECH_AFTER = {"said", "says", "told", "added", "stated", "wrote", "tweeted", "noted", "argued"}
_PRECISION_BY_KIND = {
    "city": 1, "town": 1, "village": 1, "neighbourhood": 1, "base": 1, "camp": 1, "prison": 1,
    "airport": 1, "dam": 1, "crossing": 1, "subdistrict": 2, "district": 2, "mountain": 2,
    "hills": 2, "valley": 2, "desert": 3, "lake": 2, "river": 2, "border": 2, "region": 3,
    "oilfield": 2, "admin1": 3, "country": 3,
}
# GeoNames places big enough to be meant without any context ("talks in Paris")
LARGE_CITY_POPULATION = 100_000
# units counted with the people of all their towns: never "large" (they need a cue and context)
_AREA_KINDS = ("district", "subdistrict")


def _is_large(place: Place) -> bool:
    """A country, a region or a city of 100,000: may be meant with no context."""
    return place.kind in ("country", "admin1") or (
        place.kind not in _AREA_KINDS and place.population >= LARGE_CITY_POPULATION)
# a GeoNames place after a preposition in an article that names no country at all
LOCATIVE_MIN_POPULATION = 5_000
_MAX_CANDIDATES = 8
# "the Indian capital", "the South Sudanese capital", "Kenya's capital"; not "capital markets"
_CAPITAL_PHRASE = re.compile(
    r"(?:\b[Tt]he (?P<demonym>[A-Z][\w-]*(?: [A-Z][\w-]*)?)"
    r"|(?P<country>\b[A-Z][\w.-]*(?: [A-Z][\w-]*)?)['’]s) capital\b"
    r"(?! (?:markets?|flows?|flight|gains?|investments?|spending|expenditure|punishment|goods|stock|"
    r"requirements?|controls?|account|base|outflows?|inflows?|injection|expenditures?)\b)")
# demonyms are one or two capitalised words ("Malian", "South Sudanese")
_CAPITALISED_WORD = re.compile(r"\b[A-Z][a-z]+\b")
# the capital named right after the phrase: "the Afghan capital Kabul", "Kenya's capital, Nairobi"
_NAMED_AFTER = re.compile(r",? (?:city )?(?:of )?[A-Z]")

_UPPER = "".join(re.escape(c) for c in map(chr, range(0x2000)) if c.isalpha() and c.isupper())
# a span starts at a capitalised word, or at a lower-case article glued to one ("al-Qaim")
_SPAN_START = re.compile(rf"(?<!\w)(?<!\w')(?:(?:al|el|ad|as|an|ar|at|az|ash|ez|es|ed)-)?[{_UPPER}]\w*(?:'(?!s\b)\w+)*")
_SPAN_NEXT = re.compile(r"(?:[ -]|\. ?|- | - )(\w+(?:'(?!s\b)\w+)*)")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_TOKEN_REWRITES = (("iyyah", "iya"), ("iyah", "iya"), ("iyya", "iya"), ("iyeh", "iya"), ("ee", "i"),
                   ("oo", "u"), ("ou", "u"), ("q", "k"), ("dh", "d"))
_DOUBLED = re.compile(r"(\w)\1+")


# ---------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # city, town, mountain, ..., "admin1" or "country"
    country: str  # ISO3
    admin1: str | None = None
    admin1_code: str | None = None
    admin2: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geonames_id: int | None = None
    population: int = 0
    source: str = "curated"  # "curated", "geonames" (compiled package data) or "import" (user dump)

    @property
    def precision(self) -> int:
        return _PRECISION_BY_KIND.get(self.kind, 2)

    @property
    def curated(self) -> bool:
        return self.source == "curated"


@dataclass(frozen=True)
class Country:
    iso3: str
    iso2: str
    name: str
    demonym: str
    capital: str = ""  # as news means it in "the Kenyan capital"


@dataclass(frozen=True)
class PlaceMention:
    candidates: tuple[Place, ...]  # same surface, several places, best first
    start: int
    end: int
    surface: str
    locative: bool  # a preposition such as "in" or "near" stands before it
    reference: bool = False  # a landmark the place is given relative to: "north of Baghdad"
    preposition: str = ""  # the word right before, folded ("in", "from", "of"...)
    reference_km: float | None = None  # "185 miles northwest of Beijing": how far from the landmark
    strong: bool = False  # "in", "at", "near"... before it, past "the" and direction words ("in northern Mosul")
    governor: str = ""  # the word that governs it, past those words ("from" in "from northern Calgary")

    @property
    def kind(self) -> str:
        return self.candidates[0].kind


# ---------------------------------------------------------------------------- spelling
def spelling_variants(name: str) -> set[str]:
    """Folded spellings of a name that news writers use interchangeably."""
    base = fold_name(name)
    variants = {base}
    for article in _ARTICLES:
        if base.startswith(article) and len(base) - len(article) >= 4:
            variants.add(base[len(article):])
    for v in list(variants):
        variants.add(v.replace("-", " "))
        variants.add(v.replace("-", ""))
        variants.add(v.replace("'", ""))
    rewrites = [("iyyah", "iya"), ("iyah", "iya"), ("iyya", "iya"), ("iyeh", "iya"), ("ee", "i"),
                ("ou", "u"), ("aa", "a"), ("q", "k"), ("dh", "d"), ("ah", "a")]
    for v in list(variants):
        for old, new in rewrites:
            if old in v:
                variants.add(v.replace(old, new))
        if v.endswith("a") and not v.endswith("ia"):
            variants.add(v + "h")
    return {v for v in variants if len(v) >= 3}


@lru_cache(maxsize=200_000)
def canonical_token(token: str) -> str:
    """One folded word in the spelling all its transliterations share."""
    token = token.replace("'", "")
    for old, new in _TOKEN_REWRITES:
        if old in token:
            token = token.replace(old, new)
    token = _DOUBLED.sub(r"\1", token)
    if len(token) > 4 and token.endswith(("ah", "eh")):
        token = token[:-2] + "a"
    return token


@lru_cache(maxsize=200_000)
def canonical_key(name: str) -> str:
    """The lookup key of a name or text span: folded, tokenised, transliteration variants
    unified, "al-"/"el-"/"ad-"... inside a name unified and a leading one (or "the") dropped
    when at least four letters remain ("al-Hay" keeps its article: "Hay" is a word)."""
    return _join_key([canonical_token(t) for t in _TOKEN.findall(fold(name))])


@lru_cache(maxsize=200_000)
def _word_tokens(folded_word: str) -> tuple[str, ...]:
    return tuple(canonical_token(t) for t in _TOKEN.findall(folded_word))


def _join_key(tokens: list[str]) -> str:
    """The key of canonical tokens (the second half of ``canonical_key``)."""
    if len(tokens) > 1:
        tokens = ["al" if t in _ARTICLE_TOKENS else t for t in tokens]
        if all(len(t) == 1 for t in tokens):  # initials: "U.S." is "US"
            tokens = ["".join(tokens)]
    if len(tokens) > 1 and tokens[0] in ("al", "the") and len("".join(tokens[1:])) >= 4:
        tokens = tokens[1:]
    return " ".join(tokens)


def name_keys(name: str, min_letters: int = 3) -> set[str]:
    """Keys a listed name is found by: its canonical key and that of its hyphen-less
    spelling ("al-Qaim" is also written "Alqaim")."""
    keys = {canonical_key(name)}
    if "-" in name:
        keys.add(canonical_key(name.replace("-", "")))
    return {k for k in keys if len(k.replace(" ", "")) >= min_letters}


# ---------------------------------------------------------------------------- compiled tables
@dataclass
class CompiledTable:
    """One compiled GeoNames table (the embedded one or a user import). Place rows stay in one
    string and become ``Place`` objects only when matched."""

    path: Path
    source: str
    countries: list[tuple[str, ...]]  # iso2, iso3, name, |-separated variants
    admin1: dict[str, tuple[str, str, str]]  # "IQ.18" -> (ISO 3166-2 code, name, variants)
    places: str  # places.tsv
    offsets: array  # start of each row in ``places``, and the end
    keys: dict[str, str]  # canonical key -> comma-separated row numbers
    prefixes: set[str]
    common_words: set[str]
    person_names: set[str]
    header: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def row(self, index: int) -> list[str]:
        return self.places[self.offsets[index]:self.offsets[index + 1] - 1].split("\t")

    def rows_of(self, key: str) -> list[int]:
        found = self.keys.get(key)
        return [int(i) for i in found.split(",")] if found else []


def read_compiled(path: Path, source: str = "geonames") -> CompiledTable:
    """Read a table written by ``taggers.gazetteer_build`` (``build`` or ``import_geonames``)."""
    try:
        with zipfile.ZipFile(path) as archive:
            def member(name: str) -> str:
                return archive.read(name).decode("utf-8") if name in archive.NameToInfo else ""

            def lines(name: str) -> list[str]:
                text = member(name)
                return text.split("\n") if text else []

            head = lines("header.txt")
            if not head or head[0] != FORMAT_TAG:
                raise RuleError(path, 1, f"header.txt must start with {FORMAT_TAG!r}")
            header = {}
            for line in head[1:]:
                name, _, value = line[1:].partition(":")
                header[name.strip()] = value.strip()
            countries = [tuple(line.split("\t")) for line in lines("countries.tsv")]
            admin1 = {}
            for line in lines("admin1.tsv"):
                code, iso_code, name, variants = line.split("\t")[:4]
                admin1[code] = (iso_code, name, variants)
            places = member("places.tsv")
            places = places + "\n" if places else ""
            # row i is places[offsets[i]:offsets[i + 1] - 1]; built from line lengths, all in C
            offsets = array("I", accumulate(map((1).__add__, map(len, places.split("\n")[:-1])), initial=0))
            single_keys, single_rows = lines("keys1.txt"), lines("rows1.txt")
            multi_keys, multi_rows = lines("keys2.txt"), lines("rows2.txt")
            if len(single_keys) != len(single_rows) or len(multi_keys) != len(multi_rows):
                raise RuleError(path, None, "keys and row lists differ in length")
            # row numbers stay text until a key is looked up: converting 600k of them costs 0.1 s
            keys: dict[str, str] = dict(zip(single_keys, single_rows, strict=True))
            del single_keys, single_rows
            keys.update(zip(multi_keys, multi_rows, strict=True))
            del multi_keys, multi_rows
            return CompiledTable(
                path=path, source=source, countries=countries, admin1=admin1, places=places, offsets=offsets,
                keys=keys, prefixes=set(lines("prefixes.txt")), common_words=set(lines("common.txt")),
                person_names=set(lines("persons.txt")), header=header)
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, ValueError) as exc:
        raise RuleError(path, None, f"not a compiled gazetteer ({exc})") from exc


# ---------------------------------------------------------------------------- the gazetteer
_Candidate = tuple[Place, bool, str]  # a GeoNames place, whether the key is its main name, its folded name


@dataclass
class _Span:
    start: int
    end: int
    key: str
    curated: tuple[Place, ...]
    package: list[_Candidate]  # GeoNames candidates before acceptance
    locative: bool
    folded: str = ""  # the span as written, folded
    strong: bool = False  # "in", "near", "at"... right before it
    cue: bool = False  # strong, or "to", or "of" after a place noun ("the town of"), or a feature word after
    suffix: str = ""  # the feature word that follows ("village", "district", "province")
    possessive: bool = False  # "Harvard's": persons and brands far more often than places
    weak: bool = False  # a common word or person name: needs a preposition and a named country
    glued: bool = False  # part of a longer capitalised name or after a title
    places: list[Place] = field(default_factory=list)  # the accepted GeoNames candidates, best first


class Gazetteer:
    def __init__(self, countries: dict[str, Country], places: list[tuple[set[str], Place]],
                 ambiguous: Ambiguity | Iterable[str] = (), tables: Sequence[CompiledTable] = (),
                 not_places: Iterable[str] = (), spellings: Iterable[str] = ()) -> None:
        self.countries = dict(countries)
        self.not_places = {canonical_key(n) for n in not_places}
        self._not_places_folded = {fold_name(n) for n in not_places}
        if not isinstance(ambiguous, Ambiguity):
            ambiguous = Ambiguity(places=set(ambiguous))
        self.tables = list(tables)
        self.admin1: dict[tuple[str, str], Place] = {}
        self._iso2_to_iso3 = {c.iso2: c.iso3 for c in self.countries.values() if c.iso2}
        for table in self.tables:
            for iso2, iso3, name, _variants in table.countries:
                self._iso2_to_iso3.setdefault(iso2, iso3)
                if iso3 not in self.countries:
                    self.countries[iso3] = Country(iso3, iso2, name, "")
        self.by_demonym: dict[str, Country] = {}
        for country in self.countries.values():  # a shared demonym is the first row's ("Congolese": DR Congo)
            if country.demonym:
                self.by_demonym.setdefault(fold_name(country.demonym), country)
        self._demonym_keys = {canonical_key(d) for d in self.by_demonym}
        self._common = set().union(*(t.common_words for t in self.tables)) if self.tables else set()
        self._persons = set().union(*(t.person_names for t in self.tables)) if self.tables else set()
        # names that need a preposition before them ("in Hit"); see Ambiguity
        self._word_like = self._common | self._persons
        word_like = self._word_like | self._demonym_keys | _GENERIC_REGION_WORDS
        self.ambiguous = {canonical_key(n) for n in ambiguous.places}
        self.ambiguous |= {k for k in map(canonical_key, ambiguous.admin1) if set(k.split(" ")) <= word_like}
        # country names to match only in their listed case: canonical key -> spellings
        self._case_exact: dict[str, set[str]] = {}
        for name in ambiguous.countries:
            self._case_exact.setdefault(canonical_key(name), set()).add(re.sub(r"\W", "", name))
        self._curated: dict[str, tuple[Place, ...]] = {}
        table: dict[str, dict[Place, None]] = {}
        for variants, place in places:
            if place.kind == "admin1":
                self.admin1[(place.country, place.name)] = place
            for variant in variants:
                table.setdefault(variant, {})[place] = None
        self._curated = {key: tuple(found) for key, found in table.items()}
        # listed spellings: a match that is only a respelling of one is held to more (_curated_ok)
        self._curated_spellings = {_loose(n) for n in spellings}
        self._curated_ids = {p.geonames_id for _, p in places if p.geonames_id}
        self._curated_countries = {key: {p.country for p in found} for key, found in self._curated.items()}
        self._prefixes: set[str] = set()
        for key in self._curated:
            words = key.split(" ")
            self._prefixes.update(" ".join(words[:i]) for i in range(1, len(words)))
        for compiled in self.tables:
            self._prefixes |= compiled.prefixes
        self._admin1_map = self._map_admin1(places)
        self._place_cache: dict[tuple[int, int], Place | None] = {}
        self._candidate_cache: dict[str, tuple[_Candidate, ...]] = {}
        self._weak_cache: dict[str, bool] = {}
        self._big_cache: dict[str, bool] = {}
        self._capital_cache: dict[str, Place | None] = {}
        self._table_keys = [t.keys for t in self.tables]
        self.size = len(places) + sum(len(t) for t in self.tables)
        for compiled in self.tables:  # admin1 of countries the curated files do not cover
            for index in range(len(compiled)):
                kind = compiled.row(index)[2]
                if kind not in ("country", "admin1"):
                    break  # country and admin1 rows come first
                place = self._package_place(compiled, index)
                if kind == "admin1" and place is not None and place.admin1:
                    self.admin1.setdefault((place.country, place.admin1), place)

    # ------------------------------------------------------------------ lookups
    def iter_places(self) -> Iterator[Place]:
        """Every place once: curated first, then the compiled GeoNames tables (countries
        excluded), for the analysts' gazetteer table."""
        seen: set[Place] = set()
        for found in self._curated.values():
            for place in found:
                if place not in seen and place.kind != "country":
                    seen.add(place)
                    yield place
        for compiled in self.tables:
            for index in range(len(compiled)):
                place = self._package_place(compiled, index)
                if place is not None and place.kind != "country" and place.geonames_id not in self._curated_ids:
                    yield place

    def country_place(self, iso3: str) -> Place | None:
        country = self.countries.get(iso3)
        return Place(country.name, "country", iso3) if country else None

    def admin1_place(self, iso3: str, admin1: str) -> Place | None:
        return self.admin1.get((iso3, admin1))

    def lookup(self, name: str, country: str | None = None) -> list[Place]:
        """Every place a name denotes (curated first, then GeoNames by population); with
        ``country`` (ISO3) only that country's. For tests, tools and the CLI."""
        key = canonical_key(name)
        curated = list(self._curated.get(key, ()))
        package = self._package_candidates(key, curated)
        found = curated + package
        return [p for p in found if country is None or p.country == country]

    def _package_candidates(self, key: str, curated: Sequence[Place]) -> list[Place]:
        if not self.tables:
            return []
        shadowed = self._curated_countries.get(key, set())
        seen: set[int] = set()
        found: list[Place] = []
        for t, compiled in enumerate(self.tables):
            for index in compiled.rows_of(key):
                place = self._place_cache.get((t, index), False)
                if place is False:
                    place = self._package_place(compiled, index)
                    self._place_cache[(t, index)] = place
                if place is None or place.country in shadowed:
                    continue
                if place.geonames_id and (place.geonames_id in seen or place.geonames_id in self._curated_ids):
                    continue
                seen.add(place.geonames_id or -1)
                found.append(place)
        found.sort(key=lambda p: (-p.population, p.geonames_id or 0))
        return found

    def _package_place(self, compiled: CompiledTable, index: int) -> Place | None:
        cells = compiled.row(index)
        geonames_id, name, kind, iso2, admin1_code, admin2, lat, lon, population = cells[:9]
        iso3 = self._iso2_to_iso3.get(iso2)
        if iso3 is None:
            return None
        if kind == "country":
            admin1 = iso_code = None
        else:
            admin1, iso_code = self._admin1_map.get(f"{iso2}.{admin1_code}", (None, None))
        if kind == "admin1" and admin1:
            name = admin1  # the curated spelling where the curated files know the region
        return Place(
            name, kind, iso3, admin1, iso_code, admin2 or None,
            float(lat) if lat else None, float(lon) if lon else None,
            int(geonames_id) if geonames_id.isdigit() else None, int(population or 0), compiled.source)

    def _map_admin1(self, places: list[tuple[set[str], Place]]) -> dict[str, tuple[str, str | None]]:
        """GeoNames admin1 code ("IQ.18") -> (admin1 name, ISO 3166-2 code), in the curated
        names where the curated files cover the country (matched by ISO code, else by name)."""
        curated_by_code = {p.admin1_code: p for _, p in places if p.kind == "admin1" and p.admin1_code}
        curated_by_name: dict[tuple[str, str], Place] = {}
        for keys, place in places:
            if place.kind == "admin1":
                for key in keys:
                    curated_by_name.setdefault((place.country, key), place)
        curated_countries = {country for country, _ in curated_by_name}
        mapping: dict[str, tuple[str, str | None]] = {}
        for compiled in self.tables:
            for code, (iso_code, name, variants) in compiled.admin1.items():
                iso3 = self._iso2_to_iso3.get(code.split(".")[0], "")
                place = curated_by_code.get(iso_code) if iso_code else None
                if place is None and iso3 in curated_countries:
                    for variant in [name, *variants.split("|")]:
                        place = curated_by_name.get((iso3, canonical_key(variant))) if variant else None
                        if place is not None:
                            break
                if place is not None:
                    mapping.setdefault(code, (place.name, place.admin1_code))
                else:
                    mapping.setdefault(code, (name, iso_code or None))
        return mapping

    # ------------------------------------------------------------------ matching
    def find(self, text: str, folded: str | None = None, countries: Iterable[str] = ()) -> list[PlaceMention]:
        """Place names in ``text``, leftmost-longest, each with its candidates best first.
        ``countries`` (ISO3) adds what the caller knows of the article's countries to the
        countries the text itself names (countries, demonyms, curated places)."""
        folded = fold(text) if folded is None else folded
        spans, context, regions = self._spans(text, folded)
        context.update(countries)
        for span in spans:  # a country or region named in full widens the context (the best known only)
            if span.curated or span.glued or span.weak or span.key in self.not_places:
                continue
            named = [p for p, _, name in span.package if p.kind in ("country", "admin1") and span.folded == name]
            if named:
                place = max(named, key=lambda p: p.population)
                if any(p.kind not in ("country", "admin1", *_AREA_KINDS) and p.population > place.population
                       and span.folded == name for p, _, name in span.package):
                    continue  # "Portland" is the city in Oregon before Jamaica's Portland parish
                context.add(place.country)
                regions.add((place.country, place.admin1))
        kept: list[_Span] = []
        for span in spans:
            if span.curated and not self._curated_ok(span, text):
                span.curated = ()
            if span.package:
                accepted = [c for c in span.package if self._accept(c, span, context, regions)]
                accepted.sort(key=lambda c: self._rank(c, context, regions))
                span.places = [c[0] for c in accepted]
            if span.curated or span.places:
                kept.append(span)
        kept.sort(key=lambda s: (s.start, -(s.end - s.start), not s.curated))
        mentions: list[PlaceMention] = []
        last_end = -1
        for span in kept:
            if span.start < last_end:
                continue
            extended = self._extend_suffix(folded, span.end)
            suffix = folded[span.end:extended].strip()
            package = self._city_before_region(span.places, span.key, suffix)
            candidates = (*self._by_suffix(span.curated, suffix), *package)[:_MAX_CANDIDATES]
            reference = _REFERENCE_BEFORE.search(folded, max(0, span.start - 40), span.start) is not None
            distance = _DISTANCE_BEFORE.search(folded, max(0, span.start - 50), span.start) if reference else None
            before = folded[max(0, span.start - 40):span.start].split()
            head, prior = _governor(before)
            # "in northern Mosul", "the village of Nahr al-Imam"
            strong = (head in _STRONG_LOCATIVE and head != "from") or (head == "of" and prior in _OF_PLACE_NOUNS)
            mentions.append(PlaceMention(candidates, span.start, extended, text[span.start:extended], span.locative,
                                         reference, before[-1] if before else "",
                                         _kilometres(distance) if distance else None, strong, head))
            last_end = extended
        return _qualified(self._with_capitals(mentions, text, folded), text)

    def demonym_countries(self, text: str) -> list[str]:
        """ISO3 of each demonym in ``text``, in order ("Malian soldiers"; "South Sudanese
        troops": a two-word demonym before its last word)."""
        found = []
        words = list(_CAPITALISED_WORD.finditer(text))
        skip = False
        for here, after in zip(words, [*words[1:], None][: len(words)], strict=True):
            if skip:
                skip = False
                continue
            if after is not None and text[here.end():after.start()] == " ":
                pair = self.by_demonym.get(fold_name(f"{here.group()} {after.group()}"))
                if pair is not None:
                    found.append(pair.iso3)
                    skip = True
                    continue
            country = self.by_demonym.get(fold_name(here.group()))
            if country is not None:
                found.append(country.iso3)
        return found

    def capital_place(self, iso3: str) -> Place | None:
        """The national capital of a country (``countries.tsv``), as a city of the gazetteer."""
        if iso3 not in self._capital_cache:
            country = self.countries.get(iso3)
            cities = [p for p in self.lookup(country.capital, iso3) if p.kind in ("city", "town")] if (
                country and country.capital) else []
            exact = [p for p in cities if fold_name(p.name) == fold_name(country.capital)]  # not Delhi for New Delhi
            self._capital_cache[iso3] = max(exact or cities, key=lambda p: p.population) if cities else None
        return self._capital_cache[iso3]

    def _with_capitals(self, mentions: list[PlaceMention], text: str, folded: str) -> list[PlaceMention]:
        """"the Indian capital", "Kenya's capital": the capital city, unless the phrase goes on
        to name it ("the Afghan capital Kabul": that name is the mention)."""
        found: list[tuple[int, int, Place]] = []
        for match in _CAPITAL_PHRASE.finditer(text):
            if _NAMED_AFTER.match(text, match.end()):
                continue
            words = match.group("demonym") or match.group("country")
            if match.group("demonym"):
                country = self.by_demonym.get(fold_name(words))
            else:
                named = [m for m in mentions if m.start == match.start("country") and m.kind == "country"]
                country = self.countries.get(named[0].candidates[0].country) if named else None
            place = self.capital_place(country.iso3) if country else None
            if place is not None:
                found.append((match.start(), match.end(), place))
        if not found:
            return mentions
        mentions = [m for m in mentions if not any(start <= m.start < end for start, end, _ in found)]
        for start, end, place in found:
            before = folded[max(0, start - 40):start].split()
            head, _prior = _governor(before)
            previous = before[-1] if before else ""
            mentions.append(PlaceMention((place,), start, end, text[start:end], previous in _LOCATIVE,
                                         preposition=previous, strong=head in _STRONG_LOCATIVE and head != "from",
                                         governor=head))
        return sorted(mentions, key=lambda m: m.start)

    def _spans(self, text: str, folded: str) -> tuple[list[_Span], set[str], set[tuple[str, str | None]]]:
        spans: list[_Span] = []
        context: set[str] = set()
        regions: set[tuple[str, str | None]] = set()
        keys_in = self._curated
        table_keys = self._table_keys
        prefixes = self._prefixes
        first_keys = table_keys[0] if table_keys else {}
        more_keys = table_keys[1:]
        for match in _SPAN_START.finditer(text):
            start, end = match.span()
            word = folded[start:end]
            demonym = self.by_demonym.get(word)
            if demonym is not None:
                context.add(demonym.iso3)
            tokens = list(_word_tokens(word))
            key = _join_key(tokens)
            while True:
                if key in keys_in:
                    spans.append(self._span(text, folded, start, end, key))
                elif key in first_keys or (more_keys and any(key in k for k in more_keys)):
                    # most capitalised words are some village's name somewhere: a small place
                    # with no cue before or after it can never be accepted, so skip it early
                    if self._is_big(key) or _has_cue(folded, start, end):
                        spans.append(self._span(text, folded, start, end, key))
                if key not in prefixes and len(key) > 1:  # single letters may be initials ("U.S.")
                    break
                following = _SPAN_NEXT.match(text, end)
                if following is None:
                    break
                end = following.end()
                tokens.extend(_word_tokens(folded[following.start(1):end]))
                key = _join_key(tokens)
        for span in spans:
            if span.curated and self._curated_ok(span, text):
                context.add(span.curated[0].country)
                regions.update((p.country, p.admin1) for p in span.curated if p.admin1)
        return spans, context, regions

    def _span(self, text: str, folded: str, start: int, end: int, key: str) -> _Span:
        before = folded[max(0, start - 24):start]
        words = before.split()
        previous = words[-1] if words else ""
        locative = previous in _LOCATIVE or previous.endswith(("ern", "-eastern", "-western"))
        curated = self._curated.get(key, ())
        glued = False
        package: list[_Candidate] = []
        if self._table_keys and (key in self._table_keys[0] or any(key in k for k in self._table_keys[1:])):
            glued = _is_glued(text, folded, start, end, previous)
            if not glued and _SITED_NEXT.match(text, end) and not self._is_big(key):
                glued = True  # "Cumhuriyet University" is no village: only big places lend names
            if glued and previous.endswith(("'s", "’s")) and canonical_key(previous[:-2]) in self._curated:
                glued = False  # "South Sudan's Unity State", "Syria's Idlib": the container, not a name
            if not glued and key not in self.not_places:
                package = list(self._candidates_of(key))
        if previous == "to" and before.endswith("according to "):
            locative = False
        suffix = folded[end:self._extend_suffix(folded, end)].strip()
        cue = (previous in _STRONG_LOCATIVE or bool(suffix) or (previous == "to" and locative)
               or (previous == "of" and len(words) > 1 and words[-2] in _OF_PLACE_NOUNS))
        span = _Span(start, end, key, curated, package, locative, " ".join(folded[start:end].split()),
                     previous in _STRONG_LOCATIVE, cue, suffix, folded.startswith("'s", end))
        span.glued = glued
        if package:
            weak = self._weak_cache.get(key)
            if weak is None:
                weak = self._weak_cache[key] = self._is_weak(key)
            span.weak = weak
        return span

    def _is_big(self, key: str) -> bool:
        """A country, a region or a large city among the GeoNames readings of a key (cached)."""
        big = self._big_cache.get(key)
        if big is None:
            big = self._big_cache[key] = any(
                _is_large(p) for p, _, _ in self._candidates_of(key))
        return big

    def _candidates_of(self, key: str) -> tuple[_Candidate, ...]:
        """GeoNames candidates of a key with what acceptance needs of their names (cached)."""
        found = self._candidate_cache.get(key)
        if found is None:
            places = self._package_candidates(key, self._curated.get(key, ()))
            found = tuple((p, canonical_key(p.name) == key, fold_name(p.name)) for p in places)
            self._candidate_cache[key] = found
        return found

    def _curated_ok(self, span: _Span, text: str) -> bool:
        if span.folded in self._not_places_folded:
            return False
        if span.key in self.ambiguous and set(span.key.split(" ")) <= self._common:
            # a word ("South", "Hit"): "in South", "the town of Hit", "South governorate";
            # not "North and South", "the North Area"
            return span.cue and (not span.suffix or span.suffix in _DISTRICT_SUFFIXES)
        respelled = _loose(span.folded) not in self._curated_spellings and (
            len(span.key.replace(" ", "")) < 6 or set(span.key.split(" ")) <= self._word_like)
        if respelled:
            return span.strong  # "Look" for Luuq, "Gare" for Gara: only right after "in", "near"...
        if span.locative:
            return True  # "on Rafah", "eastern Sanaa", "between Tripoli and Misrata"
        if span.key in self.ambiguous:
            return bool(span.suffix)  # "in the Mansour district"; not "near the Gare de Lyon"
        if span.suffix == "" and any(p.kind != "country" for p in span.curated):
            # "Salaheddine Sidhoum", "Diyala Operations Command", "Sheikh Ali Salman": a name,
            # not the place (countries have their own rule below: "US President" is the US)
            words = text[max(0, span.start - 30):span.start].split()
            previous = fold(words[-1]) if words else ""
            given = previous if previous in self._persons or previous.rstrip(".") in _TITLES else ""
            if _in_longer_name(text, span.start, span.end, given, after=True):
                return False
        spellings = self._case_exact.get(span.key)
        if spellings is None:
            return True
        if re.sub(r"\W", "", text[span.start:span.end]) not in spellings:
            return False
        if span.key not in _GIVEN_NAME_COUNTRIES:
            return True
        low = max(0, span.start - 60)
        head = text[low:span.start].rstrip()
        cut = head.rfind(" ") + 1  # where the word before the name starts
        previous, ahead = fold(head[cut:]), head[:cut]
        first_word = (low == 0 and not ahead.strip()) or _SENTENCE_END.search(ahead) is not None
        if previous in self._common or first_word:
            previous = ""  # "Meanwhile Jordan", "Neighbouring Chad": a word, not a first name
        # a surname ("Victoria Jordan"), or a given name before a surname ("Jordan Henderson")
        return not _in_longer_name(text, span.start, span.end, previous)

    def _is_weak(self, key: str) -> bool:
        tokens = key.split(" ")
        content = [t for t in tokens if t not in _ARTICLE_TOKENS and t not in ("of", "the", "de")]
        if not content or len(key.replace(" ", "")) <= 3 or key in self._demonym_keys:
            return True
        if all(t in self._common for t in content):
            return True
        return key in self._persons or (len(content) == 2 and all(t in self._persons for t in content))

    def _accept(self, candidate: _Candidate, span: _Span, context: set[str],
                regions: set[tuple[str, str | None]]) -> bool:
        """Whether a GeoNames candidate may stand for this span (see the module docstring)."""
        if span.glued or span.key in self.not_places:
            return False
        place, primary, folded_name = candidate  # primary: a respelling of its main name, not an alias
        in_context = place.country in context
        cue = span.cue
        exact = span.folded == folded_name
        big = _is_large(place)
        if span.suffix in _DISTRICT_SUFFIXES and place.kind not in ("admin1", "district", "subdistrict", "region"):
            return False  # "Hennepin County" is not the village of Hennepin
        if span.weak:
            if big and exact:  # "in Brazil", not "Brazil, Indiana"
                return span.strong or in_context
            return span.strong and in_context and primary
        if big:
            # outside the article's countries only the name itself, not a respelling of it
            # ("Daman" in Kandahar is not "Dammam" in Saudi Arabia); a region by another of its
            # names when the writer says it is a region ("Donetsk Region" is Donetska oblast)
            region_named = place.kind == "admin1" and span.suffix in _REGION_SUFFIXES
            return exact or region_named or (in_context and (primary or cue))
        if not cue or span.possessive:
            return False
        if in_context:
            return primary or (place.country, place.admin1) in regions
        return not context and exact and place.population >= LOCATIVE_MIN_POPULATION

    @staticmethod
    def _rank(candidate: _Candidate, context: set[str], regions: set[tuple[str, str | None]]) -> tuple:
        """Best GeoNames candidate first: in a region the article names, in a country it
        names, its main name, then the most prominent."""
        place, primary, _ = candidate
        # a small country's region (Jamaica's Portland parish) is not more prominent than a big
        # city (Portland, Oregon); a district never is, even with the people of all its towns
        population = 0 if place.kind in _AREA_KINDS else place.population
        prominence = (2 if place.kind == "country" or population >= 1_000_000
                      else 1 if population >= LARGE_CITY_POPULATION else 0)
        # the article's countries count for more than fame ("Portland parish in Jamaica")
        score = (2 * ((place.country, place.admin1) in regions) + 2 * (place.country in context)
                 + primary + prominence)
        return -score, -place.population, place.geonames_id or 0

    def resolve(self, mention: PlaceMention, *, region_names: Iterable[str | None] = (),
                admin1_counts: dict[str | None, int] | None = None, country: str | None = None) -> Place:
        """The candidate a mention most likely means, for an engine that knows more than
        ``find`` did: an admin1 named in the same sentence ("in Hawija, western Kirkuk"), then
        the article's most named admin1, then the article's country, then curated over
        GeoNames rows, then population."""
        candidates = mention.candidates
        if len(candidates) == 1:
            return candidates[0]
        regions = set(region_names)
        counts = admin1_counts or {}
        ranked = sorted(
            enumerate(candidates),
            key=lambda item: (item[1].admin1 not in regions, -counts.get(item[1].admin1, 0),
                              item[1].country != country if country else False,
                              not item[1].curated, item[0]))
        return ranked[0][1]

    @staticmethod
    def _by_suffix(candidates: tuple[Place, ...], suffix: str) -> tuple[Place, ...]:
        """Basra the city or Basra the province: "province" (or similar) after the name
        means the region; otherwise the town, as news usually means."""
        regions = tuple(c for c in candidates if c.kind == "admin1")
        others = tuple(c for c in candidates if c.kind != "admin1")
        if not regions or not others:
            return candidates
        return regions if suffix in _REGION_SUFFIXES else others

    def _city_before_region(self, candidates: list[Place], key: str, suffix: str) -> list[Place]:
        """GeoNames' Kisumu city before Kisumu county, unless "county" follows: a region only
        yields to a town inside it that bears its name (not to an alias), or to its country's
        capital of that name ("in Washington" is the capital, not the state)."""
        if suffix in _REGION_SUFFIXES:
            return sorted(candidates, key=lambda p: p.kind != "admin1")
        areas = ("admin1", *_AREA_KINDS)
        towns = {(p.country, p.admin1) for p in candidates if p.kind not in areas and canonical_key(p.name) == key}
        capitals = {p.country for p in candidates if p.kind not in areas and p == self.capital_place(p.country)}
        if suffix in _DISTRICT_SUFFIXES:
            towns = set()  # "Bannu district" is the district
        return sorted(candidates, key=lambda p: p.kind in areas and (
            (p.country, p.admin1) in towns or (p.kind == "admin1" and p.country in capitals)))

    @staticmethod
    def _extend_suffix(folded: str, end: int) -> int:
        rest = folded[end:end + 24]
        match = re.match(r"[ ]+([a-z-]+(?: [a-z]+)?)", rest)
        if match:
            words = match.group(1)
            for candidate in (words, words.split(" ")[0]):
                if candidate in _FEATURE_SUFFIXES:
                    return end + match.start(1) + len(candidate)
        return end


_QUALIFIER_GAP = re.compile(r",[ ]?")  # "Portland, Oregon"
# "X district of volatile Y", "X in the central province of Y", "X in western Y"
_WITHIN_REGION_GAP = re.compile(
    r"(?P<feature> (?:district|sub-?district|village|town|city|area|county|region|municipality))?"
    r" (?:(?P<of>of)|in) (?:the )?(?:(?!and |or )[a-z-]+ ){0,3}")
_LIST_GAP = re.compile(r",?\s*(?:(?:and|or|&)\s+)?")  # "Florida, California and Texas"


def _qualified(mentions: list[PlaceMention], text: str) -> list[PlaceMention]:
    """"Portland, Oregon", "Hawija, Kirkuk", "Basra, Iraq": a name followed by a comma and a
    region or country means the place of that very name inside it (not Jamaica's Portland
    parish). Not in a list ("Florida, California and Texas"), and not a namesake known there
    only by another name."""
    out: list[PlaceMention | None] = list(mentions)
    for i, (mention, qualifier) in enumerate(pairwise(mentions)):
        if (text[mention.end:qualifier.start] == " of " and qualifier.kind == "country"
                and mention.kind != "country"):
            # "the Southwest state of Somalia": that country's, or no place of this name at all
            country = qualifier.candidates[0].country
            inside = tuple(c for c in mention.candidates if c.country == country)
            out[i] = replace(mention, candidates=inside) if inside else None
            continue
        within = _WITHIN_REGION_GAP.fullmatch(text, mention.end, qualifier.start)
        if within and qualifier.kind == "admin1" and mention.kind != "country":
            # "Ghormach district of volatile Faryab province", "Hawija in western Kirkuk": the
            # namesake inside that region; a district or town said to be of a region it is not
            # in is some other place, so it gives way to the region
            regions = {(c.country, c.admin1) for c in qualifier.candidates if c.kind == "admin1"}
            inside = tuple(c for c in mention.candidates if (c.country, c.admin1) in regions)
            if inside or within.group("feature") or within.group("of"):
                out[i] = replace(mention, candidates=inside) if inside else None
            continue
        if not _QUALIFIER_GAP.fullmatch(text, mention.end, qualifier.start):
            continue
        if i + 2 < len(mentions) and _LIST_GAP.fullmatch(text, qualifier.end, mentions[i + 2].start):
            continue  # a third name goes on: a list
        regions = {(c.country, c.admin1) for c in qualifier.candidates if c.kind == "admin1"}
        countries = {c.country for c in qualifier.candidates if c.kind == "country"}
        surface = fold_name(mention.surface)
        inside = tuple(c for c in mention.candidates
                       if ((c.country, c.admin1) in regions or c.country in countries)
                       and fold_name(c.name) == surface)
        if inside:
            out[i] = replace(mention, candidates=inside)
    return [m for m in out if m is not None]


_CUE_BEFORE = _STRONG_LOCATIVE | {"to", "of"}
_DISTANCE_BEFORE = re.compile(
    r"(\d[\d,]*(?:\.\d+)?)\s*(?:-\s*)?(km|kms|kilometres|kilometers|miles)\b[^.;]*$")


def _kilometres(match: re.Match) -> float | None:
    try:
        value = float(match.group(1).replace(",", ""))
    except ValueError:
        return None
    return value * 1.609 if match.group(2) == "miles" else value


_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)]*\s*$")  # what stands before a sentence's first word
# country names that are also common given names: "Jordan Henderson" is a person
_GIVEN_NAME_COUNTRIES = {"jordan", "chad", "georgia"}
# "60 km south-west of", "north of the": what follows is a landmark, not where it happened
_REFERENCE_BEFORE = re.compile(
    r"(?:\b(?:north|south|east|west)(?:[- ]?(?:east|west))?|\b(?:km|kms|kilometres|kilometers|miles))\)?"
    r"\s+of\s+(?:the\s+)?$")
_SUFFIX_AFTER = re.compile(
    r" +(?:{})\b".format("|".join(sorted(map(re.escape, _FEATURE_SUFFIXES), key=len, reverse=True))))


def _has_cue(folded: str, start: int, end: int) -> bool:
    """A quick, loose form of _Span.cue: a preposition before or a feature word after."""
    before = folded[max(0, start - 12):start].split()
    return (bool(before) and before[-1] in _CUE_BEFORE) or _SUFFIX_AFTER.match(folded, end) is not None


def _loose(name: str) -> str:
    """A listed spelling up to case, diacritics, hyphens, apostrophes and a leading article."""
    words = re.sub(r"[^\w ]", " ", fold_name(name)).split()
    if len(words) > 1 and words[0] in _ARTICLE_TOKENS | {"the"}:
        words = words[1:]
    return " ".join(words)


def _is_glued(text: str, folded: str, start: int, end: int, previous: str) -> bool:
    """Part of a longer capitalised name ("Ahmed Hassan", "Houston Rockets"), after a title
    ("President Kabila"), a possessive of a person or the subject of "said"."""
    if previous.rstrip(".") in _TITLES or _in_longer_name(text, start, end, previous):
        return True
    following = folded[end:end + 12].split()
    return bool(following) and following[0].strip(",.") in _SPEECH_AFTER


def _in_longer_name(text: str, start: int, end: int, previous: str, after: bool = True) -> bool:
    """A capitalised word right before ("Victoria Jordan") or, with ``after``, right after
    ("Jordan Henderson")."""
    gap_before = text[max(0, start - 2):start]
    if gap_before.endswith(" ") and gap_before[:1].isalnum() and previous:  # not after "; " or ". "
        prev_start = start - 1 - len(previous)
        if (prev_start >= 0 and text[prev_start:prev_start + 1].isupper()
                and previous not in _DIRECTION_WORDS and previous not in _LOCATIVE):
            return True
    if not after:
        return False
    next_word = re.match(r" ([A-Z][\w-]*)", text[end:end + 30])
    # "retook Ramadi Sunday", "in Gaza City": a date or a feature word, not a surname
    return bool(next_word) and fold(next_word.group(1)) not in _FEATURE_SUFFIXES | CALENDAR_WORDS | _SITED_AFTER


# ---------------------------------------------------------------------------- loading
def _rows(path: Path, columns: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        header: list[str] | None = None
        for number, raw in enumerate(handle, start=1):
            if not raw.strip() or raw.startswith("#"):
                continue
            cells = [c.strip() for c in raw.rstrip("\n").split("\t")]
            if header is None:
                header = cells
                if header[: len(columns)] != columns:
                    raise RuleError(path, number, f"header must start with {columns}, got {header}")
                continue
            if len(cells) < len(columns):
                raise RuleError(path, number, f"expected {len(columns)} tab-separated columns, got {len(cells)}")
            yield number, dict(zip(columns, cells, strict=False))


def _float(value: str, path: Path, line: int, low: float, high: float) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError as exc:
        raise RuleError(path, line, f"not a number: {value!r}") from exc
    if not low <= number <= high:
        raise RuleError(path, line, f"{number} outside {low}..{high}")
    return number


def _ambiguous_names(path: Path) -> set[str]:
    """The names as written after ``# ambiguous:`` (case kept: countries need it)."""
    names: set[str] = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#\s*ambiguous:\s*(.+)", raw)
        if match:
            names.update(n.strip() for n in re.split(r"[,|]", match.group(1)) if n.strip())
    return names


def _keys_of(names: Iterable[str], min_letters: int = 3) -> set[str]:
    return set().union(*(name_keys(n, min_letters) for n in names if n))


@dataclass(frozen=True)
class Ambiguity:
    """Names marked ``# ambiguous`` in the curated files, by file, since they mean different
    things: a place name that is also a word or a person ("Hit", "Rai") needs a preposition;
    a region name needs one only when it is a word ("North", "Plateau"), not when it is just
    another place's name too ("Gaza", "Punjab"); a country name ("Turkey", "US") must be
    written in its listed case ("Us" is not the US) unless a preposition stands before it."""

    places: set[str] = field(default_factory=set)
    admin1: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)


def load_curated(
        data_dir: Path = DATA_DIR) -> tuple[dict[str, Country], list[tuple[set[str], Place]], Ambiguity, set[str]]:
    """The curated tables: countries, (keys, place) entries, the ambiguous names and every
    listed spelling."""
    spellings: set[str] = set()
    countries_path, admin1_path, places_path = (
        data_dir / "countries.tsv", data_dir / "admin1.tsv", data_dir / "places.tsv")
    countries: dict[str, Country] = {}
    entries: list[tuple[set[str], Place]] = []
    for line, row in _rows(countries_path, ["iso3", "iso2", "name", "demonym", "variants", "capital"]):
        if not re.fullmatch(r"[A-Z]{3}", row["iso3"]):
            raise RuleError(countries_path, line, f"iso3 {row['iso3']!r} is not ISO 3166-1 alpha-3")
        countries[row["iso3"]] = Country(row["iso3"], row["iso2"], row["name"], row["demonym"], row["capital"])
        names = {row["name"], *row["variants"].split("|")} - {""}
        spellings |= names
        entries.append((_keys_of(names, min_letters=2), Place(row["name"], "country", row["iso3"])))
    admin1_codes: dict[tuple[str, str], str] = {}
    for line, row in _rows(admin1_path, ["country", "admin1", "admin1_code", "variants", "lat", "lon", "capital"]):
        if row["country"] not in countries:
            raise RuleError(admin1_path, line, f"country {row['country']!r} not in countries.tsv")
        admin1_codes[(row["country"], row["admin1"])] = row["admin1_code"]
        place = Place(
            row["admin1"], "admin1", row["country"], row["admin1"], row["admin1_code"] or None, None,
            _float(row["lat"], admin1_path, line, -90, 90), _float(row["lon"], admin1_path, line, -180, 180))
        names = {row["admin1"], *row["variants"].split("|")} - {""}
        spellings |= names
        entries.append((_keys_of(names), place))
    columns = ["name", "variants", "kind", "country", "admin1", "admin2", "lat", "lon", "geonames_id", "population",
               "source"]
    for line, row in _rows(places_path, columns):
        key = (row["country"], row["admin1"])
        if key not in admin1_codes:
            raise RuleError(places_path, line, f"admin1 {row['admin1']!r} of {row['country']} not in admin1.tsv")
        place = Place(
            row["name"], row["kind"], row["country"], row["admin1"], admin1_codes[key] or None,
            row["admin2"] or None,
            _float(row["lat"], places_path, line, -90, 90), _float(row["lon"], places_path, line, -180, 180),
            int(row["geonames_id"]) if row["geonames_id"].isdigit() else None,
            int(row["population"]) if row["population"].isdigit() else 0,
        )
        names = {row["name"], *row["variants"].split("|")} - {""}
        spellings |= names
        entries.append((_keys_of(names), place))
    ambiguous = Ambiguity(
        _ambiguous_names(places_path), _ambiguous_names(admin1_path), _ambiguous_names(countries_path))
    return countries, entries, ambiguous, spellings


def gazetteer_files(data_dir: Path = DATA_DIR, compiled: Path | None = COMPILED_PATH,
                    extra: Sequence[Path] = ()) -> list[Path]:
    """The files ``load_gazetteer`` reads with the same arguments (for the tagger's version)."""
    files = [data_dir / name for name in ("countries.tsv", "admin1.tsv", "places.tsv", "not_places.txt")]
    files += [Path(p) for p in extra]
    if compiled is not None:
        files.append(Path(compiled))
    return [path for path in files if path.exists()]


def load_gazetteer(data_dir: Path = DATA_DIR, compiled: Path | None = COMPILED_PATH,
                   extra: Sequence[Path] = ()) -> Gazetteer:
    """Curated tables from ``data_dir``, the compiled GeoNames table ``compiled`` (None:
    curated only; a missing file is skipped so a checkout without it still works) and user
    tables ``extra`` made by ``import_geonames`` (searched first: they are the fuller data)."""
    countries, entries, ambiguous, spellings = load_curated(data_dir)
    tables = [read_compiled(Path(p), source="import") for p in extra]
    if compiled is not None and Path(compiled).exists():
        tables.append(read_compiled(Path(compiled)))
    not_places = read_word_list(data_dir / "not_places.txt")
    return Gazetteer(countries, entries, ambiguous, tables, not_places, spellings)


def read_word_list(path: Path) -> list[str]:
    """One entry a line, ``#`` comments; a missing file is an empty list."""
    if not path.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]
