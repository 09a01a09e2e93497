"""Article extraction: our fixture pages (each states its expectation in an ``expect``
comment), title cleanup, metadata precedence, decoding, skip reasons, determinism, time
limits and the worker pool, and a few real pages from the shared corpora."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import signal
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from core.records import Article, FeedItem, FetchRecord, Page
from core.settings import Settings, load_settings
from extractors import articles
from extractors.articles import (
    EXTRACTOR_VERSION,
    SKIP_REASONS,
    clean_title,
    decode_html,
    extract_article,
    extract_articles,
    parse_timestamp,
    shutdown_workers,
    url_date,
)

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
FIXTURE_NAMES = sorted(p.name for p in PAGES.glob("*.html"))
DEFAULT_FETCH = datetime(2024, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(environ={})


@pytest.fixture(scope="module", autouse=True)
def _stop_workers_after_this_module():
    yield
    shutdown_workers()


def make_page(
    body: bytes,
    url: str = "https://news.example.com/story",
    content_type: str | None = "text/html; charset=utf-8",
    fetched_at: datetime = DEFAULT_FETCH,
    feed_title: str | None = None,
    feed_published: datetime | None = None,
    feed_authors: tuple[str, ...] = (),
    feed_name: str = "example",
) -> Page:
    item = FeedItem(
        feed_name=feed_name,
        url=url,
        guid=url,
        title=feed_title,
        published=feed_published,
        summary=None,
        authors=feed_authors,
    )
    record = FetchRecord(
        kind="article",
        url=url,
        feed_name=feed_name,
        started_at=fetched_at,
        status=200,
        n_bytes=len(body),
        duration_ms=12.0,
        outcome="ok",
    )
    return Page(
        item=item, final_url=url, status=200, content_type=content_type, body=body, record=record
    )


def read_expectation(body: bytes) -> dict:
    """The JSON object after ``<!-- expect`` at the top of a fixture (ASCII, \\u escapes)."""
    start = body.index(b"<!-- expect") + len(b"<!-- expect")
    text = body[start:].decode("latin-1")
    expectation, _ = json.JSONDecoder().raw_decode(text.lstrip())
    return expectation


def fixture_page(name: str, **feed) -> tuple[Page, dict]:
    body = (PAGES / name).read_bytes()
    expect = read_expectation(body)
    page = make_page(
        body,
        url=expect["url"],
        content_type=expect["content_type"],
        fetched_at=datetime.fromisoformat(expect["fetched_at"]),
        **feed,
    )
    return page, expect


# ----------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_page_meets_its_expectation(name: str, settings: Settings) -> None:
    page, expect = fixture_page(name)
    article = extract_article(page, settings)

    assert article.skip_reason == expect["skip_reason"]
    assert article.title == expect["title"]
    assert article.language == expect["language"]
    if "published" in expect:
        assert article.published == datetime.fromisoformat(expect["published"])
        assert article.published.tzinfo == UTC
    if "published_local_date" in expect:
        assert article.published_local_date == date.fromisoformat(expect["published_local_date"])
    if "authors" in expect:
        assert article.authors == tuple(expect["authors"])
    if "site_name" in expect:
        assert article.site_name == expect["site_name"]
    for phrase in expect.get("text_contains", []):
        assert phrase in article.text
    for phrase in expect.get("text_excludes", []):
        assert phrase not in article.text
    if article.skip_reason:
        assert article.text == ""
    else:
        assert len(article.text) >= settings.min_text_chars
    assert article.html == page.body  # raw bytes kept for re-extraction
    assert article.url == expect["url"]
    assert article.extractor_version == EXTRACTOR_VERSION


def test_every_fixture_states_an_expectation() -> None:
    assert len(FIXTURE_NAMES) >= 7
    for name in FIXTURE_NAMES:
        assert {"url", "title", "skip_reason"} <= read_expectation(
            (PAGES / name).read_bytes()
        ).keys()


# -------------------------------------------------------------------- precedence


def test_feed_title_date_and_authors_win_over_the_page(settings: Settings) -> None:
    feed_published = datetime(2024, 3, 4, 22, 5, tzinfo=UTC)
    page, _ = fixture_page(
        "jsonld_news.html",
        feed_title="Kirkuk market bombing kills five - Tigris Daily",
        feed_published=feed_published,
        feed_authors=("Tigris Daily newsroom",),
    )
    article = extract_article(page, settings)

    assert article.title == "Kirkuk market bombing kills five"  # feed title, suffix removed
    assert article.published == feed_published  # not the page's 21:40 UTC
    # the page's +03:00 offset turns 22:05 UTC into 01:05 on the publisher's next day
    assert article.published_local_date == date(2024, 3, 5)
    assert article.authors == ("Tigris Daily newsroom",)


def test_implausible_feed_date_falls_back_to_the_page(settings: Settings) -> None:
    page, expect = fixture_page(
        "og_meta.html", feed_published=datetime(2031, 1, 1, tzinfo=UTC)
    )  # after the fetch: a broken feed clock
    article = extract_article(page, settings)
    assert article.published == datetime.fromisoformat(expect["published"])


def test_country_hint_is_passed_through(settings: Settings) -> None:
    page, _ = fixture_page("og_meta.html")
    assert extract_article(page, settings, country_hint="IRQ").country_hint == "IRQ"


# ------------------------------------------------------------------- title cleanup


@pytest.mark.parametrize(
    ("raw", "site_names", "url", "expected"),
    [
        ("Blast kills 5 | Tigris Daily", ["Tigris Daily"], None, "Blast kills 5"),
        (
            "Iraq says oil exports rose - Reuters",
            [],
            "https://www.reuters.com/world/x",
            "Iraq says oil exports rose",
        ),
        (
            "Tigris Daily: Blast kills 5 in Kirkuk",
            ["Tigris Daily"],
            None,
            "Blast kills 5 in Kirkuk",
        ),
        (
            "BBC News - Markets fall in Asia",
            [],
            "https://www.bbc.co.uk/news/x",
            "Markets fall in Asia",
        ),
        (
            "Senate passes bill – The Washington Post",
            ["Washington Post"],
            None,
            "Senate passes bill",
        ),
        (
            "Blast kills 5 - Iraq | Tigris Daily",
            [],
            "https://tigrisdaily.com/a",
            "Blast kills 5 - Iraq",
        ),
        (
            "Iraq - Iran border crossing reopens",
            [],
            "https://www.tigrisdaily.com/a",
            "Iraq - Iran border crossing reopens",
        ),
        ("Gunmen attack checkpoint &amp; flee  ", [], None, "Gunmen attack checkpoint & flee"),
        ("Tigris Daily", ["Tigris Daily"], None, "Tigris Daily"),  # never emptied
        ("   ", [], None, None),
    ],
)
def test_clean_title(
    raw: str, site_names: list[str], url: str | None, expected: str | None
) -> None:
    assert clean_title(raw, site_names, url) == expected


# ------------------------------------------------------------------- decoding


def test_decode_prefers_content_type_charset() -> None:
    body = "<html><body><p>مرحبا بكم</p></body></html>".encode("cp1256")
    assert "مرحبا" in decode_html(body, "text/html; charset=windows-1256")


def test_decode_uses_meta_charset_without_header() -> None:
    body = '<html><head><meta charset="iso-8859-1"></head><p>sécurité</p></html>'.encode("latin-1")
    assert "sécurité" in decode_html(body, "text/html")


def test_decode_trusts_valid_utf8_over_a_latin1_default_header() -> None:
    body = "<html><p>Erbil — Kurdistan’s capital</p></html>".encode()
    assert "Kurdistan’s" in decode_html(body, "text/html; charset=ISO-8859-1")


def test_decode_honours_a_byte_order_mark() -> None:
    body = "<html><p>Halabja</p></html>".encode("utf-16")
    assert "Halabja" in decode_html(body, "text/html; charset=utf-8")


def test_parse_timestamp_variants() -> None:
    assert parse_timestamp("2024-03-05T10:00:00Z") == datetime(2024, 3, 5, 10, tzinfo=UTC)
    assert parse_timestamp("2024-03-05T13:00:00 +0300").utcoffset().total_seconds() == 3 * 3600
    assert parse_timestamp("Tue, 05 Mar 2024 10:00:00 GMT") == datetime(2024, 3, 5, 10, tzinfo=UTC)
    assert parse_timestamp("2024-03-05").tzinfo is None
    assert parse_timestamp("last Tuesday") is None


def test_url_date() -> None:
    assert url_date("https://x.com/news/2023/12/22/story") == date(2023, 12, 22)
    assert url_date("https://x.com/a/20231222-story") == date(2023, 12, 22)
    assert url_date("https://x.com/a/2023/02/30/bad") is None
    assert url_date("https://x.com/article/106219404.cms") is None
    assert url_date("https://www.politifact.com/factchecks/2023/dec/21/tiktok-posts/") == date(2023, 12, 21)
    assert url_date("https://www.sciencedaily.com/releases/2023/12/231213112457.htm") == date(2023, 12, 13)
    assert url_date("https://x.com/2023/12/241213.htm") is None  # the short date must repeat year and month


# ------------------------------------------------------------------- skip reasons


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"", "text/html", "empty"),
        (b"  \n\t ", "text/html", "empty"),
        (b"<html><head><title>x</title></head><body></body></html>", "text/html", "empty"),
        ((PAGES / "not_html.pdf").read_bytes(), "application/pdf", "not_html"),
        ((PAGES / "not_html.pdf").read_bytes(), "text/html", "not_html"),  # lying header
        (b'{"headline": "Blast", "body": "..."}', "application/json", "not_html"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), None, "not_html"),
        (b"Plain text served with an HTML label, no markup. " * 10, "text/html", "not_html"),
        (b"<p>Only a fragment of a page, not a document.</p>", "text/html", "parser_error"),
    ],
)
def test_unusable_pages_become_counted_skips(
    body: bytes, content_type: str | None, reason: str, settings: Settings
) -> None:
    page = make_page(body, content_type=content_type, feed_title="Blast in Basra | Gulf Wire")
    article = extract_article(page, settings)
    assert article.skip_reason == reason
    assert reason in SKIP_REASONS
    assert article.text == ""
    assert article.html == body
    assert article.title == "Blast in Basra | Gulf Wire" or article.title == "Blast in Basra"


def test_min_text_chars_is_the_too_short_threshold() -> None:
    page, _ = fixture_page("og_meta.html")
    strict = load_settings(environ={}, min_text_chars=100_000)
    assert extract_article(page, strict).skip_reason == "too_short"


# ------------------------------------------------------------------- determinism


def test_same_page_twice_gives_the_same_article(settings: Settings) -> None:
    for name in FIXTURE_NAMES:
        page, _ = fixture_page(name)
        assert extract_article(page, settings) == extract_article(page, settings)


# ------------------------------------------------------------------- hostile pages


def pathological_page(paragraphs: int = 20_000) -> Page:
    """Many tiny paragraphs: about a second of trafilatura time per 15,000 here."""
    body = "<html><body>" + "<p>Short line number with a few words.</p>" * paragraphs
    return make_page((body + "</body></html>").encode(), url="https://slow.example.com/a")


def test_hostile_markup_finishes_quickly(settings: Settings) -> None:
    deep = "<html><body>" + "<div><span>" * 5000 + "<p>lost</p>" + "</b>" * 5000
    huge_attribute = '<html><body><div data-x="' + "a" * 1_000_000 + '"><p>' + "word " * 100
    for body in (deep, huge_attribute, "<html><body><p>" + "<<>>&&;;" * 50_000):
        started = time.monotonic()
        article = extract_article(make_page(body.encode()), settings)
        assert time.monotonic() - started < 10
        assert article.skip_reason in (None, *SKIP_REASONS)


def test_inline_time_limit_turns_a_slow_page_into_a_timeout_skip() -> None:
    settings = load_settings(environ={}, extraction_timeout=0.1)
    started = time.monotonic()
    [article] = extract_articles([pathological_page()], settings)
    assert article.skip_reason == "timeout"
    assert article.text == ""
    assert time.monotonic() - started < 2
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL  # handler restored
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


# ----------------------------------------------------------- worker pool (spawned)


def extract_or_misbehave(page: Page, settings: Settings, country_hint: str | None) -> Article:
    """Injected into the workers: hangs beyond the alarm's reach, or dies, on cue."""
    if "hang" in page.final_url:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})  # like a stuck C call
        time.sleep(120)
    if "crash" in page.final_url:
        os._exit(3)
    return extract_article(page, settings, country_hint)


