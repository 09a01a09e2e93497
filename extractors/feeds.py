"""Feed polling: conditional GET, feedparser on bytes, normalized items, per-feed backoff.

``parse_feed`` is pure (bytes and headers in, items out); ``poll_feed``/``poll_feeds``/
``fetch_pages`` are the I/O edge and go through ``PoliteClient``, which never raises for a
per-URL problem, so one broken feed or page never stops the others.

Problems found while parsing are returned as one reason string, ``"; "``-joined parts of the
form ``code: detail``. Codes: ``empty_body``, ``not_a_feed``, ``bozo`` (malformed but maybe
usable), ``parser_error`` and ``no_link`` (``no_link: N items`` — items dropped because they
have no usable http(s) link; ``skipped_items(reason)`` reads the count back).
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import feedparser

from core.records import FeedItem, FeedPoll, FeedSource, FeedState, FetchRecord, Page
from extractors.http import PoliteClient
from extractors.timestamps import parse_timestamp
from extractors.urls import canonical_url

logger = logging.getLogger(__name__)

MAX_POLL_BACKOFF = timedelta(hours=24)  # a dead feed is still tried once a day
HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MAX_PROBLEM_CHARS = 300
# Parse problems after which a response with no items counts as a failed poll.
FAILURE_CODES = ("empty_body", "not_a_feed", "bozo", "parser_error")

_WHITESPACE = re.compile(r"\s+")
_NO_LINK = re.compile(r"(?:^|; )no_link: (\d+) items?")


# --- parsing (pure) ------------------------------------------------------------------------------


class _TextCollector(HTMLParser):
    """Text of an HTML fragment: tags dropped, block boundaries kept as spaces."""

    _SKIP = frozenset({"script", "style", "template", "noscript", "head"})
    _BLOCK = frozenset(
        {"p", "br", "div", "li", "ul", "ol", "tr", "td", "th", "table", "blockquote", "hr",
         "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "figure", "figcaption"}
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _collapse(text: str | None) -> str | None:
    if not text:
        return None
    return _WHITESPACE.sub(" ", text).strip() or None


def html_to_text(fragment: str | None) -> str | None:
    """Plain text of an HTML fragment, whitespace collapsed; None if nothing is left."""
    if not fragment:
        return None
    collector = _TextCollector()
    try:
        collector.feed(fragment)
        collector.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        return _collapse(fragment)
    return _collapse("".join(collector.parts))


def _text_field(entry: Mapping, name: str) -> str | None:
    value = entry.get(name)
    if not isinstance(value, str):
        return None
    detail = entry.get(f"{name}_detail") or {}
    if str(detail.get("type", "text/html")).lower() == "text/plain":
        return _collapse(value)
    return html_to_text(value)


def _published(entry: Mapping) -> datetime | None:
    # feedparser converts these to UTC; without a date we say so (never "now").
    for name in ("published", "updated"):
        parsed = entry.get(f"{name}_parsed")
        if parsed:
            try:
                moment = datetime(*parsed[:6], tzinfo=UTC)
            except (TypeError, ValueError, OverflowError):
                continue
            return _with_feed_offset(moment, entry.get(name))
    return None


def _with_feed_offset(moment: datetime, raw: object) -> datetime:
    """The same instant in the offset the feed wrote ("Wed, 22 Nov 2023 23:30:00 +0300"):
    the publisher's calendar day, which relative dates in the story count from, needs it."""
    written = parse_timestamp(str(raw or ""))
    if written is None or written.tzinfo is None or written.replace(microsecond=0) != moment:
        return moment  # feedparser's struct has whole seconds: "…15.5+03:00" is still that instant
    return written


def _authors(entry: Mapping) -> tuple[str, ...]:
    names: list[str] = []
    for author in entry.get("authors") or []:
        if isinstance(author, Mapping):
            name = _collapse(author.get("name") or author.get("email"))
            if name:
                names.append(name)
    if not names:
        name = _collapse(entry.get("author") if isinstance(entry.get("author"), str) else None)
        if name:
            names.append(name)
    return tuple(dict.fromkeys(names))


def _guid(entry: Mapping) -> str | None:
    value = entry.get("id")
    return value.strip() or None if isinstance(value, str) else None


