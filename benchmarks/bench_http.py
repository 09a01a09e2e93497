"""Feed polling and article fetching through ``PoliteClient`` next to a naive sequential httpx
loop doing the same requests against the same loopback server, measured in the same run.

    python -m benchmarks.bench_http [--feeds 1000] [--articles 2000] [--hosts 50] [--json]

The server runs in its own process and listens on one address per simulated host
(127.0.0.10, 127.0.0.11, ...: all of 127.0.0.0/8 is loopback on Linux), each on its own port;
``PoliteClient`` queues per host name, so distinct addresses are distinct hosts to it.
Feed ``j`` lives on host ``j % hosts``. Every feed is polled with the ETag stored from "the
last run"; a fixed share (``--changed``, chosen with a fixed seed) has a new ETag and answers
200 with an RSS 2.0 document, the others answer 304. The changed feeds list the articles
between them; article ``k`` lives on host ``k % hosts``. Bodies are sent uncompressed.

The two sides do the same job: poll every feed conditionally, parse the changed ones, fetch
every article linked from them and keep the page bodies in memory (the flow extracts them
next). Each side runs in its own fresh process, so its peak RSS (``getrusage`` maxrss) is its
own; the work is timed inside that process, after its imports.

  polite   one PoliteClient: poll_feeds() then fetch_pages() on all items, settings from
           load_settings(environ={}, allow_private_networks=True, per_host_delay=0.0);
           robots.txt is fetched once per host (respect_robots stays on), every connection
           goes through the SSRF guard (which allows loopback here), feeds are parsed by
           parse_feed in a worker thread
  naive    one httpx.Client: a for loop of GETs (If-None-Match on feeds), feedparser.parse on
           each 200 feed body, then a for loop of GETs over the links; no robots.txt

The server counts the requests and new connections of each side, and the most requests it
had in flight at once, to one host and in all. ``--latency-ms`` makes it wait before each
answer, as a real server does; with 0 (the default) the run measures client overhead alone,
and the in-flight figures are shown as "-" because the server then answers each request
without yielding and can never see two at once. Timings on shared cores swing: read the
load average. The exit status is 1 if either side did not get the expected answers.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import ipaddress
import json
import multiprocessing
import os
import random
import resource
import sys
import time
import traceback
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from multiprocessing.connection import Connection

# Heavy imports (httpx, feedparser, extractors) happen inside each side's process only, so
# that neither peak includes the other side's modules. The launching process must stay small
# too: Linux carries ru_maxrss across fork+exec, so a spawned child's peak starts at its
# parent's resident size (checked: a 314 MB parent gave a fresh child a 314 MB "peak").

FIRST_HOST = ipaddress.IPv4Address("127.0.0.10")  # clear of 127.0.0.1/.2 used by the tests
MAX_HOSTS = 1000
SEED = 20261121
SIDE_TIMEOUT = 900.0  # seconds one side may take before the run is abandoned
PUBLISHED = formatdate(1_763_700_000, usegmt=True)  # fixed pubDate: output does not drift


@dataclass(frozen=True)
class Plan:
    """What the server serves and what both clients request."""

    feeds: int
    articles: int
    hosts: int
    changed: tuple[int, ...]  # feeds whose ETag changed since the stored one (answer 200)
    article_bytes: int
    latency_ms: float

    def feed_host(self, feed: int) -> int:
        return feed % self.hosts

    def article_host(self, article: int) -> int:
        return article % self.hosts

    def articles_of(self, feed: int) -> range:
        """Articles listed by a changed feed: every len(changed)-th one from its rank."""
        rank = self.changed.index(feed)
        return range(rank, self.articles, len(self.changed))

    @staticmethod
    def stored_etag(feed: int) -> str:
        return f'"f{feed}-v1"'

    def current_etag(self, feed: int) -> str:
        return f'"f{feed}-v2"' if feed in self._changed_set else self.stored_etag(feed)

    @functools.cached_property
    def _changed_set(self) -> frozenset[int]:
        return frozenset(self.changed)


def make_plan(
    feeds: int, articles: int, hosts: int, changed_share: float, article_bytes: int, latency_ms: float
) -> Plan:
    n_changed = min(feeds, max(1, round(feeds * changed_share)))
    changed = sorted(random.Random(SEED).sample(range(feeds), n_changed))
    return Plan(feeds, articles, hosts, tuple(changed), article_bytes, latency_ms)


def host_address(index: int) -> str:
    return str(FIRST_HOST + index)


# --- the loopback server (its own process) -------------------------------------------------------


@dataclass
class ServerStats:
    """What the server saw during one side's run."""

    requests: int = 0
    connections: int = 0
    by_route: Counter = field(default_factory=Counter)  # "feed 304", "article 200", ...
    max_in_flight_per_host: int = 0
    max_in_flight: int = 0


