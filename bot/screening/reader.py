"""The clause reader: what a person says about a word that matters, read from the words after it.

A concept match (死ぬ, 消える, ロープ, 屋上…) is only half of what was said. The other half is
grammar: 死にたい is a wish, 死にたくない a denial, 死ぬしかない an affirmation, 死のうと思う an
intent, 死んだら楽 a contemplation, 死にたいって言ってた someone else's words, 昔は死にたかった a
past that may be over. `ClauseReader.read` walks the words after the match inside its clause
(Sudachi's part of speech and conjugation form, compared by normalized form) and returns the
`Reading`: a small set of features the slot rules combine. `ClauseReader.context` looks back
for the subject, quotes, history and hyperbole frames.

The grammar words themselves are data (``config/grammar.yaml``); this module is the reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

from bot.screening.tokens import KIND_END, KIND_PUNCT, Token

# Features of a reading (strings: cheap to test, and readable in explanations).
DESIRE: Final = "desire"  # …たい
VOLITIONAL: Final = "volitional"  # 死のう, しまおう
INTENT: Final = "intent"  # つもり, 予定, と思う after a volitional, ことにした
DECIDED: Final = "decided"  # 決めた
EVALUATION: Final = "evaluation"  # ほうがいい, ばいい, たら楽, べき
ONLY: Final = "only"  # しかない
THOUGHT: Final = "thought"  # と思う, ことばかり考える
CONDITIONAL: Final = "conditional"  # たら, ば, なら (without an evaluation: a hypothesis)
QUESTION: Final = "question"  # か, ？, どうなる
PAST: Final = "past"  # た at the end of the chain
PROGRESSIVE: Final = "progressive"  # ている, てる
ATTEMPT: Final = "attempt"  # 死のうとした
NEGATED: Final = "negated"  # an odd number of negations
POTENTIAL: Final = "potential"  # 死ねる
ONSET: Final = "onset"  # 死にたくなる
REPORTED: Final = "reported"  # って言ってた, らしい
REQUEST: Final = "request"  # 死なないで
CONCESSIVE: Final = "concessive"  # 死んでも (誰も困らない)
POLITE: Final = "polite"  # 死にます
WISH_OTHER: Final = "wish_other"  # 死んでほしい (a wish about someone else)
APPEARANCE: Final = "appearance"  # 死にそう
IMPERATIVE: Final = "imperative"  # 死ね
EXPERIENCE: Final = "experience"  # …たことがある
TENTATIVE: Final = "tentative"  # かな, かも
BETTER: Final = "better"  # …ほうが (a comparison, with or without いい after it)
WISH: Final = "wish"  # 止まってくれないかな, 消してくんないかな: a wish that something would happen
TEYARU: Final = "teyaru"  # 殺してやる, 火つけてやる: a threat or a defiant resolve
PURPOSE: Final = "purpose"  # 殺しに行く, 刺しに来る: going to do it
KURERU: Final = "kureru"  # …てくれる: something someone (or something) else does for me
HEDGE: Final = "hedge"  # …わけじゃない: not exactly (a hedge, often with distress)
HISTORY: Final = "history"  # 死にたかった時期 / 頃: a period of the past
PASSIVE: Final = "passive"  # 殴られる: done to the speaker, not by them
DEGREE: Final = "degree"  # …くらい / ほど: 消えたくなるくらい切ない (a measure of a feeling)
DREAM: Final = "dream"  # …夢を見た: 飛び降りる夢 (a dream, not a plan)
TRY: Final = "try"  # …てみる: tried it out (首に巻いてみた)
TE: Final = "te"  # the chain goes on after …て (ホースつないで、エンジンかけっぱなし)

_MAX_TAIL = 18


@dataclass(frozen=True, slots=True)
class Grammar:
    """The grammar word lists of config/grammar.yaml, as sets of dictionary forms."""

    desire: frozenset[str]
    negation: frozenset[str]
    only: frozenset[str]
    intent_nouns: frozenset[str]
    decide_verbs: frozenset[str]
    thought_verbs: frozenset[str]
    say_verbs: frozenset[str]
    hearsay: frozenset[str]
    better_nouns: frozenset[str]
    good_words: frozenset[str]
    ought: frozenset[str]
    reason_nouns: frozenset[str]
    koto_nouns: frozenset[str]
    method_nouns: frozenset[str]
    aux_verbs: frozenset[str]
    compound_verbs: frozenset[str]
    next_time_words: frozenset[str]
    doubt_words: frozenset[str]
    request_words: frozenset[str]
    dependents: frozenset[str]
    request_ends: frozenset[str]
    someones_places: frozenset[str]
    visit_owners: frozenset[str]
    hold_verbs: frozenset[str]
    done_suffixes: frozenset[str]
    edge_words: frozenset[str]
    someday_words: frozenset[str]
    far_times: frozenset[str]
    likeness_words: frozenset[str]
    feeling_nouns: frozenset[str]
    close_outsiders: frozenset[str]
    there_words: frozenset[str]
    found_verbs: frozenset[str]
    while_units: frozenset[str]
    final_particles: frozenset[str]
    subject_marks: frozenset[str]
    recurrence_feelings: frozenset[str]
    hand_words: frozenset[str]
    progressive: frozenset[str]
    become: frozenset[str]
    question: frozenset[str]
    clause_breaks: frozenset[str]
    first_person: frozenset[str]
    third_person: frozenset[str]
    outsiders: frozenset[str]
    media: frozenset[str]
    history: frozenset[str]
    present: frozenset[str]
    recurrence: frozenset[str]
    laughter: frozenset[str]
    cause: frozenset[str]
    earnest: frozenset[str]
    now: frozenset[str]
    finality: frozenset[str]
    acquire_verbs: frozenset[str]
    collect_verbs: frozenset[str]
    ingest_verbs: frozenset[str]
    act_verbs: frozenset[str]
    presence_verbs: frozenset[str]
    quit_verbs: frozenset[str]
    purpose_verbs: frozenset[str]
    carry_verbs: frozenset[str]
    caregivers: frozenset[str]
    wound_words: frozenset[str]
    water_words: frozenset[str]
    weary_words: frozenset[str]
    body_parts: frozenset[str]
    recent: frozenset[str]
    rumination: frozenset[str]
    overcome: frozenset[str]
    why_words: frozenset[str]
    reflexive: frozenset[str]
    harm_verbs: frozenset[str]
    pro_verbs: frozenset[str]
    need_words: frozenset[str]
    future_words: frozenset[str]
    self_nouns: frozenset[str]
    trip_words: frozenset[str]
    still_words: frozenset[str]
    obligation_endings: frozenset[str]
    obligation_words: frozenset[str]
    better_off: frozenset[str]
    care_words: frozenset[str]
    gathering_words: frozenset[str]
    dying_feel: frozenset[str]
    through_words: frozenset[str]
    guess_words: frozenset[str]
    visit_words: frozenset[str]
    rhetorical_have: frozenset[str]
    any_time: frozenset[str]
    fine_words: frozenset[str]
    errand_words: frozenset[str]
    tub_words: frozenset[str]
    fill_verbs: frozenset[str]
    self_why: frozenset[str]
    dying_parts: frozenset[str]
    looking_down: frozenset[str]
    body_states: frozenset[str]
    know_verbs: frozenset[str]
    where_words: frozenset[str]
    writing_words: frozenset[str]
    others_words: frozenset[str]
    accident_parts: frozenset[str]
    use_verbs: frozenset[str]
    certainty_words: frozenset[str]
    earnest_strong: frozenset[str]
    mild_medicines: frozenset[str]
    world_words: frozenset[str]
    amount_words: frozenset[str]
    load_words: frozenset[str]
    play_words: frozenset[str]
    parents: frozenset[str]
    grave_harm: frozenset[str]
    habitual: frozenset[str]
    escape_verbs: frozenset[str]
    explanation: frozenset[str]
    next_time: frozenset[str]
    surer: frozenset[str]
    delight_words: frozenset[str]
    swallow_verbs: frozenset[str]
    many_words: frozenset[str]
    moving_away: frozenset[str]
    simile_words: frozenset[str]
    leaving_words: frozenset[str]
    blades: frozenset[str]
    contemplate_verbs: frozenset[str]
    staring_words: frozenset[str]
    drinks: frozenset[str]
    bath_words: frozenset[str]
    quantity_words: frozenset[str]
    whole_life: frozenset[str]
    home_words: frozenset[str]
    threat_said: frozenset[str]
    settled: frozenset[str]
    calm_now: frozenset[str]
    calm_pretend: frozenset[str]
    calm_present: frozenset[str]
    death_compounds: frozenset[str]
    ready_words: frozenset[str]
    adult_words: frozenset[str]
    cover_story: frozenset[str]
    picture_verbs: frozenset[str]
    truth_words: frozenset[str]
    after_words: frozenset[str]
    arrange_verbs: frozenset[str]
    mind_words: frozenset[str]
    plain_intent_words: frozenset[str]
    light_verbs: frozenset[str]
    supposing: frozenset[str]
    sleep_causes: frozenset[str]
    advert_words: frozenset[str]
    cords: frozenset[str]
    leisure_trips: frozenset[str]
    hang_verbs: frozenset[str]
    goodbye_words: frozenset[str]
    mass_harm_words: frozenset[str]
    hiding_verbs: frozenset[str]
    procedure_words: frozenset[str]
    dose_periods: frozenset[str]
    anchors: frozenset[str]
    tie_verbs: frozenset[str]


GRAMMAR_LISTS: Final = tuple(Grammar.__dataclass_fields__)


class Reading(NamedTuple):
    """What the words after a match say about it."""

    features: frozenset[str]
    governor: str  # the verb a noun depends on (ロープを買った → 買う); '' for a predicate
    governor_surface: str
    end: int  # token index after the construction that was read
    quantity: bool  # a count or 全部 / まとめて between the noun and its verb (薬20錠いった)

    def has(self, feature: str) -> bool:
        return feature in self.features


class Context(NamedTuple):
    """What the words before a match say about who speaks and when."""

    subject: str  # "self", "other", "media" or "" (no subject word: by default the person)
    quoted: bool  # inside 「」 or 『』
    history: bool  # a past-time word before it in the sentence (昔は, 中学の頃)
    cause: bool  # a trivial-cause frame right before it (寒すぎて, 面接とか, テストで)
    now: bool  # 今 / さっき in the clause
    present: bool  # 今 / 最近 in the sentence (contrast with a past)
    recurrence: bool  # また / 再び in the sentence
    possessive: bool = False  # the subject came from 彼氏の腕 / 同僚の机 (someone else's thing)


# Reading(...) and Context(...) run a NamedTuple's Python-level __new__, 3x slower than this
_new = tuple.__new__

_CASE_PARTICLES: Final = frozenset(
    {"を", "が", "に", "で", "へ", "は", "も", "と", "から", "まで", "って", "の", "より"}
)
_SUBJECT_PARTICLES: Final = frozenset(
    {"が", "は", "も", "って", "ったら", "ってば", "なんか", "なんて"}
)
_HONORIFICS: Final = frozenset(
    {"さん", "様", "さま", "氏", "殿"}
)  # (not ちゃん: a child names herself)
_QUOTE_PARTICLES: Final = frozenset({"と", "って", "とか", "っと", "なんて", "なんか"})
_SENTENCE_FINAL_PUNCT: Final = frozenset({"？", "?"})
_OPEN_QUOTES: Final = "「『"
_CLOSE_QUOTES: Final = "」』"
_NUMBER_POS2: Final = "数詞"
QUESTION_WORDS: Final = frozenset(  # どこ / どう / 何: a question word (the screener too)
    {
        "どこ",
        "何処",
        "どう",
        "何",
        "なに",
        "いつ",
        "どれ",
        "どの",
        "どんな",
        "なぜ",
        "何故",
        "どうやって",
        "どれくらい",
        "何錠",
        "何回",
    }
)
_SCOPE_FILLERS: Final = frozenset(
    {
        "一度",
        "一回",
        "全然",
        "決して",
        "少しも",
        "まったく",
        "全く",
        "特に",
        "別に",
        "そんなに",
        "あまり",
        "余り",
        "本当",
        "本気",
        "ほとんど",
        "殆ど",
        "もう",
        "まだ",
        "今",
        "今は",
        "最近",
        "なんか",
        "なんて",
        "絶対",
        "絶対に",
    }
)
_NOT_CAUSES: Final = frozenset(
    {
        "一人",
        "ひとり",
        "独り",
        "自分",
        "二人",
        "みんな",
        "皆",
        "家",
        "部屋",
        "自宅",
        "車",
        "ここ",
        "そこ",
        "あそこ",
        "本気",
        "マジ",
        "まじ",
        "時間",
        "分",
        "日",
        "秒",
        "後",
        "月",
        "週間",
        "年",
        "時",
        "夜",
        "朝",
    }
)


_DURATION_UNITS: Final = frozenset(
    {"時間", "分", "秒", "日", "日間", "週間", "ヶ月", "か月", "カ月", "回"}  # (一回に: per dose)
)


def _not_an_amount(tokens: Sequence[Token], j: int, g: Grammar) -> bool:
    """1錠 / 2粒 (a usual dose), not 20錠; also 何時間 / 6時間 (a length of time, as in 何時間
    あければ飲める), which is not an amount unless a portion follows (2週間分); and a count
    per day or per dose (1日25錠, 朝20錠: a prescription, not an overdose)."""
    if tokens[j].surface in ("何", "なん"):
        return True  # 何錠: a question of how many (the screener's amount question), no amount
    if j >= 1 and (tokens[j - 1].key in g.dose_periods or tokens[j - 1].surface in g.dose_periods):
        return True  # 1日25錠 / 朝20錠くらい飲んでる: what is prescribed
    if j + 1 < len(tokens) and tokens[j + 1].key in _DURATION_UNITS:
        return not (j + 2 < len(tokens) and tokens[j + 2].key in ("分", "ぶん"))
    if j + 1 >= len(tokens) or tokens[j + 1].key not in ("錠", "粒", "包", "カプセル"):
        return False
    digits = "".join(ch for ch in tokens[j].surface if ch.isdigit())
    table = {"一": 1, "二": 2, "三": 3, "四": 4}
    value = int(digits) if digits else table.get(tokens[j].surface, 99)
    return value < 5


_QUANTITY_WORDS: Final = frozenset(
    {
        "全部",
        "全て",
        "すべて",
        "纏める",
        "まとめる",
        "一気",
        "大量",
        "いっぱい",
        "沢山",
        "たくさん",
        "丸ごと",
        "まるごと",
        "残り",
        "多め",
        "多めに",
        "倍",
        "余分",
        "わざと",
        "多い",
        "ありったけ",
    }
)


class ClauseReader:
    """Reads the grammar around matches in one message's tokens."""

    def __init__(self, grammar: Grammar) -> None:
        self.g = grammar
        # the keys `context` looks back for (a word with none of them, and no 今 / さっき
        # surface, tells it nothing)
        self._context_keys = (
            grammar.history
            | grammar.present
            | grammar.recurrence
            | grammar.now
            | grammar.first_person
            | grammar.third_person
            | grammar.media
            | _HONORIFICS
        )

    # --- after the match ----------------------------------------------------------------

    def read(self, tokens: Sequence[Token], head: int, *, noun: bool = False) -> Reading:
        """Read the words after ``tokens[head]`` (the match's last word).

        For a noun (ロープ, 遺書, 練炭) the reading is that of the verb it depends on, found
        after its particles in the same clause (ロープを買った → 買う, past).
        """
        g = self.g
        feats: set[str] = set()
        n = len(tokens)
        head_token = tokens[head]
        governor = ""
        governor_surface = ""
        quantity = False
        i = head + 1
        if (
            noun or head_token.pos in ("名詞", "接尾辞", "代名詞")
        ) and head_token.key not in g.better_nouns:
            # A noun: step over compound parts and particles to the verb it depends on.
            # A verbal noun before する is the verb itself (ロープを用意した → 用意).
            j = i
            last_noun = ""
            while j < n and j - head <= 8:
                t = tokens[j]
                if t.kind in (KIND_END,) or (
                    t.kind == KIND_PUNCT and t.surface not in "、,，" and not t.surface.isspace()
                ):
                    break
                if t.key in QUESTION_WORDS:
                    feats.add(QUESTION)  # ロープってどこで売ってる
                if (
                    (
                        t.pos == "名詞"
                        and t.pos2 == _NUMBER_POS2
                        and not _not_an_amount(tokens, j, g)
                    )
                    or t.key in _QUANTITY_WORDS
                    or t.surface in _QUANTITY_WORDS
                ):
                    quantity = True
                    j += 1
                    continue
                if (
                    t.pos in ("名詞", "接尾辞", "接頭辞", "代名詞", "連体詞", "副詞", "形状詞")
                    or t.kind == KIND_PUNCT
                ):
                    verbal = j + 1 < n and tokens[j + 1].key in ("する", "出来る", "できる")
                    if (t.key in g.intent_nouns and not verbal) or t.key in g.better_nouns:
                        break
                    if t.pos == "名詞":
                        last_noun = t.key
                    j += 1
                    continue
                if t.pos == "助詞" and (
                    t.key in _CASE_PARTICLES or t.pos2 in ("係助詞", "副助詞", "格助詞")
                ):
                    if t.key in g.only:
                        break
                    j += 1
                    continue
                if t.pos in ("動詞", "形容詞") and _passive_relative(tokens, j):
                    # 薬は決められた回数だけ飲む: a clause on the next noun, not the verb
                    j += 3 if tokens[j + 2].key == "た" else 2
                    if tokens[j].key in _QUANTITY_WORDS or tokens[j].surface in _QUANTITY_WORDS:
                        j += 1  # (決められた量: the amount prescribed, not an amount taken)
                    continue
                if t.pos in ("動詞", "形容詞"):
                    governor = t.key
                    governor_surface = t.surface
                    if (
                        t.key in ("する", "出来る", "できる")
                        and last_noun
                        and tokens[j - 1].pos == "名詞"
                    ):
                        governor = last_noun
                    head = j
                    i = j + 1
                    break
                if t.pos == "助動詞":  # 首吊りたい, 遺書です
                    i = j
                    break
                break
        head_token = tokens[head]
        if governor:
            if governor in g.thought_verbs:
                feats.add(THOUGHT)  # 自殺を考えてしまう
            elif governor in g.decide_verbs and not passive_after(tokens, head):
                feats.update((INTENT, DECIDED))  # (not 決められた量: decided by others)
        cform = head_token.cform
        if cform.startswith("意志推量形"):
            feats.add(VOLITIONAL)
        elif cform.startswith("仮定形"):
            feats.add(CONDITIONAL)
        elif cform.startswith("命令形"):
            feats.add(IMPERATIVE)
        if head_token.pos == "動詞" and _is_potential(head_token):
            feats.add(POTENTIAL)
        negations = 0
        naikana = False
        only_pending = False
        quote_pending = False
        better_pending = head_token.key in g.better_nouns  # いない方がいい: the match ends on 方
        if better_pending:
            feats.add(BETTER)
        koto_pending = False
        reason_pending = False
        after_te = False
        kureru = False
        purpose_pending = False
        kamawanai = False
        past_at = -1
        steps = 0
        if i == head + 1 and i < n and head_token.cform.startswith("未然形"):
            after = self._obligation(tokens, i)
            if after:
                # 死ななきゃいけない, 消えなきゃ: a must, affirmed like しかない
                feats.add(ONLY)
                i = after
        while i < n and steps < _MAX_TAIL:
            steps += 1
            t = tokens[i]
            key = t.key
            if t.kind == KIND_END:
                if t.surface in _SENTENCE_FINAL_PUNCT:
                    feats.add(QUESTION)
                nxt = tokens[i + 1] if i + 1 < n else None
                if (
                    t.surface in ("…", "‥", ".", "...")
                    and nxt is not None
                    and nxt.key in ("筈", "はず")
                ):
                    i += 1  # 思わない…はずだったのに: the sentence goes on
                    continue
                break
            if t.kind == KIND_PUNCT:
                if t.surface.isspace():  # しぬ つもり: words typed apart
                    i += 1
                    continue
                nxt = tokens[i + 1] if i + 1 < n else None
                if t.surface in (".", "...") and nxt is not None and nxt.key in ("筈", "はず"):
                    i += 1  # 思わない…はずだったのに (… reads as ...)
                    continue
                if (
                    t.surface in ("、", ",", ".", "...", "…")
                    and nxt is not None
                    and nxt.key in g.reason_nouns
                ):
                    i += 1  # 死にたくない、わけじゃない / 消えたい…わけないじゃん: after a pause
                    continue
                if (
                    t.surface in ("、", ",")
                    and quote_pending
                    and i > 0
                    and tokens[i - 1].key in ("は", "と", "って")
                ):
                    i += 1  # 生きたいとは、どうしても思えない: the thought verb after the comma
                    continue
                if (
                    t.surface in ("、", ",")
                    and nxt is not None
                    and nxt.key in ("って", "と")
                    and negations
                ):
                    i += 1  # 思ってない、って言い切れたら: the quote goes on after the comma
                    continue
                if t.surface in _SENTENCE_FINAL_PUNCT:
                    feats.add(QUESTION)
                break
            pos = t.pos
            if (
                key == "どう"
                and i + 3 < n
                and tokens[i + 1].key == "する"
                and tokens[i + 2].key == "て"
                and tokens[i + 3].key == "も"
            ):
                i += 4  # どうしても: an adverb, not a concession
                continue
            if pos == "助動詞":
                after_te = False
                if key in g.desire:
                    feats.add(DESIRE)
                elif key in g.negation:
                    if t.cform.startswith("仮定形"):
                        feats.add(CONDITIONAL)  # 来なきゃ, 覚めなければ
                    if only_pending:
                        only_pending = False
                        feats.add(ONLY)
                    elif kamawanai:
                        kamawanai = False
                    else:
                        negations += 1
                elif key == "た":
                    if t.cform.startswith("仮定形"):
                        feats.add(CONDITIONAL)
                    else:
                        past_at = i
                elif t.cform.startswith("意志推量形") and key not in ("だ", "です", "や", "じゃ"):
                    feats.add(VOLITIONAL)  # だろう / でしょう are conjecture, not volition
                elif key in ("ます", "です"):
                    feats.add(POLITE)
                elif key in ("だ", "や", "じゃ"):
                    if t.cform.startswith("仮定形"):
                        feats.add(CONDITIONAL)
                elif key in g.hearsay:
                    feats.add(REPORTED)
                elif key in g.ought:
                    feats.add(EVALUATION)
                elif key in g.progressive:
                    feats.add(PROGRESSIVE)
                elif key in ("れる", "られる") and i == head + 1:
                    feats.add(PASSIVE)
                elif key in ("ちゃう", "じゃう", "とく", "どく"):
                    if t.cform.startswith("意志推量形"):
                        feats.add(VOLITIONAL)
                elif key == "む" or key == "まい":  # 死なん (= ぬ in Sudachi's reading of ん)
                    negations += 1
                i += 1
                continue
            if pos == "助詞":
                if (
                    key == "も"
                    and i >= 1
                    and tokens[i - 1].key == "だ"
                    and i + 1 < n
                    and tokens[i + 1].key == "する"
                ):
                    i += 2  # はねられでもしたら: "were it to happen", read on to the condition
                    continue
                if (
                    key in g.clause_breaks
                    and t.pos2 == "接続助詞"
                    and key not in ("ば", "たら", "なら")
                ):
                    break
                if key in ("て", "で") and t.pos2 == "接続助詞":
                    after_te = True
                    i += 1
                    continue
                if key == "も" and after_te:
                    feats.add(CONCESSIVE)
                    after_te = False
                    i += 1
                    continue
                if key in ("ば", "たら"):
                    feats.add(CONDITIONAL)
                    i += 1
                    continue
                if key == "たり" and (after_suru := _tari_suru(tokens, i)):
                    i = after_suru  # 傷つけたりはしない: the verb, then its ending
                    continue
                if key == "と" and i + 1 < n and tokens[i + 1].key == "か":
                    k = _denied_topic(tokens, i + 2)
                    if k:
                        negations += 1  # 死にたいとかじゃ全然ないです: the topic denied
                        if k < n and tokens[k].key in ("けれど", "けど", "が"):
                            feats.add(HEDGE)  # 死にたいとかじゃないけど…: not exactly, but
                        i = k
                        continue
                if (
                    key in ("くらい", "ぐらい", "位", "程", "ほど")
                    and t.pos2 == "副助詞"
                    and (
                        not (feats & {THOUGHT, EVALUATION, CONDITIONAL} or quote_pending)
                        # 死ぬかと思うくらい / 死ぬんじゃないかってくらい: as if one would die
                        or (QUESTION in feats and not feats & {DESIRE, EVALUATION, CONDITIONAL})
                    )
                ):
                    feats.add(DEGREE)  # 消えたくなるくらい切ない (not 死んだら楽かなって思うくらい)
                    break
                if (
                    key == "に"
                    and i == head + 1
                    and head_token.pos == "動詞"
                    and head_token.cform.startswith("連用形")
                ):
                    purpose_pending = True  # 殺しに行く
                    i += 1
                    continue
                if key in _QUOTE_PARTICLES and t.pos2 in ("格助詞", "副助詞"):
                    quote_pending = True
                    # 殺すって、本人に直接言ってやった: a comma and the addressee before the verb
                    k = i + 1
                    while (
                        k < n
                        and k - i <= 6
                        and (
                            tokens[k].surface in ("、", ",")
                            or tokens[k].pos in ("名詞", "代名詞", "副詞", "接尾辞")
                            or (tokens[k].pos == "助詞" and tokens[k].pos2 == "格助詞")
                        )
                    ):
                        k += 1
                    if (
                        k < n
                        and k > i + 1
                        and tokens[k].pos == "動詞"
                        and tokens[k].key in g.say_verbs
                    ):
                        i = k
                        continue
                    i += 1
                    continue
                if key == "と" and t.pos2 == "接続助詞":
                    feats.add(CONDITIONAL)
                    i += 1
                    continue
                if key in g.only:
                    only_pending = True
                    i += 1
                    continue
                if key == "だけ":
                    better_pending = True  # ハンドルを切るだけでいい
                    i += 1
                    continue
                if t.pos2 == "終助詞":
                    if key in g.question:
                        feats.add(QUESTION if key in ("か", "かい", "っけ") else TENTATIVE)
                    if (
                        (key == "かな" or (key == "か" and i + 1 < n and tokens[i + 1].key == "な"))
                        and tokens[i - 1].key in ("ない", "ん", "ぬ")
                        and head_token.pos == "動詞"
                    ):
                        naikana = True  # 終わらないかな, 事故らないかな: a wish, not a denial
                    i += 1
                    continue
                if key == "か" and t.pos2 == "副助詞":  # 死ぬかも
                    feats.add(TENTATIVE)
                    i += 1
                    continue
                i += 1
                continue
            if pos == "動詞":
                if key in ("遣る", "やる") and i + 1 < n and tokens[i + 1].key in ("方", "かた"):
                    feats.add(THOUGHT)  # いなくなるやり方ばかり検索: thinking of how
                    i += 2
                    continue
                if purpose_pending and key in g.purpose_verbs:
                    feats.update((PURPOSE, INTENT))
                    purpose_pending = False
                    i += 1
                    continue
                if after_te and key in ("やる", "遣る", "やれる"):
                    feats.add(TEYARU)
                    after_te = False
                    i += 1
                    continue
                if after_te and key in ("呉れる", "くれる", "下さる", "くださる"):
                    kureru = True
                    after_te = False
                    i += 1
                    continue
                if CONCESSIVE in feats and key in ("構う", "かまう"):
                    feats.add(EVALUATION)  # 死んでも構わない
                    kamawanai = True
                    i += 1
                    continue
                if after_te and key in g.aux_verbs:
                    if key in g.progressive or key in ("来る", "くる"):
                        feats.add(PROGRESSIVE)  # 切ってる, においがしてきた
                    if key in ("見る", "みる"):
                        feats.add(TRY)
                    after_te = False
                    i += 1
                    continue
                if key in ("切れる",) and t.pos2 == "非自立可能":  # 死にきれない
                    i += 1
                    continue
                if (
                    key in g.compound_verbs
                    and t.pos2 == "非自立可能"
                    and tokens[i - 1].pos == "動詞"
                    and tokens[i - 1].cform.startswith("連用形")
                ):
                    i += 1  # 飲みすぎた, 飲みきった: the second verb belongs to the first
                    continue
                if key in g.become and (DESIRE in feats or negations or koto_pending):
                    feats.add(ONSET)
                    i += 1
                    continue
                if quote_pending or koto_pending:
                    if key in g.thought_verbs:
                        feats.add(THOUGHT)
                        if VOLITIONAL in feats:
                            feats.add(INTENT)
                        quote_pending = koto_pending = False
                        i += 1
                        continue
                    if key in g.decide_verbs:
                        feats.update((INTENT, DECIDED))
                        quote_pending = koto_pending = False
                        i += 1
                        continue
                    if key in g.say_verbs or key in ("言い切る", "言える", "言い切れる"):
                        # …って言ったら / 言えば: a hypothetical self-quote, not someone's report
                        following = tokens[i + 1 : i + 3]
                        hypothetical = t.cform.startswith("仮定形") or any(
                            x.cform.startswith("仮定形") or x.key == "ば" for x in following
                        )
                        told = bool(following) and following[0].key in ("れる", "られる")
                        if not hypothetical or told:  # (…って言われたら: someone else's words)
                            feats.add(REPORTED)
                        elif negations % 2 == 1:
                            negations -= (
                                1  # 思ってないって言い切れたらいいのに: a wished-for denial
                            )
                        quote_pending = koto_pending = False
                        i += 1
                        continue
                    if key == "する":
                        if VOLITIONAL in feats and quote_pending:
                            feats.add(ATTEMPT)
                        elif koto_pending:
                            feats.update((INTENT, DECIDED))
                        quote_pending = koto_pending = False
                        i += 1
                        continue
                    if key in ("ある", "有る") and koto_pending:
                        if past_at >= 0:
                            feats.add(EXPERIENCE)  # …たことがある (not …ことがある: a habit)
                            past_at = -1
                        koto_pending = False
                        i += 1
                        continue
                if key in ("する",) and i == head + 1:  # 自殺する / ODする: the noun's own verb
                    i += 1
                    continue
                if key in g.decide_verbs and not passive_after(tokens, i):
                    feats.update((INTENT, DECIDED))
                    i += 1
                    continue
                if better_pending and key in ("成る", "なる"):
                    i += 1
                    continue
                if key in ("成る", "なる") and CONDITIONAL in feats:  # 死んだらどうなる
                    feats.add(QUESTION)
                    i += 1
                    continue
                if key in ("ある", "有る") and koto_pending:
                    if past_at >= 0:
                        feats.add(EXPERIENCE)
                        past_at = -1
                    koto_pending = False
                    i += 1
                    continue
                if key in ("いる", "居る") and "気" in (tokens[i - 2].key if i >= 2 else ""):
                    feats.add(INTENT)  # 死ぬ気でいる
                    i += 1
                    continue
                if key in g.good_words and (CONDITIONAL in feats or better_pending):
                    feats.add(EVALUATION)  # 死ねば済む, いなくなれば収まる
                    i += 1
                    continue
                break
            if (
                CONDITIONAL in feats
                and not negations
                and (
                    (key in _QUANTITY_WORDS and pos in ("名詞", "副詞"))
                    or (
                        pos == "形容詞"
                        and t.cform.startswith("連用形")
                        and key not in ("ない", "無い")
                    )
                )
            ):
                i += (
                    1  # 死ねば全部チャラ, いなくなれば丸く収まる: what the condition brings follows
                )
                continue
            if pos == "形容詞":
                if key in ("ない", "無い"):
                    if only_pending:
                        only_pending = False
                        feats.add(ONLY)
                    elif kamawanai:
                        kamawanai = False
                    elif _rhetorical(tokens, i):
                        pass  # 死んだほうがいいんじゃないかな: a tentative yes, not a denial
                    else:
                        negations += 1
                    i += 1
                    continue
                if key in g.good_words and (
                    better_pending
                    or CONDITIONAL in feats
                    or CONCESSIVE in feats
                    or (after_te and negations and tokens[i - 1].key in ("て", "で"))
                ):
                    feats.add(EVALUATION)  # 死んでもいい, 二度と起きなくていい
                    better_pending = False
                    after_te = False
                    i += 1
                    continue
                if key in ("欲しい", "ほしい") and after_te:
                    feats.add(WISH_OTHER)
                    i += 1
                    continue
                break
            if pos in ("名詞", "接尾辞", "形状詞"):
                if key in g.intent_nouns:
                    feats.add(INTENT)
                    i += 1
                    continue
                if quote_pending and key in g.say_verbs:
                    quote_pending = False  # 死にたいって相談した: what was said, then when
                    i += 1
                    continue
                if key in ("時期", "頃", "ころ", "時", "とき", "当時") and (
                    past_at >= 0 or _period_was(tokens, i)
                ):
                    feats.add(HISTORY)  # 死にたかった時期, 消えたいと思う時もあった: over
                    i += 1
                    continue
                if key in g.better_nouns and i + 1 < n and tokens[i + 1].key in ("へ", "に"):
                    i += 1  # あの世のほうへ行く: a direction, not a comparison
                    continue
                if key in g.better_nouns:
                    better_pending = True
                    feats.add(BETTER)
                    if past_at == i - 1:
                        past_at = -1  # 死んだほうが: not a past
                    i += 1
                    continue
                if key in g.koto_nouns:
                    koto_pending = True
                    i += 1
                    continue
                if key in g.method_nouns and key not in g.better_nouns and i == head + 1:
                    feats.add(THOUGHT)  # 終わらせる方法, 死ぬ場所: thinking of how and where
                    i += 1
                    continue
                if key == "夢" and i <= head + 2:
                    feats.add(DREAM)  # 飛び降りる夢を見た: a dream, not a plan
                    break
                if key in ("レベル", "級") and i == head + 1 + (tokens[head + 1].key in g.desire):
                    feats.add(DEGREE)  # 消えたいレベルで恥ずい: a measure of a feeling
                    break
                if key in g.reason_nouns and _cannot_afford(tokens, i):
                    negations += 1  # 死ぬわけにはいかない: one cannot allow oneself to
                    break
                if key in g.reason_nouns:
                    reason_pending = True
                    if not (i + 1 < n and tokens[i + 1].key in ("ない", "無い")):
                        feats.add(HEDGE)  # 死にたいわけじゃない: a hedged denial
                    # (…するわけない: no way, a plain denial)
                    i += 1
                    continue
                if key in g.only:
                    only_pending = True
                    i += 1
                    continue
                if key in g.good_words and (
                    better_pending or CONDITIONAL in feats or quote_pending
                ):
                    feats.add(EVALUATION)  # …ほうが楽, …たら楽, 自殺って楽かな
                    better_pending = False
                    i += 1
                    continue
                if key == "気":  # 死ぬ気 (はない / でいる / ならある)
                    for k in range(i + 1, min(i + 5, n)):
                        if tokens[k].key in ("ある", "有る") and not (
                            k + 1 < n and tokens[k + 1].key in g.negation | {"ない"}
                        ):
                            feats.add(INTENT)
                            break
                        if tokens[k].kind == KIND_END:
                            break
                    i += 1
                    continue
                if key in ("筈", "はず") and negations % 2 == 1:
                    negations -= 1  # 思わない…はずだったのに: the denial did not hold
                    i += 1
                    continue
                if key in ("物", "もの") and i + 1 < n and tokens[i + 1].key == "か":
                    feats.add(QUESTION)  # 来てくれないものか
                    i += 2
                    continue
                if key in ("そう",) and pos == "形状詞":
                    feats.add(APPEARANCE)
                    i += 1
                    continue
                if key in ("みたい", "よう", "様") and pos == "形状詞":
                    i += 1
                    continue
                if key in ("日", "時", "瞬間", "夜", "毎日") and (negations or THOUGHT in feats):
                    i += 1  # 死にたいと思わない日はない
                    continue
                if key in ("ん", "の") or t.surface in ("ん",):
                    i += 1
                    continue
                if key in g.earnest and pos == "名詞":
                    i += 1
                    if i < n and tokens[i].key in ("に", "で") and (quote_pending or koto_pending):
                        i += 1  # 死ぬことを真剣に考える: 真剣に / 本気で is an adverb here
                    continue
                if key in _SCOPE_FILLERS:  # 死にたいと思ったことは一度もない
                    i += 1
                    continue
                break
            if pos == "副詞" and key in ("どう",) and CONDITIONAL in feats:
                feats.add(QUESTION)
                i += 1
                continue
            if pos == "副詞" and (quote_pending or koto_pending):
                i += 1  # …いなくなれたらって、ぼんやり考えてしまう
                continue
            if key in _SCOPE_FILLERS:
                i += 1
                continue
            break
        if CONDITIONAL in feats and THOUGHT in feats:
            feats.add(WISH)  # いなくなれたらって思う, 終わっていけたらと思っております
        elif (
            CONDITIONAL in feats
            and i - 1 > head
            and tokens[i - 1].surface in ("な", "なあ", "なぁ", "なー", "なーー")
            and tokens[i - 1].pos == "助詞"
            and (i >= n or tokens[i].kind in (KIND_END, KIND_PUNCT))
        ):
            feats.add(WISH)  # いなくなれたらな, 消えられたらなあ: the wish left unsaid
        if after_te:
            feats.add(TE)
            # 死んで保険金で返したい, 死んで楽になりたい: the wish at the end of the chain
            # is a wish for the whole chain
            feats |= _chain_modality(tokens, i, g)
        if kureru:
            feats.add(KURERU)
        if kureru and negations % 2 == 0 and CONDITIONAL in feats and EVALUATION in feats:
            feats.add(WISH)  # 心臓が止まってくれたらいいのに
        if (kureru or naikana) and negations % 2 == 1 and (QUESTION in feats or TENTATIVE in feats):
            negations -= 1  # 止まってくれないかな: a wish, not a denial
            feats.add(WISH)
        if negations % 2 == 1:
            feats.add(NEGATED)
        if reason_pending and not negations:
            pass  # 死にたいわけで… (rare): nothing to add
        if past_at >= 0 and CONDITIONAL not in feats:
            feats.add(PAST)
        if (
            REQUEST not in feats
            and NEGATED in feats
            and after_te
            and i <= n
            and tokens[i - 1].key in ("で", "て")
        ):
            feats.add(REQUEST)  # 死なないで
        return _new(Reading, (frozenset(feats), governor, governor_surface, i, quantity))

    # --- before the match ---------------------------------------------------------------

    def context(
        self, tokens: Sequence[Token], first: int, text: str, quotes: Sequence[tuple[int, int]] = ()
    ) -> Context:
        """Who is speaking about the words starting at ``tokens[first]``, and when.

        ``quotes`` are the message's 「」『』 spans (quote_spans); the look-back is bounded, so
        that a long text without punctuation costs linear time.
        """
        g = self.g
        subject = ""
        possessive = False
        history = cause = now = present = recurrence = False
        # the sentence start (at most _MAX_LOOKBACK words back)
        s = first - 1
        floor = max(-1, first - _MAX_LOOKBACK - 1)
        while s > floor and tokens[s].kind != KIND_END:
            s -= 1
        s += 1
        # the clause start (after けど / のに / が…) for the subject and cause
        c = first - 1
        while c >= s:
            t = tokens[c]
            if t.pos == "助詞" and t.pos2 == "接続助詞" and t.key in self.g.clause_breaks:
                break
            c -= 1
        c += 1
        context_keys = self._context_keys
        now_words = g.now
        condition = False  # passed a たら / なら / ば: a subject before it is the condition's
        for j in range(first - 1, s - 1, -1):
            t = tokens[j]
            key = t.key
            if (t.pos == "助動詞" and t.cform.startswith("仮定形")) or (
                t.pos2 == "接続助詞" and key in ("ば", "たら", "なら")
            ):
                condition = True
            if key not in context_keys and t.surface not in now_words:
                continue  # none of the words below
            in_clause = j >= c
            if key in g.history and t.pos != "動詞" and _history_word(tokens, j, g):
                history = True
            if key in g.present:
                present = True
            if key in g.recurrence:
                recurrence = True
            if in_clause and (key in g.now or t.surface in g.now):
                now = True
            if subject:
                continue
            if key in g.third_person and in_clause and j + 2 <= first:
                after = tokens[j + 1]
                if (
                    after.key == "の"
                    and tokens[j + 2].key
                    not in (
                        "日",
                        "事",
                        "こと",
                        "為",
                        "ため",
                        "せい",
                        "所",
                        "ところ",
                        "前",
                        "後ろ",
                        "そば",
                        "横",
                        "中",
                    )
                    # the thing owned is what the match is about: no verb between them
                    # (叔父の車で送ってもらって、睡眠薬を集めた is the person's own act)
                    and not any(tokens[x].pos == "動詞" for x in range(j + 2, first))
                ):
                    subject = "other"  # 彼氏の腕に切った跡, 同僚の机に遺書 (not 母の日, 母のため)
                    possessive = True
                    continue
            honored = (  # 町内会長さんが, 常連のお客さん、: a person named with さん / 様
                j >= 1
                and t.pos == "接尾辞"
                and t.surface in _HONORIFICS
                and tokens[j - 1].pos in ("名詞", "接尾辞")
                and tokens[j - 1].key not in g.first_person
            )
            if key in g.first_person or key in g.third_person or key in g.media or honored:
                nxt = tokens[j + 1] if j + 1 < len(tokens) else None
                if nxt is not None and nxt.pos == "接尾辞" and j + 2 < len(tokens):
                    nxt = tokens[j + 2]  # 人たちに: the particle after the suffix
                marked = nxt is not None and (
                    nxt.key in _SUBJECT_PARTICLES
                    or nxt.surface in _SUBJECT_PARTICLES
                    # 部長死ねばいいのに, 元彼とか早く死ねばいい: a bare or とか-topic
                    or (
                        key in g.third_person
                        and (
                            j + 1 == first
                            or nxt.surface in ("とか", "なんか", "なんて")
                            or (nxt.key == "と" and j + 2 < first and tokens[j + 2].key == "か")
                        )
                    )
                )
                if key in g.media:
                    if marked or (nxt is not None and nxt.key == "の" and in_clause):
                        subject = "media"  # 映画のシーン, ドラマでは; not 映画を観てたら
                elif marked or (in_clause and j + 1 == first and key in g.first_person):
                    if _predicate_between(tokens, j + 1, first):
                        continue  # みんなが幸せそうな日に…: the subject of another predicate
                    if key in g.first_person or _with_me(tokens, j, g):
                        subject = "self"  # (私も母も消えればいい: the person among them)
                    elif condition:
                        continue  # 元旦那がまた来たら、殺す: 元旦那 comes, the person kills
                    elif in_clause or marked:
                        subject = "other"
        # a trivial cause right before: 寒すぎて死ぬ, 面接とか死ぬ, テストで死ぬ
        j = first - 1
        if j >= c and j >= 0:
            t = tokens[j]
            if t.key in ("て", "で") and t.pos2 == "接続助詞" and j - 1 >= 0:
                prev = tokens[j - 1]
                if (
                    prev.key in g.cause
                    or prev.pos == "形容詞"
                    or prev.cform.startswith("語幹")
                    or prev.key in ("ちゃう", "じゃう")
                ):
                    cause = True  # 寒すぎて死ぬ, 食べちゃって死にたい
            elif t.key == "か" and j - 1 >= 0 and tokens[j - 1].key == "と":
                cause = True  # …とか死ぬ
            elif (
                t.key == "で"
                and t.pos2 == "格助詞"
                and j - 1 >= 0
                and tokens[j - 1].pos == "名詞"
                and tokens[j - 1].key not in _NOT_CAUSES
            ):
                cause = True  # テストで死ぬ (not ひとりで, 自分で)
            elif t.key in g.cause:
                cause = True
        if not now:
            for t in tokens[first + 1 : first + 6]:  # 切ってる いま
                if t.kind == KIND_END:
                    break
                if t.key in now_words or t.surface in now_words:
                    now = True
                    break
        pos = tokens[first].begin
        quoted = any(a <= pos < b for a, b in quotes) if quotes else False
        return _new(
            Context, (subject, quoted, history, cause, now, present, recurrence, possessive)
        )

    def _obligation(self, tokens: Sequence[Token], start: int) -> int:
        """The token after a "must" built on a negation (死な|なきゃいけない, 消え|なくちゃ,
        死な|ないとだめ, 死な|なあかん): an ending of grammar.yaml obligation_endings, then one
        of obligation_words or the end of the sentence; 0 when there is none (死ななきゃ治らない
        is a condition, 死なないと思う a denial)."""
        g = self.g
        n = len(tokens)
        text = ""
        j = start
        ending_at = 0
        while j < n and j - start < 4 and tokens[j].kind not in (KIND_END, KIND_PUNCT):
            text += tokens[j].surface
            j += 1
            if text in g.obligation_endings and text not in g.negation:
                ending_at = j  # (a negation alone is no must: the list holds なきゃ's ない too)
        if not ending_at:
            return 0
        if ending_at >= n or tokens[ending_at].kind in (KIND_END, KIND_PUNCT):
            return ending_at  # 死ななきゃ。/ 消えなくちゃ
        word = ""
        for k in range(ending_at, min(n, ending_at + 4)):
            if tokens[k].kind in (KIND_END, KIND_PUNCT):
                break
            word += tokens[k].surface
            if word in g.obligation_words:
                return k + 1
        return 0

    def laughing(self, tokens: Sequence[Token], end: int) -> bool:
        """A laughter mark right after the construction (死にたい笑, 死ぬｗ)."""
        for j in range(end, min(end + 3, len(tokens))):
            t = tokens[j]
            if t.key in self.g.laughter or t.surface in self.g.laughter:
                return True
            if t.kind == KIND_END:
                return False
        return False


