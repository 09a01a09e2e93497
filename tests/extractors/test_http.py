"""PoliteClient against real, misbehaving servers on 127.0.0.1 / 127.0.0.2.

Every test asserts the recorded outcome; ``fetch`` must never raise. Timing assertions only
use lower bounds the client guarantees (it sleeps at least that long) or logical order.
"""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import ipaddress
import time
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from protego import Protego

from extractors.http import (
    GuardedNetworkBackend,
    PoliteClient,
    RobotsCache,
    RobotsRules,
    is_public_address,
    parse_content_type,
    parse_retry_after,
)

FEED = "application/rss+xml"


def fetch_one(settings, url, *, kind="feed", client_kwargs=None, **kwargs):
    async def go():
        async with PoliteClient(settings, **(client_kwargs or {})) as client:
            return await client.fetch(url, kind=kind, **kwargs)

    return asyncio.run(go())


def fetch_many(settings, urls, *, kind="feed", client_kwargs=None):
    """Fetch concurrently through one client; returns (records, results, robots records)."""

    async def go():
        async with PoliteClient(settings, **(client_kwargs or {})) as client:
            pairs = await asyncio.gather(*(client.fetch(url, kind=kind) for url in urls))
            return pairs, client.drain_robots_records()

    pairs, robots = asyncio.run(go())
    return [p[0] for p in pairs], [p[1] for p in pairs], robots


def end_of(record):
    return record.started_at + timedelta(milliseconds=record.duration_ms)


# --- ordinary success ----------------------------------------------------------------------------


def test_ok_fetch_reports_headers_type_charset_and_polite_headers(server, make_settings):
    server.static("/page", b"<html>ok</html>", 'text/HTML; Charset="ISO-8859-1"')
    record, result = fetch_one(
        make_settings(contact_url="https://ops.example/contact"),
        server.url("/page"),
        kind="feed",
        feed_name="f1",
    )
    assert record.outcome == "ok" and record.reason is None
    assert record.status == 200 and record.n_bytes == len(b"<html>ok</html>")
    assert record.kind == "feed" and record.feed_name == "f1" and record.url == server.url("/page")
    assert record.started_at.tzinfo is UTC and record.duration_ms >= 0
    assert result.body == b"<html>ok</html>" and result.status == 200
    assert (result.content_type, result.charset) == ("text/html", "iso-8859-1")
    assert result.final_url == server.url("/page")
    sent = server.hits_for("/page")[0].headers
    assert sent["user-agent"].startswith("newsevents/")
    assert sent["user-agent"].endswith("(+https://ops.example/contact)")
    assert sent["accept-encoding"] == "gzip, deflate"
    assert "application/rss+xml" in sent["accept"]


def test_empty_200_body_is_ok(server, make_settings):
    server.static("/empty", b"")
    record, result = fetch_one(make_settings(), server.url("/empty"))
    assert record.outcome == "ok" and result.body == b"" and record.n_bytes == 0


def test_wrong_charset_is_reported_as_declared_and_bytes_untouched(server, make_settings):
    body = "Café – déjà vu".encode("latin-1", errors="replace")
    server.static("/latin", body, "text/html; charset=utf-8")
    record, result = fetch_one(make_settings(), server.url("/latin"))
    assert record.outcome == "ok"
    assert result.charset == "utf-8" and result.body == body  # decoding is the parser's job


def test_cookies_are_never_sent_back(server, make_settings):
    server.static("/c", b"x", headers={"Set-Cookie": "track=1; Path=/"})
    fetch_many(make_settings(), [server.url("/c")])
    fetch_many(make_settings(), [server.url("/c"), server.url("/c")])
    assert all("cookie" not in hit.headers for hit in server.hits_for("/c"))


def test_proxy_variables_in_environment_are_ignored(server, make_settings, monkeypatch):
    # An environment proxy would make the proxy, not the guard, choose where we connect.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    server.static("/p", b"direct")
    record, result = fetch_one(make_settings(), server.url("/p"))
    assert record.outcome == "ok" and result.body == b"direct"


# --- timeouts and endless bodies -----------------------------------------------------------------


