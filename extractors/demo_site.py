"""A loopback HTTP server that serves the bundled demo corpus (demo/) as a news site:
three feeds and their article pages, rendered from our own plain-text articles and HTML
templates. Used by `newsevents demo` and by the flow tests; never exposed beyond 127.0.0.1."""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from core.records import FeedSource
from core.settings import PROJECT_ROOT

DEMO_DIR = PROJECT_ROOT / "demo"
FEEDS = {  # feed name -> file in demo/feeds
    "demowire": "demowire.rss.xml",
    "frontline": "frontline.atom.xml",
    "tigris": "tigris.rss.xml",
}
_SITE_NAMES = {"demowire": "Demo Wire", "frontline": "Frontline Monitor", "tigris": "Tigris Daily"}


@dataclass(frozen=True)
class DemoArticle:
    id: str
    path: str
    outlet_slug: str
    title: str
    author: str | None
    published: str | None
    body: str  # the article text without its headline


def load_demo_articles(demo_dir: Path = DEMO_DIR) -> dict[str, DemoArticle]:
    """Article pages of the demo site, keyed by URL path."""
    pages: dict[str, DemoArticle] = {}
    for meta_path in sorted((demo_dir / "articles").glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        text = (meta_path.parent / meta["text_file"]).read_text(encoding="utf-8")
        headline, _, body = text.partition("\n")
        slug = meta["path"].strip("/").split("/")[0]
        pages[meta["path"]] = DemoArticle(
            id=meta["id"],
            path=meta["path"],
            outlet_slug=slug,
            title=meta.get("title") or headline.strip(),
            author=meta.get("author"),
            published=meta.get("published"),
            body=body.strip(),
        )
    return pages


def render_article(article: DemoArticle, base_url: str, demo_dir: Path = DEMO_DIR) -> bytes:
    template = (demo_dir / "templates" / f"{article.outlet_slug}.html").read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in article.body.split("\n\n") if p.strip()]
    body_html = "\n".join(f"<p>{html.escape(' '.join(p.split()))}</p>" for p in paragraphs)
    site_name = _SITE_NAMES.get(article.outlet_slug, article.outlet_slug)
    page = template.format_map(
        {
            "title": html.escape(article.title),
            "author": html.escape(article.author or f"{site_name} staff"),
            "published": article.published or "",
            "body_html": body_html,
            "site_name": html.escape(site_name),
            "canonical_url": base_url + article.path,
        }
    )
    return page.encode("utf-8")


class DemoSite:
    """``with DemoSite() as site:`` serves the demo on 127.0.0.1 at ``site.base_url``."""

    def __init__(self, demo_dir: Path = DEMO_DIR, port: int = 0) -> None:
        self.demo_dir = demo_dir
        self.articles = load_demo_articles(demo_dir)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-site", daemon=True)

    def feed_sources(self) -> list[FeedSource]:
        return [
            FeedSource(name=name, url=f"{self.base_url}/feeds/{file}", language="en") for name, file in FEEDS.items()
        ]

    def __enter__(self) -> DemoSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path = self.path.split("?", 1)[0]
                if path == "/robots.txt":
                    return self._send(200, "text/plain", b"User-agent: *\nAllow: /\n")
                if path.startswith("/feeds/") and path[7:] in FEEDS.values():
                    raw = (site.demo_dir / "feeds" / path[7:]).read_text(encoding="utf-8")
                    kind = "application/atom+xml" if path.endswith(".atom.xml") else "application/rss+xml"
                    return self._send(
                        200, f"{kind}; charset=utf-8", raw.replace("{{BASE_URL}}", site.base_url).encode()
                    )
                article = site.articles.get(path)
                if article is not None:
                    return self._send(
                        200, "text/html; charset=utf-8", render_article(article, site.base_url, site.demo_dir)
                    )
                return self._send(404, "text/plain", b"not found\n")

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # quiet: the CLI reports
                return

        return Handler
