"""Date expressions in a sentence, resolved against the publication date, with ACLED time
precision (day / week / month / year).

"on Wednesday" is the most recent Wednesday on or before publication (a story published on a
Wednesday about "Wednesday" means that day); "April 12" without a year is the most recent
April 12 on or before publication; "last week" is a week-precision date seven days back.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
# month and weekday names, folded ("may", "sept", "sunday"): words that are dates, not names
CALENDAR_WORDS = frozenset(_MONTHS) | frozenset(_WEEKDAYS)
_MONTH_RE = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_WEEKDAY_RE = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY_RE = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR_RE = r"(?:19|20)\d\d"
_PREP = r"(?:(?i:on|since|from|until|by|in|during|late|early|between)\s+)?"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("month_day", re.compile(
        rf"\b{_PREP}(?:{_WEEKDAY_RE},?\s+)?(?P<month>{_MONTH_RE})\s+(?P<day>{_DAY_RE})\b(?:,?\s+(?P<year>{_YEAR_RE}))?")),
    ("day_month", re.compile(
        rf"\b{_PREP}(?:the\s+)?(?P<day>{_DAY_RE})\s+(?:of\s+)?(?P<month>{_MONTH_RE})\b(?:,?\s+(?P<year>{_YEAR_RE}))?")),
    ("month_year", re.compile(
        rf"\b{_PREP}(?:(?:early|late|mid)[\s-]+)?(?P<month>{_MONTH_RE})\s+(?:of\s+)?(?P<year>{_YEAR_RE})\b")),
    ("season_year", re.compile(
        rf"\b{_PREP}(?:the\s+)?(?P<season>summer|winter|spring|autumn|fall)\s+of\s+(?P<year>{_YEAR_RE})\b", re.I)),
    ("weekday", re.compile(
        rf"\b(?:(?i:on|late|early|since|by|last)\s+)?(?P<weekday>{_WEEKDAY_RE})(?:\s+(?:morning|afternoon|evening|night))?\b")),
    ("relative", re.compile(
        r"\b(?P<rel>yesterday|today|this\s+(?:morning|afternoon|evening)|tonight|last\s+night|"
        r"overnight|(?:earlier\s+|later\s+)?this\s+week|last\s+week|(?:earlier\s+)?this\s+month|"
        r"last\s+month|in\s+recent\s+(?:days|weeks)|(?:over\s+)?the\s+past\s+(?:few\s+)?(?:days|weeks)|"
        r"last\s+year|(?:\w+\s+)?years\s+ago|(?:\w+\s+)?decades?\s+ago)\b", re.I)),
    ("year", re.compile(
        rf"\b(?P<prep>(?i:in|since|during|between|from|until|by|of))\s+(?:early\s+|late\s+|mid-)?(?P<year>{_YEAR_RE})\b")),
]


@dataclass(frozen=True)
class DateMention:
    text: str
    start: int
    end: int
    value: date | None
    precision: str | None  # day | week | month | year
    past_hint: bool  # the words themselves say "long ago" (a year, "years ago", "last year")


def _month_day(published: date | None, month: int, day: int, year: int | None) -> date | None:
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    if published is None:
        return None
    for candidate_year in (published.year, published.year - 1):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate <= published:
            return candidate
    return None


def _relative(rel: str, published: date | None) -> tuple[date | None, str, bool]:
    rel = " ".join(rel.lower().split())
    if rel.endswith("ago") or rel == "last year":
        value = date(published.year - 1, 1, 1) if published and rel == "last year" else None
        return value, "year", True
    if published is None:
        precision = "day" if rel in {"yesterday", "today", "tonight", "last night", "overnight"} else "week"
        return None, precision, False
    if rel in {"today", "tonight", "overnight"} or rel.startswith("this ") and rel[5:] in {
        "morning", "afternoon", "evening"}:
        return published, "day", False
    if rel in {"yesterday", "last night"}:
        return published - timedelta(days=1), "day", False
    if rel.endswith("this week"):
        return published, "week", False
    if rel == "last week":
        return published - timedelta(days=7), "week", False
    if rel.endswith("this month"):
        return published.replace(day=1), "month", False
    if rel == "last month":
        first = published.replace(day=1) - timedelta(days=1)
        return first.replace(day=1), "month", False
    # "in recent weeks", "the past few days": ACLED codes to the report date, month precision
    return published, "month", False


def find_dates(sentence: str, published: date | None) -> list[DateMention]:
    """All date expressions in the sentence, earliest first, without overlaps."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(sentence):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            mention = _resolve(kind, m, published)
            if mention is not None:
                found.append(mention)
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


def _resolve(kind: str, m: re.Match[str], published: date | None) -> DateMention | None:
    g = m.groupdict()
    text = m.group().strip()
    year = int(g["year"]) if g.get("year") else None
    value: date | None = None
    precision = "day"
    past_hint = False
    if kind in {"month_day", "day_month"}:
        month = _MONTHS[g["month"].lower().rstrip(".")]
        value = _month_day(published, month, int(re.sub(r"\D", "", g["day"])), year)
        past_hint = year is not None and (published is None or year < published.year)
    elif kind == "month_year":
        value = date(year, _MONTHS[g["month"].lower().rstrip(".")], 1) if year else None
        precision, past_hint = "month", True
    elif kind == "season_year":
        value, precision, past_hint = (date(year, 1, 1) if year else None), "year", True
    elif kind == "weekday":
        if text.lower().startswith("since") or text.lower().startswith("last "):
            return None
        if published is not None:
            back = (published.weekday() - _WEEKDAYS[g["weekday"].lower()]) % 7
            value = published - timedelta(days=back)
    elif kind == "relative":
        value, precision, past_hint = _relative(g["rel"], published)
    elif kind == "year":
        if year is None:
            return None
        value, precision = date(year, 1, 1), "year"
        past_hint = published is None or year < published.year
    return DateMention(text, m.start(), m.start() + len(text), value, precision, past_hint)