def test_server_that_never_answers_times_out_and_is_retried(server, make_settings):
    server.route("/silent", lambda h: h.pause(10))
    started = time.monotonic()
    record, result = fetch_one(
        make_settings(read_timeout=0.3, max_retries=1), server.url("/silent")
    )
    assert result is None and record.outcome == "error" and record.reason == "timeout"
    assert record.status is None
    assert len(server.hits_for("/silent")) == 2  # first try + one retry
    assert time.monotonic() - started < 5


def test_trickling_body_hits_the_total_timeout(server, make_settings):
    @server.route("/trickle")
    def trickle(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        while not h.stopping():
            h.wfile.write(b"x")
            h.wfile.flush()
            h.pause(0.05)  # a byte every 50 ms: the read timeout never fires

    started = time.monotonic()
    settings = make_settings(read_timeout=1.0, total_timeout=0.6, max_retries=0)
    record, result = fetch_one(settings, server.url("/trickle"))
    assert result is None and record.reason == "timeout" and record.status == 200
    assert 0 < record.n_bytes < 100
    assert time.monotonic() - started < 3


def test_endless_body_is_cut_at_the_size_cap(server, make_settings):
    @server.route("/endless")
    def endless(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        chunk = b"a" * 65536
        while not h.stopping():
            h.wfile.write(chunk)

    cap = 256 * 1024
    record, result = fetch_one(make_settings(max_response_bytes=cap), server.url("/endless"))
    assert result is None and record.reason == "too_large"
    assert cap < record.n_bytes <= cap + 2 * 65536


def test_declared_huge_body_is_refused_before_reading(server, make_settings):
    @server.route("/huge")
    def huge(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(50 * 1024 * 1024))
        h.end_headers()
        for _ in range(800):
            if h.stopping():
                break
            h.wfile.write(b"b" * 65536)

    record, result = fetch_one(make_settings(), server.url("/huge"))
    assert result is None and record.reason == "too_large" and record.n_bytes == 0


def test_gzip_bomb_stops_at_the_cap_after_decompression(server, make_settings):
    sent = []

    @server.route("/bomb")
    def bomb(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Encoding", "gzip")
        h.end_headers()
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        zeros = b"\0" * (1024 * 1024)
        while not h.stopping():  # an endless gzip stream of zeros, ~1 KB per MB
            data = compressor.compress(zeros) + compressor.flush(zlib.Z_SYNC_FLUSH)
            sent.append(len(data))
            h.wfile.write(data)

    cap = 2 * 1024 * 1024
    record, result = fetch_one(make_settings(max_response_bytes=cap), server.url("/bomb"))
    assert result is None and record.reason == "too_large"
    assert cap < record.n_bytes <= cap + 1  # the decoder never inflates past the cap


def test_gzip_and_both_deflate_flavours_are_decoded(server, make_settings):
    text = b"<html>" + b"news " * 1000 + b"</html>"
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    server.static("/gz", gzip.compress(text), headers={"Content-Encoding": "gzip"})
    server.static(
        "/gz2",
        gzip.compress(text[:100]) + gzip.compress(text[100:]),
        headers={"Content-Encoding": "gzip"},
    )
    server.static("/zlib", zlib.compress(text), headers={"Content-Encoding": "deflate"})
    server.static(
        "/raw",
        raw_deflate.compress(text) + raw_deflate.flush(),
        headers={"Content-Encoding": "deflate"},
    )
    records, results, _ = fetch_many(
        make_settings(), [server.url(p) for p in ("/gz", "/gz2", "/zlib", "/raw")]
    )
    assert [r.outcome for r in records] == ["ok"] * 4
    assert all(result.body == text for result in results)


@pytest.mark.parametrize(
    ("encoding", "body"),
    [("gzip", b"this is not gzip at all"), ("br", b"\x8b\x02\x80hello"), ("zstd", b"x")],
)
def test_corrupt_or_unasked_content_encoding(server, make_settings, encoding, body):
    server.static("/enc", body, headers={"Content-Encoding": encoding})
    record, result = fetch_one(make_settings(), server.url("/enc"))
    assert result is None and record.reason == "bad_content_encoding"


def test_truncated_body_is_a_protocol_error(server, make_settings):
    @server.route("/short")
    def short(h):
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.write(b"only ten b")
        h.close_connection = True

    record, result = fetch_one(make_settings(), server.url("/short"))
    assert result is None and record.reason == "protocol_error"


def test_garbage_instead_of_http_is_a_protocol_error(server, make_settings):
    server.route("/garbage", lambda h: h.wfile.write(b"SSH-2.0-OpenSSH\r\n\r\n\x00\xff"))
    record, result = fetch_one(make_settings(), server.url("/garbage"))
    assert result is None and record.reason == "protocol_error"


def test_connection_refused_is_recorded(refused_url, make_settings):
    record, result = fetch_one(make_settings(), refused_url)
    assert result is None and record.outcome == "error" and record.reason == "connect_error"


def test_unresolvable_host_is_a_dns_error(make_settings):
    async def no_such_host(host, port):
        raise OSError(-2, "Name or service not known")

    backend = GuardedNetworkBackend(resolve=no_such_host)
    record, result = fetch_one(
        make_settings(), "http://no-such-host.example/", client_kwargs={"network_backend": backend}
    )
    assert result is None and record.reason == "dns_error"


# --- status codes and retries --------------------------------------------------------------------


def _sequence(*responses):
    """Handler answering the n-th request with the n-th response (the last one repeats)."""
    calls = []

    def handler(h):
        calls.append(1)
        status, headers, body = responses[min(len(calls), len(responses)) - 1]
        h.reply(status, body, "text/html", headers)

    return handler


def test_500_then_200_is_retried_to_success(server, make_settings):
    server.route("/flaky", _sequence((500, {}, b"oops"), (200, {}, b"fine")))
    record, result = fetch_one(make_settings(), server.url("/flaky"))
    assert record.outcome == "ok" and result.body == b"fine"
    assert len(server.hits_for("/flaky")) == 2


def test_429_with_retry_after_seconds_waits_that_long(server, make_settings):
    server.route("/busy", _sequence((429, {"Retry-After": "1"}, b""), (200, {}, b"ok")))
    record, _ = fetch_one(make_settings(), server.url("/busy"))
    first, second = server.hits_for("/busy")
    assert record.outcome == "ok"
    assert second.started - first.ended >= 0.95


def test_429_with_retry_after_http_date_waits_until_then(server, make_settings):
    def handler(h, calls=[]):  # noqa: B006 (call counter)
        calls.append(1)
        if len(calls) == 1:
            when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=2), True)
            h.reply(429, b"", headers={"Retry-After": when})
        else:
            h.reply(200, b"ok")

    server.route("/date", handler)
    record, _ = fetch_one(make_settings(), server.url("/date"))
    first, second = server.hits_for("/date")
    assert record.outcome == "ok"
    assert second.started - first.ended >= 0.9  # HTTP-dates have whole seconds


def test_retry_after_longer_than_the_cap_gives_up_at_once(server, make_settings):
    server.static("/later", b"", status=429, headers={"Retry-After": "3600"})
    started = time.monotonic()
    record, result = fetch_one(make_settings(max_retry_wait=5), server.url("/later"))
    assert result is None and record.reason == "http_429" and record.status == 429
    assert len(server.hits_for("/later")) == 1 and time.monotonic() - started < 2


def test_503_forever_gives_up_after_the_retries(server, make_settings):
    server.static("/down", b"maintenance", status=503)
    record, result = fetch_one(make_settings(max_retries=2), server.url("/down"))
    assert result is None and record.reason == "http_503" and record.status == 503
    assert len(server.hits_for("/down")) == 3


@pytest.mark.parametrize("status", [404, 410, 403, 204])
def test_client_errors_are_not_retried(server, make_settings, status):
    server.static("/gone", b"", status=status)
    record, result = fetch_one(make_settings(), server.url("/gone"))
    assert result is None and record.reason == f"http_{status}" and record.status == status
    assert len(server.hits_for("/gone")) == 1


def test_conditional_get_sends_validators_and_304_is_not_modified(server, make_settings):
    @server.route("/cond")
    def cond(h):
        if h.headers.get("If-None-Match") == '"v1"':
            h.send_response(304)
            h.send_header("ETag", '"v1"')
            h.end_headers()
        else:
            h.reply(200, b"<rss/>", FEED, {"ETag": '"v1"'})

    last_modified = "Sat, 21 Nov 2026 10:00:00 GMT"
    record, result = fetch_one(
        make_settings(), server.url("/cond"), etag='"v1"', last_modified=last_modified
    )
    assert record.outcome == "not_modified" and record.status == 304
    assert result.status == 304 and result.body == b"" and result.headers["etag"] == '"v1"'
    sent = server.hits_for("/cond")[0].headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == last_modified


# --- redirects -----------------------------------------------------------------------------------


def _redirect(location, status=302):
    return lambda h: h.reply(status, b"", None, {"Location": location})


def test_relative_redirect_is_followed(server, make_settings):
    server.route("/old", _redirect("new?x=1#frag", 301))
    server.static("/new", b"moved")
    record, result = fetch_one(make_settings(), server.url("/old"))
    assert record.outcome == "ok" and result.body == b"moved"
    assert result.final_url == server.url("/new?x=1") and result.url == server.url("/old")


def test_redirect_loop_is_detected(server, make_settings):
    server.route("/a", _redirect("/b"))
    server.route("/b", _redirect("/a"))
    server.route("/self", _redirect("/self", 307))
    records, _, _ = fetch_many(make_settings(), [server.url("/a"), server.url("/self")])
    assert [r.reason for r in records] == ["redirect_loop", "redirect_loop"]
    assert len(server.hits_for("/a")) == 1 and len(server.hits_for("/self")) == 1


def test_redirect_chain_longer_than_max_redirects(server, make_settings):
    for i in range(6):
        server.route(f"/r{i}", _redirect(f"/r{i + 1}"))
    server.static("/r6", b"end")
    settings = make_settings(max_redirects=3)
    exactly_three, _ = fetch_one(settings, server.url("/r3"))  # r3 -> r4 -> r5 -> r6
    four, result = fetch_one(settings, server.url("/r2"))  # r2 -> ... -> r6 is one hop too many
    assert exactly_three.outcome == "ok"
    assert four.reason == "too_many_redirects" and result is None
    assert len(server.hits_for("/r6")) == 1


def test_redirect_to_other_schemes_is_blocked(server, make_settings):
    server.route("/ftp", _redirect("ftp://example.com/file"))
    server.route("/file", _redirect("file:///etc/passwd"))
    server.route("/none", lambda h: h.reply(302, b"", None))
    records, _, _ = fetch_many(make_settings(), [server.url(p) for p in ("/ftp", "/file", "/none")])
    assert [r.reason for r in records] == ["blocked_scheme", "blocked_scheme", "bad_redirect"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/x", "blocked_scheme"),
        ("file:///etc/passwd", "blocked_scheme"),
        ("javascript:alert(1)", "blocked_scheme"),
        ("data:text/html,hi", "blocked_scheme"),
        ("http://", "invalid_url"),
    ],
)
def test_non_http_urls_are_refused_without_network(make_settings, url, reason):
    record, result = fetch_one(make_settings(), url, kind="article")
    assert result is None and record.outcome == "error" and record.reason == reason


