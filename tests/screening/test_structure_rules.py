"""Structural rules that need no listed phrase: self-injury by a verb of hurting, resolve,
acts with a means, decided days, cross-message ellipsis, no future, English frames.

Each rule has cases that must rise and look-alikes that must stay calm (written for these tests,
not taken from any labelled set). They test the rules alone: the wording model, which can only
raise to high, is tested in test_wording.py (with the look-alikes it must leave calm too)."""

from __future__ import annotations

import pytest

from bot.screening import RiskLevel, Screener, ScreeningState
from tests.screening.support import flags_of, level, reaches, slots


@pytest.fixture(scope="module")
def screener(screener: Screener) -> Screener:
    """The rules alone (the session's screener without its wording model)."""
    return Screener(screener.config, screener._tokenizer, None)


@pytest.mark.parametrize(
    ("messages", "slot"),
    [
        (("足の甲にライターの火を押しつけた",), "self_harm"),
        (("自分で腕を噛んでる。血がにじむまで",), "self_harm"),
        (("太ももを引っかきすぎて血だらけ",), "self_harm"),
        (("今日もやっちゃった。手首",), "self_harm"),
        (("ざっくりではないけど、また自分の頭を壁に打ちつけてる",), "self_harm"),
        (("もう自分の手で終わらせる",), "intent"),
        (("自分死ねって思いながら寝る",), "ideation"),
        (("消えたさがすごい",), "passive"),
        (("ベランダで練炭つけた",), "act"),
        (("ODなう",), "act"),
        (("咳止めの瓶空けた",), "act"),
        (("眠剤って何錠飲めば起きなくなるの",), "method"),
        (("延長コードって体重に耐えられるかな",), "method"),
        (("部屋の鍵を返した / 次の住所なんて必要ないし",), "despair"),
        (("数えながら飲んでる",), "act"),
        (("i keep thinking about killing myself",), "ideation"),
        (("i cut again last night",), "self_harm"),
        (("im on the ledge",), "place"),
        (("借金のことばかり考える", "いっそ死ねば全部チャラになるのかな"), "ideation"),
        (("私がいなくなれば丸く収まる",), "passive"),
        (("何錠飲めば眠ったままになるのか調べた",), "method"),
        (("生きていたいとは、どうしても思えない",), "passive"),
        (("台所の包丁をじっと見てる時間が増えた",), "method"),
        (("腕の線が3本増えてた",), "self_harm"),
        (("死ぬ勇気がないから生きてるだけ",), "ideation"),
        (("去年ODして運ばれた", "あの時助からなければ"), "ideation"),
        (("リスカやめてたのに、昨日また",), "self_harm"),
        (("死にたくない、わけじゃない",), "ideation"),
        (("指のささくれ、血が出るまでむしるのがやめられない",), "self_harm"),
        (("前に使った薬の空き箱、まだ取ってある", "見るとまたやりたくなる"), "method"),
        (("🔪🩸", "またやった"), "self_harm"),
        (("カッター、筆箱に入れて学校行ってる", "昼休みにトイレで切るのが日課"), "self_harm"),
        (("未遂、3回目", "次はちゃんとやりたい"), "method"),
        (("頭の中でずっと、死ねって声がする",), "ideation"),
        (("毎晩、自分が消えるやり方ばかり調べてしまう",), "passive"),
        (("宿題して、風呂入って、カッターで腕やって、寝た",), "self_harm"),
        (("車の中で練炭を焚いたらどうなるのかな",), "method"),
    ],
)
def test_structures_fill_their_slot(
    screener: Screener, messages: tuple[str, ...], slot: str
) -> None:
    assert slot in slots(screener, *messages), messages


@pytest.mark.parametrize(
    "messages",
    [
        ("次の新月の夜にする", "海がいい", "もう決めた"),
        ("死にたい", "決行する", "日曜の朝"),
        ("死にたい", "土曜日にやる"),
        ("今月で全部終わりにする",),
        ("ロープ買った", "物置に隠してある"),
        ("薬ずっとためてた", "いっぱい飲んじゃった"),
        ("今日の夜中", "マンションの屋上から"),
        ("湖に来た", "腰のあたりまで入ってる"),
        ("お酒と一緒に、あるだけ飲んだ",),
        ("通帳の場所は姉に伝えた", "これで迷惑かけずに済む"),
        ("陸橋の真ん中にいる", "下の線路、電車が通る"),
        ("夫が亡くなって一年。向こうへ行くことにしました",),
        ("夜明けになったら飛ぶ", "マンションの屋上、15階"),
        ("もう限界", "押し入れのロープ見てる"),
        ("ブログの記事も写真も全部消した", "お世話になった人に最後の挨拶した"),
        ("さよなら。今から行ってくる",),
        ("いま駅のホーム。電車来るまで待ってる。さよなら",),
        ("ドアノブでの結び方、何度も練習した", "今日は練習じゃない"),
        ("友達に借りてた本、全部返した", "あとは今夜だけ"),
        ("風呂にお湯ためて、カミソリ持ってる", "さっきもう一本線を引いた"),
        ("祖父の猟銃、ケースから出してきた", "弾も横に置いた"),
        ("いま湖の中に立ってる。胸まで",),
        ("もう生きるのやめる。決めた",),
        ("いま くすり たくさん のんだ",),
        ("もう限界。今から行く", "前に話したあの場所"),
        ("ナイフを自分の部屋に持ってきた", "いま机の上にある", "これで終わらせる"),
        ("日付が変わったら行く", "いままでありがとね"),
        ("手首切った。止まらない",),
        ("始発に合わせて駅に行きます", "ホームの端の位置はもう確認してあります"),
        ("屋上のフェンス、思ったより低かった", "いま柵の外に座ってる"),
        ("お風呂にお湯ためた", "カミソリも持ってきた。あったかいうちにやる"),
        ("二人分の薬、用意した", "今夜一緒に眠る"),
        ("もう死ぬけん。薬は手元にあるけん、今夜飲むったい",),
        ("睡眠薬ぎょうさんあつめとる",),
        ("もう決めたから", "死ぬ", "止めないでね"),
        ("今日こそ死ぬ", "今日は本当"),
        ("💊💊💊💊💊", "いまから", "ばいばい👋"),
        ("いま", "飲んでる", "くすり", "半分くらい"),
        ("日付が変わったら飛ぶ", "いまベランダ。あと20分"),
        ("いま薬40錠のんだ。頭がぐらぐらする",),
        ("ホームセンターで練炭とコンロを買ってきた", "車の中でやる"),
        ("市ぬ準備できた。ばいばい",),
        ("今日、退職届を出してきた", "親には長いメールを予約送信にしてある。明日の朝9時に届く"),
        ("延長コードは捨てずに押し入れにしまってある",),
        ("手紙も出した", "残るは私だけ"),
        ("借りてたマンガ全部返した", "写真も全部消した", "あとは今夜だけ"),
        ("いま立体駐車場の屋上にいる", "人がいなくなったら飛び降りる"),
        ("今カッター握ってる。切りたい",),
        ("切ったとこが深い。血がとまらない",),
        ("同じ店だと怪しまれるから、ドラッグストア回って少しずつ買い集めてる",),
    ],
)
def test_plans_and_acts_are_imminent(screener: Screener, messages: tuple[str, ...]) -> None:
    assert level(screener, *messages) == RiskLevel.IMMINENT, messages


@pytest.mark.parametrize(
    "messages",
    [
        ("犬に手を噛まれた",),
        ("蚊に刺されたとこ掻いてる",),
        ("子どもの背中をぽんぽん叩いて寝かしつけた",),
        ("バーベキューで七輪つけた",),
        ("これ終わったら楽になれる、週末だし",),
        ("仕事が終わったら楽になる、金曜だし",),
        ("明日やる、宿題",),
        ("頭痛薬飲んだ", "お茶飲んでる"),
        ("風邪薬ある?", "水いっぱい飲んだ"),
        ("新しいスマホを探す必要はない",),
        ("明日テストで死ぬ",),
        ("i've decided to buy a new phone",),
        ("see you tomorrow!",),
        ("うち、もう帰るねん",),
        ("別にそんなこと思ってません",),
        ("ゲームで崖から飛び降りたらクリアできた",),
        ("パラシュートで飛び降りてきた!最高",),
        ("包丁で指を切っちゃった、料理してたら", "絆創膏ある?"),
        ("ひげ剃ってたら切っちゃった。血が出た",),
        ("来月引っ越すので部屋を片付けてる",),
        ("定年の日、みんなにありがとうって挨拶してきた。来週から年金生活",),
        ("筋トレしすぎた。明日たぶん死ぬ",),
        ("a few years ago i wanted to die. i'm much better now",),
        ("新しい包丁を眺めてる、よく切れそう",),
        ("明日の飛行機で飛ぶ", "羽田、朝イチ"),
        ("謝れば済む話でしょ",),
        ("鉛筆を5本買った。本屋にも寄った",),
        ("みんなさよなら、今から帰ります!",),
        ("次の休みは実家に帰らないつもり。明日は港で釣り",),
        ("やり方がわからないから教えて、エクセルの",),
        ("ドラマを見てたら、登場人物が首を吊るシーンがあった",),
        ("hara hetta~ shinu~ (romaji de gomen)",),
        ("i made a cake today",),
        ("会議は来週にするって決めた", "資料は金曜までに"),
        ("あとは今夜だけ、バイト",),
        ("引っ越しは来月にするって決めた",),
        ("この漫画で主人公が死ぬ",),
        ("エアコン壊れて、この暑さ死ぬ", "修理は明日来てくれる"),
        ("救命講習で、薬を大量に飲んだ人への対応を習った",),
        ("週末、河原でBBQします", "練炭って普通の炭と何が違うの？"),  # the outing told before
        ("寝る前に、先生に出してもらった睡眠薬を1錠だけ飲んでる",),
        ("明日の朝、橋の上から初日の出見る",),
        ("明日で全部終わる！長かった卒論、やっと提出",),
        ("昨日のボス戦、10回死んだ", "回復薬ぜんぶ飲んだのに負けた"),
        ("週末キャンプ行く！炭と七輪、車に積んだ",),
        ("死ぬかと思った、ジェットコースター",),
        ("Last day at work! 今までありがとうございました",),
        ("ゲームまたやりたくなる",),
        ("形見分けみたいにお菓子配ったｗ",),
        ("このゲームのラスボス強すぎて100回死んだ", "崖から飛び降りるギミックもむずい"),
        ("花粉症の薬、多めにもらってきました", "海外出張が一ヶ月あるので"),
        ("部長の送別会で泣いた", "最後の挨拶がよくて"),
        ("いま", "飲んでる", "お茶"),
        ("今日こそ痩せる",),
        ("腹よじれて死ぬかと思たわ",),
        ("練炭とコンロで焼き鳥した",),
        ("横浜市に住んでる",),
        ("1錠のんだ",),
        ("ゼルダで崖から飛び降りて即死した笑",),
        ("転校する友だちに最後の手紙を書いた", "またいつか会おうねって"),
        ("ダイビングのライセンス取った", "来月はもっと深く潜るコースに行く予定"),
        ("朝のホーム混みすぎて、押されて線路に落ちそうで怖かった",),
        ("ベランダに干してたシャツが風で下の階に落ちた",),
        ("首つりの練習…じゃなくて、ネクタイの結び方の練習してる",),
        ("締め切り3つ重なって死ぬ〜", "でも金曜で全部終わるからがんばる"),
        ("断捨離、身辺整理かってくらい部屋片付けたw",),
        ("締め切りやばい、死ぬ", "あと3000字"),
        ("スマホの写真を整理して消した、容量いっぱいで",),
    ],
)
def test_look_alikes_stay_calm(screener: Screener, messages: tuple[str, ...]) -> None:
    assert level(screener, *messages) <= RiskLevel.LOW, messages


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("もう耐えられん", "もう耐えられない"),
        ("消えたさMAX", "消えたい気持ちmax"),
        ("kyou wa samui kedo genki", "きょう は さむい けど げんき"),
        ("もう全部しんじゃおうと思う", "もう全部死んじゃおうと思う"),
    ],
)
def test_normalization_keeps_the_meaning(screener: Screener, text: str, written: str) -> None:
    assert screener.analyze(text).normalized.text == written


def test_a_run_of_different_emoji_keeps_every_word(screener: Screener) -> None:
    text = screener.analyze("💊🪢").normalized.text
    assert "薬" in text and "ロープ" in text


def test_going_out_for_a_drink_is_not_a_plan(screener: Screener) -> None:
    # tiredness is heard (moderate at most); going out to drink now is not "going" to a place
    assert level(screener, "もう疲れた、今から飲みに行く") < RiskLevel.HIGH


def test_an_outing_told_before_does_not_explain_a_question_about_dying(
    screener: Screener,
) -> None:
    result = screener.screen_conversation(["週末キャンプ行く", "練炭で死ねるかな"])
    assert result.risk >= RiskLevel.HIGH


def test_thinking_of_dying_is_not_an_idiom(screener: Screener) -> None:
    # 死ぬかと思った is an idiom; 死のうかって思う (thinking of dying) is not
    assert level(screener, "一緒に死のうかって思う瞬間がある") >= RiskLevel.HIGH
    assert level(screener, "死ぬかと思った、ジェットコースター") <= RiskLevel.LOW


