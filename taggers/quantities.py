"""Casualty and people counts in a sentence: killed, wounded, arrested, kidnapped.

ACLED conventions: the lowest figure of a range is the fatality count ("at least 5 to 10" → 5,
high 10); "dozens" → 12, "hundreds" → 100, "scores" → 20; vague words ("several", "many") → None;
"a/an/one <person noun>" → 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import text2num

_VAGUE_COUNTS = {
    "dozens": 12,
    "a dozen": 12,
    "dozen": 12,
    "scores": 20,
    "hundreds": 100,
    "thousands": 1000,
    "tens": 10,
}
_NUMBER_WORDS = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|thousand"
)
# a number: digits (with thousands separators) or number words joined by spaces/hyphens/"and"
NUM = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|(?:(?:{_NUMBER_WORDS})(?:[\s-]+(?:and\s+)?(?:{_NUMBER_WORDS}))*)"
    r"|dozens|a dozen|scores|hundreds|thousands|tens)"
)
_QUALIFIER = (
    r"(?:(?:at\s+least|more\s+than|over|up\s+to|some|about|around|nearly|almost|roughly|as\s+many\s+as|"
    r"a\s+total\s+of|an\s+estimated|approximately)\s+)?"
)
RANGE = rf"{_QUALIFIER}(?P<low>{NUM})(?:\s*(?:to|-|–|or|and)\s*(?P<high>{NUM}))?"
_PERSON = (
    r"(?:people|persons?|civilians?|soldiers?|troops|officers?|policem[ae]n|police\s+officers?|"
    r"fighters?|militants?|members?|insurgents?|terrorists?|jihadists?|rebels?|gunmen|guards?|"
    r"children|women|men|man|woman|boys?|girls?|villagers?|residents?|worshippers?|students?|"
    r"farmers?|shepherds?|protesters?|demonstrators?|suspects?|personnel|recruits?|"
    r"conscripts?|pilgrims?|passengers?|workers?|journalists?|employees?|staff|elements?|"
    r"commanders?|leaders?|operatives?|bodyguards?|militiam[ae]n|fishermen|miners?|traders?|"
    r"travell?ers?|teachers?|doctors?|nurses?|patients?|relatives?|family\s+members|others|more|"
    r"dead|wounded|injured|lives|bodies|hostages?|detainees?|prisoners?|individuals?|cadets?|"
    r"agents?|servicem[ae]n|peacekeepers?|policewom[ae]n|pupils)"
)
# up to four modifier words, never crossing a conjunction into the next clause
_ADJ = r"(?:(?!(?:and|or|but|while|as|after|when)\b)[\w'’-]+\s+){0,4}?"

_VERBS = {
    "killed": r"(?:kill(?:ed|ing|s)?|dead|died|dies|lost\s+their\s+lives|death\s+toll|killed|slain|"
    r"massacred|executed|beheaded|shot\s+dead|gunned\s+down|left\s+dead|fatalities|deaths)",
    "injured": r"(?:wound(?:ed|ing|s)?|injur(?:ed|ing|ies|y)|hurt|maimed|casualties)",
    "arrested": r"(?:arrest(?:ed|ing|s)?|detain(?:ed|ing|s)?|apprehend(?:ed|ing)|rounded\s+up|"
    r"took\s+into\s+custody|captured)",
    "kidnapped": r"(?:kidnapp?(?:ed|ing)|abduct(?:ed|ing)|seized|taken\s+hostage|took\s+hostage)",
}


def _compile(kind: str) -> list[re.Pattern[str]]:
    verb = _VERBS[kind]
    return [
        # "killed at least 5 to 10 alleged ISIS fighters", "killing five soldiers", "left 3 dead"
        re.compile(rf"\b{verb}\s+(?:[\w'’-]+\s+){{0,2}}?{RANGE}\b", re.I),
        # "five soldiers were killed", "14 dead", "3 people have been wounded"
        re.compile(
            rf"\b{RANGE}\s+{_ADJ}{_PERSON}?\s*(?:were|was|have\s+been|had\s+been|are|being|got)?\s*"
            rf"(?:reportedly\s+|also\s+|later\s+)?{verb}\b",
            re.I,
        ),
        # "the death toll rose to 12", "killing of 7"
        re.compile(rf"\b{verb}\s+(?:rose|climbed|reached|stood|of)\s+(?:to\s+|at\s+)?{RANGE}\b", re.I),
        # "killed an Iraqi federal police officer" → 1
        re.compile(rf"\b{verb}\s+(?P<one>a|an|one)\s+{_ADJ}{_PERSON}\b", re.I),
        # "a soldier was killed"
        re.compile(
            rf"\b(?P<one>a|an|one)\s+{_ADJ}{_PERSON}\s+(?:was|has\s+been|had\s+been|got)\s+"
            rf"(?:reportedly\s+|also\s+)?{verb}\b",
            re.I,
        ),
    ]


_PATTERNS = {kind: _compile(kind) for kind in _VERBS}
_NO_CASUALTIES = re.compile(
    r"\bno\s+(?:one|casualties|injuries|deaths|fatalities)\s+(?:was|were)\s+reported\b|"
    r"\bno\s+(?:one|body)\s+was\s+(?:hurt|killed|injured)\b|\bwithout\s+casualties\b|"
    r"\bthere\s+were\s+no\s+(?:casualties|injuries|deaths|fatalities)\b|\bno\s+(?:casualties|injuries|deaths)\s+(?:were\s+)?(?:reported|caused)\b",
    re.I,
)


@dataclass(frozen=True)
class Count:
    low: int | None
    high: int | None
    start: int
    end: int


def parse_number(phrase: str) -> int | None:
    """'5', '1,200', 'five', 'twenty-five', 'dozens' → int; vague words → None."""
    phrase = phrase.strip().lower()
    if phrase in _VAGUE_COUNTS:
        return _VAGUE_COUNTS[phrase]
    digits = phrase.replace(",", "")
    if digits.isdigit():
        return int(digits)
    try:
        return int(text2num(phrase.replace(" and ", " "), "en"))
    except ValueError:
        return None


def _both_sides(kind: str) -> re.Pattern[str]:
    # "two soldiers and three militants were killed": ACLED sums the dead of all sides
    low2 = RANGE.replace("?P<low>", "?P<low2>").replace("?P<high>", "?P<high2>")
    return re.compile(
        rf"\b{RANGE}\s+{_ADJ}{_PERSON}\s+and\s+{low2}\s+{_ADJ}{_PERSON}\s+(?:were|have\s+been|had\s+been)\s+"
        rf"(?:reportedly\s+|also\s+)?{_VERBS[kind]}\b",
        re.I,
    )


_SUMS = {kind: _both_sides(kind) for kind in ("killed", "injured")}


def find_count(sentence: str, kind: str) -> Count | None:
    """The first count of ``kind`` (killed | injured | arrested | kidnapped) in the sentence."""
    if kind in _SUMS:
        both = _SUMS[kind].search(sentence)
        if both is not None:
            first, second = parse_number(both.group("low")), parse_number(both.group("low2"))
            if first is not None and second is not None:
                return Count(first + second, None, both.start(), both.end())
    best: Count | None = None
    for pattern in _PATTERNS[kind]:
        for match in pattern.finditer(sentence):
            groups = match.groupdict()
            if groups.get("one"):
                count = Count(1, None, match.start(), match.end())
            else:
                low = parse_number(groups["low"])
                if low is None:
                    continue
                high = parse_number(groups["high"]) if groups.get("high") else None
                if high is not None and high <= low:
                    high = None
                count = Count(low, high, match.start(), match.end())
            if best is None or count.start < best.start:
                best = count
            break
    return best


def no_casualties_reported(sentence: str) -> bool:
    return bool(_NO_CASUALTIES.search(sentence))
