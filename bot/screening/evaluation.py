"""Scoring the screener on labelled conversations (``make eval``).

A labelled file is JSON Lines with ``id``, ``messages``, ``risk`` and ``factors`` (the format of
shared/data/screening_dev.jsonl). The metrics follow the product's priorities: missing a crisis
is the worst failure (crisis and imminent recall), false alarms the second worst (false-alarm
rate), idioms must stay calm, and factors must be right for the case card (micro-F1).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.screening.screener import Screener
from bot.screening.types import RiskLevel, ScreeningResult

TARGETS: dict[str, float] = {
    "crisis_recall": 0.98,
    "imminent_recall": 0.90,
    "false_alarm_rate": 0.03,
    "idiom_calm_rate": 0.95,
    "factor_f1": 0.85,
    "flag_recall": 0.80,
    "flag_false_alarm_rate": 0.03,
}
LOWER_IS_BETTER = frozenset({"false_alarm_rate", "flag_false_alarm_rate"})
LEVELS = tuple(RiskLevel)


@dataclass(frozen=True, slots=True)
class LabelledCase:
    id: str
    messages: tuple[str, ...]
    risk: RiskLevel
    factors: frozenset[str]
    prior_factors: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()
    category: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    case: LabelledCase
    result: ScreeningResult

    @property
    def predicted(self) -> RiskLevel:
        return self.result.risk


@dataclass
class Scores:
    """The five metrics plus counts (a metric is None when the file has no case for it)."""

    name: str
    cases: int = 0
    exact: int = 0
    crisis: tuple[int, int] = (0, 0)  # (caught, total)
    imminent: tuple[int, int] = (0, 0)
    false_alarm: tuple[int, int] = (0, 0)  # (raised, total none/low)
    calm: tuple[int, int] = (0, 0)  # (calm, total none)
    tp: int = 0
    fp: int = 0
    fn: int = 0
    flag_hits: tuple[int, int] = (0, 0)  # (flags found, flags labelled)
    flag_false: tuple[int, int] = (
        0,
        0,
    )  # (conversations flagged wrongly, conversations without that flag)
    confusion: dict[tuple[int, int], int] = field(default_factory=dict)  # (gold, predicted) → count
    categories: dict[str, Scores] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    @staticmethod
    def _rate(pair: tuple[int, int]) -> float | None:
        return pair[0] / pair[1] if pair[1] else None

    def metrics(self) -> dict[str, float | None]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "crisis_recall": self._rate(self.crisis),
            "imminent_recall": self._rate(self.imminent),
            "false_alarm_rate": self._rate(self.false_alarm),
            "idiom_calm_rate": self._rate(self.calm),
            "factor_f1": f1 if self.tp + self.fp + self.fn else None,
            "flag_recall": self._rate(self.flag_hits),
            "flag_false_alarm_rate": self._rate(self.flag_false),
        }

    def meets_targets(self) -> bool:
        for name, value in self.metrics().items():
            if value is None:
                continue
            target = TARGETS[name]
            if (value > target) if name in LOWER_IS_BETTER else (value < target):
                return False
        return True

    def add(self, outcome: Outcome, *, by_category: bool = True) -> None:
        case, predicted = outcome.case, outcome.predicted
        if by_category and case.category:
            self.categories.setdefault(case.category, Scores(case.category)).add(
                outcome, by_category=False
            )
        key = (int(case.risk), int(predicted))
        self.confusion[key] = self.confusion.get(key, 0) + 1
        got_flags = set(outcome.result.flags)
        for flag in ("harm_to_others", "child_in_danger"):
            if flag in case.flags:
                self.flag_hits = (self.flag_hits[0] + (flag in got_flags), self.flag_hits[1] + 1)
                if flag not in got_flags:
                    problems_flag = f"missed flag {flag}"
                    self.misses.append(f"{case.id}: {problems_flag} :: {' / '.join(case.messages)}")
            else:
                self.flag_false = (self.flag_false[0] + (flag in got_flags), self.flag_false[1] + 1)
                if flag in got_flags:
                    self.misses.append(
                        f"{case.id}: false flag {flag} :: {' / '.join(case.messages)}"
                    )
        self.cases += 1
        self.exact += predicted == case.risk
        problems: list[str] = []

        def bump(pair: tuple[int, int], hit: bool) -> tuple[int, int]:
            return (pair[0] + hit, pair[1] + 1)

        if case.risk.is_crisis:
            self.crisis = bump(self.crisis, predicted.is_crisis)
            if not predicted.is_crisis:
                problems.append("missed crisis")
        if case.risk == RiskLevel.IMMINENT:
            self.imminent = bump(self.imminent, predicted == RiskLevel.IMMINENT)
            if predicted != RiskLevel.IMMINENT:
                problems.append("missed imminent")
        if case.risk <= RiskLevel.LOW:
            self.false_alarm = bump(self.false_alarm, predicted.is_crisis)
            if predicted.is_crisis:
                problems.append("false alarm")
        if case.risk == RiskLevel.NONE:
            self.calm = bump(self.calm, predicted <= RiskLevel.LOW)
            if predicted > RiskLevel.LOW:
                problems.append("not calm")
        got = set(outcome.result.factors)
        self.tp += len(got & case.factors)
        self.fp += len(got - case.factors)
        self.fn += len(case.factors - got)
        if got != case.factors:
            extra = ",".join(sorted(got - case.factors))
            missing = ",".join(sorted(case.factors - got))
            problems.append(f"factors +[{extra}] -[{missing}]")
        if predicted != case.risk:
            problems.append(f"level {predicted.label} (gold {case.risk.label})")
        if problems:
            texts = " / ".join(case.messages)
            self.misses.append(f"{case.id}: {'; '.join(problems)} :: {texts}")


def read_cases(path: Path) -> list[LabelledCase]:
    """Read a labelled JSON Lines file; raises ValueError naming the line of a bad case."""
    cases: list[LabelledCase] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                messages = data["messages"]
                if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
                    raise ValueError("'messages' must be a list of strings")
                cases.append(
                    LabelledCase(
                        id=str(data["id"]),
                        messages=tuple(messages),
                        risk=RiskLevel.parse(str(data["risk"])),
                        factors=frozenset(data.get("factors", [])),
                        prior_factors=tuple(data.get("prior_factors", [])),
                        flags=frozenset(data.get("flags", [])),
                        category=str(data.get("category", "")),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: bad labelled case ({exc})") from exc
    return cases


def evaluate(screener: Screener, cases: Iterable[LabelledCase], name: str) -> Scores:
    scores = Scores(name)
    for case in cases:
        result = screener.screen_conversation(case.messages, case.prior_factors)
        scores.add(Outcome(case, result))
    return scores


def combine(parts: Sequence[Scores], name: str = "combined") -> Scores:
    total = Scores(name)
    for s in parts:
        total.cases += s.cases
        total.exact += s.exact
        total.crisis = (total.crisis[0] + s.crisis[0], total.crisis[1] + s.crisis[1])
        total.imminent = (total.imminent[0] + s.imminent[0], total.imminent[1] + s.imminent[1])
        total.false_alarm = (
            total.false_alarm[0] + s.false_alarm[0],
            total.false_alarm[1] + s.false_alarm[1],
        )
        total.calm = (total.calm[0] + s.calm[0], total.calm[1] + s.calm[1])
        total.tp += s.tp
        total.fp += s.fp
        total.fn += s.fn
        total.flag_hits = (total.flag_hits[0] + s.flag_hits[0], total.flag_hits[1] + s.flag_hits[1])
        total.flag_false = (
            total.flag_false[0] + s.flag_false[0],
            total.flag_false[1] + s.flag_false[1],
        )
        for key, count in s.confusion.items():
            total.confusion[key] = total.confusion.get(key, 0) + count
    return total


def format_table(scores: Sequence[Scores]) -> str:
    """The metric table: one column per file, one row per metric, with the targets."""
    names = [s.name for s in scores]
    width = max(12, *(len(n) for n in names))
    head = f"{'metric':<18}" + "".join(f"{n:>{width + 2}}" for n in names) + f"{'target':>10}"
    lines = [head, "-" * len(head)]
    rows: list[tuple[str, list[str], str]] = []
    metrics = [s.metrics() for s in scores]
    for key, goal in TARGETS.items():
        sign = "≤" if key in LOWER_IS_BETTER else "≥"
        values = ["n/a" if m[key] is None else f"{m[key]:.3f}" for m in metrics]
        rows.append((key, values, f"{sign} {goal:.2f}"))
    rows.append(
        ("level_accuracy", [f"{s.exact / s.cases:.3f}" if s.cases else "n/a" for s in scores], "")
    )
    rows.append(("cases", [str(s.cases) for s in scores], ""))
    for key, values, target_text in rows:
        cells = "".join(f"{v:>{width + 2}}" for v in values)
        lines.append(f"{key:<18}{cells}{target_text:>10}")
    return "\n".join(lines)


def _pct(pair: tuple[int, int]) -> str:
    return f"{pair[0] / pair[1]:.2f}" if pair[1] else "-"


def format_categories(scores: Scores) -> str:
    """Per category: cases, crisis recall, imminent recall, false alarms, level accuracy."""
    if not scores.categories:
        return ""
    head = f"{'category':<20}{'cases':>6}{'crisis':>8}{'immin.':>8}{'f.alarm':>8}{'calm':>6}{'level':>7}{'flags':>7}"
    lines = [f"# per category: {scores.name}", head, "-" * len(head)]
    for name in sorted(scores.categories):
        c = scores.categories[name]
        lines.append(
            f"{name:<20}{c.cases:>6}{_pct(c.crisis):>8}{_pct(c.imminent):>8}"
            f"{_pct(c.false_alarm):>8}{_pct(c.calm):>6}{c.exact / c.cases if c.cases else 0:>7.2f}"
            f"{_pct(c.flag_hits):>7}"
        )
    return "\n".join(lines)


def format_confusion(scores: Scores) -> str:
    """Gold level (rows) against the predicted level (columns)."""
    names = [level.label for level in LEVELS]
    corner = "gold / predicted"
    head = f"{corner:<18}" + "".join(f"{n:>10}" for n in names)
    lines = [f"# confusion: {scores.name}", head, "-" * len(head)]
    for gold in LEVELS:
        row = [scores.confusion.get((int(gold), int(p)), 0) for p in LEVELS]
        lines.append(f"{gold.label:<18}" + "".join(f"{n:>10}" for n in row))
    return "\n".join(lines)