def test_pool_survives_slow_hung_and_crashing_pages() -> None:
    settings = load_settings(environ={}, extraction_timeout=0.5)
    good = [
        fixture_page(name)[0] for name in ("jsonld_news.html", "og_meta.html", "french_latin1.html")
    ]
    hang = make_page(b"<html><body><p>x</p></body></html>", url="https://x.example.com/hang")
    crash = make_page(b"<html><body><p>x</p></body></html>", url="https://x.example.com/crash")
    pages = [good[0], hang, pathological_page(), crash, good[1], good[2]]

    started = time.monotonic()
    articles = extract_articles(
        pages,
        settings,
        workers=2,
        country_hints={good[1].item.feed_name: "IRQ"},
        extract=extract_or_misbehave,
    )
    elapsed = time.monotonic() - started

    assert [a.url for a in articles] == [p.item.url for p in pages]  # input order
    assert [a.skip_reason for a in articles] == [
        None,
        "timeout",
        "timeout",
        "parser_error",
        None,
        None,
    ]
    assert elapsed < 15  # the hung worker was killed at 1.5 x 0.5 + 1 s, not waited for
    for page, article in zip(good, (articles[0], articles[4], articles[5]), strict=True):
        # same result as in this process (raw HTML re-attached after the trip back)
        expected = dataclasses.replace(extract_article(page, settings), country_hint="IRQ")
        assert article == expected
    assert all(a.html == p.body for a, p in zip(articles, pages, strict=True))


