"""Article extraction: a fetched ``Page`` in, an ``Article`` out. Pure and CPU-bound.

``extract_article`` never raises for a bad page: a page without usable text becomes an
``Article`` with ``text=""`` and a ``skip_reason`` (see ``SKIP_REASONS``), so every page
is counted. ``extract_articles`` runs it in worker processes with a time limit per page.

Body text: trafilatura with ``favor_precision`` (news pages: less boilerplate; on the Zyte
benchmark also the better F1) and its process-global dedup off. Metadata is ours, because
trafilatura's is weak on news (see docs); first source with a plausible value wins:

    title      feed item title → the page's single <h1> → ``og:title`` → JSON-LD
               ``headline`` → trafilatura's title heuristics; each cleaned of site-name
               prefixes and suffixes. (The visible headline beats og:title: 0.89 vs 0.77
               exact match on the NAEB set.)
    published  feed item date → the page's structured data (JSON-LD ``datePublished``,
               ``article:published_time`` and similar meta tags) → a full date in the URL
               (``url_date``: /2023/12/22/, /20231222/, /2023/dec/22/, /2023/12/231222...)
               → htmldate (markup, visible text); a day alone is stored as 00:00 UTC
    published_local_date
               the publisher's calendar day of ``published``: a date in the URL, else the
               UTC offset written in the timestamp itself (a feed's "+0300" is kept), in the
               page's own timestamps (a <time datetime> or local-time meta tag naming the
               same instant), else the time zone of a national site's country-code domain,
               else the UTC day
    authors    feed item authors → JSON-LD ``author`` (people, not organisations) →
               ``<meta name="author">`` and similar
    site_name  ``og:site_name`` → JSON-LD ``publisher.name`` → trafilatura's site name
    language   declared (``<html lang>``, Content-Language, ``og:locale``) unless py3langid
               confidently disagrees on enough text; py3langid alone when undeclared

Timestamps without an offset are read as UTC; dates after the fetch (plus a day of slack
for time zones) or before 1990 are ignored as implausible.

``Article.url`` is the feed item's canonical URL (the natural key); the page's final URL
after redirects is what the extractor sees, for relative links and dates in URLs.
"""

from __future__ import annotations

import atexit
import calendar
import codecs
import dataclasses
import html as html_lib
import json
import logging
import math
import multiprocessing
import os
import re
import resource
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from multiprocessing.connection import Connection, wait
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement, HTMLParser, fromstring
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from trafilatura.metadata import extract_sitename, extract_title
from trafilatura.utils import decode_file, is_dubious_html, repair_faulty_html

from core.errors import TerminalError
from core.records import Article, Page
from core.settings import Settings
from extractors.timestamps import parse_timestamp

logger = logging.getLogger(__name__)

# our suffix goes up whenever our code changes what a page yields: reextract redoes older rows
EXTRACTOR_VERSION = f"trafilatura-{trafilatura.__version__}+ne2"

SKIP_EMPTY = "empty"  # no body, or the extractor found no text at all
SKIP_NOT_HTML = "not_html"  # binary or a non-HTML media type
SKIP_PARSER_ERROR = "parser_error"  # the HTML or the extractor failed (or its worker died)
SKIP_TOO_SHORT = "too_short"  # text shorter than settings.min_text_chars
SKIP_TIMEOUT = "timeout"  # extraction took longer than settings.extraction_timeout
SKIP_REASONS = (SKIP_EMPTY, SKIP_NOT_HTML, SKIP_PARSER_ERROR, SKIP_TOO_SHORT, SKIP_TIMEOUT)

# Up to this many pages run in the calling process (when it can enforce the time limit):
# handing them to workers costs more than it saves, and starting workers far more.
INLINE_MAX_PAGES = 2

# Text is long enough for py3langid to overrule a declared language, and how sure it must be.
_LANGID_MIN_CHARS = 400
_LANGID_OVERRULE_CONFIDENCE = 0.95
# 700 characters would halve the cost, but turned a Tagalog page that opens on an English quote
# into English (htmldate set): the first 1,500 it is
_LANGID_SAMPLE_CHARS = 1500
_LANGID_MIN_CHARS_TO_GUESS = 100

_EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
_FUTURE_SLACK = timedelta(days=1)  # a page in UTC+14 can carry tomorrow's date


# --------------------------------------------------------------------------- decoding