@pytest.mark.parametrize(
    ("messages", "flags"),
    [
        # a plain statement of grave harm about someone in particular
        (("弟をいじめるあいつ、次に何かしたら俺が刺す",), {"harm_to_others"}),
        (("元旦那がまた来たら、殺すかもしれない",), {"harm_to_others"}),
        (("兄貴の車に火をつけてやろうかと本気で考えてる",), {"harm_to_others"}),
        (("部長をホームから突き落としてやる",), {"harm_to_others"}),
        (("あいつら全員ぶっ殺したい", "ナイフはもう買ってある"), {"harm_to_others"}),
        # a death for two
        (("もう限界", "父と一緒に終わりにする"), {"harm_to_others"}),
        (("息子を道連れにする",), {"harm_to_others", "child_in_danger"}),
        (
            ("死にたい。ほんとに", "娘と二人分の睡眠薬ためてある"),
            {"harm_to_others", "child_in_danger"},
        ),
        # children
        (("となりの家、毎晩ドンって音と怒鳴り声がする", "小さい子が泣いてる"), {"child_in_danger"}),
        (("小5です", "ママがごはんくれない。きのうから"), {"child_in_danger"}),
        (("お父さんがお母さんをけってる。いま。こわい",), {"child_in_danger"}),
        (
            ("高2。父に毎日『お前なんかいらない』って言われる", "叩かれることもある"),
            {"child_in_danger"},
        ),
        (("中1です", "送らないと学校にばらすって言われてる。写真のこと"), {"child_in_danger"}),
        # look-alikes: venting, a wall, someone else's behaviour, a quarrel, a move, oneself
        (("課長まじ殺す笑",), set()),
        (("彼がキレると壁を殴る",), set()),
        (("夫が酔うと物を投げて、私を殴る",), set()),
        (("中2です", "テストの点で親にまた怒鳴られた"), set()),
        (("妻が子どもを連れて実家に帰っていった",), set()),
        (("自分の始末は自分でつけます",), set()),
        (("殺人的な暑さで子どもとプールに行った",), set()),
        (("母と一緒に死んでしまえたらと思う日がある",), set()),
        (("施設で祖母が職員に叩かれてるみたい",), set()),
    ],
)
def test_flags_read_from_structure(
    screener: Screener, messages: tuple[str, ...], flags: set[str]
) -> None:
    assert flags_of(screener, *messages) == flags, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # a measure of a feeling, a plain denial, a notion denied
        (("あの映画、消えたくなるくらい恥ずかしいシーンがあった",), RiskLevel.LOW),
        (("死にたい…わけないでしょ！明日から帰省だよ",), RiskLevel.LOW),
        (("自殺とかじゃまったくないです、母の介護の相談です",), RiskLevel.LOW),
        # the next message explains the means as an everyday activity
        (("ホームセンターで練炭とロープ買った", "来週のキャンプが楽しみ"), RiskLevel.LOW),
        (("ガムテープとロープ、カッターも買った", "引っ越しの荷造りの続き"), RiskLevel.LOW),
    ],
)
def test_everyday_readings_stay_calm(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) <= expected, messages


@pytest.mark.parametrize(
    "messages",
    [
        ("死にたいくらいつらい",),
        ("ホームセンターで練炭とロープ買った", "キャンプとかじゃなくて"),
        ("練炭買った", "仕事終わった〜"),
        ("死にたい", "ロープ買った", "来週のキャンプが楽しみ"),
        ("消えたい", "ロープ買った", "引っ越しの荷造りの話"),
    ],
)
def test_explanations_that_do_not_explain_it_away(
    screener: Screener, messages: tuple[str, ...]
) -> None:
    assert level(screener, *messages) >= RiskLevel.HIGH, messages


@pytest.mark.parametrize(
    ("messages", "rises"),
    [
        # a wish said as …ないかな, a sleep with no waking, no future of one's own
        (("電車が止まって全部終わらないかなって毎朝思う",), True),
        (("もう二度と目が覚めなくていい",), True),
        (("永遠の眠りにつきたい",), True),
        (("来月の予定は入れないで。たぶんもう生きてないから",), True),
        # look-alikes: the weather, a day off, a joke about old age, a grandparent
        (("明日の遠足、雨やまないかな",), False),
        (("日曜だから起きなくていい",), False),
        (("2080年とか、もう生きてないかも笑",), False),
        (("祖母は去年、永遠の眠りにつきました",), False),
    ],
)
def test_wishes_and_no_future(screener: Screener, messages: tuple[str, ...], rises: bool) -> None:
    assert (level(screener, *messages) >= RiskLevel.MODERATE) == rises, messages


@pytest.mark.parametrize(
    ("messages", "flags"),
    [
        # someone else's threat passed on by the person, a death for two by a method
        (("兄が『店長を刺してやる』って言ってた", "包丁も持ち出してた"), {"harm_to_others"}),
        (("前の彼氏から殺すってDMが来た",), {"harm_to_others"}),
        (("息子を抱いて線路に飛び込む",), {"harm_to_others", "child_in_danger"}),
        (("つい息子に手をあげてしまう",), {"child_in_danger"}),
        # look-alikes: hyperbole passed on, a film, mild slang over sweets, practice
        (("友達が『部活で先輩に殺される』って言ってた",), set()),
        (("映画で犯人が『お前を殺す』って言うシーンが怖かった",), set()),
        (("弟がプリン食べた。まじでしばく",), set()),
        (("娘と一緒に飛び込みの練習をした",), set()),
    ],
)
def test_flags_from_others_and_for_two(
    screener: Screener, messages: tuple[str, ...], flags: set[str]
) -> None:
    assert flags_of(screener, *messages) == flags, messages


@pytest.mark.parametrize(
    ("messages", "rises"),
    [
        (("借金が増える一方", "もう何をやっても無駄"), True),
        (("もう十分生きた", "早く迎えに来てほしい"), True),
        (("十代の頃は毎日死にたかった", "今は子どももいて幸せ"), False),
        (("死ぬレベルで眠い",), False),
        (("何回やっても無駄だった、このガチャ",), False),
        (("何やっても楽しい年頃", "夜は友達と電話"), False),
    ],
)
def test_futility_afterlife_decades_and_measures(
    screener: Screener, messages: tuple[str, ...], rises: bool
) -> None:
    assert (level(screener, *messages) >= RiskLevel.MODERATE) == rises, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # questions of fact, a view, the belongings of the dead: calm
        (("風邪薬って飲みすぎると肝臓に悪いですか？",), RiskLevel.LOW),
        (("展望台に来た", "下見たら足すくんだ笑"), RiskLevel.LOW),
        (("父が亡くなって一年", "遺品整理をやっと終えた"), RiskLevel.LOW),
        # the person named among others
        (("僕も弟も消えたほうがいいと思う",), RiskLevel.HIGH),
    ],
)
def test_questions_views_belongings_and_we(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "flags"),
    [
        (("妻に毎晩怒鳴られて、物を投げつけられる", "息子が机の下で震えてる"), {"child_in_danger"}),
        (("上司に怒鳴られる毎日", "娘の寝顔を見ると頑張れる"), set()),
    ],
)
def test_shouting_at_home_with_a_child(
    screener: Screener, messages: tuple[str, ...], flags: set[str]
) -> None:
    assert flags_of(screener, *messages) == flags, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # an explanation a few messages later, a question of lethality, a settled life
        (("ロープ買った", "週末", "キャンプでタープ張るんだ"), RiskLevel.LOW),
        (("ビルの何階から落ちたら助からないのかな",), RiskLevel.HIGH),
        (("年内に自分の人生にけりをつける",), RiskLevel.IMMINENT),
        (("トラックにはねられでもしたらラッキーなのに",), RiskLevel.HIGH),
        # look-alikes: the operation, work, someone else's life
        (("手術しないと助からないって先生が",), RiskLevel.LOW),
        (("やっと仕事にけりをつけた",), RiskLevel.LOW),
    ],
)
def test_explanations_lethality_and_settling(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


def test_someone_elses_life_is_a_threat_not_the_persons_own_end(screener: Screener) -> None:
    result = screener.screen_conversation(["あの上司の人生、来年までに終わらせてやる"])
    assert "harm_to_others" in result.flags
    assert result.risk < RiskLevel.HIGH


@pytest.mark.parametrize(
    ("messages", "rises"),
    [
        # one dialect rule makes the context of the next; a stretched え before a particle
        (("明日は港へ行く。もう戻らんけぇ",), True),
        (("はよ消えてぇなぁ",), True),
        (("眠剤、飲まずにためよるんよ",), True),
        # look-alikes stay calm
        (("へぇ、そうなんや",), False),
        (("ねぇねぇ、明日ひま？",), False),
    ],
)
def test_dialect_rules_compose(screener: Screener, messages: tuple[str, ...], rises: bool) -> None:
    assert (level(screener, *messages) >= RiskLevel.HIGH) == rises, messages


@pytest.mark.parametrize(
    ("messages", "flags"),
    [
        (
            ("中2", "ネットの人に自撮り送ったら、金払わないと学校中に広めるって"),
            {"child_in_danger"},
        ),
        (("小4の妹", "夜中におじさんが妹の寝室に入り込んでる"), {"child_in_danger"}),
        (("今度会うたら病院送りにしたるわ、あいつ",), {"harm_to_others"}),
    ],
)
def test_exposure_intrusion_and_dialect_threats(
    screener: Screener, messages: tuple[str, ...], flags: set[str]
) -> None:
    assert flags_of(screener, *messages) == flags, messages


@pytest.mark.parametrize(
    ("messages", "rises"),
    [
        # going together with a child at a time, in despair; an edge of the platform; a
        # bleeding that goes on; a surer second attempt; English means and time
        (("もう無理、やっていけない", "今夜、息子と二人で行くね"), True),
        (("駅のホームの一番はしっこにいる",), True),
        (("さっき腕を切った", "血がまだ出てる"), True),
        (("去年ODで運ばれた", "今度は確実に量を倍にした"), True),
        (("picked up a rope today", "tonight"), True),
        # look-alikes
        (("明日、娘と二人で水族館に行くね",), False),
        (("ホームの端で電車待ってる、通勤だるい",), False),
        (("去年の受験は失敗した", "今度は確実に受かりたい"), False),
    ],
)
def test_q_report_structures(screener: Screener, messages: tuple[str, ...], rises: bool) -> None:
    got = level(screener, *messages)
    assert (got >= RiskLevel.IMMINENT) if rises else (got <= RiskLevel.MODERATE), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("家族ひとりひとりに手紙を書いた",), RiskLevel.IMMINENT),
        (("このLINEを読む頃には、もうここにはいないと思う",), RiskLevel.HIGH),
        (("来年の今頃はもうここにいないかも、転勤で",), RiskLevel.LOW),
        (("これを読む頃にはもう寮にいないよ笑",), RiskLevel.LOW),
    ],
)
def test_letters_for_each_and_gone_by_then(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "flags"),
    [
        (("来週、あの野郎の家の前で張り込む", "包丁はもう買った"), {"harm_to_others"}),
        (("部長をぶん殴ろうかと思った", "思っただけ"), set()),
    ],
)
def test_lying_in_wait_and_a_passing_thought(
    screener: Screener, messages: tuple[str, ...], flags: set[str]
) -> None:
    assert flags_of(screener, *messages) == flags, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # a bare "took it" and then what was taken; one's medicine taken, alone
        (("いま飲んだ", "咳止め2瓶"), RiskLevel.IMMINENT),
        (("さっき頭痛薬飲んだ",), RiskLevel.LOW),
        (("さっき飲んだ", "コーヒー、眠気覚ましに"), RiskLevel.LOW),
    ],
)
def test_taken_said_over_two_messages(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "flags"),
    [
        (("パパがごはんくれない日がある", "おなかすいた"), {"child_in_danger"}),
        (("あの先輩を本気で殺したい",), {"harm_to_others"}),
        (("課長マジ殺したい笑",), set()),
        (("姉が旦那さんに殴られてるらしい", "私にできることってありますか"), set()),
        (
            ("子どもたちのごはん、もう何日も作れてない", "上の子が下の子にパンをあげてる"),
            {"child_in_danger"},
        ),
    ],
)
def test_children_writing_neglect_and_earnest_wishes(
    screener: Screener, messages: tuple[str, ...], flags: set[str]
) -> None:
    assert flags_of(screener, *messages) == flags, messages


@pytest.mark.parametrize(
    ("messages", "rises"),
    [
        (("今日死ぬ",), True),
        (("天国", "はやく行きたい"), True),
        (("今日寒すぎて死ぬ",), False),
        (("天国みたいな温泉だった", "また行きたい"), False),
        (("お墓参りしてきた", "早く帰りたい"), False),
    ],
)
def test_today_and_the_place_then_the_wish(
    screener: Screener, messages: tuple[str, ...], rises: bool
) -> None:
    assert (level(screener, *messages) >= RiskLevel.HIGH) == rises, messages