def test_small_batch_off_the_main_thread_still_gets_a_time_limit() -> None:
    # Prefect runs tasks in worker threads, where SIGALRM is unavailable: use the pool.
    settings = load_settings(environ={}, extraction_timeout=0.2)
    results: list[Article] = []
    thread = threading.Thread(
        target=lambda: results.extend(extract_articles([pathological_page()], settings))
    )
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert [a.skip_reason for a in results] == ["timeout"]


def tag_with_worker_pid(page: Page, settings: Settings, country_hint: str | None) -> Article:
    article = extract_article(page, settings, country_hint)
    return dataclasses.replace(article, site_name=str(os.getpid()))


def test_workers_are_kept_between_calls_and_stopped_on_request() -> None:
    settings = load_settings(environ={}, extraction_timeout=5)
    pages = [fixture_page(name)[0] for name in FIXTURE_NAMES[:4]]

    first = extract_articles(pages, settings, workers=2, extract=tag_with_worker_pid)
    pool_pids = {w.process.pid for w in articles._shared_pool.workers}
    second = extract_articles(pages, settings, workers=2, extract=tag_with_worker_pid)

    used = {a.site_name for a in first + second}
    assert used <= {str(pid) for pid in pool_pids}  # no new workers for the second call
    assert str(os.getpid()) not in used
    assert {w.process.pid for w in articles._shared_pool.workers} == pool_pids
    processes = [w.process for w in articles._shared_pool.workers]
    shutdown_workers()
    assert articles._shared_pool is None
    assert not any(process.is_alive() for process in processes)


