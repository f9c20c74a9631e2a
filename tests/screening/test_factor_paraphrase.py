"""Life factors said in other words than their names (妻が出ていった, 職場に居づらい, 相談できる相手がいない),
and look-alikes that must not give the factor: someone else's problem, words that are only a mood,
school clubs that are not a workplace.

The cases are written for these tests, not taken from any labelled set."""

from __future__ import annotations

import pytest

from bot.screening import Screener


def factors(screener: Screener, *messages: str) -> set[str]:
    return set(screener.screen_conversation(list(messages)).factors)


@pytest.mark.parametrize(
    ("messages", "factor"),
    [
        (("嫁が子どもを連れて実家に帰ったきり、電話にも出ない",), "divorce"),
        (("夫とは去年から別々に暮らしてる",), "divorce"),
        (("課長に毎日机を叩かれて、びくびくしてる",), "workplace_trouble"),
        (("職場に居づらくて、昼休みは車の中で過ごしてる",), "workplace_trouble"),
        (("現場で毎日怒鳴られてる",), "workplace_trouble"),
        (("主任にみんなの前で吊し上げられた",), "workplace_trouble"),
        (("相談できる相手がひとりもいない",), "isolation"),
        (("うつの薬のんでる",), "depression"),
        (("祖母が亡くなった", "遺影に使う写真を選んだ"), "bereavement"),
        (("第一志望に落ちた",), "academic"),
        (("中2、家出中",), "family_conflict"),
        (("手術することになった",), "physical_illness"),
        (("いつもひとりで泣いてる",), "isolation"),
        (("気づいてくれる人もいない",), "isolation"),
        (("もう実家にも帰れない",), "isolation"),
        (("また親に怒られた。何をしてもだめって言われる",), "family_conflict"),
        (("夫の言葉がきつくて、話すのが怖い",), "family_conflict"),
        (("こんなことになって家族に顔向けできない",), "family_conflict"),
        (("妻が出ていった",), "family_conflict"),
        (("お金があと数千円しかない",), "poverty"),
        (("年金だけで暮らしてて、病院代も削ってる",), "poverty"),
        (("傷病手当が来月で切れる",), "poverty"),
        (("冷蔵庫が空っぽで、三日水だけで過ごしてる",), "poverty"),
        (("夜勤明けでそのまま日勤に入ってる",), "overwork"),
        (("仕事が立て込んでて、もう一か月休んでない",), "overwork"),
        (("体が壊れるまで働いた",), "overwork"),
        (("この先どうなるのか、考えると眠れない",), "future_anxiety"),
        (("来年どうなるのか全然わからない",), "future_anxiety"),
        (("明日が怖い",), "future_anxiety"),
        (("親の代から続けてきた店を畳んだ",), "business_failure"),
        (("うちの工場、もう三年赤字が続いてる",), "business_failure"),
        (("家が競売にかけられることになった",), "housing"),
        (("会社を辞めたら寮を出なきゃいけない",), "housing"),
        (("住み慣れた家を手放すしかない",), "housing"),
        (("彼氏に物を投げられた",), "domestic_violence"),
        (("夫に財布を取り上げられて、実家にも連絡するなって言われてる",), "domestic_violence"),
        (("お兄ちゃんに毎日けられる",), "abuse"),
        (("一人で子どもを育ててて、頼れる人がいない",), "childrearing"),
        (("夫は毎晩遅くて、ずっとワンオペ",), "childrearing"),
        (("娘が学校に行かなくなって一か月",), "childrearing"),
        (("体を壊して仕事を休んでる",), "physical_illness"),
        (("腰を痛めて立ち仕事ができない",), "physical_illness"),
        (("部活の先輩が厳しくて、毎日怒鳴られる",), "bullying"),
        (("クラスの子に写真をまわされた",), "bullying"),
        (("単位が足りなくて進級が危ない",), "academic"),
        (("お母さんのところに行きたい",), "bereavement"),
        (("義父が夜中に部屋に入ってくる",), "crime_victim"),
    ],
)
def test_paraphrase_gives_the_factor(
    screener: Screener, messages: tuple[str, ...], factor: str
) -> None:
    assert factor in factors(screener, *messages)


