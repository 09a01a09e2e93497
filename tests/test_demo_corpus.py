"""The bundled offline demo corpus (demo/) is self-consistent.

Every article's gold events match its text (verbatim evidence, resolvable dates, known actors
and places), every article is listed in the feeds that its JSON names, the feeds parse, and
the page templates render and lose their boilerplate under trafilatura. The corpus is
invented for this project; see demo/README.md.
"""

from __future__ import annotations

import html
import io
import json
import re
import string
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from taggers.taxonomy import ACLED_SUB_EVENTS

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
ARTICLES_DIR = DEMO_DIR / "articles"
FEEDS_DIR = DEMO_DIR / "feeds"
TEMPLATES_DIR = DEMO_DIR / "templates"

BASE_URL = "http://127.0.0.1:8765"
BASE_URL_PLACEHOLDER = "{{BASE_URL}}"
FEED_FILES = {
    "demowire": "demowire.rss.xml",
    "frontline": "frontline.atom.xml",
    "tigris": "tigris.rss.xml",
}
FEED_VERSIONS = {"demowire": "rss20", "frontline": "atom10", "tigris": "rss20"}
OUTLET_SLUGS = {"Demo Wire": "demowire", "Frontline Monitor": "frontline", "Tigris Daily": "tigris"}
TEMPLATE_FIELDS = {"title", "author", "published", "body_html", "site_name", "canonical_url"}
# Same threshold as the default of core.settings.Settings.historical_days.
HISTORICAL_DAYS = 30
LAST_PUBLICATION = datetime.fromisoformat("2026-11-21T00:00:00+00:00")

# The 25 ACLED sub-event types (snake_case ids) and the event type each belongs to.
ACLED_SUB_EVENT_TYPES = ACLED_SUB_EVENTS
# Gold format of /work/shared/gold/*.json plus the demo's own keys.
GOLD_KEYS = {"url", "source", "published", "events", "id", "text_file"}
DEMO_KEYS = {"title", "outlet", "author", "feeds", "path"}
EVENT_KEYS = {
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "country",
    "admin1",
    "location",
    "fatalities",
    "fatalities_high",
    "injured",
    "date",
    "date_text",
    "historical",
    "required",
    "evidence",
}

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
WEEKDAY_PHRASE = re.compile(
    r"^(?:early |late )?on (" + "|".join(WEEKDAYS) + r")(?: (?:morning|afternoon|evening|night))?$",
    re.IGNORECASE,
)
MONTH_DAY_PHRASE = re.compile(r"^on (" + "|".join(MONTHS) + r") (\d{1,2})$", re.IGNORECASE)
YEAR_IN_PHRASE = re.compile(r"\b((?:19|20)\d{2})\b")
MONTH_YEAR_IN_PHRASE = re.compile(r"\b(" + "|".join(MONTHS) + r") ((?:19|20)\d{2})\b", re.I)
DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]+(?:, [A-Z][A-Za-z ]+)? \((Demo Wire|Frontline Monitor|Tigris Daily)\) - \S"
)


def _load_articles() -> dict[str, dict]:
    articles = {}
    for json_path in sorted(ARTICLES_DIR.glob("*.json")):
        record = json.loads(json_path.read_text(encoding="utf-8"))
        record["_json_stem"] = json_path.stem
        record["_text"] = (ARTICLES_DIR / record["text_file"]).read_text(encoding="utf-8")
        articles[json_path.stem] = record
    return articles


ARTICLES = _load_articles()
ARTICLE_IDS = sorted(ARTICLES)
ACTORS_USED = (DEMO_DIR / "ACTORS_USED.txt").read_text(encoding="utf-8").splitlines()
PLACES_USED = [
    tuple(line.split("\t"))
    for line in (DEMO_DIR / "PLACES_USED.txt").read_text(encoding="utf-8").splitlines()
]


def _published(record: dict) -> datetime:
    return datetime.fromisoformat(record["published"])


def _body_paragraphs(text: str) -> list[str]:
    return text.strip("\n").split("\n\n")[1:]


def _parse_feed(name: str) -> feedparser.FeedParserDict:
    """Parse one feed as the pipeline would: bytes in, the feed URL as the base for
    relative links (Content-Location), after the demo server's {{BASE_URL}} substitution."""
    raw = (FEEDS_DIR / FEED_FILES[name]).read_text(encoding="utf-8")
    body = raw.replace(BASE_URL_PLACEHOLDER, BASE_URL).encode("utf-8")
    feed_url = f"{BASE_URL}/feeds/{FEED_FILES[name]}"
    return feedparser.parse(
        io.BytesIO(body),
        response_headers={
            "content-location": feed_url,
            "content-type": "application/xml; charset=utf-8",
        },
    )