_HTML_MEDIA_TYPES = {"text/html", "application/xhtml+xml"}
_MAYBE_HTML_MEDIA_TYPES = {
    "",
    "text/plain",
    "text/xml",
    "application/xml",
    "application/octet-stream",
    "binary/octet-stream",
}
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"ID3",
    b"OggS",
    b"\x00\x00\x00",
    b"\xd0\xcf\x11\xe0",  # old MS Office
    b"wOFF",
    b"BZh",
    b"7z\xbc\xaf",
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""",
    re.I,
)
_HTML_MARKERS = re.compile(
    r"<!doctype\s+html|<html|<head|<body|<meta|<title|<article|<div|<p[\s>]", re.I
)
# WHATWG Encoding: browsers decode these labels as the superset on the right; a UTF-16/32
# label without a byte order mark is a mistake in an ASCII-compatible page.
_WHATWG_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
    "utf-32": "utf-8",
    "utf-32-le": "utf-8",
    "utf-32-be": "utf-8",
}


def media_type(content_type: str | None) -> str:
    """``"text/html; charset=utf-8"`` → ``"text/html"`` (lower case, "" when absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _codec_name(label: bytes | str | None) -> str | None:
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    return _WHATWG_SUPERSETS.get(name, name)


def declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    """Charsets the response declares, strongest first: BOM, Content-Type, then <meta>."""
    found: list[str] = []
    for bom, name in _BOMS:
        if body.startswith(bom):
            found.append(name)
            break
    if content_type:
        match = _CHARSET_PARAM.search(content_type.encode("latin-1", "ignore"))
        if match and (name := _codec_name(match.group(1))):
            found.append(name)
    match = _META_CHARSET.search(body[:4096])
    if match and (name := _codec_name(match.group(1) or match.group(2))):
        found.append(name)
    return list(dict.fromkeys(found))


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode a response body: BOM, Content-Type charset, <meta> charset, UTF-8, detection.

    A single-byte Latin declaration on a body that is valid non-ASCII UTF-8 loses to
    UTF-8: servers often send ``ISO-8859-1`` as a default, while valid multi-byte UTF-8
    sequences practically never occur in real windows-1252 text."""
    for name in declared_charsets(body, content_type):
        if name in {"cp1252", "iso8859-15"} and not body.isascii() and _is_utf8(body):
            return body.decode("utf-8")
        try:
            return body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    # trafilatura's own path: UTF-8, then charset_normalizer, then UTF-8 with replacement.
    return decode_file(body)


def _looks_binary(body: bytes) -> bool:
    head = body[:1024]
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    return head.startswith(_BINARY_MAGIC) or b"\x00" in head


def _not_html(body: bytes, content_type: str | None, text_head: str) -> bool:
    """True for responses that cannot be an HTML article: images, PDFs, JSON, plain text
    (whatever the Content-Type claims: servers mislabel both ways)."""
    kind = media_type(content_type)
    if kind not in _HTML_MEDIA_TYPES | _MAYBE_HTML_MEDIA_TYPES and not kind.endswith("+xml"):
        return True
    return _looks_binary(body) or not _HTML_MARKERS.search(text_head)


# trafilatura's parser settings plus huge_tree: without it libxml2 silently drops everything
# nested deeper than 255 elements, a depth that pages full of unclosed tags reach.
_HTML_PARSER = HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
    huge_tree=True,
)


def parse_html(markup: str) -> HtmlElement | None:
    """An lxml tree as ``trafilatura.load_html`` builds it (same repairs, same rejection of
    non-HTML), with deep trees allowed. None when the markup is not an HTML document."""
    beginning = markup[:50].lower()
    markup = repair_faulty_html(markup, beginning)
    try:
        tree = fromstring(markup, parser=_HTML_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported"
        tree = fromstring(markup.encode("utf-8", "surrogatepass"), parser=_HTML_PARSER)
    if tree is None or (is_dubious_html(beginning) and len(tree) < 2):
        return None
    return tree


# ------------------------------------------------------------------- page metadata

_ARTICLE_TYPES = re.compile(r"(Article|BlogPosting|Report)$", re.I)
_PUBLISHED_META = (
    # (attribute, value): first non-empty plausible wins, in this order
    ("property", "article:published_time"),
    ("property", "og:article:published_time"),
    ("itemprop", "datePublished"),
    ("name", "article:published_time"),
    ("name", "pubdate"),
    ("name", "publishdate"),
    ("name", "publish-date"),
    ("name", "parsely-pub-date"),
    ("name", "sailthru.date"),
    ("name", "dc.date.issued"),
    ("name", "dcterms.issued"),
    ("name", "dc.date"),
    ("name", "dcterms.created"),
    ("name", "date"),
)

_AUTHOR_META = (
    ("name", "author"),
    ("property", "article:author"),
    ("name", "article:author"),
    ("name", "parsely-author"),
    ("name", "sailthru.author"),
    ("name", "byl"),
    ("name", "dc.creator"),
    ("name", "dcterms.creator"),
    ("property", "author"),
)


@dataclass
class _PageMetadata:
    """What the page's own markup says about itself (before trafilatura)."""

    og_title: str | None = None
    headline: str | None = None  # JSON-LD
    published: list[str] = dataclasses.field(default_factory=list)  # raw strings, best first
    # timestamps that may carry the publisher's UTC offset (<time datetime>, local-time meta):
    # evidence for the local day only, never a publication date of their own
    local_hints: list[str] = dataclasses.field(default_factory=list)
    time_published: bool = False
    authors: list[str] = dataclasses.field(default_factory=list)  # JSON-LD people
    meta_authors: list[str] = dataclasses.field(default_factory=list)  # <meta name=author> ...
    og_site_name: str | None = None
    publisher: str | None = None  # JSON-LD publisher.name
    language: str | None = None  # declared


class _MetaTags:
    """The page's <meta> tags by (attribute, lower-cased value), read in one pass."""

    _ATTRIBUTES = ("property", "name", "itemprop", "http-equiv")

    def __init__(self, tree: HtmlElement) -> None:
        self._content: dict[tuple[str, str], str] = {}
        for elem in tree.iter("meta"):
            content = (elem.get("content") or "").strip()
            if not content:
                continue
            for attribute in self._ATTRIBUTES:
                value = elem.get(attribute)
                if value:
                    # case varies in the wild: Name="Date", "DC.date"
                    self._content.setdefault((attribute, value.strip().lower()), content)

    def get(self, attribute: str, value: str) -> str | None:
        return self._content.get((attribute, value.lower()))


def _walk_json(node: Any, depth: int = 0) -> Iterator[dict]:
    if depth > 8:
        return
    if isinstance(node, dict):
        yield node
        for child in node.values():
            if isinstance(child, dict | list):
                yield from _walk_json(child, depth + 1)
    elif isinstance(node, list):
        for child in node:
            yield from _walk_json(child, depth + 1)


def _json_types(node: dict) -> list[str]:
    kind = node.get("@type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    return []


def _json_names(value: Any, skip_organizations: bool) -> list[str]:
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            if skip_organizations and any(t.endswith("Organization") for t in _json_types(item)):
                continue
            name = item.get("name")
            if isinstance(name, str):
                names.append(name)
            elif isinstance(name, list):
                names.extend(n for n in name if isinstance(n, str))
    return [n.strip() for n in names if n and n.strip()]


def _read_json_ld(tree: HtmlElement, meta: _PageMetadata) -> None:
    article: dict | None = None
    dated: dict | None = None
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        if not script.text or not script.text.strip():
            continue
        try:
            data = json.loads(script.text, strict=False)
        except ValueError:  # broken JSON-LD is common; trafilatura has its own fallback
            continue
        for node in _walk_json(data):
            if article is None and any(_ARTICLE_TYPES.search(t) for t in _json_types(node)):
                article = node
            if dated is None and isinstance(node.get("datePublished"), str):
                dated = node
    if article is not None:
        headline = article.get("headline") or article.get("name")
        if isinstance(headline, str) and headline.strip():
            meta.headline = headline
        meta.authors = _json_names(article.get("author"), skip_organizations=True)
        publisher = _json_names(article.get("publisher"), skip_organizations=False)
        meta.publisher = publisher[0] if publisher else None
    for node in (article, dated):
        if node is not None and isinstance(node.get("datePublished"), str):
            meta.published.append(node["datePublished"])


def _normalize_language(tag: str | None) -> str | None:
    """``en-US`` / ``fr_FR`` / ``ar`` → ``en`` / ``fr`` / ``ar``; junk → None."""
    if not tag:
        return None
    primary = re.split(r"[-_\s,;]", tag.strip().lower(), maxsplit=1)[0]
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _read_page_metadata(tree: HtmlElement) -> _PageMetadata:
    meta = _PageMetadata()
    tags = _MetaTags(tree)
    meta.og_title = tags.get("property", "og:title")
    meta.og_site_name = tags.get("property", "og:site_name")
    try:
        _read_json_ld(tree, meta)
    except (TypeError, AttributeError, RecursionError):  # odd JSON shapes: ignore, not fatal
        logger.debug("unreadable JSON-LD", exc_info=True)
    for attribute, value in _PUBLISHED_META:
        content = tags.get(attribute, value)
        if content:
            meta.published.append(content)
    for attribute, value in _AUTHOR_META:
        content = tags.get(attribute, value)
        if content and not content.startswith(("http:", "https:", "/")):
            meta.meta_authors.extend(re.split(r"\s*[;|]\s*|\s+and\s+", content))
            break
    for number, elem in enumerate(tree.iter("time")):
        stamp = (elem.get("datetime") or "").strip()
        if not stamp:
            continue
        if elem.get("itemprop", "").strip() == "datePublished" and not meta.time_published:
            meta.published.append(stamp)
            meta.time_published = True
        # naive ones may be another story's time, in any zone; so may those far down the page
        if number < _MAX_TIME_HINTS and _HAS_OFFSET.search(stamp):
            meta.local_hints.append(stamp)
    for value in _LOCAL_TIME_META:
        content = tags.get("name", value)
        if content:
            meta.local_hints.append(content)
    root = tree.getroottree().getroot()
    meta.language = (
        _normalize_language(
            root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
        )
        or _normalize_language(tags.get("http-equiv", "content-language"))
        or _normalize_language(tags.get("property", "og:locale"))
    )
    return meta


# ---------------------------------------------------------------------- dates


def _as_utc(moment: datetime) -> datetime:
    # Naive timestamps are read as UTC: the least wrong guess for an instant.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _plausible(moment: datetime | None, fetched_at: datetime) -> datetime | None:
    """The moment, if it could be a publication time of a page fetched at ``fetched_at``."""
    if moment is None:
        return None
    if _EARLIEST_PLAUSIBLE <= _as_utc(moment) <= fetched_at + _FUTURE_SLACK:
        return moment
    return None


def _fetched_at(page: Page) -> datetime:
    return _as_utc(page.record.started_at)


_URL_DATE = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12][0-9]|3[01])(?![0-9])"
)


