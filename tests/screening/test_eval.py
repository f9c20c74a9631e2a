"""The screener meets the product's targets on both labelled files (`make eval`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.screening import Screener
from bot.screening.evaluation import TARGETS, evaluate, read_cases

from .conftest import REPO

FILES = {
    "dev": REPO / "tests" / "data" / "screening_dev.jsonl",
    "cases": REPO / "tests" / "data" / "screening_cases.jsonl",
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_targets(screener: Screener, name: str) -> None:
    path: Path = FILES[name]
    assert path.exists(), f"{path} is missing"
    scores = evaluate(screener, read_cases(path), name)
    metrics = scores.metrics()
    assert metrics["crisis_recall"] is not None
    assert metrics["crisis_recall"] >= TARGETS["crisis_recall"]
    assert metrics["imminent_recall"] is not None
    assert metrics["imminent_recall"] >= TARGETS["imminent_recall"]
    assert metrics["false_alarm_rate"] is not None
    assert metrics["false_alarm_rate"] <= TARGETS["false_alarm_rate"]
    assert metrics["idiom_calm_rate"] is not None
    assert metrics["idiom_calm_rate"] >= TARGETS["idiom_calm_rate"]
    assert metrics["factor_f1"] is not None
    assert metrics["factor_f1"] >= TARGETS["factor_f1"]
    assert scores.meets_targets(), "\n".join(scores.misses)


def test_cases_file_is_large_and_covers_every_level() -> None:
    cases = read_cases(FILES["cases"])
    assert len(cases) >= 300
    assert {c.risk.label for c in cases} == {"none", "low", "moderate", "high", "imminent"}
    assert len({c.id for c in cases}) == len(cases)