# --- SSRF guard ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "192.0.0.8",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fec0::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",
        "64:ff9b::a00:1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_public_addresses(address):
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "[::1]",
        "0.0.0.0",
        "100.64.0.1",
        "[::ffff:127.0.0.1]",
        "2130706433",
        "0x7f.1",
        "127.1",
        "[0:0:0:0:0:ffff:7f00:1]",
        "localhost",
    ],
)
def test_guard_refuses_private_targets_without_connecting(server, make_settings, host):
    server.static("/secret", b"internal")
    url = f"http://{host}:{server.port}/secret"
    record, result = fetch_one(make_settings(allow_private_networks=False), url, kind="article")
    assert result is None and record.reason == "blocked_private_address"
    assert server.hits == []  # not even robots.txt was asked


def _loopback_only(ip):
    """Treat 127.0.0.1 (our 'public' test server) as allowed, everything else normally."""
    return str(ip) == "127.0.0.1" or is_public_address(ip)


def test_redirect_to_private_address_is_refused_at_connect(server, server2, make_settings):
    server.route("/out", _redirect(server2.url("/internal")))
    server.route("/meta", _redirect("http://169.254.169.254/latest/meta-data/"))
    server2.static("/internal", b"secret")
    backend = GuardedNetworkBackend(is_allowed=_loopback_only)
    records, results, _ = fetch_many(
        make_settings(allow_private_networks=False),
        [server.url("/out"), server.url("/meta")],
        kind="article",
        client_kwargs={"network_backend": backend},
    )
    assert [r.reason for r in records] == ["blocked_private_address"] * 2
    assert results == [None, None]
    assert server2.hits == []
    assert len(server.hits_for("/out")) == 1