def test_no_better_future_is_despair(screener: Screener) -> None:
    assert "despair" in slots(screener, "この先、好転するとは思えない")
    assert "despair" not in slots(screener, "この薬で良くなるといいな")


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("屋上から飛び降りる夢を見た、汗びっしょり",), RiskLevel.LOW),
        (("エンディングノートの講座で、遺書の書き方も習った",), RiskLevel.LOW),
        (("遺書を書いた",), RiskLevel.IMMINENT),
        (("屋上から飛び降りたい",), RiskLevel.HIGH),
    ],
)
def test_dreams_and_classes(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("推しが尊すぎて消えたい",), RiskLevel.LOW),
        (("かわいすぎて死ぬ",), RiskLevel.LOW),
        (("樹海って本当に方位磁石が狂うの？ 来月ハイキングで行く",), RiskLevel.LOW),
        (("つらすぎて消えたい",), RiskLevel.HIGH),
        (("樹海ってどうやって行くの？",), RiskLevel.HIGH),
    ],
)
def test_delight_and_outings(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # set-U report: an event sets the time; a scare; advice; fan talk; purchase slang;
        # a kana のんだ after a noun; a liquid thrown at someone
        (("卒業式が終わったら死ぬ",), RiskLevel.IMMINENT),
        (("川で溺れるかと思った、流れ速すぎ",), RiskLevel.LOW),
        (("無理しないでね、おやすみ",), RiskLevel.LOW),
        (("この新曲よすぎて成仏しそう",), RiskLevel.LOW),
        (("漂白剤のんだ。のどが焼ける",), RiskLevel.IMMINENT),
        (("死にたい", "練炭ぽちった"), RiskLevel.IMMINENT),
    ],
)
def test_u_report_structures(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


def test_a_liquid_thrown_at_someone_is_a_threat(screener: Screener) -> None:
    result = screener.screen_conversation(["あいつの顔にガソリンぶっかけてやる", "家も調べた"])
    assert "harm_to_others" in result.flags


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("心臓が勝手に止まればいいのに",), RiskLevel.HIGH),
        (("ためてた眠剤、これから全部飲む",), RiskLevel.IMMINENT),
        (("雨が止まればいいのに",), RiskLevel.LOW),
        (("図書館のほうに行きたい、本を返すから",), RiskLevel.LOW),
    ],
)
def test_a_stopping_heart_and_collected_pills_now(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "rises"),
    [
        (("もう生ぎでだぐねぇ",), True),
        (("生ぎでんのもう嫌んだ",), True),
        (("生きてるのもう嫌だ",), True),
        (("雨がやんだ、よかった",), False),
        (("生きてるの、ほんと楽しい",), False),
    ],
)
def test_tohoku_forms_and_weariness(
    screener: Screener, messages: tuple[str, ...], rises: bool
) -> None:
    assert (level(screener, *messages) >= RiskLevel.HIGH) == rises, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("課長死ねばいいのに",), RiskLevel.LOW),
        (("私とか死ねばいいんだ",), RiskLevel.HIGH),
    ],
)
def test_a_bare_topic_is_the_subject(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("大学生の頃、七輪を買ったことがある。今は家族もいて平気",), RiskLevel.LOW),
        (("昔ためてた薬、また数えはじめた",), RiskLevel.IMMINENT),
    ],
)
def test_a_means_in_a_past_that_is_over(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


def test_no_way_ahead_is_despair(screener: Screener) -> None:
    assert "despair" in slots(screener, "借金も離婚も重なって", "この先、何ひとつ見えてこない")


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("もう生きられへん",), RiskLevel.MODERATE),
        (("明日、岬へ行く。二度と帰らへん",), RiskLevel.HIGH),
        (("このへんで美味しいお店ある？",), RiskLevel.NONE),
        (("こんな暑さじゃ生きられない笑",), RiskLevel.NONE),
    ],
)
def test_kansai_negation(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    got = level(screener, *messages)
    assert (got >= expected) if expected >= RiskLevel.MODERATE else (got <= RiskLevel.LOW), messages


@pytest.mark.parametrize(
    "message",
    [
        "アイツマジデコロスシネ",
        "コロシテヤル",
        "ウチノオトウサンガナグッテクル",
        "ジブンノシマツハジブンデ",
    ],
)
def test_words_read_again_from_katakana_point_at_the_messages_own_words(
    screener: Screener, message: str
) -> None:
    # Unknown katakana is read again as hiragana; the rules index the message's own words, so
    # a match found that way must point at them (this raised IndexError in the flag rules).
    result = screener.screen_conversation([message])
    assert all(0 <= s.start < s.end <= len(message) for s in result.signals)


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("自分なんか、いなくなったほうがいいんじゃないかな",), RiskLevel.HIGH),
        (("もう死んでもいいのではないかと、夜になると考えます",), RiskLevel.HIGH),
        (("僕は消えるべきなのではないでしょうか",), RiskLevel.HIGH),
        (("祖母が死ぬんじゃないかと心配で眠れない",), RiskLevel.LOW),
        (("親知らず抜いたとき、死ぬんじゃないかってくらい痛かった",), RiskLevel.NONE),
        (("死にたいんじゃない、ただ休みたいだけ",), RiskLevel.MODERATE),
    ],
)
def test_a_question_that_leans_to_yes_is_not_a_denial(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # …んじゃないかな / のではないでしょうか asks for agreement: the ない denies nothing.
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("消えることを真剣に考えるようになった",), RiskLevel.HIGH),
        (("自分の手で人生を終わらせることを本気で考えてる",), RiskLevel.HIGH),
        (("転職を真剣に考えるようになった",), RiskLevel.NONE),
    ],
)
def test_an_earnest_adverb_between_the_thought_and_its_verb(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("明日が来なくてもいい",), RiskLevel.HIGH),
        (("朝なんか来なければいいのに",), RiskLevel.HIGH),
        (("今夜、このまま目が覚めなければいい",), RiskLevel.HIGH),
        (("明日の夜、死ぬ",), RiskLevel.IMMINENT),
        (("今夜、橋から飛ぶ",), RiskLevel.IMMINENT),
    ],
)
def test_a_passive_wish_with_a_time_is_not_a_plan(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # The time of a wish not to wake (or the time the wish is about) is no plan's time: high,
    # not imminent. A death or method word with a time still is.
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("親父がいなくなったら、俺にはもう何もない",), RiskLevel.MODERATE),
        (("おかんが最近、死にたいって言ってる",), RiskLevel.LOW),
        (("兄貴の車の鍵、こっそり持ってきた", "母の睡眠薬も全部飲んだ"), RiskLevel.IMMINENT),
        (("祖父の猟銃が物置にある", "もう疲れた。あれで終わりにする"), RiskLevel.IMMINENT),
    ],
)
def test_family_words_as_subjects_and_someones_means(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # 親父が… is the father's; 母の睡眠薬を飲んだ is the mother's pills but the person's act.
    got = level(screener, *messages)
    assert (got >= expected) if expected >= RiskLevel.HIGH else got <= expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (
            ("二十歳のころ睡眠薬ためこんで飲んだことある", "今は薬は夫が管理してくれてて元気"),
            RiskLevel.LOW,
        ),
        (("中学生の頃にカッターで腕切ってたことあるけど、今は平気",), RiskLevel.LOW),
        (("新卒のころは毎日死にたかった",), RiskLevel.LOW),
        (("一昨日の夜、団地の屋上から下を見てた",), RiskLevel.HIGH),
        (("先週の夜、歩道橋から下を眺めてた",), RiskLevel.HIGH),
        (("今夜、屋上から下を見てる",), RiskLevel.IMMINENT),
        (("去年の夏に薬ためこんでたことある", "最近またためはじめた"), RiskLevel.IMMINENT),
    ],
)
def test_a_life_period_and_a_night_that_are_over(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # …の頃 after any stage of life is a history; …たことがある tells of something done; a
    # night after 先週 / 一昨日 in a past sentence is over, not the time of a plan.
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("人狼で今日も初日に吊られた笑",), RiskLevel.NONE),
        (("内科で咳止めを大量に出された。風邪ひどい",), RiskLevel.LOW),
        (("包丁で玉ねぎ切ってたら爪まで切った",), RiskLevel.LOW),
        (("ロキソニンって何時間あけたら次飲める？",), RiskLevel.NONE),
        (("部屋の中で、首をかけられそうな場所を探してる",), RiskLevel.HIGH),
        (("咳止めを大量に買い込んだ",), RiskLevel.IMMINENT),
        (("カッターで腕切ってる",), RiskLevel.IMMINENT),
        (("2週間分の薬を全部飲んだ",), RiskLevel.IMMINENT),
    ],
)
def test_done_to_the_person_given_or_another_object(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # A godan verb's passive is done to the person (吊られた, 出された); a blade's verb with
    # another object cuts that object; 何時間 is a length of time, not an amount.
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("この不安な気持ちが消えればいい",), RiskLevel.NONE),
        (("月曜の朝礼なんか消滅しろ",), RiskLevel.NONE),
        (("期末テストとかこの世から消えればいいのに",), RiskLevel.NONE),
        (("私なんか消えればいい",), RiskLevel.HIGH),
        (("私の存在が消えればいい",), RiskLevel.HIGH),
        (("本当はまだ消えたい",), RiskLevel.HIGH),
        (("こんな自分とか消えてしまえばいい",), RiskLevel.HIGH),
    ],
)
def test_what_should_vanish_is_named(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # A named subject of 消える that is a thing (a feeling, a class, a test) is not the person.
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("今夜飛ぶ",), RiskLevel.IMMINENT),
        (("明日、飛びます",), RiskLevel.IMMINENT),
        (("明日の便で福岡に飛ぶ",), RiskLevel.NONE),
        (("週末は実家に飛ぶ",), RiskLevel.NONE),
        (("今夜は飛ぶぞー！クラブで朝まで",), RiskLevel.NONE),
        (("明日バイト飛ぶわ",), RiskLevel.LOW),
        (("引っ越しバタバタだけど", "来週落ち着くと思う"), RiskLevel.NONE),
        (("雨だったけど", "夜落ち着いた"), RiskLevel.NONE),
        (("明日の朝、飛び出すように家を出た",), RiskLevel.NONE),
    ],
)
def test_a_bare_jump_with_a_time(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # 飛ぶ with a time and nothing it takes (no object, destination or vehicle) is a plan.
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("明日なんて永遠に来なきゃいいのに",), RiskLevel.HIGH),
        (("階段で足すべらせて頭打てばいいのにって毎日思う",), RiskLevel.HIGH),
        (("明日友達が来なければいいのに",), RiskLevel.LOW),
        (("家が火事になったら大変",), RiskLevel.NONE),
    ],
)
def test_wishes_that_the_morning_or_an_accident_would_come(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("ロープ", "さっき買ってきた"), RiskLevel.IMMINENT),
        (("兄の睡眠薬", "ちょっとのつもりが", "いっぱい飲んじゃった"), RiskLevel.IMMINENT),
        (("家族宛ての手紙", "いま書き終わった"), RiskLevel.IMMINENT),
        (("ロープ", "今日はいい天気"), RiskLevel.NONE),
        (("ロープ", "何の話だっけ", "ごはん食べた", "さっき買ってきた"), RiskLevel.LOW),
    ],
)
def test_a_means_named_alone_then_what_was_done_with_it(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # A message that only names a means, and one of the next two that says what was done with
    # no object, are read as one sentence (ロープ / さっき買ってきた).
    result = screener.screen_conversation(list(messages))
    assert reaches(screener, messages, expected), messages
    for s in result.signals:  # the card shows the person's own words, never the read-back noun
        assert s.text == messages[s.message][s.start : s.end], s


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("引き継ぎ済ませたら、いなくなるつもり",), RiskLevel.IMMINENT),
        (("もう消えることにした",), RiskLevel.IMMINENT),
        (("存在ごとなかったことにしてほしい",), RiskLevel.HIGH),
        (("来週から出張でいなくなる予定",), RiskLevel.NONE),
        (("春には地元からいなくなるつもり",), RiskLevel.NONE),
        (("みんなの前から消えたい",), RiskLevel.HIGH),
        (("この世から消えたい",), RiskLevel.HIGH),
    ],
)
def test_an_intent_to_vanish_and_going_away(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # いなくなるつもり / 消えることにした is an intent; from a place or for a trip it is going away.
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "flag", "expected"),
    [
        (("あの先輩刺して自分も終わりにする",), "harm_to_others", True),
        (("課長のお茶に漂白剤混ぜてやる、明日",), "harm_to_others", True),
        (("あいつの水筒に除草剤仕込む",), "harm_to_others", True),
        (("庭に除草剤まいた",), "harm_to_others", False),
        (("あいつ殴って帰って寝る笑",), "harm_to_others", False),
        (("塾の先生に体なでられる", "中1"), "child_in_danger", True),
        (("いとこのお兄ちゃんに毎晩服の中に手入れられる", "小5"), "child_in_danger", True),
        (("彼氏にキスされた、うれしい",), "child_in_danger", False),
        (("SNSで叩かれて、学校でもいじられる",), "child_in_danger", False),
    ],
)
def test_harm_without_its_particle_poison_and_touching(
    screener: Screener, messages: tuple[str, ...], flag: str, expected: bool
) -> None:
    # あの先輩刺して: a bare noun before a verb of harm is its object; a poison put in
    # someone's drink is grave harm; a child touched by anyone is in danger.
    assert (flag in flags_of(screener, *messages)) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("包丁持ってあいつの家に向かってる",), True),
        (("あいつの住所わかった。バットは車に積んである。今向かってる",), True),
        (("キャンプ用のナイフ持って山に行く",), False),
        (("バット持って練習に行く",), False),
        (("届け先の住所わかった",), False),
    ],
)
def test_a_weapon_carried_on_the_way(
    screener: Screener, messages: tuple[str, ...], expected: bool
) -> None:
    assert ("harm_to_others" in flags_of(screener, *messages)) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("推しのビジュ良すぎてもう無理",), RiskLevel.NONE),
        (("仕事がきつすぎてもう無理",), RiskLevel.MODERATE),
    ],
)
def test_despair_words_measuring_delight(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (
            ("彼女がベランダの柵の外にいるって電話してきた", "こっちも頭真っ白で泣きそう"),
            RiskLevel.MODERATE,
        ),
        (("姉から「今までありがとう」ってだけ来た", "私パニックで息が苦しい"), RiskLevel.MODERATE),
        (("友達が死にたいって言ってた", "つらい"), RiskLevel.MODERATE),
        (("デパートの屋上にビアガーデンできたらしい！", "今度の金曜行かない？"), RiskLevel.NONE),
        (("送別会で泣いちゃった。みんな今までありがとう",), RiskLevel.NONE),
    ],
)
def test_the_writers_distress_about_someone_in_danger(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # Someone at a danger place or sending a farewell is a third person's crisis; the
    # writer's own distress about it counts (moderate).
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("いま防波堤の先っぽ。足もと濡れてる",), RiskLevel.IMMINENT),
        (("堤防の先で釣りしてる",), RiskLevel.NONE),
        (("車の中で火おこしてる。エアコンの吹き出し口もふさいだ",), RiskLevel.IMMINENT),
        (("キャンプで火おこしてる",), RiskLevel.NONE),
        (("寒いから窓のすき間をテープでふさいだ",), RiskLevel.NONE),
        (("ロープ買った。誰にも見つからないうちに",), RiskLevel.IMMINENT),
        (("誰も見てないからカラオケで熱唱した",), RiskLevel.NONE),
    ],
)
def test_water_edges_fire_in_a_car_and_choosing_to_be_unseen(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("天国ってどんなとこかな", "早くそっちに行きたい"), RiskLevel.HIGH),
        (("沖縄って最高らしい", "早くそっちに行きたい"), RiskLevel.NONE),
        (("天国みたいな温泉だった", "早く入りたい"), RiskLevel.NONE),
    ],
)
def test_going_there_after_the_afterlife_was_named(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("もう決めたから。死ぬよ",), RiskLevel.IMMINENT),
        (("ダイエットするって決めた。食べなきゃ死ぬ",), RiskLevel.NONE),
        (("決めた、寒すぎて死ぬ",), RiskLevel.NONE),
        (("あのグループのやつら全員いなくなればいい",), RiskLevel.LOW),
        (("イブって一回に何錠いける？", "歯が痛すぎ"), RiskLevel.NONE),
        (("ロキソニンって一回に何錠飲んでいい？",), RiskLevel.NONE),
        (("睡眠薬って何錠飲めば死ねる？",), RiskLevel.HIGH),
        (("今夜イブだね",), RiskLevel.NONE),
    ],
)
def test_a_decision_then_a_plain_death_and_dose_questions(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # 決めた then a plain 死ぬ is an intent; a group of others vanishing is theirs; 一回に何錠
    # asks the usual dose (and イブ the medicine is not Christmas Eve).
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("今までお世話になりました、ありがとう！", "来月から大阪勤務です"), RiskLevel.NONE),
        (("今までお世話になりました、ありがとう", "もう疲れた"), RiskLevel.IMMINENT),
        (("犬を1週間だけペットホテルに預けることにした",), RiskLevel.NONE),
        (("犬を預ける先を探してる、もう世話できないから",), RiskLevel.IMMINENT),
        (("キャンプで練炭使いたいんだけど", "何個あれば足りる？"), RiskLevel.NONE),
        (("練炭使いたい",), RiskLevel.HIGH),
    ],
)
def test_farewells_rehoming_and_charcoal_in_everyday_plans(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "flags"),
    [
        (("部活の顧問、明日バットで殴る",), {"harm_to_others"}),
        (("息子を叩いてしまいました",), {"child_in_danger"}),
    ],
)
def test_a_school_word_does_not_make_the_writer_a_parent(
    screener: Screener, messages: tuple[str, ...], flags: set[str]
) -> None:
    # 部活 says the writer is at school, not that a child is hit: the threat is to the coach.
    assert flags_of(screener, *messages) == flags, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("わし、もうおらんなりたいがよ",), RiskLevel.HIGH),
        (("もういなくなりたい",), RiskLevel.HIGH),
        (("もういなくなる",), RiskLevel.IMMINENT),
        (("このまま夜明け来なきゃいい",), RiskLevel.HIGH),
        (("毎晩の錠剤、飲んだふりして瓶にためてる",), RiskLevel.IMMINENT),
        (("薬を飲んだふりしてる",), RiskLevel.NONE),
    ],
)
def test_tosa_vanishing_a_wish_to_be_gone_and_pills_kept_back(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # もういなくなりたい is a wish (high), not also a goodbye (it was imminent); 飲んだふりして
    # ためてる gathers the pills it pretends to take.
    assert level(screener, *messages) == expected, messages


def test_poison_dripped_into_someones_food(screener: Screener) -> None:
    assert "harm_to_others" in flags_of(screener, "姑の味噌汁に農薬たらしてやる", "もう買ってある")


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("昔もらった睡眠薬、まだ取ってある", "もう疲れた"), RiskLevel.IMMINENT),
        (("父の日本刀、床の間にある", "死にたい時そればっか見てる"), RiskLevel.IMMINENT),
        (("睡眠薬、まだ取ってある", "今日は晴れ"), RiskLevel.NONE),
        (("精神科で抗うつ薬をもらっています", "もう限界です"), RiskLevel.MODERATE),
        (("あの時の薬の空き箱、まだ取ってある", "見るとまたやりたくなる"), RiskLevel.HIGH),
    ],
)
def test_a_means_kept_then_a_crisis_in_the_next_messages(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # A weak means kept at hand counts as means at hand when one of the next three messages
    # says a crisis; a prescription from a clinic, or an empty box, does not.
    assert level(screener, *messages) == expected, messages


def test_a_state_without_words_keeps_none_of_them_anywhere(screener: Screener) -> None:
    state = ScreeningState()
    for text in ("睡眠薬、まだ取ってある", "ロープ買った", "キャンプ楽しみ"):
        _, state = screener.screen(text, state)
    assert "睡眠薬" in str(state.to_json()) and "ロープ" in str(state.to_json())
    bare = state.without_words().to_json()
    assert "睡眠薬" not in str(bare) and "ロープ" not in str(bare)
    _, after = screener.screen("もう疲れた", state.without_words())
    reasons = screener.screen("死にたい", after)[0].reasons
    assert all("「」" not in line for line in reasons), reasons


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("姉の引き出しから睡眠薬が大量に出てきた", "頭真っ白で手が震える"), RiskLevel.MODERATE),
        (("兄の部屋からロープが出てきた",), RiskLevel.LOW),
        (("父の猟銃がうちにある", "もう疲れた"), RiskLevel.IMMINENT),
    ],
)
def test_a_means_found_among_someone_elses_things(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # Found among a sibling's things, the means is the sibling's crisis and the writer's worry.
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("し", "に", "た", "い"), RiskLevel.HIGH),
        (("ねぇ", "死", "にたい"), RiskLevel.HIGH),
        (("き", "え", "たい"), RiskLevel.HIGH),
        (("うん", "わかった", "ありがと"), RiskLevel.NONE),
        (("し", "に", "そう", "笑"), RiskLevel.NONE),
    ],
)
def test_letters_sent_one_message_at_a_time(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    result = screener.screen_conversation(list(messages))
    assert reaches(screener, messages, expected), messages
    for s in result.signals:
        assert s.text == messages[s.message][s.start : s.end], s


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("中の人〜、今夜ひとりにしないで。なにかしちゃいそう",), RiskLevel.MODERATE),
        (("自分が何するかわからなくて怖い",), RiskLevel.MODERATE),
        (("暇すぎて何かやっちゃいそう笑",), RiskLevel.NONE),
    ],
)
def test_fear_of_doing_something_to_oneself(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("覚えてないけど", "シートが全部空になってる"), RiskLevel.IMMINENT),
        (("もう自分で片をつける",), RiskLevel.IMMINENT),
        (("仕事の件、今週中に片をつける",), RiskLevel.NONE),
    ],
)
def test_empty_blister_sheets_and_settling_it(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


def test_hanging_in_kana_read_as_a_quote(screener: Screener) -> None:
    # くびつったら: the dictionary reads つっ as って; the spelling rule writes 首吊
    assert level(screener, "くびつったら楽かな") >= RiskLevel.HIGH
    assert level(screener, "仕事くびって言われた") <= RiskLevel.LOW


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("車の保険もやめた、乗ることないし",), RiskLevel.IMMINENT),
        (("保険やめた、高いし",), RiskLevel.LOW),
        (("車に乗ることはないかな、電車派",), RiskLevel.NONE),
        (("卒業式おわった！", "もうこの制服を着ることもないと思うとさみしい"), RiskLevel.LOW),
    ],
)
def test_no_more_use_of_ones_things_after_a_preparation(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("何階から飛べば確実？",), RiskLevel.HIGH),
        (("死にたい", "何階なら確実？"), RiskLevel.HIGH),
        (("何点取れば確実に合格？",), RiskLevel.NONE),
        (("確実に痩せるには何日かかる？",), RiskLevel.NONE),
    ],
)
def test_asking_how_to_make_it_certain(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("薬局で湿布と胃薬大量買いした", "ポイント10倍"), RiskLevel.NONE),
        (("寒いから窓に断熱シートで目張りした",), RiskLevel.LOW),
        (("出張用にサプリ10日分数えて袋に入れた",), RiskLevel.NONE),
        (("お化け屋敷に首吊り人形あってビビった",), RiskLevel.NONE),
        (("塾やめる日", "先生に今までありがとうございましたって言えた"), RiskLevel.NONE),
        (("姉が俺のアイス食べた", "まじで殺す"), RiskLevel.NONE),
        (("薬局で睡眠薬を大量に買った",), RiskLevel.IMMINENT),
        (("車の中。窓に目張りした。もう火はついてる",), RiskLevel.IMMINENT),
    ],
)
def test_everyday_purposes_mild_medicines_and_venting(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


def test_a_grave_threat_in_earnest_is_still_flagged(screener: Screener) -> None:
    assert "harm_to_others" in flags_of(screener, "あいつ本気で殺す")
    assert "harm_to_others" not in flags_of(screener, "姉が俺のアイス食べた", "まじで殺す")


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("もう会いたい人には全員会えた", "思い残すことないや"), RiskLevel.IMMINENT),
        (("思い残すことないように全力で楽しむ！",), RiskLevel.NONE),
        (("昔の恋に心残りはない",), RiskLevel.NONE),
        (("みんなに最後の挨拶してきた", "会いたい人にはもう会った"), RiskLevel.IMMINENT),
        (("柵を越えた", "あとは手を離すだけ"), RiskLevel.IMMINENT),
        (("信号待ちしてると、トラックの前に吸い込まれそうになる",), RiskLevel.HIGH),
        (("あいつの家に火つけて、そのあと自分もいなくなる",), RiskLevel.IMMINENT),
        (("みんな引っ越すし、私もいなくなる",), RiskLevel.NONE),
    ],
)
def test_no_regrets_the_edge_and_going_too(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    # 思い残すことない is a farewell (its ない is part of the words, not a denial); 思い残す
    # ことないように is a purpose; crossing a fence is being there; 自分も消える after harm is
    # an intent.
    assert reaches(screener, messages, expected), messages


def test_a_farewell_said_laughing_is_a_measure_of_joy(screener: Screener) -> None:
    assert level(screener, "推しのライブ最高だった、もう思い残すことない笑") <= RiskLevel.LOW
    assert level(screener, "もう思い残すことない") >= RiskLevel.MODERATE


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("毎日が白黒の映画みたい", "心が動かない"), RiskLevel.MODERATE),
        (("この映画は心が動かない駄作",), RiskLevel.NONE),
    ],
)
def test_numbness_is_despair(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


def test_a_child_told_to_send_videos(screener: Screener) -> None:
    assert "child_in_danger" in flags_of(
        screener, "中3です", "知らない大人に動画送れって脅されてる"
    )


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("前のときはICUで目が覚めた。今回はうまくやれる気がする",), RiskLevel.IMMINENT),
        (("前の発表は失敗した。今回はうまくやれる気がする",), RiskLevel.NONE),
    ],
)
def test_doing_it_right_this_time_after_an_attempt(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (("また目が覚めてしまった",), RiskLevel.HIGH),
        (("また朝が来てしまった",), RiskLevel.HIGH),
        (("今日も5時に起きちゃった、早起き得した",), RiskLevel.NONE),
        (("またソファで寝ちゃった",), RiskLevel.NONE),
        (("またクリスマスが来てしまった笑",), RiskLevel.NONE),
    ],
)
def test_sorry_to_wake_again(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert reaches(screener, messages, expected), messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # the body just after an act the person said: an act just done
        (("さっき腕切った", "血が出てる"), RiskLevel.IMMINENT),
        (("カッターで手首やっちゃった、今も血出てる",), RiskLevel.IMMINENT),
        (("薬飲みすぎた", "吐き気がする"), RiskLevel.IMMINENT),
        (("さっきリスカした", "手がしびれてる"), RiskLevel.IMMINENT),
        # a body state alone, after a habit, a history, a method, or as a measure: not an act
        (("今日はずっと眠い",), RiskLevel.NONE),
        (("ふらふらする、熱あるかも",), RiskLevel.NONE),
        (("先週リスカした", "今日は眠い"), RiskLevel.HIGH),
        (("毎日リスカしてる", "最近眠い"), RiskLevel.HIGH),
        (("リスカしちゃう", "最近眠い"), RiskLevel.HIGH),
        (("首吊りの方法調べた", "眠い"), RiskLevel.HIGH),
        (("爪で腕をかきむしって血が出るまでやる",), RiskLevel.HIGH),
    ],
)
def test_body_state_after_an_act(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # リスカ after a time word is cut by the dictionary into リ + スカす
        (("さっきリスカした",), RiskLevel.HIGH),
        (("大学時代にリスカしてたけど、もう10年やってない",), RiskLevel.LOW),
        # a verb right after a verb belongs to it: 飲みすぎた is past
        (("薬を全部飲みきった",), RiskLevel.IMMINENT),
        (("風邪薬って飲みすぎると肝臓に悪いですか？",), RiskLevel.LOW),
    ],
)
def test_split_words_and_compound_verbs(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # no point in living itself: a passive wish; a noun "meaning of life" stays despair
        (("生きててもしょうがない",), RiskLevel.HIGH),
        (("もう生きとってもしゃあない",), RiskLevel.HIGH),
        (("生きている意味がない",), RiskLevel.MODERATE),
        # a time that was (…と思う時もあった / 時期がありました): over
        (("消えたいって思うときもあったけど、今は楽しい",), RiskLevel.LOW),
        (("生きてても意味ないって思うときもあったけど、今は楽しい",), RiskLevel.LOW),
        (("死にたいと思うときがある",), RiskLevel.HIGH),
        # a thank-you for everything with a next time planned is no goodbye
        (("サークル抜けます、今までありがとう！また飲み行こ",), RiskLevel.NONE),
        (("今までありがとう。また会いましょう",), RiskLevel.NONE),
        (("みんな今までありがとう、次は向こうで会おう",), RiskLevel.IMMINENT),  # two goodbyes
        (("今までありがとう。さよなら",), RiskLevel.HIGH),
        (("本当に今までありがとう。また一緒に遊ぼうって約束、守れなくてごめん",), RiskLevel.HIGH),
        # head against the wall (頭打ち + つける as the dictionary cuts it)
        (("壁に頭打ちつけてる、止まらない",), RiskLevel.HIGH),
        (("株価が頭打ちになった",), RiskLevel.NONE),
        # all of it swallowed with no object, then the body: an act just done
        (("ぜんぶのんじゃった", "頭ぐるぐるする"), RiskLevel.IMMINENT),
        (("今日はいっぱい飲んだ", "眠い"), RiskLevel.NONE),
        (("仕事もう限界", "今日はいっぱい飲んだ", "気持ち悪い"), RiskLevel.MODERATE),
    ],
)
def test_no_point_living_periods_next_time_and_bare_swallowing(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # doubting being alive by a time
        (("来年まで生きてるか怪しい",), RiskLevel.HIGH),
        (("それまでこの世にいるかは微妙だけど",), RiskLevel.HIGH),
        (("それまで待てるかわからない",), RiskLevel.NONE),
        (("祖母が来年まで生きてるかわからない",), RiskLevel.LOW),
        # someone else's words, heard in a hypothetical (…って言われたら)
        (("もし生徒に消えたいって言われたら、どう返す？",), RiskLevel.LOW),
        (("死にたいって言ったら引かれるかな",), RiskLevel.HIGH),
        # far away on a trip
        (("来週から遠くに行くね、ワーホリ！",), RiskLevel.NONE),
        (("来月から海外に移住するので遠くに行きます",), RiskLevel.NONE),
        # what is to be done after one is gone: a goodbye and a preparation
        (("もう疲れた", "私がいなくなったら、猫をお願い"), RiskLevel.IMMINENT),
        (("いつか私がいなくなったら、このノート読んでね",), RiskLevel.IMMINENT),
        (("もし私が死んだら、誰か泣いてくれるのかな",), RiskLevel.MODERATE),
        (("私が死んだら骨は海にまいてね、なんて冗談だよ笑",), RiskLevel.NONE),
        (("私がいなくなったら困るでしょ、ちゃんと手伝ってよ",), RiskLevel.NONE),
        (("来週出張で私がいなくなったら、猫の世話お願いね",), RiskLevel.NONE),
        (("私がいなくなったら、鍵閉めてね",), RiskLevel.NONE),
        (("100歳まで生きてるかわからないけど、貯金はしてる",), RiskLevel.NONE),
        (("死にたいと思う時があったら、どうしたらいい？",), RiskLevel.HIGH),
        (("ピアス、痛くない方法ありますか",), RiskLevel.NONE),
        # asking for a way that does not hurt
        (("苦しまずに済むやり方ってある？",), RiskLevel.HIGH),
        (("抜歯で苦しまない方法",), RiskLevel.NONE),
        (("脱毛で痛くない方法ある？",), RiskLevel.NONE),
    ],
)
def test_doubt_told_trips_after_i_am_gone_and_painless_ways(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "flags"),
    [
        # a weapon carried to someone's place, and being there
        (("包丁持って元カレの家の前にいる",), {"harm_to_others"}),
        (("金属バット持ってあいつの職場に着いた",), {"harm_to_others"}),
        (("バット持って友達の家にいる、素振りの練習",), set()),
        (("包丁持って自分の部屋にいる",), set()),
        # a child hurt by the writer, and hurt now
        (("赤ちゃんを激しく揺さぶってしまった、ぐったりしてる",), {"child_in_danger"}),
        (("夏バテでぐったり",), set()),
        (("娘を抱っこしてたら、疲れてぐったりしちゃった",), set()),
    ],
)
def test_weapon_at_someones_place_and_a_child_hurt_now(
    screener: Screener, messages: tuple[str, ...], flags: set[str]
) -> None:
    assert flags_of(screener, *messages) == flags, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # a means held in the hand now; with an amount it is at hand
        (("睡眠薬30錠、いま手の中にある",), RiskLevel.IMMINENT),
        (("さっきから錠剤を握りしめてる",), RiskLevel.HIGH),
        (("今、風邪薬を手に持ってレジに並んでる",), RiskLevel.NONE),
        (("いま包丁持って料理中",), RiskLevel.NONE),
        # a noose (輪っか) with the head or neck in it
        (("椅子に乗って輪っかに頭入れた",), RiskLevel.IMMINENT),
        (("髪ゴムで輪っか作ってポニーテール",), RiskLevel.NONE),
        # 広島 〜とうて (死にとうてたまらん), 九州 意味なか after 生きとる
        (("死にとうてたまらん",), RiskLevel.HIGH),
        (("会いとうてたまらん",), RiskLevel.NONE),
        (("生きとる意味なかっちゃ",), RiskLevel.MODERATE),
    ],
)
def test_held_means_nooses_and_dialect_desire(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # despair said as a question about what it was all for, or as no way out
        (("何のために頑張ってるんだろう",), RiskLevel.MODERATE),
        (("俺の人生なんだったんだろう",), RiskLevel.MODERATE),
        (("もうどこにも逃げ道がない",), RiskLevel.MODERATE),
        (("何のために勉強するの？",), RiskLevel.NONE),
        # embarrassment idioms with 消えたい, laughed about
        (("穴があったら入りたい、消えたいw",), RiskLevel.NONE),
        (("プレゼンで滑りすぎて地面に埋まりたい、消えたいw",), RiskLevel.NONE),
        (("もう消えたい",), RiskLevel.HIGH),
    ],
)
def test_what_it_was_for_and_embarrassment(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # asking how to write the note
        (("遺書ってどう書けばいいの",), RiskLevel.HIGH),
        (("遺言書ってどう書けばいいの",), RiskLevel.NONE),
        # a sleep with no waking, leaving life like an app
        (("二度と起きない眠りにつきたい",), RiskLevel.HIGH),
        (("人生からログアウトしたい",), RiskLevel.HIGH),
        (("アプリからログアウトしたい",), RiskLevel.NONE),
        # passing by a place is no being there
        (("線路沿いを歩いてたら、ふっと怖くなった",), RiskLevel.NONE),
        # a method done (OD済), a life with an end, a dependent after one is gone
        (("OD済",), RiskLevel.IMMINENT),
        (("キャンプの炭、購入済み",), RiskLevel.NONE),
        (("年末まで生きてみてダメならそこまで",), RiskLevel.HIGH),
        (("東京で30歳まで生きてみた感想",), RiskLevel.NONE),
        (("私がおらんくなったらこの犬どうなるんやろ",), RiskLevel.HIGH),
        (("私がいなくなったら会社どうなるんだろう",), RiskLevel.NONE),
        # harm, and then oneself
        (("あいつの家に火つけて、俺も終わる",), RiskLevel.IMMINENT),
        (("あいつ殴りたいけど、殴ったら俺も終わる",), RiskLevel.NONE),
    ],
)
def test_notes_sleep_passing_by_and_after(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # the feeling of a past attempt, the same now
        (("前に橋から飛ぼうとした時と、今の気分がそっくり",), RiskLevel.HIGH),
        (("前に死にたかった時と同じことを思うとまた頑張れる",), RiskLevel.LOW),
    ],
)
def test_the_same_feeling_as_before(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # at the very edge of a place: a danger place, as 堤防の先 always was
        (("堤防の先端に立ってる",), RiskLevel.IMMINENT),
        (("堤防の先端で釣りしてる",), RiskLevel.NONE),
        (("今、堤防にいる",), RiskLevel.NONE),
    ],
)
def test_at_the_edge_of_a_place(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # the keys left behind, with another preparation
        (("部屋を全部片付けて鍵をポストに入れた",), RiskLevel.IMMINENT),
        (("引っ越しの退去で鍵をポストに入れた",), RiskLevel.LOW),
    ],
)
def test_keys_left_behind(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # taking someone along in death
        (("子どもを道連れにしたくなる",), RiskLevel.HIGH),
        (("旅は道連れ世は情け",), RiskLevel.NONE),
    ],
)
def test_taken_along_and_far_places(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # going where someone who died has gone
        (("推しが亡くなった。私もそっちに行きたい",), RiskLevel.HIGH),
        (("配信者が亡くなったニュース見てから、自分もそっちに行けそうな気がする",), RiskLevel.HIGH),
        (("友達が引っ越した。私もそっちに行きたい",), RiskLevel.NONE),
    ],
)
def test_following_the_dead(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # better not to exist, oneself; not a thing
        (("私なんて存在しない方がいい",), RiskLevel.HIGH),
        (("この店は存在しない方がいい",), RiskLevel.NONE),
        (("こんな制度は存在しなければいい",), RiskLevel.NONE),
        # not caring what happens to oneself
        (("もうどうなってもいい",), RiskLevel.MODERATE),
    ],
)
def test_better_not_to_exist(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # a visit in the calendar after a death is not following the dead
        (("祖父が亡くなって、来週そっちに行く予定",), RiskLevel.LOW),
        (("母が亡くなりました。四十九日の法要でそちらに行きます",), RiskLevel.LOW),
        # following them, with a day, is
        (("父が亡くなった", "私も来週そっちに行くつもり"), RiskLevel.IMMINENT),
        # a time said of a life problem in its own clause is not the time of a plan
        (("来月追い出される、死ぬしかない",), RiskLevel.HIGH),
        (("明日クビになる、もう死にたい",), RiskLevel.HIGH),
        (("追い出されるのは来月、でも今夜死ぬ",), RiskLevel.IMMINENT),
        (("明日、死ぬ",), RiskLevel.IMMINENT),
    ],
)
def test_times_and_visits_of_other_things(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # the edge of a place is a danger place, whichever edge word is used
        (("堤防の先端にいる",), RiskLevel.IMMINENT),
        (("いま桟橋の先っぽに立ってる",), RiskLevel.IMMINENT),
        (("埠頭のいちばん先に座ってる",), RiskLevel.IMMINENT),
        (("桟橋の先で釣りしてる",), RiskLevel.NONE),
        (("ホームの端で電車待ってる、通勤つら",), RiskLevel.NONE),
        # going to someone who died, when the death was said (not only a family member's)
        (("推しが亡くなった", "推しのところに行きたい"), RiskLevel.HIGH),
        (("友達のところに行きたい",), RiskLevel.NONE),
    ],
)
def test_edges_and_the_dead(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # dying as the only way to atone: the modality at the end of a …て chain
        (("死んで詫びるほかない",), RiskLevel.HIGH),
        (("こうなったら死んで責任とるしかないのかな",), RiskLevel.HIGH),
        (("命で償うしかない",), RiskLevel.HIGH),
        (("犯人は命で償うべきだ",), RiskLevel.LOW),
        # cannot allow oneself to die: a denial, not an intent
        (("死ぬわけにはいかないよ、まだ家のローンもあるし。正直つらい",), RiskLevel.MODERATE),
        # not exactly (とかじゃないけど, Kansai とかちゃうけど): a hedge, with distress
        (("死にたいとかじゃないけど、ちょっと休みたい",), RiskLevel.MODERATE),
        (("死にたいとかちゃうけど、ちょっと休みたいねん",), RiskLevel.MODERATE),
        (("死にたいとかじゃ全然ないです",), RiskLevel.NONE),
    ],
)
def test_chains_and_denials(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # said to the people named before it
        (("みんな元気でね",), RiskLevel.HIGH),
        (("母が元気でねって言ってた",), RiskLevel.NONE),
        # thanks for everything so far, with another goodbye
        (("今まで仲良くしてくれてありがとう、ほんとに楽しかった。ばいばい",), RiskLevel.IMMINENT),
        (("今までのこと全部感謝してる", "さよなら"), RiskLevel.IMMINENT),
        (("ごめんね、さよなら",), RiskLevel.NONE),
        (("今まで遊んでくれてありがとう！ばいばい、また明日",), RiskLevel.NONE),
        (("今まで勉強教えてくれてありがとう！これからもよろしく",), RiskLevel.NONE),
        (("これまで育ててくれてありがとう。明日結婚式です",), RiskLevel.NONE),
        (("このチャンネルは今日で最後の配信です。新チャンネルで会おうね",), RiskLevel.NONE),
    ],
)
def test_farewells_without_a_farewell_word(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # a cord tied to something one can hang from, with no word of hanging
        (("梁に紐くくりつけてある",), RiskLevel.IMMINENT),
        (("延長コード、カーテンレールに縛ってある",), RiskLevel.IMMINENT),
        (("部屋のドアノブに紐むすんだ", "あとは体重かけるだけ"), RiskLevel.IMMINENT),
        (("物干しにロープかけて洗濯物干した",), RiskLevel.NONE),
        (("カーテンレールにコード結んで、観葉植物吊るした",), RiskLevel.NONE),
        (("天井のフックにロープかけてハンモック作った",), RiskLevel.NONE),
        # no longer here at a time to come, or in this world
        (("明日の朝にはもう私はいないから、猫のことだけお願い",), RiskLevel.IMMINENT),
        (("これを読んでいるとき、僕はもうこの世界にいません",), RiskLevel.IMMINENT),
        (("来月にはもう私ここにいないかもしれないけど",), RiskLevel.IMMINENT),
        (("来週にはもう実家にいないよ、引っ越すから",), RiskLevel.NONE),
        (("その頃にはもう会社にいない",), RiskLevel.NONE),
        (("明日の朝には私いないから、鍵お願い",), RiskLevel.NONE),
    ],
)
def test_set_up_and_no_longer_here(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # a count per day or per dose is a prescription
        (("父の血圧の薬、毎朝20錠くらい飲んでて管理が大変",), RiskLevel.LOW),
        (("祖父が飲む薬が1日25錠もあって、飲み忘れチェックが大変",), RiskLevel.LOW),
        (("睡眠薬20錠飲んだ",), RiskLevel.IMMINENT),
        # a danger place visited on a trip, in the same sentence
        (("修学旅行で東尋坊行くんだけど、寒いかな？",), RiskLevel.NONE),
        (("来月ゼミ合宿で東尋坊に行く予定です",), RiskLevel.NONE),
        (("今夜東尋坊に行く",), RiskLevel.IMMINENT),
        # a plain 死ぬ of an ordeal named before a comma
        (("来週の期末、確実に死ぬ笑",), RiskLevel.NONE),
        (("今日の持久走、確実に死ぬ",), RiskLevel.NONE),
        (("確実に死ねる方法ってある？",), RiskLevel.HIGH),
        # not waking from an operation is a fear, unless it is called good
        (("来週の手術、麻酔でそのまま起きなかったらって考えちゃう",), RiskLevel.LOW),
        (("手術の麻酔でそのまま目が覚めなければいいのに",), RiskLevel.HIGH),
        # wanting to go and meet someone in heaven is a wish, not a decision
        (("天国のばあちゃんに会いに行きたい",), RiskLevel.HIGH),
        # …たりはしない denies the verb
        (("自分を傷つけたりはしないよ、約束する", "でも毎日しんどい"), RiskLevel.MODERATE),
        (("腕切ったりしてる",), RiskLevel.HIGH),
    ],
)
def test_doses_trips_ordeals_and_fears(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "level_", "flags"),
    [
        # dying with one's child, said as going far away or being at ease together
        (
            ("もう限界。今夜この子と二人で楽になります",),
            RiskLevel.IMMINENT,
            {"child_in_danger", "harm_to_others"},
        ),
        (
            ("息子を連れて今夜一緒に遠くへ行きます", "あの子だけ残せない"),
            RiskLevel.IMMINENT,
            {"child_in_danger", "harm_to_others"},
        ),
        (("娘と二人で楽しく旅行に行きます",), RiskLevel.NONE, set()),
        (("明日息子と一緒に遠くの公園に行く",), RiskLevel.NONE, set()),
        # a child hit at home just now, hiding
        (
            ("パパがお酒飲んでまた怒鳴ってる", "さっき顔たたかれた", "押し入れに隠れてる"),
            RiskLevel.MODERATE,
            {"child_in_danger"},
        ),
        (("上司にさっき怒鳴られた、トイレに隠れてる",), RiskLevel.LOW, set()),
        # others taken along
        (("駅で無差別にやって死刑になりたい",), RiskLevel.HIGH, {"harm_to_others"}),
        (("無差別殺人のニュース怖い",), RiskLevel.NONE, set()),
        (("事故に巻き込まれて死ねたらいいのに",), RiskLevel.HIGH, set()),
        # a secret asked of the writer is not abuse by the writer
        (
            ("妹がカッターで腕切ってるの見ちゃった", "誰にも言わないでって言われた"),
            RiskLevel.LOW,
            set(),
        ),
    ],
)
def test_children_taken_along_hit_or_others_dragged_in(
    screener: Screener, messages: tuple[str, ...], level_: RiskLevel, flags: set[str]
) -> None:
    assert level(screener, *messages) == level_, messages
    assert set(flags_of(screener, *messages)) == flags, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # getting along (元気にやってます) is no "do it"
        (
            (
                "息子が春に大学を卒業します",
                "私は血圧の薬を毎朝飲んでますが",
                "夫婦で元気にやってます",
            ),
            RiskLevel.NONE,
        ),
        (
            ("今年で教室の生徒さんが卒業です", "風邪薬を飲んで寝ます", "明日も頑張ってやります"),
            RiskLevel.NONE,
        ),
        (("薬は揃えた", "土曜にやる"), RiskLevel.IMMINENT),
        # a funeral's last greeting, a pet that died
        (
            ("父の告別式で、親族代表として最後のご挨拶をします", "文例を教えてください"),
            RiskLevel.NONE,
        ),
        (("うちの犬が息を引き取りました", "最後にありがとうと言えました"), RiskLevel.LOW),
        # right after an event (してすぐは / した直後は) is a time that is over
        (("離婚してすぐは、もう死にたいと思ってました", "今は再婚して幸せです"), RiskLevel.LOW),
        (
            ("会社が倒産した直後は、首をくくろうかと本気で思いました", "今は再起して店も順調です"),
            RiskLevel.LOW,
        ),
        # going to look at a view
        (("華厳の滝を見に日光へ行ってきました", "紅葉がきれいでした"), RiskLevel.NONE),
        (("東尋坊に紅葉を見に行きたいです", "おすすめの時期は"), RiskLevel.NONE),
        # a person named with さん is someone else
        (("町内会長さんが首をつって亡くなったと聞いて", "信じられません"), RiskLevel.LOW),
    ],
)
def test_everyday_words_near_crisis_words(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # a means got ready for a time said alone after it, or for tonight
        (("睡眠薬を用意した。今夜",), RiskLevel.IMMINENT),
        (("ケーキ買った。明日",), RiskLevel.NONE),
        (("薬もらった。明日から飲む",), RiskLevel.NONE),
        # a wish called the best, or left unsaid (…たらな)
        (("このまま目開かなかったら最高だな",), RiskLevel.HIGH),
        (("明日雨降らなかったら最高だな",), RiskLevel.NONE),
        (("いなくなれたらな",), RiskLevel.HIGH),
        (("明日休めたらなー",), RiskLevel.NONE),
        # nearly died after a method, and the same feeling as then
        (("薬を飲んで死にかけたことがあります", "最近、あのときと同じ気持ちで"), RiskLevel.HIGH),
        (("あの時と同じ気持ちでライブ見た",), RiskLevel.NONE),
        # casual たくねー
        (("もう生きたくねーわ",), RiskLevel.HIGH),
        (("行きたくね？",), RiskLevel.NONE),
        # banging one's head, again and again or each time; not a bump
        (("柱に頭を何度も打ち付けて、たんこぶだらけ",), RiskLevel.HIGH),
        (("頭を壁に打ち付けると少しだけ落ち着く",), RiskLevel.HIGH),
        (("ドアに頭ぶつけた、痛い",), RiskLevel.NONE),
    ],
)
def test_readied_wishes_again_and_head_banging(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "factors"),
    [
        # a factor's noun said not to exist, どがん (how), a death supposed
        (("もうどがんもならんばい",), set()),
        (("病気はないけど毎日だるい",), set()),
        (("親が死んだら一人になる",), {"isolation"}),
        (("父が死んだらしい",), {"bereavement"}),
        (("仕事がない",), {"unemployment"}),
        # savings run out
        (("貯金もう底ついた",), {"poverty"}),
        (("家賃払ったら手元に千円しか残らん",), {"poverty"}),
    ],
)
def test_factor_words_denied_supposed_and_everyday(
    screener: Screener, messages: tuple[str, ...], factors: set[str]
) -> None:
    result = screener.screen_conversation(list(messages))
    assert set(result.factors) == factors, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # Tohoku: さ after あの世, てえ / でえ for たい, 早ぐ, のもやんだ
        (("早ぐあの世さ行ぎでえ", "毎晩そう思って寝でる"), RiskLevel.HIGH),
        (("もう生ぎでんのもやんだ", "なんもかんもおしめえだ"), RiskLevel.HIGH),
        (("待ってえ",), RiskLevel.NONE),
        # a time that comes back is not a plan's time
        (("夜中の2時に目が覚めて、死にたいなって思う",), RiskLevel.HIGH),
        (("リスカしてる、夜になると",), RiskLevel.HIGH),
        (("夜になったら死ぬ",), RiskLevel.IMMINENT),
        # weighing it (…うかと考える, …ようかなと思ってる) is not a decision
        (("夜になると、どうやって死のうかと考えてしまう",), RiskLevel.HIGH),
        (("もう疲れたし、そろそろ自分で終わりにしようかなと思ってる",), RiskLevel.HIGH),
        (("死のうと思う",), RiskLevel.IMMINENT),
        (("もうお母ちゃん連れて一緒に死のうかと思っとる",), RiskLevel.IMMINENT),
    ],
)
def test_tohoku_habits_and_weighing(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # a bare "do it" with a day and resolve
        (("あさって実行。もう迷ってない",), RiskLevel.IMMINENT),
        (("明日の会議で企画を実行。もう迷ってない",), RiskLevel.NONE),
    ],
)
def test_do_it_on_a_day_with_resolve(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # a name called out before a comma is who is spoken to, not who will die
        (("佐藤さん、私今夜死にます",), RiskLevel.IMMINENT),
        (("相談員さん、もう死にたい",), RiskLevel.HIGH),
        (("ゆいちゃんはもう死にたい",), RiskLevel.HIGH),
        # right after an event only in a past sentence; a funeral or a stay in hospital is no trip
        (("仕事から帰ってすぐは何もできない、今夜死ぬ",), RiskLevel.IMMINENT),
        (("母の葬式が終わったら、線路に行く",), RiskLevel.IMMINENT),
        (("入院中だけど今夜屋上に行く",), RiskLevel.IMMINENT),
        (("今夜、線路を見に行く",), RiskLevel.IMMINENT),
        (("睡眠薬、夜20錠飲んだ",), RiskLevel.IMMINENT),
        # others dragged in: not a past regret, not the news
        (("借金に家族まで巻き込んでしまった。もう死にたい",), RiskLevel.HIGH),
        # a towel hung up, a belt, leaving by the first train, an ordinary sorry, a shop beyond
        (("タオル、ドアノブにかけた",), RiskLevel.NONE),
        (("柱にベルト巻きつけた",), RiskLevel.NONE),
        (("明日の朝にはもうここにいないよ、始発で帰るから",), RiskLevel.NONE),
        (("今まで育ててくれてありがとう", "照れくさいけどごめんね"), RiskLevel.NONE),
        (("駅の先のコンビニにいるよ",), RiskLevel.NONE),
        (("橋の端を歩いて帰った",), RiskLevel.NONE),
    ],
)
def test_review_of_2_december(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


def test_review_flags_of_2_december(screener: Screener) -> None:
    assert flags_of(screener, "夫の葬式が終わったら、息子と一緒に死にます") >= {"child_in_danger"}
    assert not flags_of(screener, "借金に家族まで巻き込んでしまった。もう死にたい")
    assert not flags_of(screener, "無差別級の試合で負けた、死にたい")
    assert not flags_of(screener, "もう限界。今週末は息子と二人で温泉に行って楽になります")


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # a wish said laughing about what was just told, after everyday talk: hyperbole
        (("美容院で前髪切られすぎた", "死にたい笑"), RiskLevel.NONE),
        (("終電逃してスマホの充電1%", "これもう死ぬしかないじゃん笑"), RiskLevel.NONE),
        (("好きな人の前でこけた", "はずかしすぎて消えたい笑"), RiskLevel.NONE),
        # ... but alone, after distress, or said in earnest it is still read as said
        (("一発芸やらされる", "考えただけで消えたい😂"), RiskLevel.NONE),
        (("死にたい笑",), RiskLevel.HIGH),
        (("毎日つらい", "死にたい🤣"), RiskLevel.HIGH),
        (("毎日つらい", "死にたい笑"), RiskLevel.HIGH),
        (("バイト終わった", "マジで死にたい笑"), RiskLevel.HIGH),
        # a must built on a negation is affirmed, like しかない; a condition or a denial is not
        (("死ななきゃいけない気がする",), RiskLevel.HIGH),
        (("消えなくちゃ",), RiskLevel.HIGH),
        (("死なないといけない",), RiskLevel.HIGH),
        (("死ななあかん",), RiskLevel.HIGH),
        (("死ななきゃ治らない",), RiskLevel.NONE),
        (("死なないと思う",), RiskLevel.NONE),
        (("死なないよ",), RiskLevel.NONE),
        (("明日テストだから死ぬ気で勉強しなきゃ",), RiskLevel.NONE),
        # a means of never waking up; a side effect or a sleepless past is not
        (("二度と目が覚めない薬ってないのかな",), RiskLevel.HIGH),
        (("ずっと起きない方法ある？",), RiskLevel.HIGH),
        (("朝起きられない薬を飲んでる",), RiskLevel.LOW),
        (("前は眠れなくて薬に頼ってたけど、今は自然に眠れてる",), RiskLevel.LOW),
        # thinking of whoever will find them, with a preparation: a goodbye
        (("見つけた人が困らないように部屋を片付けた",), RiskLevel.IMMINENT),
        (("財布を見つけた人が届けてくれた",), RiskLevel.NONE),
        # an ordeal or a consequence with a plain 死ぬ: hyperbole, even with a time word
        (("明日の面接マジで死ぬ",), RiskLevel.NONE),
        (("今夜の試合負けたら死ぬ",), RiskLevel.NONE),
        (("月曜の朝礼ガチで死ぬ",), RiskLevel.NONE),
        (("明日マジで死ぬ",), RiskLevel.IMMINENT),
        (("卒業式が終わったら死ぬ",), RiskLevel.IMMINENT),
        (("借金返せなかったら死ぬ",), RiskLevel.HIGH),
        # a kitchen cut is an accident; a cut now, or after self-harm was said, is not
        (("玉ねぎみじん切りにしてたら手切っちゃった、血出た",), RiskLevel.NONE),
        (("包丁で指切った〜痛い",), RiskLevel.NONE),
        (("今切ってる。浅いから大丈夫", "血見ると落ち着く"), RiskLevel.IMMINENT),
        (("リスカしてる", "また指切った"), RiskLevel.HIGH),
        (("カッターで手切った、わざと",), RiskLevel.HIGH),
        # a pet's new home: the person's own plan, whoever takes the pet in
        (
            ("うちの猫の新しい飼い主を探しています、私がもう面倒をみられなくなるので",),
            RiskLevel.IMMINENT,
        ),
        (("猫の里親を探しています", "もう世話できないので"), RiskLevel.IMMINENT),
        (("犬を引き取ってくれる人を探してる", "引っ越し先がペット不可で"), RiskLevel.NONE),
    ],
)
def test_review_of_3_december(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # a threat with a weapon only: flagged, and the person's own level is moderate
        (
            ("あの上司、絶対に許さない", "明日、会社に包丁持っていく。刺してやる"),
            RiskLevel.MODERATE,
        ),
        (("今からあの女の家いく。灯油もってる", "全部燃やす"), RiskLevel.MODERATE),
        # the person's own death said with it, or a death for two: imminent as before
        (("嫁が浮気してた", "相手の男を殺して俺も死ぬ。本気だ"), RiskLevel.IMMINENT),
        (("あの上司を刺して俺も死ぬ。包丁はカバンに入れた", "明日の朝礼で"), RiskLevel.IMMINENT),
        (
            (
                "介護がもうつらい。夫と一緒に死のうと思ってます",
                "夫の薬と私の薬、もう集めてあります",
            ),
            RiskLevel.IMMINENT,
        ),
    ],
)
def test_a_threat_is_flagged_and_the_persons_own_level_kept(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    result = screener.screen_conversation(list(messages))
    assert "harm_to_others" in result.flags, messages
    assert result.risk == expected, messages
    if expected == RiskLevel.MODERATE:
        assert any("本人の危険度" in line for line in result.reasons)


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # the person's death or absence pictured through others (grammar.yaml better_off)
        (("私が死んだらみんな後悔するかな",), RiskLevel.HIGH),
        (("自分が死ねば、あの人たちも反省するでしょ",), RiskLevel.HIGH),
        (("うち死んだら誰か気づいてくれるんかな",), RiskLevel.HIGH),
        (("俺が消えたらあいつら喜ぶんだろうな",), RiskLevel.HIGH),
        # someone else, a game, or one's own regret: not the person's wish
        (("ラスボス死んだらみんな喜んでた",), RiskLevel.NONE),
        (("死んだら後悔するから今を楽しむ",), RiskLevel.NONE),
        (("部長がいなくなったらみんな喜ぶ",), RiskLevel.LOW),
        # a burden (いない方がみんな幸せ) stays moderate: the た of the comparison is no past
        (("私がいなくなったほうがみんな幸せ",), RiskLevel.MODERATE),
        # a cut with the bleeding stopped is self-harm (high); bleeding on is an act
        (("昨夜また腕を切った。血はもう止まって絆創膏貼った",), RiskLevel.HIGH),
        (("さっき腕切った。血が止まんない",), RiskLevel.IMMINENT),
        # a medicine prescribed in treatment is no means at hand; gathered or counted, it is
        (
            ("消えたいって思う日がある", "心療内科で睡眠薬もらってきた、ちゃんと飲んでる"),
            RiskLevel.HIGH,
        ),
        (("死にたい", "心療内科で睡眠薬もらって、ためてる"), RiskLevel.IMMINENT),
        # a strong means whose place the person knows is within reach
        (("じいちゃんの猟銃の場所知ってる。みんなが寝たら",), RiskLevel.IMMINENT),
        (("猟銃の場所知ってる？",), RiskLevel.NONE),
        # fiction being written: the next question about a method is the fiction's
        (("ミステリー書いてる", "青酸カリって即死なのかな"), RiskLevel.NONE),
        (("青酸カリって即死なのかな",), RiskLevel.HIGH),
        (("小説書いてる", "死にたい", "薬って何錠で死ねるのかな"), RiskLevel.HIGH),
        # 詰み (the noun of 詰む) is despair; in a board game it is the game's
        (("兄が仕送りやめたら、そこで詰みだ",), RiskLevel.MODERATE),
        (("詰将棋で詰みが見えない",), RiskLevel.NONE),
        # a media word as the topic before a comma (not one of a list) covers what follows
        (("新作のホラゲ、首吊り死体が出てきてビビった",), RiskLevel.NONE),
        (("課題、メイク、カミソリで脚切った",), RiskLevel.HIGH),
        # a weak word of a method said with delight is a day out; without it, a plan
        (("今から海に飛び込む！夏最高",), RiskLevel.NONE),
        (("今から海に飛び込む",), RiskLevel.IMMINENT),
        # arranging one's own funeral is a preparation (concepts.yaml own_funeral)
        (("遺影に使ってほしい写真、フォルダにまとめた", "明日、決行"), RiskLevel.IMMINENT),
        (("自分のお葬式で流してほしい曲リスト作った笑", "友達とノリで"), RiskLevel.NONE),
        # a state of the body is the body's limit (grammar.yaml body_states)
        (("夜勤明けで眠すぎて限界",), RiskLevel.NONE),
        (("もう限界",), RiskLevel.MODERATE),
        # everything of a topic named before a comma is that topic's end
        (("夏休みの宿題、全部終わりにしたい",), RiskLevel.NONE),
        (("もう人生、全部終わりにしたい",), RiskLevel.HIGH),
        # crossing a fence at a height
        (("屋上のフェンス越えた",), RiskLevel.IMMINENT),
        (("友達と心霊スポット行ってきた、樹海こわかった",), RiskLevel.NONE),
        # asking how one's own dying would feel (grammar.yaml dying_feel)
        (("死ぬのって痛いかな",), RiskLevel.HIGH),
        (("死ぬのって怖いよね、昨日のドラマ見て思った",), RiskLevel.MODERATE),
        # wanting it ended "next time" (grammar.yaml next_time) is a wish after a failure
        (("二度しくじった。次こそちゃんと終わりにしたい",), RiskLevel.HIGH),
        (("次は部活を終わりにしたい",), RiskLevel.NONE),
        # medicines gathered (集まった, たまった, a little at a time from many shops) or asked
        # after by the amount one may buy are means; a purpose said keeps them everyday
        (("風邪薬、家に10箱くらいたまった",), RiskLevel.IMMINENT),
        (("今日はいい天気だったね。薬はもう十分集まった。お昼はパスタ食べた",), RiskLevel.IMMINENT),
        (("市販の睡眠改善薬、いろんな店で少しずつ買ってる",), RiskLevel.IMMINENT),
        (("咳止めって一人何個まで買えるのかな",), RiskLevel.HIGH),
        (("花粉症の薬、少しずつ買い足してる",), RiskLevel.NONE),
        # a next season the person does not expect to see
        (("来年の桜はもう見ないと思う",), RiskLevel.HIGH),
        (("もう来年の桜は見られないと思う",), RiskLevel.HIGH),
        (("来年はもう見ないドラマ",), RiskLevel.NONE),
        (("次はもう来ないでね",), RiskLevel.NONE),
        # nothing left holding the person here after a preparation; a beam's strength tested
        (("犬は姉に引き取ってもらった。もうこの世に引き止めるものは何もない",), RiskLevel.IMMINENT),
        (("彼を引き止めるものは何もない",), RiskLevel.NONE),
        (("梁の強さは確かめた。土曜の夜",), RiskLevel.IMMINENT),
    ],
)
def test_review_of_3_december_afternoon(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # a means used as a tool on something else (means + で + an object + its verb)
        (("ロープで荷物縛って引っ越し準備",), RiskLevel.NONE),
        (("練炭で肉焼いた",), RiskLevel.NONE),
        (("ロープ買った。今夜",), RiskLevel.IMMINENT),
        (("ロープで首を吊る",), RiskLevel.HIGH),
        (("薬で人生終わらせたい",), RiskLevel.HIGH),
        # a barrier looked through is no edge stood at (grammar.yaml through_words)
        (("フェンス越しに景色見てる",), RiskLevel.NONE),
        (("屋上の柵ごしに下を見てる",), RiskLevel.IMMINENT),
        (("屋上のフェンスの外側にいる",), RiskLevel.IMMINENT),
        # knots learnt in scouting are a hobby (concepts.yaml benign)
        (("ボーイスカウトでロープの結び方習った、もやい結びってどうやるの",), RiskLevel.NONE),
        # a part of the body as the subject of a death word is worn out (grammar.yaml dying_parts)
        (("今夜のカラオケで喉が死亡する予定",), RiskLevel.NONE),
        (("明日の筋トレで足死ぬ",), RiskLevel.NONE),
        (("自分が死ぬ予定",), RiskLevel.IMMINENT),
        # a why-question about one's own living is despair put to oneself (grammar.yaml self_why)
        (("なんで生きてるんやろ",), RiskLevel.MODERATE),
        (("どうして私まだ生きてるの？",), RiskLevel.MODERATE),
        (("なんでゴキブリって生きてるの",), RiskLevel.NONE),
        (("生きてる意味ある？",), RiskLevel.MODERATE),
        (("生きる意味ってなんだろうね、哲学の授業で考えた",), RiskLevel.NONE),
        # なう after a place is being there (spellings.yaml nau); kana places (kana_places)
        (("団地の屋上なう", "夕焼けきれい", "さよなら"), RiskLevel.IMMINENT),
        (("バイトなう",), RiskLevel.NONE),
        (("踏切の真ん中にいる",), RiskLevel.IMMINENT),
        # a foot on a railing at a height; the same in a stretch is exercise
        (("マンションの13階の廊下", "柵に足かけた"), RiskLevel.IMMINENT),
        (("公園の柵に足かけてストレッチ",), RiskLevel.NONE),
        # pictured, not done: a method (grammar.yaml thought_verbs)
        (("ベランダの手すりに足かけるところまで想像する",), RiskLevel.HIGH),
        # a bath drawn and a blade laid out beside it (tub_words, fill_verbs)
        (("浴槽に水を張って、剃刀を手元に置いた",), RiskLevel.IMMINENT),
        (("風呂掃除してカミソリ置いた",), RiskLevel.NONE),
        # going to get a strong means (grammar.yaml errand_words)
        (("これからロープ買いに行く",), RiskLevel.IMMINENT),
        (("引っ越しのロープ買いに行く",), RiskLevel.NONE),
        # the end accepted whenever it comes (any_time, fine_words); not the work's end
        (("こんな毎日ならいつ終わってもいい",), RiskLevel.HIGH),
        (("仕事いつ終わってもいいよ",), RiskLevel.NONE),
        (("会議いつ終わってもいいように準備した",), RiskLevel.NONE),
        # a goal before which one cannot die is a reason to live; a deadline is not
        (("ライブまでは死ねない！",), RiskLevel.NONE),
        (("推しの結婚見るまで死ねない",), RiskLevel.NONE),
        (("もう死ねない",), RiskLevel.MODERATE),
        # someone's thing named as a topic before a comma does not make the limit theirs
        (("義母の介護、もう限界",), RiskLevel.MODERATE),
        (("同僚の机に、遺書みたいなメモが置いてあった",), RiskLevel.LOW),
        # もう before a word of distress says it is now
        (("もうしんどい",), RiskLevel.MODERATE),
        (("今日しんどかった",), RiskLevel.NONE),
        # a next season guessed unseen (grammar.yaml guess_words), unless a reason is given
        (
            ("来年の桜はたぶん見られないと思うんだ", "ところで今日のお昼なに食べた？"),
            RiskLevel.HIGH,
        ),
        (("来年の桜はたぶん見られない、留学するから",), RiskLevel.NONE),
        (("次の試合はたぶん見られない、仕事だから",), RiskLevel.NONE),
        # picturing one's own funeral (concepts.yaml own_wake)
        (("自分の葬式に誰が来てくれるか想像する",), RiskLevel.HIGH),
        (("自分の祖母の葬式に誰も来なかった",), RiskLevel.LOW),
    ],
)
def test_review_of_3_december_evening(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages


def test_visits_to_a_doctor_for_an_illness_are_not_depression(screener: Screener) -> None:
    result = screener.screen_conversation(["持病で通院中です", "障害年金の窓口はどこですか"])
    assert "depression" not in result.factors and "physical_illness" in result.factors
    assert "depression" in screener.screen_conversation(["心療内科に通院中"]).factors


def test_a_hardship_told_as_over_keeps_its_factors(screener: Screener) -> None:
    result = screener.screen_conversation(
        ["若いころ夫に殴られて、離婚しました", "今は一人で気ままに暮らしています"]
    )
    assert result.risk == RiskLevel.NONE
    assert {"domestic_violence", "divorce"} <= set(result.factors)
    crisis = screener.screen_conversation(["死にたい", "今は一人で気ままに暮らしています"])
    assert crisis.risk >= RiskLevel.HIGH


def test_a_grown_son_is_no_child_in_danger(screener: Screener) -> None:
    assert "child_in_danger" not in screener.screen_conversation(["夫が成人した息子を殴った"]).flags
    assert "child_in_danger" in screener.screen_conversation(["5歳の息子を叩いてしまう"]).flags


def test_dachikan_is_no_crime(screener: Screener) -> None:
    assert "crime_victim" not in screener.screen_conversation(["もうだちかん"]).factors
    assert "crime_victim" in screener.screen_conversation(["電車で痴漢にあった"]).factors


def test_abuse_in_childhood_is_no_child_in_danger_now(screener: Screener) -> None:
    past = screener.screen_conversation(["子どもの頃、父に殴られてたけど今は仲良しです"])
    assert "child_in_danger" not in past.flags and "abuse" in past.factors


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        # an embedded why-question before わからない is despair (the negation is the knowing's)
        (("なんで生きてるのかわからない",), RiskLevel.MODERATE),
        (("なんで怒ってるのかわからない",), RiskLevel.NONE),
        # a railing climbed over, written in kana (concepts.yaml over_rail)
        (("ベランダの柵こえた",), RiskLevel.IMMINENT),
        (("目標こえた",), RiskLevel.NONE),
        # a danger place walked or climbed to (まで / に + …てきた), not a walk along it
        (("線路まで歩いてきた",), RiskLevel.IMMINENT),
        (("線路沿いを歩いてきた",), RiskLevel.NONE),
        (("海まで歩いてきた、気持ちいい",), RiskLevel.NONE),
        # pills counted as they are taken (concepts.yaml overdose: 20錠目)
        (("ブロン20錠目",), RiskLevel.IMMINENT),
        (("今日2錠目の頭痛薬",), RiskLevel.NONE),
        # a goodbye to the world or to everyone (concepts.yaml farewell)
        (("ばいばい世界",), RiskLevel.HIGH),
        (("この世界にさよなら",), RiskLevel.HIGH),
        (("もう疲れた。さよならみんな",), RiskLevel.IMMINENT),
        (("バイバイみんな、また明日！",), RiskLevel.NONE),
        (("さよならみんなで歌った",), RiskLevel.NONE),
        # a weak method word done with delight or in play (grammar.yaml play_words)
        (("海に飛び込んだ！夏最高",), RiskLevel.NONE),
        (("川に飛び込んで遊んだ",), RiskLevel.NONE),
        (("もう無理。海に飛び込んだ",), RiskLevel.IMMINENT),
        # a thought said in the past and a calm present (calm_present), unless pretended
        (("消えたいって思ったけど今は大丈夫",), RiskLevel.LOW),
        (("死にたいと思った。今は大丈夫って言い聞かせてる",), RiskLevel.HIGH),
        (("死にたいって思った。今は新しい方法を考えてる",), RiskLevel.HIGH),
        # an attempt of the last days is recent, whatever follows; 前から is up to now
        (("昨日死のうとした。今は平気",), RiskLevel.HIGH),
        (("10年前に死のうとした。今は幸せ",), RiskLevel.LOW),
        (("前から死にたいと思ってた",), RiskLevel.HIGH),
        # しぬ in kana after a time or から (spellings.yaml shinu_kana); ODる made a verb (od_ru)
        (("今からしぬ",), RiskLevel.IMMINENT),
        (("きょうしぬ",), RiskLevel.IMMINENT),
        (("今からOD",), RiskLevel.IMMINENT),
        (("図面に書いてあるODって外径のことですよね？",), RiskLevel.NONE),
        (("明日のテストでしぬ",), RiskLevel.NONE),
        # a day made one's last (concepts.yaml last_day); the last day of something else is not
        (("今日が人生最後の日",), RiskLevel.IMMINENT),
        (("金曜を最後の日にする",), RiskLevel.IMMINENT),
        (("今日が夏休み最後の日",), RiskLevel.NONE),
        (("明日が最後の日",), RiskLevel.NONE),
        # ざっくり after a part of the body is a deep cut (concepts.yaml self_harm)
        (("手首ざっくりいった",), RiskLevel.HIGH),
        (("腕ざっくり説明すると",), RiskLevel.NONE),
        # a month or a season as a plan's time (concepts.yaml time_month), not one of the past
        (("3月末に自殺する",), RiskLevel.IMMINENT),
        (("来年の春に死のうと思う",), RiskLevel.IMMINENT),
        (("海行きたいな〜夏になったら湘南行こう🏖",), RiskLevel.NONE),
        # a wish to go to an everyday place (the sea, a lookout) is an outing; a danger place
        # or a crisis makes it a method
        (("死にたい。海に行きたい",), RiskLevel.HIGH),
        (("踏切に行っちゃおうかな",), RiskLevel.HIGH),
        (("3月に練炭で未遂して、助かった", "今は落ち着いてる"), RiskLevel.LOW),
        # decided by someone else (決められた量) is no decision of one's own
        (("シフトは店長に決められた通りに入ってる", "今すぐいなくなりたい"), RiskLevel.HIGH),
        # a death noun opening a compound is a term (grammar.yaml death_compounds)
        (("医療保険と死亡保険、どっちを厚くするか迷ってる",), RiskLevel.NONE),
        (("自殺対策のポスター見た",), RiskLevel.NONE),
        (("死亡保険で借金返したい",), RiskLevel.HIGH),
        # 自殺する said plainly is an intent (plain_intent_words); 死亡 stays hyperbole
        (("俺、自殺する",), RiskLevel.IMMINENT),
        (("プリンター壊れて死亡",), RiskLevel.NONE),
        # an attempt of the last weeks is recent
        (("先月自殺未遂した",), RiskLevel.HIGH),
        # だちかん (Nagoya: no good) is no 痴漢; 時間をつぶす is no violence
        (("公園で時間をつぶしてた",), RiskLevel.NONE),
        # the mind sorted (grammar.yaml mind_words) is no tidying up of one's things
        (("気持ちを整理したい",), RiskLevel.NONE),
        (("部屋を整理した。今までありがとう",), RiskLevel.IMMINENT),
        # a clause on someone who died is no goodbye
        (("先に逝った父が、夢で手を振っていた",), RiskLevel.NONE),
        (("先に逝きます",), RiskLevel.IMMINENT),
        # no fare or ticket for the way back (concepts.yaml no_return) with a place
        (("次の連休、北の灯台まで行ってくる", "帰りの切符は要らん"), RiskLevel.IMMINENT),
        (("帰りの切符はまだ買ってない、旅程決まってないから",), RiskLevel.NONE),
        # death accepted whenever it comes (grammar.yaml ready_words); not an ending of work
        (("これでいつ逝っても困らない",), RiskLevel.HIGH),
        (("いつでも逝ける",), RiskLevel.HIGH),
        (("いつ終わっても大丈夫、資料は保存した",), RiskLevel.NONE),
        # things arranged for after one's own death (after_words, arrange_verbs)
        (("私が死んだ後のことは全部ノートに書き残した",), RiskLevel.IMMINENT),
        (("父が死んだあと、遺品を整理した",), RiskLevel.LOW),
        # 『』 closed by a verb of saying quotes speech, as 「」 does; a 『title』 is media
        (("睡眠薬を数えていたら、夫に『まだ起きてたの』と言われた",), RiskLevel.IMMINENT),
        (("『自殺島』って漫画読んだ",), RiskLevel.NONE),
        # a short chain complete is high with hopelessness, moderate with distress alone
        (("職場でいじめにあっている", "うつ病と診断された", "生きる希望がない"), RiskLevel.HIGH),
        (("職場でいじめにあっている", "うつ病と診断された", "毎日つらいです"), RiskLevel.MODERATE),
        # an ordinary hardship told as over in a later message: no level, factors still listed
        (
            (
                "10年前にリストラされて借金まみれになった",
                "今は別の会社で働いて、借金も返し終えました",
            ),
            RiskLevel.NONE,
        ),
        (("リストラされて借金まみれ", "今もまだ返せてない"), RiskLevel.MODERATE),
        # a danger place in a scene pictured is a method thought (grammar.yaml picture_verbs)
        (("エレベーターで屋上まで行くところを毎晩思い浮かべる",), RiskLevel.HIGH),
        (("屋上の手すりを乗り越える自分を、会議中に想像してる",), RiskLevel.HIGH),
        # asking whether a way of dying works is an ideation, not an intent (truth_words)
        (("凍えて眠ったら楽に逝けるってほんと？",), RiskLevel.HIGH),
        # a time word + も is one time among others (夜も眠れない), not a plan's time
        (("首吊りについて調べたことがある", "夜も眠れない"), RiskLevel.HIGH),
        # a height weighed as enough (concepts.yaml lethality); not a ladder's height
        (("何階建てなら足りるんだろう",), RiskLevel.HIGH),
        (("この高さなら十分だよね、脚立",), RiskLevel.NONE),
        # eyes opened again, with regret: sorry to wake
        (("朝起きると、また目が開いてしまったとがっかりする",), RiskLevel.HIGH),
        (("またドアが開いてしまった",), RiskLevel.NONE),
        # a weak preparation for a move (grammar.yaml moving_away); a water entry in play
        (("明日引っ越すから部屋の片付け中、いらないもの全部捨てた",), RiskLevel.NONE),
        (("明日引っ越す。部屋も片付けた。もう戻らない",), RiskLevel.IMMINENT),
        (("川に入って魚とりした",), RiskLevel.NONE),
        (("海に腰まで入った",), RiskLevel.IMMINENT),
        # the body's limit (grammar.yaml body_states: 寝不足, フラフラ)
        (("寝不足でフラフラ、まじ限界",), RiskLevel.NONE),
        (("もうフラフラ、限界、死にたい",), RiskLevel.HIGH),
        # an everyday activity told to others as a story explains nothing (cover_story)
        (("練炭を車に積んだ", "釣りに行くって母には言っておいた"), RiskLevel.IMMINENT),
        (("練炭を車に積んだ", "週末キャンプ楽しみ"), RiskLevel.NONE),
        # the end waited for as all that is left
        (("お迎えが来るのを待つばかりです",), RiskLevel.HIGH),
        (("電車が来るのを待つだけ",), RiskLevel.NONE),
    ],
)
def test_review_of_4_december(
    screener: Screener, messages: tuple[str, ...], expected: RiskLevel
) -> None:
    assert level(screener, *messages) == expected, messages
