"""The one settings object. Every field has a default and a description, and can be
overridden by an environment variable ``NEWSEVENTS_<FIELD NAME IN UPPER CASE>``.
Nothing else in the project reads the environment."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "NEWSEVENTS_"


def _setting(default, description: str):
    return field(default=default, metadata={"description": description})


@dataclass(frozen=True)
class Settings:
    db_path: Path = _setting(
        PROJECT_ROOT / "data" / "newsevents.duckdb", "DuckDB file the pipeline writes."
    )
    feeds_file: Path = _setting(
        PROJECT_ROOT / "config" / "feeds.toml", "Feed registry (TOML) polled by the ingest flow."
    )
    contact_url: str = _setting(
        "https://github.com/newsevents/newsevents",
        "Contact URL sent in the User-Agent so publishers can reach us.",
    )
    connect_timeout: float = _setting(5.0, "Seconds to wait for a TCP/TLS connection.")
    read_timeout: float = _setting(15.0, "Seconds to wait between bytes of a response.")
    total_timeout: float = _setting(30.0, "Seconds one HTTP request may take in all.")
    max_response_bytes: int = _setting(
        10 * 1024 * 1024, "Responses larger than this (after decompression) are aborted."
    )
    max_redirects: int = _setting(5, "Redirect hops followed per request.")
    per_host_delay: float = _setting(1.0, "Seconds between two requests to the same host.")
    max_parallel_hosts: int = _setting(8, "Hosts fetched in parallel.")
    allow_private_networks: bool = _setting(
        False,
        "Allow loopback/private/link-local addresses (SSRF guard off). Only tests and the demo.",
    )
    respect_robots: bool = _setting(True, "Check robots.txt before fetching an article.")
    max_retries: int = _setting(
        2, "Extra attempts after a timeout, HTTP 429 or 5xx (no other failure is retried)."
    )
    retry_backoff: float = _setting(
        1.0, "Seconds before the first retry; doubled each attempt, with random jitter."
    )
    max_retry_wait: float = _setting(
        60.0, "Longest wait before a retry; a longer Retry-After gives up instead of waiting."
    )
    feed_poll_interval: float = _setting(
        900.0, "Seconds between polls of a healthy feed; failing feeds back off up to 24 h."
    )
    max_articles_per_feed: int = _setting(200, "New articles fetched per feed and run.")
    extraction_timeout: float = _setting(20.0, "Seconds one page may take in trafilatura.")
    extraction_worker_max_mb: int = _setting(
        1024, "An extraction worker using more memory than this (MB) after a page is replaced."
    )
    min_text_chars: int = _setting(200, "Extracted text shorter than this is recorded as too_short.")
    rules_dir: Path = _setting(
        PROJECT_ROOT / "taggers" / "rules", "Directory of tagger rule packs."
    )
    gazetteer_extra: str = _setting(
        "",
        "User gazetteer files made by 'newsevents gazetteer import', separated by ':'; "
        "searched before the embedded GeoNames table.",
    )
    raw_html_retention_days: int = _setting(
        90, "Raw HTML of articles first stored longer ago than this is dropped by maintenance."
    )
    export_dir: Path = _setting(
        PROJECT_ROOT / "data" / "exports", "Directory of the Parquet exports of the analyst views."
    )
    stale_after_minutes: int = _setting(
        60, "`newsevents status` exits 1 when no ingest succeeded for this many minutes."
    )
    historical_days: int = _setting(
        30, "Events more than this many days before publication are flagged historical."
    )


def _coerce(raw: str, kind: type, name: str):
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"${ENV_PREFIX}{name.upper()}", None, f"not a boolean: {raw!r}")
    try:
        return kind(raw)
    except ValueError as exc:
        raise ConfigError(
            f"${ENV_PREFIX}{name.upper()}", None, f"not a valid {kind.__name__}: {raw!r}"
        ) from exc


_KINDS = {"Path": Path, "str": str, "float": float, "int": int, "bool": bool}


def load_settings(environ: dict[str, str] | None = None, **overrides) -> Settings:
    """Settings from defaults, then ``NEWSEVENTS_*`` variables, then explicit overrides."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in dataclasses.fields(Settings):
        key = ENV_PREFIX + f.name.upper()
        if key in environ:
            values[f.name] = _coerce(environ[key], _KINDS[str(f.type)], f.name)
    values.update({k: v for k, v in overrides.items() if v is not None})
    for name in ("db_path", "feeds_file", "rules_dir", "export_dir"):
        if name in values:
            values[name] = Path(values[name])
    return Settings(**values)


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting, for docs and --help."""
    return [
        (ENV_PREFIX + f.name.upper(), str(f.default), f.metadata["description"])
        for f in dataclasses.fields(Settings)
    ]