def test_a_worker_over_its_memory_limit_is_replaced_between_pages() -> None:
    # every worker is over 1 MB once Python is loaded: each serves one page, then is replaced
    settings = load_settings(environ={}, extraction_timeout=5, extraction_worker_max_mb=1)
    pages = [fixture_page(name)[0] for name in FIXTURE_NAMES[:4]]
    shutdown_workers()

    bloated = extract_articles(pages, settings, workers=2, extract=tag_with_worker_pid)

    assert len({a.site_name for a in bloated}) == len(pages)  # a fresh process per page
    assert [a.text for a in bloated] == [extract_article(p, settings).text for p in pages]
    shutdown_workers()
    lean = extract_articles(
        pages, dataclasses.replace(settings, extraction_worker_max_mb=1024), workers=2,
        extract=tag_with_worker_pid,
    )
    assert len({a.site_name for a in lean}) <= 2
    shutdown_workers()


def test_no_pages_no_work(settings: Settings) -> None:
    assert extract_articles([], settings) == []


# ------------------------------------------------------------------- real pages


@pytest.mark.parametrize(("folder", "count"), [("zyte-aeb", 3), ("naeb", 2), ("fundus-eval80", 2)])
def test_real_pages_from_the_shared_corpora(
    shared_root: Path, folder: str, count: int, settings: Settings
) -> None:
    files = sorted((shared_root / "corpora" / "extraction" / folder / "html").glob("*.html.gz"))
    assert files, f"no pages in {folder}"
    for path in files[:count]:
        page = make_page(
            gzip.decompress(path.read_bytes()), url=f"https://{folder}.test/{path.stem}"
        )
        article = extract_article(page, settings)
        assert article.skip_reason is None, path.name
        assert len(article.text) >= settings.min_text_chars
        assert article.title