@pytest.mark.parametrize(
    ("messages", "factor"),
    [
        (("友達が借金で困ってるみたいで、何て声をかけたらいいかな",), "debt"),
        (("好きだった歌手が亡くなったって聞いて、一日ぼーっとしてた",), "bereavement"),
        (("知り合いが会社をクビになったらしい",), "unemployment"),
        (("月曜は憂鬱だなー。でも週末が楽しみ",), "depression"),
        (("テストで落ち込んだけど、次は頑張る",), "depression"),
        (("部活の先輩が厳しくて、毎日怒鳴られる",), "workplace_trouble"),
        (("顧問がすぐ怒鳴る",), "workplace_trouble"),
        # (お盆に祖母のお墓参り: the labelled sets list a family death told as the past, so the
        # wording model lists bereavement there; see docs/screening.md, "Life factors")
        (("終電逃したからネカフェで朝まで漫画読む",), "overwork"),
        (("母子家庭で育ったけど、毎日楽しく過ごしてる",), "childrearing"),
        (("夫の暴力から逃げて家を出た",), "divorce"),
        # a secret kept or a lonely mood is not isolation (the labelled sets: 32 of 37 not)
        (("このこと親には言えない",), "isolation"),
        (("ハムスターが死んじゃって、さみしい",), "isolation"),
        (("病んでるｗ",), "depression"),
        # a medicine named as the means is the means, not a sign of the illness
        (("さっき飲んだ。デパスとマイスリー、ためてたの全部",), "depression"),
        (("精神科の薬、2ヶ月分ためたのがいまここにある",), "depression"),
        # one's own funeral being readied or pictured is no bereavement; school named in passing
        # is no academic problem
        (
            ("葬儀社に自分の分の見積もりを頼みました。もう生きていく理由もありませんので",),
            "bereavement",
        ),
        (("自分の葬式想像して泣く", "いなくなりたい"), "bereavement"),
        (("来週模試だから今週はゲーム封印",), "academic"),
        (("妹が来週受験だから、合格祈願のお守り買ってきた",), "academic"),
        # nobody around now, a secret kept, leaving the house: not isolation or family conflict
        (("橋の上にいる", "夜だから誰もいない"), "isolation"),
        (("彼氏に殴られて家出た",), "family_conflict"),
        # a hospital stay or a wound from an attempt is the attempt's, not an illness
        (("三年前に薬を飲んで入院したことがあります",), "physical_illness"),
    ],
)
def test_look_alike_gives_no_factor(
    screener: Screener, messages: tuple[str, ...], factor: str
) -> None:
    assert factor not in factors(screener, *messages)


def test_a_relatives_problem_stays_the_households(screener: Screener) -> None:
    assert "debt" in factors(screener, "母が借金を残して亡くなった")
    assert "debt" in factors(screener, "友達の借金の保証人になってしまった")


def test_both_abuse_and_crime_show_for_a_stepfather_at_night(screener: Screener) -> None:
    assert {"abuse", "crime_victim"} <= factors(screener, "継父が夜、部屋に入ってくる")


def test_dv_still_shows_when_fleeing_a_violent_husband(screener: Screener) -> None:
    assert "domestic_violence" in factors(screener, "夫の暴力から逃げて家を出た")