_PAST_TIME_BEFORE: Final = frozenset(
    {
        "年",
        "か月",
        "ヶ月",
        "カ月",
        "月",
        "週間",
        "日",
        "数",
        "何",
        "ちょっと",
        "少し",
        "その",
        "ずっと",
        "ちょい",
    }
)
_LIFE_STAGES: Final = frozenset(
    {
        "学生",
        "中学",
        "高校",
        "大学",
        "小学",
        "小学校",
        "中学校",
        "子供",
        "子ども",
        "若い",
        "新人",
        "独身",
        "入院",
        "学生時代",
        "大学生",
        "高校生",
        "中学生",
        "小学生",
        "あの",
        "その",
        "当時",
        "昔",
        "二十歳",
        "10代",
        "20代",
    }
)


def _period_was(tokens: Sequence[Token], j: int) -> bool:
    """The period word at ``j`` is followed by …もあった / …がありました: a time that was."""
    k = j + 1
    if k < len(tokens) and tokens[k].key in ("も", "が", "は"):
        k += 1
    if k + 1 >= len(tokens) or tokens[k].key not in ("ある", "有る"):
        return False
    k += 1
    if k < len(tokens) and tokens[k].key == "ます":
        k += 1
    # (…時があったら: a condition, not a time that was)
    return k < len(tokens) and tokens[k].key == "た" and not tokens[k].cform.startswith("仮定形")