def _dated_page(head: str, body_extra: str = "") -> bytes:
    paragraph = "<p>" + "Officials said the talks would resume next week after a pause of several days. " * 6 + "</p>"
    return (f"<html><head><title>Talks resume</title>{head}</head><body><article><h1>Talks resume in the "
            f"capital</h1>{body_extra}{paragraph}</article></body></html>").encode()


@pytest.mark.parametrize(("time_element", "local_day"), [
    ('<time datetime="2024-05-22T22:22:07-0500">May 22</time>', date(2024, 5, 22)),  # same instant, New York
    ('<time datetime="2024-05-23T14:22:07+11:00">May 23</time>', date(2024, 5, 23)),  # same instant, Sydney
    ('<time datetime="2024-05-20T09:00:00-05:00">May 20</time>', date(2024, 5, 23)),  # another story's time
    ('<time datetime="2024-05-22">May 22</time>', date(2024, 5, 23)),  # a bare date says nothing of the zone
])
def test_local_day_from_the_offset_of_the_pages_own_time(settings, time_element, local_day):
    """datePublished in UTC only: a <time> naming the same instant in the publisher's zone
    gives the publisher's day, which relative dates in the story count from."""
    head = ('<script type="application/ld+json">'
            '{"@type": "NewsArticle", "datePublished": "2024-05-23T03:22:07Z"}</script>')
    article = extract_article(make_page(_dated_page(head, time_element)), settings)
    assert article.published == datetime(2024, 5, 23, 3, 22, 7, tzinfo=UTC)
    assert article.published_local_date == local_day


@pytest.mark.parametrize(("url", "local_day"), [
    ("https://www.gazzetta.example.it/news/story", date(2024, 5, 23)),  # 23:15 UTC is 01:15 in Rome
    ("https://www.news.example.ca/story", date(2024, 5, 22)),  # 19:15 in Toronto
    ("https://www.news.example.com/story", date(2024, 5, 22)),  # a .com says nothing: the UTC day
])
def test_a_national_domain_gives_the_publishers_day_when_the_page_gives_no_offset(settings, url, local_day):
    head = ('<script type="application/ld+json">'
            '{"@type": "NewsArticle", "datePublished": "2024-05-22T23:15:00Z"}</script>')
    article = extract_article(make_page(_dated_page(head), url=url), settings)
    assert article.published_local_date == local_day