@pytest.mark.parametrize(
    ("messages", "factor"),
    [
        (("朝どうしても起きられなくて、会社に遅刻ばかり",), "depression"),
        (("何をやっても楽しいと思えない",), "depression"),
        (("毎晩お酒で寝てる",), "depression"),
        (("体が鉛みたいに重くて動かない",), "depression"),
        (("気分の落ち込みがひどくて、一日中横になってる",), "depression"),
        (("親に「お前はダメな子だ」っていつも言われる",), "family_conflict"),
        (("家族にずっと監視されてるみたいで息が詰まる",), "family_conflict"),
        (("家族は私なんかいない方がいいと思ってる",), "family_conflict"),
        (("職場の空気、俺がいないほうがうまく回るんだろうな",), "workplace_trouble"),
        (("今年は米が全然売れない",), "business_failure"),
        (("先祖代々の畑を手放すことになりそう",), "business_failure"),
        (("肥料も燃料も値上がりして、作れば作るほど赤字",), "business_failure"),
        (("このままだと来年の作付けができない",), "future_anxiety"),
        (("何回受けても受からない",), "academic"),
        (("二浪目が決まった",), "academic"),
        (("もうこの子を育てられない",), "childrearing"),
        (("子どもがいるから仕事も辞められない",), "childrearing"),
        (("腕にあざがある。お父さんに蹴られる",), "abuse"),
        (("お母さんがごはん作ってくれない。いつもお腹すいてる",), "abuse"),
        # a past that still weighs, or goes on, keeps its factor
        (("10年前に離婚して、今も一人で子育てしてる",), "childrearing"),
        (("去年父が亡くなって、まだ立ち直れない",), "bereavement"),
        (("自分から会社辞めた。今は無職",), "unemployment"),
        (("借金あるけど今は平気",), "debt"),
    ],
)
def test_more_paraphrases_give_the_factor(
    screener: Screener, messages: tuple[str, ...], factor: str
) -> None:
    assert factor in factors(screener, *messages)


@pytest.mark.parametrize(
    ("messages", "factor"),
    [
        # a past the message says is over
        (("昔ギャンブルで借金あったけど全部返し終わった",), "debt"),
        (("中学のいじめはもう昔の話",), "bullying"),
        (("祖父が亡くなって10年、今は落ち着いた",), "bereavement"),
        (("昔引きこもってたけど、今は毎日働いてる",), "hikikomori"),
        (("前の職場のパワハラ、今は転職して平和",), "workplace_trouble"),
        # supposed, wished, or from a passing cause
        (("宝くじ当たったら仕事辞めるのになー",), "unemployment"),
        (("病気になればいいのに。そしたら休めるのに",), "physical_illness"),
        (("もしクビになったらどうしよう",), "unemployment"),
        (("隣の工事の音がうるさくて眠れない",), "depression"),
        (("明日の遠足が楽しみで眠れない！",), "depression"),
        (("明日の朝はもう起きなくていいように",), "depression"),
        # an advertisement, an idiom
        (("【遺品整理サービス】ご実家の片付け、お見積り無料です",), "bereavement"),
        (("遺品整理・生前整理なら当社へ。即日対応いたします",), "bereavement"),
        (("騙されたと思って食べてみて",), "crime_victim"),
        (("バスがえらいゆすられて酔うた",), "crime_victim"),
    ],
)
def test_more_lookalikes_do_not_give_the_factor(
    screener: Screener, messages: tuple[str, ...], factor: str
) -> None:
    assert factor not in factors(screener, *messages)


def test_a_parent_saying_no_is_not_the_rules_family_conflict(screener: Screener) -> None:
    rules = Screener(screener.config, screener._tokenizer, None)
    assert "family_conflict" not in factors(rules, "母にダメって言われた")
    # The wording model learned 母に…言われた from conversations where it is mostly discord
    # (母に死ねって言われた) and reads it as family conflict (0.90 on 2 December, a known
    # over-reading): if it lists it, the card says it is its statistical reading, not the rules'.
    result = screener.screen_conversation(["母にダメって言われた"])
    if "family_conflict" in result.factors:
        assert all(s.term == "wording" for s in result.signals if s.factor == "family_conflict"), (
            result.signals
        )
