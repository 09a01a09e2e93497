"""Timestamps as publishers write them (feeds and pages): one parser for both."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime


def parse_timestamp(value: str | None) -> datetime | None:
    """An ISO 8601 or RFC 2822 timestamp as written: aware if it has an offset, else naive."""
    if not value:
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    # "2024-03-05T10:00:00 +0300"
    compact = re.sub(r"\s+(?=[+-]\d{2}:?\d{2}$)", "", text)
    try:
        return datetime.fromisoformat(compact)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
