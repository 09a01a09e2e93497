"""The quality gate: every figure of `newsevents eval` stays at or above its pinned floor
(evaluation/floors.toml). Scores may only ratchet up, on purpose."""

from __future__ import annotations

from evaluation.run import FLOORS_PATH, SET_NAMES, check_floors, run_eval
from taggers.engine import Tagger


def test_eval_figures_meet_floors(shared_root):
    results = run_eval(Tagger.load(), list(SET_NAMES), shared_root)
    assert check_floors(results, FLOORS_PATH) == []
