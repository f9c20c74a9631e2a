"""Spelling variants people really type reach the same lexicon entry, and spans stay true."""

from __future__ import annotations

import pytest

from bot.screening import RiskLevel, Screener
from bot.screening.normalize import Normalizer

VARIANTS = [
    "死にたい",
    "しにたい",
    "シニタイ",
    "ｼﾆﾀｲ",
    "氏にたい",
    "タヒにたい",
    "4にたい",
    "４にたい",
    "死にてえ",
    "死にてぇ",
    "死にたみ",
    "shinitai",
    "ＳＨＩＮＩＴＡＩ",
    "しにたいいいい",
    "死にた〜い",
    "死にたーい",
    "死にたい😢😢",
    "死🙏に🙏た🙏い",
    "死にたい\u202e",
    "し\u200bにたい",
    "タヒりたい",
]


@pytest.mark.parametrize("text", VARIANTS)
def test_variant_is_ideation(screener: Screener, text: str) -> None:
    result = screener.screen_conversation([text])
    assert result.risk >= RiskLevel.HIGH, text
    assert any(s.cls == "ideation" for s in result.signals), text


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("リスカしちゃった", "self_harm"),
        ("ODした", "act"),
        ("ＯＤしてしまった", "act"),
        ("首吊りしたい", "method"),
        ("くびつりたい", "method"),
        ("飛び降りたい", "method"),
        ("練炭自殺", "method"),
        ("自傷がやめられない", "self_harm"),
        ("キエタイ", "passive"),
        ("きえたい", "passive"),
    ],
)
def test_slang_and_method_words(screener: Screener, text: str, cls: str) -> None:
    result = screener.screen_conversation([text])
    assert cls in {s.cls for s in result.signals}, (text, result.signals)


def test_signal_span_points_at_original_text(screener: Screener) -> None:
    text = "ねえ、ｼﾆﾀｲ😢よ"
    result = screener.screen_conversation([text])
    signal = next(s for s in result.signals if s.cls == "ideation")
    assert text[signal.start : signal.end] == signal.text
    assert signal.text.startswith("ｼﾆﾀｲ")


def test_span_after_emoji_and_width(screener: Screener) -> None:
    text = "🌧️🌧️今日も　ＯＤしちゃった"
    result = screener.screen_conversation([text])
    signal = next(s for s in result.signals if s.cls == "act")
    assert text[signal.start : signal.end] == signal.text
    assert signal.text.startswith("ＯＤ")


def test_normalizer_map_is_consistent() -> None:
    normalizer = Normalizer()
    text = "ｶﾞｯｺｳ\u0301で死にた〜〜い！！！"
    out = normalizer.normalize(text)
    assert "ガッコウ" in out.text
    assert "死にたい" in out.text
    assert len(out.starts) == len(out.ends) == len(out.text)
    assert all(0 <= a <= b <= len(text) for a, b in zip(out.starts, out.ends, strict=True))


@pytest.mark.parametrize(
    "text",
    [
        "あ" * 100_000,
        "死にたい。" * 20_000,
        "\u202e\u202d\u200f" * 5000 + "死にたい",
        "a\u0301\u0302\u0303" * 10_000,
        "😀" * 30_000,
        "\x00\x01\x1b[31m死にたい\x7f",
        "",
        "   \n\n\t",
        "\ud800",
    ],
)
def test_hostile_input_does_not_crash(screener: Screener, text: str) -> None:
    result = screener.screen_conversation([text])
    assert result.risk in RiskLevel
    for s in result.signals:
        assert 0 <= s.start <= s.end <= len(text)


def test_long_text_finds_crisis_at_the_end(screener: Screener) -> None:
    text = "今日は天気がいいですね。" * 5000 + "でも本当は死にたい"
    result = screener.screen_conversation([text])
    assert result.risk >= RiskLevel.HIGH
    signal = next(s for s in result.signals if s.cls == "ideation")
    assert text[signal.start : signal.end] == "死にたい"


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("💊💊💊 ぜんぶ", "method"),
        ("🪢 買った", "means"),
        ("もう🪦に入りたい", "passive"),
        ("し に た い", "ideation"),
        ("死.に.た.い.な", "ideation"),
        ("自.殺したい", "ideation"),
        ("i want to disappear", "passive"),
        ("kms", "ideation"),
        ("tbh i wanna die lol", "ideation"),
        ("i took like 20 pills", "act"),
        ("unalive myself", "ideation"),
        ("ちにたいでちゅ", "ideation"),
    ],
)
def test_emoji_spacing_and_english_keep_their_meaning(
    screener: Screener, text: str, slot: str
) -> None:
    result = screener.screen_conversation([text])
    assert slot in {s.cls for s in result.signals}, (text, result.signals)
    for s in result.signals:
        assert text[s.start : s.end] == s.text


def test_emoji_become_words_and_spans_point_at_them() -> None:
    normalizer = Normalizer(emoji={"💊": "薬"})
    text = "💊💊💊ぜんぶ"
    out = normalizer.normalize(text)
    assert "薬" in out.text and "💊" not in out.text
    i = out.text.index("薬")
    assert out.original_span(i, i + 1) == (0, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("し に た い", "しにたい"),
        ("死.に.た.い", "死にたい"),
        ("自.殺", "自殺"),
        ("今日 は 雨", "今日 は 雨"),  # words of more than one letter stay apart
    ],
)
def test_letters_typed_apart_are_joined(text: str, expected: str) -> None:
    assert Normalizer().normalize(text).text == expected


@pytest.mark.parametrize(
    ("dialect", "standard"),
    [
        ("死にたか", "死にたい"),
        ("もう生きとうなか", "もう生きたくない"),
        ("死にとうなる", "死にたくなる"),
        ("死なへんで", "死なないよ"),
        ("おらん方がええ", "いない方がいい"),
        ("一緒に死のまい", "一緒に死のう"),
        ("生きとってもしょうがないけぇ", "生きていてもしょうがないから"),
        ("殺したる", "殺してやる"),
    ],
)
def test_dialect_rules_rewrite_before_tokenizing(
    screener: Screener, dialect: str, standard: str
) -> None:
    got = screener._normalizer.normalize(dialect).text
    assert got == Normalizer().normalize(standard).text, got


@pytest.mark.parametrize("text", ["食べたか？", "何しとう", "たいへんで", "もう寝たか", "行くまい"])
def test_dialect_rules_leave_standard_japanese_alone(screener: Screener, text: str) -> None:
    assert screener._normalizer.normalize(text).text == Normalizer().normalize(text).text


@pytest.mark.parametrize(
    ("text", "kana"),
    [
        ("kusuri zenbu nonda", "くすり ぜんぶ のんだ"),  # read by the verb ending, no particle
        ("mou ikenai", "もう いけない"),
        ("kinou tabesugita", "きのう たべすぎた"),
        ("good night", "good night"),  # English stays English
        ("game over", "game over"),  # no Japanese ending: left alone
    ],
)
def test_romaji_read_by_its_conjugation(screener: Screener, text: str, kana: str) -> None:
    assert screener._normalizer.normalize(text).text == kana


def test_romaji_overdose_without_particles_is_an_act(screener: Screener) -> None:
    result = screener.screen_conversation(["yabai", "kusuri zenbu nonda"])
    assert result.risk == RiskLevel.IMMINENT
    assert "act" in {s.cls for s in result.signals}
