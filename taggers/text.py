"""Sentence splitting with character offsets, and length-preserving normalization for
dictionary matching (so a match in the normalized text has the same offsets in the original)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Abbreviations that end with a period but do not end a sentence.
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "lt",
    "col",
    "maj",
    "capt",
    "cpt",
    "sgt",
    "brig",
    "adm",
    "gov",
    "sen",
    "rep",
    "st",
    "mt",
    "no",
    "vs",
    "u.s",
    "u.n",
    "u.k",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "inc",
    "ltd",
    "co",
    "corp",
    "prof",
    "rev",
    "e.g",
    "i.e",
    "approx",
    "dept",
    "lt.col",
    "pvt",
    "cpl",
}
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+|$)|\n\s*\n|\n(?=[A-Z\"“])")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int
    paragraph: int


def split_sentences(text: str) -> list[Sentence]:
    """Split into sentences with offsets into ``text``. Paragraph breaks (blank lines or a
    newline followed by a capital, as in extracted articles) always end a sentence."""
    sentences: list[Sentence] = []
    start = 0
    paragraph = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if match.group().startswith((".",)) and "\n" not in match.group():
            before = text[max(start, match.start() - 12) : match.start()]
            token = before.split()[-1].lower() if before.split() else ""
            token = token.lstrip("(\"“'")
            # "Col." / "U.S." / initials like "J." are not sentence ends
            if token in _ABBREVIATIONS or re.fullmatch(r"[a-z]", token):
                continue
        _append(sentences, text, start, end, paragraph)
        if "\n" in match.group():
            paragraph += 1
        start = end
    _append(sentences, text, start, len(text), paragraph)
    return sentences


def _append(out: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    lead = len(chunk) - len(chunk.lstrip())
    s = start + lead
    e = s + len(stripped)
    out.append(Sentence(text[s:e], s, e, paragraph))


_QUOTES = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "ʼ": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "\u00a0": " ",
    }
)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFKD", ch)[0] if ord(ch) > 127 else ch
    folded = base.lower()
    return folded if len(folded) == 1 else ch.lower()[:1] or " "


def fold(text: str) -> str:
    """Lowercase, strip diacritics and unify quotes/dashes, keeping every offset."""
    text = text.translate(_QUOTES)
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(c) for c in text)


def fold_name(name: str) -> str:
    """Fold a dictionary name the same way as text, and collapse whitespace."""
    return " ".join(fold(name).split())


_WORD_CHAR = re.compile(r"\w")


def is_word_boundary(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is not glued to letters/digits on either side."""
    before_ok = start == 0 or not _WORD_CHAR.match(text[start - 1])
    after_ok = end >= len(text) or not _WORD_CHAR.match(text[end])
    return before_ok and after_ok