def _history_word(tokens: Sequence[Token], j: int, g: Grammar) -> bool:
    """昔 / 以前 always mark the past; 前 only as 前は, 3年前, 前に at the start; 時 / とき only
    after a life stage or a past verb (大学生のとき, 死にたかった時), never 寝る前に / その時間."""
    t = tokens[j]
    key = t.key
    if key not in ("前", "時", "とき", "頃", "ころ"):
        return True
    prev = tokens[j - 1] if j > 0 else None
    nxt = tokens[j + 1] if j + 1 < len(tokens) else None
    if key == "前":
        if prev is None or prev.kind == KIND_END or prev.kind == KIND_PUNCT:
            # (not 前から: since a while ago, up to now: 前から死にたいと思ってた)
            return nxt is not None and nxt.key in ("は", "に", "も", "まで")
        return (
            prev.key in _PAST_TIME_BEFORE
            or (prev.pos == "名詞" and prev.pos2 == "数詞")
            or prev.pos == "接尾辞"
        )
    # 時 / とき / 頃
    if prev is None:
        return False
    if prev.key == "の" and j >= 2:
        before = tokens[j - 2]
        if before.pos == "接尾辞" and j >= 3:
            before = tokens[j - 3]  # 小学生の頃: the stage before its suffix
        if key in ("頃", "ころ") and before.pos == "名詞" and before.key not in _FUTURE_BEFORE:
            return True  # 二十歳の頃, 新卒のころ: a period of one's life (not 来年の頃)
        return (
            before.key in _LIFE_STAGES
            or (before.pos == "名詞" and before.pos2 == "数詞")
            or _decade(tokens, j - 2)
        )
    return prev.key == "た" or prev.key in _LIFE_STAGES or _decade(tokens, j - 1)


