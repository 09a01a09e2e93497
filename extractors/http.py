"""The polite HTTP client: the only place in the project that talks to other servers.

``PoliteClient.fetch(url, kind=...)`` returns ``(FetchRecord, HttpResult | None)`` and never
raises for a problem with one URL. One fetch goes through these steps:

    scheme check (http/https only)
    robots.txt (articles only; RFC 9309; cached per scheme+authority for <= 24 h)
    per-host slot: one request per host at a time, per_host_delay / Crawl-delay between them,
                   at most max_parallel_hosts hosts at once
    GET through GuardedNetworkBackend: the host is resolved, every address checked (SSRF),
                   and the connection made to the checked address itself
    status:  3xx  -> next hop, re-checked from the top (at most max_redirects hops)
             304  -> not_modified
             429/5xx, timeouts -> retried with backoff + jitter, Retry-After honoured
             other non-200 -> error http_<status>
             200  -> body streamed and decompressed by us, aborted past max_response_bytes

Inside, failures are exceptions of the one tree in ``core.errors`` (the leaves below add the
short ``reason`` stored in ``FetchRecord.reason``); ``fetch`` turns them into records.
See docs/politeness.md for every setting and why.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import http.cookiejar
import importlib.metadata
import ipaddress
import logging
import math
import random
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpcore
import httpx
from protego import Protego

from core.errors import (
    BlockedURL,
    FetchTimeout,
    HTTPStatusError,
    NewsEventsError,
    ResponseTooLarge,
    ServerBusy,
    TerminalError,
)
from core.records import FetchRecord
from core.settings import Settings

logger = logging.getLogger(__name__)
# httpx logs every request at INFO; our FetchRecords already say what happened.
logging.getLogger("httpx").setLevel(logging.WARNING)

KINDS = ("feed", "article", "robots")
ROBOTS_TOKEN = "newsevents"  # product token matched against robots.txt User-agent lines
ROBOTS_TTL = 24 * 3600.0  # RFC 9309 2.4: do not use a cached robots.txt for more than 24 h
ROBOTS_FAILURE_TTL = 600.0  # retry an unreachable robots.txt after 10 min, not per article
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 2.5: parse at least the first 500 KiB
CRAWL_DELAY_CAP = 30.0  # a Crawl-delay above this would stall the 15-minute schedule
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

ACCEPT_BY_KIND = {
    "feed": (
        "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
        "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
    ),
    "article": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
    "robots": "text/plain, */*;q=0.5",
}
# Only encodings we decompress ourselves, with a bound on the output (see _Decoder).
ACCEPT_ENCODING = "gzip, deflate"


# --- errors: leaves of the core.errors tree that carry the record's reason ---------------------


class URLRefused(BlockedURL):
    """We will not fetch this URL: blocked_scheme, blocked_private_address, robots_*."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class FetchFailed(TerminalError):
    """The exchange failed for a reason retrying in this run will not fix: connect_error,
    dns_error, tls_error, protocol_error, network_error, invalid_url, bad_redirect,
    redirect_loop, too_many_redirects, bad_content_encoding."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ServerBusyStatus(ServerBusy):
    """HTTP 429 or 5xx, with the status kept for the record."""

    def __init__(self, message: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.status = status


class DnsFailure(httpcore.ConnectError):
    """The host name did not resolve (httpx wraps it in ConnectError; we look at the cause)."""


def reason_for(exc: BaseException) -> str:
    """The short reason code stored in FetchRecord.reason for an error of our tree."""
    if isinstance(exc, URLRefused | FetchFailed):
        return exc.reason
    if isinstance(exc, ServerBusyStatus | HTTPStatusError):
        return f"http_{exc.status}"
    if isinstance(exc, FetchTimeout):
        return "timeout"
    if isinstance(exc, ResponseTooLarge):
        return "too_large"
    if isinstance(exc, ServerBusy):
        return "server_busy"
    if isinstance(exc, BlockedURL):
        return "blocked"
    return type(exc).__name__


# --- SSRF guard ----------------------------------------------------------------------------------

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Not caught by the ipaddress predicates of Python 3.11 but never a public web server.
_ALSO_BLOCKED = (
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT (RFC 6598)
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("fec0::/10"),  # deprecated site-local
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(ip: IPAddress) -> bool:
    """True for a globally routable unicast address; False for private, loopback, link-local,
    multicast, reserved, unspecified, carrier-grade NAT, and IPv6 forms embedding such an
    IPv4 address (IPv4-mapped, 6to4, NAT64)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
        if ip.is_site_local:
            return False
    if (
        ip.is_multicast
        or ip.is_unspecified
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_reserved
    ):
        return False
    if any(ip.version == net.version and ip in net for net in _ALSO_BLOCKED):
        return False
    return ip.is_global


