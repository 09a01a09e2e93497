"""The feed registry (config/feeds.toml) validated into ``FeedSource`` records.

Format::

    [[feed]]
    name = "rudaw-english"          # unique, [a-z0-9-]
    url = "https://www.rudaw.net/rss"
    country = "IRQ"                 # optional ISO3 hint for events from this feed
    language = "en"                 # optional
    enabled = true                  # optional, default true
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from core.errors import ConfigError
from core.records import FeedSource

_KEYS = {"name", "url", "country", "language", "enabled"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def parse_feed_registry(text: str, path: str = "<feeds>") -> list[FeedSource]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise ConfigError(path, int(line.group(1)) if line else None, f"invalid TOML: {exc}") from exc
    lines = text.splitlines()
    unknown_top = set(data) - {"feed"}
    if unknown_top:
        raise ConfigError(path, None, f"unknown top-level keys {sorted(unknown_top)}; expected [[feed]] tables")
    sources: list[FeedSource] = []
    names: set[str] = set()
    for entry in data.get("feed", []):
        name = entry.get("name")
        line = next((i for i, t in enumerate(lines, 1) if name and f'"{name}"' in t), None)
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(path, line, f"feed name {name!r} must match {_NAME.pattern}")
        if name in names:
            raise ConfigError(path, line, f"duplicate feed name {name!r}")
        names.add(name)
        unknown = set(entry) - _KEYS
        if unknown:
            raise ConfigError(path, line, f"feed {name!r}: unknown keys {sorted(unknown)}")
        url = entry.get("url")
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
            raise ConfigError(path, line, f"feed {name!r}: url must be an http(s) URL, got {url!r}")
        country = entry.get("country")
        if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Z]{3}", country)):
            raise ConfigError(path, line, f"feed {name!r}: country must be ISO 3166-1 alpha-3, got {country!r}")
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(path, line, f"feed {name!r}: enabled must be true or false")
        sources.append(FeedSource(name=name, url=url, country=country,
                                  language=entry.get("language"), enabled=enabled))
    if not sources:
        raise ConfigError(path, None, "no [[feed]] entries")
    return sources


def load_feed_registry(path: Path) -> list[FeedSource]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), None, f"cannot read feed registry: {exc.strerror}") from exc
    return parse_feed_registry(text, str(path))