_FUTURE_BEFORE: Final = frozenset(
    {"今", "来年", "来月", "来週", "明日", "将来", "老後", "春", "夏", "秋", "冬"}
)


def _decade(tokens: Sequence[Token], j: int) -> bool:
    """十代 / 20代 / 30歳: an age, as a stage of life (十代のころ)."""
    t = tokens[j]
    return (
        t.key in ("代", "歳", "才")
        and j >= 1
        and (tokens[j - 1].pos2 == "数詞" or tokens[j - 1].key.isdigit())
    ) or (len(t.surface) >= 2 and t.surface[-1] in "代歳" and t.surface[:-1].isdigit())


def _with_me(tokens: Sequence[Token], j: int, g: Grammar) -> bool:
    """Someone else named together with the person (私も母も, 僕と妹は)."""
    for k in range(j - 1, max(-1, j - 4), -1):
        t = tokens[k]
        if t.kind == KIND_END:
            return False
        if t.key in g.first_person and k + 1 < len(tokens) and tokens[k + 1].key in ("も", "と"):
            return True
    return False


def _rhetorical(tokens: Sequence[Token], i: int) -> bool:
    """``tokens[i]`` is the ない of …んじゃないか / のではないでしょうか: a question that leans
    towards yes (死んだほうがいいんじゃないかと思う), not a denial of what comes before."""
    before = tokens[i - 1] if i >= 1 else None
    if before is None or not (
        before.surface in ("じゃ", "ぢゃ")
        or (before.key == "は" and i >= 2 and tokens[i - 2].surface == "で")
    ):
        return False
    for t in tokens[i + 1 : i + 3]:
        if t.key in ("か", "かな", "かしら") or t.surface.startswith("か"):
            return True
        if t.key not in ("です", "だろう", "でしょう") and t.surface not in ("でしょう", "だろう"):
            return False
    return False


