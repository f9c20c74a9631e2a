"""Regex gates (bot/screening/gates.py): a regex is searched only in a text that holds one of
the strings its matches need, so a gate must never hide a match."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.screening import Screener
from bot.screening.gates import Gates, must_contain
from bot.yamlio import load_file, plain

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("pattern", "gate"),
    [
        ("(?<=つら|きつ)か", {"つらか", "きつか"}),  # a look-behind before the literal
        ("(?:(?<=死に)|(?<=消え))たか", {"死にたか", "消えたか"}),
        ("しに(?=た[いく])(?!たいへん)", {"しにたい", "しにたく"}),  # a look-ahead after it
        ("[0-9０-９]+階", {"階"}),
        ("(?:今週|来週)の(?:月|火)", {"今週の月", "今週の火", "来週の月", "来週の火"}),
        ("(?x: (?:ab)x | (?:cd) )", {"abx", "cd"}),  # alternatives, each with its own gate
        ("死に(?:たい)?", {"死に"}),  # an optional tail adds nothing
        ("タヒ(?!チ)", {"タヒ"}),
    ],
)
def test_gate_is_what_every_match_needs(pattern: str, gate: set[str]) -> None:
    assert must_contain(pattern) == gate


@pytest.mark.parametrize(
    "pattern", ["(?i)abc", "(?i:a)b?", "a?b?c*", "[^。]+", r"\d+", "(?:a|.)b?"]
)
def test_no_gate_when_nothing_is_needed(pattern: str) -> None:
    assert must_contain(pattern) is None
    assert Gates([pattern]).candidates("xyz") == (0,)  # always searched


def test_candidates_are_the_regexes_whose_gate_the_text_holds() -> None:
    gates = Gates(["死にたい", "(?<=つら)か", "[0-9]+階", "zzz?"])
    assert gates.candidates("もう疲れた") == ()
    assert gates.candidates("死にたいほどつらか、8階") == (0, 1, 2)
    assert gates.candidates("zz") == (3,)


def _texts() -> list[str]:
    """Every message of the labelled sets and every example of the spelling and dialect rules."""
    texts: list[str] = []
    for path in sorted((REPO / "tests" / "data").glob("screening_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.extend(json.loads(line)["messages"])
    for name, key in (("spellings.yaml", "spellings"), ("dialects.yaml", "dialects")):
        data, _ = load_file(REPO / "config" / name)
        for item in plain(data)[key]:
            examples = item.get("examples", [])
            if isinstance(examples, dict):  # dialects: the dialect text → the standard text
                examples = [*examples, *examples.values()]
            texts.extend(map(str, [*examples, *item.get("counter_examples", [])]))
    return texts


def test_no_gate_hides_a_match(screener: Screener) -> None:
    """Spelling and dialect rules on the messages as written and as normalized; concept and
    idiom regexes on the normalized messages: every regex that matches passes its gate."""
    normalizer = screener._normalizer
    raw = _texts()
    normalized = [normalizer.normalize(t).text for t in raw]
    sets: list[tuple[list[re.Pattern[str]], Gates, list[str]]] = [
        (list(normalizer._rules), normalizer._gates, raw + normalized),
        ([r for r, _ in screener._concepts._regexes], screener._concepts._gates, normalized),
        ([r for r, _ in screener._idioms._regexes], screener._idioms._gates, normalized),
    ]
    for regexes, gates, texts in sets:
        matched = 0
        for text in set(texts):
            tried = set(gates.candidates(text))
            for i, regex in enumerate(regexes):
                if regex.search(text):
                    matched += 1
                    assert i in tried, (regex.pattern, text)
        assert matched > 100  # the check saw many matches, not only texts nothing matches


def test_a_gate_built_later_still_sees_a_text_looked_up_before() -> None:
    text = "ぴゅうぴゅうと風が吹く"
    assert Gates(["死にたい"]).candidates(text) == ()  # the text's grams are now cached
    assert Gates(["ぴゅう"]).candidates(text) == (0,)
