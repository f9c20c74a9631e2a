"""Invariants of the screener, checked on generated conversations (hypothesis):

- calm small talk added to a conversation never lowers its level;
- a crisis line buried in small talk always raises it to a crisis;
- idioms and hyperbole never raise anything;
- a quoted line (lyrics, someone's words in 「」) is never the person's own crisis.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.screening import RiskLevel, Screener

SMALL_TALK = [
    "こんにちは",
    "今日は雨ですね",
    "ご飯食べた？",
    "明日は晴れるらしい",
    "猫がかわいい",
    "仕事終わった〜",
    "週末は映画を見に行く予定",
    "コンビニでアイス買った",
    "電車が遅れてた",
    "部活の練習きつかったけど楽しかった",
    "ありがとう",
    "おやすみなさい",
]
CRISIS = [
    "死にたい",
    "もう消えたい",
    "今夜、薬を全部飲みます",
    "ロープはもう買ってある",
    "生きるのをやめたい",
    "リスカしちゃった",
    "線路のそばにいる",
    "遺書を書き終えた",
]
IDIOMS = [
    "死ぬほど笑った",
    "お腹すいて死にそう",
    "明日の面接とか死ぬ",
    "今日寒すぎて死ぬ",
    "ゲームで死んだ",
    "スマホの充電死んだ",
    "清水の舞台から飛び降りるつもりで買った",
    "バイト飛んだわ",
]
QUOTED = [
    "「死にたい」って曲が好き",
    "『消えたい』という歌詞がある",
    "友達が「もう死にたい」って言ってた",
    "母が「死にたい」ってよく言うんです",
]

FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def level(screener: Screener, messages: list[str]) -> RiskLevel:
    return screener.screen_conversation(messages).risk


@FAST
@given(
    base=st.lists(st.sampled_from(SMALL_TALK + CRISIS + IDIOMS), min_size=1, max_size=4),
    extra=st.lists(st.sampled_from(SMALL_TALK), min_size=1, max_size=3),
)
def test_small_talk_never_lowers_the_level(
    screener: Screener, base: list[str], extra: list[str]
) -> None:
    assert level(screener, base + extra) >= level(screener, base)


@FAST
@given(
    before=st.lists(st.sampled_from(SMALL_TALK), max_size=3),
    crisis=st.sampled_from(CRISIS),
    after=st.lists(st.sampled_from(SMALL_TALK), max_size=3),
)
def test_a_buried_crisis_line_is_found(
    screener: Screener, before: list[str], crisis: str, after: list[str]
) -> None:
    assert level(screener, [*before, crisis, *after]).is_crisis


@FAST
@given(messages=st.lists(st.sampled_from(SMALL_TALK + IDIOMS), min_size=1, max_size=5))
def test_idioms_never_raise(screener: Screener, messages: list[str]) -> None:
    assert level(screener, messages) <= RiskLevel.LOW


@FAST
@given(
    talk=st.lists(st.sampled_from(SMALL_TALK), max_size=2),
    quoted=st.sampled_from(QUOTED),
)
def test_a_quoted_line_is_never_the_persons_own(
    screener: Screener, talk: list[str], quoted: str
) -> None:
    result = screener.screen_conversation([*talk, quoted])
    assert not result.risk.is_crisis
    assert not {s.cls for s in result.signals} & {"ideation", "passive", "intent", "act"}