class LoopbackServer:
    """A minimal HTTP/1.1 server (keep-alive, GET only) on one address per simulated host."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.bases: list[str] = []
        self.stats = ServerStats()
        self._in_flight = [0] * plan.hosts
        self._in_flight_total = 0
        self._feed_bodies: dict[int, bytes] = {}
        self._open: set[asyncio.StreamWriter] = set()
        filler = (
            "<p>Residents said the market reopened on Tuesday after the night's clashes; "
            "officials gave no figures and the roads to the north stayed closed.</p>\n"
        )
        self._filler = (filler * (plan.article_bytes // len(filler) + 1)).encode()

    async def start(self) -> list[asyncio.Server]:
        servers = []
        for host in range(self.plan.hosts):

            async def on_connect(reader, writer, host=host):
                await self._serve_connection(reader, writer, host)

            server = await asyncio.start_server(on_connect, host_address(host), 0, backlog=256)
            port = server.sockets[0].getsockname()[1]
            self.bases.append(f"http://{host_address(host)}:{port}")
            servers.append(server)
        return servers

    def take_stats(self) -> ServerStats:
        stats, self.stats = self.stats, ServerStats()
        return stats

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: int) -> None:
        self.stats.connections += 1
        self._open.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                request_line, *lines = head.decode("latin-1").split("\r\n")
                _method, target, version = request_line.split(" ", 2)
                headers = {}
                for line in lines:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                self._enter(host)
                try:
                    if self.plan.latency_ms:
                        await asyncio.sleep(self.plan.latency_ms / 1000)
                    route, status, content_type, extra, body = self._answer(host, target, headers)
                    self.stats.by_route[f"{route} {status}"] += 1
                    keep_alive = version == "HTTP/1.1" and headers.get("connection") != "close"
                    reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
                    head_out = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
                    if content_type:
                        head_out.append(f"Content-Type: {content_type}")
                    head_out += [f"{k}: {v}" for k, v in extra.items()]
                    head_out.append("Connection: " + ("keep-alive" if keep_alive else "close"))
                    writer.write(("\r\n".join(head_out) + "\r\n\r\n").encode("latin-1"))
                    writer.write(body)
                finally:
                    # Before drain: the answer is handed over, so a client that sends its next
                    # request only after reading this one can never be seen as overlapping.
                    self._leave(host)
                await writer.drain()
                if not keep_alive:
                    return
        except ConnectionError:
            return
        finally:
            self._open.discard(writer)
            writer.close()

    async def close_connections(self) -> None:
        """Close idle keep-alive connections, so their handlers end before the loop does."""
        for writer in list(self._open):
            writer.close()
        await asyncio.sleep(0.05)

    def _enter(self, host: int) -> None:
        self.stats.requests += 1
        self._in_flight[host] += 1
        self._in_flight_total += 1
        self.stats.max_in_flight_per_host = max(self.stats.max_in_flight_per_host, self._in_flight[host])
        self.stats.max_in_flight = max(self.stats.max_in_flight, self._in_flight_total)

    def _leave(self, host: int) -> None:
        self._in_flight[host] -= 1
        self._in_flight_total -= 1

    def _answer(
        self, host: int, target: str, headers: dict[str, str]
    ) -> tuple[str, int, str | None, dict[str, str], bytes]:
        """(route, status, content type, extra headers, body) for one GET."""
        path = target.split("?", 1)[0]
        if path == "/robots.txt":
            return "robots", 200, "text/plain", {}, b"User-agent: *\nDisallow: /private/\n"
        kind, _, name = path.strip("/").partition("/")
        number = name.split(".", 1)[0]
        if kind == "feeds" and number.isdigit() and self._owns_feed(host, int(number)):
            feed = int(number)
            etag = self.plan.current_etag(feed)
            if headers.get("if-none-match") == etag:
                return "feed", 304, None, {"ETag": etag}, b""
            return "feed", 200, "application/rss+xml; charset=utf-8", {"ETag": etag}, self._feed(feed)
        if kind == "articles" and number.isdigit() and self._owns_article(host, int(number)):
            return "article", 200, "text/html; charset=utf-8", {}, self._article(int(number))
        return "other", 404, "text/plain", {}, b"not found"

    def _owns_feed(self, host: int, feed: int) -> bool:
        return feed < self.plan.feeds and self.plan.feed_host(feed) == host

    def _owns_article(self, host: int, article: int) -> bool:
        return article < self.plan.articles and self.plan.article_host(article) == host

    def _feed(self, feed: int) -> bytes:
        body = self._feed_bodies.get(feed)
        if body is None:
            items = "".join(
                f"<item><title>Article {k}</title>"
                f"<link>{self.bases[self.plan.article_host(k)]}/articles/{k}.html</link>"
                f'<guid isPermaLink="false">article-{k}</guid><pubDate>{PUBLISHED}</pubDate>'
                f"<description>Summary of article {k}, listed by feed {feed}.</description></item>\n"
                for k in self.plan.articles_of(feed)
            )
            body = self._feed_bodies[feed] = (
                '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                f"<title>Feed {feed}</title><link>{self.bases[self.plan.feed_host(feed)]}/</link>"
                f"<description>Benchmark feed {feed}</description>\n{items}</channel></rss>\n"
            ).encode()
        return body

    def _article(self, article: int) -> bytes:
        head = (
            f'<!doctype html><html><head><meta charset="utf-8"><title>Article {article}</title>'
            f"</head><body><article><h1>Article {article}</h1>\n"
        ).encode()
        tail = b"</article></body></html>\n"
        return head + self._filler[: max(0, self.plan.article_bytes - len(head) - len(tail))] + tail


def serve(plan: Plan, control: Connection) -> None:
    """Server process: send the host base URLs, then answer "stats" and "stop" on ``control``."""

    async def main() -> None:
        server = LoopbackServer(plan)
        listeners = await server.start()
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_control() -> None:
            try:
                command = control.recv()
            except EOFError:  # the benchmark process is gone: stop too
                command = "stop"
            if command == "stats":
                stats = server.take_stats()
                # Not dataclasses.asdict: it rebuilds the Counter from (key, count) pairs.
                control.send({**vars(stats), "by_route": dict(stats.by_route)})
            else:
                stopped.set()

        loop.add_reader(control.fileno(), on_control)
        control.send(server.bases)
        await stopped.wait()
        loop.remove_reader(control.fileno())
        for listener in listeners:
            listener.close()
        await server.close_connections()

    asyncio.run(main())


# --- the two clients (each in its own process) ---------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_polite(plan: Plan, bases: list[str], max_parallel_hosts: int | None) -> dict:
    from datetime import UTC, datetime

    from core.records import FeedSource, FeedState, FetchRecord
    from core.settings import load_settings
    from extractors.feeds import fetch_pages, poll_feeds
    from extractors.http import PoliteClient

    settings = load_settings(
        environ={},
        allow_private_networks=True,
        per_host_delay=0.0,
        max_parallel_hosts=max_parallel_hosts,
    )
    sources = [FeedSource(name=f"feed-{j}", url=f"{bases[plan.feed_host(j)]}/feeds/{j}.xml") for j in range(plan.feeds)]
    states = {
        source.name: FeedState(feed_name=source.name, etag=plan.stored_etag(j)) for j, source in enumerate(sources)
    }
    rss_after_imports = peak_rss_mb()

    polled_at = 0.0

    async def job():
        nonlocal polled_at
        async with PoliteClient(settings) as client:
            polls = await poll_feeds(client, sources, states, datetime.now(UTC))
            polled_at = time.perf_counter()
            items = [item for poll, _state in polls for item in poll.items]
            pages = await fetch_pages(client, items)
            return polls, pages, client.drain_robots_records()

    started = time.perf_counter()
    polls, pages, robots = asyncio.run(job())
    wall = time.perf_counter() - started
    feed_outcomes = Counter(poll.record.outcome for poll, _state in polls)
    page_errors = [page for page in pages if isinstance(page, FetchRecord)]
    return {
        "wall_s": wall,
        "poll_s": polled_at - started,
        "fetch_s": wall - (polled_at - started),
        "peak_rss_mb": peak_rss_mb(),
        "rss_after_imports_mb": rss_after_imports,
        "feeds_not_modified": feed_outcomes["not_modified"],
        "feeds_changed": feed_outcomes["ok"],
        "feed_errors": plan.feeds - feed_outcomes["not_modified"] - feed_outcomes["ok"],
        "items": sum(len(poll.items) for poll, _state in polls),
        "articles_ok": len(pages) - len(page_errors),
        "article_errors": len(page_errors),
        "robots_requests": len(robots),
        "body_mb": sum(len(p.body) for p in pages if not isinstance(p, FetchRecord)) / 2**20,
        "max_parallel_hosts": settings.max_parallel_hosts,
        "error_reasons": dict(Counter(p.reason or p.outcome for p in page_errors)),
    }


def run_naive(plan: Plan, bases: list[str], max_parallel_hosts: int | None) -> dict:
    import feedparser
    import httpx

    feed_urls = [f"{bases[plan.feed_host(j)]}/feeds/{j}.xml" for j in range(plan.feeds)]
    rss_after_imports = peak_rss_mb()

    started = time.perf_counter()
    statuses: Counter = Counter()
    links: list[str] = []
    bodies: list[bytes] = []
    article_errors = 0
    with httpx.Client(timeout=30.0) as client:
        for j, url in enumerate(feed_urls):
            response = client.get(url, headers={"If-None-Match": plan.stored_etag(j)})
            statuses[response.status_code] += 1
            if response.status_code == 200:
                links += [entry.link for entry in feedparser.parse(response.content).entries]
        polled_at = time.perf_counter()
        for link in links:
            response = client.get(link)
            if response.status_code == 200:
                bodies.append(response.content)
            else:
                article_errors += 1
    wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "poll_s": polled_at - started,
        "fetch_s": wall - (polled_at - started),
        "peak_rss_mb": peak_rss_mb(),
        "rss_after_imports_mb": rss_after_imports,
        "feeds_not_modified": statuses[304],
        "feeds_changed": statuses[200],
        "feed_errors": plan.feeds - statuses[304] - statuses[200],
        "items": len(links),
        "articles_ok": len(bodies),
        "article_errors": article_errors,
        "robots_requests": 0,
        "body_mb": sum(map(len, bodies)) / 2**20,
        "max_parallel_hosts": 1,
        "error_reasons": {},
    }


SIDES = {"polite": run_polite, "naive": run_naive}


def _side_main(name: str, plan: Plan, bases: list[str], max_parallel_hosts, out: Connection) -> None:
    try:
        out.send(SIDES[name](plan, bases, max_parallel_hosts))
    except BaseException:
        out.send({"crashed": traceback.format_exc()})
        raise


# --- orchestration --------------------------------------------------------------------------------


class BenchmarkFailed(RuntimeError):
    pass


def _run_side(ctx, name: str, plan: Plan, bases: list[str], max_parallel_hosts) -> dict:
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_side_main, args=(name, plan, bases, max_parallel_hosts, send), name=f"bench-{name}")
    process.start()
    send.close()
    try:
        if not receive.poll(SIDE_TIMEOUT):
            raise BenchmarkFailed(f"{name} side gave no result within {SIDE_TIMEOUT:.0f} s")
        result = receive.recv()
    except EOFError as exc:
        raise BenchmarkFailed(f"{name} side died (exit code {process.exitcode})") from exc
    finally:
        process.join(10)
        if process.is_alive():
            process.terminate()
            process.join()
    if "crashed" in result:
        raise BenchmarkFailed(f"{name} side crashed:\n{result['crashed']}")
    return result


def expected_counts(plan: Plan) -> dict[str, int]:
    return {
        "feeds_not_modified": plan.feeds - len(plan.changed),
        "feeds_changed": len(plan.changed),
        "feed_errors": 0,
        "items": plan.articles,
        "articles_ok": plan.articles,
        "article_errors": 0,
    }


def run_benchmark(plan: Plan, max_parallel_hosts: int | None = None, progress=None) -> dict:
    """Start the server, run both sides one after the other against it, return the figures."""
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: peaks are each side's own
    control, server_end = ctx.Pipe()
    server = ctx.Process(target=serve, args=(plan, server_end), name="bench-server", daemon=True)
    loadavg_before = os.getloadavg()
    launcher_rss = peak_rss_mb()
    server.start()
    server_end.close()
    sides: dict[str, dict] = {}
    server_stats: dict[str, dict] = {}
    try:
        if not control.poll(60):
            raise BenchmarkFailed("the loopback server did not start within 60 s")
        bases = control.recv()
        for name in SIDES:
            if progress:
                progress(f"running {name} side ...")
            sides[name] = _run_side(ctx, name, plan, bases, max_parallel_hosts)
            control.send("stats")
            server_stats[name] = control.recv()
    finally:
        try:
            control.send("stop")
        except OSError:
            pass
        server.join(10)
        if server.is_alive():
            server.terminate()
            server.join()

    expected = expected_counts(plan)
    for name, side in sides.items():
        stats = server_stats[name]
        side["requests"] = stats["requests"]
        side["requests_per_s"] = stats["requests"] / side["wall_s"]
        side["server_connections"] = stats["connections"]
        side["max_in_flight_per_host"] = stats["max_in_flight_per_host"]
        side["max_in_flight"] = stats["max_in_flight"]
        side["server_routes"] = dict(sorted(stats["by_route"].items()))
        side["complete"] = all(side[key] == value for key, value in expected.items())
    polite, naive = sides["polite"], sides["naive"]
    return {
        "config": {
            "feeds": plan.feeds,
            "changed_feeds": len(plan.changed),
            "articles": plan.articles,
            "hosts": plan.hosts,
            "article_bytes": plan.article_bytes,
            "latency_ms": plan.latency_ms,
            "per_host_delay": 0.0,
            "max_parallel_hosts": polite["max_parallel_hosts"],
        },
        "cpu_count": os.cpu_count(),
        # Floor of both peaks (see the note on imports); far below them when run as a script.
        "launcher_peak_rss_mb": round(launcher_rss, 1),
        "loadavg_before": [round(x, 2) for x in loadavg_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "expected": expected,
        "sides": {name: _rounded(side) for name, side in sides.items()},
        "ratios": {
            # > 1: the polite client finished sooner than the naive loop.
            "naive_wall_over_polite_wall": round(naive["wall_s"] / polite["wall_s"], 2),
            # > 1: the polite client needed more memory at its peak.
            "polite_peak_rss_over_naive_peak_rss": round(polite["peak_rss_mb"] / naive["peak_rss_mb"], 2),
        },
    }


def _rounded(side: dict) -> dict:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in side.items()}


COLUMNS = (
    # (heading, key, format)
    ("wall s", "wall_s", "{:.2f}"),
    ("poll s", "poll_s", "{:.2f}"),
    ("fetch s", "fetch_s", "{:.2f}"),
    ("requests", "requests", "{:d}"),
    ("connections", "server_connections", "{:d}"),
    ("req/s", "requests_per_s", "{:.0f}"),
    ("peak RSS MB", "peak_rss_mb", "{:.1f}"),
    ("RSS after imports MB", "rss_after_imports_mb", "{:.1f}"),
    ("304", "feeds_not_modified", "{:d}"),
    ("feeds 200", "feeds_changed", "{:d}"),
    ("articles", "articles_ok", "{:d}"),
    ("robots", "robots_requests", "{:d}"),
    ("errors", "article_errors", "{:d}"),
    ("max/host", "max_in_flight_per_host", "{:d}"),
    ("max in flight", "max_in_flight", "{:d}"),
)


def render_table(result: dict) -> str:
    """The human-readable report of ``run_benchmark``'s result."""
    config = result["config"]
    lines = [
        f"{config['feeds']} feeds ({config['changed_feeds']} changed, "
        f"{config['feeds'] - config['changed_feeds']} answer 304), {config['articles']} articles "
        f"of {config['article_bytes'] / 1024:.0f} KiB over {config['hosts']} hosts; "
        f"per_host_delay=0, max_parallel_hosts={config['max_parallel_hosts']}, "
        f"server latency {config['latency_ms']:g} ms",
        f"{result['cpu_count']} CPUs, launcher peak RSS {result['launcher_peak_rss_mb']:.1f} MB, "
        "load average before "
        + " ".join(f"{x:.2f}" for x in result["loadavg_before"])
        + ", after "
        + " ".join(f"{x:.2f}" for x in result["loadavg_after"]),
        "",
    ]
    rows = [["side", *(heading for heading, _, _ in COLUMNS), "complete"]]
    for name, side in result["sides"].items():
        cells = [
            # With no latency the server answers each request without yielding, so it can
            # never see two at once: the in-flight figures mean something only with latency.
            "-" if key.startswith("max_in_flight") and not config["latency_ms"] else fmt.format(side[key])
            for _, key, fmt in COLUMNS
        ]
        rows.append([name, *cells, "yes" if side["complete"] else "NO"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        lines.append(
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )
    ratios = result["ratios"]
    lines += [
        "",
        f"naive wall / polite wall:          {ratios['naive_wall_over_polite_wall']:.2f}x  (>1: polite is faster)",
        f"polite peak RSS / naive peak RSS:  {ratios['polite_peak_rss_over_naive_peak_rss']:.2f}x"
        "  (>1: polite uses more)",
    ]
    for name, side in result["sides"].items():
        if not side["complete"]:
            lines.append(f"{name} side incomplete: expected {result['expected']}, errors {side['error_reasons']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=1000, help="feeds polled (default 1000)")
    parser.add_argument("--articles", type=int, default=2000, help="articles fetched (default 2000)")
    parser.add_argument("--hosts", type=int, default=50, help="simulated hosts (default 50)")
    parser.add_argument("--changed", type=float, default=0.1, help="share of feeds answering 200, not 304 (0.1)")
    parser.add_argument("--article-kb", type=float, default=50, help="size of one article page in KiB (50)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="server wait before each answer (0)")
    parser.add_argument(
        "--max-parallel-hosts",
        type=int,
        default=None,
        help="PoliteClient setting (default: the settings default)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not 1 <= args.hosts <= MAX_HOSTS:
        parser.error(f"--hosts must be between 1 and {MAX_HOSTS}")
    if args.feeds < 1 or args.articles < 0 or not 0 < args.changed <= 1:
        parser.error("need --feeds >= 1, --articles >= 0 and 0 < --changed <= 1")

    plan = make_plan(
        args.feeds,
        args.articles,
        args.hosts,
        args.changed,
        int(args.article_kb * 1024),
        args.latency_ms,
    )
    try:
        result = run_benchmark(plan, args.max_parallel_hosts, progress=lambda text: print(text, file=sys.stderr))
    except BenchmarkFailed as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else render_table(result))
    return 0 if all(side["complete"] for side in result["sides"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