_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
# /2023/dec/21/ (PolitiFact), /2023/12/231213112457.htm (press-release sites: YYMMDD + a counter)
_URL_DATE_MONTH_NAME = re.compile(
    r"/((?:19|20)[0-9]{2})/(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)/([0-3]?[0-9])(?=/)", re.I)
_URL_DATE_SHORT = re.compile(r"/((?:19|20)([0-9]{2}))/(0[1-9]|1[0-2])/\2\3([0-3][0-9])[0-9]*(?=[./-]|$)")


def url_date(url: str | None) -> date | None:
    """A full date in a URL path (``/2023/12/22/``, ``-2023-12-22``, ``/20231222/``,
    ``/2023/dec/21/``, ``/2023/12/231213...``)."""
    path = urlsplit(url).path if url else ""
    candidates = [(int(m[1]), int(m[3]), int(m[4])) for m in _URL_DATE.finditer(path)]
    candidates += [(int(m[1]), _MONTHS[m[2][:3].lower()], int(m[3])) for m in _URL_DATE_MONTH_NAME.finditer(path)]
    candidates += [(int(m[1]), int(m[3]), int(m[4])) for m in _URL_DATE_SHORT.finditer(path)]
    for year, month, day in candidates:
        try:
            return date(year, month, day)
        except ValueError:  # 2023/02/30
            continue
    return None


_HAS_OFFSET = re.compile(r"(?:[+-]\d\d:?\d\d|Z)$")
_MAX_TIME_HINTS = 20  # the article's own <time> comes early; lists of related stories later
# meta tags some publishers fill with the local (offset-less) publication time
_LOCAL_TIME_META = ("cxenseparse:recs:publishtime", "article.published", "publish_date_local")


def _same_instant_hints(published: datetime, hints: Sequence[datetime]) -> list[datetime]:
    """Hints that name the instant of ``published`` (to the minute) in another offset, or
    naive hints within 14 hours of it (a local wall-clock time)."""
    when = _as_utc(published)
    same = []
    for moment in hints:
        if moment.utcoffset() is None:
            if moment.time() != datetime.min.time():  # a bare date says nothing of the offset
                same.append(moment)
        elif abs(_as_utc(moment) - when) <= timedelta(minutes=1) and moment.utcoffset() != timedelta(0):
            same.append(moment)
    return same


