"""Screening cost per message, as a ratio to Sudachi tokenization alone on the same texts.

The design asks for screening ≤ 5 × the cost of tokenizing the same text. Both are measured in
this process, on the same messages (the labelled sets plus a few long ones), in the same run;
each figure is the best of several rounds so that a busy shared machine disturbs it less.

    python -m bench.bench_screening
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.screening import Screener
from bot.screening.tokens import SudachiTokenizer

ROOT = Path(__file__).resolve().parent.parent
LABELLED = (
    ROOT / "tests" / "data" / "screening_dev.jsonl",
    ROOT / "tests" / "data" / "screening_cases.jsonl",
)
TARGET_RATIO = 5.0
ROUNDS = 9


def _messages() -> list[str]:
    texts: list[str] = []
    for path in LABELLED:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts.extend(json.loads(line)["messages"])
    if not texts:
        texts = ["死にたい", "借金が返せなくて眠れない", "こんにちは", "死ぬほど笑った"]
    return texts


def _best_pair(
    first: Callable[[], object], second: Callable[[], object], rounds: int = ROUNDS
) -> tuple[float, float]:
    """Best time of each, measured in alternation so that load on the machine hits both."""
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for i, fn in enumerate((first, second)):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best[0], best[1]


def _row(name: str, texts: Sequence[str], sudachi: float, screening: float) -> dict[str, object]:
    n = len(texts)
    return {
        "case": name,
        "messages": n,
        "avg_chars": round(sum(len(t) for t in texts) / n, 1),
        "sudachi_us_per_msg": round(sudachi / n * 1e6, 1),
        "screen_us_per_msg": round(screening / n * 1e6, 1),
        "ratio": round(screening / sudachi, 2),
        "msgs_per_s": round(n / screening),
        "target": f"ratio ≤ {TARGET_RATIO:g}",
    }


def run() -> list[dict[str, object]]:
    """Measure and return the table rows (the lead's ``python -m bench`` calls this)."""
    screener = Screener.load(ROOT / "config")
    baseline = SudachiTokenizer()  # a separate tokenizer: the same work as Screener's, no more
    short = _messages()
    long_texts = [" ".join(short[i : i + 40]) for i in range(0, len(short), 40)][:10]
    rows = []
    for name, texts in (("chat messages", short), ("long messages", long_texts)):
        for text in texts:  # warm both (dictionary pages, caches)
            baseline.raw(text)
            screener.screen(text)

        def tokenize_all(texts: Sequence[str] = texts) -> None:
            for text in texts:
                baseline.raw(text)

        def screen_all(texts: Sequence[str] = texts) -> None:
            for text in texts:  # each message as the first of its conversation
                screener.screen(text)

        sudachi, screening = _best_pair(tokenize_all, screen_all)
        rows.append(_row(name, texts, sudachi, screening))
    return rows


if __name__ == "__main__":
    from bench.table import print_table

    print_table(run())
