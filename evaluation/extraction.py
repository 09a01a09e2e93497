"""``newsevents eval extraction``: our article extraction next to plain trafilatura, on the
shared extraction and date corpora, both measured in the same run on the same pages.

    results = run_extraction_eval(shared_root)
    print(format_extraction_report(results))

Sets (under ``<shared>/corpora``) and what each measures:

    zyte      extraction/zyte-aeb         body text                       181 pages
    fundus    extraction/fundus-eval80    body text (gold paragraphs)      80 pages
    naeb      extraction/naeb             body, title, authors, date      421 pages
    htmldate  dates/htmldate-mediacloud   publication date                200 pages

Metrics:
  body     the Zyte benchmark's own metric (its evaluate.py): 4-gram word shingles per page,
           true/false positives and negatives normalised per page, precision and recall
           averaged over pages, F1 of the two averages. Used on fundus too (its upstream
           metric is ROUGE-LSum, so figures are not comparable with its published table).
  title    exact: equal after Unicode NFC and whitespace collapsing; loose: equal after
           case folding and dropping everything but letters and digits.
  authors  a page is right when the set of names matches (case-insensitive; an empty gold
           list needs an empty answer); names also scored as micro precision/recall/F1.
  date     the day must equal the gold day. Ours: ``published_local_date`` (the publisher's
           day, what the tagger resolves "on Wednesday" against); its UTC day is shown too.

Plain trafilatura: one ``bare_extraction(html, url=..., with_metadata=True)`` per page with
its default options except ``include_comments=False``, as the Zyte benchmark runs it; ours is
``extract_articles`` (worker pool), no feed item. Both in the same run, on the same bytes.

Pages are passed as fetched bytes without a Content-Type (the corpora keep no headers), so
both extractors decode them the same way. The fetch time bounds plausible dates (ours) and
htmldate's search (both): the corpus crawl time where it is known (fundus), else the time of
this run, which is also what plain trafilatura assumes.

With a feed date: in a real run most items come from a feed whose ``<pubDate>`` takes
precedence over the page. ``ours_with_feed_date`` re-runs our extraction on the dated sets
with the gold day, at 12:00 UTC, as the feed item's time: this shows what the precedence and
the publisher's-day rule keep of a correct feed date (a miss there comes from a date in the
URL or a page time zone that moves the day). It says nothing about how accurate real feed
dates are; the gap between the page-only and the feed-date score is what feeds can fix.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import trafilatura

from core.errors import ConfigError
from core.records import Article, FeedItem, FetchRecord, Page
from core.settings import load_settings
from evaluation.corpora import DEFAULT_SHARED_ROOT
from extractors.articles import EXTRACTOR_VERSION, extract_articles, site_zone

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

SET_NAMES = ("zyte", "fundus", "naeb", "htmldate")
SET_DESCRIPTIONS = {
    "zyte": "Zyte article-extraction benchmark (body)",
    "fundus": "Fundus eval, 80 English news pages (body)",
    "naeb": "NAEB news articles, 212 sites (body, title, authors, date)",
    "htmldate": "htmldate MediaCloud 2020 test set (date)",
}
DATED_SETS = frozenset({"naeb", "htmldate"})
SHINGLE_SIZE = 4  # the Zyte benchmark's n
CHUNK = 25  # pages per extract_articles call: progress moves, workers stay busy
MAX_EXAMPLES = 5  # misses kept per figure for the report

_ZYTE = Path("corpora/extraction/zyte-aeb")
_FUNDUS = Path("corpora/extraction/fundus-eval80")
_NAEB = Path("corpora/extraction/naeb")
_HTMLDATE = Path("corpora/dates/htmldate-mediacloud")


@dataclass(frozen=True)
class Sample:
    """One corpus page with what its gold standard says (None: not annotated)."""

    set_name: str
    key: str
    url: str
    html: bytes
    fetched_at: datetime
    body: str | None = None
    title: str | None = None
    authors: tuple[str, ...] | None = None
    published: date | None = None


@dataclass(frozen=True)
class Prediction:
    text: str
    title: str | None
    authors: tuple[str, ...]
    day: date | None  # ours: the publisher's day; trafilatura: its date
    utc_day: date | None


# --------------------------------------------------------------------------- corpora


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), None, f"cannot read evaluation corpus: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(str(path), exc.lineno, f"invalid JSON: {exc.msg}") from exc


def _gunzip(path: Path) -> bytes:
    try:
        return gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as exc:
        raise ConfigError(str(path), None, f"cannot read page: {exc}") from exc


def _gold_day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:  # NAEB has a few "NaT"
        return None


def _gold_authors(value: object) -> tuple[str, ...]:
    names = re.split(r"\s*[,;]\s*|\s+and\s+", str(value or ""))
    return tuple(name for name in (n.strip() for n in names) if name)


def load_samples(
    set_name: str,
    shared_root: Path = DEFAULT_SHARED_ROOT,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[Sample]:
    """The pages of one set in key order (the first ``limit`` of them)."""
    now = now or datetime.now(UTC)
    if set_name == "zyte":
        folder = shared_root / _ZYTE
        truth = _read_json(folder / "ground-truth.json")
        return [
            Sample("zyte", key, entry["url"], _gunzip(folder / "html" / f"{key}.html.gz"), now,
                   body=entry.get("articleBody") or "")
            for key, entry in sorted(truth.items())[:limit]
        ]
    if set_name == "fundus":
        folder = shared_root / _FUNDUS
        truth = _read_json(folder / "ground_truth.json")
        samples = []
        for key, entry in sorted(truth.items())[:limit]:
            crawled = datetime.fromisoformat(entry["crawl_date"])
            samples.append(Sample(
                "fundus", key, entry["url"], _gunzip(folder / "html" / key),
                crawled if crawled.tzinfo else crawled.replace(tzinfo=UTC),
                body="\n".join(entry["body"]),
            ))
        return samples
    if set_name == "naeb":
        folder = shared_root / _NAEB
        truth = _read_json(folder / "articles.json")
        # three pages of the upstream set are missing from the snapshot (files over 4 MiB)
        present = [(k, e) for k, e in sorted(truth.items()) if (folder / "html" / f"{k}.html.gz").exists()]
        return [
            Sample("naeb", key, entry["url"], _gunzip(folder / "html" / f"{key}.html.gz"), now,
                   body=entry.get("articleBody") or "", title=entry.get("title") or None,
                   authors=_gold_authors(entry.get("authors")), published=_gold_day(entry.get("date")))
            for key, entry in present[:limit]
        ]
    if set_name == "htmldate":
        folder = shared_root / _HTMLDATE
        truth = _read_json(folder / "eval_mediacloud_2020.json")
        return [
            Sample("htmldate", entry["file"], url, _gunzip(folder / "test_set" / f"{entry['file']}.gz"),
                   now, published=_gold_day(entry.get("date")))
            for url, entry in sorted(truth.items(), key=lambda kv: kv[1]["file"])[:limit]
        ]
    raise ValueError(f"unknown extraction set {set_name!r} (known: {', '.join(SET_NAMES)})")


def as_page(sample: Sample, feed_published: datetime | None = None) -> Page:
    """The sample as the pipeline sees a fetched page (no feed title, no headers)."""
    item = FeedItem(feed_name=sample.set_name, url=sample.url, guid=sample.key, title=None,
                    published=feed_published, summary=None)
    record = FetchRecord(kind="article", url=sample.url, feed_name=sample.set_name,
                         started_at=sample.fetched_at, status=200, n_bytes=len(sample.html),
                         duration_ms=0.0, outcome="ok")
    return Page(item=item, final_url=sample.url, status=200, content_type=None, body=sample.html,
                record=record)


# --------------------------------------------------------------------------- extractors


def _ours(article: Article) -> Prediction:
    utc_day = article.published.date() if article.published else None
    return Prediction(text=article.text, title=article.title, authors=article.authors,
                      day=article.published_local_date or utc_day, utc_day=utc_day)


def plain_trafilatura(sample: Sample) -> Prediction:
    """trafilatura with its defaults but without comments, as the Zyte benchmark runs it
    (``extract(html, include_comments=False)``; with comments its body F1 there is 0.95),
    text and metadata in one call."""
    document = trafilatura.bare_extraction(sample.html, url=sample.url, with_metadata=True,
                                           include_comments=False)
    if document is None:
        return Prediction("", None, (), None, None)
    day = _gold_day(document.date)
    authors = tuple(a.strip() for a in (document.author or "").split(";") if a.strip())
    return Prediction(text=(document.text or "").strip(), title=document.title, authors=authors, day=day,
                      utc_day=day)


# --------------------------------------------------------------------------- metrics

_TOKEN = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")


def _shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    # a text shorter than one shingle counts as one shingle of all its words, as upstream
    return Counter(tuple(tokens[i : i + size]) for i in range(max(1, len(tokens) - size + 1))
                   if tokens[i : i + size])


def shingle_match(gold: str, predicted: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page's shingles, normalised to sum to 1 (when not all zero)."""
    truth, guess = _shingles(gold), _shingles(predicted)
    tp = sum((truth & guess).values())
    fp = sum((guess - truth).values())
    fn = sum((truth - guess).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def body_scores(matches: Sequence[tuple[float, float, float]]) -> dict:
    """Precision and recall averaged over pages (a page counts where defined), F1 of those."""
    def precision(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def recall(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    precisions = [precision(*m) for m in matches if m[0] + m[1] > 0]
    recalls = [recall(*m) for m in matches if m[0] + m[2] > 0]
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "pages": len(matches)}


def normalize_title(title: str | None) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", title or "")).strip()


def loose_title(title: str | None) -> str:
    return _NOT_ALNUM.sub("", normalize_title(title).casefold())


def _name(name: str) -> str:
    return _SPACE.sub(" ", re.sub(r"^\s*by\s+", "", name, flags=re.I)).strip().casefold()


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _examples(items: Iterable[dict]) -> list[dict]:
    return list(items)[:MAX_EXAMPLES]


def title_scores(samples: Sequence[Sample], predictions: Sequence[Prediction]) -> dict:
    pairs = [(s, p) for s, p in zip(samples, predictions, strict=True) if s.title]
    exact = [normalize_title(s.title) == normalize_title(p.title) for s, p in pairs]
    loose = [loose_title(s.title) == loose_title(p.title) for s, p in pairs]
    return {
        "exact": _ratio(sum(exact), len(pairs)), "loose": _ratio(sum(loose), len(pairs)),
        "missing": sum(1 for _, p in pairs if not p.title), "pages": len(pairs),
        "misses": _examples({"key": s.key, "gold": s.title, "predicted": p.title}
                            for (s, p), ok in zip(pairs, exact, strict=True) if not ok),
    }


def author_scores(samples: Sequence[Sample], predictions: Sequence[Prediction]) -> dict:
    pairs = [(s, p) for s, p in zip(samples, predictions, strict=True) if s.authors is not None]
    right = tp = fp = fn = 0
    misses = []
    for sample, prediction in pairs:
        gold = {_name(n) for n in sample.authors or ()}
        guess = {_name(n) for n in prediction.authors} - {""}
        right += gold == guess
        tp, fp, fn = tp + len(gold & guess), fp + len(guess - gold), fn + len(gold - guess)
        if gold != guess:
            misses.append({"key": sample.key, "gold": list(sample.authors or ()),
                           "predicted": list(prediction.authors)})
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = (round(2 * precision * recall / (precision + recall), 4)
          if precision and recall else 0.0)
    return {"exact_set": _ratio(right, len(pairs)), "name_precision": precision,
            "name_recall": recall, "name_f1": f1, "pages": len(pairs),
            "pages_with_gold_authors": sum(1 for s, _ in pairs if s.authors),
            "misses": _examples(misses)}


def day_spellings(day: date) -> tuple[str, ...]:
    """How pages write a day in markup and text: ISO and slashed forms, and English dates."""
    month, short = day.strftime("%B"), day.strftime("%b")
    return (day.isoformat(), day.strftime("%Y/%m/%d"), f"{month} {day.day}, {day.year}",
            f"{short} {day.day}, {day.year}", f"{short}. {day.day}, {day.year}", f"{day.day} {month} {day.year}",
            f"{day.day} {short} {day.year}")


def page_carries_day(html: bytes, day: date) -> bool:
    """Does the page write the gold day anywhere? Where it does not, the gold came from
    outside the page (an archive, an annotator) and no extractor can find it there."""
    return _carries(html.decode("utf-8", "replace"), day)


def _carries(markup: str, day: date) -> bool:
    # digits on neither side: "1 December 2023" is not inside "21 December 2023"
    return any(re.search(rf"(?<!\d){re.escape(spelling)}(?!\d)", markup) for spelling in day_spellings(day))


_PUBLISHED = re.compile(
    r"""(?:datePublished|published_time|dateCreated)["']?\s*(?::|content=)\s*["'](\d{4}-\d{2}-\d{2})""", re.I)
_MODIFIED = re.compile(
    r"""(?:dateModified|modified_time|dateUpdate[d]?|last-modified)["']?\s*(?::|content=)\s*["'](\d{4}-\d{2}-\d{2})""",
    re.I)


def gold_day_facts(sample: Sample) -> tuple[bool, bool]:
    """(the page writes the gold day, the gold day is the page's modification and not its
    publication day), from one decoding of the page."""
    markup = sample.html.decode("utf-8", "replace")
    is_update = sample.published in _days(_MODIFIED, markup) and sample.published not in _days(_PUBLISHED, markup)
    return _carries(markup, sample.published), is_update


def _days(pattern: re.Pattern, markup: str) -> set[date]:
    days = set()
    for match in pattern.finditer(markup):
        try:
            days.add(date.fromisoformat(match.group(1)))
        except ValueError:
            continue
    return days


def date_scores(samples: Sequence[Sample], predictions: Sequence[Prediction],
                facts: Mapping[str, tuple[bool, bool]] | None = None) -> dict:
    """Day accuracy and its breakdown; ``facts``: ``gold_day_facts`` by sample key, when the
    caller scores the same pages more than once (else worked out here)."""
    pairs = [(s, p) for s, p in zip(samples, predictions, strict=True) if s.published]
    right = [p.day == s.published for s, p in pairs]
    # (carries the day, gold is an update)
    facts_list = [facts[s.key] if facts and s.key in facts else gold_day_facts(s) for s, _ in pairs]
    carried = [ok for ok, (carries, _) in zip(right, facts_list, strict=True) if carries]
    # the same, with the pages whose gold day is the page's own *modified* date set aside (a
    # miss there is the gold's choice of date, not the extractor's): publication-day accuracy
    publication = [ok for ok, (carries, update) in zip(right, facts_list, strict=True) if carries and not update]
    return {
        "day": _ratio(sum(right), len(pairs)),
        # the "where the page carries them": pages that write the gold day somewhere
        "day_where_carried": _ratio(sum(carried), len(carried)),
        "pages_carrying_day": len(carried),
        "publication_day_where_carried": _ratio(sum(publication), len(publication)),
        "utc_day": _ratio(sum(p.utc_day == s.published for s, p in pairs), len(pairs)),
        "missing": sum(1 for _, p in pairs if p.day is None),
        "off_by_one_day": sum(1 for s, p in pairs if p.day and abs((p.day - s.published).days) == 1),
        # same month and day in another year: most are slips in the gold (NAEB has several
        # whose URL carries the predicted year)
        "other_year_same_day": sum(1 for s, p in pairs if p.day and p.day != s.published
                                   and (p.day.month, p.day.day) == (s.published.month, s.published.day)),
        # a miss whose gold day is the page's own *modified* date: the gold took the update, we
        # (on purpose: events are dated from the first publication) the publication
        "gold_is_modified_date": sum(1 for ok, (_, update) in zip(right, facts_list, strict=True)
                                     if not ok and update),
        "pages": len(pairs),
        "misses": _examples({"key": s.key, "gold": s.published.isoformat(),
                             "predicted": p.day.isoformat() if p.day else None}
                            for (s, p), ok in zip(pairs, right, strict=True) if not ok),
    }


# --------------------------------------------------------------------------- run


def _extract_ours(pages: Sequence[Page], workers: int | None, tick: Callable[[int], None]) -> list[Prediction]:
    settings = load_settings(environ={})
    predictions: list[Prediction] = []
    for start in range(0, len(pages), CHUNK):
        chunk = pages[start : start + CHUNK]
        predictions.extend(_ours(a) for a in extract_articles(chunk, settings, workers=workers))
        tick(len(chunk))
    return predictions


def _extract_plain(samples: Sequence[Sample], tick: Callable[[int], None], errors: list[str]) -> list[Prediction]:
    predictions = []
    for sample in samples:
        try:
            predictions.append(plain_trafilatura(sample))
        except Exception as exc:  # counted as an empty answer, like our parser_error skip
            log.debug("trafilatura failed on %s/%s", sample.set_name, sample.key, exc_info=True)
            errors.append(f"trafilatura {sample.set_name}/{sample.key}: {exc!r}")
            predictions.append(Prediction("", None, (), None, None))
        tick(1)
    return predictions


def _feed_time(day: date, url: str) -> datetime:
    """Noon of the gold day, in the offset a national site's feed would write (UTC otherwise)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=site_zone(url) or UTC)


def run_extraction_eval(
    shared_root: Path | None = None,
    progress: Progress | None = None,
    *,
    sets: Sequence[str] | None = None,
    limit: int | None = None,
    workers: int | None = None,
    feed_dates: bool = True,
) -> dict:
    """Extract every page of ``sets`` (default: all) with ours and with plain trafilatura
    and score both; ``limit`` keeps the first pages of each set. ``progress(done, total)``
    counts extractions. ``workers``: our process pool (default one per CPU).

    JSON-serializable: ``{"meta": {...}, "sets": {name: figures}}``; figures are keyed
    ``<metric>.<ours|trafilatura|ours_with_feed_date>.<figure>`` (e.g. ``zyte.body.ours.f1``),
    so that the floors of ``evaluation.run.check_figures`` apply."""
    shared_root = shared_root or DEFAULT_SHARED_ROOT
    names = list(dict.fromkeys(sets or SET_NAMES))
    unknown = [n for n in names if n not in SET_NAMES]
    if unknown:
        raise ValueError(f"unknown extraction set(s) {unknown} (known: {', '.join(SET_NAMES)})")
    now = datetime.now(UTC)
    loaded = {name: load_samples(name, shared_root, limit, now) for name in names}
    total = sum(len(s) * (3 if feed_dates and n in DATED_SETS else 2) for n, s in loaded.items())
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    tick(0)
    results: dict[str, Any] = {
        "meta": {
            "shared_root": str(shared_root), "sets": names,
            "extractor_version": EXTRACTOR_VERSION, "trafilatura_version": trafilatura.__version__,
            "pages": {}, "seconds": {}, "errors": [],
        },
        "sets": {},
    }
    for name, samples in loaded.items():
        started = time.perf_counter()
        plain = _extract_plain(samples, tick, results["meta"]["errors"])
        plain_seconds = time.perf_counter() - started
        started = time.perf_counter()
        ours = _extract_ours([as_page(s) for s in samples], workers, tick)
        ours_seconds = time.perf_counter() - started
        figures: dict[str, Any] = {"pages": len(samples)}
        if any(s.body is not None for s in samples):
            figures["body"] = {
                label: body_scores([shingle_match(s.body or "", p.text) for s, p in zip(samples, preds, strict=True)])
                for label, preds in (("ours", ours), ("trafilatura", plain))
            }
        if any(s.title for s in samples):
            figures["title"] = {"ours": title_scores(samples, ours), "trafilatura": title_scores(samples, plain)}
        if any(s.authors is not None for s in samples):
            figures["authors"] = {"ours": author_scores(samples, ours), "trafilatura": author_scores(samples, plain)}
        if name in DATED_SETS:
            facts = {s.key: gold_day_facts(s) for s in samples if s.published}  # one decoding per page
            figures["date"] = {"ours": date_scores(samples, ours, facts),
                               "trafilatura": date_scores(samples, plain, facts)}
            if feed_dates:
                dated = [s for s in samples if s.published]
                fed = _extract_ours([as_page(s, _feed_time(s.published, s.url)) for s in dated if s.published],
                                    workers, tick)
                tick(len(samples) - len(dated))
                figures["date"]["ours_with_feed_date"] = date_scores(dated, fed, facts)
        results["sets"][name] = figures
        results["meta"]["pages"][name] = len(samples)
        results["meta"]["seconds"][name] = {"trafilatura": round(plain_seconds, 2), "ours": round(ours_seconds, 2)}
    return results


# --------------------------------------------------------------------------- report


def _f(value: Any) -> str:
    return "  n/a" if value is None else f"{value:5.3f}"


def _versus(label: str, figures: Mapping[str, Any], key: str, extra: Callable[[Mapping[str, Any]], str]) -> list[str]:
    lines = []
    for who in ("ours", "trafilatura", "ours_with_feed_date"):
        if who in figures:
            tally = figures[who]
            lines.append(f"  {label:<8} {who:<20} {_f(tally.get(key))}  {extra(tally)}")
    return lines


def format_extraction_report(results: Mapping[str, Any]) -> str:
    """A plain-text report: per set, our figures next to plain trafilatura's."""
    meta = results.get("meta", {})
    lines = [f"newsevents eval extraction ({meta.get('shared_root', '?')}): ours "
             f"{meta.get('extractor_version', '?')} vs trafilatura {meta.get('trafilatura_version', '?')}"]
    for name, figures in results.get("sets", {}).items():
        lines += ["", f"{name}: {SET_DESCRIPTIONS.get(name, name)}, {figures['pages']} pages"]
        if "body" in figures:
            lines += _versus("body F1", figures["body"], "f1",
                             lambda t: f"(precision {_f(t['precision'])}, recall {_f(t['recall'])})")
        if "title" in figures:
            lines += _versus("title", figures["title"], "exact",
                             lambda t: f"exact (loose {_f(t['loose'])}, none {t['missing']}/{t['pages']})")
        if "authors" in figures:
            lines += _versus("authors", figures["authors"], "exact_set",
                             lambda t: f"exact set (names P {_f(t['name_precision'])} R {_f(t['name_recall'])}"
                                       f" F1 {_f(t['name_f1'])})")
        if "date" in figures:
            lines += _versus("date", figures["date"], "day",
                             lambda t: f"right day (where the page writes the day {_f(t['day_where_carried'])}"
                                       f" of {t['pages_carrying_day']}, {_f(t['publication_day_where_carried'])}"
                                       f" without the gold's modified dates; UTC day {_f(t['utc_day'])}; "
                                       f"of {t['pages']}: none "
                                       f"{t['missing']}, off by one {t['off_by_one_day']}, same day other "
                                       f"year {t['other_year_same_day']}, gold is the page's modified date "
                                       f"{t['gold_is_modified_date']})")
        seconds = meta.get("seconds", {}).get(name)
        if seconds:
            lines.append(f"  seconds: trafilatura {seconds['trafilatura']:.1f} (one process), "
                         f"ours {seconds['ours']:.1f} (process pool)")
        for metric in ("title", "authors", "date"):
            for miss in figures.get(metric, {}).get("ours", {}).get("misses", [])[:3]:
                lines.append(f"  ours, {metric} miss {miss['key'][:24]}: gold {miss['gold']!r}, "
                             f"got {miss['predicted']!r}")
    if any("ours_with_feed_date" in f.get("date", {}) for f in results.get("sets", {}).values()):
        lines += ["", "ours_with_feed_date: the gold day at 12:00 UTC given as the feed item's time "
                  "(feed dates take precedence over the page). The score shows what the precedence "
                  "and the publisher's-day rule keep of a correct feed date; the gap to 'ours' is what "
                  "real feed dates can fix, if they are right."]
    if meta.get("errors"):
        lines += ["", "errors:"] + [f"  {e}" for e in meta["errors"][:10]]
    return "\n".join(lines) + "\n"

