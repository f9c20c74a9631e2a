"""Regex gates (bot/screening/gates.py): a regex is searched only in a text that holds one of
the strings its matches need, so a gate must never hide a match."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.screening import Screener
from bot.screening.gates import Gates, first_class, must_contain
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
        # (the idioms' regexes are searched with the concepts')
        ([r for r, _ in screener._concepts._regexes], screener._concepts._gates, normalized),
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


@pytest.mark.parametrize(
    ("pattern", "first"),
    [
        ("(?:(?<![一-龥])金|銭)が", "金銭"),  # a look-behind consumes nothing
        (r"(?:\d+円|千円)", r"千\d"),  # a category
        ("(?:(?=[亜愛])[一-龥]+|x)", "x一-龥"),  # a look-ahead, a wide range
        ("(?:a?b|c)", "abc"),  # an optional first item: what follows may start the match
    ],
)
def test_first_class_holds_what_a_match_starts_with(pattern: str, first: str) -> None:
    assert first_class(pattern) == first


@pytest.mark.parametrize(
    "pattern", ["abc", "[0-9]階", "(?:ab|cd)", "^(?:a|b)", "(?:[^。]x|y)", "(?i:a)|b", "a?"]
)
def test_no_first_class_when_re_scans_by_itself_or_it_is_unknown(pattern: str) -> None:
    assert first_class(pattern) is None


def test_searched_regexes_find_what_the_written_ones_find(screener: Screener) -> None:
    """Concept and idiom regexes are searched with a look-ahead of their first characters
    (matcher._searcher): on every message, alone and joined into long texts, the same
    matches as the regexes as written."""
    normalizer = screener._normalizer
    texts = sorted({normalizer.normalize(t).text for t in _texts()})
    texts += [" ".join(texts[i : i + 40]) for i in range(0, len(texts), 40)]
    wrapped = 0
    for patterns in (screener._concepts, screener._kana_concepts):
        for (searched, _), source in zip(patterns._regexes, patterns._sources, strict=True):
            if searched.pattern == source:
                continue
            wrapped += 1
            written = re.compile(source)
            for text in texts:
                assert [m.span() for m in searched.finditer(text)] == [
                    m.span() for m in written.finditer(text)
                ], (source, text)
    assert wrapped > 10