def parse_feed(
    body: bytes, headers: Mapping[str, str], source: FeedSource, feed_url: str
) -> tuple[list[FeedItem], str | None]:
    """Items of a feed document and the problems found (None if clean). Never raises.

    ``headers`` are the HTTP response headers (their charset matters); ``feed_url`` is the URL
    the feed was finally fetched from, the base for relative links (xml:base still wins).
    Items without a usable link are dropped and counted; duplicates (same canonical URL)
    keep their first occurrence."""
    if not body or not body.strip():
        return [], "empty_body: no content"
    response_headers = {k.lower(): v for k, v in headers.items()}
    # The body is already decompressed; the document's base URI is where we got it from.
    response_headers.pop("content-encoding", None)
    response_headers.pop("content-length", None)
    response_headers["content-location"] = feed_url
    try:
        parsed = feedparser.parse(io.BytesIO(_trim_prolog(body)), response_headers=response_headers)
    except Exception as exc:  # feedparser is tolerant; a crash must still not stop the run
        logger.warning("feedparser crashed on %s", feed_url, exc_info=True)
        return [], _limit(f"parser_error: {type(exc).__name__}: {exc}")

    problems: list[str] = []
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        problems.append(f"bozo: {type(exc).__name__}: {exc}")
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):
        problems.insert(0, "not_a_feed: no RSS/Atom/JSON feed found")

    items: list[FeedItem] = []
    seen: set[str] = set()
    without_link = 0
    for entry in entries:
        link = entry.get("link")
        url = canonical_url(link if isinstance(link, str) else None, base=feed_url)
        if url is None:
            without_link += 1
            continue
        if url in seen:
            continue
        seen.add(url)
        items.append(
            FeedItem(
                feed_name=source.name,
                url=url,
                guid=_guid(entry),
                title=_text_field(entry, "title"),
                published=_published(entry),
                summary=_text_field(entry, "summary"),
                authors=_authors(entry),
            )
        )
    if without_link:
        problems.append(f"no_link: {without_link} item{'s' if without_link != 1 else ''}")
    return items, _limit("; ".join(problems)) if problems else None


def _trim_prolog(body: bytes) -> bytes:
    """Drop whitespace before the first tag. Many CMS templates emit a blank line before
    ``<?xml``, which makes the strict XML parser fail and feedparser fall back to its loose
    parser. Only done when a tag follows, so UTF-16 without BOM is left alone."""
    bom = b"\xef\xbb\xbf" if body.startswith(b"\xef\xbb\xbf") else b""
    rest = body[len(bom) :].lstrip()
    return bom + rest if rest.startswith(b"<") else body


def _limit(text: str) -> str:
    text = _WHITESPACE.sub(" ", text)
    return text if len(text) <= MAX_PROBLEM_CHARS else text[: MAX_PROBLEM_CHARS - 1] + "…"


def skipped_items(reason: str | None) -> int:
    """How many feed items were dropped for lack of a usable link, read from a reason."""
    match = _NO_LINK.search(reason or "")
    return int(match.group(1)) if match else 0


# --- scheduling (pure) ---------------------------------------------------------------------------


def is_due(state: FeedState | None, now: datetime) -> bool:
    """True when the feed has never been polled or its next poll time has come."""
    return state is None or state.next_poll_at is None or now >= state.next_poll_at