def test_dns_answers_are_checked_and_the_checked_address_is_used(server, make_settings):
    answers = {"rebind.example": ["93.184.216.34", "10.0.0.7"], "news.example": ["127.0.0.1"]}

    async def fake_dns(host, port):
        return answers[host]

    server.static("/a", b"via checked address")
    backend = GuardedNetworkBackend(is_allowed=_loopback_only, resolve=fake_dns)
    records, results, _ = fetch_many(
        make_settings(allow_private_networks=False),
        [f"http://rebind.example:{server.port}/a", f"http://news.example:{server.port}/a"],
        client_kwargs={"network_backend": backend},
    )
    assert records[0].reason == "blocked_private_address"  # one bad answer refuses the host
    assert records[1].outcome == "ok" and results[1].body == b"via checked address"
    # We connected to the address we checked, and the Host header still names the site.
    assert server.hits_for("/a")[0].headers["host"] == f"news.example:{server.port}"


def test_default_client_uses_the_guard(make_settings):
    client = PoliteClient(make_settings(allow_private_networks=False))
    assert isinstance(client._network_backend, GuardedNetworkBackend)


# --- robots.txt ----------------------------------------------------------------------------------


def test_robots_disallow_is_honoured_and_cached(server, make_settings):
    server.static("/robots.txt", b"User-agent: *\nDisallow: /private\n", "text/plain")
    server.static("/private/a", b"no")
    server.static("/public/a", b"yes")
    server.static("/public/b", b"yes")
    urls = [server.url(p) for p in ("/private/a", "/public/a", "/public/b")]
    records, results, robots = fetch_many(make_settings(), urls, kind="article")
    assert [r.reason for r in records] == ["robots_disallowed", None, None]
    assert results[0] is None and results[1].body == b"yes"
    assert server.hits_for("/private/a") == []
    assert len(server.hits_for("/robots.txt")) == 1  # one request per host, then cached
    assert [(r.kind, r.outcome) for r in robots] == [("robots", "ok")]