def _entry_paths(name: str) -> set[str]:
    return {urlsplit(entry.link).path for entry in _parse_feed(name).entries}


def _render(record: dict) -> str:
    """Render an article page the way the demo server does (values HTML-escaped)."""
    slug = OUTLET_SLUGS[record["outlet"]]
    template = (TEMPLATES_DIR / f"{slug}.html").read_text(encoding="utf-8")
    body_html = "\n".join(f"<p>{html.escape(p)}</p>" for p in _body_paragraphs(record["_text"]))
    values = {
        "title": record["title"],
        "author": record["author"] or f"{record['outlet']} staff",
        "published": record["published"],
        "site_name": record["outlet"],
        "canonical_url": BASE_URL + record["path"],
    }
    values = {key: html.escape(value) for key, value in values.items()}
    values["body_html"] = body_html
    return template.format_map(values)


def _expected_date(date_text: str, published_day: date) -> date | None:
    """The day a phrase names, relative to the publication day; None if not day-precise.

    "on Wednesday" is the most recent Wednesday on or before the publication day;
    "on March 3" is the most recent March 3 on or before it."""
    weekday = WEEKDAY_PHRASE.match(date_text)
    if weekday:
        back = (published_day.weekday() - WEEKDAYS.index(weekday.group(1).lower())) % 7
        return published_day - timedelta(days=back)
    month_day = MONTH_DAY_PHRASE.match(date_text)
    if month_day:
        month = MONTHS.index(month_day.group(1).lower()) + 1
        candidate = date(published_day.year, month, int(month_day.group(2)))
        if candidate > published_day:
            candidate = date(published_day.year - 1, month, int(month_day.group(2)))
        return candidate
    return None