def _denied_topic(tokens: Sequence[Token], j: int) -> int:
    """After …とか: じゃ / では (adverbs) ない, the notion denied; the index after it, or 0."""
    n = len(tokens)
    if j < n and tokens[j].surface in ("じゃ", "では", "でわ", "じゃあ"):
        j += 1
    elif j + 1 < n and tokens[j].key == "で" and tokens[j + 1].key == "は":
        j += 2
    else:
        return 0
    while j < n and tokens[j].pos == "副詞":
        j += 1  # 全然, まったく
    if j < n and tokens[j].key in ("ない", "無い"):
        return j + 1
    return 0


def _predicate_between(tokens: Sequence[Token], start: int, end: int) -> bool:
    """A verb or adjective between a subject and the match: the subject is that predicate's."""
    for j in range(start, end):
        t = tokens[j]
        if t.pos in ("動詞", "形容詞") and t.pos2 != "非自立可能":
            return True
        if t.pos == "形状詞" and j + 1 < end and tokens[j + 1].key in ("だ", "な"):
            return True
    return False


def _tari_suru(tokens: Sequence[Token], i: int) -> int:
    """たり (+ は / も) + する: the token after する (傷つけたりはしない → ない), or 0."""
    j = i + 1
    if j < len(tokens) and tokens[j].key in ("は", "も"):
        j += 1
    if j < len(tokens) and tokens[j].key in ("する", "為る") and tokens[j].pos == "動詞":
        return j + 1
    return 0