def test_robots_group_for_our_token(server, make_settings):
    robots = b"User-agent: googlebot\nAllow: /\n\nUser-agent: newsevents\nDisallow: /\n"
    server.static("/robots.txt", robots, "text/plain")
    server.static("/x", b"x")
    record, _ = fetch_one(make_settings(), server.url("/x"), kind="article")
    assert record.reason == "robots_disallowed"


def test_robots_404_allows_everything(server, make_settings):
    server.static("/story", b"story")  # /robots.txt is a 404 by default
    record, result = fetch_one(make_settings(), server.url("/story"), kind="article")
    assert record.outcome == "ok" and result.body == b"story"


def test_robots_500_disallows_everything(server, make_settings):
    server.static("/robots.txt", b"", status=500)
    server.static("/story", b"story")
    record, result = fetch_one(make_settings(max_retries=0), server.url("/story"), kind="article")
    assert result is None and record.reason == "robots_unavailable"
    assert server.hits_for("/story") == []


def test_unreachable_robots_keeps_using_an_expired_good_copy(server, make_settings):
    # RFC 9309 2.4: while robots.txt is unreachable, a previously fetched copy may be used.
    server.static("/robots.txt", b"", status=503)
    server.static("/open/a", b"a")
    server.static("/closed/a", b"no")
    cache = RobotsCache()
    old_rules = Protego.parse("User-agent: *\nDisallow: /closed\n")
    cache.put(f"http://127.0.0.1:{server.port}", RobotsRules(old_rules, None, expires_at=0.0))
    records, _, robots = fetch_many(
        make_settings(max_retries=0),
        [server.url("/open/a"), server.url("/closed/a")],
        kind="article",
        client_kwargs={"robots_cache": cache},
    )
    assert [r.reason for r in records] == [None, "robots_disallowed"]
    assert [r.reason for r in robots] == ["http_503"]  # asked once, then the old copy served