def _latest_day_named(date_text: str) -> date | None:
    """The last day a phrase with an explicit year can refer to ("in June 2014" -> 2014-06-30)."""
    month_year = MONTH_YEAR_IN_PHRASE.search(date_text)
    if month_year:
        month = MONTHS.index(month_year.group(1).lower()) + 1
        year = int(month_year.group(2))
        first_of_next = date(year + month // 12, month % 12 + 1, 1)
        return first_of_next - timedelta(days=1)
    year = YEAR_IN_PHRASE.search(date_text)
    if year:
        return date(int(year.group(1)), 12, 31)
    return None


# --- corpus-level requirements ----------------------------------------------------------------


def test_corpus_size_and_coverage():
    assert len(ARTICLES) >= 24
    no_event = [a for a in ARTICLES.values() if not a["events"]]
    assert len(no_event) >= 4

    current = [e for a in ARTICLES.values() for e in a["events"] if not e["historical"]]
    assert len({e["sub_event_type"] for e in current}) >= 10
    assert len({e["country"] for e in current}) >= 4

    def articles_about(country: str) -> int:
        return sum(
            any(e["country"] == country and not e["historical"] for e in a["events"])
            for a in ARTICLES.values()
        )

    assert articles_about("IRQ") >= 10
    assert articles_about("SYR") >= 3
    assert {"Demo Wire", "Frontline Monitor", "Tigris Daily"} == {
        a["outlet"] for a in ARTICLES.values()
    }


def test_syndicated_story_differs_only_in_wording_and_toll():
    wire = ARTICLES["dw-003-iraq-tuz-khurmatu-checkpoint-attack"]
    monitor = ARTICLES["fm-004-iraq-pmf-checkpoint-tuz-khurmatu"]
    assert wire["outlet"] != monitor["outlet"] and wire["title"] != monitor["title"]
    (a,), (b,) = wire["events"], monitor["events"]
    same = ("sub_event_type", "actor1", "actor2", "location", "date")
    assert [a[k] for k in same] == [b[k] for k in same]
    assert (a["fatalities"], b["fatalities"]) == (4, 5)


# --- one article at a time --------------------------------------------------------------------


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_article_record_has_gold_and_demo_keys(article_id):
    record = ARTICLES[article_id]
    assert GOLD_KEYS | DEMO_KEYS <= set(record)
    assert record["id"] == record["_json_stem"] == article_id
    assert record["text_file"] == f"{article_id}.txt"
    assert record["outlet"] in OUTLET_SLUGS and record["source"] == record["outlet"]
    assert record["author"] is None or (isinstance(record["author"], str) and record["author"])
    published = _published(record)
    assert published.tzinfo is not None
    assert (published.year, published.month) == (2026, 11) and published < LAST_PUBLICATION
    slug = OUTLET_SLUGS[record["outlet"]]
    assert record["path"].startswith(f"/{slug}/")
    assert record["url"] == BASE_URL_PLACEHOLDER + record["path"]
    assert slug in record["feeds"] and set(record["feeds"]) <= set(FEED_FILES)
    assert isinstance(record["events"], list)


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_article_text_is_wire_copy(article_id):
    record = ARTICLES[article_id]
    text = record["_text"]
    assert "\r" not in text and "\n\n\n" not in text and text.endswith("\n")
    headline, blank, *_ = text.split("\n")
    assert headline == record["title"] and blank == ""
    # Titles go unescaped into JSON-LD and attributes of the templates.
    assert not set('"<>&{}') & set(headline)
    paragraphs = _body_paragraphs(text)
    assert len(paragraphs) >= 4 and all(p.strip() == p and "\n" not in p for p in paragraphs)
    dateline = DATELINE.match(paragraphs[0])
    assert dateline, paragraphs[0][:60]
    assert dateline.group(1) == record["outlet"]
    assert 150 <= len(" ".join(paragraphs).split()) <= 500


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_events_follow_the_gold_schema(article_id):
    actors = set(ACTORS_USED)
    places = {(name, iso3) for name, iso3, _ in PLACES_USED}
    for event in ARTICLES[article_id]["events"]:
        assert set(event) == EVENT_KEYS
        assert event["sub_event_type"] in ACLED_SUB_EVENT_TYPES
        assert event["event_type"] == ACLED_SUB_EVENT_TYPES[event["sub_event_type"]]
        assert event["actor1"] is None or event["actor1"] in actors
        assert event["actor2"] is None or event["actor2"] in actors
        assert re.fullmatch(r"[A-Z]{3}", event["country"])
        admin1 = event["admin1"]
        assert admin1 is None or isinstance(admin1, str) or all(isinstance(a, str) for a in admin1)
        if event["location"] is not None:
            assert (event["location"], event["country"]) in places, event["location"]
        for count in ("fatalities", "fatalities_high", "injured"):
            assert event[count] is None or (type(event[count]) is int and event[count] >= 0)
        if event["fatalities_high"] is not None:
            assert event["fatalities"] is not None
            assert event["fatalities_high"] > event["fatalities"]
        assert isinstance(event["historical"], bool) and isinstance(event["required"], bool)
        assert not (event["historical"] and event["required"]), "background is never required"


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_evidence_date_text_and_location_occur_in_the_text(article_id):
    text = ARTICLES[article_id]["_text"]
    for event in ARTICLES[article_id]["events"]:
        assert event["evidence"] and event["evidence"] in text, event["evidence"][:60]
        if event["date_text"] is not None:
            assert event["date_text"] in text, event["date_text"]
        if event["location"] is not None:
            assert event["location"].lower() in text.lower(), event["location"]


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_event_dates_resolve_against_publication(article_id):
    record = ARTICLES[article_id]
    published_day = _published(record).date()
    for event in record["events"]:
        label = event["date_text"] or event["evidence"][:40]
        if event["date"] is not None:
            day = date.fromisoformat(event["date"])
            assert day <= published_day, label
            age = (published_day - day).days
            assert event["historical"] == (age > HISTORICAL_DAYS), label
        if event["date_text"] is None:
            continue
        expected = _expected_date(event["date_text"], published_day)
        if expected is not None:
            assert event["date"] == expected.isoformat(), label
        latest = _latest_day_named(event["date_text"])
        if latest is not None and (published_day - latest).days > HISTORICAL_DAYS:
            assert event["historical"], label


# --- feeds -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FEED_FILES))
def test_feed_parses_cleanly(name):
    parsed = _parse_feed(name)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == FEED_VERSIONS[name]
    assert parsed.entries
    for entry in parsed.entries:
        assert entry.link.startswith(BASE_URL + "/"), entry.link
        assert entry.title and entry.summary


@pytest.mark.parametrize("name", ["demowire", "frontline"])
def test_clean_feeds_carry_full_metadata(name):
    for entry in _parse_feed(name).entries:
        assert entry.id and entry.author and entry.published_parsed
        if name == "frontline":
            assert entry.updated_parsed >= entry.published_parsed


def test_every_article_is_in_exactly_the_feeds_it_names():
    paths = {name: _entry_paths(name) for name in FEED_FILES}
    for record in ARTICLES.values():
        listed_in = {name for name, found in paths.items() if record["path"] in found}
        assert listed_in == set(record["feeds"]), record["id"]
    known_paths = {record["path"] for record in ARTICLES.values()}
    for name, found in paths.items():
        assert found <= known_paths, (name, found - known_paths)


def test_feed_published_dates_match_the_articles():
    by_path = {record["path"]: record for record in ARTICLES.values()}
    for name in ("demowire", "frontline"):
        for entry in _parse_feed(name).entries:
            record = by_path[urlsplit(entry.link).path]
            published = _published(record).astimezone(UTC).timetuple()[:6]
            assert tuple(entry.published_parsed)[:6] == published, record["id"]


def test_tigris_feed_keeps_its_real_world_quirks():
    raw = (FEEDS_DIR / FEED_FILES["tigris"]).read_text(encoding="utf-8")
    assert "<link>/tigris/" in raw, "relative links"
    assert "?utm_source=rss&amp;utm_medium=feed" in raw, "tracking query string"
    assert "<![CDATA[" in raw and "&lt;p&gt;" in raw, "HTML in descriptions"
    entries = _parse_feed("tigris").entries
    assert sum(1 for e in entries if not e.get("published_parsed")) == 2, "two undated items"
    assert any(not e.title.isascii() for e in entries), "non-ASCII title"
    assert any("?utm_source=rss" in e.link for e in entries)
    duplicates = {urlsplit(e.link).path for e in entries} & _entry_paths("demowire")
    assert len(duplicates) == 1, "one story also carried by Demo Wire"


# --- actors, places, templates ------------------------------------------------------------------


def test_actor_and_place_lists_match_the_corpus():
    used = {
        actor
        for record in ARTICLES.values()
        for event in record["events"]
        for actor in (event["actor1"], event["actor2"])
        if actor
    }
    assert ACTORS_USED == sorted(set(ACTORS_USED), key=str.lower)
    assert set(ACTORS_USED) == used

    all_text = "\n".join(record["_text"] for record in ARTICLES.values()).lower()
    names = [place[0] for place in PLACES_USED]
    assert len(names) == len(set(names))
    for place in PLACES_USED:
        assert len(place) == 3 and re.fullmatch(r"[A-Z]{3}", place[1]), place
        assert place[0].lower() in all_text, place[0]
    admin1_of = {(name, iso3): admin1 for name, iso3, admin1 in PLACES_USED}
    for record in ARTICLES.values():
        for event in record["events"]:
            if event["location"] and isinstance(event["admin1"], str):
                assert admin1_of[(event["location"], event["country"])] == event["admin1"]


@pytest.mark.parametrize("slug", sorted(OUTLET_SLUGS.values()))
def test_template_uses_exactly_the_documented_placeholders(slug):
    template = (TEMPLATES_DIR / f"{slug}.html").read_text(encoding="utf-8")
    fields = {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
    assert fields == TEMPLATE_FIELDS


def test_templates_differ_in_their_metadata():
    record = ARTICLES["dw-001-iraq-airstrike-hamrin"]
    wire = _render(record)
    assert '<meta property="og:title" content="' in wire
    assert '<meta property="article:published_time" content="2026-11-19T09:30:00+00:00">' in wire

    monitor = _render(ARTICLES["fm-004-iraq-pmf-checkpoint-tuz-khurmatu"])
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', monitor, re.S)
    ld = json.loads(html.unescape(block.group(1)))
    assert ld["@type"] == "NewsArticle"
    assert ld["datePublished"] == "2026-11-18T11:45:00+00:00"
    assert ld["author"][0]["name"] == "Nour el-Din Saleh"

    tigris = _render(ARTICLES["td-011-iraq-makhmour-clash"])
    assert "<title>Two soldiers and three militants killed in clash near Makhmour | " in tigris
    assert "| Tigris Daily</title>" in tigris
    for date_metadata in ("datetime=", "published_time", "datePublished", "ld+json", "og:"):
        assert date_metadata not in tigris


def test_trafilatura_strips_the_template_boilerplate():
    trafilatura = pytest.importorskip("trafilatura")
    for record in ARTICLES.values():
        page = _render(record)
        extracted = trafilatura.bare_extraction(
            page, url=BASE_URL + record["path"], with_metadata=True, deduplicate=False
        )
        expected = " ".join(_body_paragraphs(record["_text"])).split()
        assert extracted.text.split() == expected, record["id"]
