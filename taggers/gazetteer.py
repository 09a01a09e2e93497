"""Embedded gazetteer: countries, admin1 regions and curated places (taggers/data/*.tsv),
matched in text with one Aho-Corasick automaton over spelling variants.

Spelling variants are generated from every listed name (al-/el- prefixes, -iyah/-iya/-iyya,
ee/i, ou/u, hyphens), so the data files list only genuinely different spellings. A match must
start with a capital letter in the original text ("Police" at a sentence start is still refused
when it is not a listed place); names listed as ambiguous need a preposition before them
("in Hit", "near Rutba")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from core.errors import RuleError
from taggers.text import fold, fold_name, is_word_boundary

DATA_DIR = Path(__file__).resolve().parent / "data"
_ARTICLES = ("al-", "el-", "ad-", "as-", "an-", "ar-", "at-", "az-", "ash-", "al ", "el ", "the ")
_FEATURE_SUFFIXES = {
    "province", "provinces", "governorate", "governorates", "district", "districts", "mountains",
    "mountain", "hills", "hill", "region", "city", "town", "village", "area", "areas", "camp",
    "base", "sub-district", "subdistrict", "county", "state", "valley", "desert", "plains",
    "range", "air base", "airbase", "border crossing", "crossing",
}
_REGION_SUFFIXES = {"province", "provinces", "governorate", "governorates", "state", "region", "county"}
_LOCATIVE = {"in", "at", "near", "of", "outside", "from", "to", "around", "into", "towards",
             "toward", "across", "between", "and", "on", "inside", "west", "east", "north", "south"}
_PRECISION_BY_KIND = {
    "city": 1, "town": 1, "village": 1, "neighbourhood": 1, "base": 1, "camp": 1, "prison": 1,
    "airport": 1, "dam": 1, "crossing": 1, "subdistrict": 2, "district": 2, "mountain": 2,
    "hills": 2, "valley": 2, "desert": 3, "lake": 2, "river": 2, "border": 2, "region": 3,
    "oilfield": 2, "admin1": 3, "country": 3,
}


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

    @property
    def precision(self) -> int:
        return _PRECISION_BY_KIND.get(self.kind, 2)


@dataclass(frozen=True)
class Country:
    iso3: str
    iso2: str
    name: str
    demonym: str


@dataclass(frozen=True)
class PlaceMention:
    candidates: tuple[Place, ...]  # same surface, several places (Hamrin spans three provinces)
    start: int
    end: int
    surface: str
    locative: bool  # a preposition such as "in" or "near" stands before it

    @property
    def kind(self) -> str:
        return self.candidates[0].kind


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
                ("ou", "u"), ("aa", "a"), ("kh", "kh"), ("q", "k"), ("dh", "d"), ("ah", "a")]
    for v in list(variants):
        for old, new in rewrites:
            if old in v:
                variants.add(v.replace(old, new))
        if v.endswith("a") and not v.endswith("ia"):
            variants.add(v + "h")
    return {v for v in variants if len(v) >= 3}


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
    names: set[str] = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#\s*ambiguous:\s*(.+)", raw)
        if match:
            names.update(fold_name(n) for n in re.split(r"[,|]", match.group(1)) if n.strip())
    return names


class Gazetteer:
    def __init__(self, countries: dict[str, Country], places: list[tuple[set[str], Place]],
                 ambiguous: set[str]) -> None:
        self.countries = countries
        self.by_demonym = {fold_name(c.demonym): c for c in countries.values() if c.demonym}
        self.ambiguous = ambiguous
        self.admin1: dict[tuple[str, str], Place] = {}
        table: dict[str, dict[Place, None]] = {}
        for variants, place in places:
            if place.kind == "admin1":
                self.admin1[(place.country, place.name)] = place
            for variant in variants:
                table.setdefault(variant, {})[place] = None
        self._automaton = ahocorasick.Automaton()
        for key, found in table.items():
            self._automaton.add_word(key, (len(key), tuple(found)))
        self._automaton.make_automaton()
        self.size = len(places)

    def country_place(self, iso3: str) -> Place | None:
        country = self.countries.get(iso3)
        return Place(country.name, "country", iso3) if country else None

    def admin1_place(self, iso3: str, admin1: str) -> Place | None:
        return self.admin1.get((iso3, admin1))

    def find(self, text: str, folded: str | None = None) -> list[PlaceMention]:
        folded = fold(text) if folded is None else folded
        raw: list[PlaceMention] = []
        for end_index, (length, candidates) in self._automaton.iter(folded):
            start, end = end_index - length + 1, end_index + 1
            if not is_word_boundary(folded, start, end) or not text[start].isupper():
                continue
            before = folded[max(0, start - 14):start].split()
            previous = before[-1] if before else ""
            locative = previous in _LOCATIVE or previous.endswith(("ern", "-eastern", "-western"))
            key = folded[start:end]
            if key in self.ambiguous and not locative:
                continue
            extended = self._extend_suffix(folded, end)
            candidates = self._by_suffix(candidates, folded[end:extended].strip())
            raw.append(PlaceMention(candidates, start, extended, text[start:extended], locative))
        raw.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[PlaceMention] = []
        for mention in raw:
            if kept and mention.start < kept[-1].end:
                continue
            kept.append(mention)
        return kept

    @staticmethod
    def _by_suffix(candidates: tuple[Place, ...], suffix: str) -> tuple[Place, ...]:
        """Basra the city or Basra the province: "province" (or similar) after the name
        means the region; otherwise the town, as news usually means."""
        regions = tuple(c for c in candidates if c.kind == "admin1")
        others = tuple(c for c in candidates if c.kind != "admin1")
        if not regions or not others:
            return candidates
        return regions if suffix in _REGION_SUFFIXES else others

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


def load_gazetteer(data_dir: Path = DATA_DIR) -> Gazetteer:
    countries_path, admin1_path, places_path = (
        data_dir / "countries.tsv", data_dir / "admin1.tsv", data_dir / "places.tsv")
    countries: dict[str, Country] = {}
    entries: list[tuple[set[str], Place]] = []
    for line, row in _rows(countries_path, ["iso3", "iso2", "name", "demonym", "variants"]):
        if not re.fullmatch(r"[A-Z]{3}", row["iso3"]):
            raise RuleError(countries_path, line, f"iso3 {row['iso3']!r} is not ISO 3166-1 alpha-3")
        countries[row["iso3"]] = Country(row["iso3"], row["iso2"], row["name"], row["demonym"])
        names = {row["name"], *row["variants"].split("|")} - {""}
        entries.append(({fold_name(n) for n in names}, Place(row["name"], "country", row["iso3"])))
    admin1_codes: dict[tuple[str, str], str] = {}
    for line, row in _rows(admin1_path, ["country", "admin1", "admin1_code", "variants", "lat", "lon", "capital"]):
        if row["country"] not in countries:
            raise RuleError(admin1_path, line, f"country {row['country']!r} not in countries.tsv")
        admin1_codes[(row["country"], row["admin1"])] = row["admin1_code"]
        place = Place(
            row["admin1"], "admin1", row["country"], row["admin1"], row["admin1_code"] or None, None,
            _float(row["lat"], admin1_path, line, -90, 90), _float(row["lon"], admin1_path, line, -180, 180))
        names = {row["admin1"], *row["variants"].split("|")} - {""}
        entries.append((set().union(*(spelling_variants(n) for n in names)), place))
    columns = ["name", "variants", "kind", "country", "admin1", "admin2", "lat", "lon", "geonames_id", "population", "source"]
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
        entries.append((set().union(*(spelling_variants(n) for n in names)), place))
    return Gazetteer(countries, entries, _ambiguous_names(places_path))