Resolver = Callable[[str, int], Awaitable[list[str]]]


# Own threads for getaddrinfo: a stalled DNS server must not starve the default executor,
# which parses feeds (asyncio.to_thread). A timed-out lookup keeps its thread until the OS
# resolver gives up.
_DNS_EXECUTOR = ThreadPoolExecutor(max_workers=16, thread_name_prefix="newsevents-dns")


async def resolve_host(host: str, port: int) -> list[str]:
    """All addresses of ``host`` (IP literals resolve to themselves), in resolver order."""
    infos = await asyncio.get_running_loop().run_in_executor(
        _DNS_EXECUTOR, functools.partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that resolves the host itself, refuses the connection if any
    address is not allowed, and connects to the checked address. TLS still uses the URL's host
    name for SNI and certificate checks (httpcore passes it to start_tls), and the Host header
    is untouched. Because the check happens on every new connection, redirects, robots.txt and
    DNS rebinding are covered: the address we check is the address we connect to."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        is_allowed: Callable[[IPAddress], bool] | None = None,
        resolve: Resolver = resolve_host,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        if is_allowed is None:
            is_allowed = (lambda ip: True) if allow_private else is_public_address
        self._is_allowed = is_allowed
        self._resolve = resolve
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except (OSError, UnicodeError) as exc:
            raise DnsFailure(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise DnsFailure(f"{host} has no address")
        for address in addresses:
            try:
                allowed = self._is_allowed(ipaddress.ip_address(address))
            except ValueError:
                allowed = False
            if not allowed:
                # One bad address refuses the host: a resolver mixing public and private
                # answers is exactly how rebinding attacks look.
                raise URLRefused(
                    f"{host} resolves to non-public address {address}", "blocked_private_address"
                )
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise URLRefused(f"unix socket {path} refused", "blocked_scheme")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with our network backend. httpx 0.28 has no public hook for the
    backend, so the connection pool is rebuilt with the same options plus ours (httpx is
    pinned; tests/extractors/test_http.py fails if the guard is ever bypassed)."""

    def __init__(self, network_backend: httpcore.AsyncNetworkBackend, limits: httpx.Limits):
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=network_backend,
        )


# --- small pure helpers --------------------------------------------------------------------------


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date), or None."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) from a Content-Type header, both lowercase."""
    if not value:
        return None, None
    media_type, *params = value.split(";")
    charset = None
    for param in params:
        name, _, param_value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = param_value.strip().strip("\"'").lower() or None
    return media_type.strip().lower() or None, charset


def user_agent(contact_url: str) -> str:
    try:
        version = importlib.metadata.version("newsevents")
    except importlib.metadata.PackageNotFoundError:
        version = "0.0.0"
    return f"newsevents/{version} (+{contact_url})"


class _Decoder:
    """Content-Encoding decoder whose output is bounded, so a gzip bomb costs at most the size
    cap in memory (httpx's own decoders inflate a whole network chunk at once)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS}.get(
            encoding, zlib.MAX_WBITS
        )
        self._zlib = None if encoding == "identity" else zlib.decompressobj(self._wbits)
        self._started = False

    @classmethod
    def for_header(cls, header: str | None) -> _Decoder:
        encoding = (header or "identity").strip().lower() or "identity"
        if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise FetchFailed(f"unsupported Content-Encoding {encoding!r}", "bad_content_encoding")
        return cls(encoding)

    def decode(self, data: bytes, max_out: int) -> bytes:
        """At most ``max_out`` bytes decoded from ``data`` (identity: all of it); whatever is
        left over is dropped, which is fine because the caller aborts at that point."""
        if self._zlib is None:
            return data
        if not self._started and self.encoding == "deflate":
            self._started = True
            try:  # "deflate" is zlib-wrapped per RFC 9110 but some servers send raw deflate
                return self._inflate(data, max_out)
            except zlib.error:
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                self._wbits = -zlib.MAX_WBITS
        self._started = True
        return self._inflate(data, max_out)

    def _inflate(self, data: bytes, max_out: int) -> bytes:
        assert self._zlib is not None
        out = bytearray()
        while data and len(out) < max_out:
            out += self._zlib.decompress(data, max_out - len(out))
            if self._zlib.eof:
                data = self._zlib.unused_data
                if not data.startswith(b"\x1f\x8b"):
                    break  # trailing padding after the last gzip member: ignore like browsers
                self._zlib = zlib.decompressobj(self._wbits)  # next gzip member
            else:
                data = self._zlib.unconsumed_tail
        return bytes(out)


# --- results and bookkeeping ---------------------------------------------------------------------


@dataclass(frozen=True)
class HttpResult:
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    content_type: str | None
    charset: str | None


@dataclass
class _Trace:
    """What one fetch did so far, for its record (filled in while the exchange runs)."""

    started_at: datetime | None = None
    started_mono: float | None = None
    status: int | None = None
    n_bytes: int = 0

    def request_started(self) -> None:
        if self.started_at is None:
            self.started_at = datetime.now(UTC)
            self.started_mono = time.monotonic()


@dataclass(frozen=True)
class _Reply:
    url: httpx.URL
    status: int
    headers: httpx.Headers
    body: bytes


@dataclass
class _HostState:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_slot_at: float = 0.0  # time.monotonic() before which no request may start
    crawl_delay: float = 0.0


@dataclass(frozen=True)
class RobotsRules:
    """robots.txt of one scheme+authority as we apply it."""

    parser: Protego | None  # None: no rules (allow all) or unreachable (see failure)
    failure: str | None  # reason every article is refused with while this entry is fresh
    expires_at: float  # time.monotonic()
    crawl_delay: float | None = None

    def allows(self, url: str) -> bool:
        if self.failure is not None:
            return False
        return self.parser is None or self.parser.can_fetch(url, ROBOTS_TOKEN)


class RobotsCache:
    """robots.txt rules per ``scheme://host:port``. Share one between clients to keep rules
    across runs in a long-lived process."""

    def __init__(self) -> None:
        self._rules: dict[str, RobotsRules] = {}

    def get(self, key: str) -> RobotsRules | None:
        """Rules for ``key`` even when expired (an unreachable robots.txt may reuse them)."""
        return self._rules.get(key)

    def put(self, key: str, rules: RobotsRules) -> None:
        self._rules[key] = rules


def _robots_key(url: httpx.URL) -> str:
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.scheme}://{url.host}:{port}"


# --- the client ----------------------------------------------------------------------------------


class PoliteClient:
    """One httpx.AsyncClient with politeness and safety around it; use ``async with``."""

    def __init__(
        self,
        settings: Settings,
        *,
        robots_cache: RobotsCache | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.settings = settings
        self.user_agent = user_agent(settings.contact_url)
        self.robots_cache = robots_cache if robots_cache is not None else RobotsCache()
        self._network_backend = network_backend or GuardedNetworkBackend(
            allow_private=settings.allow_private_networks
        )
        self._http: httpx.AsyncClient | None = None
        self._parallel = asyncio.Semaphore(max(1, settings.max_parallel_hosts))
        self._hosts: dict[str, _HostState] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._robots_records: list[FetchRecord] = []

    async def __aenter__(self) -> PoliteClient:
        s = self.settings
        hosts = max(1, s.max_parallel_hosts)
        limits = httpx.Limits(
            max_connections=2 * hosts, max_keepalive_connections=hosts, keepalive_expiry=30.0
        )
        # Stateless crawler: refuse every cookie, so servers cannot grow our memory or track us.
        no_cookies = http.cookiejar.CookieJar(
            policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
        )
        self._http = httpx.AsyncClient(
            transport=_GuardedTransport(self._network_backend, limits),
            timeout=httpx.Timeout(
                connect=s.connect_timeout,
                read=s.read_timeout,
                write=s.read_timeout,
                pool=s.total_timeout,
            ),
            follow_redirects=False,  # every hop is re-checked by _follow
            trust_env=False,  # an HTTP(S)_PROXY from the environment would bypass the guard
            cookies=no_cookies,
            headers={"user-agent": self.user_agent, "accept-encoding": ACCEPT_ENCODING},
        )
        await self._http.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._http is not None:
            await self._http.__aexit__(*exc_info)
            self._http = None

    def drain_robots_records(self) -> list[FetchRecord]:
        """FetchRecords of the robots.txt requests made since the last call."""
        records, self._robots_records = self._robots_records, []
        return records

    async def fetch(
        self,
        url: str,
        *,
        kind: str,
        feed_name: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> tuple[FetchRecord, HttpResult | None]:
        """GET ``url`` politely. Never raises for a per-URL problem: the record says what
        happened; the result is set for 200 and for 304 (``not_modified``, empty body).
        ``started_at``/``duration_ms`` of the record cover the network exchange, not the time
        spent queued behind other requests to the same host."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        headers = {"accept": accept or ACCEPT_BY_KIND[kind]}
        if etag:
            headers["if-none-match"] = etag
        if last_modified:
            headers["if-modified-since"] = last_modified
        record, reply, _error = await self._fetch_recorded(
            url, kind=kind, feed_name=feed_name, headers=headers
        )
        if reply is None:
            return record, None
        content_type, charset = parse_content_type(reply.headers.get("content-type"))
        return record, HttpResult(
            url=url,
            final_url=str(reply.url),
            status=reply.status,
            headers=dict(reply.headers.items()),
            body=reply.body,
            content_type=content_type,
            charset=charset,
        )

    async def _fetch_recorded(
        self,
        url: str,
        *,
        kind: str,
        feed_name: str | None,
        headers: dict[str, str],
        body_limit: int | None = None,
    ) -> tuple[FetchRecord, _Reply | None, NewsEventsError | None]:
        called_at = datetime.now(UTC)
        called_mono = time.monotonic()
        trace = _Trace()
        reply: _Reply | None = None
        error: NewsEventsError | None = None
        try:
            reply = await self._follow(url, kind, headers, trace, body_limit)
        except NewsEventsError as exc:
            error = exc
        except Exception as exc:  # a bug must not stop the run; it is logged with traceback
            logger.exception("unexpected error fetching %s", url)
            error = FetchFailed(f"unexpected {type(exc).__name__} for {url}: {exc}", "internal")
        if error is not None:
            outcome, reason = "error", reason_for(error)
            logger.debug("%s %s: %s (%s)", kind, url, reason, error)
        else:
            assert reply is not None
            outcome = "not_modified" if reply.status == 304 else "ok"
            reason = None
        started_mono = trace.started_mono if trace.started_mono is not None else called_mono
        record = FetchRecord(
            kind=kind,
            url=url,
            feed_name=feed_name,
            started_at=trace.started_at or called_at,
            status=trace.status,
            n_bytes=trace.n_bytes,
            duration_ms=round((time.monotonic() - started_mono) * 1000, 1),
            outcome=outcome,
            reason=reason,
        )
        return record, reply, error

    async def _follow(
        self,
        url: str,
        kind: str,
        headers: dict[str, str],
        trace: _Trace,
        body_limit: int | None,
    ) -> _Reply:
        """GET with redirects followed by hand, every hop checked like the first."""
        seen: set[str] = set()
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            target = _checked_url(current)
            if kind == "article" and self.settings.respect_robots:
                await self._check_robots(target)
            reply = await self._get_with_retries(target, headers, trace, body_limit)
            if reply.status not in REDIRECT_STATUSES:
                return reply
            location = reply.headers.get("location", "").strip()
            if not location:
                raise FetchFailed(f"HTTP {reply.status} without Location: {target}", "bad_redirect")
            try:
                next_url = target.join(location).copy_with(fragment=None)
            except (httpx.InvalidURL, ValueError, TypeError) as exc:
                raise FetchFailed(
                    f"bad Location {location!r} from {target}", "bad_redirect"
                ) from exc
            seen.add(str(target))
            current = str(next_url)
            if current in seen:
                raise FetchFailed(f"redirect loop at {current} (from {url})", "redirect_loop")
        raise FetchFailed(
            f"more than {self.settings.max_redirects} redirects from {url}", "too_many_redirects"
        )

    async def _get_with_retries(
        self, target: httpx.URL, headers: dict[str, str], trace: _Trace, body_limit: int | None
    ) -> _Reply:
        attempt = 0
        while True:
            try:
                return await self._get_once(target, headers, trace, body_limit)
            except (FetchTimeout, ServerBusy) as exc:
                wait = self._retry_wait(exc, attempt)
                if wait is None or attempt >= self.settings.max_retries:
                    raise
                attempt += 1
                logger.info("retry %d for %s in %.1f s after %s", attempt, target, wait, exc)
                # The whole host waits, not only this URL: the server asked us to slow down.
                state = self._host_state(target.host)
                state.next_slot_at = max(state.next_slot_at, time.monotonic() + wait)

    def _retry_wait(self, exc: NewsEventsError, attempt: int) -> float | None:
        """Seconds before the next attempt, or None to give up now."""
        limit = self.settings.max_retry_wait
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            # Retrying before the server allows is rude; waiting longer stalls the run.
            return retry_after if retry_after <= limit else None
        backoff = self.settings.retry_backoff * 2**attempt
        return min(limit, backoff * (0.5 + random.random()))

    def _host_state(self, host: str) -> _HostState:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _HostState()
        return state

    @asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        """One request per host at a time, spaced by the host delay; a bounded number of hosts
        at once. The delay is waited before taking a global slot so it does not hold one."""
        state = self._host_state(host)
        async with state.lock:
            wait = state.next_slot_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            async with self._parallel:
                try:
                    yield
                finally:
                    delay = max(self.settings.per_host_delay, state.crawl_delay)
                    state.next_slot_at = max(state.next_slot_at, time.monotonic() + delay)

    async def _get_once(
        self, target: httpx.URL, headers: dict[str, str], trace: _Trace, body_limit: int | None
    ) -> _Reply:
        assert self._http is not None, "use PoliteClient in `async with`"
        async with self._host_slot(target.host):
            trace.request_started()
            try:
                async with asyncio.timeout(self.settings.total_timeout):
                    async with self._http.stream("GET", target, headers=headers) as response:
                        return await self._read_reply(target, response, trace, body_limit)
            except TimeoutError as exc:
                raise FetchTimeout(
                    f"{target} took more than {self.settings.total_timeout} s in all"
                ) from exc
            except httpx.TimeoutException as exc:
                raise FetchTimeout(f"{type(exc).__name__} for {target}") from exc
            except httpx.HTTPError as exc:
                raise _translate(exc, target) from exc
            except (OSError, ssl.SSLError) as exc:
                raise FetchFailed(
                    f"{type(exc).__name__} for {target}: {exc}", "network_error"
                ) from exc

    async def _read_reply(
        self, target: httpx.URL, response: httpx.Response, trace: _Trace, body_limit: int | None
    ) -> _Reply:
        status = response.status_code
        trace.status = status
        if status in REDIRECT_STATUSES or status == 304:
            await _drain(response)
            return _Reply(target, status, response.headers, b"")
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            raise ServerBusyStatus(f"HTTP {status} from {target}", status, retry_after)
        if status != 200:
            raise HTTPStatusError(f"HTTP {status} from {target}", status)
        body = await self._read_body(target, response, trace, body_limit)
        return _Reply(target, status, response.headers, body)

    async def _read_body(
        self, target: httpx.URL, response: httpx.Response, trace: _Trace, body_limit: int | None
    ) -> bytes:
        """The decoded body; past the cap: ResponseTooLarge, or truncation if ``body_limit``
        (robots.txt, where RFC 9309 says to parse the first 500 KiB)."""
        truncate = body_limit is not None
        limit = body_limit if body_limit is not None else self.settings.max_response_bytes
        decoder = _Decoder.for_header(response.headers.get("content-encoding"))
        declared = response.headers.get("content-length", "")
        if not truncate and decoder.encoding == "identity" and declared.isdigit():
            if int(declared) > limit:
                raise ResponseTooLarge(f"{target} declares {declared} bytes, cap {limit}")
        chunks: list[bytes] = []
        total = 0
        async for raw in response.aiter_raw():
            try:
                data = decoder.decode(raw, limit - total + 1)
            except zlib.error as exc:
                raise FetchFailed(
                    f"corrupt {decoder.encoding} body from {target}", "bad_content_encoding"
                ) from exc
            chunks.append(data)
            total += len(data)
            trace.n_bytes = total
            if total > limit:
                if truncate:
                    return b"".join(chunks)[:limit]
                raise ResponseTooLarge(f"{target} body over {limit} bytes (decompressed)")
        return b"".join(chunks)

    # --- robots.txt ------------------------------------------------------------------------------

    async def _check_robots(self, target: httpx.URL) -> None:
        rules = await self._robots_rules(target)
        if rules.allows(str(target)):
            return
        if rules.failure is None:
            raise URLRefused(f"robots.txt disallows {target}", "robots_disallowed")
        message = f"robots.txt of {target.host} unreachable ({rules.failure}): {target}"
        if rules.failure.startswith(("robots_", "blocked_")):
            raise URLRefused(message, rules.failure)
        raise FetchFailed(message, rules.failure)

    async def _robots_rules(self, target: httpx.URL) -> RobotsRules:
        key = _robots_key(target)
        cached = self.robots_cache.get(key)
        if cached is not None and cached.expires_at > time.monotonic():
            return cached
        lock = self._robots_locks.setdefault(key, asyncio.Lock())
        async with lock:  # many articles of one host wait for one robots.txt request
            cached = self.robots_cache.get(key)
            if cached is not None and cached.expires_at > time.monotonic():
                return cached
            rules = await self._fetch_robots(key, target, previous=cached)
            self.robots_cache.put(key, rules)
            if rules.crawl_delay is not None:
                state = self._host_state(target.host)
                state.crawl_delay = min(CRAWL_DELAY_CAP, max(0.0, rules.crawl_delay))
            return rules

    async def _fetch_robots(
        self, key: str, target: httpx.URL, previous: RobotsRules | None
    ) -> RobotsRules:
        robots_url = str(target.copy_with(path="/robots.txt", query=None, fragment=None))
        record, reply, error = await self._fetch_recorded(
            robots_url,
            kind="robots",
            feed_name=None,
            headers={"accept": ACCEPT_BY_KIND["robots"]},
            body_limit=ROBOTS_MAX_BYTES,
        )
        self._robots_records.append(record)
        now = time.monotonic()
        if reply is not None:
            if reply.status == 304:  # we never send validators for robots.txt; treat as none
                return RobotsRules(None, None, now + ROBOTS_TTL)
            text = reply.body.decode("utf-8", errors="replace").lstrip("\ufeff")
            try:
                parser = Protego.parse(text)
            except Exception:  # a robots.txt we cannot read means no rules (RFC 9309 2.2.2)
                logger.warning("unparsable robots.txt at %s", robots_url, exc_info=True)
                return RobotsRules(None, None, now + ROBOTS_TTL)
            return RobotsRules(parser, None, now + ROBOTS_TTL, parser.crawl_delay(ROBOTS_TOKEN))
        reason = reason_for(error) if error is not None else "internal"
        if isinstance(error, HTTPStatusError) and 400 <= error.status < 500:
            return RobotsRules(None, None, now + ROBOTS_TTL)  # RFC 9309: unavailable, allow all
        if reason in ("too_many_redirects", "redirect_loop", "bad_redirect", "blocked_scheme"):
            return RobotsRules(None, None, now + ROBOTS_TTL)  # RFC 9309 2.3.1.2: unavailable
        # 429, 5xx or network failure: unreachable, complete disallow (RFC 9309 2.3.1.4),
        # unless an earlier copy exists, which may be used in the meantime.
        if previous is not None and previous.failure is None:
            return RobotsRules(
                previous.parser, None, now + ROBOTS_FAILURE_TTL, previous.crawl_delay
            )
        if isinstance(error, ServerBusy):
            reason = "robots_unavailable"
        return RobotsRules(None, reason, now + ROBOTS_FAILURE_TTL)


def _checked_url(url: str) -> httpx.URL:
    try:
        target = httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchFailed(f"invalid URL {url!r}", "invalid_url") from exc
    if target.scheme not in ("http", "https"):
        raise URLRefused(f"scheme {target.scheme!r} not allowed: {url}", "blocked_scheme")
    if not target.host:
        raise FetchFailed(f"no host in {url!r}", "invalid_url")
    return target.copy_with(fragment=None)


def _translate(exc: httpx.HTTPError, target: httpx.URL) -> NewsEventsError:
    """An httpx error as a FetchFailed with the reason for the record."""
    message = f"{type(exc).__name__} for {target}: {exc}"
    if isinstance(exc, httpx.ConnectError | httpx.ProxyError):
        causes = []
        cause: BaseException | None = exc
        while cause is not None and len(causes) < 10:
            causes.append(cause)
            cause = cause.__cause__ or cause.__context__
        if any(isinstance(c, DnsFailure) for c in causes):
            return FetchFailed(message, "dns_error")
        if any(isinstance(c, ssl.SSLError) for c in causes):
            return FetchFailed(message, "tls_error")
        return FetchFailed(message, "connect_error")
    if isinstance(exc, httpx.ProtocolError):
        return FetchFailed(message, "protocol_error")
    if isinstance(exc, httpx.DecodingError):
        return FetchFailed(message, "bad_content_encoding")
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return FetchFailed(message, "invalid_url")
    return FetchFailed(message, "network_error")


_DRAIN_LIMIT = 64 * 1024


async def _drain(response: httpx.Response) -> None:
    """Read the (normally empty) body of a 304 or redirect so the connection goes back to the
    keep-alive pool instead of being closed; a body past 64 KiB is abandoned with the connection."""
    read = 0
    async for raw in response.aiter_raw():
        read += len(raw)
        if read > _DRAIN_LIMIT:
            break
