"""The clause reader: what the words after a concept say about it (the grammar of the issue)."""

from __future__ import annotations

import pytest

from bot.screening import Screener
from bot.screening import reader as rd


def reading(screener: Screener, text: str, concept: str = "die") -> frozenset[str]:
    normalized = screener._normalizer.normalize(text).text
    tokens = screener._tokenizer.tokenize(normalized)
    for hit in screener._hits(normalized, tokens):
        if hit.concept.id == concept:
            return hit.reading.features
    raise AssertionError(f"no {concept} in {text!r}")


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("死にたい", {rd.DESIRE}, {rd.NEGATED, rd.PAST}),
        ("死にたくない", {rd.DESIRE, rd.NEGATED}, set()),
        ("死にたいわけじゃない", {rd.DESIRE, rd.NEGATED, rd.HEDGE}, set()),
        ("死にたくないわけじゃない", {rd.DESIRE}, {rd.NEGATED}),
        ("死にたいと思わない日はない", {rd.DESIRE, rd.THOUGHT}, {rd.NEGATED}),
        ("死ぬしかない", {rd.ONLY}, {rd.NEGATED}),
        ("死ぬことしか考えてない", {rd.ONLY, rd.THOUGHT}, {rd.NEGATED}),
        ("死んだほうがいい", {rd.BETTER, rd.EVALUATION}, {rd.PAST}),
        ("死んだら楽", {rd.CONDITIONAL, rd.EVALUATION}, {rd.PAST}),
        ("死ねば楽になる", {rd.CONDITIONAL, rd.EVALUATION}, set()),
        ("死のうと思う", {rd.VOLITIONAL, rd.THOUGHT, rd.INTENT}, set()),
        ("死のうとした", {rd.VOLITIONAL, rd.ATTEMPT, rd.PAST}, set()),
        ("死ぬつもり", {rd.INTENT}, set()),
        ("死ぬって決めた", {rd.INTENT, rd.DECIDED}, set()),
        ("死ぬことにした", {rd.INTENT, rd.DECIDED}, set()),
        ("死ぬべき", {rd.EVALUATION}, set()),
        ("死にたかった", {rd.DESIRE, rd.PAST}, set()),
        ("死にたいって言ってた", {rd.DESIRE, rd.REPORTED}, set()),
        ("死にたいって言ったら怒られた", {rd.DESIRE}, {rd.REPORTED}),
        ("死にたいらしい", {rd.DESIRE, rd.REPORTED}, set()),
        ("死ねない", {rd.POTENTIAL, rd.NEGATED}, set()),
        ("死なないで", {rd.NEGATED, rd.REQUEST}, set()),
        ("死んでも構わない", {rd.CONCESSIVE, rd.EVALUATION}, {rd.NEGATED}),
        ("死にたいと思ったことがある", {rd.DESIRE, rd.EXPERIENCE}, set()),
        ("死にたいと思うことがある", {rd.DESIRE, rd.THOUGHT}, {rd.EXPERIENCE}),
        ("死にたかった時期", {rd.HISTORY}, set()),
        ("死んで楽になりたい", {rd.DESIRE}, set()),
        ("死ぬ気はない", {rd.NEGATED}, set()),
        ("死ぬ気ならとっくにある", {rd.INTENT}, set()),
    ],
)
def test_death_readings(screener: Screener, text: str, present: set[str], absent: set[str]) -> None:
    features = reading(screener, text)
    assert present <= features, (text, sorted(features))
    assert not absent & features, (text, sorted(features))


def test_a_noun_reads_the_verb_it_depends_on(screener: Screener) -> None:
    normalized = screener._normalizer.normalize("ロープはもう押し入れにしまってある").text
    tokens = screener._tokenizer.tokenize(normalized)
    hit = next(h for h in screener._hits(normalized, tokens) if h.concept.id == "rope")
    assert hit.reading.governor in ("仕舞う", "しまう")


def test_a_verbal_noun_before_suru_is_the_verb(screener: Screener) -> None:
    normalized = screener._normalizer.normalize("縄を用意した").text
    tokens = screener._tokenizer.tokenize(normalized)
    hit = next(h for h in screener._hits(normalized, tokens) if h.concept.id == "rope")
    assert hit.reading.governor == "用意"
    assert rd.PAST in hit.reading.features


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("友達が死にたいって", "other"),
        ("私は死にたい", "self"),
        ("娘が腕を切っていた", "other"),
        ("みんなが幸せそうな日に、ひとりで終わらせる", ""),
        ("映画のシーンで飛び降りる", "media"),
    ],
)
def test_who_is_speaking(screener: Screener, text: str, subject: str) -> None:
    normalized = screener._normalizer.normalize(text).text
    tokens = screener._tokenizer.tokenize(normalized)
    hits = [
        h
        for h in screener._hits(normalized, tokens)
        if h.concept.kind in ("death", "self_harm", "ending", "method")
    ]
    assert hits, text
    assert hits[-1].context.subject == subject, (text, hits[-1].context)


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("寒すぎて死ぬ", True),
        ("明日の面接とか死ぬ", True),
        ("テストで死ぬ", True),
        ("ひとりで死ぬ", False),
        ("今夜死ぬ", False),
    ],
)
def test_trivial_causes_are_read(screener: Screener, text: str, cause: bool) -> None:
    normalized = screener._normalizer.normalize(text).text
    tokens = screener._tokenizer.tokenize(normalized)
    hit = next(h for h in screener._hits(normalized, tokens) if h.concept.id == "die")
    assert hit.context.cause is cause


def test_history_words_mark_the_past(screener: Screener) -> None:
    normalized = screener._normalizer.normalize("昔は毎日死にたかった").text
    tokens = screener._tokenizer.tokenize(normalized)
    hit = next(h for h in screener._hits(normalized, tokens) if h.concept.id == "die")
    assert hit.context.history
    normalized = screener._normalizer.normalize("寝る前に死にたくなる").text
    tokens = screener._tokenizer.tokenize(normalized)
    hit = next(h for h in screener._hits(normalized, tokens) if h.concept.id == "die")
    assert not hit.context.history  # 寝る前に is not a past
