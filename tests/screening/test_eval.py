"""The screener's measured floor on every labelled set (`make eval`), and the eval output.

The floors are what the screener reaches today, a little below, so that a change which makes
it miss more crises or raise more false alarms fails the suite. They are not the product's
targets (TARGETS): those are judged on held-out sets nobody on the team sees (docs/screening.md).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.screening import Screener
from bot.screening.evaluation import (
    TARGETS,
    Scores,
    evaluate,
    format_categories,
    format_confusion,
    read_cases,
)

from .conftest import REPO

DATA = REPO / "tests" / "data"
# file → metric → floor (for false alarms: a ceiling)
FLOORS: dict[str, dict[str, float]] = {
    "screening_dev2.jsonl": {
        "crisis_recall": 0.97,
        "imminent_recall": 0.95,
        "false_alarm_rate": 0.02,
        # (0.95: the wording model reads d007's もうやめたい alone as a crisis)
        "idiom_calm_rate": 0.95,
        "factor_f1": 0.93,
        "flag_recall": 0.98,
        "flag_false_alarm_rate": 0.01,
    },
    "screening_dev_d.jsonl": {
        "crisis_recall": 0.88,
        "imminent_recall": 0.87,
        "false_alarm_rate": 0.02,
        "idiom_calm_rate": 0.98,
        "factor_f1": 0.89,
        "flag_recall": 0.95,
        "flag_false_alarm_rate": 0.01,
    },
    # set F: written blind, then used for tuning (first untuned run: crisis 0.536, imminent 0.463)
    "screening_dev_f.jsonl": {
        "crisis_recall": 0.78,
        "imminent_recall": 0.71,
        "false_alarm_rate": 0.02,
        "idiom_calm_rate": 0.89,
        "factor_f1": 0.83,
        "flag_recall": 0.78,
        "flag_false_alarm_rate": 0.01,
    },
    # set J: written blind, then used for tuning (first run: crisis 0.635, imminent 0.615)
    "screening_dev_j.jsonl": {
        "crisis_recall": 0.83,
        "imminent_recall": 0.84,
        "false_alarm_rate": 0.04,
        "idiom_calm_rate": 0.95,
        "factor_f1": 0.81,
        "flag_recall": 0.88,
        "flag_false_alarm_rate": 0.01,
    },
    # set K: written blind, then used for tuning (first run: crisis 0.587, imminent 0.483)
    "screening_dev_k.jsonl": {
        "crisis_recall": 0.75,
        "imminent_recall": 0.80,
        "false_alarm_rate": 0.03,
        "idiom_calm_rate": 0.96,
        "factor_f1": 0.83,
        "flag_recall": 0.88,
        "flag_false_alarm_rate": 0.01,
    },
    # set L: written blind, then used for tuning (first run: crisis 0.709, imminent 0.638)
    "screening_dev_l.jsonl": {
        "crisis_recall": 0.87,
        "imminent_recall": 0.85,
        "false_alarm_rate": 0.03,
        "idiom_calm_rate": 0.89,
        "factor_f1": 0.81,
        "flag_recall": 0.60,
        "flag_false_alarm_rate": 0.01,
    },
    # set M: written blind, then added (first run: crisis 0.746, imminent 0.679)
    "screening_dev_m.jsonl": {
        "crisis_recall": 0.84,
        "imminent_recall": 0.80,
        "false_alarm_rate": 0.06,
        "idiom_calm_rate": 0.93,
        "factor_f1": 0.83,
        "flag_recall": 0.84,
        "flag_false_alarm_rate": 0.01,
    },
    # set N: written blind, then added (first run: crisis 0.795, imminent 0.740, false alarms 0.099)
    "screening_dev_n.jsonl": {
        "crisis_recall": 0.86,
        "imminent_recall": 0.80,
        "false_alarm_rate": 0.05,
        "idiom_calm_rate": 0.90,
        "factor_f1": 0.75,
        "flag_recall": 0.86,
        "flag_false_alarm_rate": 0.01,
    },
    # the calm sets: written blind as negatives for the wording model (first run, rules alone:
    # false alarms 0.052, 0.035 and 0.045)
    "screening_calm_a.jsonl": {"false_alarm_rate": 0.06, "idiom_calm_rate": 0.90},
    "screening_calm_b.jsonl": {"false_alarm_rate": 0.04, "idiom_calm_rate": 0.92},
    "screening_calm_c.jsonl": {"false_alarm_rate": 0.05, "idiom_calm_rate": 0.90},
    "screening_cases.jsonl": {
        "crisis_recall": 0.95,
        "imminent_recall": 0.98,
        "false_alarm_rate": 0.01,
        "idiom_calm_rate": 0.99,
        "factor_f1": 0.98,
    },
    # sets T6-T11 and calm D: written blind on 2 December, scored, then trained on (first runs:
    # tests/data/README.md); in sample, so these floors guard against regressions only
    "screening_dev_t6.jsonl": {
        "crisis_recall": 0.88,
        "imminent_recall": 0.90,
        "false_alarm_rate": 0.07,
        "idiom_calm_rate": 0.78,
        "factor_f1": 0.78,
        "flag_recall": 0.97,
        "flag_false_alarm_rate": 0.04,
    },
    "screening_dev_t7.jsonl": {
        "crisis_recall": 0.88,
        "imminent_recall": 0.97,
        "false_alarm_rate": 0.06,
        "idiom_calm_rate": 0.64,
        "factor_f1": 0.86,
        "flag_recall": 0.97,
        "flag_false_alarm_rate": 0.02,
    },
    "screening_dev_t8.jsonl": {
        "crisis_recall": 0.82,
        "imminent_recall": 0.68,
        "false_alarm_rate": 0.10,
        "idiom_calm_rate": 0.74,
        "factor_f1": 0.84,
        "flag_recall": 0.97,
        "flag_false_alarm_rate": 0.01,
    },
    "screening_dev_t9.jsonl": {
        "crisis_recall": 0.85,
        "imminent_recall": 0.78,
        "false_alarm_rate": 0.11,
        "idiom_calm_rate": 0.72,
        "factor_f1": 0.80,
        "flag_recall": 0.97,
        "flag_false_alarm_rate": 0.02,
    },
    "screening_dev_t11.jsonl": {
        "crisis_recall": 0.92,
        "imminent_recall": 0.91,
        "false_alarm_rate": 0.18,
        "idiom_calm_rate": 0.71,
        "factor_f1": 0.79,
        "flag_recall": 0.97,
        "flag_false_alarm_rate": 0.01,
    },
    "screening_calm_d.jsonl": {"false_alarm_rate": 0.06, "idiom_calm_rate": 0.88},
    "screening_dev.jsonl": {
        "crisis_recall": 0.92,
        "imminent_recall": 0.98,
        "false_alarm_rate": 0.01,
        "idiom_calm_rate": 0.99,
        "factor_f1": 0.97,
    },
}
CEILINGS = frozenset({"false_alarm_rate", "flag_false_alarm_rate"})


@pytest.fixture(scope="module")
def scores(screener: Screener) -> Callable[[str], Scores]:
    """Each labelled set evaluated once for the module; the tests read the same scores."""
    done: dict[str, Scores] = {}

    def of(name: str) -> Scores:
        if name not in done:
            path: Path = DATA / name
            assert path.exists(), f"{path} is missing"
            done[name] = evaluate(screener, read_cases(path), name)
        return done[name]

    return of


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_floors(scores: Callable[[str], Scores], name: str) -> None:
    metrics = scores(name).metrics()
    for metric, floor in FLOORS[name].items():
        value = metrics[metric]
        assert value is not None, metric
        if metric in CEILINGS:
            assert value <= floor, (name, metric, value)
        else:
            assert value >= floor, (name, metric, value)


def test_every_target_has_a_floor_on_the_broad_sets() -> None:
    for name in ("screening_dev2.jsonl", "screening_dev_d.jsonl"):
        assert set(FLOORS[name]) == set(TARGETS)


def test_categories_and_confusion_are_reported(scores: Callable[[str], Scores]) -> None:
    dev2 = scores("screening_dev2.jsonl")
    table = format_categories(dev2)
    for category in ("passive_wish", "plan_time", "dialect", "harm_to_others", "calm_lookalike"):
        assert category in table
    confusion = format_confusion(dev2)
    assert "imminent" in confusion and "gold / predicted" in confusion
    assert sum(dev2.confusion.values()) == dev2.cases == 317


def test_the_labelled_sets_are_large_and_cover_every_level() -> None:
    for name in ("screening_cases.jsonl", "screening_dev2.jsonl", "screening_dev_d.jsonl"):
        cases = read_cases(DATA / name)
        assert len(cases) >= 300
        assert {c.risk.label for c in cases} == {"none", "low", "moderate", "high", "imminent"}
        assert len({c.id for c in cases}) == len(cases)


def test_make_eval_prints_categories_and_confusion() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "screen", "--eval", str(DATA / "screening_dev2.jsonl")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "# per category: screening_dev2.jsonl" in proc.stdout
    assert "# confusion: screening_dev2.jsonl" in proc.stdout
    assert "flag_recall" in proc.stdout