def _local_day(published: datetime, structured: Sequence[datetime], page_url: str | None) -> date:
    """The publisher's calendar day of ``published``. Relative dates in the text ("on
    Wednesday") count from this day, which differs from the UTC day for stories published
    near midnight. Evidence, strongest first: a date in the URL one day or less from the
    UTC day; the UTC offset of the page's own timestamp (a non-zero offset, or none at
    all: a naive timestamp is local time); the zone of the site's country-code domain; the
    UTC day."""
    utc_day = _as_utc(published).date()
    in_url = url_date(page_url)
    if in_url is not None and abs((in_url - utc_day).days) <= 1:
        return in_url
    if published.tzinfo is not None and published.utcoffset() != timedelta(0):
        return published.date()
    for moment in structured:
        offset = moment.utcoffset()
        if offset is None:
            if abs(moment.replace(tzinfo=UTC) - _as_utc(published)) <= timedelta(hours=14):
                return moment.date()
        elif offset != timedelta(0):
            return _as_utc(published).astimezone(moment.tzinfo).date()
    zone = site_zone(page_url)
    if zone is not None and _as_utc(published).time() != datetime.min.time():  # a time of day, not a bare day
        return _as_utc(published).astimezone(zone).date()
    return utc_day


# A national site's country-code domain, when nothing in the page gives its UTC offset: the
# time zone of the capital (one zone per country; the big multi-zone ones by where their press is).
_TLD_ZONES = {
    "ae": "Asia/Dubai", "af": "Asia/Kabul", "at": "Europe/Vienna", "au": "Australia/Sydney",
    "bd": "Asia/Dhaka", "be": "Europe/Brussels", "br": "America/Sao_Paulo", "ca": "America/Toronto",
    "ch": "Europe/Zurich", "cn": "Asia/Shanghai", "cz": "Europe/Prague", "de": "Europe/Berlin",
    "dk": "Europe/Copenhagen", "eg": "Africa/Cairo", "es": "Europe/Madrid", "et": "Africa/Addis_Ababa",
    "fi": "Europe/Helsinki", "fr": "Europe/Paris", "gr": "Europe/Athens", "hk": "Asia/Hong_Kong",
    "id": "Asia/Jakarta", "ie": "Europe/Dublin", "il": "Asia/Jerusalem", "in": "Asia/Kolkata",
    "iq": "Asia/Baghdad", "ir": "Asia/Tehran", "it": "Europe/Rome", "jo": "Asia/Amman", "jp": "Asia/Tokyo",
    "ke": "Africa/Nairobi", "kr": "Asia/Seoul", "lb": "Asia/Beirut", "ly": "Africa/Tripoli",
    "ma": "Africa/Casablanca", "mx": "America/Mexico_City", "my": "Asia/Kuala_Lumpur", "ng": "Africa/Lagos",
    "nl": "Europe/Amsterdam", "no": "Europe/Oslo", "nz": "Pacific/Auckland", "ph": "Asia/Manila",
    "pk": "Asia/Karachi", "pl": "Europe/Warsaw", "ps": "Asia/Gaza", "pt": "Europe/Lisbon", "qa": "Asia/Qatar",
    "ro": "Europe/Bucharest", "ru": "Europe/Moscow", "sa": "Asia/Riyadh", "sd": "Africa/Khartoum",
    "se": "Europe/Stockholm", "sg": "Asia/Singapore", "so": "Africa/Mogadishu", "sy": "Asia/Damascus",
    "th": "Asia/Bangkok", "tr": "Europe/Istanbul", "tw": "Asia/Taipei", "ua": "Europe/Kyiv",
    "uk": "Europe/London", "vn": "Asia/Ho_Chi_Minh", "ye": "Asia/Aden", "za": "Africa/Johannesburg",
}


def site_zone(page_url: str | None) -> ZoneInfo | None:
    """The time zone of a national site's country-code domain, if we know one."""
    host = (urlsplit(page_url).hostname or "") if page_url else ""
    name = _TLD_ZONES.get(host.rsplit(".", 1)[-1])
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):  # no tz database: the UTC day stands
        return None


# ---------------------------------------------------------------------- titles

_TITLE_SEPARATOR = re.compile(r"\s+(?:[|\-–—~·•»«/]|::|\|\|)\s+|\s*｜\s*")
_TITLE_PREFIX = re.compile(r"^([^:]{2,60}?)\s*:\s+(\S.*)$")
_SPACE = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[\W_]+")
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "go", "or", "ne", "gob", "nic"}
_HOST_NOISE = {"www", "m", "amp", "mobile", "edition", "english", "en", "ar", "fr", "news"}
_MAX_SITE_WORDS = 6


def _key(text: str) -> str:
    key = _NON_ALNUM.sub("", text.casefold())
    return key[3:] if key.startswith("the") and len(key) > 6 else key


def site_name_keys(site_names: Sequence[str | None], url: str | None) -> set[str]:
    """Normalized names a publisher may append to its titles: its names and its domain."""
    keys = {k for name in site_names if name and (k := _key(name))}
    host = (urlsplit(url).hostname or "") if url else ""
    labels = [label for label in host.lower().split(".") if label]
    if len(labels) >= 2:
        labels = labels[:-1]  # top-level domain
        if len(labels) >= 2 and labels[-1] in _SECOND_LEVEL:
            labels = labels[:-1]
        brand = labels[-1]
        if brand not in _HOST_NOISE:
            keys.add(_key(brand))
        keys.add(_key(host.removeprefix("www.")))
    return {k for k in keys if len(k) >= 2}


