"""Feed parsing (pure), canonical URLs, and polling/fetching against real local servers.

Fixtures in tests/fixtures/feeds/ state their expectation in a comment at the top; the tests
below check exactly that. The shared corpora are read by path, never copied.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from core.records import FeedItem, FeedSource, FeedState, FetchRecord, Page
from extractors.articles import decode_html
from extractors.feeds import (
    MAX_POLL_BACKOFF,
    fetch_pages,
    is_due,
    parse_feed,
    poll_feed,
    poll_feeds,
    skipped_items,
)
from extractors.http import PoliteClient
from extractors.urls import canonical_url

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
FEED_URL = "https://news.example.com/feeds/main.xml"
XML_HEADERS = {"content-type": "application/rss+xml"}
SOURCE = FeedSource(name="example", url=FEED_URL)
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def parse_fixture(name, headers=XML_HEADERS):
    return parse_feed((FIXTURES / name).read_bytes(), headers, SOURCE, FEED_URL)


def rss(*items: str, encoding: str = "utf-8") -> bytes:
    body = "".join(f"<item>{item}</item>" for item in items)
    text = f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>t'
    return (text + f"</title>{body}</channel></rss>").encode(encoding)


# --- canonical URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        (
            "HTTPS://News.Example.COM:443/a/../b?utm_source=x&id=3&fbclid=1#frag",
            None,
            "https://news.example.com/b?id=3",
        ),
        (
            "/story?CMP=share&gclid=1&mc_cid=2",
            "https://site.example/feeds/rss",
            "https://site.example/story",
        ),
        ("story-2", "https://site.example/feeds/rss", "https://site.example/feeds/story-2"),
        ("//cdn.example/x", "https://site.example/", "https://cdn.example/x"),
        ("http://example.com:80", None, "http://example.com/"),
        ("https://example.com:8443/x", None, "https://example.com:8443/x"),
        ("https://user:secret@example.com/x", None, "https://example.com/x"),
        ("\n  https://example.com/a\n/b\t ", None, "https://example.com/a/b"),
        ("https://example.com/a b", None, "https://example.com/a%20b"),
        ("https://Bücher.example/ü", None, "https://xn--bcher-kva.example/%C3%BC"),
        # Content identifiers that a substring tracker filter would eat are kept.
        (
            "https://example.com/s?cid=1&uid=2&source=3&ref=4&page=5",
            None,
            "https://example.com/s?cid=1&uid=2&source=3&ref=4&page=5",
        ),
        (
            "https://example.com/?at_medium=RSS&at_campaign=x&xtor=RSS-1",
            None,
            "https://example.com/",
        ),
    ],
)
def test_canonical_url(url, base, expected):
    assert canonical_url(url, base) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        None,
        "mailto:news@example.com",
        "ftp://example.com/f",
        "javascript:alert(1)",
        "data:text/html,x",
        "http://",
        "http://exa mple.com/",
        "tag:example.com,2026:1",
        "http://[zz/",
    ],
)
def test_canonical_url_rejects(url):
    assert canonical_url(url, "https://example.com/") is None


# --- parse_feed on our fixtures ------------------------------------------------------------------


def test_rss2_items_are_normalized_deduplicated_and_counted():
    items, problem = parse_fixture("rss2_basic.xml")
    assert [item.url for item in items] == [
        "https://news.example.com/world/clashes?id=42",
        "https://news.example.com/local/story-2",
        "https://news.example.com/perma/3",
        "https://news.example.com/e",
    ]
    first = items[0]
    assert first == FeedItem(
        feed_name="example",
        url="https://news.example.com/world/clashes?id=42",
        guid="urn:example:42",
        title="Clashes in the capital",
        published=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        summary="Police & protesters clashed.",
        authors=("Jane Reporter",),
    )
    assert items[1].published is None  # never invented from the poll time
    assert items[3].published == datetime(2026, 11, 19, 23, 15, tzinfo=UTC)
    assert problem == "no_link: 1 item" and skipped_items(problem) == 1


def test_atom_xml_base_authors_and_text_constructs():
    items, problem = parse_fixture("atom_xml_base.xml", {"content-type": "application/atom+xml"})
    assert problem is None
    one, two = items
    assert one.url == "https://base.example.org/blog/posts/one"
    assert one.title == "Bold move" and one.authors == ("Ana", "Ben")
    assert one.published == datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
    assert two.url == "https://base.example.org/posts/two"  # alternate, not the enclosure
    assert two.summary == "a < b"  # text construct: not parsed as HTML


def test_rss1_and_rss091():
    rdf, problem = parse_fixture("rss1_rdf.xml")
    assert problem is None and [i.title for i in rdf] == ["One", "Two"]
    assert rdf[1].published == datetime(2026, 11, 1, 4, 30, tzinfo=UTC)
    old, problem = parse_fixture("rss091.xml")
    assert problem is None and len(old) == 1 and old[0].published is None


def test_malformed_xml_is_bozo_but_items_are_used():
    items, problem = parse_fixture("malformed_entries.xml")
    assert [i.title for i in items] == ["Tom & Jerry", "Second"]
    assert problem.startswith("bozo: ")


def test_html_page_instead_of_feed():
    items, problem = parse_fixture("not_a_feed.html", {"content-type": "text/html"})
    assert items == [] and problem.startswith("not_a_feed")


@pytest.mark.parametrize("body", [b"", b"   \n\t  "])
def test_empty_body(body):
    assert parse_feed(body, XML_HEADERS, SOURCE, FEED_URL) == ([], "empty_body: no content")


def test_billion_laughs_is_not_expanded():
    started = time.monotonic()
    items, problem = parse_fixture("billion_laughs.xml")
    assert time.monotonic() - started < 2
    assert problem.startswith("bozo: ")
    assert all(len(item.title or "") < 1000 and len(item.summary or "") < 1000 for item in items)


def test_external_entities_are_not_resolved():
    items, _ = parse_fixture("external_entity.xml")
    assert "root:" not in repr(items)


def test_latin1_declared_in_the_prolog():
    items, problem = parse_fixture("latin1_declared.xml")
    assert problem is None and items[0].title == "Déjà vu à Genève"


def test_windows_1252_undeclared_is_still_decoded():
    items, problem = parse_fixture("cp1252_undeclared.xml")
    assert items[0].title == "Café “smart quotes” – 5€"
    assert problem.startswith("bozo: CharacterEncodingOverride")


def test_charset_from_http_header_wins_for_xml_without_declaration():
    body = b'<rss version="2.0"><channel><title>t</title><item><title>Z\xfcrich</title>'
    body += b"<link>https://ex.ch/1</link></item></channel></rss>"
    items, problem = parse_feed(
        body, {"content-type": "text/xml; charset=iso-8859-1"}, SOURCE, FEED_URL
    )
    assert items[0].title == "Zürich" and problem is None


def test_leading_blank_lines_before_the_xml_declaration_are_tolerated():
    body = b"\n\n  " + rss("<title>x</title><link>https://ex.com/1</link>")
    items, problem = parse_feed(body, XML_HEADERS, SOURCE, FEED_URL)
    assert len(items) == 1 and problem is None


def test_missing_dates_titles_and_bad_dates():
    items, _ = parse_feed(
        rss(
            "<link>https://ex.com/1</link>",
            "<title>x</title><link>https://ex.com/2</link><pubDate>not a date</pubDate>",
            "<title>y</title><link>https://ex.com/3</link><pubDate>Tue, 31 Feb 2026 10:00 GMT"
            "</pubDate>",
        ),
        XML_HEADERS,
        SOURCE,
        FEED_URL,
    )
    assert [(i.title, i.published) for i in items] == [(None, None), ("x", None), ("y", None)]


def test_items_linking_to_private_addresses_parse_as_urls():
    items, problem = parse_fixture("private_links.xml")
    assert problem is None and len(items) == 3  # refused later, at fetch time


def test_items_without_any_usable_link_are_all_counted():
    items, problem = parse_feed(
        rss(
            "<title>a</title>",
            "<title>b</title><link>mailto:x@y.z</link>",
            "<title>c</title><link>javascript:void(0)</link>",
        ),
        XML_HEADERS,
        SOURCE,
        FEED_URL,
    )
    assert items == [] and problem == "no_link: 3 items" and skipped_items(problem) == 3


def test_garbage_bytes_never_raise():
    for body in (b"\x00\xff\xfe" * 100, b"<", b"<?xml", b"{}", "ü".encode("utf-16"), b"\x1f\x8b"):
        items, problem = parse_feed(body, {}, SOURCE, FEED_URL)
        assert items == [] and problem


# --- the shared corpora (read by path) -----------------------------------------------------------


@pytest.fixture
def corpora(shared_root: Path) -> Path:
    """The shared feed corpora (read by path, never copied); skipped if absent."""
    return shared_root / "corpora" / "feeds"


def test_every_corpus_file_parses_without_raising(corpora):
    files = sorted(p for p in corpora.rglob("*") if p.is_file())
    yielding = 0
    for path in files:
        items, _ = parse_feed(
            path.read_bytes(),
            {"content-type": "application/xml"},
            SOURCE,
            "https://corpus.example/feed.xml",
        )
        yielding += bool(items)
    # Measured: 2,388 files (most are feedparser's tiny synthetic cases), 229 yield items.
    assert len(files) > 2000 and yielding > 200


# Files in these two real-world sets that are fragments, not feeds, or whose items have no link.
NOT_EXPECTED_TO_YIELD = {
    "AmazonWebServicesBlogFirstEntryContent.xml",
    "HREFConsideredHarmfulFirstEntry.xml",
    "PaulDixExplainsNothingFirstEntryContent.xml",
    "TechCrunchFirstEntry.xml",
    "TechCrunchFirstEntryDescription.xml",
    "TenderLovemakingFirstEntry.xml",
    "AtomEscapedHTMLInPreTag.xml",
    "incomplete-fields.atom",
    "missing-fields.atom",
    "unrecognized.rss",
}


@pytest.mark.parametrize("collection", ["feedjira-sample-feeds", "rss-parser-feeds"])
def test_real_world_feeds_yield_items(corpora, collection):
    paths = [p for p in (corpora / collection).rglob("*") if p.suffix in (".xml", ".rss", ".atom")]
    assert len(paths) > 25
    empty = []
    for path in paths:
        items, _ = parse_feed(
            path.read_bytes(),
            {"content-type": "application/xml"},
            SOURCE,
            "https://corpus.example/feed.xml",
        )
        if not items and path.name not in NOT_EXPECTED_TO_YIELD:
            empty.append(path.name)
        assert all(item.url.startswith(("http://", "https://")) for item in items)
        # aware, in the offset the feed wrote (the publisher's day needs it)
        assert all(item.published is None or item.published.utcoffset() is not None for item in items)
    assert empty == []


# --- scheduling ----------------------------------------------------------------------------------


def test_is_due():
    assert is_due(None, NOW)
    assert is_due(FeedState("f"), NOW)
    assert is_due(FeedState("f", next_poll_at=NOW), NOW)
    assert not is_due(FeedState("f", next_poll_at=NOW + timedelta(seconds=1)), NOW)


# --- polling against real servers ----------------------------------------------------------------


def poll(settings, source, state=None, now=NOW):
    async def go():
        async with PoliteClient(settings) as client:
            return await poll_feed(client, source, state, now)

    return asyncio.run(go())


def test_poll_then_conditional_poll_gets_304(server, make_settings):
    body = rss("<title>a</title><link>/a</link>", "<title>b</title><link>/b</link>")

    @server.route("/feed")
    def feed(h):
        if h.headers.get("If-None-Match") == '"v2"':
            h.send_response(304)
            h.end_headers()
        else:
            h.reply(
                200,
                body,
                "application/rss+xml",
                {"ETag": '"v2"', "Last-Modified": "Fri, 20 Nov 2026 10:00:00 GMT"},
            )

    source = FeedSource("local", server.url("/feed"))
    first, state = poll(make_settings(), source)
    assert first.record.outcome == "ok" and first.record.kind == "feed"
    assert [i.url for i in first.items] == [server.url("/a"), server.url("/b")]
    assert state.etag == '"v2"' and state.last_modified == "Fri, 20 Nov 2026 10:00:00 GMT"
    assert state.last_success_at == NOW and state.next_poll_at == NOW + timedelta(minutes=15)

    later = NOW + timedelta(minutes=15)
    second, state2 = poll(make_settings(), source, state, later)
    assert second.record.outcome == "not_modified" and second.items == ()
    assert state2.etag == '"v2"' and state2.last_success_at == later
    assert server.hits_for("/feed")[1].headers["if-none-match"] == '"v2"'


def test_failing_feed_backs_off_by_doubling_and_resets_after_success(server, make_settings):
    responses = {"status": 500}
    server.route(
        "/flaky",
        lambda h: h.reply(
            responses["status"], rss("<link>https://ex.com/1</link>"), "application/rss+xml"
        ),
    )
    source = FeedSource("flaky", server.url("/flaky"))
    settings = make_settings(max_retries=0)
    state, now, waits = None, NOW, []
    for _ in range(9):
        poll_result, state = poll(settings, source, state, now)
        assert poll_result.record.outcome == "error" and poll_result.record.reason == "http_500"
        waits.append(state.next_poll_at - now)
        now = state.next_poll_at
    minutes = [int(w.total_seconds() // 60) for w in waits]
    assert minutes == [15, 30, 60, 120, 240, 480, 960, 1440, 1440]  # capped at 24 h
    assert state.consecutive_failures == 9 and state.last_success_at is None
    assert waits[-1] == MAX_POLL_BACKOFF

    responses["status"] = 200
    poll_result, state = poll(settings, source, state, now)
    assert poll_result.record.outcome == "ok" and len(poll_result.items) == 1
    assert state.consecutive_failures == 0 and state.last_success_at == now
    assert state.next_poll_at == now + timedelta(minutes=15)


def test_html_empty_and_bozo_feeds_are_recorded(server, make_settings):
    server.static("/html", (FIXTURES / "not_a_feed.html").read_bytes(), "text/html")
    server.static("/empty", b"", "application/rss+xml")
    server.static("/broken", (FIXTURES / "malformed_entries.xml").read_bytes(), "text/xml")
    html, html_state = poll(make_settings(), FeedSource("h", server.url("/html")))
    empty, _ = poll(make_settings(), FeedSource("e", server.url("/empty")))
    broken, broken_state = poll(make_settings(), FeedSource("b", server.url("/broken")))
    assert (html.record.outcome, html.record.reason.split(":")[0]) == ("error", "not_a_feed")
    assert html_state.consecutive_failures == 1
    assert (empty.record.outcome, empty.record.reason.split(":")[0]) == ("error", "empty_body")
    assert broken.record.outcome == "bozo" and len(broken.items) == 2
    assert broken_state.consecutive_failures == 0  # usable, so a success


def test_feed_with_wrong_charset_header(server, make_settings):
    body = rss("<title>Café</title><link>https://ex.fr/1</link>", encoding="windows-1252")
    server.static("/wrong", body.replace(b"windows-1252", b"utf-8"), "text/xml; charset=utf-8")
    result, _ = poll(make_settings(), FeedSource("w", server.url("/wrong")))
    assert result.record.outcome == "bozo" and result.items[0].title == "Café"


def test_relative_links_resolve_against_the_final_feed_url(server, make_settings):
    server.route("/moved", lambda h: h.reply(301, b"", None, {"Location": "/new/feed.xml"}))
    server.static("/new/feed.xml", rss("<link>story</link>"), "application/rss+xml")
    result, _ = poll(make_settings(), FeedSource("m", server.url("/moved")))
    assert [i.url for i in result.items] == [server.url("/new/story")]


def test_huge_feed_of_50000_items(server, make_settings):
    items = "".join(f"<item><link>https://big.example/{i}</link></item>" for i in range(50_000))
    body = f'<rss version="2.0"><channel><title>big</title>{items}</channel></rss>'.encode()
    server.static("/big", body, "application/rss+xml")
    result, state = poll(
        make_settings(max_response_bytes=10 * 1024 * 1024), FeedSource("big", server.url("/big"))
    )
    assert result.record.outcome == "ok" and len(result.items) == 50_000
    assert state.consecutive_failures == 0


def test_feed_over_the_size_cap_is_an_error(server, make_settings):
    items = "".join(f"<item><link>https://big.example/{i}</link></item>" for i in range(5_000))
    server.static("/big", f'<rss version="2.0"><channel>{items}</channel></rss>'.encode())
    result, state = poll(
        make_settings(max_response_bytes=64 * 1024), FeedSource("big", server.url("/big"))
    )
    assert result.record.reason == "too_large" and state.consecutive_failures == 1


def test_poll_feeds_in_parallel_one_failure_does_not_stop_others(
    server, server2, refused_url, make_settings
):
    def slow_feed(h):
        h.pause(0.3)
        h.reply(200, rss(f"<link>{h.path}/item</link>"), "application/rss+xml")

    server.route("/f1", slow_feed)
    server2.route("/f2", slow_feed)
    server.static("/f404", b"", status=404)
    sources = [
        FeedSource("one", server.url("/f1")),
        FeedSource("dead", refused_url),
        FeedSource("missing", server.url("/f404")),
        FeedSource("two", server2.url("/f2")),
        FeedSource("disabled", server.url("/f1"), enabled=False),
        FeedSource("not_due", server.url("/f1")),
    ]
    states = {"not_due": FeedState("not_due", next_poll_at=NOW + timedelta(hours=1))}

    async def go():
        async with PoliteClient(make_settings(max_retries=0)) as client:
            return await poll_feeds(client, sources, states, NOW)

    results = asyncio.run(go())
    by_name = {poll_result.source.name: (poll_result, state) for poll_result, state in results}
    assert list(by_name) == ["one", "dead", "missing", "two"]
    assert by_name["one"][0].record.outcome == "ok" and by_name["two"][0].record.outcome == "ok"
    assert by_name["dead"][0].record.reason == "connect_error"
    assert by_name["missing"][0].record.reason == "http_404"
    assert by_name["dead"][1].consecutive_failures == 1
    one, two = by_name["one"][0].record, by_name["two"][0].record
    assert one.started_at < two.started_at + timedelta(milliseconds=two.duration_ms)
    assert two.started_at < one.started_at + timedelta(milliseconds=one.duration_ms)


# --- article pages -------------------------------------------------------------------------------


def _item(url):
    return FeedItem(
        feed_name="example", url=url, guid=None, title=None, published=None, summary=None
    )


def test_fetch_pages_html_non_html_and_errors(server, make_settings):
    server.static("/a.html", b"<html>article</html>", "text/html; charset=utf-8")
    server.static("/x.xhtml", b"<html/>", "application/xhtml+xml")
    server.route("/untyped", lambda h: h.reply(200, b"<html>no type</html>", None))
    server.static("/doc.pdf", b"%PDF-1.4", "application/pdf")
    server.static("/gone", b"", status=410)
    urls = ["/a.html", "/x.xhtml", "/untyped", "/doc.pdf", "/gone"]

    async def go():
        async with PoliteClient(make_settings()) as client:
            return await fetch_pages(client, [_item(server.url(p)) for p in urls])

    pages = asyncio.run(go())
    assert [type(p) for p in pages] == [Page, Page, Page, FetchRecord, FetchRecord]
    assert pages[0].body == b"<html>article</html>" and pages[0].content_type == "text/html; charset=utf-8"
    assert pages[0].record.kind == "article" and pages[0].item.url == server.url("/a.html")
    assert pages[2].content_type is None
    assert (pages[3].outcome, pages[3].reason, pages[3].status) == ("skipped", "not_html", 200)
    assert (pages[4].outcome, pages[4].reason) == ("error", "http_410")


def test_fetch_pages_keeps_the_header_charset(server, make_settings):
    # A page whose only charset declaration is the HTTP header: without it the body is not
    # UTF-8 and the detector guesses wrong on this short KOI8-R text (CJK mojibake).
    body = "<html><body><p>Взрыв в Багдаде</p></body></html>".encode("koi8-r")
    server.static("/koi8", body, "text/html; charset=KOI8-R")

    async def go():
        async with PoliteClient(make_settings()) as client:
            return await fetch_pages(client, [_item(server.url("/koi8"))])

    (page,) = asyncio.run(go())
    assert page.content_type == "text/html; charset=KOI8-R"
    assert "Взрыв в Багдаде" in decode_html(page.body, page.content_type)


def test_feed_items_pointing_at_private_addresses_are_refused(make_settings):
    items, _ = parse_fixture("private_links.xml")

    async def go():
        async with PoliteClient(make_settings(allow_private_networks=False)) as client:
            return await fetch_pages(client, items)

    results = asyncio.run(go())
    assert [r.reason for r in results] == ["blocked_private_address"] * 3


def test_feed_dates_keep_the_offset_the_feed_wrote():
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://x.example/</link>
    <item><title>Late</title><link>https://x.example/a</link><pubDate>Mon, 29 Jun 2020 00:16:15 +0300</pubDate></item>
    <item><title>GMT</title><link>https://x.example/b</link><pubDate>Mon, 29 Jun 2020 00:16:15 GMT</pubDate></item>
    </channel></rss>"""
    items, _ = parse_feed(feed, {"content-type": "application/rss+xml"}, SOURCE, "https://x.example/feed.xml")
    late, gmt = items
    assert late.published == datetime(2020, 6, 28, 21, 16, 15, tzinfo=UTC)  # the same instant
    assert late.published.utcoffset() == timedelta(hours=3) and late.published.date() == date(2020, 6, 29)
    assert gmt.published.utcoffset() == timedelta(0)
