"""Near-duplicate detection for syndicated copy: the same wire story on several sites.

A 64-bit SimHash (Charikar 2002; Manku et al. 2007) over overlapping word shingles: texts
that share most of their shingles get fingerprints a few bits apart, different stories
land about 32 bits apart. ``find_near_duplicate`` links an article to the canonical one
within ``max_distance`` bits; ``link_near_duplicates`` does it for a batch of new articles
against the recent stored ones (the flows' entry point).

Fingerprints are unsigned 64-bit integers (DuckDB ``UBIGINT``), computed with blake2b,
so they are the same in every process and Python version (unlike ``hash()``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from hashlib import blake2b
from typing import NamedTuple

SHINGLE_WORDS = 3  # short enough that light edits leave most shingles intact
# Measured on 620 real articles (zyte-aeb + naeb bodies): copies with a new dateline, a
# trimmed end, 1% of words changed and a credit line were 8 bits away at the median, 13 at
# the 90th percentile; the closest unrelated pair was 15 bits apart, the closest stories
# on the same topic 22. The classic 3 bits (Manku et al., for web pages) misses most copies.
DEFAULT_MAX_DISTANCE = 12
# Syndicated copies appear within hours or days of the original: stored articles published
# this long before (or after) a new one are its candidates; older ones are not compared.
CANDIDATE_WINDOW = timedelta(days=7)

_WORD = re.compile(r"\w+", re.UNICODE)
# _BIT_TABLES[bit] maps a byte to 1 if that bit is set in it, else 0: with bytes.translate
# and bytes.count the per-bit tallies run in C instead of a Python loop per shingle.
_BIT_TABLES = [bytes((value >> bit) & 1 for value in range(256)) for bit in range(8)]


def shingles(text: str, size: int = SHINGLE_WORDS) -> list[str]:
    """Overlapping runs of ``size`` words, case-folded; the words themselves if fewer."""
    words = _WORD.findall(text.casefold())
    if len(words) <= size:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


def simhash64(text: str) -> int:
    """64-bit SimHash of ``text`` over word shingles (each occurrence counts once)."""
    features = shingles(text)
    if not features:
        return 0
    digests = b"".join(
        blake2b(feature.encode("utf-8"), digest_size=8).digest() for feature in features
    )
    majority = len(features) / 2
    fingerprint = 0
    for byte_index in range(8):
        column = digests[byte_index::8]  # this byte of every digest
        for bit in range(8):
            if column.translate(_BIT_TABLES[bit]).count(1) > majority:
                # byte 0 is the most significant (big-endian), bit 0 its lowest bit
                fingerprint |= 1 << ((7 - byte_index) * 8 + bit)
    return fingerprint


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints."""
    return (a ^ b).bit_count()


def find_near_duplicate(
    fingerprint: int,
    candidates: Mapping[str, int],
    max_distance: int = DEFAULT_MAX_DISTANCE,
) -> str | None:
    """Key of the closest candidate within ``max_distance`` bits, or None.

    ``candidates`` maps canonical article keys (url hashes) to their fingerprints. Ties
    go to the smallest key, so the answer does not depend on the mapping's order. An
    empty text's fingerprint (0) matches nothing: it says nothing about the story."""
    if fingerprint == 0:
        return None
    best: tuple[int, str] | None = None
    for key, other in candidates.items():
        if other == 0:
            continue
        distance = (fingerprint ^ other).bit_count()
        if distance <= max_distance and (best is None or (distance, key) < best):
            best = (distance, key)
    return best[1] if best else None


class NearDuplicate(NamedTuple):
    """What ``link_near_duplicates`` says about one article."""

    simhash: int | None  # None when the text has no words (nothing to fingerprint)
    duplicate_of: str | None  # key of the canonical article this one copies, or None


def link_near_duplicates(
    texts: Mapping[str, str],
    recent: Mapping[str, int],
    max_distance: int = DEFAULT_MAX_DISTANCE,
) -> dict[str, NearDuplicate]:
    """Fingerprint each new article (``texts``: key → text) and link it to the canonical
    article it copies, if any.

    ``recent`` maps the keys of stored canonical articles (not themselves copies) to their
    fingerprints, oldest first. The canonical article of a story is the one stored first:
    an article is compared with every canonical article before it, in this order: the stored
    ones as given, then the new ones not yet stored, by key (the tie-break storage uses for
    articles stored together). The closest within ``max_distance`` bits wins; on a tie, the
    oldest. A new article that copies nothing becomes a candidate for the ones after it.

    Idempotent: articles already stored (their keys in both mappings, as when a flow
    re-extracts them) keep their place in the order and use their new fingerprint, so a
    stored canonical article never becomes a copy of a later one, and is never its own."""
    fingerprints = {key: simhash64(text) for key, text in texts.items()}
    order = list(recent) + sorted(key for key in texts if key not in recent)
    canonical: dict[str, int] = {}  # earlier canonical articles, oldest first
    links: dict[str, NearDuplicate] = {}
    for key in order:
        fingerprint = fingerprints[key] if key in fingerprints else recent[key]
        match = None
        if key in texts:
            match = _closest(fingerprint, canonical, max_distance)
            links[key] = NearDuplicate(fingerprint or None, match)
        if match is None and fingerprint:
            canonical[key] = fingerprint
    return links


def _closest(fingerprint: int, candidates: Mapping[str, int], max_distance: int) -> str | None:
    """The first candidate (in mapping order) at the smallest distance within the limit."""
    if fingerprint == 0:
        return None
    best_key, best_distance = None, max_distance + 1
    for key, other in candidates.items():
        distance = (fingerprint ^ other).bit_count()
        if distance < best_distance:
            best_key, best_distance = key, distance
            if distance == 0:
                break
    return best_key