def _is_site_name(segment: str, keys: set[str]) -> bool:
    if len(segment.split()) > _MAX_SITE_WORDS:
        return False
    key = _key(segment)
    if not key:
        return False
    for site in keys:
        if key == site:
            return True
        # "BBC News" ~ bbc, "The Washington Post" ~ "Washington Post"
        if (len(site) >= 3 and key.startswith(site)) or (len(key) >= 5 and key in site):
            return True
    return False


def clean_title(
    title: str | None, site_names: Sequence[str | None] = (), url: str | None = None
) -> str | None:
    """Strip a site name from a title: ``"Blast kills 5 | Tigris Daily"`` → ``"Blast kills 5"``.

    Only segments that match the publisher (its declared names or its domain) are
    removed, at either end and repeatedly ("Title - Section | Site" keeps "Section"
    unless it names the site); the title is never reduced to nothing."""
    if not title:
        return None
    text = _SPACE.sub(" ", html_lib.unescape(title)).strip()
    if not text:
        return None
    keys = site_name_keys(site_names, url)
    if not keys:
        return text
    while True:
        separators = list(_TITLE_SEPARATOR.finditer(text))
        if not separators:
            break
        last, first = separators[-1], separators[0]
        if _is_site_name(text[last.end() :], keys) and text[: last.start()].strip():
            text = text[: last.start()].strip()
        elif _is_site_name(text[: first.start()], keys) and text[first.end() :].strip():
            text = text[first.end() :].strip()
        else:
            break
    prefix = _TITLE_PREFIX.match(text)
    if prefix and _is_site_name(prefix.group(1), keys):
        text = prefix.group(2).strip()
    return text or None


# ---------------------------------------------------------------------- authors

_BYLINE_PREFIX = re.compile(r"^\s*(?:by|par|por|von|written by)\s+", re.I)


def _clean_authors(names: Sequence[str]) -> tuple[str, ...]:
    cleaned: dict[str, str] = {}
    for raw in names:
        name = _SPACE.sub(" ", _BYLINE_PREFIX.sub("", html_lib.unescape(raw))).strip(" ,;|")
        if not name or len(name) > 80 or "http" in name or "@" in name:
            continue
        cleaned.setdefault(name.casefold(), name)
    return tuple(cleaned.values())


# ---------------------------------------------------------------------- language


