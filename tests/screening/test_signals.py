"""The slots a message fills: ideation, wishes, methods, means, places, preparation, farewells,
self-harm, acts; idioms, negation and words about someone else."""

from __future__ import annotations

import pytest

from bot.screening import RiskLevel, Screener
from tests.screening.support import level, slots


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("死にたいと思っています", "ideation"),
        ("自殺を考えてしまう", "ideation"),
        ("もう死ぬしかない", "ideation"),
        ("死んだほうがいい", "ideation"),
        ("どうやったら死ねるかな", "ideation"),
        ("消えたい", "passive"),
        ("このまま目が覚めなければいいのに", "passive"),
        ("生きるのに疲れました", "passive"),
        ("生きるのをやめたい", "passive"),
        ("もう目を開けたくない", "passive"),
        ("寝る前に毎回、このまま心臓止まってくれないかなってお願いしてる", "passive"),
        ("天国のおばあちゃんのところに行きたい", "passive"),
        ("いっそ事故にあえばいいのに", "passive"),
        ("首吊りってどれくらい苦しいのかな", "method"),
        ("飛び込むなら快速が通過する駅のほうがいいのかな", "method"),
        ("また腕を切った", "self_harm"),
        ("オーバードーズがやめられない", "self_harm"),
        ("タバコを腕に押しつけた", "self_harm"),
        ("遺書を書いた", "preparation"),
        ("今夜、薬を全部飲むつもり", "timing"),
        ("ロープを買ってきた", "means"),
        ("睡眠薬を30錠飲みました", "act"),
        ("薬20錠いった", "act"),
        ("今までありがとうございました。これが最後です", "farewell"),
        ("もう限界です", "despair"),
        ("生きている意味がない", "despair"),
        ("自分がいなくなっても誰も困らない", "burden"),
        ("楽になりたい", "passive"),
        ("あっちの世界のほうが楽そう", "euphemism"),
        ("話を聞いてほしいです", "help"),
        ("借金が返せない", "factor"),
    ],
)
def test_slots(screener: Screener, text: str, slot: str) -> None:
    assert slot in slots(screener, text)


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
        # hyperbole with a trivial cause and a time word (the false alarms)
        "明日の面接とか死ぬ",
        "今日寒すぎて死ぬ",
        "明日テストで死ぬ",
        "今月の営業数字死んでる〜　月末詰められるわ",
        # polysemy
        "キャンプ用のOD缶、どこのホームセンターが安い？",
        "ギターのODを買った",
        "飛び込み営業、今日だけで30件回った",
        "バイト飛んだわ。まあ次探すか",
        "遅刻3回目で部長に首にされかけた笑",
        "週末BBQするんだけど、練炭と普通の炭どっちがいい？",
        "カッターで段ボールを切った",
        "さようなら、また明日",
        "今日で定年退職です。皆さん本当にありがとうございました",
    ],
)
def test_idioms_and_everyday_words_stay_calm(screener: Screener, text: str) -> None:
    assert level(screener, text) <= RiskLevel.LOW, text


def test_debt_idiom_keeps_the_factor_but_not_crisis(screener: Screener) -> None:
    result = screener.screen_conversation(["借金で首が回らない"])
    assert result.risk == RiskLevel.LOW
    assert result.factors == ("debt",)
    assert not any(s.cls in ("method", "self_harm") for s in result.signals)


@pytest.mark.parametrize(
    "text",
    [
        "死にたいとは思わない",
        "死にたいと思ったことは一度もない",
        "死にたくないよ、元気だよ",
        "死にたいなんて思ったこともない",
        "死ぬわけないじゃん、明日推しのライブなのに笑",
    ],
)
def test_negation_cancels(screener: Screener, text: str) -> None:
    assert level(screener, text) == RiskLevel.NONE


