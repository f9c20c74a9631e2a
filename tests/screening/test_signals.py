"""Each signal class, idioms, negation against ambivalence, and words about someone else."""

from __future__ import annotations

import pytest

from bot.screening import RiskLevel, Screener


def level(screener: Screener, *messages: str) -> RiskLevel:
    return screener.screen_conversation(list(messages)).risk


def classes(screener: Screener, text: str) -> set[str]:
    return {s.cls for s in screener.screen_conversation([text]).signals}


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("死にたいと思っています", "ideation"),
        ("自殺を考えてしまう", "ideation"),
        ("もう死ぬしかない", "ideation"),
        ("消えたい", "passive_ideation"),
        ("このまま目が覚めなければいいのに", "passive_ideation"),
        ("生きるのに疲れました", "passive_ideation"),
        ("また腕を切った", "self_harm"),
        ("オーバードーズがやめられない", "self_harm"),
        ("遺書を書いた", "plan"),
        ("今夜、薬を全部飲むつもり", "time"),
        ("ロープを買ってきた", "means"),
        ("睡眠薬を30錠飲みました", "act"),
        ("今までありがとうございました。これが最後です", "farewell"),
        ("もう限界です", "despair"),
        ("生きている意味がない", "despair"),
        ("毎晩泣いてしまう", "distress"),
        ("話を聞いてほしいです", "help_seeking"),
        ("借金が返せない", "factor"),
    ],
)
def test_signal_classes(screener: Screener, text: str, cls: str) -> None:
    assert cls in classes(screener, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("死にたい", RiskLevel.HIGH),
        ("リスカしちゃった", RiskLevel.HIGH),
        ("今夜、首を吊ります", RiskLevel.IMMINENT),
        ("処方薬を全部飲んだところです", RiskLevel.IMMINENT),
        ("ホームセンターでロープを買った。今夜使う", RiskLevel.IMMINENT),
        ("カミソリで深く切った。血がすごい", RiskLevel.IMMINENT),
        ("何のために生きているのかわからない", RiskLevel.MODERATE),
        ("疲れ果てました", RiskLevel.MODERATE),
        ("生活保護について知りたい", RiskLevel.LOW),
        ("こんにちは", RiskLevel.NONE),
    ],
)
def test_levels(screener: Screener, text: str, expected: RiskLevel) -> None:
    assert level(screener, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "死ぬほど笑った",
        "お腹すいて死にそう",
        "死ぬ気で頑張る",
        "ゲームで死んだ",
        "電気が消えた",
        "首を長くして待つ",
        "パソコンが死んだ",
        "清水の舞台から飛び降りるつもりで買った",
        "激辛ラーメンが辛すぎる",
        "限界集落の研究",
        "死ぬまでに一度は行きたい",
        "恥ずかしすぎて死にたい",
    ],
)
def test_idioms_stay_calm(screener: Screener, text: str) -> None:
    assert level(screener, text) <= RiskLevel.LOW


def test_debt_idiom_keeps_the_factor_but_not_crisis(screener: Screener) -> None:
    result = screener.screen_conversation(["借金で首が回らない"])
    assert result.risk == RiskLevel.LOW
    assert result.factors == ("debt",)
    assert not any(s.cls in ("method", "self_harm") for s in result.signals)


@pytest.mark.parametrize(
    "text",
    ["死にたいとは思わない", "死にたいと思ったことは一度もない", "死にたくないよ、元気だよ"],
)
def test_negation_cancels(screener: Screener, text: str) -> None:
    assert level(screener, text) == RiskLevel.NONE


@pytest.mark.parametrize(
    "text",
    [
        "死にたくないけど生きるのもつらい",
        "死にたいわけじゃない。でも生きているのがつらい",
        "死にたくないけど、生きる意味がわからない",
        "死にたくないわけじゃない",
    ],
)
def test_negation_does_not_hide_ambivalence(screener: Screener, text: str) -> None:
    assert level(screener, text) >= RiskLevel.HIGH


def test_ambivalence_signal_is_reported(screener: Screener) -> None:
    assert "ambivalence" in classes(screener, "死にたくないけど、生きる意味がわからない")


@pytest.mark.parametrize(
    "text",
    [
        "友達が死にたいと言っていて心配です",
        "同僚がリスカしているみたい",
        "息子が死にたいと言っています",
    ],
)
def test_someone_else_is_not_the_persons_crisis(screener: Screener, text: str) -> None:
    result = screener.screen_conversation([text])
    assert result.risk == RiskLevel.LOW
    assert "third_party" in {s.cls for s in result.signals}


@pytest.mark.parametrize(
    "text",
    [
        "ニュースで自殺の報道を見た",
        "映画の飛び降りシーンが印象的だった",
        "ドラマで自殺未遂のシーンがあった",
        "小説の登場人物が自殺した",
    ],
)
def test_fiction_and_news_are_calm(screener: Screener, text: str) -> None:
    assert level(screener, text) == RiskLevel.NONE


@pytest.mark.parametrize(
    "text",
    [
        "死にたいって言ったら母に怒られた",
        "映画を観てたら死にたくなった",
        "ニュースを見て、私も死にたいと思った",
    ],
)
def test_the_person_speaking_of_others_is_still_in_crisis(screener: Screener, text: str) -> None:
    assert level(screener, text) >= RiskLevel.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "うち、もう死にたいねん",
        "死にたいっちゃ",
        "ほんま死にたいわ",
        "死にたいけん",
        "死にたいんです",
    ],
)
def test_dialect_and_endings(screener: Screener, text: str) -> None:
    assert level(screener, text) >= RiskLevel.HIGH