@cache
def _language_identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify_language(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) from py3langid, offline; (None, 0.0) for no text."""
    sample = text[:_LANGID_SAMPLE_CHARS].strip()
    if not sample:
        return None, 0.0
    code, probability = _language_identifier().classify(sample)
    return (None, 0.0) if code == "und" else (code, float(probability))


def _choose_language(declared: str | None, text: str) -> str | None:
    if len(text) < _LANGID_MIN_CHARS_TO_GUESS:  # a few words: guesses are noise ("kik")
        return declared
    detected, probability = identify_language(text)
    if declared is None:
        return detected
    # Templates often declare the site's main language on pages in another one.
    if (
        detected
        and detected != declared
        and len(text) >= _LANGID_MIN_CHARS
        and probability >= _LANGID_OVERRULE_CONFIDENCE
    ):
        return detected
    return declared


# ---------------------------------------------------------------------- extraction


def _first(*values: str | None) -> str | None:
    for value in values:
        if value and value.strip():
            return value.strip()
    return None


@dataclass(frozen=True)
class _Metadata:
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None  # UTC
    published_local_date: date | None = None
    language: str | None = None
    site_name: str | None = None


def _feed_metadata(page: Page) -> _Metadata:
    """What the feed item alone says: all we have when the page cannot be read."""
    published = _plausible(page.item.published, _fetched_at(page))
    return _Metadata(
        title=clean_title(page.item.title, (), page.final_url),
        authors=_clean_authors(page.item.authors),
        published=_as_utc(published) if published else None,
        published_local_date=_local_day(published, (), page.final_url) if published else None,
    )


def _skipped(
    page: Page, reason: str, country_hint: str | None, meta: _Metadata | None = None
) -> Article:
    return _article(page, meta or _feed_metadata(page), "", country_hint, reason)


def _article(page: Page, meta: _Metadata, text: str, country_hint: str | None, skip_reason: str | None) -> Article:
    return Article(
        url=page.item.url,
        feed_name=page.item.feed_name,
        title=meta.title,
        authors=meta.authors,
        published=meta.published,
        language=meta.language,
        text=text,
        site_name=meta.site_name,
        extractor_version=EXTRACTOR_VERSION,
        html=page.body,
        country_hint=country_hint,
        skip_reason=skip_reason,
        published_local_date=meta.published_local_date,
        content_type=page.content_type,
    )


# Never article text, and trafilatura deletes them all (settings.MANUALLY_CLEANED), but only
# after copying the tree three or four times: dropped first, its extraction takes 1-2 ms a page
# less, same output on the gold sets. JSON-LD stays (trafilatura detects forums by it).
_INERT_TAGS = ("script", "style", "noscript", "svg", "iframe", "object", "embed", "link",
               "select", "button", "input", "textarea")


def _drop_inert_elements(tree: HtmlElement) -> None:
    for element in list(tree.iter(*_INERT_TAGS)):
        if element.tag == "script" and (element.get("type") or "").strip().lower() == "application/ld+json":
            continue
        if element.getparent() is not None:
            element.drop_tree()  # keeps the tail text


def _extract_text(tree: HtmlElement, page: Page) -> str:
    document = trafilatura.bare_extraction(
        tree,
        url=page.final_url,
        with_metadata=False,  # ours is better and cheaper (see _resolve_metadata)
        favor_precision=True,  # news: less boilerplate; also the better F1 on the Zyte set
        include_comments=False,
        include_tables=True,
        deduplicate=False,  # its dedup cache is process-global: same page, different result
    )
    return (document.text or "").strip() if document is not None else ""


def _htmldate(tree: HtmlElement, page: Page) -> datetime | None:
    """htmldate's publication day (URL, markup, then visible text) as 00:00 UTC."""
    # Its default upper bound is "today": the fetch day keeps re-extraction stable.
    latest = (_fetched_at(page) + _FUTURE_SLACK).date().isoformat()
    found = find_date(
        tree,
        url=page.final_url,
        original_date=True,
        extensive_search=True,
        max_date=latest,
    )
    if not found:
        return None
    day = date.fromisoformat(found)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _quietly(helper: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A metadata helper's answer, or None if it fails: a bug in a date or title heuristic
    must not cost the page its text."""
    try:
        return helper(*args, **kwargs)
    except Exception:
        logger.debug("%s failed", getattr(helper, "__name__", helper), exc_info=True)
        return None


def _resolve_metadata(tree: HtmlElement, page: Page) -> _Metadata:
    """Combine the feed item, the page's markup and trafilatura's helpers (precedence in
    the module docstring). The costly helpers (htmldate) run only when needed. The language
    is the declared one: ``_choose_language`` checks it against the text once extracted."""
    page_meta = _read_page_metadata(tree)
    fetched_at = _fetched_at(page)
    url = page.final_url

    site_name = _first(page_meta.og_site_name, page_meta.publisher) or _first(
        _quietly(extract_sitename, tree)
    )
    names = (site_name, page_meta.og_site_name, page_meta.publisher)

    def title_candidates() -> Iterator[str | None]:
        yield page.item.title
        yield _visible_headline(tree, names, url)
        yield page_meta.og_title
        yield page_meta.headline
        yield _quietly(extract_title, tree)

    title = next(
        (cleaned for raw in title_candidates() if (cleaned := clean_title(raw, names, url))),
        None,
    )
    authors = (
        _clean_authors(page.item.authors)
        or _clean_authors(page_meta.authors)
        or _clean_authors(page_meta.meta_authors)
    )

    structured = [
        moment
        for raw in page_meta.published
        if (moment := _plausible(parse_timestamp(raw), fetched_at)) is not None
    ]
    hints = [moment for raw in page_meta.local_hints if (moment := parse_timestamp(raw)) is not None]
    published = _plausible(page.item.published, fetched_at)
    if published is None and structured:
        published = structured[0]
    if published is None and (in_url := url_date(url)) is not None:
        # a full date in the URL is the publisher's own; htmldate reads fewer URL forms
        published = _plausible(datetime(in_url.year, in_url.month, in_url.day, tzinfo=UTC), fetched_at)
    if published is None:
        published = _plausible(_quietly(_htmldate, tree, page), fetched_at)

    return _Metadata(
        title=title,
        authors=authors,
        published=_as_utc(published) if published else None,
        published_local_date=_local_day(published, [*structured, *_same_instant_hints(published, hints)], url)
        if published else None,
        language=page_meta.language,
        site_name=site_name,
    )


def _visible_headline(
    tree: HtmlElement, names: Sequence[str | None], url: str | None
) -> str | None:
    """The page's one <h1>, unless it is the site's logo or a label."""
    headings = tree.findall(".//h1")
    if len(headings) != 1:
        return None
    text = _SPACE.sub(" ", headings[0].text_content()).strip()
    if len(text.split()) < 3 or _is_site_name(text, site_name_keys(names, url)):
        return None
    return text


def extract_article(page: Page, settings: Settings, country_hint: str | None = None) -> Article:
    """Text and metadata of one fetched page; a page without usable text gets a skip_reason.

    Never raises for a bad page. Deterministic: the same page gives the same Article."""
    body = page.body or b""
    if not body.strip():
        return _skipped(page, SKIP_EMPTY, country_hint)
    if _looks_binary(body):
        return _skipped(page, SKIP_NOT_HTML, country_hint)
    try:
        markup = decode_html(body, page.content_type)
    except Exception:  # decoding must not sink the batch; record it
        logger.warning("cannot decode %s", page.final_url, exc_info=True)
        return _skipped(page, SKIP_PARSER_ERROR, country_hint)
    if _not_html(body, page.content_type, markup[:65536]):
        return _skipped(page, SKIP_NOT_HTML, country_hint)

    try:
        tree = parse_html(markup)
    except Exception:
        logger.warning("lxml could not parse %s", page.final_url, exc_info=True)
        tree = None
    if tree is None:
        return _skipped(page, SKIP_PARSER_ERROR, country_hint)

    try:
        meta = _resolve_metadata(tree, page)  # first: it reads scripts (JSON-LD) and the head
        _drop_inert_elements(tree)
        text = _extract_text(tree, page)
        meta = dataclasses.replace(meta, language=_choose_language(meta.language, text))
    except Exception:  # trafilatura/htmldate bugs on odd pages: a counted skip, not a crash
        logger.warning("extractor failed on %s", page.final_url, exc_info=True)
        return _skipped(page, SKIP_PARSER_ERROR, country_hint)

    if not text:
        return _skipped(page, SKIP_EMPTY, country_hint, meta)
    if len(text) < settings.min_text_chars:
        return _skipped(page, SKIP_TOO_SHORT, country_hint, meta)
    return _article(page, meta, text, country_hint, None)


# ------------------------------------------------------------------ time limits

ExtractFunction = Callable[[Page, Settings, str | None], Article]


class _TimeLimitExceeded(BaseException):
    """Raised by SIGALRM inside an extraction. A BaseException so that the libraries'
    ``except Exception`` blocks cannot swallow it."""


def _alarm_usable() -> bool:
    """SIGALRM works only in the main thread, and must not clobber someone else's timer."""
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )


def _on_alarm(signum: int, frame: Any) -> None:
    raise _TimeLimitExceeded


