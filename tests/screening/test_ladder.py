"""The severity ladder: which slots, said together, make a conversation imminent; and the flags
for danger to others and to children. The cases are the issue's own examples of what v1 missed."""

from __future__ import annotations

import pytest

from bot.screening import RiskLevel, Screener


def result_of(screener: Screener, *messages: str):  # type: ignore[no-untyped-def]
    return screener.screen_conversation(list(messages))


@pytest.mark.parametrize(
    "messages",
    [
        # means at hand, preparation, a danger place, or a method with a time: imminent without 死
        ["縄を用意した"],
        ["手紙を書き終えた", "もう思い残すことはない"],
        ["今までほんとにありがとう、元気でね"],
        ["飼ってる犬をもらってくれる人を探してる、もう世話できないから", "もう決めたことがあって"],
        ["部屋を全部片付けて鍵をポストに入れた。あとは行くだけ"],
        ["線路のそばにいる"],
        ["踏切の前にいる、もうすぐ来る"],
        ["薬20錠いった"],
        ["今夜、薬を全部飲みます"],
        ["土曜に首を吊る"],
        ["来週の水曜、夫が出張でいない日に", "薬はもう数えてある"],
        ["あと2時間で終わりにする"],
        ["月末までに身辺整理を済ませる", "もう決めた"],
        ["誕生日の夜に飛び降りる"],
        ["いま マンションの ベランダの てすりに すわってる"],
        ["海にきてる 服のまま腰まで入った"],
        ["もう飲んだから止めても無駄だよ"],
        ["ネットで練炭注文した", "明日届く"],
        ["スマホの解約手続きした。月末で止まる", "アパートの解約も済んだ。あとは自分だけ"],
        ["生命保険の受取人を母に変えた", "免責期間ももう過ぎてるし"],
    ],
)
def test_imminent_without_the_word_death(screener: Screener, messages: list[str]) -> None:
    assert result_of(screener, *messages).risk == RiskLevel.IMMINENT, messages


@pytest.mark.parametrize(
    "messages",
    [
        ["ロープってどこで売ってるんだろうってぼんやり考えてた"],
        ["高いところから落ちたら一瞬で終われるかな"],
        ["樹海ってどうやって行くの"],
        ["ベランダから下覗くのが癖になってる", "5階だし足りるよね"],
    ],
)
def test_a_method_thought_without_means_or_time_is_high(
    screener: Screener, messages: list[str]
) -> None:
    assert result_of(screener, *messages).risk == RiskLevel.HIGH, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (["全部飲んだらどうなる？"], RiskLevel.HIGH),  # a question, not an act
        (["頭痛薬、1回1錠って書いてあるけど2錠飲んだらどうなる？"], RiskLevel.NONE),
        (
            ["睡眠薬とアルコールを一緒に飲むとなぜ危険なんですか", "薬学部の課題で調べています"],
            RiskLevel.NONE,
        ),
        (["キャンプ用にロープを買った"], RiskLevel.NONE),
        (["スマホの解約手続きした"], RiskLevel.LOW),
    ],
)
def test_look_alikes_of_plans(screener: Screener, messages: list[str], expected: RiskLevel) -> None:
    assert result_of(screener, *messages).risk == expected, messages


def test_the_card_reads_as_slots_with_the_persons_words(screener: Screener) -> None:
    result = result_of(screener, "ホームセンターでロープを買った。今夜使う")
    assert result.risk == RiskLevel.IMMINENT
    assert any(line.startswith("差し迫った危険") for line in result.reasons)
    assert any(
        line.startswith("手段：ロープ") and "ロープを買った" in line for line in result.reasons
    )
    assert any(line.startswith("時期：") and "今夜" in line for line in result.reasons)


def test_ideation_then_means_later_is_imminent(screener: Screener) -> None:
    result = result_of(screener, "死にたい", "ロープはもう用意してある")
    assert result.risk == RiskLevel.IMMINENT
    assert result.rose


@pytest.mark.parametrize(
    ("messages", "flags"),
    [
        (["会社に火つけてやる", "灯油はもう買ってある"], {"harm_to_others"}),
        (["ネットで俺を叩いてるやつの住所特定した", "殺しに行くわ"], {"harm_to_others"}),
        (["明日、あいつの家に包丁持って行く", "住所はもう調べた"], {"harm_to_others"}),
        (["嫁が浮気してた", "相手の男を殺して俺も死ぬ。本気だ"], {"harm_to_others"}),
        (
            ["おとうさんがおさけのむとなぐってくる", "きょうもなぐられた。いまトイレにかくれてる"],
            {"child_in_danger"},
        ),
        (
            ["継父が夜になると部屋に入ってくる", "お母さんには言えない。中2です"],
            {"child_in_danger"},
        ),
        (
            ["夫が子どもの前で私の髪をつかんで引きずりました", "子どもも震えていました"],
            {"child_in_danger"},
        ),
        (
            ["ネットで知り合った人に写真送ったら、お金払わないとばらまくって言われた", "高1です"],
            {"child_in_danger"},
        ),
        (["この子を連れて、一緒に消えます"], {"harm_to_others", "child_in_danger"}),
        # venting, games, and questions are not flagged
        (["上司ムカつく殺したい笑", "まあ明日もふつうに出社するけど"], set()),
        (["FPSで煽ってきたやつ、次マッチしたら絶対キルする"], set()),
        (["姑が嫌すぎて、毒でも盛ってやりたいわ（しないけど）"], set()),
        (["学校に爆破予告とか書き込んだらどうなるの？", "やるわけじゃないけど気になって"], set()),
        (["夫の暴力から逃げて、子どもと二人でアパートに住んでいます"], set()),
        (["友達が彼氏に殴られてるのに別れない", "どうしたら助けられる？"], set()),
    ],
)
def test_flags(screener: Screener, messages: list[str], flags: set[str]) -> None:
    assert set(result_of(screener, *messages).flags) == flags, messages


def test_a_flag_is_shown_on_the_card_and_in_the_screen_output(screener: Screener) -> None:
    result = result_of(screener, "会社に火つけてやる", "灯油はもう買ってある")
    assert result.to_json("x")["flags"] == ["harm_to_others"]
    assert any("他者への危害" in line for line in result.reasons)
