"""The tokens of a message cover its text exactly: spans and the joined surfaces rely on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.screening import Screener
from bot.screening.tokens import CHUNK_CHARS

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"


def _messages() -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA.glob("screening_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.extend(json.loads(line)["messages"])
    return texts


@pytest.mark.parametrize(
    "text",
    [
        "",
        "死にたい",
        "  しぬ つもり\u3000です\n\n",
        "今日は雨。明日は？　わからない…",
        "abc def 123",
        "あいう。" * (CHUNK_CHARS // 2),  # more than one chunk
    ],
)
def test_surfaces_cover_the_text(screener: Screener, text: str) -> None:
    tokens = screener._tokenizer.tokenize(text)
    assert "".join(t.surface for t in tokens) == text
    assert [t.begin for t in tokens] == [0, *(t.end for t in tokens)][: len(tokens)]
    assert all(text[t.begin : t.end] == t.surface for t in tokens)


def test_surfaces_cover_every_labelled_message(screener: Screener) -> None:
    normalizer = screener._normalizer
    texts = [normalizer.normalize(m).text for m in _messages()]
    assert len(texts) > 1000
    for text in texts:
        tokens = screener._tokenizer.tokenize(text)
        assert "".join(t.surface for t in tokens) == text, text
        assert not tokens or tokens[-1].end == len(text)