def extract_with_time_limit(
    extract: ExtractFunction,
    page: Page,
    settings: Settings,
    country_hint: str | None,
) -> Article:
    """``extract(page, ...)``, or a ``timeout`` skip after ``settings.extraction_timeout``.

    Uses SIGALRM, which interrupts Python code but not a long call inside C; callers that
    must never hang run this in a worker process they can kill (``extract_articles``).
    Without a usable alarm (not the main thread) it runs without a limit."""
    seconds = settings.extraction_timeout
    if seconds <= 0 or not _alarm_usable():
        return extract(page, settings, country_hint)
    try:
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            return extract(page, settings, country_hint)
        finally:
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
            finally:
                signal.signal(signal.SIGALRM, previous)
    except _TimeLimitExceeded:
        logger.warning("extraction of %s exceeded %.1f s", page.final_url, seconds)
        return _skipped(page, SKIP_TIMEOUT, country_hint)


def _hard_limit(seconds: float) -> float:
    """When the parent kills a worker: the in-worker alarm had its chance and failed."""
    return seconds * 1.5 + 1.0


# ------------------------------------------------------------------ worker pool

_WORKER_START_TIMEOUT = 120.0  # a fresh interpreter importing lxml/trafilatura; generous
_READY = "ready"


def _resident_mb() -> float:
    """This process's resident memory now (Linux), else its peak: what a worker reports
    after each page so that the parent can replace it once a huge page has bloated it."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_main(conn: Connection, extract: ExtractFunction) -> None:
    """Worker process: receive (index, page, settings, hint), send back
    (index, article or error text, resident MB)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    _language_identifier()  # load the model before the first page's clock starts
    conn.send((_READY, None, 0.0))  # judged on memory only after a page: no respawn loop
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, page, settings, country_hint = task
        try:
            article = extract_with_time_limit(extract, page, settings, country_hint)
            # the parent already has the raw bytes: do not ship them back
            result: Article | str = dataclasses.replace(article, html=b"")
        except Exception as exc:  # an injected extract function may raise
            result = f"{type(exc).__name__}: {exc}"
        conn.send((index, result, _resident_mb()))


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    spawned_at: float
    ready: bool = False
    task: int | None = None
    task_started_at: float = 0.0
    resident_mb: float = 0.0

    @property
    def idle(self) -> bool:
        return self.ready and self.task is None


class _WorkerPool:
    """Worker processes fed one page at a time, so that a page over its time limit costs
    one worker (killed and replaced), not the whole pool or the other pages in flight.
    (concurrent.futures cannot kill one worker: its pool breaks and fails every future.)"""

    def __init__(self, size: int, extract: ExtractFunction, *, persistent: bool = False) -> None:
        self._context = multiprocessing.get_context("spawn")  # fork is unsafe with threads
        self.size = size
        self.extract = extract
        self.persistent = persistent  # kept between calls: replace lost workers right away
        self.owner_pid = os.getpid()
        self.workers: list[_Worker] = [self._spawn() for _ in range(size)]

    def top_up(self) -> None:
        while len(self.workers) < self.size:
            self.workers.append(self._spawn())

    def fits(self, size: int, extract: ExtractFunction) -> bool:
        return (
            self.size == size
            and self.extract is extract
            and self.owner_pid == os.getpid()  # not a pool inherited through fork()
            and bool(self.workers)
        )

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main,
            args=(child_end, self.extract),
            name="newsevents-extract",
            daemon=True,
        )
        process.start()
        child_end.close()
        return _Worker(process=process, conn=parent_end, spawned_at=time.monotonic())

    def retire(self, worker: _Worker, *, respawn: bool, graceful: bool = False) -> None:
        """Stop one worker (politely if ``graceful``, else kill it) and maybe replace it."""
        if graceful and worker.process.is_alive():
            try:
                worker.conn.send(None)
                worker.process.join(timeout=2.0)
            except OSError:
                pass
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5.0)
        worker.conn.close()
        if respawn:
            self.workers[self.workers.index(worker)] = self._spawn()
        else:
            self.workers.remove(worker)

    def close(self) -> None:
        for worker in self.workers:
            if worker.idle and worker.process.is_alive():
                try:
                    worker.conn.send(None)
                    continue
                except OSError:
                    pass
            worker.process.kill()  # busy or still starting: nothing worth waiting for
        deadline = time.monotonic() + 2.0
        for worker in self.workers:
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5.0)
            worker.conn.close()
        self.workers = []