def _cannot_afford(tokens: Sequence[Token], i: int) -> bool:
    """わけ + に (は / も) + いか + ない: 死ぬわけにはいかない, one cannot let oneself."""
    j = i + 1
    if j >= len(tokens) or tokens[j].key != "に":
        return False
    j += 1
    if j < len(tokens) and tokens[j].key in ("は", "も"):
        j += 1
    return (
        j + 1 < len(tokens)
        and tokens[j].key in ("行く", "いく")
        and tokens[j + 1].key in ("ない", "ぬ", "ん")
    )


_NO_DESIRE: Final[frozenset[str]] = frozenset()
_ONLY_WORDS: Final = frozenset({"しか", "ほか", "他", "外", "以外"})


def _chain_modality(tokens: Sequence[Token], start: int, g: Grammar) -> frozenset[str]:
    """What ends the clause that a …て chain leads into, read as said of the whole chain: a
    wish (死んで保険金で返したい, 死んで楽になりたい: DESIRE) or the only way left (死んで詫びる
    ほかない, 死んで責任とるしかない: ONLY), with no negation after it."""
    for j in range(start, min(start + 12, len(tokens))):
        t = tokens[j]
        if t.kind == KIND_END or (
            t.pos == "助詞" and t.pos2 == "接続助詞" and t.key in g.clause_breaks
        ):
            return _NO_DESIRE
        nxt = tokens[j + 1] if j + 1 < len(tokens) else None
        if t.pos == "助動詞" and t.key in g.desire:
            if nxt is not None and nxt.key in g.negation | {"ない"}:
                return _NO_DESIRE
            return frozenset({DESIRE})
        if (
            t.key in _ONLY_WORDS
            and t.pos != "動詞"
            and j > start
            and any(u.key in ("ない", "無い") for u in tokens[j + 1 : j + 3])
        ):
            return frozenset({ONLY})
    return _NO_DESIRE


