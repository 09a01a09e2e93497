"""Records that cross between stages. Frozen dataclasses, no I/O, no behaviour beyond
small derived values. Datetimes are timezone-aware UTC; dates are ``datetime.date``."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime


def url_hash(url: str) -> str:
    """Natural key of an article: sha1 of its canonical URL (hex, 40 chars)."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FeedSource:
    """One entry of the feed registry (config/feeds.toml)."""

    name: str
    url: str
    country: str | None = None  # ISO3 hint for events from this feed
    language: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class FeedState:
    """What we remember about a feed between runs (conditional GET, backoff)."""

    feed_name: str
    etag: str | None = None
    last_modified: str | None = None
    consecutive_failures: int = 0
    next_poll_at: datetime | None = None
    last_success_at: datetime | None = None


@dataclass(frozen=True)
class FeedItem:
    """One normalized entry of a feed."""

    feed_name: str
    url: str  # canonical URL (tracking parameters and fragment removed, absolute)
    guid: str | None
    title: str | None
    published: datetime | None
    summary: str | None
    authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class FetchRecord:
    """One HTTP exchange (feed poll or article fetch), kept for ops."""

    kind: str  # "feed" | "article" | "robots"
    url: str
    feed_name: str | None
    started_at: datetime
    status: int | None
    n_bytes: int
    duration_ms: float
    outcome: str  # ok | not_modified | error | skipped | bozo
    reason: str | None = None


@dataclass(frozen=True)
class FeedPoll:
    """Result of polling one feed: the items and the record of how it went."""

    source: FeedSource
    record: FetchRecord
    items: tuple[FeedItem, ...] = ()
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Page:
    """An article page as fetched."""

    item: FeedItem
    final_url: str
    status: int
    content_type: str | None
    body: bytes
    record: FetchRecord


@dataclass(frozen=True)
class Article:
    """An extracted article, ready to tag and store."""

    url: str
    feed_name: str
    title: str | None
    authors: tuple[str, ...]
    published: datetime | None
    language: str | None
    text: str
    site_name: str | None
    extractor_version: str
    html: bytes = b""  # raw HTML, compressed by storage
    country_hint: str | None = None
    skip_reason: str | None = None  # set when no usable text (too_short, not_html, ...)
    # The publisher's calendar day of `published` (its own time zone when the page shows
    # it): relative dates in the text ("on Wednesday") count from this day, not the UTC day.
    published_local_date: date | None = None
    content_type: str | None = None  # the page's Content-Type header, for re-extraction

    @property
    def url_hash(self) -> str:
        return url_hash(self.url)


@dataclass(frozen=True)
class Event:
    """One event found in a document: the `newsevents tag --format jsonl` contract."""

    doc_id: str | None
    event_id: str
    event_type: str
    sub_event_type: str
    cameo_code: str | None = None
    quad_class: int | None = None
    actor1: str | None = None
    actor1_type: str | None = None
    actor1_country: str | None = None
    actor2: str | None = None
    actor2_type: str | None = None
    actor2_country: str | None = None
    country: str | None = None
    admin1: str | None = None
    admin1_code: str | None = None
    admin2: str | None = None
    location: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None
    geonames_id: int | None = None  # GeoNames id of the place, where the gazetteer knows it
    event_date: date | None = None
    date_precision: str | None = None  # day | week | month | year
    date_text: str | None = None
    fatalities: int | None = None
    fatalities_high: int | None = None
    injured: int | None = None
    historical: bool = False
    negated: bool = False
    hedged: bool = False
    evidence: str = ""
    char_start: int = 0
    char_end: int = 0
    confidence: float = 0.0
    rule_id: str = ""
    tagger_version: str = ""

    def to_json_dict(self) -> dict:
        out = asdict(self)
        out["event_date"] = self.event_date.isoformat() if self.event_date else None
        return out


EVENT_FIELDS: tuple[str, ...] = tuple(Event.__dataclass_fields__)


@dataclass(frozen=True)
class RunSummary:
    """Counts per stage for one ingest run (also stored as a row and a Prefect artifact)."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None = None
    feeds_polled: int = 0
    feeds_failed: int = 0
    items_seen: int = 0
    items_new: int = 0
    articles_fetched: int = 0
    articles_extracted: int = 0
    articles_skipped: int = 0
    events_found: int = 0
    skips_by_reason: dict[str, int] = field(default_factory=dict)
    per_feed: dict[str, dict[str, int]] = field(default_factory=dict)
    status: str = "running"