@pytest.mark.parametrize(
    "text",
    [
        "死にたくないわけじゃない",
        "死にたいと思わない日はない",
        "もう死にたいなんて思わない…はずだったのに",
        "消えたいなんて思ってない、って言い切れたらいいのに",
        "飛ぶしかない",
        "死ぬことしか考えてない",
    ],
)
def test_negations_that_are_not_denials(screener: Screener, text: str) -> None:
    assert level(screener, text) >= RiskLevel.HIGH, text


@pytest.mark.parametrize(
    "text",
    [
        # dev2's labelling rules: a denied wish with despair is moderate, not a crisis
        "死にたくはないんだけど、生きてる意味もよくわからない",
        "別に死にたいわけじゃない。ただ疲れただけ",
    ],
)
def test_denial_with_despair_is_moderate(screener: Screener, text: str) -> None:
    assert level(screener, text) == RiskLevel.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "友達が死にたいと言っていて心配です",
        "同僚がリスカしているみたい",
        "息子が死にたいと言っています",
        "彼氏の腕に切った跡がいっぱいあるのを見ちゃった",
        "同僚の机に、遺書みたいなメモが置いてあった",
        "母が最近「もう死にたい」ってよく言うんです",
    ],
)
def test_someone_else_is_not_the_persons_crisis(screener: Screener, text: str) -> None:
    result = screener.screen_conversation([text])
    assert result.risk == RiskLevel.LOW, text
    assert not {s.cls for s in result.signals} & {"ideation", "passive", "self_harm", "preparation"}


@pytest.mark.parametrize(
    "text",
    [
        "ニュースで自殺の報道を見た",
        "映画の飛び降りシーンが印象的だった",
        "ドラマで自殺未遂のシーンがあった",
        "『ロミオとジュリエット』の最後、なんでジュリエットは短剣で自分を刺すの？",
        "飛び降りるシーンがある映画見たら、高所恐怖症が悪化したｗ",
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
    "messages",
    [
        ["昔は毎日死にたかったけど今は楽しい"],
        ["中学の頃は毎日死にたいって思ってた", "今は大学で友達もできて楽しいです"],
        [
            "若い頃に一度、思いつめて海に入ったことがございます。今は孫にも恵まれ穏やかに暮らしております"
        ],
        ["自傷の跡をタトゥーで隠した。見るたびに、乗り越えたなって思える"],
    ],
)
def test_a_past_that_is_over_is_low(screener: Screener, messages: list[str]) -> None:
    assert level(screener, *messages) == RiskLevel.LOW


@pytest.mark.parametrize(
    "messages",
    [
        ["前に首吊ろうとして失敗した", "最近またロープのこと考えちゃう"],
        ["去年ODして救急車で運ばれたことある", "最近またあの時と同じ気持ちになってきてる"],
        ["ODで救急搬送されたのはこれまで3回", "今度こそ、って思ってる自分がいる"],
    ],
)
def test_a_past_attempt_with_returning_urges_is_high(
    screener: Screener, messages: list[str]
) -> None:
    assert level(screener, *messages) >= RiskLevel.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "うち、もう死にたいねん",
        "死にたいっちゃ",
        "ほんま死にたいわ",
        "死にたいけん",
        "死にたいんです",
        "もう死にたか",
        "死にとうなる",
        "生ぎでぐね",
        "もう死んごたっ",
        "いっそ死んだほうがいがべな",
    ],
)
def test_dialect_and_endings(screener: Screener, text: str) -> None:
    assert level(screener, text) >= RiskLevel.HIGH, text


@pytest.mark.parametrize(
    "text",
    ["おらんほうがええ", "おらん方がよか", "自分なんかいない方がいい"],
)
def test_better_not_to_exist(screener: Screener, text: str) -> None:
    assert level(screener, text) >= RiskLevel.HIGH, text


def test_kansai_denial_is_a_denial(screener: Screener) -> None:
    assert level(screener, "死なへんで") == RiskLevel.NONE