_MAX_LOOKBACK: Final = 24


def quote_spans(text: str) -> list[tuple[int, int]]:
    """The spans inside 「」 and 『』 (an unclosed quote runs to the end of its line)."""
    spans: list[tuple[int, int]] = []
    if "「" not in text and "『" not in text:
        return spans
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in _OPEN_QUOTES:
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch in _CLOSE_QUOTES and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i))
        elif ch == "\n" and depth:
            spans.append((start, i))
            depth = 0
    if depth:
        spans.append((start, len(text)))
    return spans


def _inside_quotes(text: str, pos: int) -> bool:
    depth = 0
    for ch in text[:pos]:
        if ch in _OPEN_QUOTES:
            depth += 1
        elif ch in _CLOSE_QUOTES and depth:
            depth -= 1
        elif ch == "\n":
            depth = 0
    return depth > 0


def passive_after(tokens: Sequence[Token], j: int) -> bool:
    """A passive after the verb at j (決められた量, 決められた通り): done by someone else."""
    return j + 1 < len(tokens) and tokens[j + 1].key in ("れる", "られる")


def _passive_relative(tokens: Sequence[Token], j: int) -> bool:
    """A passive verb that ends a clause on the noun after it (決められた量, 言われた通り)."""
    if not passive_after(tokens, j):
        return False
    k = j + 2
    if k < len(tokens) and tokens[k].key == "た":
        k += 1
    return k < len(tokens) and tokens[k].pos == "名詞"


def _is_potential(token: Token) -> bool:
    """死ねる (下一段) read as 死ぬ (五段): the dictionary form is godan, the word is not."""
    key = token.key
    return token.ctype.startswith("下一段") and bool(key) and key[-1] in "うくぐすつぬぶむ"