def next_state(
    state: FeedState,
    *,
    succeeded: bool,
    now: datetime,
    interval: timedelta,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FeedState:
    """State after a poll: a success resets the failure count and keeps the new validators;
    a failure keeps the old validators and waits interval, 2x, 4x, ... up to 24 h."""
    if succeeded:
        return replace(
            state,
            etag=etag,
            last_modified=last_modified,
            consecutive_failures=0,
            last_success_at=now,
            next_poll_at=now + interval,
        )
    failures = state.consecutive_failures + 1
    wait = min(MAX_POLL_BACKOFF, interval * 2 ** min(failures - 1, 20))
    return replace(state, consecutive_failures=failures, next_poll_at=now + wait)


# --- I/O edge ------------------------------------------------------------------------------------


def _is_failure(items: list[FeedItem], problem: str | None) -> bool:
    return not items and problem is not None and problem.startswith(FAILURE_CODES)


async def poll_feed(
    client: PoliteClient, source: FeedSource, state: FeedState | None, now: datetime
) -> tuple[FeedPoll, FeedState]:
    """Poll one feed with a conditional GET. A 304 is a success without items; a malformed
    feed that still yields items is used (outcome ``bozo``); anything else without items is a
    failure that pushes the next poll back."""
    state = state or FeedState(feed_name=source.name)
    interval = timedelta(seconds=client.settings.feed_poll_interval)
    record, result = await client.fetch(
        source.url,
        kind="feed",
        feed_name=source.name,
        etag=state.etag,
        last_modified=state.last_modified,
    )
    if result is None:
        return FeedPoll(source, record), next_state(
            state, succeeded=False, now=now, interval=interval
        )
    etag = result.headers.get("etag")
    last_modified = result.headers.get("last-modified")
    if record.outcome == "not_modified":
        etag, last_modified = etag or state.etag, last_modified or state.last_modified
        poll = FeedPoll(source, record, etag=etag, last_modified=last_modified)
        return poll, next_state(
            state,
            succeeded=True,
            now=now,
            interval=interval,
            etag=etag,
            last_modified=last_modified,
        )
    # CPU-bound (a 50,000-item feed takes seconds): off the event loop so I/O goes on.
    items, problem = await asyncio.to_thread(
        parse_feed, result.body, result.headers, source, result.final_url
    )
    if _is_failure(items, problem):
        record = replace(record, outcome="error", reason=problem)
        return FeedPoll(source, record), next_state(
            state, succeeded=False, now=now, interval=interval
        )
    outcome = "bozo" if problem and "bozo: " in problem else "ok"
    record = replace(record, outcome=outcome, reason=problem)
    poll = FeedPoll(source, record, tuple(items), etag=etag, last_modified=last_modified)
    return poll, next_state(
        state, succeeded=True, now=now, interval=interval, etag=etag, last_modified=last_modified
    )


async def _poll_guarded(
    client: PoliteClient, source: FeedSource, state: FeedState | None, now: datetime
) -> tuple[FeedPoll, FeedState]:
    try:
        return await poll_feed(client, source, state, now)
    except Exception as exc:  # a bug in one feed's handling must not lose the other feeds
        logger.exception("polling feed %s failed unexpectedly", source.name)
        record = FetchRecord(
            kind="feed",
            url=source.url,
            feed_name=source.name,
            started_at=datetime.now(UTC),
            status=None,
            n_bytes=0,
            duration_ms=0.0,
            outcome="error",
            reason=_limit(f"internal: {type(exc).__name__}: {exc}"),
        )
        state = state or FeedState(feed_name=source.name)
        interval = timedelta(seconds=client.settings.feed_poll_interval)
        return FeedPoll(source, record), next_state(
            state, succeeded=False, now=now, interval=interval
        )


async def poll_feeds(
    client: PoliteClient,
    sources: Sequence[FeedSource],
    states: Mapping[str, FeedState],
    now: datetime,
    *,
    only_due: bool = True,
) -> list[tuple[FeedPoll, FeedState]]:
    """Poll the enabled (and, unless ``only_due=False``, due) feeds in parallel, in the order
    given; the client serialises requests to one host. Feeds not polled are not returned."""
    chosen = [
        source
        for source in sources
        if source.enabled and (not only_due or is_due(states.get(source.name), now))
    ]
    return list(
        await asyncio.gather(
            *(_poll_guarded(client, source, states.get(source.name), now) for source in chosen)
        )
    )


async def fetch_pages(client: PoliteClient, items: Sequence[FeedItem]) -> list[Page | FetchRecord]:
    """Fetch the article page of every item (in parallel across hosts), in input order: a Page
    for a 200 HTML/XHTML response (or one without Content-Type), else the FetchRecord — with
    outcome ``skipped`` and reason ``not_html`` for other content types. All bodies are held
    in memory (each up to ``max_response_bytes``): pass one batch (e.g. one feed's new items,
    ``max_articles_per_feed``) at a time."""

    async def fetch_one(item: FeedItem) -> Page | FetchRecord:
        record, result = await client.fetch(item.url, kind="article", feed_name=item.feed_name)
        if result is None or result.status != 200:
            return record
        if result.content_type is not None and result.content_type not in HTML_CONTENT_TYPES:
            return replace(record, outcome="skipped", reason="not_html")
        return Page(
            item=item,
            final_url=result.final_url,
            status=result.status,
            # the whole header, charset included: the extractor decodes the body with it
            content_type=result.headers.get("content-type") or result.content_type,
            body=result.body,
            record=record,
        )

    return list(await asyncio.gather(*(fetch_one(item) for item in items)))