class _PoolRun:
    """One ``extract_articles`` call over a ``_WorkerPool``: hand out pages, collect
    results, enforce the hard time limit, replace dead workers."""

    def __init__(
        self,
        pages: Sequence[Page],
        hints: Sequence[str | None],
        settings: Settings,
        pool: _WorkerPool,
    ) -> None:
        self.pages, self.hints, self.settings, self.pool = pages, hints, settings, pool
        self.results: list[Article | None] = [None] * len(pages)
        self.queue = deque(range(len(pages)))
        timeout = settings.extraction_timeout
        self.hard_limit = _hard_limit(timeout) if timeout > 0 else math.inf

    def run(self) -> list[Article]:
        while self.queue or any(w.task is not None for w in self.pool.workers):
            self._dispatch()
            handles: list[Any] = [w.conn for w in self.pool.workers]
            handles += [w.process.sentinel for w in self.pool.workers]
            wait(handles, self._seconds_to_next_deadline())
            for worker in list(self.pool.workers):
                self._collect(worker)
            self._enforce_deadlines()
        return [
            _with_html(article, page)
            for article, page in zip(self.results, self.pages, strict=True)
        ]

    def _dispatch(self) -> None:
        for worker in list(self.pool.workers):
            if worker.idle and self.queue:
                index = self.queue.popleft()
                try:
                    worker.conn.send((index, self.pages[index], self.settings, self.hints[index]))
                except OSError:  # died while idle (between two calls on the shared pool)
                    self.queue.appendleft(index)
                    self.pool.retire(worker, respawn=True)
                    continue
                worker.task, worker.task_started_at = index, time.monotonic()

    def _seconds_to_next_deadline(self) -> float | None:
        deadlines = [
            w.task_started_at + self.hard_limit if w.ready else w.spawned_at + _WORKER_START_TIMEOUT
            for w in self.pool.workers
            if w.task is not None or not w.ready
        ]
        if not deadlines or math.isinf(min(deadlines)):
            return None
        return max(0.0, min(deadlines) - time.monotonic())

    def _need_replacement(self) -> bool:
        return bool(self.queue) or self.pool.persistent

    def _finish(self, worker: _Worker, article: Article) -> None:
        assert worker.task is not None
        self.results[worker.task] = article
        worker.task = None

    def _skip(self, index: int, reason: str) -> Article:
        return _skipped(self.pages[index], reason, self.hints[index])

    def _collect(self, worker: _Worker) -> None:
        """Read what one worker has sent; replace it if it died or served its quota."""
        try:
            while worker.conn.poll():
                tag, payload, worker.resident_mb = worker.conn.recv()
                if tag == _READY:
                    worker.ready = True
                elif isinstance(payload, Article):
                    self._finish(worker, payload)
                else:
                    logger.warning(
                        "extraction of %s failed: %s", self.pages[tag].final_url, payload
                    )
                    self._finish(worker, self._skip(tag, SKIP_PARSER_ERROR))
        except (EOFError, OSError):
            pass  # the process is gone: handled below
        if worker.process.is_alive():
            # Memory, not a page count: lxml keeps what a huge page made it allocate, while
            # a worker on ordinary pages stays flat (481 MB after 3,500 corpus pages), and
            # a replacement costs about a second of a core.
            if worker.idle and worker.resident_mb > self.settings.extraction_worker_max_mb:
                self.pool.retire(worker, respawn=self._need_replacement(), graceful=True)
            return
        if not worker.ready:
            raise TerminalError(
                f"extraction worker exited with code {worker.process.exitcode} before starting"
            )
        if worker.task is not None:
            logger.warning(
                "extraction worker died (exit code %s) on %s",
                worker.process.exitcode,
                self.pages[worker.task].final_url,
            )
            self._finish(worker, self._skip(worker.task, SKIP_PARSER_ERROR))
        self.pool.retire(worker, respawn=self._need_replacement())

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        for worker in list(self.pool.workers):
            if worker.task is not None and now - worker.task_started_at > self.hard_limit:
                logger.warning(
                    "extraction of %s hung past %.1f s: killing its worker",
                    self.pages[worker.task].final_url,
                    self.hard_limit,
                )
                self._finish(worker, self._skip(worker.task, SKIP_TIMEOUT))
                self.pool.retire(worker, respawn=self._need_replacement())
            elif not worker.ready and now - worker.spawned_at > _WORKER_START_TIMEOUT:
                raise TerminalError(
                    f"extraction worker did not start within {_WORKER_START_TIMEOUT:.0f} s"
                )


def _with_html(article: Article | None, page: Page) -> Article:
    if article is None:  # the run loop fills every index before it ends
        raise TerminalError(f"no extraction result for {page.final_url}")
    return article if article.html else dataclasses.replace(article, html=page.body)


def extract_articles(
    pages: Sequence[Page],
    settings: Settings,
    workers: int | None = None,
    *,
    country_hints: Mapping[str, str | None] | None = None,
    extract: ExtractFunction = extract_article,
) -> list[Article]:
    """Extract many pages in worker processes (``workers``, default one per CPU); results
    in input order, one Article per page.

    Each page gets ``settings.extraction_timeout`` seconds: past it, the page becomes a
    ``timeout`` skip (the worker is interrupted, and killed and replaced if it does not
    respond); a worker that dies costs only its page (``parser_error``). Workers start on
    the first call and are kept for the next ones (``shutdown_workers`` stops them).
    ``country_hints`` maps feed names to the ISO3 hint stored on each article. ``extract``
    is the per-page function (module level, so that workers can import it). Two pages or
    fewer run in this process, when it can enforce the time limit (main thread)."""
    pages = list(pages)
    if not pages:
        return []
    hints = [(country_hints or {}).get(page.item.feed_name) for page in pages]
    if len(pages) <= INLINE_MAX_PAGES and (settings.extraction_timeout <= 0 or _alarm_usable()):
        return [
            extract_with_time_limit(extract, page, settings, hint)
            for page, hint in zip(pages, hints, strict=True)
        ]
    with _pool_for(max(1, workers or os.cpu_count() or 1), len(pages), extract) as pool:
        return _PoolRun(pages, hints, settings, pool).run()


_shared_pool: _WorkerPool | None = None
_shared_pool_lock = threading.Lock()


@contextmanager
def _pool_for(size: int, n_pages: int, extract: ExtractFunction) -> Iterator[_WorkerPool]:
    """The process-wide pool, kept between calls: a fresh worker costs about a second
    (interpreter, imports, the language model), and flows call once per chunk of pages.
    A call made while another thread uses it gets a private pool for itself."""
    global _shared_pool
    if not _shared_pool_lock.acquire(blocking=False):
        private = _WorkerPool(min(size, n_pages), extract)
        try:
            yield private
        finally:
            private.close()
        return
    try:
        if _shared_pool is None or not _shared_pool.fits(size, extract):
            if _shared_pool is not None and _shared_pool.owner_pid == os.getpid():
                _shared_pool.close()
            _shared_pool = _WorkerPool(size, extract, persistent=True)
        _shared_pool.top_up()
        try:
            yield _shared_pool
        except BaseException:
            _shared_pool.close()  # workers may still be busy with this call's pages
            _shared_pool = None
            raise
    finally:
        _shared_pool_lock.release()


def shutdown_workers() -> None:
    """Stop the shared worker processes (also done at interpreter exit)."""
    global _shared_pool
    with _shared_pool_lock:
        if _shared_pool is not None and _shared_pool.owner_pid == os.getpid():
            _shared_pool.close()
        _shared_pool = None


atexit.register(shutdown_workers)