def test_robots_not_checked_for_feeds_or_when_disabled(server, make_settings):
    server.static("/robots.txt", b"User-agent: *\nDisallow: /\n", "text/plain")
    server.static("/feed", b"<rss/>", FEED)
    feed, _ = fetch_one(make_settings(), server.url("/feed"), kind="feed")
    off, _ = fetch_one(make_settings(respect_robots=False), server.url("/feed"), kind="article")
    assert feed.outcome == "ok" and off.outcome == "ok"
    assert server.hits_for("/robots.txt") == []


def test_redirect_target_is_checked_against_its_own_robots(server, server2, make_settings):
    server.route("/go", _redirect(server2.url("/blocked")))
    server2.static("/robots.txt", b"User-agent: *\nDisallow: /blocked\n", "text/plain")
    server2.static("/blocked", b"no")
    record, _ = fetch_one(make_settings(), server.url("/go"), kind="article")
    assert record.reason == "robots_disallowed" and server2.hits_for("/blocked") == []


def test_crawl_delay_spaces_requests_to_the_host(server, make_settings):
    server.static("/robots.txt", b"User-agent: *\nCrawl-delay: 1\n", "text/plain")
    server.static("/one", b"1")
    server.static("/two", b"2")
    records, _, _ = fetch_many(
        make_settings(per_host_delay=0.0), [server.url("/one"), server.url("/two")], kind="article"
    )
    assert [r.outcome for r in records] == ["ok", "ok"]
    hits = sorted(server.hits_for("/one") + server.hits_for("/two"), key=lambda h: h.started)
    assert hits[1].started - hits[0].ended >= 0.95


# --- politeness: one request per host at a time, hosts in parallel -------------------------------


def test_one_request_per_host_while_hosts_run_in_parallel(server, server2, make_settings):
    def slow(h):
        h.pause(0.4)
        h.reply(200, b"slow")

    for i in range(3):
        server.route(f"/s{i}", slow)
    server2.route("/s0", slow)
    urls = [server.url(f"/s{i}") for i in range(3)] + [server2.url("/s0")]
    records, _, _ = fetch_many(make_settings(per_host_delay=0.0), urls)
    assert [r.outcome for r in records] == ["ok"] * 4

    same_host = sorted(server.hits, key=lambda h: h.started)
    for earlier, later in zip(same_host, same_host[1:], strict=False):
        assert later.started >= earlier.ended  # never two at once on one host
    one_a = min(records[:3], key=lambda r: r.started_at)
    other = records[3]
    assert other.started_at < end_of(one_a) and one_a.started_at < end_of(other)  # overlap


def test_per_host_delay_separates_requests(server, make_settings):
    server.static("/d1", b"1")
    server.static("/d2", b"2")
    fetch_many(make_settings(per_host_delay=0.5), [server.url("/d1"), server.url("/d2")])
    first, second = sorted(server.hits, key=lambda h: h.started)
    assert second.started - first.ended >= 0.5


def test_max_parallel_hosts_one_serialises_hosts_too(server, server2, make_settings):
    def slow(h):
        h.pause(0.3)
        h.reply(200, b"slow")

    server.route("/p", slow)
    server2.route("/p", slow)
    fetch_many(make_settings(max_parallel_hosts=1), [server.url("/p"), server2.url("/p")])
    first, second = sorted(server.hits + server2.hits, key=lambda h: h.started)
    assert second.started >= first.ended


# --- pure helpers --------------------------------------------------------------------------------


def test_parse_retry_after():
    now = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(" 0 ", now) == 0.0
    assert parse_retry_after("Sat, 21 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Sat, 21 Nov 2026 11:00:00 GMT", now) == 0.0  # past: no wait
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("inf", now) is None
    assert parse_retry_after(None, now) is None


def test_parse_content_type():
    assert parse_content_type("text/html; charset=UTF-8") == ("text/html", "utf-8")
    assert parse_content_type("application/xml") == ("application/xml", None)
    assert parse_content_type("text/xml; foo=bar; charset='windows-1252'") == (
        "text/xml",
        "windows-1252",
    )
    assert parse_content_type(None) == (None, None)
    assert parse_content_type(";charset=") == (None, None)
