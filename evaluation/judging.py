"""Make a packet of events for a reviewer to place blind (see places_unseen.tsv).

A seeded random sample of a corpus's texts is tagged; for each reported event the packet gives
what a reviewer needs to say where it happened (its sentence, with the whole text as context)
and the ids the judgement is keyed on, but none of the tagger's place fields, so the judgement
cannot lean on our output. Usage:

    python -m evaluation.judging case2021 --sample 100 --seed 2026 > packet.tsv

Texts that places_unseen.tsv already judges are never drawn again.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.records import Event
from evaluation import corpora
from evaluation.scoring import is_reported

PACKET_COLUMNS = ("set", "key", "char_start", "sentence", "context")


@dataclass(frozen=True)
class JudgingText:
    set_name: str
    key: str
    text: str
    published: date | None = None


def case2021_texts(shared_root: Path) -> list[JudgingText]:
    return [JudgingText("case2021", s.snippet_id, s.text) for s in corpora.load_case2021(shared_root)]


PACKET_SETS: dict[str, Callable[[Path], list[JudgingText]]] = {"case2021": case2021_texts}


def sample_texts(texts: Sequence[JudgingText], size: int, seed: int,
                 judged: Iterable[tuple[str, str]] = ()) -> list[JudgingText]:
    """A reproducible sample, in corpus order so the packet reads like the corpus, of the
    texts not already ``judged`` ((set, key) pairs): a new batch is new ground."""
    judged = set(judged)
    texts = [text for text in texts if (text.set_name, text.key) not in judged]
    chosen = set(random.Random(seed).sample(range(len(texts)), min(size, len(texts))))
    return [text for index, text in enumerate(texts) if index in chosen]


def packet_rows(texts: Iterable[JudgingText], tag: Callable[[JudgingText], list[Event]]) -> list[tuple]:
    """One row per reported event; events sharing a sentence are judged once."""
    rows = []
    for text in texts:
        first_by_start = {}
        for event in tag(text):
            if is_reported(event):
                first_by_start.setdefault(event.char_start, event)
        rows += [(text.set_name, text.key, start, _one_line(event.evidence), _one_line(text.text))
                 for start, event in first_by_start.items()]
    return rows


def _one_line(value: str) -> str:
    return " ".join(value.split())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set_name", choices=sorted(PACKET_SETS))
    parser.add_argument("--sample", type=int, default=100, help="how many texts to draw (default 100)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the draw")
    parser.add_argument("--shared-root", type=Path, default=corpora.DEFAULT_SHARED_ROOT)
    args = parser.parse_args(argv)

    from core.settings import load_settings
    from taggers.engine import Tagger

    tagger = Tagger.load(load_settings())

    def tag(text: JudgingText) -> list[Event]:
        return tagger.tag(text.text, text.published, doc_id=text.key, snippet=True)

    judged = {(j.set_name, j.key) for j in corpora.load_place_judgements()}
    texts = sample_texts(PACKET_SETS[args.set_name](args.shared_root), args.sample, args.seed, judged)
    print("\t".join(PACKET_COLUMNS))
    for row in packet_rows(texts, tag):
        print("\t".join(str(value) for value in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
