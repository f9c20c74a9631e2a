"""The crisis screener: one message in, the conversation's risk level and its reasons out.

Per message: normalize (emoji, dialects, slang, spacing) → Sudachi tokens → concept matches
(concepts.yaml) → the clause reader (what the grammar after each match says: a wish, a denial,
an intent, a past, someone else's words) → slot fills. Per conversation: the fills accumulate in
the `ScreeningState`, and the severity ladder (in the spirit of C-SSRS) maps the slots to the
risk levels of ARCHITECTURE.md: a passive wish or active ideation is high; an intent, an act,
means at hand, a preparation, a danger place or a method with a time is imminent. Flags mark
danger to others and to children, whatever the writer's own risk. Every fill points at the
words the person wrote, and becomes a line on the counselor's case card.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, Final, NamedTuple

from bot.checker_messages import explain
from bot.screening import reader as rd
from bot.screening.config import Chain, Concept, Idiom, ScreeningConfig, load_config
from bot.screening.matcher import PatternSet, Stream, Words
from bot.screening.normalize import Normalized, Normalizer, fold_katakana
from bot.screening.reader import ClauseReader, Context, Reading
from bot.screening.tokens import KIND_END, KIND_PUNCT, KIND_WORD, SudachiTokenizer, Token
from bot.screening.types import (
    FLAGS,
    PathwayMatch,
    RiskLevel,
    ScreeningResult,
    ScreeningState,
    Signal,
)
from bot.screening.wording import (
    CRISIS,
    FACTOR_PREFIX,
    IMMINENT,
    MODEL_FILE,
    FloatArray,
    WordingModel,
)
from bot.yamlio import ConfigError, Problem

# Verbs of finding a means among someone's things (兄の部屋からロープが出てきた): theirs.
# The kinds that make someone else's words a crisis of theirs (友達が死にたいって言ってた).
_THIRD_PARTY_KINDS: Final = frozenset(
    {"death", "vanish", "method", "self_harm", "ideation_noun", "attempt", "live", "preparation"}
)
# The kinds about the person's own crisis: said about someone else they become third_party.
_CRISIS_KINDS: Final = frozenset(
    {
        "death",
        "vanish",
        "event",
        "live",
        "sleep",
        "born",
        "ending",
        "relief",
        "elsewhere",
        "method",
        "self_harm",
        "ideation_noun",
        "attempt",
    }
)
# A reading of something done or under way (切った, 切ってる, 切って…).
_DONE_FEATURES: Final = frozenset({rd.PAST, rd.PROGRESSIVE, rd.TE})
# Slots that say the person is thinking of dying (the "crisis cues" other slots may need).
_IDEATION_SLOTS: Final = frozenset({"ideation", "passive", "method", "intent", "act", "self_harm"})
# A wish said laughing right after everyday talk (see _decide: joking): the slots it does not
# fill, for these kinds of words.
_JOKED_SLOTS: Final = frozenset({"ideation", "passive", "euphemism", "burden", "despair"})
_JOKED_KINDS: Final = frozenset({"death", "vanish", "ideation_noun", "ending"})
# Nouns of a time of day or a day (明日の夜死ぬ is a time, not an ordeal: _event_then_death).
_TIME_NOUNS: Final = frozenset(
    {"夜", "朝", "昼", "晩", "夕方", "夜中", "深夜", "日", "週末", "午後", "午前", "うち", "内"}
)
# Words that make not waking up for good (ずっと起きなくていい).
_FOREVER: Final = frozenset({"ずっと", "永遠", "永久", "このまま"})
# The reasons that stand alone on the card when a level is held at moderate (screening.yaml
# messages doubt and harm_only), instead of the imminent line.
_HELD_REASONS: Final = ("doubt", "harm_only")
# A threat to someone else (see Screener._threat_only): the slots a weapon fills, and those
# that say nothing of the person's own death.
_THREAT_SLOTS: Final = frozenset({"means", "method", "preparation", "act"})
_NOT_THE_PERSONS_DEATH: Final = frozenset(
    {
        "factor",
        "harm_to_others",
        "child_in_danger",
        "third_party",
        "despair",
        "distress",
        "timing",
        "place",
        "help",
        "resolved",
        "wording",
    }
)
_CUE_SLOTS: Final = _IDEATION_SLOTS | frozenset(
    {"despair", "burden", "euphemism", "farewell", "preparation", "means", "place", "past_attempt"}
)
# Slots a time makes imminent when they are said together (a method with a time).
_TIMED_SLOTS: Final = frozenset(
    {"ideation", "passive", "method", "intent", "farewell", "preparation", "euphemism", "self_harm"}
)
# Asking how (やり方, どうやって), and having got over it (乗り越え): words looked for in the text.
_HOW: Final = re.compile("やり方|どうやって|どうすれば楽|方法がわから|方法を探|方法ばかり")
_ATTEMPT_SLOTS: Final = frozenset(
    {"past_attempt", "recent_attempt", "act", "self_harm", "resolved", "third_party"}
)
_MEANS_USED: Final = frozenset({"means", "act", "method", "preparation", "intent"})
_MEDIA_SAID: Final = "media_said"  # fiction or the news was named in the conversation
_IF_PARTICLES: Final = frozenset({"ば", "たら", "なら", "ら"})  # (the conditional itself)
_OVERCOME: Final = re.compile("乗り越え|立ち直|克服")
_EXTRA_CUES: Final = "cues"  # conversation cues kept between messages (ScreeningState.extra)
_EXTRA_TIMES: Final = "times"  # message indexes with a time word
_EXTRA_FLAGS: Final = "flags"
# [concept id, message index] of a message that only named a means (お母さんの睡眠薬 / 親宛ての
# 手紙): the next two messages may say what was done with it (いっぱい飲んじゃった)
_EXTRA_FRAGMENT: Final = "fragment"
_FRAGMENT_CUE: Final = "fragment:"
_COMPLETED_SLOTS: Final = frozenset(
    {"act", "means", "preparation", "method", "intent", "ideation", "passive", "self_harm"}
)
# the last messages of at most _TAIL_LETTERS letters each (も / う / し / に), read with the next
_EXTRA_TAIL: Final = "tail"
# the newest messages' normalized text, for the wording model's window (blanked by
# ScreeningState.without_words for a person who declined the terms)
_EXTRA_WORDING: Final = "wording"
_TAIL_LETTERS: Final = 3
_TAIL_MESSAGES: Final = 5
# A weak means kept at hand with nothing of crisis (睡眠薬、まだ取ってある): held in the state's
# extra (a signal as JSON) for three messages, and a means at hand if one of them says a crisis.
_PENDING_MEANS: Final = "means_kept"
_EXTRA_PENDING: Final = "pending_means"
_PENDING_FOR: Final = 3
_CALLS_KEPT_MEANS: Final = frozenset(
    {"ideation", "passive", "intent", "method", "despair", "burden", "farewell", "euphemism"}
)
_EXTRA_EXPLAINED: Final = (
    "explained"  # signals an explanation took back (JSON), until a crisis word
)
# the slots whose words bring back what an explanation took back (not a factor or a fear)
_RESTORING: Final = frozenset(
    {
        "ideation",
        "passive",
        "intent",
        "method",
        "self_harm",
        "act",
        "euphemism",
        "despair",
        "burden",
        "farewell",
    }
)
# The levels by name: RiskLevel.HIGH is looked up through the enum's metaclass at every use
# (CPython 3.11 does not specialize it), and screen() and the ladder read them per message.
_NONE: Final = RiskLevel.NONE
_LOW: Final = RiskLevel.LOW
_MODERATE: Final = RiskLevel.MODERATE
_HIGH: Final = RiskLevel.HIGH
_IMMINENT: Final = RiskLevel.IMMINENT
_MAX_REASON_FILLS: Final = 10
_MAX_PER_CONCEPT: Final = 6
_MAX_HITS: Final = 400
_CHILD_HIRAGANA_RATIO: Final = 0.85
_CLAUSE_COMMAS: Final = frozenset({"、", ",", "，"})
_AGAIN_AND_AGAIN: Final = (
    "何度も",
    "何回も",
    "繰り返し",
    "ガンガン",
    "がんがん",
    "わざと",
    "自分で",
)
_RIGHT_AFTER: Final = frozenset({"すぐ", "直ぐ", "直後"})  # 離婚してすぐは
_GOING: Final = frozenset(
    {"帰る", "行く", "いく", "出る", "発つ", "引っ越す", "移る", "戻る", "向かう"}
)
_HERE: Final = frozenset({"ここ", "此処", "この世"})
_ROOMS: Final = frozenset(
    {"部屋", "家", "寝室", "自室", "トイレ", "浴室", "風呂場", "玄関", "実家", "うち"}
)
# the kinds of words that say a crisis (when the rules read them as someone else's, a quote, a
# past or an idiom, the wording model does not overrule them): the person's own crisis kinds
# and the words around a plan, its means and its despair
_READ_AWAY_KINDS: Final = _CRISIS_KINDS | frozenset(
    {"means", "place", "preparation", "farewell", "finality", "wound", "despair", "burden"}
)
# the kinds of crisis words the rules read themselves (a message with one of them, which the
# rules put below high, is overruled by the wording model only from `wording.overrule`)
_CRISIS_WORD_KINDS: Final = _READ_AWAY_KINDS - {"despair", "burden"}
# the term of the wording slot filled by the model's imminent head (its reason stays on the card)
_WORDING_IMMINENT: Final = "wording_imminent"
# cues of abuse going on now (the rules' reading): without one, abuse words are of a past
_ABUSE_NOW: Final = frozenset({"abuse", "abuse_done", "hit_now", "dv_home", "hiding"})
_QUANTITY_MIN: Final = 5  # 5錠 or more is a quantity worth noticing (薬20錠, 40錠くらい)


class Hit(NamedTuple):
    """A concept found in a message, with what the grammar around it says."""

    concept: Concept
    begin: int  # span in the normalized text
    end: int
    first: int  # token index of the first word
    last: int  # token index of the last word
    sentence: int
    reading: Reading
    context: Context
    span_end: int = 0  # the end of the words read with it (死に → 死にたい), in the text


Emit = Callable[[str, "Hit"], None]  # a slot rule's way to fill a slot with a hit


class Fill(NamedTuple):
    """A slot filled by a hit: the slot, the concept, and the words (normalized span)."""

    slot: str
    concept: Concept
    begin: int
    end: int
    sentence: int


class MessageAnalysis(NamedTuple):
    """What one message shows on its own (before the conversation's ladder)."""

    fills: tuple[Fill, ...]
    cues: frozenset[str]  # conversation cues this message adds (finality, child, decided, time…)
    flags: frozenset[str]
    has_time: bool
    normalized: Normalized
    # crisis words the rules read as not the person's own crisis now (an idiom, a quote,
    # someone else, a past, a trivial cause): the wording model does not overrule them
    read_away: bool = False
    # crisis words the rules read at all (to die, a rope, a place…): the wording model must be
    # surer to overrule that reading (screening.yaml wording.overrule)
    read: bool = False
    # factors whose words the rules read as not the person's own now (a friend's debt, a
    # debt repaid, a supposition): the wording model does not list them either
    factors_away: frozenset[str] = frozenset()


_NEW_CONVERSATION = ScreeningState()
_NO_CUES: Final[frozenset[str]] = frozenset()
# Slots that carry no word of death, self-harm or despair (wording.doubt may hold a level
# that rests on them alone at moderate)
_DOUBTED_SLOTS: Final = frozenset(
    {
        "act",
        "means",
        "place",
        "timing",
        "preparation",
        "farewell",
        "factor",
        "help",
        "third_party",
        "resolved",
        "past_attempt",
        "recurrence",
    }
)
# Slots that make a pathway of factors more serious (with despair, fewer links are high).
_DESPAIR_SLOTS: Final = frozenset(
    {"despair", "distress", "burden", "passive", "ideation", "self_harm", "euphemism"}
)
_HOPELESS_SLOTS: Final = _DESPAIR_SLOTS - {"distress"}
# the slots of a conversation that told only of life problems (and asked for help)
_HARDSHIP_ONLY: Final = frozenset({"factor", "help"})
# Hit(...) and Fill(...) run a NamedTuple's Python-level __new__, 3x slower than this
_new = tuple.__new__


class _Fields(dict[str, str]):
    """Template fields; an unknown placeholder stays visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Screener:
    """Screens messages with the concepts, grammar and ladder of one config directory.

    Holds one Sudachi tokenizer, which is not thread-safe: use one Screener per thread (the
    service calls it from the event loop thread only). Screening keeps no per-call state on the
    instance, so many asyncio tasks may share one Screener.
    """

    # Slots: with more than 30 attributes an instance's __dict__ stops sharing its keys with
    # the class, and CPython 3.11 then leaves many `self._method(...)` calls and attribute
    # reads unspecialized (a generic lookup on every call); slots keep them fast.
    __slots__ = (
        "_advert",
        "_affairs_concept",
        "_afterlife_concept",
        "_at_place",
        "_benign_sentences",
        "_by_id",
        "_calm_at",
        "_calm_now",
        "_calm_present",
        "_child_hits",
        "_child_writer",
        "_concepts",
        "_cover_story",
        "_cues",
        "_decided",
        "_edge_concept",
        "_explanation",
        "_factor_heads",
        "_flag_heads",
        "_fragment_words",
        "_g",
        "_goodbyes",
        "_hanging_concept",
        "_harm_hits",
        "_idiom_dropped",
        "_injury_concept",
        "_injury_keys",
        "_jump_said",
        "_kana_concepts",
        "_keys",
        "_laughter",
        "_leaving",
        "_lethality_concept",
        "_mass_harm",
        "_media_read",
        "_message_keys",
        "_moving_away",
        "_next_time",
        "_no_future_concept",
        "_normalizer",
        "_not_things",
        "_past_sentences",
        "_pathway_memo",
        "_pills_concept",
        "_play",
        "_reader",
        "_readied",
        "_recent",
        "_recurrence_phrases",
        "_resolute",
        "_ruminating",
        "_rumination",
        "_settled",
        "_settled_at",
        "_soon",
        "_strong_ids",
        "_strong_terms",
        "_surer",
        "_text",
        "_time_sentences",
        "_time_words",
        "_tokenizer",
        "_tokens",
        "_vanish_concept",
        "_water_concept",
        "_why",
        "config",
        "wording",
    )

    def __init__(
        self,
        config: ScreeningConfig,
        tokenizer: SudachiTokenizer,
        wording: WordingModel | None = None,
    ) -> None:
        self.config = config
        # the second reader of the wording (None, or disabled in screening.yaml: rules alone)
        self.wording = wording if config.wording.enabled else None
        # the model's flag and factor heads: (flag or factor id, head index)
        heads = self.wording.heads if self.wording is not None else ()
        self._flag_heads = [(f, heads.index(f)) for f in FLAGS if f in heads]
        self._factor_heads = [
            (h.removeprefix(FACTOR_PREFIX), i)
            for i, h in enumerate(heads)
            if h.startswith(FACTOR_PREFIX) and h.removeprefix(FACTOR_PREFIX) in config.factors
        ]
        self._tokenizer = tokenizer
        self._normalizer = Normalizer(config.spellings, config.dialects, config.emoji)
        self._reader = ClauseReader(config.grammar)
        self._g = config.grammar
        g = config.grammar
        # a named subject of 消える that is the person or an adverb (本当は), not a thing
        self._not_things = (g.first_person | g.third_person | g.self_nouns) | (
            g.earnest | g.now | g.present | g.history | g.recent
        )
        self._rumination = _any_of(config.grammar.rumination)
        self._recurrence_phrases = _phrases(config.grammar.recurrence)
        self._play = _any_of(config.grammar.play_words)  # ラスボス, ゲーム: words of play
        self._leaving = _any_of(config.grammar.leaving_words)  # 送別会, 退職: a leaving do
        self._mass_harm = _any_of(config.grammar.mass_harm_words)  # 無差別, 巻き込: others too
        self._goodbyes = _any_of(config.grammar.goodbye_words)  # さよなら, バイバイ
        self._laughter = _any_of(config.grammar.laughter)  # 笑, w, 草
        self._explanation = _any_of(config.grammar.explanation)  # キャンプ, の話ね, 冗談
        self._moving_away = _any_of(config.grammar.moving_away)  # 転校, 引っ越
        self._next_time = _any_of(config.grammar.next_time)  # 次は, 今度こそ
        self._surer = _any_of(config.grammar.surer)  # 増やす, 確実
        self._settled = _any_of(config.grammar.settled)  # 返し終わった, 昔の話: a factor over
        self._calm_now = _any_of(config.grammar.calm_now)  # 今は平和: calm now, after a past
        self._calm_present = _any_of(config.grammar.calm_present)  # 今は大丈夫: over, after a past
        # 釣りに行くって母には言っておいた: a story told to others, maybe a cover
        self._cover_story = re.compile(
            r"(?:って|と)[^。！？!?\n]{0,8}?(?:"
            + "|".join(sorted(map(re.escape, config.grammar.cover_story), key=len, reverse=True))
            + ")"
        )
        # the keys a verb of _self_injury can have: a verb of hurting or doing, or the last
        # part of a verb of hurting split in two (押し + つける)
        harm = config.grammar.harm_verbs
        self._injury_keys = (
            harm | config.grammar.pro_verbs | {v[i:] for v in harm for i in range(1, len(v))}
        )
        # Concepts and idioms are found in one pass over a message's words (the idioms come
        # after every concept: the concepts' matches keep their order).
        self._concepts: PatternSet[Concept | Idiom] = PatternSet()
        self._kana_concepts: PatternSet[Concept | Idiom] = PatternSet()
        for concept in config.concepts:
            for pattern in concept.patterns:
                self._concepts.add(pattern, concept)
                self._kana_concepts.add(pattern, concept)
            for regex in concept.regexes:
                self._concepts.add_regex(regex, concept)
                self._kana_concepts.add_regex(regex, concept)
            for pattern in concept.kana_patterns:
                self._kana_concepts.add(pattern, concept)
        for patterns in (self._concepts, self._kana_concepts):
            for idiom in config.idioms:
                for pattern in idiom.patterns:
                    patterns.add(pattern, idiom)
                for regex in idiom.regexes:
                    patterns.add_regex(regex, idiom)
            patterns.prepare()  # the regex gates, now rather than at the first message
        self._by_id = {c.id: c for c in config.concepts}
        self._strong_ids = frozenset(c.id for c in config.concepts if c.strong)
        self._strong_terms = frozenset(cid for cid, c in self._by_id.items() if c.strong)
        # the concept a self-injury with no self-harm word is shown as (自傷)
        self._injury_concept = self._by_id.get("self_harm", _RECURRENCE)
        # the concept the edge of a place is shown as (堤防の先端: 危険な場所)
        self._edge_concept = self._by_id.get("danger_place", _RECURRENCE)
        # things put in order for after one's death (死んだあと困らないように…まとめた)
        self._affairs_concept = self._by_id.get("affairs", _RECURRENCE)
        self._hanging_concept = self._by_id.get("hanging", _RECURRENCE)
        self._vanish_concept = self._by_id.get("vanish", _RECURRENCE)
        self._no_future_concept = self._by_id.get("hopeless", _RECURRENCE)
        self._pills_concept = self._by_id.get("pills", _RECURRENCE)
        self._water_concept = self._by_id.get("high_place", _RECURRENCE)
        self._afterlife_concept = self._by_id.get("afterlife", _RECURRENCE)
        self._lethality_concept = self._by_id.get("lethality", _RECURRENCE)
        # per-message scratch (screening runs on one thread; set at the start of each _decide)
        self._recent: set[int] = set()
        self._ruminating = False
        self._child_writer = False
        self._why = False
        self._at_place = False
        self._cues: frozenset[str] = frozenset()
        self._resolute = False
        self._decided = False
        self._benign_sentences: set[int] = set()
        self._jump_said = False
        self._keys: frozenset[str] | set[str] = frozenset()
        self._message_keys: frozenset[str] = frozenset()  # the words of the message analyzed
        self._text = ""
        self._harm_hits: list[Hit] = []
        self._child_hits: list[Hit] = []
        self._tokens: list[Token] = []
        self._past_sentences: set[int] = set()
        self._settled_at = -1  # where the message says a factor is over (返し終わった), or -1
        self._calm_at = -1  # where it says the present is calm after a past (今は平和), or -1
        self._advert = False  # the message is an advertisement (遺品整理…お見積り無料)
        self._time_words: set[int] = set()  # token indexes of the message's time words
        self._time_sentences: set[int] = set()  # sentences a time said alone or tonight is for
        self._readied = False  # a means got ready for such a time (睡眠薬を用意した。今夜)
        self._soon = False  # the message says tonight / now (今夜, 今から)
        self._idiom_dropped = False  # an idiom took a crisis word of the message (死ぬほど)
        self._fragment_words: dict[str, str] = {}  # concept id → the noun it is read back with
        self._pathway_memo: dict[
            tuple[tuple[str, ...], frozenset[str]], tuple[PathwayMatch | None, int]
        ] = {}

    @classmethod
    def load(cls, config_dir: Path, wording_model: Path = MODEL_FILE) -> Screener:
        """Load and check config_dir and the wording model; raises ConfigError listing every
        problem."""
        tokenizer = SudachiTokenizer()
        config, problems = load_config(Path(config_dir), tokenizer)
        if config is None:
            raise ConfigError(problems)
        model = None
        if config.wording.enabled:
            try:
                model = WordingModel.load(wording_model)
            except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
                raise ConfigError(
                    [
                        Problem(
                            str(wording_model),
                            None,
                            explain(
                                "screening.wording_model_missing",
                                path=wording_model,
                                problem=type(exc).__name__,
                            ),
                        )
                    ]
                ) from exc
        return cls(config, tokenizer, model)

    # --- public API ----------------------------------------------------------------------

    def screen(
        self, text: str, state: ScreeningState | None = None
    ) -> tuple[ScreeningResult, ScreeningState]:
        """Screen the newest message in the context of the conversation so far."""
        old = _NEW_CONVERSATION if state is None else state  # only read, never changed
        index = old.messages
        extra = old.extra
        old_cues: frozenset[str] = frozenset(extra.get(_EXTRA_CUES, ())) if extra else _NO_CUES
        old_times = list(extra.get(_EXTRA_TIMES, ())) if extra else []
        old_signals: Sequence[Signal] = old.signals
        earlier = frozenset([s.cls for s in old_signals]) if old_signals else _NO_CUES
        analysis = self.analyze(text, index, earlier, old_cues)
        own_normalized = analysis.normalized  # (before a fragment is read with it)
        own_keys = self._message_keys  # (the same: analyze reads a joined text again below)
        new_signals = self._signals(analysis, index, text)
        fragment = extra.get(_EXTRA_FRAGMENT) if extra else None
        if fragment and index - int(fragment[1]) <= 2:
            word = self._fragment_word(str(fragment[0]))
            completed = (
                self._read_with(word + "、", text, index, earlier, old_cues, analysis)
                if word
                else None
            )
            if completed is not None:
                analysis, new_signals = completed
        tail = list(extra.get(_EXTRA_TAIL, ())) if extra else []
        if tail and tail[-1]["message"] == index - 1 and all(t["text"] for t in tail):
            # も / う / し / に / た / い: letters sent one message at a time, read together
            joined = self._read_with(
                "".join(t["text"] for t in tail), text, index, earlier, old_cues, analysis
            )
            if joined is not None:
                analysis, new_signals = joined
        short = text.strip()
        if 0 < len(short) <= _TAIL_LETTERS:
            kept_tail = tail if tail and tail[-1]["message"] == index - 1 else []
            tail = [*kept_tail, {"text": short, "message": index}][-_TAIL_MESSAGES:]
        else:
            tail = []
        pending = (
            [p for p in extra.get(_EXTRA_PENDING, ()) if index - p["message"] <= _PENDING_FOR]
            if extra
            else []
        )
        if new_signals and any(s.cls == _PENDING_MEANS for s in new_signals):
            pending += [s.to_json() for s in new_signals if s.cls == _PENDING_MEANS]
            new_signals = [s for s in new_signals if s.cls != _PENDING_MEANS]
        if pending and any(s.cls in _CALLS_KEPT_MEANS for s in new_signals):
            restored = [replace(Signal.from_json(p), cls="means") for p in pending]
            new_signals = [*restored, *new_signals]  # the means the person said they keep
            pending = []
        fragment_cue = (
            next((c for c in analysis.cues if c.startswith(_FRAGMENT_CUE)), None)
            if analysis.cues
            else None
        )
        if fragment_cue is not None:
            fragment = [fragment_cue[len(_FRAGMENT_CUE) :], index]
            analysis = analysis._replace(cues=analysis.cues - {fragment_cue})
        retracted = False
        explained: list[dict[str, Any]] = list(extra.get(_EXTRA_EXPLAINED, ())) if extra else []
        if explained and any(s.cls in _RESTORING for s in new_signals):
            # ロープ買った / キャンプ楽しみ / …ほんとは死にたい: what was explained away counts again
            old_signals = [*(Signal.from_json(d) for d in explained), *old_signals]
            explained = []
        if old_signals and self._explains(analysis, new_signals):
            # 炭とロープ買った / 週末のキャンプ楽しみ: a message explains one of the last three
            # (the latest with slots), when nothing of crisis was said since
            back = max(
                (s.message for s in old_signals if s.cls != "factor" and s.message >= index - 3),
                default=-1,
            )
            if back >= 0 and (kept := self._explained(old_signals, back)) is not None:
                # kept aside (its factors stay): a later crisis word brings them back
                explained += [
                    sig.to_json()
                    for sig in old_signals
                    if sig.message == back and sig.cls != "factor"
                ]
                old_signals, retracted = kept, True
                old_cues = old_cues - _EXPLAINED_CUES
                old_times = [t for t in old_times if t != back]
        signals = [*old_signals, *new_signals] if old_signals else new_signals
        factors = list(old.factors)
        for signal in new_signals:
            if signal.factor and signal.factor not in factors:
                factors.append(signal.factor)
        model = self.wording
        window = self.config.wording.window
        recent: list[dict[str, Any]] = []
        texts: list[str] = []
        heads: FloatArray | None = None  # every head of the wording model, for this message
        if model is not None:
            recent = [
                w
                for w in (extra.get(_EXTRA_WORDING, ()) if extra else ())
                if w.get("text") and 0 < index - int(w.get("message", -99)) < window
            ]
            texts = [*(str(w["text"]) for w in recent), own_normalized.text]
            if own_normalized.text.strip():
                heads = model.probabilities(texts)
        if heads is not None and self._factor_heads and not any(s.factor for s in new_signals):
            # life problems worded in ways no factor list names (売上が半分になった), in a
            # message where the rules read none (部活の先輩が厳しくて is the rules' bullying,
            # not the model's workplace)
            for factor, head in self._factor_heads:
                if (
                    heads[head] >= self.config.wording.factors
                    and factor not in factors
                    and factor not in analysis.factors_away
                ):
                    said = self._wording_signal(
                        text, own_normalized, texts, index, head, "factor", factor
                    )
                    factors.append(factor)
                    signals = [*signals, said]
                    new_signals = [*new_signals, said]
        cues = old_cues | analysis.cues if old_cues else analysis.cues
        times = [*old_times, index] if analysis.has_time else old_times
        old_flags = extra.get(_EXTRA_FLAGS) if extra else None
        flags = sorted(set(old_flags) | analysis.flags) if old_flags else sorted(analysis.flags)
        prior = [f for f in old.prior_factors if f] if old.prior_factors else []
        level, why = self._ladder(signals, cues, times, index)
        if not (old.signals or old_cues or old_times):
            message_level = level  # nothing before it: the message's own level is the same
        elif new_signals or analysis.cues:
            message_times = [index] if analysis.has_time else []
            message_level = self._ladder(new_signals, analysis.cues, message_times, index)[0]
        else:
            message_level = _NONE
        if factors or prior:
            pathway, links = self._pathway(factors, prior)
            slots = [s.cls for s in signals]
            despair = not _DESPAIR_SLOTS.isdisjoint(slots)
            hopeless = not _HOPELESS_SLOTS.isdisjoint(slots)
            pathway_level = self._pathway_level(pathway, links, despair, hopeless)
        else:  # no factor: no pathway, and no level (every links threshold is at least 1)
            pathway, links, pathway_level = None, 0, _NONE
        if (
            index > 0
            and old.risk <= _MODERATE
            and all(s.cls in _HARDSHIP_ONLY for s in signals)
            and self._hardship_over(own_normalized.text, own_keys)
        ):
            # リストラされて借金まみれになった / 今は別の会社で働いて、借金も返し終えました: an
            # ordinary hardship told as over; its factors stay listed, with no level
            retracted, level, pathway_level = True, _NONE, _NONE
        level = max(_NONE if retracted else old.risk, level, pathway_level)
        if (
            "along" in cues
            and times
            and index - times[-1] <= 1
            and {s.cls for s in signals} & {"despair", "burden", "euphemism", "passive"}
        ):
            level = max(level, _IMMINENT)  # もうやっていけない / 明日の晩、娘と二人で行く
        ntext = analysis.normalized.text
        if (
            _holds(self._next_time, ntext)
            and _holds(self._surer, ntext)
            and any(s.cls == "past_attempt" for s in signals)
        ):
            level = _IMMINENT  # 前にODして助かった / 次は量を三倍に増やした
        if "along" in cues and level >= _HIGH:
            # この子を連れて一緒にいきます / 二人分の薬 at high risk: a death for two
            flags = sorted(
                {*flags, "harm_to_others"}
                | ({"child_in_danger"} if "along_child" in cues else set())
            )
        if heads is not None and self._flag_heads:
            # danger to someone else worded in ways the rules do not read: flagged, with the
            # words (the supervisor is alerted as for an imminent case)
            # abuse words the rules read and found over (子供のころ父に殴られてた): no danger now
            abuse_over = "factor:abuse" in analysis.cues and not analysis.cues & _ABUSE_NOW
            for flag, head in self._flag_heads:
                if flag == "child_in_danger" and abuse_over:
                    continue
                if heads[head] >= self.config.wording.flags and flag not in flags:
                    said = self._wording_signal(text, own_normalized, texts, index, head, flag)
                    flags = sorted({*flags, flag})
                    signals = [*signals, said]
                    new_signals = [*new_signals, said]
        if "harm_to_others" in flags:
            level = max(level, _MODERATE)  # someone ready to hurt another: a counselor
            if level >= _HIGH and pathway_level < _HIGH and self._threat_only(signals, cues):
                # 明日あいつの家に包丁持って行く: a threat to someone else, with no word of the
                # person's own death; the flag alerts the supervisor, the level is the person's
                level = _MODERATE
                message_level = min(message_level, _MODERATE)
                why = ["harm_only"]
        if "child_in_danger" in flags:
            writer = (
                cues & {"child_writer", "caregiver_writer", "child"} and "abuse_done" not in cues
            ) or (
                "hiding" in cues and bool(cues & {"hit_now", "dv_home"})
            )  # the writer is the child, hiding
            level = max(level, _MODERATE if writer else _LOW)
        wording_window: list[dict[str, Any]] = []
        if model is not None:
            # a past that is over or someone else's crisis, as the rules read the window
            read_away = (
                analysis.read_away
                or any(w.get("away") for w in recent)
                or any(
                    s.cls in ("resolved", "third_party") and s.message > index - window
                    for s in signals
                )
            )
            doubt = self.config.wording.doubt
            if (
                doubt
                and heads is not None
                and level >= _HIGH
                and old.risk < _HIGH
                and pathway_level < _HIGH
                and not flags
                and float(heads[CRISIS]) < doubt
                and _DOUBTED_SLOTS.issuperset([s.cls for s in signals])
            ):
                # a place, means or act with no word of death or despair, worded like the
                # everyday talk the model learned from (屋上きた / 文化祭の準備): a counselor is
                # offered, the crisis answer is not sent; a later crisis word raises it again
                level = _MODERATE
                message_level = min(message_level, _MODERATE)
                why = ["doubt"]  # (not the imminent reasons of a level it does not have)
            if level < _HIGH and not read_away and heads is not None:
                worded = self._worded_as_crisis(
                    text, own_normalized, texts, index, analysis.read, float(heads[CRISIS])
                )
                if worded is not None:
                    # worded like a crisis though no rule names it: high, with the words
                    signals = [*signals, worded]
                    new_signals = [*new_signals, worded]
                    level = max(level, _HIGH)
                    message_level = max(message_level, _HIGH)
            if (
                level == _HIGH
                and not read_away
                and heads is not None
                and len(heads) > IMMINENT
                and heads[IMMINENT] >= self.config.wording.imminent
            ):
                # a crisis (the rules' or the first head's), worded like the imminent ones the
                # model learned from: imminent (cross-validated, imminent recall 0.788 → 0.835
                # over every labelled set for 20 more over-calls of 4,000: docs/screening.md)
                level = message_level = _IMMINENT
                said = self._wording_signal(text, own_normalized, texts, index, IMMINENT)
                said = replace(said, term=_WORDING_IMMINENT)
                signals = [*signals, said]
                new_signals = [*new_signals, said]
            if "imminent_wording" not in why and any(s.term == _WORDING_IMMINENT for s in signals):
                why = [*why, "imminent_wording"]  # (on every later card of the conversation)
            if window > 1 and own_normalized.text.strip():
                entry = {"text": own_normalized.text, "message": index, "away": analysis.read_away}
                wording_window = [*recent, entry][-(window - 1) :]
            elif window > 1:
                wording_window = recent  # (a blank or emoji-only message keeps the window)
        reasons = (
            self._reasons(signals, factors, prior, pathway, links, why, flags)
            if (signals or prior or flags or why)
            else []
        )
        result = ScreeningResult(
            level,  # risk
            max(message_level, _NONE),  # message_risk
            old.risk,  # previous_risk
            tuple(signals),
            tuple(factors),
            pathway,
            tuple(reasons),
            tuple(flags),
        )
        new_state = ScreeningState(
            index + 1,
            level,
            signals,
            factors,
            list(old.prior_factors),
            {
                **old.extra,
                _EXTRA_CUES: sorted(cues),
                _EXTRA_TIMES: times[-6:],
                _EXTRA_FLAGS: flags,
                _EXTRA_EXPLAINED: explained,
                _EXTRA_FRAGMENT: fragment,
                _EXTRA_PENDING: pending,
                _EXTRA_TAIL: tail,
                _EXTRA_WORDING: wording_window,
            },
        )
        return result, new_state

    def _threat_only(self, signals: Sequence[Signal], cues: frozenset[str]) -> bool:
        """The conversation's crisis rests only on a threat to someone else: its cues and means
        that can be turned on someone (a knife, a gun, petrol: concepts.yaml
        ``turned_on_others``), with no word of the person's own death, no plan for two (一緒に,
        道連れ) and no self-harm."""
        if "along" in cues:
            return False
        for s in signals:
            if s.cls in _NOT_THE_PERSONS_DEATH:
                continue
            concept = self._by_id.get(s.term)
            if s.cls not in _THREAT_SLOTS or concept is None or not concept.turned_on_others:
                return False
        return True  # (the threat's own cues may be all that raised it: 包丁持っていく / 明日)

    def _worded_as_crisis(
        self,
        text: str,
        normalized: Normalized,
        texts: Sequence[str],
        index: int,
        read: bool,
        probability: float,
    ) -> Signal | None:
        """The wording model's slot fill, when the newest messages (``texts``, normalized,
        oldest first) are worded like a crisis (the crisis head's ``probability``): the clause
        of this message that weighed most. ``read``: the rules read crisis words in this
        message (and put it below high)."""
        settings = self.config.wording
        if probability < (settings.overrule if read else settings.threshold):
            return None
        return self._wording_signal(text, normalized, texts, index, CRISIS)

    def _wording_signal(
        self,
        text: str,
        normalized: Normalized,
        texts: Sequence[str],
        index: int,
        head: int,
        cls: str = "wording",
        factor: str | None = None,
    ) -> Signal:
        """A slot the wording model fills (the wording slot, a flag, or a factor): the clause
        of this message that weighed most for the head."""
        clause = self.wording.strongest_clause(texts, head) if self.wording else None
        start, end = normalized.original_span(*clause) if clause is not None else (0, len(text))
        if end <= start:
            start, end = 0, len(text)
        return Signal(cls, "wording", text[start:end], start, end, index, factor)

    def _fragment_word(self, concept_id: str) -> str:
        """The noun a fragment of this concept is read back with (its card label's first
        name: 薬, ロープ, 手紙), or "" when the label is not a plain noun."""
        word = self._fragment_words.get(concept_id)
        if word is None:
            concept = self._by_id.get(concept_id)
            word = concept.label.split("・")[0] if concept is not None else ""
            tokens = self._tokenizer.tokenize(word) if word else []
            if not tokens or any(t.pos != "名詞" for t in tokens):
                word = ""
            self._fragment_words[concept_id] = word
        return word

    def _read_with(
        self,
        before: str,
        text: str,
        index: int,
        earlier: frozenset[str],
        cues: frozenset[str],
        plain: MessageAnalysis,
    ) -> tuple[MessageAnalysis, list[Signal]] | None:
        """The message read after ``before`` as one sentence, when that finds a crisis slot the
        message alone does not: 薬、 + いっぱい飲んじゃった after a message that only named the
        pills (お母さんの睡眠薬), もういき + たくない after letters sent one at a time. The
        signals point at this message's own words."""
        found = {f.slot for f in plain.fills}
        joined_text = before + text
        joined = self.analyze(joined_text, index, earlier, cues)
        if not {f.slot for f in joined.fills} & (_COMPLETED_SLOTS - found):
            return None
        shift = len(before)
        signals = [
            replace(
                s,
                text=text[max(0, s.start - shift) : s.end - shift],
                start=max(0, s.start - shift),
                end=s.end - shift,
            )
            for s in self._signals(joined, index, joined_text)
            if s.end > shift
        ]
        return joined, signals

    def _explains(self, analysis: MessageAnalysis, new_signals: Sequence[Signal]) -> bool:
        """An everyday context and nothing of crisis in the message (週末のキャンプ楽しみ,
        サプライズパーティーの話ね, 文通相手が海外に引っ越すので)."""
        if any(s.cls not in ("factor", "distress") for s in new_signals) or analysis.flags:
            return False
        text = analysis.normalized.text
        if "benign_denied" in analysis.cues:
            return False  # キャンプとかじゃなくて, BBQの予定はないよ: the everyday reading denied
        if self._cover_story.search(text):
            return False  # 釣りに行くって母には言っておいた: a story told to others, a cover
        # an everyday activity named, and said as the explanation (キャンプ + 楽しみ, 引っ越しの荷造り)
        return "benign_now" in analysis.cues and _holds(self._explanation, text)

    def _explained(self, signals: Sequence[Signal], message: int) -> list[Signal] | None:
        """The signals without those of ``message``, when all of that message's are the
        kind an everyday context explains (a means, a place, a time, a plan, a letter: no
        word of dying, vanishing or despair) and nothing of crisis was said before; else None."""
        theirs = [s for s in signals if s.message == message and s.cls != "factor"]
        if not theirs or all(s.cls == "wording" for s in theirs):
            return None  # (a crisis only the wording model read names nothing to explain)
        for s in theirs:
            if s.cls == "wording":
                continue  # the wording model's reading of the same words goes with them
            concept = self._by_id.get(s.term)
            if s.cls not in _EXPLAINABLE or concept is None or concept.kind in _NOT_EXPLAINABLE:
                return None
        rest = [s for s in signals if not (s.message == message and s.cls != "factor")]
        if any(s.cls not in ("factor", "third_party", "resolved", "distress") for s in rest):
            return None  # (怖かった after it is the activity's, not a crisis)
        return rest

    def screen_conversation(
        self, messages: Sequence[str], prior_factors: Sequence[str] = ()
    ) -> ScreeningResult:
        """Screen a whole conversation (oldest message first); the result after the last."""
        state = ScreeningState(prior_factors=list(prior_factors))
        result = ScreeningResult(risk=_NONE)
        for text in messages:
            result, state = self.screen(text, state)
        return result

    # --- one message ---------------------------------------------------------------------

    def analyze(
        self,
        text: str,
        index: int = 0,
        earlier: frozenset[str] = frozenset(),
        cues: frozenset[str] = frozenset(),
    ) -> MessageAnalysis:
        """Slot fills of one message; ``earlier``: slots of the conversation so far."""
        normalized = self._normalizer.normalize(text)
        ntext = normalized.text
        self._child_writer = _child_writing(text)
        self._idiom_dropped = False
        self._media_read = False
        tokens = self._tokenizer.tokenize(ntext)
        info = scan(tokens, ntext, self._g)
        self._message_keys = info.keys
        hits = self._hits(ntext, tokens, info.sentence_of, info.stream_words)
        folded_spans = [
            (t.begin, t.end)
            for t in map(tokens.__getitem__, info.unknown_katakana)  # (scan found them)
            if not any(h.begin <= t.begin and t.end <= h.end for h in hits)
        ]
        if folded_spans:
            # Unknown katakana words (シニタイ, キエタイ): read them again as hiragana.
            folded = fold_katakana(ntext, folded_spans)
            known = {(h.concept.id, h.begin, h.end) for h in hits}
            folded_tokens = self._tokenizer.tokenize(folded)
            begins = [t.begin for t in tokens]
            for h in self._hits(folded, folded_tokens, _sentences(folded_tokens)):
                if (h.concept.id, h.begin, h.end) not in known:
                    # the folded text has the same characters' places but its own words: the
                    # rules read ``tokens``, so the hit points at the words covering its span
                    first = max(0, bisect_right(begins, h.begin) - 1)
                    last = max(first, bisect_left(begins, h.end) - 1)
                    hits.append(
                        h._replace(first=first, last=last, sentence=info.sentence_of[first])
                    )
        analysis = self._decide(hits, tokens, ntext, normalized, index, earlier, cues, info)
        if (
            info.media
            and _MEDIA_SAID not in analysis.cues
            and (self._media_read or any(t.key in self._g.writing_words for t in tokens))
        ):
            # ミステリー書いてる / (next) 青酸カリって即死なのかな: a question about a method
            # after fiction was being written or read out is the fiction's, until a word of
            # crisis is said (映画見た alone carries nothing)
            analysis = analysis._replace(cues=analysis.cues | {_MEDIA_SAID})
        return analysis

    def _hits(
        self,
        text: str,
        tokens: list[Token],
        sentence_of: list[int] | None = None,
        words: Words | None = None,
    ) -> list[Hit]:
        stream = Stream(tokens, words)
        concepts = self._kana_concepts if _kana_writing(text) else self._concepts
        found: list[tuple[Concept, int, int, int, int]] = []
        idioms: list[tuple[int, int, frozenset[str] | None]] = []
        for payload, a, b, begin, end in concepts.find(stream, text):
            if isinstance(payload, Idiom):
                idioms.append((begin, end, payload.suppress))
            else:
                found.append((payload, a, b, begin, end))
        if not found:
            return []
        if sentence_of is None:
            sentence_of = _sentences(tokens)
        begins: list[int] = []  # the tokens' starts, for regex matches (made when needed)
        quotes = rd.quote_spans(text)
        kept: list[_Found] = []
        seen: set[tuple[str, int, int]] = set()
        per_concept: dict[str, int] = {}
        n_words = len(stream.tok)
        for concept, a, b, begin, end in found:
            key = (concept.id, begin, end)
            if key in seen:
                continue
            seen.add(key)
            count = per_concept.get(concept.id, 0)
            if count >= _MAX_PER_CONCEPT:
                continue
            if idioms and any(
                begin < i_end
                and i_begin < end
                and (sup is None or concept.kind in sup or concept.factor in sup)
                for i_begin, i_end, sup in idioms
            ):
                if concept.kind in _READ_AWAY_KINDS:
                    self._idiom_dropped = True  # (筋トレがつらい hides a distress word only)
                continue
            if a < b <= n_words:
                first, last = stream.tok[a], stream.tok[b - 1]
            else:  # a regex match: the tokens it covers
                begins = begins or [t.begin for t in tokens]
                first = max(0, bisect_right(begins, begin) - 1)
                last = max(first, bisect_left(begins, end) - 1)
            per_concept[concept.id] = count + 1
            kept.append(_new(_Found, (concept, begin, end, first, last)))
            if len(kept) >= _MAX_HITS:
                break
        # The grammar is read only for the matches that stay, once per word (a word read
        # for one concept reads the same for another).
        out: list[Hit] = []
        readings: dict[tuple[int, bool], Reading] = {}
        contexts: dict[int, Context] = {}
        for concept, begin, end, first, last in _drop_hidden(kept):
            kind = concept.kind
            if kind in _CUE_KINDS:
                # 子ども, キャンプ, あいつ: cues whose words are all that matters
                reading = _NO_READING
                quoted = any(a <= begin < b for a, b in quotes) if quotes else False
                context = _QUOTED_CONTEXT if quoted else _PLAIN_CONTEXT
                span_end = end  # (_span_end of no reading)
            else:
                # くすり may be read as an adverb: a means or a place is a noun whatever
                noun = tokens[last].pos in ("名詞", "接尾辞", "代名詞") or kind in (
                    "means",
                    "place",
                )
                found_reading = readings.get((last, noun))
                if found_reading is None:
                    found_reading = readings[last, noun] = self._reader.read(
                        tokens, last, noun=noun
                    )
                reading = found_reading
                found_context = contexts.get(first)
                if found_context is None:
                    found_context = contexts[first] = self._reader.context(
                        tokens, first, text, quotes
                    )
                context = found_context
                span_end = end if kind == "time" else _span_end(tokens, last, reading, end, kind)
            out.append(
                _new(
                    Hit,
                    (
                        concept,
                        begin,
                        end,
                        first,
                        last,
                        sentence_of[first],
                        reading,
                        context,
                        span_end,
                    ),
                )
            )
        return out

    # --- slot rules ----------------------------------------------------------------------

    def _decide(
        self,
        hits: list[Hit],
        tokens: list[Token],
        text: str,
        normalized: Normalized,
        index: int,
        earlier: frozenset[str],
        cues: frozenset[str],
        info: Scan | None = None,
    ) -> MessageAnalysis:
        g = self._g
        if info is None:
            info = scan(tokens, text, g)
        new_cues: set[str] = set()
        self._cues = cues
        self._tokens = tokens
        if not hits:
            return self._quiet(tokens, text, normalized, earlier, cues, info)
        if any(h.concept.kind in ("child", "abuse") for h in hits):
            # 45歳の息子, 成人した娘: a grown son or daughter is no child in danger
            hits = [
                h
                for h in hits
                if h.concept.kind not in ("child", "abuse") or not _grown_up(tokens, h, g)
            ]
        kinds_by_sentence: dict[int, set[str]] = {}
        hit_kinds: set[str] = set()  # the kinds of every hit, owned or not
        own_kinds: set[str] = set()
        strong_by_kind: dict[str, bool] = {}
        hit_ids: set[str] = set()  # (the rules below look for one concept among the hits)
        decided_reading = False  # a hit read as decided (死ぬことにした)
        for h in hits:
            hit_kinds.add(h.concept.kind)
            hit_ids.add(h.concept.id)
            decided_reading = decided_reading or rd.DECIDED in h.reading.features
            kinds_by_sentence.setdefault(h.sentence, set()).add(h.concept.kind)
            if self._own(h):
                own_kinds.add(h.concept.kind)
                strong_by_kind[h.concept.kind] = (
                    strong_by_kind.get(h.concept.kind, False) or h.concept.strong
                )
        keys = info.keys
        self._keys = info.key_words  # keys | surfaces
        self._text = text
        laughing = not self._keys.isdisjoint(g.laughter)
        earnest = not self._keys.isdisjoint(g.earnest)
        finality_words = bool(keys & g.finality)
        # said with resolve: もう / 決めた in the message, or a decision said earlier
        self._decided = bool(info.decide_verb) or "decided" in cues  # 決めた, here or before
        self._resolute = self._decided or finality_words or "こそ" in info.all_keys
        if "finality" in own_kinds:
            new_cues.add("finality")
            if strong_by_kind.get("finality"):
                new_cues.add("finality_strong")
        if "benign" in own_kinds:
            new_cues.add("benign_now")
            if any(h.concept.kind == "benign" and _denied(h, tokens) for h in hits):
                new_cues.add("benign_denied")
        if "self_harm" in own_kinds and any(
            h.concept.kind == "self_harm" and h.concept.strong for h in hits
        ):
            new_cues.add("self_harm")
        if "child" in hit_kinds or self._child_writer:
            new_cues.add("child")
        if keys & g.caregivers:
            new_cues.add("caregiver")
        if "place" in hit_kinds and any(h.concept.kind == "place" and self._own(h) for h in hits):
            new_cues.add("place_mention")
        if (
            hit_kinds & {"means", "preparation"}
            and not any(t.pos in ("動詞", "形容詞") for t in tokens)
            and (
                named_thing := next(
                    (
                        h.concept.id
                        for h in hits
                        if h.concept.kind in ("means", "preparation")
                        and self._own(h)
                        and self._fragment_word(h.concept.id)
                    ),
                    "",
                )
            )
        ):
            new_cues.add(_FRAGMENT_CUE + named_thing)  # お母さんの睡眠薬 (no verb): a fragment
        if "means" in hit_kinds:
            named = [h.concept.id for h in hits if h.concept.kind == "means" and self._own(h)]
            if named:
                new_cues.add("means_mention")
                new_cues.add("means:" + named[-1])  # which: a later message may gather it again
        if _HOW.search(text):
            new_cues.add("how")
        if info.decide_verb or decided_reading:
            new_cues.add("decided")
        media_sentences = info.media
        sentence_past = info.past
        self._past_sentences = sentence_past
        self._factor_frame(text)
        if _MEDIA_SAID in cues and earlier.isdisjoint(_IDEATION_SLOTS | _DESPAIR_SLOTS):
            hits = [
                h._replace(context=h.context._replace(subject="media"))
                if rd.QUESTION in h.reading.features
                and h.context.subject != "self"
                and not (h.reading.features & {rd.DESIRE, rd.VOLITIONAL, rd.INTENT, rd.WISH})
                and h.concept.kind in ("method", "means")
                else h
                for h in hits
            ]
        if media_sentences:
            read = sum(h.context.subject == "media" for h in hits)
            hits = [
                h._replace(context=h.context._replace(subject="media"))
                if h.sentence in media_sentences
                and h.context.subject != "self"
                and not (h.reading.features & {rd.DESIRE, rd.VOLITIONAL, rd.INTENT, rd.WISH})
                and h.concept.kind != "factor"
                and not _media_in_other_clause(tokens, h, g)
                and _media_outside(tokens, h, g)
                else h
                for h in hits
            ]
            self._media_read = sum(h.context.subject == "media" for h in hits) > read
        factors_away: set[str] = set()  # (read as not the person's own: MessageAnalysis)
        for h in hits:
            if h.concept.factor == "bereavement" and not h.context.quoted:
                new_cues.add("someone_died")  # 推しが亡くなった (owned or not): see _follow_there
            if h.concept.kind == "factor" and h.concept.factor:
                if self._factor_owned(h):
                    new_cues.add("factor:" + h.concept.factor)
                else:
                    factors_away.add(h.concept.factor)
        all_cues = cues | new_cues
        self._cues = frozenset(all_cues)
        # 離婚してすぐは / 倒産した直後は: a while right after an event, a time that is over
        after_event = (
            {
                info.sentence_of[k]
                for k in range(1, len(tokens) - 1)
                if tokens[k].key in _RIGHT_AFTER
                and tokens[k + 1].key == "は"
                and info.sentence_of[k] in info.past  # (帰ってすぐは何もできない、今夜死ぬ)
                and (tokens[k - 1].surface in ("て", "で", "た", "だ") or tokens[k - 1].key == "た")
            }
            if not keys.isdisjoint(_RIGHT_AFTER)
            else set()
        )
        time_hits = [
            h
            for h in hits
            if h.concept.kind == "time"
            and h.sentence not in after_event
            and not _habitual_time(tokens, h, g)
            and not h.context.quoted
            # 3月に練炭で未遂して、助かった: a month of the past, not a plan's (not 12月に決めた)
            and not (
                h.concept.id == _MONTH_TIME
                and h.sentence in info.past
                and h.reading.governor not in ("する", "決める")
                and rd.DECIDED not in h.reading.features
            )
            # イブ is a medicine before it is Christmas Eve when it is read as both
            and not any(m.concept.kind == "means" and m.begin == h.begin for m in hits)
        ]
        # (most messages say no time: what only a time needs is built only then)
        benign_spans = (
            [(b.begin, b.end) for b in hits if b.concept.kind == "benign"] if time_hits else []
        )
        own_times = (
            [
                h
                for h in time_hits
                if not _scheduling_something(tokens, h, g)
                and not any(b <= h.begin and h.end <= e for b, e in benign_spans)
            ]
            if time_hits
            else []
        )
        if own_times and (
            any(
                h.reading.governor in ("する", "決める") or rd.DECIDED in h.reading.features
                for h in own_times
            )
            or "decided" in new_cues
            or "decided" in cues
        ):
            new_cues.add("decided_time")  # 12月24日にする, 金曜日に決めた
            all_cues = all_cues | {"decided_time"}
        if time_hits and any(
            h.reading.governor in g.pro_verbs and rd.NEGATED not in h.reading.features
            for h in time_hits
        ):
            new_cues.add("do_time")  # 卒業式の日にやる: "doing it" on a day
        plain_do = _plain_pro_verb(tokens, self._reader, g, info)
        if plain_do:
            new_cues.add("pro_plain")
        if (time_hits and "pro_plain" in cues) or (plain_do and "time_any" in cues):
            new_cues.add("do_time")  # 決行する / 土曜の夕方: the day said in the next message
        time_sentences = {h.sentence for h in time_hits} if time_hits else set()
        # 睡眠薬を用意した。今夜 / 薬を用意した、今夜: a means got ready for a time said alone
        # after it, or for tonight
        readied_for = (
            {
                h.sentence - 1
                for h in time_hits
                if h.sentence > 0 and _alone_in_sentence(tokens, h, info)
            }
            | {h.sentence for h in time_hits if h.concept.strong}
            if time_hits
            else set()
        )
        self._time_words = (
            {j for h in time_hits for j in range(h.first, h.last + 1)} if time_hits else set()
        )
        self._time_sentences = readied_for
        self._soon = any(h.concept.strong for h in time_hits)  # 今夜, 今から (this message)
        if time_hits and any(h.concept.strong for h in time_hits):
            new_cues.add("soon")  # 今夜, 今から, あと1時間
            if any(
                t.pos == "動詞"
                and t.key in ("行く", "向かう", "出る", "出かける")
                and not (k > 1 and tokens[k - 1].key == "に" and tokens[k - 2].pos == "動詞")
                and not self._reader.read(tokens, k).features & {rd.NEGATED, rd.QUESTION, rd.PAST}
                for k, t in enumerate(tokens)
            ) and not keys & {"帰る", "仕事", "バイト", "学校", "会社"}:
                new_cues.add("going_now")
        quantity_sentences = {h.sentence for h in hits if h.reading.quantity} | info.quantity
        self._recent = info.recent
        self._ruminating = _holds(self._rumination, text)
        self._why = bool(keys & g.why_words)
        # (a calm present, 今は大丈夫, after a thought said in the past: 消えたいって思ったけど)
        overcome = (
            bool(keys & g.overcome)
            or bool(_OVERCOME.search(text))
            or _calm_said(self._calm_present, text, g)
        )
        self._at_place = False
        self._jump_said = False
        self._readied = False
        fills: list[Fill] = []
        benign = "benign_now" in new_cues
        if any(
            h.concept.id == "swallowed"
            and (h.sentence in quantity_sentences or earlier & {"means", "method", "act"})
            and not laughing
            and h.reading.features & _DONE_FEATURES
            and not h.reading.features & {rd.NEGATED, rd.QUESTION, rd.CONDITIONAL}
            and self._own(h)
            and not _has_object(tokens, h)
            for h in hits
        ):
            new_cues.add(
                "harm_done"
            )  # 全部のんじゃった (no object): then あたまぐるぐる is the act

        # 前髪切られすぎた / 死にたい笑: a wish said laughing, about what was just told, when
        # nothing before it in the conversation was distress (死にたい笑 alone, or after つらい,
        # is still read as said)
        joking = laughing and not earnest and index > 0 and not earlier

        def add(slot: str, hit: Hit) -> None:
            if (
                joking
                and slot in _JOKED_SLOTS
                and hit.concept.kind in _JOKED_KINDS
                and self._reader.laughing(tokens, hit.reading.end)
            ):
                return
            if (
                slot == "self_harm"
                and rd.PAST in hit.reading.features
                and rd.PROGRESSIVE not in hit.reading.features
                and hit.sentence not in self._recent
                and not hit.context.history
            ):
                # さっき切った (not 毎日リスカしてる, a habit; not 先週リスカした, before)
                new_cues.add("harm_done")
            fills.append(
                _new(Fill, (slot, hit.concept, hit.begin, max(hit.end, hit.span_end), hit.sentence))
            )

        crisis_context = bool(earlier & _CUE_SLOTS)
        correction_said = "なく" in text  # (…じゃなくて: what _corrected looks for)
        self._benign_sentences = (
            {h.sentence for h in hits if h.concept.kind == "benign" and self._own(h)}
            if "benign" in hit_kinds
            else set()
        )
        for h in hits:
            kind = h.concept.kind
            r = h.reading
            c = h.context
            now_after = h.last + 1 < len(tokens) and (
                tokens[h.last + 1].key in g.now
                or tokens[h.last + 1].surface in g.now
                or (tokens[h.last + 1].surface in ("中", "ちゅう") and kind == "method")
                or (tokens[h.last + 1].surface in g.done_suffixes and kind == "method")
            )
            if now_after and not c.now:
                c = c._replace(now=True)  # ODなう: said as happening now
                h = h._replace(context=c)
            if after_event and h.sentence in after_event and not c.history:
                c = c._replace(history=True)  # 離婚してすぐは、死にたいと思ってました
                h = h._replace(context=c)
            if (
                c.cause
                and h.first >= 2
                and tokens[h.first - 1].key == "で"
                and (
                    any(t.begin <= tokens[h.first - 2].begin < t.end for t in time_hits)
                    or tokens[h.first - 2].key in g.reflexive
                    or tokens[h.first - 2].key == "手"
                )
            ):
                c = c._replace(cause=False)  # 今日で終わりにする: a date, not a trivial cause
                h = h._replace(context=c)
            own = (self._own(h) or (kind == "farewell" and _said_to_them(tokens, h))) and (
                # 犬を引き取ってくれる人: someone else taking the pet in is the person's plan
                h.concept.id == "pet" or not _done_by_someone(tokens, h, info, self._g)
            )
            in_sentence = kinds_by_sentence.get(h.sentence, set())
            timed = h.sentence in time_sentences or (
                "decided_time" in all_cues and kind in ("death", "ending", "method")
            )
            if correction_said and kind not in ("factor", "time", "benign") and _corrected(text, h):
                continue  # 首つりの練習…じゃなくて、ネクタイの結び方の練習
            if (
                kind in ("elsewhere", "event", "death", "ending")
                and rd.NEGATED not in r.features
                and not c.quoted
                and c.subject not in ("other", "media")
                and _waited_for(tokens, h)
            ):
                add(
                    "passive", h
                )  # お迎えが来るのを待つだけ: the end waited for, as all that is left
                continue
            if (
                kind in ("ending", "death")
                and rd.NEGATED not in r.features
                and _any_time_will_do(tokens, h, g)
            ):
                add("passive", h)  # こんな毎日ならいつ終わってもいい, いつ逝っても困らない
                continue
            if (
                kind == "death"
                and rd.POTENTIAL in r.features
                and not r.features & {rd.NEGATED, rd.QUESTION, rd.CONDITIONAL}
                and h.first >= 1
                and (
                    tokens[h.first - 1].surface in ("いつでも", "何時でも")
                    or (
                        h.first >= 3
                        and tokens[h.first - 1].key == "も"
                        and tokens[h.first - 2].surface == "で"
                        and tokens[h.first - 3].key in g.any_time
                    )
                )
            ):
                add("passive", h)  # いつでも逝ける: ready whenever it comes
                continue
            if kind == "ending" and _ends_something_else(tokens, h, g):
                continue  # これ終わったら楽、週末だし: the week's work ends, not a life
            intransitive = (
                kind == "ending" and h.last < len(tokens) and tokens[h.last].key == "終わる"
            ) and not (h.last + 1 < len(tokens) and tokens[h.last + 1].key in ("せる", "させる"))
            if (
                kind == "ending"
                and (
                    h.sentence in self._benign_sentences
                    or (intransitive and bool(self._benign_sentences))
                    or (intransitive and bool(keys & {"頑張る", "がんばる"}))
                )
                and not crisis_context
                and not _by_own_hand(tokens, h, g)
                and not r.features & {rd.DESIRE, rd.INTENT, rd.VOLITIONAL}
            ):
                continue  # 明日で全部終わる！長かった卒論、やっと提出
            if kind == "factor":
                if self._factor_owned(h) and not (
                    h.concept.factor == "depression"
                    and text[h.begin : h.end].startswith(tuple(g.visit_words))
                    and any(
                        o.concept.factor == "physical_illness" and o.sentence == h.sentence
                        for o in hits
                    )
                ):  # (持病で通院中です: the illness's visits to a doctor, not depression's)
                    add("factor", h)
                continue
            if (
                c.cause
                and kind in ("death", "vanish", "elsewhere", "despair")
                and _delight_cause(tokens, h, g)
            ):
                continue  # 推しが尊すぎて消えたい, かわいすぎて死ぬ: a measure of delight
            if (
                kind in ("death", "method", "vanish")
                and rd.QUESTION in r.features
                and rd.THOUGHT in r.features
                and rd.PAST in r.features
                and not r.features & {rd.VOLITIONAL, rd.DESIRE, rd.WISH, rd.EVALUATION}
                and not c.history
            ):
                continue  # 海で溺れるかと思った, 死ぬかと思った: a scare, not a wish
            if rd.DREAM in r.features and kind in ("death", "vanish", "ending", "method", "place"):
                continue  # ベランダから飛び降りる夢を見た: a dream (its fear is distress, below)
            if (
                rd.DEGREE in r.features
                and kind in ("death", "vanish", "ending")
                and not any(
                    o.concept.kind in ("distress", "despair", "burden")
                    and r.end <= o.first <= r.end + 3
                    for o in hits
                )
            ):
                continue  # 消えたくなるくらい切ない, 死ぬかと思うくらい笑った: a measure
            if kind in (
                "time",
                "benign",
                "finality",
                "target",
                "weapon",
                "child",
                "violence",
                "abuse",
            ):
                continue  # cues and flags, below
            if not own:
                if kind == "death" and rd.PAST in r.features and rd.NEGATED not in r.features:
                    new_cues.add("someone_died")  # 推しが亡くなった: then 私もそっちに行きたい
                if self._someone_elses_crisis(h, text):
                    add("third_party", h)
                continue
            negated = rd.NEGATED in r.features
            past_history = (
                (
                    (
                        rd.PAST in r.features
                        or rd.EXPERIENCE in r.features
                        or h.sentence in sentence_past
                    )
                    # (いなくなったほうがみんな幸せ: the た of a comparison, 幸せ not a recovery)
                    and (c.history or (overcome and rd.BETTER not in r.features))
                )
                or rd.HISTORY in r.features
            ) and not c.recurrence
            crisis_reading = (
                rd.DESIRE in r.features
                or rd.VOLITIONAL in r.features
                or rd.EVALUATION in r.features
                or rd.ONLY in r.features
                or rd.THOUGHT in r.features
                or rd.INTENT in r.features
                or rd.WISH in r.features
            )
            if (
                kind in ("death", "ending")
                and not r.features - {rd.POLITE}
                and "violence" in hit_kinds
                and not laughing
                and _first_person_before(tokens, h, g, ("も",))
                and _ends_sentence(tokens, r.end, self._g)
                and not _after_a_condition(tokens, h)
                and not any(
                    o.concept.kind == "violence"
                    and o.sentence == h.sentence
                    and rd.CONDITIONAL in o.reading.features
                    for o in hits
                )
            ):
                add("intent", h)  # あいつの家に火つけて、俺も終わる (not 殴ったら俺も終わる)
                continue
            if (
                kind in ("death", "vanish")
                and rd.CONDITIONAL in r.features
                and not r.features & {rd.QUESTION, rd.NEGATED}
                and not past_history
                and not laughing
                and _first_person_before(tokens, h, g, ("が", "は"))
                and not (kind == "vanish" and _moving_away(tokens, h, g))
                and not keys & g.trip_words
                and not benign
            ):
                if _request_follows(tokens, h, g) and (
                    crisis_context or finality_words or any(w in text for w in g.someday_words)
                ):  # (私がいなくなったら、鍵閉めてね: leaving the room)
                    # 私がいなくなったら、猫をお願い: arranging what is to be done after one is gone
                    add("farewell", h)
                    add("preparation", h)
                    continue
                if _dependent_after(tokens, h, g):
                    add("passive", h)  # 私がいなくなったらこの子どうなるんだろう: picturing it
                    continue
            if kind in ("ending", "live") and self._others_life(tokens, h):
                continue  # someone else's life: a threat (the flags), not the person's own end
            if kind in ("death", "ending") or (kind == "ending" and self._life_object(tokens, h)):
                if (
                    kind == "ending"
                    and rd.POTENTIAL in r.features
                    and (
                        rd.TENTATIVE in r.features
                        or rd.WISH in r.features
                        or rd.EVALUATION in r.features
                    )
                ):
                    add("passive", h)  # これでやっと終われるかも
                    continue
                if (
                    kind == "ending"
                    and not negated
                    and not r.features - {rd.POLITE, rd.TE}
                    and h.first >= 2
                    and tokens[h.first - 1].key == "で"
                    and tokens[h.first - 2].key in ("此れ", "これ", "其れ", "それ", "あれ", "彼")
                    and "means_mention" in all_cues
                ):
                    add("intent", h)  # 包丁…いま机の上にある / これで終わらせる
                    continue
                if kind == "ending" and not (
                    self._life_object(tokens, h)
                    or timed
                    or rd.INTENT in r.features
                    or (not r.features - {rd.POLITE} and _taking_along(tokens, g))
                ):
                    if crisis_reading and not negated and _holds(self._next_time, text):
                        add("ideation", h)  # 二度しくじった。次こそちゃんと終わりにしたい
                    elif crisis_reading and not negated:
                        add("euphemism", h)
                    elif not negated and r.features <= {rd.POLITE, rd.TENTATIVE} and finality_words:
                        add("despair", h)
                    continue
                self._death(
                    h,
                    r,
                    c,
                    tokens,
                    timed,
                    earnest,
                    laughing,
                    negated,
                    past_history,
                    crisis_reading,
                    add,
                )
            elif kind == "ideation_noun":
                if negated or (
                    not h.concept.strong
                    and not (
                        rd.ONLY in r.features
                        or rd.DESIRE in r.features
                        or rd.EVALUATION in r.features
                    )
                ):
                    continue
                if not (r.features - {rd.POLITE}) and (
                    laughing or c.cause or _topic_before(tokens, h, g)
                ):
                    continue  # 来週の期末、確実に死ぬ笑: a plain 死ぬ of an ordinary ordeal
                add("resolved" if past_history else "ideation", h)
            elif kind == "vanish":
                if negated and rd.ONLY not in r.features:
                    continue
                if _thing_vanishes(tokens, h, self._not_things, self._g):
                    continue  # この気持ちが消えればいい, テスト期間とか消滅しろ: not the person
                if _moving_away(tokens, h, g):
                    continue  # 出張でいなくなる予定, 地元からいなくなる: away, not gone
                if (
                    (rd.INTENT in r.features or rd.DECIDED in r.features)
                    and not r.features & {rd.DESIRE, rd.WISH, rd.WISH_OTHER, rd.QUESTION}
                    and not negated
                    and not past_history
                ) or (
                    not r.features - {rd.POLITE}
                    and _ends_sentence(tokens, r.end, self._g)
                    and _me_too(tokens, h, g)
                    and "violence" in hit_kinds  # (みんな引っ越すし、私もいなくなる: leaving)
                ):
                    add("intent", h)  # いなくなるつもり, もう消えることにした, 刺して自分も消える
                    continue
                if past_history:
                    add("resolved", h)
                elif rd.CONDITIONAL in r.features and _others_better_off(tokens, h, g):
                    add("passive", h)  # 俺が消えたらあいつら喜ぶ (いない方がみんな幸せ: burden)
                elif rd.CONCESSIVE in r.features or (
                    rd.BETTER in r.features and rd.EVALUATION not in r.features
                ):
                    add("burden", h)
                elif rd.KURERU in r.features and not any(
                    tokens[j].key in g.first_person for j in range(max(0, h.first - 4), h.first)
                ):
                    continue  # 消えてくんないかな: a wish that someone else would go away
                elif crisis_reading or rd.EVALUATION in r.features:
                    add("passive", h)
                elif rd.CONDITIONAL in r.features and rd.QUESTION in r.features:
                    add("euphemism", h)
                elif (
                    rd.POLITE in r.features
                    and rd.PAST not in r.features
                    and rd.QUESTION not in r.features
                ):
                    add("intent", h)  # 一緒に消えます: a declaration
                elif rd.PAST not in r.features and (
                    finality_words or timed or "preparation" in own_kinds
                ):
                    add("farewell", h)
            elif kind == "live":
                if self._weary(tokens, h):
                    add("passive", h)  # 生きるのに疲れた, 生きるのが嫌
                    continue
                if own and not past_history and _doubt_alive_until(tokens, h, g):
                    add("passive", h)  # それまで生きてるかわからない: no future of one's own
                    continue
                if (
                    own
                    and not past_history
                    and rd.TRY in r.features
                    and rd.PAST not in r.features
                    and _until_before(tokens, h) >= 0
                ):
                    add("passive", h)  # 年末まで生きてみて、ダメならそこまで: a life with an end
                    continue
                quit_reading = self._quit(tokens, h)
                if quit_reading is not None and (
                    rd.INTENT in quit_reading.features
                    or (
                        rd.VOLITIONAL in quit_reading.features
                        and rd.TENTATIVE not in quit_reading.features
                    )
                    or (self._resolute and not quit_reading.features - {rd.POLITE})
                ):
                    add("intent", h)  # 生きていくことをやめようと思っています
                elif quit_reading is not None and (
                    rd.DESIRE in quit_reading.features or rd.VOLITIONAL in quit_reading.features
                ):
                    add("passive", h)
                elif negated and (rd.INTENT in r.features or rd.DECIDED in r.features):
                    add("intent", h)  # その先は生きないって決めてる
                elif negated and (rd.DESIRE in r.features or rd.WISH in r.features):
                    add("resolved" if past_history else "passive", h)
                elif (
                    negated
                    and own
                    and not laughing
                    and (rd.BETTER in r.features or rd.EVALUATION in r.features)
                    and not _thing_vanishes(tokens, h, self._not_things, g)
                ):
                    add("resolved" if past_history else "passive", h)  # 私なんて存在しない方がいい
                elif (
                    negated
                    and (rd.POTENTIAL in r.features or rd.PASSIVE in r.features)
                    and not laughing
                ):
                    add("despair", h)  # 生きていけない, 生きられない (られる here: can)
                elif (
                    negated
                    and rd.PAST not in r.features
                    and not laughing
                    and "もう" in keys
                    and (
                        timed
                        or rd.TENTATIVE in r.features
                        or keys & {"多分", "たぶん", "きっと", "恐らく", "おそらく"}
                    )
                ):
                    add("passive", h)  # 7月以降は…たぶんもう生きてないので: no future of one's own
            elif kind == "event":
                if negated and not (
                    rd.QUESTION in r.features
                    or rd.TENTATIVE in r.features
                    or rd.CONCESSIVE in r.features
                ):
                    continue
                if past_history or (rd.PAST in r.features and rd.WISH not in r.features):
                    continue
                if (
                    rd.WISH in r.features
                    or rd.EVALUATION in r.features
                    or rd.DESIRE in r.features
                    or rd.TENTATIVE in r.features
                    or (negated and rd.QUESTION in r.features)
                    or rd.CONCESSIVE in r.features
                    or rd.THOUGHT in r.features
                ):
                    add("passive", h)  # 事故にでも遭えばいいのに, トラック来ないかな, 終われるかも
            elif kind == "sleep":
                if any(
                    tokens[j].pos in ("名詞", "代名詞") and tokens[j + 1].key == "が"
                    for j in range(h.first + 1, h.last)
                ):
                    continue  # 明日友達が来なければいい: someone else's coming, not the morning
                if (
                    not crisis_context
                    and rd.EVALUATION not in r.features
                    and not keys.isdisjoint(g.procedure_words)
                ):
                    continue  # 手術の麻酔でそのまま起きなかったらって考えちゃう: a fear
                if _woke_again(tokens, h, r, keys):
                    add("passive", h)  # 今朝もふつうに起きちゃった。はずれ: sorry to wake
                    continue
                # not waking for good, not 明日は起きなくていい (a day off)
                never_waking = (
                    tokens[h.last].key != "起きる"
                    or not keys.isdisjoint(_FOREVER)
                    or "二度と" in self._text
                )
                if (
                    rd.WISH in r.features
                    or (negated and rd.CONDITIONAL in r.features and rd.EVALUATION in r.features)
                    or (negated and rd.DESIRE in r.features and (finality_words or "もう" in keys))
                    or (
                        rd.DESIRE in r.features
                        and (not keys.isdisjoint(_FOREVER) or "二度と" in keys)
                    )
                    or (rd.CONDITIONAL in r.features and negated and rd.QUESTION in r.features)
                    or (
                        rd.CONDITIONAL in r.features
                        and rd.EVALUATION in r.features
                        and not negated
                        and tokens[h.last].key in ("止まる", "とまる")
                    )  # 心臓が勝手に止まればいいのに
                    or (
                        negated
                        and rd.EVALUATION in r.features
                        and rd.QUESTION not in r.features
                        and never_waking
                    )
                    or (
                        # 二度と目が覚めない薬, 起きなくて済む方法: a means of never waking
                        negated
                        and not r.features & {rd.PAST, rd.POTENTIAL}  # (朝起きられない薬)
                        and never_waking
                        and 0 < r.end < len(tokens)
                        and tokens[r.end - 1].key in g.negation  # (眠れなくて薬に頼ってた)
                        and tokens[r.end - 1].cform.startswith(("連体形", "終止形"))
                        and (
                            tokens[r.end].key in g.method_nouns
                            or any(o.concept.kind == "means" and o.first == r.end for o in hits)
                        )
                    )
                ):
                    add("passive", h)  # 二度と起きなくていい (not 明日は起きなくていい)
            elif kind == "born":
                if negated and (rd.CONDITIONAL in r.features or rd.DESIRE in r.features):
                    add("passive", h)
            elif kind == "relief":
                if negated or past_history:
                    continue
                if (
                    rd.DESIRE in r.features
                    or rd.WISH in r.features
                    or rd.VOLITIONAL in r.features
                    or rd.INTENT in r.features
                ):
                    # 楽になりたい: said as a wish it is a passive wish (the safer reading; the
                    # labelling rules call a bare euphemism moderate, most writers high)
                    add("passive", h)
                elif (
                    crisis_reading
                    or rd.EVALUATION in r.features
                    or (
                        rd.POTENTIAL in r.features
                        and (
                            rd.TENTATIVE in r.features
                            or rd.QUESTION in r.features
                            or rd.CONDITIONAL in r.features
                        )
                    )
                    or (not r.features and _after_condition(tokens, h, time_hits))
                ):
                    add("euphemism", h)  # 楽になれるかな, その日が来たら楽になれる
            elif kind == "elsewhere":
                if (
                    not h.concept.strong
                    and not crisis_context
                    and "finality_strong" not in all_cues
                    and keys & g.trip_words
                ):
                    continue  # 来週から遠くに行くね、ワーホリ！: a trip
                if (
                    not h.concept.strong
                    and tokens[h.first].key in ("遠く", "とおく")
                    and not r.features & {rd.DESIRE, rd.WISH, rd.VOLITIONAL}
                    and h.first + 2 <= h.last
                    and tokens[h.first + 1].key == "の"
                    and tokens[h.first + 2].pos == "名詞"
                ):
                    continue  # 明日遠くのスーパーに行く: a place that is far, not "far away"
                if (
                    h.concept.strong
                    and not negated
                    and not past_history
                    and r.features <= {rd.QUESTION, rd.TENTATIVE, rd.POLITE}
                ):
                    new_cues.add(
                        "afterlife_said"
                    )  # 🪦 / (next) 早く入りたい; 天国ってどんなとこかな
                if (
                    not h.concept.strong
                    and h.concept.id == "join_dead"
                    and "factor:bereavement" not in all_cues
                    and "someone_died" not in all_cues  # 推しが亡くなった / 推しのところに行きたい
                    and "afterlife_said"
                    not in all_cues  # 向こう側でママが待ってる / (next) そっちに
                    and "third_party" not in earlier
                ):
                    continue
                if (
                    h.concept.strong
                    and not negated
                    and not past_history
                    and (
                        rd.DESIRE in r.features
                        or rd.VOLITIONAL in r.features
                        or rd.WISH in r.features
                        or rd.INTENT in r.features
                        or rd.WISH_OTHER in r.features  # 早く迎えに来てほしい
                    )
                ):
                    if (
                        (rd.INTENT in r.features or rd.DECIDED in r.features)
                        and rd.QUESTION not in r.features
                        and rd.DESIRE not in r.features  # (天国の母に会いに行きたい: a wish)
                    ):
                        add("intent", h)  # 向こうへ行くことにしました: a decision
                    else:
                        add("passive", h)  # 天国に行きたい, お迎えが来てくれないものか
                    continue
                if (
                    not negated
                    and not past_history
                    and (
                        crisis_reading
                        or rd.EVALUATION in r.features
                        or rd.APPEARANCE in r.features
                        or rd.CONDITIONAL in r.features
                        or rd.POLITE in r.features
                        or rd.PAST not in r.features
                    )
                ):
                    if (
                        rd.INTENT in r.features or rd.DECIDED in r.features
                    ) and rd.QUESTION not in r.features:
                        add("intent", h)  # 妻に先立たれて…向こうへ行くことにしました
                    else:
                        add("euphemism", h)
            elif kind == "method":
                self._method(
                    h,
                    r,
                    c,
                    in_sentence,
                    timed,
                    crisis_context,
                    negated,
                    past_history,
                    crisis_reading,
                    quantity_sentences,
                    own_kinds,
                    add,
                    now_after,
                )
            elif kind == "means":
                self._means(
                    h,
                    r,
                    c,
                    tokens,
                    in_sentence,
                    crisis_context
                    or bool(
                        own_kinds
                        & {"death", "despair", "burden", "finality", "farewell", "self_harm"}
                    ),
                    negated,
                    benign,
                    quantity_sentences,
                    add,
                )
            elif kind == "place":
                self._place(
                    h,
                    r,
                    c,
                    tokens,
                    crisis_context
                    or bool(own_kinds & {"death", "despair", "finality", "farewell"})
                    # (a method word in play is no crisis: 川に入って魚とりした)
                    or ("method" in own_kinds and not _holds(self._play, text)),
                    negated,
                    timed,
                    add,
                )
            elif kind == "preparation":
                if (
                    h.concept.strong
                    and rd.CONDITIONAL in r.features
                    and rd.QUESTION in r.features
                    and not (negated or past_history or laughing)
                ):
                    add("method", h)  # 遺書ってどう書けばいいの: asking how to do it
                    continue
                if negated or past_history or rd.CONDITIONAL in r.features:
                    continue
                if _holds(self._moving_away, text) and h.concept.id in (
                    "note",
                    "letters",
                ):
                    continue  # 転校する友だちに最後の手紙を書いた
                if not h.concept.strong and not crisis_context and _holds(self._leaving, text):
                    continue  # 今日で最後の配信です。新チャンネルで会おうね: a channel moves
                if (
                    not h.concept.strong
                    and not crisis_context
                    and _holds(self._moving_away, text)
                    and "finality" not in own_kinds
                ):
                    continue  # 明日引っ越すから…いらないもの全部捨てた: a move
                if h.concept.id == "pet" and "息を引き取" in text:
                    continue  # うちの犬が息を引き取りました: the pet died, not rehomed
                if (
                    not h.concept.strong
                    and not crisis_context
                    and any(
                        tokens[j].key in g.mind_words and info.sentence_of[j] == h.sentence
                        for j in range(max(0, h.first - 4), h.first)
                    )
                ):
                    continue  # 頭の中の整理ができた, 気持ちを整理したい: the mind, not things
                if (
                    h.concept.strong
                    and (laughing or keys & self._g.simile_words)
                    and not crisis_context
                ):
                    continue  # 形見分けみたいにお菓子配ったｗ, 身辺整理かってくらい片付けた
                if rd.QUESTION in r.features and h.concept.strong:
                    add("method", h)
                    continue
                if (
                    "factor:bereavement" in all_cues
                    and not crisis_context
                    and not _by_own_hand(tokens, h, g)
                    and not keys & g.first_person
                    and rd.WISH_OTHER not in r.features  # (遺影に使ってほしい: for after oneself)
                ):
                    continue  # 母が亡くなって…形見分けをした: the belongings of the dead
                if h.concept.strong and not (
                    h.sentence in self._benign_sentences
                    and not crisis_context
                    and _holds(self._explanation, text)
                ):
                    add("preparation", h)
                    continue
                if h.concept.strong:
                    continue  # 遺書の書き方講座に参加した、終活の一環: a class, not a farewell
                # A weak preparation (片付けた, 解約した, 引き取り先を探してる) is one only when it
                # is done or under way, and said with finality or after a crisis was said.
                done = (
                    rd.PAST in r.features
                    or rd.PROGRESSIVE in r.features
                    or rd.TE in r.features
                    or not r.features - {rd.POLITE}
                )
                benign_here = benign and any(
                    b.concept.kind == "benign" and not (h.begin <= b.begin and b.end <= h.end)
                    for b in hits
                )
                if (
                    not done
                    or rd.DESIRE in r.features
                    or (benign_here and "finality_strong" not in all_cues)
                    or (_for_a_while(tokens, self._g) and "finality_strong" not in all_cues)
                ):
                    continue  # (犬を1週間だけ預ける: for a while)
                if _by_own_hand(tokens, h, g):
                    new_cues.add("about_self")  # 部屋も自分も、全部片付けておく
                add("preparation", h)  # imminent only with a second cue (the ladder)
            elif kind == "farewell":
                if negated or c.quoted or (benign and not h.concept.strong):
                    continue
                k = h.last + 1 if tokens[h.last].pos == "動詞" else h.last
                if (
                    k + 1 < len(tokens)
                    and tokens[k].key == "た"
                    and tokens[k].pos == "助動詞"
                    and tokens[k + 1].pos == "名詞"
                    and tokens[k + 1].pos2 != "数詞"
                ):
                    continue  # 先に逝った父が: a clause on someone who died, not a goodbye
                if any(t.key in ("よう", "様") for t in tokens[h.last + 1 : h.last + 3]) or (
                    h.first >= 2
                    and tokens[h.first - 1].key == "に"
                    and tokens[h.first - 2].pos == "名詞"
                    and any(ch in text[h.begin : h.end] for ch in "残悔")  # a regret about it
                ):
                    continue  # 思い残すことないように楽しむ
                if laughing and not earnest:
                    continue  # 推しのライブ最高、もう思い残すことない笑: a measure of joy, 昔の恋に心残りはない: not a goodbye
                if rd.DESIRE in r.features and any(
                    o.concept.kind in ("vanish", "death") and h.begin <= o.begin < h.end
                    for o in hits
                ):
                    continue  # もういなくなりたい is a wish (the vanish rule), not a goodbye
                if _holds(self._leaving, text) or "leaving" in cues:
                    continue  # 最終出社、今までありがとうございました
                if not hit_kinds & {"elsewhere", "death", "vanish", "ending"} and _meet_again(
                    tokens, g, [(x.begin, x.end) for x in hits if x.concept.kind == "farewell"]
                ):
                    continue  # 今までありがとう！また飲み行こ: a next time is planned
                if h.concept.id == "farewell_thanks" and own:
                    new_cues.add("thanks_all")  # 今までのこと全部感謝してる / (next) 最後に…
                if (
                    h.concept.strong
                    or crisis_context
                    or _another_farewell(
                        hits, h, text, self._goodbyes
                    )  # 今まで…ありがとう。ばいばい
                    or (
                        "thanks_all" in cues
                        and h.concept.id != "farewell_thanks"
                        and _holds(self._goodbyes, text[h.begin : h.end])
                    )
                    or (self._at_place and not benign)  # いま駅のホーム。…さよなら
                    or {"soon", "means_mention"} <= all_cues  # 💊💊💊 / いまから / ばいばい
                    or (  # さよなら。今から行ってきます (not 今から帰ります, 今から寝る)
                        any(t.concept.strong for t in time_hits)
                        and not benign
                        and not keys & {"帰る", "寝る", "帰宅", "出勤", "登校"}
                    )
                    or own_kinds
                    & {
                        "death",
                        "vanish",
                        "elsewhere",
                        "preparation",
                        "finality",
                        "despair",
                        "live",
                        "ending",
                        "event",
                        "burden",
                    }
                ):
                    add("farewell", h)
            elif kind == "wound":
                if not h.concept.strong:
                    # a body state (ふらふらする, 吐き気, 血が出てる) is an act just done only
                    # after the person said the act: さっき薬を飲みすぎた / 気持ち悪い
                    if (
                        own
                        and not negated
                        and rd.QUESTION not in r.features
                        and not (h.last + 1 < len(tokens) and tokens[h.last + 1].key == "まで")
                        and (
                            "act" in earlier
                            or "harm_done" in cues
                            or "harm_done" in new_cues
                            or "cut_said" in all_cues
                            or any(f.slot == "act" for f in fills)
                        )
                    ):
                        add("act", h)
                    continue
                if own and rd.NEGATED not in r.features:
                    new_cues.add("wound_said")
                if own:
                    add("act", h)  # 深く切った。血が止まらない (a strong wound is enough alone)
            elif kind == "self_harm":
                if (
                    not crisis_context
                    and any(w in text[h.begin : h.end] for w in ("ぶつけ", "打ち"))
                    and rd.PAST in r.features
                    and rd.PROGRESSIVE not in r.features
                    and not _habit_after(tokens, h)  # (打ち付けると落ち着く: each time)
                    and keys.isdisjoint(g.habitual)
                    and not any(w in text for w in _AGAIN_AND_AGAIN)
                ):
                    continue  # 棚に頭ぶつけた、痛い: bumped once, not hurting oneself
                if r.governor in g.quit_verbs:
                    if negated or keys & g.recurrence:
                        add("self_harm", h)  # 自傷がやめられない / やめてたのに、昨日また
                    else:
                        add("past_attempt", h)  # リスカをやめた
                    continue
                if rd.PASSIVE in r.features:
                    continue  # 犬に手を噛まれた: done to me
                if negated and (
                    r.governor in ("", "する", "やる", "できる", "出来る")
                    or tokens[h.last].pos != "名詞"
                ):
                    continue  # アムカの跡が消えなくて: the scar, not the self-harm, is negated
                if not h.concept.strong and not (
                    keys & {"又", "また"}
                    or earlier & {"self_harm", "past_attempt"}
                    or "self_harm" in all_cues
                    or "wound_said" in all_cues
                    or "blade_said" in all_cues
                    or not self._keys.isdisjoint(g.wound_words)  # (a key or a surface)
                ):
                    if not negated and r.features & _DONE_FEATURES:
                        new_cues.add("cut_said")  # ざっくり切った / (next) 傷からあふれてくる
                    continue
                if not h.concept.strong and _cut_object_not_body(tokens, h, g):
                    continue  # カッターで段ボールを切った, 玉ねぎ切ってたら
                if (
                    not h.concept.strong
                    and rd.CONDITIONAL in r.features
                    and rd.PROGRESSIVE in r.features
                ):
                    continue  # 玉ねぎ切ってたら涙が: what one was doing when something happened
                if (
                    not crisis_context
                    and not h.concept.strong
                    and h.first > 0
                    and tokens[h.first - 1].key in g.accident_parts
                ):
                    continue  # 包丁で指切った: a kitchen accident (earlier self-harm reads it)
                if (
                    not crisis_context
                    and _while_doing(tokens, h)
                    and text[h.begin : h.begin + 1] in g.accident_parts
                    and not text[h.begin : h.end].startswith(tuple(g.body_parts - g.accident_parts))
                ):
                    continue  # みじん切りにしてたら手切っちゃった: an accident
                if _picking_habit(tokens, h) and not (
                    keys & g.wound_words or "wound_said" in all_cues
                ):
                    add("distress", h)  # まつげ抜いちゃう癖がある: a habit, not self-injury
                    continue
                if not h.concept.strong and _while_doing(tokens, h):
                    continue  # 眉毛整えてたら切っちゃった: an accident
                if past_history:
                    add("past_attempt", h)
                elif (rd.PROGRESSIVE in r.features and c.now) or (
                    _still_bleeding(tokens, g.negation) and ("血" in keys or rd.PAST in r.features)
                ):
                    add("act", h)  # 腕を切った。血が止まらない (not 血はもう止まって: over)
                else:
                    add("self_harm", h)
            elif kind == "attempt":
                if (
                    negated
                    and tokens[h.last].key in ("助かる", "たすかる")
                    and rd.PAST not in r.features
                    and not c.quoted
                    and _after_a_condition(tokens, h)
                ):
                    add("method", h)  # 何階から落ちたら助からない？: asking what would be lethal
                    continue
                if negated:
                    continue
                if h.concept.strong or in_sentence & {"method", "means"}:
                    # 先月自殺未遂した: an attempt of the last weeks is recent
                    add(self._attempt_slot(h), h)
            elif kind == "despair":
                if past_history and h.concept.strong and own:
                    add("resolved", h)  # 生きてても意味ないと思う時もあった: a passive wish, over
                    continue
                if (
                    past_history
                    or (
                        rd.QUESTION in r.features
                        and not negated
                        and not text[h.begin : h.end].startswith(tuple(g.self_why))
                        and not (  # 生きてる意味ある？: asked of no one (not 意味ってなんだろう)
                            h.concept.id == "meaningless"
                            and any(w in text[h.begin : h.end] for w in g.rhetorical_have)
                        )
                    )
                ):
                    continue  # (なんで生きてるのかわからない: a question put to oneself)
                if negated and r.governor == "する":
                    continue  # 無理しないで, 無理しない程度に: advice, not despair
                if (
                    not h.concept.strong
                    and not crisis_context
                    and _said_in_sentence(tokens, h, g.body_states)
                ):
                    continue  # 夜勤明けで眠すぎて限界, もう無理、お腹いっぱい: the body's state
                if r.governor and tokens[h.last].pos == "名詞":
                    # 生きる意味がわからない (despair) / 生きる意味はある (not)
                    if negated or r.governor not in (
                        "ある",
                        "有る",
                        "分かる",
                        "見つかる",
                        "出来る",
                        "できる",
                        "見つける",
                    ):
                        add("despair", h)
                elif not negated:
                    # about living itself (生きてても仕方ない): a passive wish
                    add("passive" if h.concept.strong and own else "despair", h)
            elif kind == "burden":
                if past_history:
                    continue
                if (
                    not negated
                    or rd.DESIRE in r.features
                    or any(t.key in ("済む", "様", "よう") for t in tokens[h.last + 1 : h.last + 5])
                ):
                    add("burden", h)  # 迷惑かけずに済む / 迷惑かからないように: the burden gone
            elif kind == "distress":
                if negated or past_history or laughing:
                    continue
                if rd.PAST in r.features and not earlier & _CUE_SLOTS:
                    continue  # 死ぬほどしんどかったわー今日の現場: a day that is over
                if (
                    h.concept.strong
                    or earlier & (_CUE_SLOTS | {"factor", "distress", "third_party"})
                    or any(f.slot == "third_party" for f in fills)
                    or own_kinds & {"factor", "despair", "burden"}
                    or (keys & {"毎日", "毎晩", "ずっと", "夜中", "一人"})
                    or any(  # もうしんどい, もう、しんどいわぁ
                        t.key == "もう" for t in tokens[max(0, h.first - 2) : h.first]
                    )
                ):
                    add("distress", h)
            elif kind == "help" and not negated:
                add("help", h)
        if (
            ("someone_died" in cues or "someone_died" in new_cues)
            and not laughing
            and not time_hits  # (来週そっちに行く: a visit)
            and not _SENTENCE_QUESTION.search(text)  # (法事でそっちに行きたい、いつがいい？)
        ):
            there = self._follow_there(tokens)
            if there is not None:
                fills.append(Fill("passive", _FOLLOW, tokens[there].begin, tokens[there].end, 0))
        if (
            not laughing
            and "もう" in text
            and not _holds(self._moving_away, text)
            and keys.isdisjoint(g.trip_words)
            and (gone := self._no_longer_here(tokens, time_hits, info)) is not None
        ):
            # 明日の朝にはもう私はいないから / 僕はもうこの世界にいません: no longer here
            fills.append(Fill(gone[2], self._vanish_concept, gone[0], gone[1], info.sentence_of[0]))
        if "means" in own_kinds and not laughing and not benign:
            held = self._held_now(tokens, hits, keys, quantity_sentences)
            if held is not None:
                hit, amount = held
                if amount:
                    add("means", hit)
                    new_cues.add("holding_amount")  # 睡眠薬30錠、いま手の中にある
                else:
                    add("method", hit)  # 薬、いま手に持ってる: a means in the hand, now
        self._structural(
            tokens,
            text,
            info,
            earlier,
            all_cues,
            own_kinds,
            fills,
            new_cues,
            injury_allowed=hit_kinds.isdisjoint(("self_harm", "attempt")),
            quiet=False,
        )
        if self._jump_said:
            new_cues.add("jump_said")
        if self._readied:
            new_cues.add("readied")
        if self._at_place:
            new_cues.add("at_place")
        if (
            not laughing
            and LEAN_OVER in hit_ids
            and any(h.concept.id == LEAN_OVER and self._own(h) for h in hits)
        ):
            new_cues.add("lean")  # (下見たらくらっとした笑: a view, laughed about)
        all_keys = info.all_keys
        if not all_keys.isdisjoint(("手元", "手もと")) or (
            not all_keys.isdisjoint(("ある", "有る"))
            and not all_keys.isdisjoint(("今", "うち", "家", "部屋", "ここ", "此処", "机"))
        ):
            new_cues.add("at_hand")
        if not hit_kinds.isdisjoint(("death", "ending")) and any(
            h.concept.kind in ("death", "ending")
            and self._own(h)
            and not (h.reading.features - {rd.POLITE})
            for h in hits
        ):
            new_cues.add("assertion")  # 終わりにする。: a bare statement, waiting for its time
        # A time that is what a wish is about (明日が来なければいい, 朝が来なくていい), or a
        # night that is over (先週の夜、窓から下を眺めてた), is not the time of a plan.
        wished = [(f.begin, f.end) for f in fills if f.slot == "passive"]
        time_hits = [
            h
            for h in time_hits
            if not any(b <= h.begin and h.end <= e for b, e in wished)
            and not (
                h.sentence in sentence_past
                and any(tokens[j].key in g.recent for j in range(max(0, h.first - 3), h.first))
            )
        ]
        has_time = bool(time_hits)
        # A time said with a crisis slot in the same sentence, or in a message that decides
        # (金曜日に決めた), is the plan's time.
        crisis_sentences = (
            {
                f.sentence
                for f in fills
                if f.slot in _TIMED_SLOTS
                and (f.concept.kind not in ("preparation", "farewell") or f.concept.strong)
            }
            | {
                f.sentence + 1
                for f in fills
                if f.slot in ("means", "preparation", "method", "intent")
            }
            if time_hits
            else set()
        )
        for h in time_hits:
            if h.sentence in crisis_sentences and _time_of_a_factor_clause(tokens, h, hits, fills):
                continue  # 来月追い出される、死ぬしかない: the time is the eviction's
            if (
                h.sentence in crisis_sentences
                or "decided" in new_cues
                or "decided_time" in new_cues
                or "do_time" in new_cues
                or ("finality" in new_cues and earlier & _CUE_SLOTS)
            ):
                add("timing", h)
        # Recurrence: また / 再び with a feeling or a thought of it (最近またあの気持ち).
        rec = _recurrence_of_feeling(tokens, g, info, self._recurrence_phrases)
        if rec is not None:
            t = tokens[rec]
            fills.append(Fill("recurrence", _RECURRENCE, t.begin, t.end, 0))
        new_cues |= self._flag_cues(hits, tokens, laughing, info)
        if "take_child" in new_cues and not any(f.slot in ("intent", "act") for f in fills):
            # この子と二人で楽になります / 娘を道連れに: dying with the child is the person's
            # own intent too
            for h in self._child_hits:
                if h.concept.kind in (
                    "death",
                    "vanish",
                    "ending",
                    "method",
                    "elsewhere",
                    "relief",
                ) and not h.reading.features & {rd.DESIRE, rd.THOUGHT, rd.TENTATIVE}:
                    add("intent", h)  # (子どもを道連れにしたくなる: an urge, not a plan)
                    break
        flags = self._flags(frozenset(cues | new_cues))
        # the words behind a flag go on the card (slots of level none: the flag, not the
        # writer's own risk, sends the conversation to the supervisor)
        if "harm_to_others" in flags or "threat" in new_cues:
            for h in self._harm_hits:
                add("harm_to_others", h)
        if "child_in_danger" in flags:
            for h in self._child_hits:
                add("child_in_danger", h)
        read_away = self._idiom_dropped or any(
            h.concept.kind in _READ_AWAY_KINDS
            and (
                h.context.quoted
                or h.context.subject in ("other", "media")
                or h.context.history
                or h.context.cause
            )
            for h in hits
        )
        read = any(h.concept.kind in _CRISIS_WORD_KINDS for h in hits)
        used = [f for f in fills if f.slot in _MEANS_USED and f.concept.kind == "means"]
        readied = [f for f in fills if f.slot in ("preparation", "farewell")]
        attempted = any(f.slot in _ATTEMPT_SLOTS for f in fills)
        if used or readied or attempted or any(f.concept.factor == "bereavement" for f in fills):
            fills = [
                f
                for f in fills
                if not self._factor_is_the_plan(f, used, readied, attempted, tokens)
            ]
        return _new(  # MessageAnalysis(...) without NamedTuple's Python-level __new__
            MessageAnalysis,
            (
                tuple(fills),
                frozenset(new_cues),
                frozenset(flags),
                has_time,
                normalized,
                read_away,
                read,
                frozenset(factors_away),
            ),
        )

    def _quiet(
        self,
        tokens: list[Token],
        text: str,
        normalized: Normalized,
        earlier: frozenset[str],
        cues: frozenset[str],
        info: Scan,
    ) -> MessageAnalysis:
        """A message with no concept in it (most everyday talk): only the cues it may add."""
        g = self._g
        keys = info.keys
        self._cues = cues
        new_cues: set[str] = set()
        if _child_writing(text):
            new_cues.add("child")
        if keys & g.caregivers:
            new_cues.add("caregiver")
        if keys & g.third_person:
            new_cues.add("target")
        if keys & g.earnest:
            new_cues.add("earnest")
        if "手元" in keys or (
            "ある" in keys and keys & {"今", "うち", "家", "部屋", "ここ", "此処", "机"}
        ):
            new_cues.add("at_hand")
        if keys & g.pro_verbs and _plain_pro_verb(tokens, self._reader, g, info):
            new_cues.add("pro_plain")  # 決行する: a day may follow
            if "time_any" in cues:
                new_cues.add("do_time")
        fills: list[Fill] = []
        rec = _recurrence_of_feeling(tokens, g, info, self._recurrence_phrases)
        if rec is not None:
            t = tokens[rec]
            fills.append(Fill("recurrence", _RECURRENCE, t.begin, t.end, 0))
        self._structural(
            tokens,
            text,
            info,
            earlier,
            cues | new_cues,
            set(),
            fills,
            new_cues,
            injury_allowed=True,
            quiet=True,
        )
        flags = self._flags(frozenset(cues | new_cues))
        return _new(  # MessageAnalysis(...) without NamedTuple's Python-level __new__
            MessageAnalysis,
            (
                tuple(fills),
                frozenset(new_cues),
                frozenset(flags),
                False,
                normalized,
                self._idiom_dropped,
                False,  # (no concept found: no crisis word read)
                frozenset(),  # (nor a factor's)
            ),
        )

    def _structural(
        self,
        tokens: list[Token],
        text: str,
        info: Scan,
        earlier: frozenset[str],
        cues: frozenset[str] | set[str],
        own_kinds: set[str],
        fills: list[Fill],
        new_cues: set[str],
        *,
        injury_allowed: bool,
        quiet: bool,
    ) -> None:
        """The rules that need no concept word, for a message with concept hits and for a quiet
        one alike: self-injury by a verb of hurting, a swallow or a wading act, and the cues
        later messages read (play, leaving, a blade, 飲んでる, 前に一回やった, no future).
        ``quiet``: the message had no concept hit, so a swallow is not held back by an act
        filled before it, and an urge to do it again is read (it has no concept of its own)."""
        g = self._g
        keys = info.keys
        if injury_allowed and (injury := self._self_injury(tokens, earlier, info)):
            slot = (
                "act" if any(t.key in g.now or t.surface in g.now for t in tokens) else "self_harm"
            )
            fills.append(Fill(slot, self._injury_concept, injury[0], injury[1], 0))
        if quiet and (wade := self._wading(tokens, text, cues)) is not None:
            fills.append(Fill("act", self._water_concept, wade[0], wade[1], 0))
        if (swallow := self._swallowed(tokens, cues, own_kinds, info)) and (
            quiet or not any(f.slot == "act" for f in fills)
        ):  # (the swallow first: it is rarely there, and the fills are then not looked at)
            fills.append(Fill("act", self._pills_concept, swallow[0], swallow[1], 0))
        if not quiet and (wade := self._wading(tokens, text, cues)) is not None:
            fills.append(Fill("act", self._water_concept, wade[0], wade[1], 0))
        if (
            ("もう" in text or not info.words.isdisjoint(g.guess_words))
            and not info.words.isdisjoint(g.future_words)
            and info.words.isdisjoint(g.trip_words)  # (来年の桜はたぶん見られない、留学するから)
            and not _holds(self._laughter, text)
            and (unseen := _no_next_season(tokens, g)) is not None
        ):
            # 来年の桜はもう見ないと思う / 次の夏はもう来ないかも: a next season the person does
            # not expect to see (not 来年はもう見ないドラマ: a thing)
            fills.append(Fill("passive", self._vanish_concept, unseen[0], unseen[1], 0))
        if (
            not keys.isdisjoint(g.anchors)
            and not keys.isdisjoint(g.cords)
            and (tied := self._cord_tied(tokens, earlier, cues, info)) is not None
        ):
            fills.append(Fill(tied[2], self._hanging_concept, tied[0], tied[1], 0))
        if _about_self(tokens, g, info):
            new_cues.add("about_self")  # 仕事のことじゃなくて、自分のこと
        if _holds(self._play, text):
            new_cues.add("play")  # ラスボス強すぎ / (next) 崖から飛び降りるギミック
        if _holds(self._leaving, text):
            new_cues.add("leaving")  # 部長の送別会 / (next) 最後の挨拶がよくて
        if keys & self._g.blades:
            new_cues.add("blade_said")
        if _bare_swallowing(tokens, self._reader, info):
            new_cues.add("swallowing")  # 飲んでる / (next) くすり
        if _did_before(tokens, self._reader, g, info):
            new_cues.add("did_before")
        if (
            (own_kinds & {"method", "place", "means"} or earlier & _CUE_SLOTS)
            and (sure := _asks_what_is_sure(tokens, g, info)) is not None
            and not any(f.slot in ("method", "act", "intent") for f in fills)
        ):
            # 何階から飛べば確実？ / 電車って時速何キロ出てれば確実なの: how to make it certain
            fills.append(Fill("method", self._lethality_concept, sure[0], sure[1], 0))
        if (
            quiet
            and _urge_again(tokens, self._reader, g, info)
            and ("means_mention" in cues or earlier & {"past_attempt", "self_harm"})
        ):
            fills.append(Fill("method", self._pills_concept, tokens[0].begin, tokens[-1].end, 0))
        if (
            quiet
            and "means_mention" in cues
            and (again := _collecting_again(tokens, self._reader, g, info)) is not None
        ):
            named = sorted(c for c in cues if c.startswith("means:"))
            means = self._by_id.get(named[-1][6:], self._pills_concept) if named else None
            for slot in ("means", "preparation"):
                fills.append(Fill(slot, means or self._pills_concept, again[0], again[1], 0))
        if quiet and "afterlife_said" in cues and (went := self._go_there(tokens)) is not None:
            # 🪦 / 早く入りたい, 天国 / はやく行きたい: the place said, then the wish to go
            fills.append(Fill("passive", self._afterlife_concept, went[0], went[1], 0))
        prepared = "preparation" in own_kinds or "preparation" in earlier
        if (no_future := self._no_future(tokens, info, prepared=prepared)) is not None:
            new_cues.add("no_future")  # 次の部屋?探す必要ないから
            fills.append(Fill("despair", self._no_future_concept, no_future[0], no_future[1], 0))

    def _no_longer_here(
        self, tokens: list[Token], time_hits: Sequence[Hit], info: Scan
    ) -> tuple[int, int, str] | None:
        """もう + いない / いません said of oneself at a time to come (明日の朝にはもう私はいない
        から, 来月にはもう私ここにいないかもしれない) or of the world (僕はもうこの世界にいません):
        not being alive then. Not of a place one leaves (実家にいない: moving), not past. Returns
        the span and the slot: intent with a time, passive without one."""
        g = self._g
        for j, t in enumerate(tokens):
            if t.pos != "動詞" or t.key not in ("いる", "居る", "おる"):
                continue
            nxt = tokens[j + 1] if j + 1 < len(tokens) else None
            if nxt is None or not (
                nxt.key in ("ない", "ん", "ぬ")
                or (nxt.key == "ます" and j + 2 < len(tokens) and tokens[j + 2].key in ("ん", "ぬ"))
            ):
                continue
            r = self._reader.read(tokens, j)
            if r.features & {rd.PAST, rd.QUESTION, rd.REQUEST}:
                continue
            sentence = info.sentence_of[j]
            start = j
            while start > 0 and info.sentence_of[start - 1] == sentence and j - start < 8:
                start -= 1
            before = tokens[start:j]
            if not any(u.key == "もう" for u in before):
                continue
            if any(
                u.key not in g.first_person
                and u.pos in ("名詞", "代名詞")
                and k + 1 < len(before)
                and before[k + 1].key in ("は", "が")
                for k, u in enumerate(before)
            ):
                continue  # 彼はもうこの世にいない: someone else
            place = j - 1 if j >= 1 and tokens[j - 1].key == "に" else -1
            if place >= 1 and tokens[place - 1].key not in g.world_words | _HERE:
                continue  # 実家にいない: not at a place
            world = place >= 1 and tokens[place - 1].key in g.world_words
            times = [h for h in time_hits if info.sentence_of[h.first] == sentence and h.last < j]
            later = any(
                u.key in ("とき", "時", "頃", "ころ") and u.pos == "名詞" for u in before
            ) or any(h.last + 1 < len(tokens) and tokens[h.last + 1].key == "に" for h in times)
            if not (world or later):
                continue
            if not world and not any(u.key in g.first_person | _HERE for u in before):
                continue  # 明日にはもういないから、冷蔵庫のもの食べてね: away, maybe on a trip
            if not world and any(u.pos == "動詞" and u.key in _GOING for u in tokens):
                continue  # 明日の朝にはもうここにいないよ、始発で帰るから: leaving
            return tokens[start].begin, t.end, "intent" if times or (world and later) else "passive"
        return None

    def _cord_tied(
        self,
        tokens: list[Token],
        earlier: frozenset[str],
        cues: frozenset[str] | set[str],
        info: Scan,
    ) -> tuple[int, int, str] | None:
        """A cord tied to something one can hang from, in one sentence (梁に紐くくりつけてある,
        ドアノブに紐むすんだ / あとは体重かけるだけ, 延長コード、カーテンレールに縛ってある): a
        hanging set up, with no word of hanging or dying. Counted when it is done (not asked,
        not negated, not supposed) and something says it is for oneself: a crisis said before,
        the neck, the body's weight or a ring in the message, or nothing else hung from it.
        Returns the span and the slot (means: it is there; method: thought of)."""
        g = self._g
        cord = anchor = -1
        said_for_self: bool | None = None
        nothing_else: bool | None = None
        for j, t in enumerate(tokens):
            if t.key in g.cords or t.surface in g.cords:
                cord = j
            elif t.key in g.anchors or t.surface in g.anchors:
                anchor = j
            elif t.pos in ("動詞", "名詞") and (
                t.key in g.tie_verbs or t.key in g.hang_verbs or t.surface in g.tie_verbs
            ):
                if cord < 0 or anchor < 0 or info.sentence_of[cord] != info.sentence_of[j]:
                    continue
                if info.sentence_of[anchor] != info.sentence_of[j]:
                    continue
                r = self._reader.read(tokens, j)
                if r.features & {rd.NEGATED, rd.QUESTION, rd.CONDITIONAL, rd.REQUEST} or any(
                    u.key in ("とく", "置く", "おく", "下さる", "くださる", "ください")
                    for u in tokens[j + 1 : j + 5]
                ):
                    continue  # (ドアノブにタオルかけといて, 結んどいてください: asked of someone)
                if said_for_self is None:  # (the same for every verb of the message)
                    said_for_self = (
                        bool(earlier & _CUE_SLOTS)
                        or not info.all_keys.isdisjoint(("首", "体重", "輪", "輪っか", "わっか"))
                        or "finality" in cues
                    )
                if not said_for_self:
                    if t.key in g.hang_verbs:
                        continue  # タオル、ドアノブにかけた: a towel hung up
                    if nothing_else is None:
                        nothing_else = not _other_things(tokens, g)
                    if not nothing_else:
                        continue  # 物干しにロープかけて洗濯物干した: something else hangs from it
                slot = "method" if r.features & {rd.DESIRE, rd.VOLITIONAL} else "means"
                first = min(cord, anchor)
                return tokens[first].begin, tokens[j].end, slot
        return None

    def _go_there(self, tokens: list[Token]) -> tuple[int, int] | None:
        """A wish to go or enter with no place of its own (早く入りたい, もう行きたい)."""
        for k, t in enumerate(tokens):
            if t.pos != "動詞" or t.key not in ("行く", "いく", "逝く", "入る", "帰る"):
                continue
            if k > 0 and tokens[k - 1].key in ("に", "へ", "まで", "を"):
                return None  # 旅行に行きたい: a place of its own
            r = self._reader.read(tokens, k)
            if r.features & {rd.DESIRE, rd.WISH} and not r.features & {rd.NEGATED, rd.PAST}:
                return t.begin, tokens[min(r.end, len(tokens)) - 1].end
        return None

    def _death(
        self,
        h: Hit,
        r: Reading,
        c: Context,
        tokens: list[Token],
        timed: bool,
        earnest: bool,
        laughing: bool,
        negated: bool,
        past_history: bool,
        crisis_reading: bool,
        add: Emit,
    ) -> None:
        emit = add
        if (
            c.subject == "self"
            and (
                tokens[h.last].cform.startswith("命令形")
                or (  # 死ね read as 仮定形 without ば after it
                    tokens[h.last].cform.startswith("仮定形")
                    and (h.last + 1 >= len(tokens) or tokens[h.last + 1].key != "ば")
                )
            )
            and not c.quoted
        ):
            emit("ideation", h)  # 自分死ねって毎日思う: said to oneself
            return
        if rd.REQUEST in r.features or rd.IMPERATIVE in r.features or rd.WISH_OTHER in r.features:
            return
        if _part_subject(tokens, h, self._g):
            return  # カラオケで喉が死亡する予定, 筋トレで足死ぬ: a part of the body worn out
        if rd.POTENTIAL in r.features and _claim_asked(tokens, h.last + 1, self._g):
            emit("ideation", h)  # 凍えて眠ったら楽に逝けるってほんと？: asking if a way works
            return
        if (
            c.subject not in ("other", "media")
            and not c.quoted
            and _arranged_for_after(tokens, h, self._g)
        ):
            # 僕が死んだあと妻が困らないように口座をまとめた: one's affairs put in order
            emit("preparation", h._replace(concept=self._affairs_concept))
            return
        if (
            tokens[h.last].pos == "名詞"
            and h.last + 1 < len(tokens)
            and tokens[h.last + 1].pos == "名詞"
            and tokens[h.last + 1].pos2 != "数詞"
            and h.first == h.last
            and tokens[h.last].key in self._g.death_compounds
        ):
            return  # 死亡保険, 死亡率, 死亡届: a term of insurance or statistics, no one's death
        said = self._text[h.begin : h.end]
        ones_last = h.concept.id == "last_day" and ("人生" in said or "最期" in said)
        if h.concept.id == "last_day" and not ones_last and r.governor not in ("する", "為る"):
            return  # 今日が夏休み最後の日, 明日が最後の日 (of work): not made one's last
        if negated and rd.ONLY not in r.features:
            before = [t.key for t in tokens[max(0, h.first - 2) : h.first]]
            if rd.POTENTIAL in r.features and (before[-1:] == ["まで"] or before == ["まで", "は"]):
                return  # ライブまでは死ねない, 孫の顔見るまで死ねない: a reason to live
            if rd.POTENTIAL in r.features and rd.DESIRE not in r.features:
                emit(
                    "despair", h
                )  # 死ねない / 死にきれない: often a wish that cannot be carried out
            elif rd.HEDGE in r.features and rd.DESIRE in r.features:
                emit("distress", h)  # 別に死にたいわけじゃない: a hedge, not a plain denial
            return
        if rd.ATTEMPT in r.features:
            if c.now:
                emit("act", h)
            else:
                # 昨日死のうとした: an attempt of the last days is recent, whatever follows
                emit(self._attempt_slot(h), h)
            return
        if past_history and (crisis_reading or rd.PAST in r.features):
            emit("resolved", h)
            return
        if rd.EXPERIENCE in r.features:
            emit("past_attempt" if rd.ATTEMPT in r.features else "resolved", h)
            return
        if (
            rd.VOLITIONAL in r.features
            and _volitional_question(tokens, h, r)
            and not _taking_along(tokens, self._g)  # (お母ちゃん連れて一緒に死のうかと思っとる)
        ):
            emit("ideation", h)  # 死のうかと考えてしまう, 終わりにしようかなと思ってる
            return
        if rd.INTENT in r.features or rd.PURPOSE in r.features:
            emit("intent", h)
            return
        if rd.VOLITIONAL in r.features:
            if (
                rd.TENTATIVE in r.features
                or rd.QUESTION in r.features
                or rd.CONDITIONAL in r.features
            ):
                emit("ideation", h)
            else:
                emit("intent", h)
            return
        if crisis_reading:
            if laughing and c.cause and not earnest:
                return  # ケーキ食べちゃって死にたい(笑): a trivial cause, said laughing
            emit("ideation", h)  # 死にたい笑 alone is still said: counted
            return
        if rd.CONDITIONAL in r.features:
            if rd.EVALUATION in r.features:
                emit("ideation", h)
            elif _others_better_off(tokens, h, self._g):
                emit("passive", h)  # 私が死んだらみんな後悔するかな: pictured through others
            elif (
                rd.QUESTION in r.features
                or rd.TENTATIVE in r.features
                or rd.POTENTIAL in r.features
            ):
                emit("euphemism", h)  # もし事故で死ねるなら…
            return
        if rd.CONCESSIVE in r.features:
            if rd.EVALUATION in r.features:
                emit("passive", h)  # 死んでもいい / いつ死んでも構わない
            return
        if self._ruminating and not (rd.PAST in r.features or rd.APPEARANCE in r.features):
            emit("ideation", h)  # 自分で終わらせる方法ばかり検索してしまう
            return
        if rd.PAST in r.features or rd.PROGRESSIVE in r.features or rd.APPEARANCE in r.features:
            return  # テスト死んだ, 数字死んでる, 死にそう: hyperbole or someone else's death
        # A plain statement (死ぬ, 死にます): hyperbole with a trivial cause or laughter, an
        # intent when said politely, in earnest or with a time.
        if c.cause or laughing:
            return
        if (
            h.first > 0
            and tokens[h.first - 1].key in ("今日", "きょう")
            and not r.features - {rd.POLITE}
            and h.concept.kind in ("death", "ending")
        ):
            emit("intent", h)  # 今日死ぬ / 今日終わりにする: the day said with it
            return
        if (
            ones_last
            and h.first >= 2
            and tokens[h.first - 1].key in ("が", "は", "を")
            and (tokens[h.first - 2].key in ("今日", "きょう") or h.first - 2 in self._time_words)
            and not r.features - {rd.POLITE}
        ):
            emit("intent", h)  # 今日が人生最後の日, 今夜を最後の夜にする: the day made the last
            return
        if (
            not timed
            and h.first > 0
            and tokens[h.first - 1].pos == "名詞"
            and tokens[h.first - 1].key not in self._g.first_person
            and tokens[h.first - 1].key not in self._g.reflexive
            and tokens[h.first - 1].key
            not in self._g.present | self._g.now | self._g.recent | self._g.history
            and tokens[h.first - 1].key not in ("侭", "まま", "様", "よう", "方", "ほう")
            and h.concept.kind == "death"
            and not r.features - {rd.POLITE}
        ):
            return  # この暑さ死ぬ, 課題死ぬ: a bare noun as the cause, hyperbole
        if any(t.key in ("多分", "たぶん") for t in tokens[max(0, h.first - 3) : h.first]):
            return  # 明日たぶん死ぬ (after a workout): a guess about one's state
        if (
            not r.features
            and h.concept.kind == "death"
            and _after_a_condition(tokens, h)
            and not _after_an_event(tokens, h)  # (卒業式が終わったら死ぬ: a day set)
            and not any(  # (夜になったら死ぬ, 朝が来たら: a time set)
                t in self._time_words
                and t + 2 < len(tokens)
                and tokens[t + 1].key in ("に", "が", "も")
                and tokens[t + 2].key in ("なる", "成る", "来る", "くる", "明ける")
                for t in range(max(0, h.first - 6), h.first)
            )
            and not (h.first > 0 and tokens[h.first - 1].key == "も")  # (母が死んだら私も死ぬ)
            and not (r.end < len(tokens) and tokens[r.end].pos == "名詞")  # (死ぬ勇気)
        ):
            # 今夜の試合負けたら死ぬ, バレたら死ぬ: a consequence, not a plan; said in earnest or
            # of a life problem, a wish (借金返せなかったら死ぬ)
            if earnest or any(cue.startswith("factor:") for cue in self._cues):
                emit("ideation", h)
            return
        if (
            h.concept.kind == "death"
            and not r.features - {rd.POLITE}
            and _event_then_death(tokens, h, self._g, self._time_words)
        ):
            return  # 明日の面接マジで死ぬ: an ordeal named right before, hyperbole
        if (
            rd.POLITE in r.features
            or earnest
            or timed
            or c.subject == "self"
            or (
                # 自殺する / 俺、自殺する: the word is never hyperbole; said plainly, an intent
                not r.features
                and said.startswith(tuple(self._g.plain_intent_words))
                and _ends_sentence(tokens, r.end, self._g)
            )
        ):
            emit("intent", h)
            return
        if not r.features - {rd.TE} and _taking_along(tokens, self._g):
            emit("intent", h)  # あいつの家行って一緒に死ぬ, 母と一緒に終わりにする
            return
        if not r.features - {rd.POLITE} and _after_an_event(tokens, h):
            emit("intent", h)  # 共通テストが済んだら死ぬ: a time set by an event
            return
        if (
            h.concept.kind == "ending"
            and not r.features
            and (r.end >= len(tokens) or tokens[r.end].kind in (KIND_END, KIND_PUNCT))
            and self._life_object(tokens, h)
        ):
            emit("intent", h)  # 自分の人生にけりをつける: one's own life, said plainly
            return
        if (
            self._resolute
            and not (r.features - {rd.TE})
            and (_by_own_hand(tokens, h, self._g) or _alone(tokens, h) or _kosoto(tokens, h))
        ):
            emit("intent", h)  # もう自分で終わらせる: a declaration with resolve
            return
        if (
            self._decided
            and h.concept.kind == "death"
            and not (r.features - {rd.POLITE})
            and not (c.cause or laughing)
            and _ends_sentence(tokens, r.end, self._g)
            and not _after_a_condition(tokens, h)  # (食べなきゃ死ぬ: a consequence)
        ):
            emit("intent", h)  # もう決めたから。死ぬよ: a plain 死ぬ after a decision
            return
        if rd.POTENTIAL in r.features and (rd.TENTATIVE in r.features or rd.QUESTION in r.features):
            emit("ideation", h)  # どうやったら死ねるかな
            return
        if (
            r.features & {rd.QUESTION, rd.TENTATIVE}
            and h.last + 1 < len(tokens)
            and tokens[h.last + 1].key in ("の", "こと", "事")
            and _said_in_sentence(tokens, h, self._g.dying_feel)
        ):
            emit("ideation", h)  # 死ぬのって痛いかな: wondering how one's dying would feel
            return
        if rd.TENTATIVE in r.features or rd.QUESTION in r.features:
            emit("euphemism", h)

    def _method(
        self,
        h: Hit,
        r: Reading,
        c: Context,
        in_sentence: set[str],
        timed: bool,
        crisis_context: bool,
        negated: bool,
        past_history: bool,
        crisis_reading: bool,
        quantity_sentences: set[int],
        own_kinds: set[str],
        add: Emit,
        now_after: bool = False,
    ) -> None:
        emit = add
        g = self._g
        if now_after and not negated:
            emit("act", h)  # ODなう, 練炭中
            return
        if h.concept.id in _DOSE_METHODS and self._text[h.begin : h.end].endswith("目"):
            emit("act", h)  # ブロン20錠目: counting the pills as they are taken
            return
        if r.governor in g.quit_verbs:
            emit("self_harm" if negated else "past_attempt", h)  # ODがやめられない / ODをやめた
            return
        if negated and rd.ONLY not in r.features:
            return
        if rd.PASSIVE in r.features and not c.now and _godan_passive(self._tokens, h, r.governor):
            return  # 人狼で吊られた, 内科で咳止めを大量に出された: done to the person or given
        strong = h.concept.strong
        if (
            h.concept.id == "swallowed"
            and (rd.CONDITIONAL in r.features or rd.QUESTION in r.features)
            and _amount_question(self._tokens, h, g)
        ):
            emit("method", h)  # 何錠飲めば足りるのか: asking how much it takes
            return
        if not strong and _thing_or_pushed(self._tokens, h, g):
            return  # シャツが下の階に落ちた, 押されて線路に落ちそう
        if not strong and not (
            in_sentence & {"place", "means", "death"}
            or crisis_context
            or self._cues & {"at_place", "place_mention"}
            or rd.ONLY in r.features  # 飛ぶしかない
            or own_kinds & {"death", "despair", "finality", "farewell"}
            or h.sentence in quantity_sentences
            or r.governor == "する"
            or (timed and _bare_jump(self._tokens, h, r, self._time_words))  # 今夜飛ぶ
            or (
                timed
                and h.concept.id == "overdose_weak"
                and self._tokens[h.first].key.lower() in ("od", "ｏｄ")
                and _bare_word(self._tokens, h)
            )
        ):
            if not negated and rd.PAST not in r.features and h.concept.id in _JUMP_WORDS:
                self._jump_said = True  # 0時になったら飛ぶ / (next) ベランダ、12階
            return  # 飛ぶ / 落ちる / 飛び込む alone have other meanings
        if (
            not crisis_context
            and not r.features & {rd.ONLY, rd.DESIRE, rd.INTENT, rd.VOLITIONAL, rd.THOUGHT}
            and not own_kinds & _DYING_KINDS
            and (
                _holds(self._play, self._text)
                or "play" in self._cues
                or (not strong and rd.APPEARANCE in r.features and "place" not in in_sentence)
            )
        ):
            return  # 堤防からダイブしてる, バンジーで飛び降りた, 吸い込まれそうなくらい青い
        if (
            "benign" in in_sentence
            and not crisis_context
            and r.features & {rd.DESIRE, rd.QUESTION, rd.CONDITIONAL, rd.TENTATIVE}
            and not r.features & {rd.INTENT, rd.VOLITIONAL, rd.PAST, rd.PROGRESSIVE, rd.ONLY}
            and not own_kinds & _DYING_KINDS
        ):
            return  # キャンプで練炭使いたいんだけど: for the everyday activity named with it
        if (
            "benign" in in_sentence
            and not crisis_context
            and r.features <= {rd.PAST, rd.TE, rd.POLITE}
            and rd.PAST in r.features | ({rd.PAST} if h.sentence in self._past_sentences else set())
            and not own_kinds & _DYING_KINDS
            and (h.concept.id not in _DOSE_METHODS or _mild_medicine(self._tokens, h, g))
        ):
            return  # 断熱シートで目張りした, 青木ヶ原でキャンプしてきた: an everyday activity, done
        if (
            "benign" in in_sentence
            and not crisis_context
            and rd.TE in r.features
            and r.features <= {rd.TE, rd.POLITE}
            and not own_kinds & _DYING_KINDS
        ):
            return  # 公園の柵に足かけてストレッチ: a step of the everyday activity named with it
        if h.concept.id == LEAN_OVER:
            if not crisis_context and ("benign" in own_kinds or _holds(self._laughter, self._text)):
                return  # 観光で最上階 / 下見たらくらっとした笑: a view
            emit("method", h)  # looking down from a height: imminent only at the place (the ladder)
            return
        if h.concept.id == "swallowed" and not (
            rd.PAST in r.features
            and "finality_strong" in self._cues
            and not _has_object(self._tokens, h)
        ):
            return  # 飲んだ alone is an overdose only next to finality (もう飲んだから止めても無駄)
        if (
            self._why
            and not crisis_context
            and (rd.QUESTION in r.features or rd.CONDITIONAL in r.features)
        ):
            return  # 睡眠薬とアルコールを一緒に飲むとなぜ危険なんですか: a question of fact
        if past_history:
            emit("past_attempt", h)
            return
        if rd.TRY in r.features and strong:
            emit("preparation", h)  # ベルトを首に巻いてみた: a rehearsal
            return
        if rd.ATTEMPT in r.features or rd.EXPERIENCE in r.features:
            emit(
                "act" if c.now else self._attempt_slot(h),
                h,
            )
            return
        if (
            rd.INTENT in r.features
            or rd.PURPOSE in r.features
            or (
                rd.VOLITIONAL in r.features
                and not (rd.TENTATIVE in r.features or rd.QUESTION in r.features)
            )
        ):
            emit("intent", h)
            return
        if (
            not crisis_reading
            and not crisis_context
            and not self._ruminating
            and (
                "benign" in own_kinds
                or ("benign_now" in self._cues and not own_kinds & _DYING_KINDS)
            )
            and (rd.QUESTION in r.features or rd.TENTATIVE in r.features)
        ):
            # 樹海ってほんとに迷うの？ 来週ハイキング: a question about an outing, named in this
            # message or before it (週末、河原でBBQします / 練炭って普通の炭と何が違うの？)
            return
        if (
            crisis_reading
            or rd.QUESTION in r.features
            or rd.CONDITIONAL in r.features
            or rd.TENTATIVE in r.features
            or self._ruminating
        ):
            emit("method", h)
            return
        if (
            not strong
            and not crisis_context
            and not own_kinds & _DYING_KINDS
            and r.features & {rd.PAST, rd.PROGRESSIVE}
            and _delighted(self._tokens, g)
        ):
            return  # 海に飛び込んだ！夏最高: a weak word of a method, done with delight
        gov = r.governor
        if rd.PROGRESSIVE in r.features or (
            c.now and (rd.PAST in r.features or (not gov and strong))
        ):
            emit("act", h)
            return
        if gov and gov in g.act_verbs and rd.TE in r.features and strong:
            emit("act", h)  # マフラーにホースつないで、エンジンかけっぱなし
            return
        if (
            rd.PAST in r.features
            and not strong
            and not (
                crisis_context
                or in_sentence & {"place", "means"}
                or "finality_strong" in self._cues
            )
        ):
            return  # バイト飛んだ: a weak method word in the past, with nothing else, is not an act
        if rd.PAST in r.features:
            if gov and gov in g.acquire_verbs:
                if "benign_now" in self._cues and not crisis_context:
                    return  # 週末キャンプ行く！ロープと炭と七輪、車に積んだ
                emit("means", h)  # 練炭買った
            elif h.sentence in self._recent and not c.now:
                emit("recent_attempt", h)  # 先週ODした
            elif (
                h.sentence in quantity_sentences
                or gov in g.ingest_verbs
                or gov in g.act_verbs
                or not gov
            ):
                emit("act", h)  # 全部飲んだ, 火をつけた, ODした
            else:
                emit("method", h)
            return
        if gov and gov in g.acquire_verbs:
            emit("means", h)
            return
        if gov and gov in g.thought_verbs:
            emit("method", h)
            return
        # a plain statement of a method: an intent with a time, a place, politeness or finality
        if (
            not strong
            and not crisis_context
            and not own_kinds & _DYING_KINDS
            and _delighted(self._tokens, g)
        ):
            return  # 今から海に飛び込む！夏最高: a weak word of a method, said with delight
        if _later_verb(self._tokens, h, g.thought_verbs):
            emit("method", h)  # ベランダの手すりに足かけるところまで想像する: pictured, not done
            return
        if rd.POLITE in r.features or timed or "place" in in_sentence or "finality" in own_kinds:
            emit("intent", h)
            return
        if h.concept.kind == "method" and strong and not gov:
            emit("method", h)

    def _means(
        self,
        h: Hit,
        r: Reading,
        c: Context,
        tokens: list[Token],
        in_sentence: set[str],
        crisis: bool,
        negated: bool,
        benign: bool,
        quantity_sentences: set[int],
        add: Emit,
    ) -> None:
        emit = add
        g = self._g
        gov = r.governor
        if not crisis and (
            _for_a_purpose(tokens, h)
            or _mild_medicine(tokens, h, g)
            or _used_on_something_else(tokens, h, g)
        ):
            return  # 出張用にサプリ10日分, キャンプ用の炭, 胃薬, ロープで荷物縛った: its use is said
        if (
            c.history
            and (r.features & {rd.PAST, rd.EXPERIENCE} or h.sentence in self._past_sentences)
            and not c.now
            and not c.recurrence
            and self._keys.isdisjoint(g.still_words)  # (前にもらった薬、まだ取ってある)
            and not any(tokens[j].key in g.recurrence for j in range(h.first, r.end))
        ):
            emit("resolved", h)  # 大学生だった頃、七輪を買った。今は平気: a past that is over
            return
        if gov in g.ingest_verbs and any(
            t.key == "振り" or t.surface == "ふり" for t in tokens[h.last + 1 : r.end + 3]
        ):
            gov = _later_verb(tokens, h, g.collect_verbs) or ""  # 飲んだふりしてためてる: kept
        if gov not in g.acquire_verbs and gov not in g.ingest_verbs and gov not in g.act_verbs:
            later = _later_verb(tokens, h, g.acquire_verbs - {"ある", "有る", "入れる"})
            if later:
                gov = later  # 抗不安薬と睡眠導入剤、あわせて80錠くらい手元にある
                negated = False  # 処分せずにしまってある: the negation was the earlier verb's
        if negated:
            later = _later_verb(
                tokens, h, g.collect_verbs if gov in g.ingest_verbs else g.acquire_verbs
            )
            if later and later != gov:
                gov, negated = later, False  # 飲まずにためておいた, 処分せずにしまってある
        if (
            gov in g.pro_verbs
            and rd.PAST in r.features
            and not negated
            and (h.last + 1 < len(tokens) and tokens[h.last + 1].key == "で")
        ):
            emit(self._attempt_slot(h), h)
            return  # 2年前に薬でやった: an attempt said with a pro-verb
        if (
            gov in self._g.contemplate_verbs
            and not negated
            and not benign
            and rd.QUESTION not in r.features
            and (h.concept.strong or crisis or bool(self._keys & self._g.staring_words))
        ):
            emit("method", h)  # 包丁をじっと見てる: thinking of using it
            if h.concept.strong or crisis:
                emit("means", h)  # 部屋にあるロープ見てる: it is at hand
            return
        if not crisis and _holds(self._play, self._text):
            return  # 回復薬ぜんぶ飲んだのに負けた: a game
        if (
            h.concept.kind == "means"
            and h.concept.turned_on_others  # a blade or a cord, not a medicine
            and gov in g.acquire_verbs
            and not negated
            and not r.features & {rd.QUESTION, rd.CONDITIONAL, rd.DESIRE}
            and not self._keys.isdisjoint(g.tub_words)
            and not self._keys.isdisjoint(g.fill_verbs)
        ):
            emit("means", h)  # 浴槽に水を張って、剃刀を手元に置いた: a bath drawn, a blade laid out
            emit("preparation", h)
            return
        if (
            "swallowing" in self._cues
            and not negated
            and (not benign or r.quantity or _DOSE.search(self._text) is not None)
        ):
            emit("act", h)  # いま / 飲んでる / くすり; さっき飲んだ / 風邪薬4箱
            return
        if h.concept.strong and not benign and not negated and _errand(tokens, h, g):
            emit("method", h)  # これからロープ買いに行く: going to get it
            return
        if not gov or (negated and rd.ONLY not in r.features):
            if not gov and rd.DESIRE in r.features:
                emit("method", h)  # 薬ほしい… rare; keeps the words on the card
            return
        quantity = r.quantity or h.sentence in quantity_sentences
        collected = (
            gov in g.collect_verbs
            or any(w in self._text for w in g.gathering_words)  # いろんな店で少しずつ買ってる
            or (quantity and rd.PASSIVE not in r.features)  # (内科で咳止めを大量に出された: given)
            or any(t.key in g.collect_verbs for t in tokens[h.last + 1 : r.end + 2])
            or _collected_before(tokens, h, g)
        )
        if any(t.key in ("過ぎる", "すぎる") for t in tokens[h.last + 1 : r.end + 1]):
            quantity = True  # 薬を飲みすぎた
        if (rd.PAST in r.features or rd.PROGRESSIVE in r.features) and any(
            t.key
            in ("酒", "お酒", "アルコール", "ウイスキー", "焼酎", "ビール", "ワイン", "日本酒")
            for t in tokens
        ):
            quantity = True  # お酒と薬を一緒に飲んだ: a combination, not a dose
        if (
            gov in g.act_verbs
            and gov not in g.ingest_verbs
            and (
                rd.PROGRESSIVE in r.features
                or c.now
                or (rd.PAST in r.features and h.concept.strong and not benign)
            )
            and rd.NEGATED not in r.features
            and not _cutting_something_else(tokens, h, gov, g)
        ):
            emit("act", h)  # 包丁を首に当ててる, 七輪つけた
            return
        if (
            gov in g.act_verbs
            and gov not in g.ingest_verbs
            and h.concept.strong
            and not benign
            and (rd.CONDITIONAL in r.features or rd.QUESTION in r.features)
        ):
            emit("method", h)  # 車の中で炭を焚いたら眠るように
            return
        if gov in ("空ける",):
            quantity = True  # 瓶を空けた: the whole bottle
        if gov in g.ingest_verbs and (gov not in ("言う", "いく", "行く") or quantity):
            if (
                rd.DESIRE in r.features
                or rd.CONDITIONAL in r.features
                or rd.QUESTION in r.features
                or rd.EVALUATION in r.features
            ):
                if (quantity or crisis or _amount_question(tokens, h, g)) and not (
                    benign and not crisis and not h.reading.quantity and _asks(tokens, h)
                ):
                    emit("method", h)  # 何錠飲めば (not 風邪薬って飲みすぎると肝臓に悪い？)
                return
            if rd.INTENT in r.features or rd.VOLITIONAL in r.features:
                emit("intent", h)
                return
            done = (
                rd.PAST in r.features
                or rd.PROGRESSIVE in r.features
                or (rd.TE in r.features and h.sentence in self._past_sentences)
            )
            if done and (
                quantity
                or crisis
                or (c.now and (h.concept.strong or _DOSE.search(self._text) is not None))
            ):
                # (さっき薬飲んだ alone is taking one's medicine)
                if h.sentence in self._recent and not c.now:
                    emit("recent_attempt", h)  # 先週、薬を2週間分まとめて飲んで運ばれた
                else:
                    emit("act", h)
                return
            if (
                not r.features - {rd.POLITE}
                and (quantity or collected)
                and any(w in self._text for w in ("今から", "いまから", "これから"))
            ):
                emit("intent", h)  # 集めてた錠剤、今から飲みきる
                return
            if quantity and rd.PAST not in r.features and not (benign and _asks(tokens, h)):
                emit("self_harm", h)  # 30錠飲むのが習慣 (not 頭痛薬って飲みすぎると胃に悪い？)
            return
        if (
            h.concept.strong
            and not benign
            and (rd.QUESTION in r.features or rd.POTENTIAL in r.features)
            and any(t.key in g.load_words for t in tokens[h.last + 1 : r.end + 2])
        ):
            emit("method", h)  # ネクタイって体重に耐えられるのかな
            return
        if (
            h.concept.strong
            and gov in g.know_verbs
            and not negated
            and not benign
            and rd.QUESTION not in r.features
            and _said_in_sentence(tokens, h, g.where_words)
        ):
            emit("means", h)  # じいちゃんの猟銃の場所知ってる: where it is kept, within reach
            return
        if gov in g.acquire_verbs or gov in ("売る", "売ってる", "手に入る", "買える"):
            if rd.QUESTION in r.features:
                if (h.concept.strong or _amount_question(tokens, h, g)) and not benign:
                    emit("method", h)  # ロープってどこで売ってるんだろう, 咳止め何個まで買える
                return
            hoarding = gov in g.collect_verbs or any(
                t.key in g.collect_verbs for t in tokens[h.last + 1 : r.end + 2]
            )
            if benign and not crisis and not hoarding and not self._keys & self._g.many_words:
                return  # 花粉症の薬、多めにもらってきました
            readied = (  # 睡眠薬を用意した。今夜: got ready for a time
                h.sentence in self._time_sentences
                and not benign
                and rd.PAST in r.features
                and gov not in g.hold_verbs
            )
            if readied:
                self._readied = True
            if (
                not (collected or readied or h.concept.strong or self._keys & g.many_words)
                and gov not in g.collect_verbs
                and _said_in_sentence(tokens, h, g.care_words)
            ):
                return  # 心療内科で睡眠薬もらってきた、ちゃんと飲んでる: prescribed, in treatment
            if h.concept.strong or collected or crisis or readied:
                emit("means", h)
                if collected and rd.DESIRE not in r.features:
                    emit("preparation", h)  # collecting means: 数えてる, 買い集めてる
            elif (
                not negated
                and not r.features & {rd.DESIRE, rd.CONDITIONAL, rd.QUESTION}
                and gov in g.acquire_verbs
                and not any(t.surface.startswith("空") for t in tokens[h.last + 1 : r.end])
            ):
                # 昔もらった睡眠薬、まだ取ってある: a means kept, which counts if a crisis is said
                # in the next messages (/ もう疲れた)
                emit(_PENDING_MEANS, h)

    def _place(
        self,
        h: Hit,
        r: Reading,
        c: Context,
        tokens: list[Token],
        crisis: bool,
        negated: bool,
        timed: bool,
        add: Emit,
    ) -> None:
        emit = add
        g = self._g
        gov = r.governor
        if (
            not crisis
            and gov in ("行く", "いく", "来る", "向かう", "寄る", "訪れる", "見る", "観る")
            and not self._keys.isdisjoint(g.leisure_trips)
            and _said_in_sentence(tokens, h, g.leisure_trips)
            and not self._soon
            and not r.features & {rd.DESIRE, rd.VOLITIONAL, rd.CONDITIONAL}
        ):
            return  # 修学旅行で東尋坊行く, ゼミ合宿で東尋坊に行く予定: sightseeing
        if not crisis and not self._soon and _going_to_see(tokens, h):
            return  # 華厳の滝を見に日光へ行ってきました, 東尋坊に紅葉を見に行きたい: a view
        edge = (
            _at_edge(tokens, h, g)
            if not h.concept.strong
            and rd.PAST not in r.features
            and h.sentence not in self._past_sentences  # (橋の端を歩いて帰った)
            else 0
        )
        if edge and edge + 1 < len(tokens) and tokens[edge + 1].key == "の":
            edge = 0  # 駅の先のコンビニ: beyond it, a place there
        if edge:
            # 堤防の先端 / 埠頭のいちばん先 / ホームの端: the edge of a place is a danger place
            h = h._replace(concept=self._edge_concept, span_end=tokens[edge].end)
        if rd.EXPERIENCE in r.features or (
            c.history and (rd.PAST in r.features or h.sentence in self._past_sentences)
        ):
            if gov in g.presence_verbs or gov in g.act_verbs:
                emit("past_attempt", h)  # 一度、線路に入ったことがあります
            return
        if (
            not gov
            and h.last + 1 < len(tokens)
            and tokens[h.last + 1].key == "から"
            and (h.last + 2 >= len(tokens) or tokens[h.last + 2].kind == KIND_END)
            and (h.concept.strong or crisis or timed or "time_any" in self._cues)
        ):
            emit("method", h)  # 金曜の夜 / 会社の屋上から: where to go from
            return
        if (
            not gov
            and "jump_said" in self._cues
            and h.concept.kind == "place"
            and not negated
            and not self._keys & self._g.play_words
            and (_fragment_after(tokens, h) or rd.TE in r.features)
        ):
            emit("method", h)  # 0時になったら飛ぶ / ベランダ、12階: where from
            return
        if rd.QUESTION in r.features and (
            any(t.key in g.load_words for t in tokens[h.last + 1 : r.end + 3])
            or bool(self._keys & {"確実", "確実に"})
        ):
            emit("method", h)  # ロフトのはしご、人の重さもつかな
            return
        if not c.now and _later_verb(tokens, h, g.picture_verbs):
            emit("method", h)  # 屋上まで行くところを毎晩思い浮かべる: pictured, not being there
            return
        if not gov and _fragment_after(tokens, h):
            gov = "いる"  # 橋の上。下は真っ暗: a place said alone means being there
        if (
            (rd.VOLITIONAL in r.features or rd.DESIRE in r.features)
            and (gov in g.presence_verbs or gov in ("行く", "いく"))
            and (h.concept.strong or crisis)
        ):
            emit("method", h)  # 踏切に行っちゃおうかな (not 海行きたいな〜: an outing)
            return
        if gov not in g.presence_verbs:
            later = _later_verb(tokens, h, frozenset({"行く", "いく", "向かう", "来る"}))
            if later:
                k = next(j for j in range(h.last + 1, len(tokens)) if tokens[j].key == later)
                lr = self._reader.read(tokens, k)
                if (
                    rd.VOLITIONAL in lr.features
                    or rd.DESIRE in lr.features
                    or rd.INTENT in lr.features
                ):
                    emit("method", h)  # 踏切の音が聞こえると、行っちゃおうかなって
                    return
        if negated or not gov or (rd.QUESTION in r.features and rd.PROGRESSIVE not in r.features):
            return
        if rd.CONDITIONAL in r.features and not crisis and gov in ("歩く", "通る", "走る"):
            return  # 線路沿いを歩いてたら: passing by, not being there to do it
        if rd.PAST in r.features and not (
            c.now
            or gov
            in ("来る", "着く", "到着", "入る", "降りる", "おりる", "登る", "乗り越える", "座る")
            or _came_to(tokens, h, r.end)
        ):
            return
        if (
            gov in g.act_verbs
            and gov in ("入る", "降りる", "おりる", "乗り越える", "跨ぐ")
            and (rd.PAST in r.features or rd.PROGRESSIVE in r.features)
        ) and (
            h.concept.strong
            or crisis
            or (_water_entry(tokens, h) and not _holds(self._play, self._text))
        ):
            emit("act", h)  # 線路におりた, 海に腰まで入った (not 川に入って魚とりした)
            return
        if (
            h.concept.kind == "place"
            and any(t.key in g.water_words for t in tokens[h.first : h.last + 1])
            and any(t.key == "入る" and t.pos == "動詞" for t in tokens[h.last + 1 :])
            and (crisis or not _holds(self._play, self._text))  # (川に入って魚とりした)
        ):
            emit("act", h)  # 海にきてる、服のまま腰まで入った
            return
        if (
            gov in ("見る", "眺める")
            and h.sentence in self._benign_sentences
            and not crisis
            and not negated
        ):
            return  # 明日の朝、橋の上から初日の出見る
        if gov in g.contemplate_verbs and not crisis and _looked_through(tokens, h, g):
            return  # フェンス越しに景色見てる: the fence stands between the person and the view
        if (
            gov in g.presence_verbs
            and not crisis
            and h.sentence in self._benign_sentences
            and any(t.key == "待つ" for t in tokens[h.last + 1 : h.last + 8])
        ):
            return  # ホームの端で電車待ってる、通勤つら: waiting for the train, on the way to work
        if gov in g.presence_verbs:
            if gov not in ("覗く", "見下ろす", "見る", "眺める"):
                self._at_place = True  # 8階のベランダに出てる (not 下を覗くのが癖)
            if gov in ("覗く", "見下ろす", "見る", "眺める") and not h.concept.strong:
                if c.now:
                    emit("place", h)  # いまベランダから下を見てる
                else:
                    emit("method", h)  # 毎晩ベランダから下を見てる: thinking of the height
                return
            if h.concept.strong or crisis or timed:
                emit("place", h)  # (埠頭のいちばん先に座ってる: at the edge of it)

    def _self_injury(
        self, tokens: list[Token], earlier: frozenset[str], info: Scan
    ) -> tuple[int, int] | None:
        """Hurting one's own body with no self-harm word: a verb of hurting (噛む, 押しつける,
        引っかく) with one's own body part or 自分で, and a sign it is meant (a wound, また, a
        habit); or "did it again" (またやっちゃった。腕) with a body part. Returns the span."""
        g = self._g
        verbs: list[tuple[int, str]] = []  # (token of the verb's last part, the verb)
        if not info.all_keys.isdisjoint(self._injury_keys):  # else the loop finds no verb
            for k, t in enumerate(tokens):
                if t.pos != "動詞":
                    continue
                if t.key in g.harm_verbs or t.key in g.pro_verbs:
                    verbs.append((k, t.key))
                if k + 1 < len(tokens) and tokens[k + 1].pos == "動詞":
                    pair = t.surface + tokens[k + 1].key  # 押し + つける, 引っ + かく
                    if pair in g.harm_verbs:
                        verbs.append((k + 1, pair))
        keys = info.all_keys
        if (
            "線" in keys
            and "引く" in keys
            and (keys & self._g.blades or "means_mention" in self._cues)
        ):
            k = next(i for i, t in enumerate(tokens) if t.key == "線")
            return tokens[k].begin, tokens[min(k + 3, len(tokens) - 1)].end  # もう一本線を引いた
        if not verbs:
            return None
        # (info.words: the keys and surfaces of every token)
        wounded = not info.words.isdisjoint(g.wound_words) or bool(keys & g.recurrence)
        for k, verb in verbs:
            r = self._reader.read(tokens, k)
            compulsive = rd.NEGATED in r.features and any(
                t.key in g.quit_verbs for t in tokens[k + 1 : k + 5]
            )  # むしるのがやめられない: the habit goes on
            if (
                (rd.NEGATED in r.features and not compulsive)
                or rd.CONDITIONAL in r.features
                or rd.QUESTION in r.features
                or rd.PASSIVE in r.features
                or rd.WISH_OTHER in r.features
            ):
                continue  # 噛まれた (done to me), 叩かないで
            body = -1
            reflexive = False
            for j in range(k - 1, max(-1, k - 11), -1):
                w = tokens[j]
                if w.kind == KIND_END or (w.key in g.clause_breaks and w.pos2 == "接続助詞"):
                    break
                if (
                    w.key in g.third_person
                    or w.key in g.caregivers - g.first_person
                    or w.key in g.history
                ):
                    body = -1
                    reflexive = False
                    break  # 彼氏の腕を噛んだ: someone else's body; 昔は…: a past
                if (
                    w.key in g.reflexive
                    and j + 1 < len(tokens)
                    and tokens[j + 1].key in ("で", "を", "の")
                ):
                    reflexive = True
                if (
                    body < 0
                    and (w.key in g.body_parts or w.surface in g.body_parts)
                    and w.key not in g.reflexive
                ):
                    body = j
            if verb in g.pro_verbs:
                done = rd.PAST in r.features or rd.PROGRESSIVE in r.features or rd.TE in r.features
                if done and keys & g.recurrence and self._cues & {"blade_said", "wound_said"}:
                    # 🔪🩸 / またやった: the blade or the blood named just before
                    return tokens[max(0, k - 1)].begin, tokens[min(r.end, len(tokens)) - 1].end
                # またやっちゃった。腕 / 自分でやった: the conversation names what was done
                if (
                    (
                        keys & g.recurrence
                        or reflexive
                        or "self_harm" in earlier
                        or _body_fragment(tokens, g)
                        or (body >= 0 and bool(keys & self._g.blades))  # カミソリで脚やって
                        or (
                            bool(keys & g.recurrence)
                            and bool(self._cues & {"blade_said", "wound_said"})
                        )
                    )
                    and (
                        body >= 0
                        or any(
                            (w.key in g.body_parts or w.surface in g.body_parts)
                            and w.key not in g.reflexive
                            for w in tokens
                        )
                    )
                    and (
                        rd.PAST in r.features or rd.PROGRESSIVE in r.features or rd.TE in r.features
                    )
                ):
                    return tokens[max(0, k - 1)].begin, tokens[min(r.end, len(tokens)) - 1].end
                continue
            if body < 0 and wounded:
                for j in range(k + 1, min(k + 6, len(tokens))):
                    w = tokens[j]
                    if w.kind == KIND_END:
                        break
                    if w.key in g.body_parts and w.key not in g.reflexive:
                        body = j
                        break
            if body < 0 and not reflexive:
                continue
            if compulsive and body >= 0:
                start = tokens[body].begin
                return start, tokens[min(k + 5, len(tokens) - 1)].end
            burning = verb in (
                "押し付ける",
                "押しつける",
                "焼く",
                "焦がす",
                "刻む",
                "切り付ける",
                "切りつける",
            )
            if (
                burning
                or wounded
                or reflexive
                or rd.PROGRESSIVE in r.features
                or "self_harm" in earlier
            ):
                start = tokens[body].begin if body >= 0 else tokens[max(0, k - 2)].begin
                return start, tokens[min(r.end, len(tokens)) - 1].end
        return None

    def _swallowed(
        self, tokens: list[Token], cues: Iterable[str], own_kinds: set[str], info: Scan
    ) -> tuple[int, int] | None:
        """飲んでる / いっぱい飲んじゃった with no object, after a means was named: the act."""
        if "means" in own_kinds or info.all_keys.isdisjoint(self._g.swallow_verbs):
            return None  # no act without a verb of swallowing (the loop below)
        cues = frozenset(cues)
        keys = info.words
        counting = bool(keys & {"数える", "かぞえる"})  # かぞえながら飲んでる: pills counted
        text = info.surface_text
        all_of_it = "あるだけ" in text or not keys.isdisjoint(self._g.quantity_words)
        with_drink = not info.all_keys.isdisjoint(self._g.drinks) and any(
            # お酒と一緒に、あるだけ飲んじゃった: something taken with the drink
            t.key in self._g.drinks and j + 1 < len(tokens) and tokens[j + 1].key in ("と", "で")
            for j, t in enumerate(tokens)
        )
        if "means_mention" not in cues and not counting and not (with_drink and all_of_it):
            return None
        for k, t in enumerate(tokens):
            if t.pos != "動詞" or t.key not in self._g.swallow_verbs:
                continue
            r = self._reader.read(tokens, k)
            if (
                rd.NEGATED in r.features
                or rd.QUESTION in r.features
                or rd.CONDITIONAL in r.features
                or rd.DESIRE in r.features
            ):
                continue
            if not (rd.PAST in r.features or rd.PROGRESSIVE in r.features):
                continue
            b = k - 1
            while b >= 0 and (
                tokens[b].key in ("を", "も", "は")
                or tokens[b].key in self._g.quantity_words
                or tokens[b].surface in self._g.quantity_words
            ):
                b -= 1
            before = tokens[b] if (b >= 0 and b < k - 1) or b == k - 1 else None
            if (
                before is not None
                and before.pos == "名詞"
                and before.key not in self._g.quantity_words
                and before.surface not in self._g.quantity_words
            ):
                continue  # お茶飲んでる, 水を飲んだ: something else was drunk
            if counting or all_of_it:
                return tokens[max(0, k - 1)].begin, tokens[min(r.end, len(tokens)) - 1].end
        return None

    def _wading(
        self, tokens: list[Token], text: str, cues: Iterable[str]
    ) -> tuple[int, int] | None:
        """胸のあたりまで入ってる in water (not a bath): walking into the sea or a river."""
        depth = _DEPTH.search(text)
        if depth is None:
            return None
        keys = {t.key for t in tokens} | {t.surface for t in tokens}
        if keys & self._g.bath_words:
            return None
        if not (keys & self._g.water_words or "place_mention" in frozenset(cues)):
            return None
        for k, t in enumerate(tokens):
            if t.pos == "動詞" and t.key in (
                "入る",
                "浸かる",
                "進む",
                "歩く",
                "立つ",
                "行く",
                "来る",
            ):
                r = self._reader.read(tokens, k)
                if (
                    rd.PROGRESSIVE in r.features or rd.PAST in r.features
                ) and rd.NEGATED not in r.features:
                    return depth.start(), tokens[min(r.end, len(tokens)) - 1].end
        return None

    def _no_future(
        self, tokens: list[Token], info: Scan, *, prepared: bool = False
    ) -> tuple[int, int] | None:
        """要らない / 必要ない said of a future (次の部屋, 住所, 将来), or, after a preparation
        (解約した, 手放した), a thing one will not use again (車の保険もやめた、乗ることないし):
        no future is expected (not もうこの制服を着ることもない after a graduation)."""
        g = self._g
        if (
            prepared
            and not info.all_keys.isdisjoint(g.use_verbs)
            and ("こと" in info.all_keys or "事" in info.all_keys)
            and (unused := _no_more_use(tokens, g)) is not None
        ):
            return unused
        if info.all_keys.isdisjoint(g.need_words) or info.words.isdisjoint(g.future_words):
            return None  # the loop below needs a word of need (要る, 必要) and of a future
        for k, t in enumerate(tokens):
            if t.key not in g.need_words:
                continue
            r = self._reader.read(tokens, k)
            nxt = k + 1
            while nxt < len(tokens) and tokens[nxt].pos == "助詞":
                nxt += 1  # 必要はない, 必要もない
            noun_denied = (
                t.pos == "名詞" and nxt < len(tokens) and tokens[nxt].key in ("ない", "無い")
            )
            if (
                not (rd.NEGATED in r.features or noun_denied)
                or rd.QUESTION in r.features
                or rd.CONDITIONAL in r.features
            ):
                continue
            for j in range(k - 1, max(-1, k - 7), -1):
                w = tokens[j]
                if w.kind == KIND_END:
                    break
                if w.key in g.future_words or w.surface in g.future_words:
                    return w.begin, tokens[min(max(r.end, nxt + 1), len(tokens)) - 1].end
        return None

    # --- helpers -------------------------------------------------------------------------

    def _someone_elses_crisis(self, h: Hit, text: str) -> bool:
        """A crisis word about someone else (友達が死にたいって, 彼女が柵の外にいるって, 姉から
        「今までありがとう」って): the writer is worried, and their own distress counts."""
        kind, r = h.concept.kind, h.reading
        if rd.NEGATED in r.features or h.context.subject == "media":
            return False
        if kind in _THIRD_PARTY_KINDS:
            return True
        if kind == "means":  # 兄の部屋からロープが出てきた: found among someone's things
            return h.context.possessive and r.governor in self._g.found_verbs
        if not h.concept.strong:
            return False
        if kind == "place":  # someone at a danger place now
            return h.context.subject == "other" and r.governor in self._g.presence_verbs
        # someone's farewell passed on (not one said at a leaving do)
        return kind == "farewell" and h.context.quoted and not _holds(self._leaving, text)

    def _own(self, h: Hit) -> bool:
        c = h.context
        if c.possessive and h.concept.kind == "means" and not c.quoted:
            # 母の睡眠薬を飲んだ, 父の猟銃がある: someone's means, the person's act; but 兄の部屋
            # からロープが出てきた: found among someone's things, their crisis
            return h.reading.governor not in self._g.found_verbs
        if c.possessive and h.concept.id == "pet" and not c.quoted:
            return True  # 猫の里親を探してる: the pet's new home, the person's own act
        if (
            c.possessive
            and h.concept.kind in ("despair", "distress", "burden")
            and not c.quoted
            and _topic_comma_before(self._tokens, h)
        ):
            return True  # 義母の介護、もう限界: someone's care named as the topic, one's own limit
        if c.quoted or c.subject in ("other", "media"):
            return False
        return not (rd.REPORTED in h.reading.features and c.subject != "self")

    def _factor_frame(self, text: str) -> None:
        """What the whole message says about its factors: over, calm now, an advertisement."""
        g = self._g
        keys = self._keys
        self._advert = len(keys & g.advert_words) >= 2  # 遺品整理サービス、お見積り無料
        self._settled_at = self._calm_at = -1
        if not keys.isdisjoint(g.still_words) or not keys.isdisjoint(g.recurrence):
            return  # 今も一人で子育て, まだ立ち直れない, また借金: not over
        if self._settled is not None and (m := self._settled.search(text)):
            self._settled_at = m.start()
        if self._calm_now is not None and (m := self._calm_now.search(text)):
            self._calm_at = m.start()

    def _factor_over(self, h: Hit) -> bool:
        """The factor belongs to a past the message says is over (昔ギャンブルで借金あったけど
        全部返し終わった, 前の職場のパワハラ、今は転職して平和), or it is only supposed (病気に
        なればいいのに, もしクビになったら), or a passing cause keeps one awake (工事の音で眠れない)."""
        g = self._g
        r = h.reading
        if self._settled_at >= 0 and h.begin < self._settled_at:
            return True
        if self._calm_at >= 0 and h.begin < self._calm_at and self._in_the_past(h):
            return True
        if (
            rd.CONDITIONAL in r.features
            and not r.features & {rd.PAST, rd.EXPERIENCE, rd.NEGATED}
            and h.concept.factor != "future_anxiety"  # (a worry is about the future by nature)
            and h.sentence not in self._past_sentences  # (仕事辞めたら楽になった: it happened)
            and self._supposed(h)
        ):
            return True  # 病気になればいいのに, 離婚したらどうなるかな: a supposition
        if h.concept.factor == "depression":
            tokens = self._tokens
            for j in range(h.first - 1, max(-1, h.first - 7), -1):
                if tokens[j].kind == KIND_END:
                    break
                if tokens[j].key in g.sleep_causes or tokens[j].surface in g.sleep_causes:
                    return True  # 工事の音で眠れない, 楽しみで眠れない, 夏バテで食欲ない
        return False

    def _factor_denied(self, h: Hit) -> bool:
        """病気はないけど, 借金もない: the factor's noun said not to exist; どがん (Kyushu どう)
        is not がん; 親が死んだら: supposed, in the words themselves."""
        tokens = self._tokens
        if (
            h.first >= 1
            and tokens[h.first - 1].surface == "ど"
            and tokens[h.first - 1].pos == "接頭辞"
        ):
            return True  # どがんもならん: how, not cancer
        said = self._text[h.begin : h.end]
        if (h.concept.factor == "bereavement" and ("死" in said or "亡" in said)) and (
            self._text[h.begin : h.end].endswith(("たら", "だら", "れば", "なら"))
            or (
                self._text[h.end : h.end + 2].startswith(("ら", "たら", "だら", "ば"))
                and not self._text[h.end : h.end + 3].startswith("らしい")  # (死んだらしい)
            )
        ):
            return True  # 親が死んだら一人になる: a death supposed
        k = h.last + 1
        if k < len(tokens) and tokens[k].key in ("は", "も", "が"):
            k += 1
        return (
            k > h.last + 1
            and k < len(tokens)
            and tokens[h.last].pos == "名詞"
            and tokens[k].key in ("ない", "無い")
            and not (k + 1 < len(tokens) and tokens[k + 1].key in ("と", "から", "で"))
        )

    def _supposed(self, h: Hit) -> bool:
        """The factor's own words are what is supposed: right after them, past only a light
        verb (なる, する) and its endings, a たら / ば / なら (病気になれば, クビになったら; not
        借金を返せたら, where the debt is real, nor …と思うと)."""
        g = self._g
        tokens = self._tokens
        for j in range(h.last + 1, min(h.last + 4, len(tokens))):
            t = tokens[j]
            if t.surface in g.supposing or t.key in g.supposing:
                return True
            if t.key not in g.light_verbs and t.key not in g.aux_verbs:
                return False
        return False

    def _in_the_past(self, h: Hit) -> bool:
        """Said as the past: a past verb, a past-time word just before (前の職場), or a time
        gone by after it (亡くなって10年)."""
        g = self._g
        r = h.reading
        tokens = self._tokens
        if h.context.history or r.features & {rd.PAST, rd.EXPERIENCE, rd.HISTORY}:
            return True
        if h.sentence in self._past_sentences:
            return True
        for j in range(h.first - 1, max(-1, h.first - 4), -1):
            if tokens[j].kind == KIND_END:
                break
            if tokens[j].key in g.history:
                return True
        after = r.end if r.end > h.last else h.last + 1
        return (
            rd.TE in r.features
            and after < len(tokens)
            and tokens[after].surface.isnumeric()  # (10年, 十年, ３か月)
        )

    def _factor_owned(self, h: Hit) -> bool:
        """A friend's debt is the friend's; a relative's is the household's too."""
        c = h.context
        if self._advert:
            return False  # an advertisement's words are nobody's life
        if h.concept.about_others:
            return not c.quoted and c.subject != "media"
        if c.subject == "media" or c.quoted:
            return False
        if self._factor_over(h) or self._factor_denied(h):
            return False
        # 友達が借金で困ってる, 好きな俳優が亡くなった: the subject is outside the household (but
        # 友達の借金の保証人: the friend's thing, the person's problem)
        if not (c.subject == "other" and not c.possessive):
            return True
        word = self._outsider_word(h)
        if word is None:
            return True
        # a friend's death is the person's grief too (親友が先月亡くなった), an actor's is not
        return h.concept.factor == "bereavement" and word in self._g.close_outsiders

    def _factor_is_the_plan(
        self,
        f: Fill,
        used: Sequence[Fill],
        readied: Sequence[Fill],
        attempted: bool,
        tokens: Sequence[Token],
    ) -> bool:
        """A factor's words that belong to the person's own plan: a medicine as the means
        (_treatment_as_means), a funeral being readied (葬儀社に自分の分の見積もりを頼んだ,
        遺影に使ってほしい写真、まとめた) or the person's own (自分の葬式を想像する)."""
        if f.slot != "factor":
            return False
        if f.concept.factor == "depression":
            return bool(used) and self._treatment_as_means(f, used)
        if f.concept.factor == "physical_illness":
            # 薬を飲んで入院した / 飛び降りて骨折した: the stay or the wound is the attempt's
            said = self._text[f.begin : f.end]
            return attempted and any(w in said for w in self._g.care_words)
        if f.concept.factor != "bereavement":
            return False
        if any(u.sentence == f.sentence or (u.begin < f.end and f.begin < u.end) for u in readied):
            return True
        k = next((i for i, t in enumerate(tokens) if t.begin == f.begin), -1)
        return k >= 2 and tokens[k - 1].key == "の" and tokens[k - 2].key in self._g.first_person

    def _treatment_as_means(self, f: Fill, used: Sequence[Fill]) -> bool:
        """A depression factor whose words are a means the person would use (デパスとマイス
        リー、ためてた), or a word of treatment (grammar.yaml care_words: 精神科) in its sentence
        (精神科の薬、2ヶ月分ためた): the means, not a sign of the illness (うつの薬のんでる is)."""
        said = self._text[f.begin : f.end]
        return any(
            (u.begin < f.end and f.begin < u.end)
            or (u.sentence == f.sentence and any(w in said for w in self._g.care_words))
            for u in used
        )

    def _outsider_word(self, h: Hit) -> str | None:
        """The nearest person word before the words, in the sentence, when it is an outsider."""
        g = self._g
        tokens = self._tokens
        for j in range(min(h.first, len(tokens)) - 1, -1, -1):
            t = tokens[j]
            if t.kind == KIND_END:
                return None
            if t.key in g.third_person or t.surface in g.third_person:
                if t.key in g.outsiders:
                    return t.key
                return t.surface if t.surface in g.outsiders else None
        return None

    def _life_object(self, tokens: list[Token], h: Hit) -> bool:
        """人生 / 命 / 自分 / この世 right before 終わらせる: ending one's life."""
        for j in range(max(0, h.first - 4), h.last + 1):  # (自分の命のけじめ: inside the words)
            if tokens[j].key in (
                "人生",
                "命",
                "自分",
                "この世",
                "生涯",
                "一生",
                "己",
                "世界",
                "此の世",
            ):
                return not self._others_life(tokens, h)
        return False

    def _others_life(self, tokens: list[Token], h: Hit) -> bool:
        """Someone else's life before the verb (あの男の人生、終わらせてやる)."""
        g = self._g
        for j in range(max(2, h.first - 8), h.last + 1):
            if tokens[j].kind == KIND_END:
                return False
            if (
                tokens[j].key in ("人生", "命", "一生", "生涯")
                and tokens[j - 1].key == "の"
                and tokens[j - 2].pos in ("名詞", "代名詞")
                and tokens[j - 2].key not in g.reflexive
                and tokens[j - 2].key not in g.first_person
            ):
                return True
        return False

    def _weary(self, tokens: list[Token], h: Hit) -> bool:
        """生きる followed by の / のに / こと and a word of weariness (疲れた, 嫌, しんどい)."""
        k = h.last + 1
        saw_nominal = tokens[h.last].pos == "名詞"  # 人生に疲れた
        while k < min(h.last + 6, len(tokens)):
            t = tokens[k]
            if t.kind == KIND_END:
                return False
            if t.key in ("の", "こと", "事") or t.pos == "助詞":
                saw_nominal = saw_nominal or t.key in ("の", "こと", "事")
                k += 1
                continue
            if saw_nominal and t.pos == "副詞":
                k += 1  # 生きてるのもう嫌だ
                continue
            if (
                t.pos == "助動詞"
                or t.kind != KIND_WORD
                or (t.pos == "動詞" and t.key in self._g.aux_verbs and not saw_nominal)
            ):
                k += 1
                continue
            if not saw_nominal:
                return False
            if t.key in self._g.weary_words or t.surface in self._g.weary_words:
                return rd.NEGATED not in self._reader.read(tokens, k).features
            return False
        return False

    def _quit(self, tokens: list[Token], h: Hit) -> Reading | None:
        """生きるのをやめたい: the reading of the verb that stops the living."""
        j = h.reading.end
        for k in range(h.last + 1, min(h.last + 5, len(tokens))):
            t = tokens[k]
            if t.kind == KIND_END:
                return None
            if t.pos == "動詞" and t.key in self._g.quit_verbs:
                return self._reader.read(tokens, k)
        del j
        return None

    def _flag_cues(
        self, hits: list[Hit], tokens: list[Token], laughing: bool, info: Scan
    ) -> set[str]:
        """What this message says about danger to others and to children (cues that the
        conversation combines: a threat in one message, the petrol bought in the next).

        The hits behind the cues are kept in ``self._harm_hits`` and ``self._child_hits``, so
        that the words behind a flag go on the counselor's card."""
        g = self._g
        out: set[str] = set()
        harm: list[Hit] = []
        child: list[Hit] = []
        keys = info.words
        kinds = {h.concept.kind for h in hits}
        for h in hits:
            kind = h.concept.kind
            if kind not in _FLAG_KINDS:
                continue  # the branches below are for these kinds only
            r = h.reading
            c = h.context
            if c.quoted and kind == "abuse" and _said_to_writer(self._text, h.end):
                pass  # 母に毎日『産まなきゃよかった』って言われる: words said to the person
            elif (
                kind == "violence"
                and (c.quoted or rd.REPORTED in r.features)
                and not laughing
                and not c.cause
                and not r.features & {rd.NEGATED, rd.PASSIVE, rd.QUESTION, rd.DESIRE}
                and _grave(tokens, h, g)
                and _threat_from_someone(self._text, tokens, h, hits, g)
            ):
                # 元彼から『お前を殺す』ってメールが来た / 同僚が「火をつけてやる」って言ってて:
                # someone else's threat, passed on by the person
                out.update(("threat", "threat_stated", "target"))
                harm.append(h)
                continue
            elif c.quoted or c.subject == "media" or c.history:
                continue
            if kind == "violence":
                # あの先輩刺して: a bare noun right before a verb of harm is what it is done to
                bare_object = h.first >= 1 and tokens[h.first - 1].pos in ("名詞", "代名詞")
                if (
                    (c.subject == "other" and not c.possessive and not bare_object)
                    or rd.NEGATED in r.features
                    or laughing
                    or rd.PASSIVE in r.features
                    or _self_object(tokens, h, g)
                    or (h.last + 1 < len(tokens) and tokens[h.last + 1].key == "的")
                ):
                    continue  # 夫に殴られる, 自分の始末は自分で, 殺人的な忙しさ: no threat
                if rd.REPORTED in r.features and rd.TEYARU in r.features:
                    out.update(("threat", "threat_stated"))  # 殺すって、本人に直接言ってやった
                    harm.append(h)
                    continue
                if (
                    rd.QUESTION in r.features
                    and rd.THOUGHT in r.features
                    and (rd.VOLITIONAL in r.features or rd.TEYARU in r.features)
                    and rd.PAST not in r.features  # (ぶん殴ろうかと思った: a thought that passed)
                    and (
                        _grave(tokens, h, g)
                        or not keys.isdisjoint(g.earnest)  # お茶に何か入れてやろうかって、本気で
                    )
                ):
                    out.update(("threat", "threat_plain"))  # 火つけてやろうかと本気で思ってる
                    harm.append(h)
                    continue
                if rd.QUESTION in r.features or (
                    rd.PAST in r.features and rd.PROGRESSIVE not in r.features
                ):
                    continue
                purpose = rd.PURPOSE in r.features or (
                    r.governor in g.purpose_verbs and tokens[max(0, h.last)].pos == "名詞"
                )
                if rd.DESIRE in r.features and not purpose:
                    out.add("harm_wish")  # 殺したい: venting unless something concrete follows
                    if "本気" in keys and _grave(tokens, h, g):
                        out.add("wish_in_earnest")  # あの人を本気で殺したい (not マジ殺したい)
                    continue
                if rd.CONDITIONAL in r.features and not (rd.TEYARU in r.features or purpose):
                    continue
                out.add("threat")
                harm.append(h)
                if _grave(tokens, h, g):
                    out.add("threat_grave")  # 殺す, 刺す (not どつく, しばく)
                if (
                    purpose
                    or rd.TEYARU in r.features
                    or rd.INTENT in r.features
                    or (rd.TE in r.features and self._dying_after(hits, h))
                ):
                    out.add("threat_stated")  # 相手の男を殺して俺も死ぬ
                elif (
                    not r.features - {rd.POLITE, rd.TENTATIVE, rd.VOLITIONAL}
                    and _grave(tokens, h, g)
                    and (tokens[h.last].pos == "動詞" or r.governor == "する")
                    and not _other_subject(tokens, h, g)
                    # (まじで殺す / ガチで殺す: an intensifier of venting, not resolve)
                    and keys.isdisjoint(g.earnest - g.earnest_strong)
                ):
                    # 次に手を上げたら、俺が父を殺す / 今度来たら刺すかもしれない: a plain
                    # statement, a threat when said about someone in particular
                    out.add("threat_plain")
            elif kind == "weapon":
                gov = r.governor
                if rd.NEGATED in r.features or rd.QUESTION in r.features:
                    continue
                if (
                    gov in g.carry_verbs
                    or gov in g.acquire_verbs
                    or gov in ("特定", "調べる", "する", "突き止める", "分かる", "わかる")
                ):
                    out.add("harm_prep")
                    harm.append(h)
                    if gov in g.carry_verbs and (
                        any(
                            t.key in g.purpose_verbs and t.pos == "動詞"
                            for t in tokens[h.last + 1 :]
                        )
                        or _at_someones_place(tokens, h.last + 1, g)
                    ):
                        # 包丁を持って行く / バットは車に積んである。今向かってる /
                        # 包丁持って元カレの家の前にいる
                        out.update(("threat", "carry_threat"))
            elif kind == "target":
                out.add("target")
            elif kind == "abuse" and h.concept.strong and rd.NEGATED not in r.features:
                out.add("exploitation")  # sextortion: a child in the conversation is enough
                child.append(h)
            elif kind == "abuse":
                if rd.NEGATED in r.features or (
                    rd.QUESTION in r.features and rd.PROGRESSIVE not in r.features
                ):
                    continue
                if r.governor in g.escape_verbs or _escaped_after(tokens, h, g):
                    continue  # 夫の暴力から逃げて, 子どもを連れて家を出ました: not going on
                secrecy = "言わない" in self._text[h.begin : h.end]
                if secrecy and (
                    "abuse" not in self._cues
                    and not any(o.concept.kind == "abuse" and o is not h for o in hits)
                ):
                    continue  # 妹に「誰にも言わないで」って言われた: a secret, abuse only with abuse
                ongoing = not info.words.isdisjoint(g.habitual) or (  # 毎晩, いつも, 前から
                    rd.PASSIVE in r.features
                    and rd.PAST not in r.features  # 夫に怒鳴られる: it goes on
                )
                if h.concept.id == "abuse_words" and (
                    (not ongoing and "abuse" not in self._cues)
                    or not (
                        any(o.concept.kind == "child" and o.sentence == h.sentence for o in hits)
                        or any(
                            t.key in g.caregivers or t.key in g.home_words
                            for t in tokens[max(0, h.first - 8) : h.last + 8]
                        )
                    )
                ):
                    continue  # 親にまた怒鳴られた: once, a quarrel; 上司に怒鳴られる: not at home
                out.add("abuse")
                child.append(h)
                done_to = rd.PASSIVE in r.features or any(
                    tokens[x].key in ("れる", "られる") for x in range(h.first, h.last + 1)
                )  # 叩かれて, キスされたり: the match itself is passive
                if (
                    rd.PROGRESSIVE in r.features or rd.PASSIVE in r.features or ongoing
                ) and c.subject in (
                    "",
                    "other",
                ):
                    out.add("abuse_done")  # 小さい子が…ベランダに出されてる (a neighbour's report)
                elif (
                    h.concept.id == "sexual_abuse"
                    and done_to
                    and rd.PAST not in r.features
                    and c.subject == ""
                ):
                    out.add("abuse_to_writer")  # おじさんにキスされたりする: done to the writer
                if done_to and c.subject == "" and (c.now or h.sentence in info.recent):
                    out.add("hit_now")  # さっき顔たたかれた: done to the writer, just now
                if any(o.concept.kind == "wound" and o.first > h.last for o in hits):
                    out.add("abuse_done")  # 揺さぶってしまった、ぐったりしてる: hurt, now
                parents = _between_parents(tokens, h, g)
                if parents and c.subject != "self" and (rd.PROGRESSIVE in r.features or c.now):
                    out.add("dv_home")  # パパがママをなぐってる。いま: a child at home sees it
                if (
                    c.subject in ("", "self")
                    and not parents
                    and not (done_to or self._child_writer or secrecy)
                ):
                    out.add("abuse_by_writer")  # もう叩くのを止められない (a parent, of a child)
        if not keys.isdisjoint(g.third_person):
            out.add("target")
        # dying and taking someone along: 子どもを道連れにして, 夫と一緒に死のう, この子を連れて消えます
        along = (
            [
                h
                for h in hits
                if h.concept.kind in ("death", "vanish", "ending", "method", "elsewhere", "relief")
                and self._own(h)
                and rd.NEGATED not in h.reading.features
                and (
                    (
                        h.concept.kind in ("death", "vanish", "elsewhere", "relief")
                        and h.reading.features
                        & {rd.INTENT, rd.VOLITIONAL, rd.POLITE, rd.DESIRE, rd.THOUGHT}
                    )
                    or (
                        h.concept.kind in ("death", "ending")
                        and not h.reading.features - {rd.POLITE}
                    )
                    or (
                        h.concept.kind == "method"
                        and h.concept.strong
                        and tokens[h.last].pos == "動詞"  # 飛び降りる, not 飛び込みの練習
                        and h.sentence not in self._benign_sentences
                        and not h.reading.features - {rd.POLITE, rd.INTENT, rd.VOLITIONAL}
                    )
                )
                and rd.CONDITIONAL not in h.reading.features  # 母と一緒に死んでしまえたらと思う
                and (  # 遠くへ, 楽になる: with despair said (もう限界。この子と二人で楽になる)
                    h.concept.kind not in ("elsewhere", "relief")
                    or (
                        keys.isdisjoint(g.leisure_trips)  # (娘と二人で遠くへ旅行: a trip)
                        and not _doing_first(tokens, h)  # (二人で温泉に行って楽になる)
                        and (
                            h.concept.strong
                            or not kinds.isdisjoint(("despair", "finality", "burden"))
                            # 今夜一緒に遠くへ
                            or ("time" in kinds and rd.DESIRE not in h.reading.features)
                        )
                    )
                )
            ]
            if not kinds.isdisjoint(("death", "vanish", "ending", "method", "elsewhere", "relief"))
            else []
        )
        if (
            along
            and _taking_along(tokens, g)
            and (kinds & {"target", "child"} or keys & g.third_person)
        ):
            out.update(("threat", "threat_stated", "target"))
            harm.extend(along)
            if "child" in kinds:
                out.add("take_child")
                child.extend(along)
        if (
            "threat" in out
            and "child" in kinds
            and any(
                c.concept.kind == "child"
                and c.last + 1 < len(tokens)
                and tokens[c.last + 1].key == "を"
                and any(0 < x.first - c.last <= 3 for x in harm)
                for c in hits
            )
        ):
            out.add("take_child")  # 息子を道連れにする: the threat is against a child
            child.extend(harm)
        if self._mass_harm is not None and not laughing and self._mass_harm.search(self._text):
            starts = {m.start() for m in self._mass_harm.finditer(self._text)}
            mass = []
            for k, t in enumerate(tokens):
                if t.begin not in starts:
                    continue
                k2 = k  # the last token of the word (無 + 差別, 巻き + 込ん)
                while k2 + 1 < len(tokens) and tokens[k2 + 1].pos in ("名詞", "動詞", "接尾辞"):
                    if tokens[k2].pos == "動詞" and tokens[k2 + 1].pos != "動詞":
                        break
                    k2 += 1
                feats = self._reader.read(tokens, k2).features
                if (
                    feats & {rd.NEGATED, rd.PASSIVE, rd.QUESTION, rd.CONDITIONAL, rd.PAST}
                    or any(u.key in ("れる", "られる") for u in tokens[k2 + 1 : k2 + 3])
                    or info.sentence_of[k] in info.media
                ):
                    continue  # 事故に巻き込まれて, 家族を巻き込んでしまった, 無差別…のニュース
                mass.append(k)
            dying = [
                h
                for h in hits
                if h.concept.kind in ("death", "ending", "vanish", "violence")
                and self._own(h)
                and rd.NEGATED not in h.reading.features
            ]
            if mass and (dying or "死刑" in keys):
                # 駅で無差別にやって死刑になりたい / 誰か巻き込んで終わりたい: others taken along
                out.update(("threat", "threat_stated", "target"))
                harm.extend(dying)
        if not keys.isdisjoint(g.hiding_verbs) and any(
            t.key in g.hiding_verbs
            and t.pos == "動詞"
            and not self._reader.read(tokens, k).features & {rd.NEGATED, rd.PAST, rd.QUESTION}
            for k, t in enumerate(tokens)
        ):
            out.add("hiding")  # 押し入れに隠れてる: hiding from someone at home, now
        if not keys.isdisjoint(g.earnest):
            out.add("earnest")
        if not keys.isdisjoint(g.earnest_strong):
            out.add("earnest_strong")
        if "time" in kinds:
            out.add("time_any")
        if self._child_writer:
            out.add("child_writer")  # the writer is the child: a flag is at least moderate
        if "abuse" in out and (
            ("child" in kinds and not keys.isdisjoint(("私", "自分", "俺", "僕")))
            or (
                "abuse_by_writer" in out
                and (
                    # a child named as a person (息子, この子), not only a school word (部活)
                    any(
                        o.concept.kind == "child"
                        and any(tokens[x].key in g.third_person for x in range(o.first, o.last + 1))
                        for o in hits
                    )
                    or ("child" in self._cues and "child" not in kinds)
                )
            )
        ):
            out.add("caregiver_writer")  # 息子を叩いてしまいました / もう叩くのを止められない
        if (kinds & {"target", "child"} or keys & g.third_person) and _going_along(tokens, g):
            out.add("along")  # この子を連れて一緒にいきます, 二人分の薬: a death for two, if…
            if "child" in kinds:
                out.add("along_child")
        self._harm_hits = harm
        self._child_hits = child
        return out

    def _follow_there(self, tokens: Sequence[Token]) -> int | None:
        """そっち / あっち / 向こう + に / へ + 行く wished, tried or expected (私もそっちに行きたい,
        自分もそっちに行けそう) after someone's death was said: following them. Returns the
        token of the place word."""
        g = self._g
        for j, t in enumerate(tokens):
            if t.key not in g.there_words and t.surface not in g.there_words:
                continue
            k = j + 1
            if k < len(tokens) and tokens[k].key in ("に", "へ"):
                k += 1
            if k >= len(tokens) or tokens[k].key not in ("行く", "いく", "逝く"):
                continue
            r = self._reader.read(tokens, k)
            if rd.NEGATED in r.features or rd.PAST in r.features:
                continue
            if r.features & {rd.DESIRE, rd.VOLITIONAL, rd.POTENTIAL, rd.TENTATIVE} and not (
                r.features & {rd.INTENT, rd.QUESTION}
            ):
                return j
        return None

    def _held_now(
        self,
        tokens: Sequence[Token],
        hits: Sequence[Hit],
        keys: frozenset[str],
        quantity_sentences: set[int],
    ) -> tuple[Hit, bool] | None:
        """A means of the person's own held in the hand now (薬、いま手に持ってる, 錠剤を握ってる,
        睡眠薬30錠、いま手の中にある), and whether an amount is said with it."""
        g = self._g
        if keys.isdisjoint(g.now):
            return None
        for h in hits:
            if h.concept.kind != "means" or not self._own(h):
                continue
            if h.reading.features & {rd.NEGATED, rd.QUESTION, rd.CONDITIONAL, rd.PAST}:
                continue
            amount = h.reading.quantity or h.sentence in quantity_sentences
            if not amount and (_mild_medicine(tokens, h, g) or _for_a_purpose(tokens, h)):
                continue  # 風邪薬を手に持ってレジに並んでる
            held = False
            for k in range(h.last + 1, len(tokens)):
                t = tokens[k]
                if t.kind == KIND_END:
                    break
                if t.pos == "動詞" and t.key in g.hold_verbs:
                    held = True
                    break
                if (
                    t.key in g.hand_words
                    and k + 1 < len(tokens)
                    and tokens[k + 1].key in ("に", "の")
                ):
                    held = True
                    break
            if held:
                return h, amount
        return None

    @staticmethod
    def _dying_after(hits: Sequence[Hit], h: Hit) -> bool:
        """The person's own death later in the sentence (殺して、俺も死ぬ / 刺して自分も終わりに
        する): a word of dying, vanishing or ending one's life after the harm."""
        return any(
            o.sentence == h.sentence
            and o.first > h.last
            and o.concept.kind in ("death", "vanish", "ending")
            and o.context.subject != "other"
            for o in hits
        )

    def _flags(self, cues: frozenset[str]) -> set[str]:
        """The conversation's flags from its cues."""
        flags: set[str] = set()
        targeted = "target" in cues
        stated = (
            ("threat" in cues or cues >= {"harm_wish", "harm_prep"})
            and (
                "threat_stated" in cues
                or "harm_prep" in cues
                or "time_any" in cues  # 明日の朝礼で殴る。もう決めた: a plan
                or cues >= {"threat_grave", "earnest_strong"}  # not マジでどつく, まじで殺す
            )
            and (targeted or "threat_stated" in cues)
            and ("threat" in cues or cues >= {"harm_prep", "time_any"})
        )
        # a plain threat, a weapon carried, or a wish with the weapon got, about someone
        plain = targeted and (
            bool(cues & {"threat_plain", "carry_threat", "wish_in_earnest"})
            or cues >= {"harm_wish", "harm_prep"}
        )
        if stated or plain:
            flags.add("harm_to_others")
        if (
            "abuse" in cues
            and "child" in cues
            and cues & {"caregiver", "abuse_done", "caregiver_writer", "abuse_to_writer"}
        ):
            flags.add("child_in_danger")
        if "dv_home" in cues:
            flags.add("child_in_danger")  # the writer's parents, now: a child sees it
        if {"hit_now", "caregiver"} <= cues and cues & {"hiding", "child_writer", "child"}:
            # パパがまた怒鳴ってる / さっき顔たたかれた / 押し入れに隠れてる: a child hit at home
            flags.add("child_in_danger")
        if "exploitation" in cues and "child" in cues:
            flags.add("child_in_danger")
        if "take_child" in cues:
            flags.add("child_in_danger")
        return flags

    def _signals(self, analysis: MessageAnalysis, index: int, original: str) -> list[Signal]:
        """The fills as signals spanning the person's own characters, in text order."""
        fills = analysis.fills
        if not fills:
            return []
        out: list[Signal] = []
        seen: set[tuple[str, int, int]] = set()
        original_span = analysis.normalized.original_span
        for fill in sorted(fills, key=_SPAN) if len(fills) > 1 else fills:
            start, stop = original_span(fill.begin, fill.end)
            key = (fill.slot, start, stop)
            if key in seen:
                continue
            seen.add(key)
            factor = fill.concept.factor if fill.slot == "factor" else None
            # positional: keyword arguments make this frozen dataclass markedly slower to build
            out.append(
                Signal(fill.slot, fill.concept.id, original[start:stop], start, stop, index, factor)
            )
        return out

    # --- conversation ----------------------------------------------------------------------

    def _ladder(
        self, signals: Sequence[Signal], cues: Iterable[str], times: Sequence[int], index: int
    ) -> tuple[RiskLevel, list[str]]:
        """The risk level of a set of slot fills, with the reasons it is imminent."""
        slots_cfg = self.config.slots
        if not signals and not cues:
            return _NONE, []
        cues = frozenset(cues)
        current = [s for s in signals if s.cls != "resolved"]
        classes = {s.cls for s in signals}
        present = classes - {"resolved"}  # the classes of the current signals
        level = _NONE
        for cls in present:
            info = slots_cfg.get(cls)
            if info is not None and info.level > level:
                level = info.level
        if "resolved" in classes and level < _LOW:
            level = _LOW
        strong = {s.cls for s in current if s.term in self._strong_terms}
        ideation = present & {"ideation", "passive", "method", "self_harm", "intent", "act"}
        why: list[str] = []
        if "act" in present:
            why.append("imminent_act")
        if "intent" in present:
            why.append("imminent_intent")
        if "means" in present and (
            "means" in strong
            or ideation
            or present & {"despair", "burden", "farewell", "preparation", "euphemism"}
            or "finality" in cues
        ):
            why.append("imminent_means")
        if "preparation" in present and (
            "preparation" in strong
            or cues & {"finality", "decided"}
            or ideation
            or present & {"farewell", "burden", "despair", "euphemism", "means"}
            or len({(s.term, s.text) for s in current if s.cls == "preparation"}) > 1
        ):
            why.append("imminent_preparation")
        if "place" in present and (
            "place" in strong
            or ideation
            or present & {"despair", "farewell", "burden", "euphemism"}
            or "finality" in cues
        ):
            why.append("imminent_place")
        if "timing" in present and present & (_TIMED_SLOTS - {"passive"}):
            why.append("imminent_time")
        if (
            times
            and index - times[-1] <= 2
            and any(
                s.message >= times[-1] - 2
                and (
                    s.cls in ("method", "intent")
                    or (
                        s.cls == "preparation"
                        and (s.term in self._strong_ids or "about_self" in cues)
                    )
                )
                for s in current
            )
        ):
            why.append("imminent_time")  # あと3日 / …その日が来たら楽になれる
        if (
            "assertion" in cues
            and (times and index - times[-1] <= 1)
            and (present & {"despair", "euphemism"} or ideation)
        ):
            why.append("imminent_time")  # 終わりにする / 日曜…その夜に
        if cues & {"decided_time", "do_time"} and (
            ideation
            or present & {"despair", "euphemism", "burden", "farewell", "preparation"}
            or cues & {"place_mention", "means_mention"}
            or ("finality" in cues and not cues & {"threat", "harm_wish"})
        ):
            why.append("imminent_time")  # 次の満月の夜にする / 海がいい
        if "assertion" in cues and "means_mention" in cues and times and index - times[-1] <= 1:
            why.append("imminent_time")  # もう死ぬけん。薬は手元に…今夜
        if (
            "going_now" in cues
            and times
            and index - times[-1] <= 1
            and (ideation or present & {"despair", "euphemism", "burden", "farewell"})
        ):
            why.append("imminent_time")  # もう限界。今から行く / 前に話したあの場所
        if "farewell" in present and "soon" in cues and times and index - times[-1] <= 1:
            why.append("imminent_farewell")  # さよなら。今から行ってきます
        if (
            "finality_strong" in cues
            and "place_mention" in cues
            and times
            and index - times[-1] <= 1
        ):
            why.append("imminent_place")  # 明日、港のほう行く。帰らんつもり
        if "at_place" in cues and present & {"method", "intent"}:
            why.append("imminent_place")  # いま展望台にいる / 人が減ったら飛び降りる
        if (
            {"pro_plain", "means_mention"} <= cues
            and ("place_mention" in cues or times)
            and "benign_now" not in cues
        ):
            why.append("imminent_intent")  # お風呂にお湯ためた / カミソリも…あったかいうちにやる
        if {"finality_strong", "soon"} <= cues and "benign_now" not in cues:
            why.append("imminent_time")  # あとは今夜だけ
        if {"at_place", "finality_strong"} <= cues:
            why.append("imminent_place")  # いま森の中 / もう戻れない
        if {"at_place", "lean"} <= cues and "benign_now" not in cues:
            why.append("imminent_place")  # 8階のベランダに出てる / 下ばっかり見てる
        if (
            "pro_plain" in cues
            and "time_any" in cues
            and "finality_strong" in cues
            and "benign_now" not in cues
        ):
            why.append("imminent_time")  # あさって実行。もう迷ってない: a day and resolve
        if "holding_amount" in cues and "means" in present:
            why.append("imminent_means")  # 睡眠薬30錠、いま手の中にある
        if "readied" in cues and {"means", "timing"} <= present:
            why.append("imminent_means")  # 睡眠薬を用意した。今夜
        if "at_hand" in cues and "means_mention" in cues and ideation:
            why.append("imminent_means")  # 薬を流しこんだら楽に / どっちも今うちにある
        if "finality_strong" in cues and ideation:
            why.append("imminent_intent")  # 消えたい + もう誰にも止められたくない
        farewells = [s for s in current if s.cls == "farewell"] if "farewell" in present else []
        if farewells and (
            len({s.text for s in farewells}) > 1
            or "thanks_all" in cues
            or ("farewell" in strong and times and index - times[-1] <= 1)
            or ideation
            or present & {"preparation", "euphemism", "means", "place", "burden", "despair"}
            or "finality" in cues
            or "timing" in present
        ):
            why.append("imminent_farewell")
        if why:
            return _IMMINENT, why
        if farewells and "farewell" in strong:
            level = max(level, _HIGH)
        if "recurrence" in present and present & {"past_attempt"}:
            level = max(level, _HIGH)
        if "recurrence" in present and "did_before" in cues:
            level = max(level, _HIGH)  # 前に一回やってしもうた / 最近またあの気持ち
        if "recurrence" in present and "resolved" in classes:
            level = max(level, _HIGH)
        if "euphemism" in present and present & {"burden", "place", "timing", "means", "method"}:
            level = max(level, _HIGH)
        if "euphemism" in present and "how" in cues:
            level = max(level, _HIGH)  # 楽になりたい。でもやり方がわからない
        if "euphemism" in present and len({s.term for s in current if s.cls == "euphemism"}) > 1:
            level = max(level, _HIGH)  # 楽になりたい、全部終わりにしたい
        if "euphemism" in present and cues & {
            "place_mention",
            "factor:bereavement",
            "someone_died",
        }:
            level = max(level, _HIGH)  # 推しが亡くなった / 推しのところに行きたい
        if "past_attempt" in present and present & {"distress", "despair", "burden"}:
            level = max(level, _MODERATE)
        if (
            "decided" in cues
            and ("place_mention" in cues or "means_mention" in cues)
            and "timing" in present
        ):
            return _IMMINENT, ["imminent_time"]
        return level, why

    def _pathway(
        self, factors: Sequence[str], prior: Sequence[str]
    ) -> tuple[PathwayMatch | None, int]:
        if not factors and not prior:
            return None, 0
        memo_key = (tuple(factors), frozenset(prior))
        found = self._pathway_memo.get(memo_key)
        if found is None:
            if len(self._pathway_memo) > 4096:
                self._pathway_memo.clear()
            found = self._pathway_memo[memo_key] = self._match_pathway(factors, prior)
        return found

    def _match_pathway(
        self, factors: Sequence[str], prior: Sequence[str]
    ) -> tuple[PathwayMatch | None, int]:
        present = set(factors) | set(prior)
        if not present:
            return None, 0
        rules = self.config.rules
        best: tuple[tuple[int, int, float, int], Chain, list[str]] | None = None
        for order, chain in enumerate(self.config.chains):
            chain_factors = chain.factors
            matched = [f for f in chain_factors if f in present]
            if not matched:
                continue
            amplified = sum(1 for f in rules.amplifiers if f in present and f not in chain_factors)
            links = len(matched) + amplified
            current = sum(1 for f in matched if f in factors)
            score = (links, current, len(matched) / len(chain_factors), -order)
            if best is None or score > best[0]:
                best = (score, chain, matched)
        if best is None:
            return None, 1 if present else 0
        (links, _, _, _), chain, matched = best
        if links < rules.show_links:
            return None, links
        last = max(i for i, step in enumerate(chain.steps) if any(f in matched for f in step))
        upcoming: list[str] = []
        for step in chain.steps[last + 1 :]:
            upcoming = [f for f in step if f not in present]
            if upcoming:
                break
        match = PathwayMatch(
            chain_id=chain.id,
            label=chain.label,
            group=chain.group,
            matched=tuple(matched),
            next=tuple(upcoming),
            length=len(chain.factors),
        )
        return match, links

    def _attempt_slot(self, h: Hit) -> str:
        """An attempt told in the past: recent in a sentence of the last days or weeks (昨日,
        先月), else past."""
        return "recent_attempt" if h.sentence in self._recent else "past_attempt"

    def _hardship_over(self, text: str, keys: frozenset[str]) -> bool:
        """The message tells the hardship before it as over: a settled phrase (返し終わった,
        立ち直った) or a calm present said as it is (今は穏やかに暮らしています); ``keys`` are the
        message's words (今も, まだ, また among them: not over)."""
        g = self._g
        return (
            _holds(self._settled, text) or _calm_said(self._calm_now, text, g)
        ) and keys.isdisjoint(g.still_words | g.recurrence)

    def _pathway_level(
        self, pathway: PathwayMatch | None, links: int, despair: bool, hopeless: bool
    ) -> RiskLevel:
        rules = self.config.rules
        if links >= rules.high_links or (despair and links >= rules.high_links_with_despair):
            return _HIGH
        # a short chain complete (職場のいじめ → うつ病) is high with hopelessness (生きる意味が
        # ない), not with distress alone (つらい, しんどい: moderate, as two linked factors)
        complete = pathway is not None and len(pathway.matched) == pathway.length
        if complete and hopeless and rules.high_when_complete_with_despair:
            return _HIGH
        if links >= rules.moderate_links:
            return _MODERATE
        return _NONE

    def _reasons(
        self,
        signals: Sequence[Signal],
        factors: Sequence[str],
        prior: Sequence[str],
        pathway: PathwayMatch | None,
        links: int,
        why: Sequence[str],
        flags: Sequence[str],
    ) -> list[str]:
        messages = self.config.messages
        labels = self.config.factors
        slots = self.config.slots
        sep = messages.get("separator", "、")
        out: list[str] = []
        if why and why[0] in _HELD_REASONS:
            out.append(messages.get(why[0], why[0]))
        elif why:
            reasons = sep.join(messages.get(w, w) for w in dict.fromkeys(why))
            out.append(messages.get("imminent", "{why}").format_map(_Fields(why=reasons)))
        if flags:
            names = sep.join(slots[f].label if f in slots else f for f in flags)
            out.append(messages.get("flags", "{flags}").format_map(_Fields(flags=names)))
        shown: set[tuple[str, str]] = set()
        ranked = [s for s in signals if s.cls != "factor" and s.cls in slots]
        if len(ranked) > 1:
            ranked.sort(key=lambda s: (-int(slots[s.cls].level), s.message, s.start))
        for s in ranked:
            if len(shown) >= _MAX_REASON_FILLS:
                break
            if (s.cls, s.text) in shown:
                continue
            shown.add((s.cls, s.text))
            info = slots[s.cls]
            concept = self._by_id.get(s.term)
            value = concept.label if concept is not None else ""
            if not value and not s.text:
                out.append(info.label)  # no concept, and the words not kept (declined)
                continue
            template = (
                messages.get("wording_slot", "{label}: {text}")
                if s.term == "wording" and s.cls != "wording" and s.text
                else info.reason
                or messages.get(
                    ("slot" if s.text else "slot_no_words") if value else "slot_plain",
                    "{label}: {text}",
                )
            )  # (no words: a person who declined the terms, in a signal kept from before)
            out.append(
                template.format_map(
                    _Fields(label=info.label, value=value, text=s.text, message=str(s.message + 1))
                )
            )
        if factors:
            names = sep.join(map(labels.get, factors, factors))
            out.append(messages.get("factors", "{factors}").format_map(_Fields(factors=names)))
        earlier = [f for f in prior if f not in factors] if prior else []
        if earlier:
            names = sep.join(map(labels.get, earlier, earlier))
            out.append(
                messages.get("prior_factors", "{factors}").format_map(_Fields(factors=names))
            )
        if pathway is not None:
            fields = _Fields(
                label=pathway.label,
                group=pathway.group,
                matched=sep.join(labels.get(f, f) for f in pathway.matched),
                next=sep.join(labels.get(f, f) for f in pathway.next),
                links=str(links),
                length=str(pathway.length),
            )
            out.append(messages.get("pathway", "{label}").format_map(fields))
            if pathway.next:
                out.append(messages.get("next", "{next}").format_map(fields))
            out.append(messages.get("pathway_level", "{links}").format_map(fields))
        return list(filter(None, out))


class Scan(NamedTuple):
    """What one pass over a message's tokens finds (shared by the slot rules)."""

    keys: frozenset[str]
    sentence_of: list[int]
    past: set[int]  # sentences whose last predicate is past
    quantity: set[int]  # sentences with a count of pills or 全部
    media: set[int]  # sentences about fiction or the news
    recent: set[int]  # sentences with 昨日 / 先週…
    decide_verb: bool
    all_keys: frozenset[str]  # the keys of every token, sentence ends included
    words: frozenset[str]  # the keys and surfaces of every token, sentence ends included
    surface_text: str  # the tokens' surfaces, joined: the text they were read from
    key_words: frozenset[str]  # the keys and surfaces of every token but the sentence ends
    # unknown katakana words of two or more letters (シニタイ): analyze reads them again as
    # hiragana; found here so that no other pass over the tokens looks for them
    unknown_katakana: list[int]
    stream_words: Words  # the words in Stream's arrays (matcher.words_of), for the message's Stream


def scan(tokens: Sequence[Token], text: str, g: rd.Grammar) -> Scan:
    keys: set[str] = set()
    surfaces: set[str] = set()
    sentence_of: list[int] = []
    past: set[int] = set()
    quantity: set[int] = set()
    media: set[int] = set()
    recent: set[int] = set()
    decide_verb = False
    sentence = 0
    last_past = False
    has_title = _has_title(text)
    media_words = g.media
    recent_words = g.recent
    n = len(tokens)
    end_keys: set[str] = set()
    end_surfaces: set[str] = set()
    decide_verbs = g.decide_verbs
    # the words, as matcher.words_of reads them (built in this pass: one loop, not two)
    word_keys: list[str] = []
    word_forms: list[str] = []
    word_tok: list[int] = []
    word_barrier: list[bool] = []
    word_sentence: list[int] = []
    word_begin: list[int] = []
    word_end: list[int] = []
    pending_barrier = False
    unknown_katakana: list[int] = []
    for i, (key, surface, begin, end, kind, pos, _, form, oov, cform, _) in enumerate(tokens):
        sentence_of.append(sentence)
        if kind == KIND_END:
            end_keys.add(key)
            end_surfaces.add(surface)
            if last_past:
                past.add(sentence)
            sentence += 1
            last_past = False
            pending_barrier = True
            continue
        keys.add(key)
        surfaces.add(surface)
        if oov and len(surface) > 1 and all("\u30a1" <= c <= "\u30fa" for c in surface):
            unknown_katakana.append(i)  # (a sentence end is never an unknown noun)
        if kind == KIND_WORD:
            word_keys.append(key)
            word_forms.append(form)
            word_tok.append(i)
            word_barrier.append(pending_barrier)
            word_sentence.append(sentence)
            word_begin.append(begin)
            word_end.append(end)
            pending_barrier = False
        elif kind == KIND_PUNCT and not surface.isspace():
            pending_barrier = True  # (a space is not a barrier)
        if pos == "助動詞":
            last_past = key == "た" and not cform.startswith("仮定形")
        elif pos in ("動詞", "形容詞"):
            # …たことがある ends on ある but tells of something done (ODしたことある)
            last_past = key in ("ある", "有る") and _experience(tokens, i)
            if key in decide_verbs and pos == "動詞" and not rd.passive_after(tokens, i):
                decide_verb = True  # (not 店長に決められた通り: decided by someone else)
    if last_past:
        past.add(sentence)
    frozen_keys = frozenset(keys)
    all_keys = frozen_keys.union(end_keys) if end_keys else frozen_keys
    key_words = frozen_keys.union(surfaces)
    # Media, recent and quantity words are rare: the sentences they are in are looked for
    # only when one of them is in the message.
    media_said = (
        not media_words.isdisjoint(keys)
        or not media_words.isdisjoint(surfaces)
        or (has_title and "『" in surfaces)
    )
    recent_said = not recent_words.isdisjoint(keys) or not recent_words.isdisjoint(surfaces)
    counted = (
        not _ALL_WORDS.isdisjoint(keys)
        or not _COUNTERS.isdisjoint(all_keys)
        or not _PEOPLE_DOSES.isdisjoint(keys)
    )
    if media_said or recent_said or counted:
        for i, t in enumerate(tokens):
            if t.kind == KIND_END:
                continue
            key = t.key
            surface = t.surface
            sentence = sentence_of[i]
            if (
                media_said
                and (
                    key in media_words or surface in media_words or (has_title and surface == "『")
                )
                and not (i > 0 and tokens[i - 1].pos2 == "数詞" and t.pos == "接尾辞")
            ):
                media.add(sentence)  # not 5本 (a counter after a number)
            if recent_said and (key in recent_words or surface in recent_words):
                recent.add(sentence)
            if not counted:
                continue
            if key in _ALL_WORDS or (
                key in _PEOPLE_DOSES and i + 1 < n and tokens[i + 1].key == "分"
            ):
                quantity.add(sentence)  # 全部, 二人分の薬
            elif (
                t.pos == "名詞"
                and t.pos2 == "数詞"
                and i + 1 < n
                and not (i > 0 and tokens[i - 1].key in g.dose_periods)  # 1日25錠: prescribed
            ):
                nxt = tokens[i + 1]
                if nxt.key in _COUNTERS and _number(surface) >= (
                    _QUANTITY_MIN if nxt.key in ("錠", "粒", "包") else 1
                ):
                    quantity.add(sentence)
    return _new(  # Scan(...) positionally, without NamedTuple's Python-level __new__
        Scan,
        (
            frozen_keys,  # keys
            sentence_of,
            past,
            quantity,
            media,
            recent,
            decide_verb,
            all_keys,
            key_words.union(end_keys, end_surfaces) if end_keys else key_words,  # words
            text,  # surface_text: the tokens cover it exactly (tests/screening/test_tokens.py)
            key_words,
            unknown_katakana,
            (word_keys, word_forms, word_tok, word_barrier, word_sentence, word_begin, word_end),
        ),
    )


_ALL_WORDS: Final = frozenset(
    {
        "全部",
        "全て",
        "すべて",
        "纏める",
        "まとめる",
        "一気",
        "大量",
        "丸ごと",
        "まるごと",
        "残り",
        "ありったけ",
        "一度",
    }
)
_PEOPLE_DOSES: Final = frozenset({"二人", "三人", "二人分", "三人分"})  # 二人分の薬
_COUNTERS: Final = frozenset(
    {"錠", "粒", "包", "シート", "箱", "瓶", "ヒート", "日分", "週間", "本", "人分"}
)


def _span_end(tokens: Sequence[Token], last: int, reading: Reading, end: int, kind: str) -> int:
    """The words the reader read belong to what was said: 死にたい, 縄を用意した."""
    if kind == "time":
        return end
    j = min(reading.end, len(tokens)) - 1
    while j > last and (
        tokens[j].kind != KIND_WORD
        or (tokens[j].pos == "助詞" and tokens[j].pos2 in ("格助詞", "終助詞", "係助詞"))
    ):
        j -= 1
    return max(end, tokens[j].end) if j > last else end


def _sentences(tokens: Sequence[Token]) -> list[int]:
    out: list[int] = []
    sentence = 0
    for t in tokens:
        out.append(sentence)
        if t.kind == KIND_END:
            sentence += 1
    return out


def _has_title(text: str) -> bool:
    """A 『title』 in the text: 『』 not closed by と / って + a verb of saying, which quotes
    speech (夫に『まだ起きてたの』と言われた) as 「」 does."""
    if "『" not in text:
        return False
    return len(_SPOKEN_TITLE.findall(text)) < text.count("『")


_SPOKEN_TITLE: Final = re.compile(
    r"『[^』]{0,80}』(?:って|と)(?:言|いわ|いっ|いう|聞|き[かい]|呼|怒鳴|どな|叫|笑|書)"
)


def _experience(tokens: Sequence[Token], i: int) -> bool:
    """``tokens[i]`` is the ある of …たことがある / …たことある: something done in the past."""
    j = i - 1
    if j >= 0 and tokens[j].key in ("が", "は", "も"):
        j -= 1
    return j >= 1 and tokens[j].key in ("こと", "事") and tokens[j - 1].key == "た"


_SPAN: Final = itemgetter(2, 3)  # a Fill's (begin, end)
_FEW_HITS: Final = 12  # up to this many, _drop_hidden compares every pair


class _Found(NamedTuple):
    """A concept match kept for reading (Hit before its grammar is read)."""

    concept: Concept
    begin: int
    end: int
    first: int
    last: int


def _drop_hidden(hits: list[_Found]) -> list[_Found]:
    """A longer match of the same kind hides a shorter one inside it (首吊り hides 吊る).

    Only hits that begin at most `longest` characters earlier can contain one, so each hit is
    compared with that window of the hits sorted by their start: linear on long texts.
    """
    if len(hits) < 2:
        return hits
    by_kind: dict[str, list[_Found]] = {}
    for h in hits:
        by_kind.setdefault(h.concept.kind, []).append(h)
    if len(by_kind) == len(hits):
        return hits  # no two of one kind: none can hide another
    if len(hits) <= _FEW_HITS:  # a few: each compared with the others of its kind
        return [
            h
            for h in hits
            if len(same := by_kind[h.concept.kind]) == 1
            or not any(
                o is not h
                and o.begin <= h.begin
                and h.end <= o.end
                and (o.end - o.begin) > (h.end - h.begin)
                for o in same
            )
        ]
    order = sorted(hits, key=lambda h: h.begin)
    begins = [h.begin for h in order]
    longest = max(h.end - h.begin for h in order)
    kept: list[_Found] = []
    for h in hits:
        window = order[bisect_left(begins, h.end - longest) : bisect_right(begins, h.begin)]
        if any(
            o is not h
            and o.concept.kind == h.concept.kind
            and o.begin <= h.begin
            and h.end <= o.end
            and (o.end - o.begin) > (h.end - h.begin)
            for o in window
        ):
            continue
        kept.append(h)
    return kept


def _number(surface: str) -> int:
    digits = "".join(ch for ch in surface if ch.isdigit())
    try:
        return int(digits) if digits else 0
    except ValueError:
        return 0


def _taking_along(tokens: Sequence[Token], g: rd.Grammar) -> bool:
    """道連れ / 連れて / Xと一緒に: taking someone along (not わたしもそのまま一緒に)."""
    for j, t in enumerate(tokens):
        if t.key in ("道連れ", "連れる", "抱く", "抱える", "抱っこ", "おんぶ"):
            return True  # (息子を抱いて線路に: carrying a child along)
        together = t.key == "一緒" or (
            t.surface in ("二人", "ふたり", "2人")
            and j + 1 < len(tokens)
            and tokens[j + 1].key == "で"
        )  # この子と二人で
        if together and j >= 2 and tokens[j - 1].key == "と":
            before = tokens[j - 2]
            if (
                before.key in g.third_person
                or before.pos2 == "固有名詞"
                or before.key in g.caregivers
                or before.key in g.dependents
                or (before.key == "子" and j >= 3 and tokens[j - 3].key in ("此の", "この", "あの"))
            ):
                return True
        if (
            t.key == "一緒"
            and any(
                b.key in g.third_person or b.key in g.caregivers or b.key in ("彼奴", "あいつ")
                for b in tokens[max(0, j - 8) : j]
                if b.kind != KIND_END
            )
            and not any(b.kind == KIND_END for b in tokens[max(0, j - 8) : j])
        ):
            return True  # あいつの家行って一緒に死ぬ
    return False


def _grave(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """Harm that can kill in the match's words (殺す, 刺す, 火をつける, 除草剤; not どつく, しばく).
    Words the dictionary cuts in two (除草 + 剤) are looked for in the match's characters."""
    if any(tokens[x].key in g.grave_harm for x in range(h.first, h.last + 1)):
        return True
    words = "".join(tokens[x].surface for x in range(h.first, h.last + 1))
    return any(len(w) > 2 and w in words for w in g.grave_harm)


def _after_an_event(tokens: Sequence[Token], h: Hit) -> bool:
    """An event said with 済んだら / 終わったら / 過ぎたら before the verb (…が済んだら死ぬ)."""
    for j in range(h.first - 1, max(0, h.first - 4), -1):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if t.key == "た" and t.cform.startswith("仮定形") and j >= 1:
            return tokens[j - 1].key in _EVENT_ENDS
    return False


def _delight_cause(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """A word of delight (or embarrassment) right before …すぎて (尊すぎて, かわいすぎて)."""
    for j in range(h.first - 1, max(-1, h.first - 5), -1):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if t.key in g.delight_words or t.surface in g.delight_words:
            return True
        if t.surface == "よ" and j + 1 < len(tokens) and tokens[j + 1].key == "過ぎる":
            return True  # よすぎて (read as the particle よ + すぎ)
        if t.cform.startswith("語幹") and any(t.surface + end in g.delight_words for end in "いし"):
            return True  # 尊 + すぎ (the stem of 尊い)
    return False


def _event_then_death(tokens: Sequence[Token], h: Hit, g: rd.Grammar, time_words: set[int]) -> bool:
    """An ordeal named right before a plain 死ぬ, with only an intensifier between (明日の面接
    マジで死ぬ, 月曜の朝礼ガチで死ぬ): a noun that is not a time, a person or a place of the
    time words (明日の夜死ぬ is a time), after …の or at the start of the sentence."""
    k = h.first - 1
    if k >= 1 and tokens[k].surface in ("で", "に") and tokens[k - 1].key in g.earnest:
        k -= 2  # マジで, ほんとに
    elif k >= 0 and tokens[k].key in g.earnest:
        k -= 1  # ガチ死ぬ
    if k < 0 or k == h.first - 1:
        return False  # (no intensifier: the bare noun rule of _death reads 課題死ぬ)
    t = tokens[k]
    return (
        t.pos == "名詞"
        and k not in time_words  # (明日マジで死ぬ: the day said with it)
        and t.pos2 != "数詞"
        and t.key not in g.first_person
        and t.key not in g.third_person
        and t.key not in g.now
        and t.key not in g.present
        and t.key not in _TIME_NOUNS
    )


def _after_a_condition(tokens: Sequence[Token], h: Hit) -> bool:
    """A condition right before the match in its sentence (落ちたら助からない, 高さなら)."""
    for j in range(h.first - 1, max(-1, h.first - 5), -1):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if t.cform.startswith("仮定形") or (t.pos2 == "接続助詞" and t.key in ("ば", "たら")):
            return True
    return False


def _asks(tokens: Sequence[Token], h: Hit) -> bool:
    """The sentence of the match is a question (…と胃に悪い？, …ですか)."""
    for j in range(h.last + 1, min(h.last + 24, len(tokens))):
        t = tokens[j]
        if t.surface in ("？", "?") or (t.pos2 == "終助詞" and t.key in ("か", "かな")):
            return True
        if t.kind == KIND_END:
            return False
    return False


def _going_along(tokens: Sequence[Token], g: rd.Grammar) -> bool:
    """Going somewhere with someone, with no place said (この子を連れて一緒にいきます), or
    means for two (二人分の薬): a death for two when the conversation is at high risk."""
    for j, t in enumerate(tokens):
        if t.key in ("二人分", "２人分") or (
            t.key in ("二", "2", "２", "ふたり", "二人")
            and j + 1 < len(tokens)
            and tokens[j + 1].key in ("人分", "分")
        ):
            return True
        if (
            t.key in ("行く", "逝く", "いく")
            and t.pos == "動詞"
            and j >= 2
            and not (j + 1 < len(tokens) and tokens[j + 1].key == "た")  # 連れて出ていった
        ):
            before = tokens[max(0, j - 6) : j]
            keys = {b.key for b in before}
            if not keys.isdisjoint(("連れる", "一緒", "二人", "ふたり", "2人")) and not any(
                b.key in ("へ", "まで") or (b.key == "に" and k > 0 and before[k - 1].key != "一緒")
                for k, b in enumerate(before)
            ):
                return True
    return False


def _denied(h: Hit, tokens: Sequence[Token]) -> bool:
    """A word denied (キャンプとかじゃなくて, 予定はない, 旅行？って聞くけど違う)."""
    if rd.NEGATED in h.reading.features:
        return True
    for j in range(h.last + 1, min(h.last + 9, len(tokens))):
        t = tokens[j]
        if t.kind == KIND_END and t.surface not in ("？", "?"):
            return False
        if t.key in ("ない", "無い", "違う", "ちがう") or (t.pos == "助動詞" and t.key == "ない"):
            return True
    return False


def _other_subject(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """Someone else named as the subject earlier in the sentence, and the person not named
    after them (夫が酔うと…殴る; not 次に手を上げたら、俺が父を殺す)."""
    for j in range(h.first - 1, max(-1, h.first - 16), -1):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        nxt = tokens[j + 1].key
        if nxt in ("が", "は", "って", "も") and t.key in g.first_person:
            return False
        if nxt in ("が", "は", "って") and (t.key in g.third_person or t.key in g.caregivers):
            return True
        if t.key == "ば" or (t.pos == "助動詞" and t.cform.startswith("仮定形")):
            return False  # 元旦那がまた来たら、殺す: that subject is the condition's
    return False


def _self_object(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """The person as the object of a harm word (自分の始末, 自分を殺す): not someone else."""
    for j in range(h.first - 1, max(0, h.first - 5), -1):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if t.key in ("の", "を", "に") and (
            tokens[j - 1].key in g.reflexive or tokens[j - 1].key in ("命", "人生")
        ):
            return True  # 自分の始末, 自分の命のけじめ, 人生にけりを
    return False


def _escaped_after(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """Getting away later in the sentence (殴られて、子どもを連れて家を出ました)."""
    for j in range(h.last + 1, min(h.last + 12, len(tokens))):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if (
            t.key in g.escape_verbs
            and t.pos in ("動詞", "名詞")
            and (
                t.key != "出る"
                or any(tokens[x].key in ("家", "実家", "部屋") for x in range(h.last, j))
            )
        ):
            return True
    return False


def _between_parents(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """One parent hurting the other (パパがママをなぐってる, 父が母を殴る)."""
    before = {tokens[j].key for j in range(max(0, h.first - 6), h.first)}
    return len(before & g.parents) >= 2


def _threat_from_someone(
    text: str, tokens: Sequence[Token], h: Hit, hits: Sequence[Hit], g: rd.Grammar
) -> bool:
    """A threat someone named said, wrote or sent (…って言ってた, …ってメールが来た)."""
    close = min(
        (i for i in (text.find("」", h.end), text.find("』", h.end)) if i >= 0), default=h.end
    )
    after = text[close : close + 12]
    if not any(w in after for w in g.threat_said):
        return False
    start = tokens[h.first].begin
    if any(t.key in g.media for t in tokens[max(0, h.first - 12) : h.first]):
        return False  # 映画で犯人が『お前を殺す』って: a story
    return any(
        o.concept.kind == "target" and o.end <= start and o.sentence == h.sentence for o in hits
    ) or any(
        t.key in g.third_person and t.end <= start for t in tokens[max(0, h.first - 12) : h.first]
    )


def _said_to_writer(text: str, end: int) -> bool:
    """A quote followed by …って言われる: words someone said to the person."""
    close = min((i for i in (text.find("」", end), text.find("』", end)) if i >= 0), default=-1)
    return close >= 0 and any(w in text[close : close + 8] for w in ("言われ", "いわれ"))


def _has_object(tokens: Sequence[Token], h: Hit) -> bool:
    """A noun + を right before the verb (水を飲んだ): the verb is about that."""
    j = h.first - 1
    return j > 0 and tokens[j].key == "を" and tokens[j - 1].pos == "名詞"


def _later_verb(tokens: Sequence[Token], h: Hit, verbs: frozenset[str]) -> str:
    """A verb of the set later in the noun's sentence (…手元にある, …机に並べて)."""
    for j in range(h.last + 1, min(h.last + 14, len(tokens))):
        t = tokens[j]
        if t.kind == KIND_END:
            return ""
        if t.key in verbs and t.pos in ("動詞", "名詞"):
            return t.key
    return ""


def _fragment_after(tokens: Sequence[Token], h: Hit) -> bool:
    """Only 上 / 中 / 前 / 近く (and particles) between the place and the end of the sentence."""
    for j in range(h.last + 1, min(h.last + 5, len(tokens))):
        t = tokens[j]
        if t.kind == KIND_END:
            return True
        if t.key in (
            "の",
            "上",
            "中",
            "前",
            "真ん中",
            "まんなか",
            "真中",
            "近く",
            "そば",
            "端",
            "先",
            "下",
            "辺",
            "ところ",
            "所",
            "だ",
            "です",
            "から",
            "より",
        ):
            continue
        return False
    return len(tokens) <= h.last + 1


def _used_on_something_else(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """The means is a tool used on a thing that is no part of the person (ロープで荷物縛って,
    練炭で肉焼いた, 紐で段ボールをまとめた): means + で, an object, then its verb. Not when the
    object is the body, oneself, one's life (薬で人生を終わらせる) or something to hang from."""
    k = h.last + 1
    if k + 2 >= len(tokens) or tokens[k].key != "で":
        return False
    obj = tokens[k + 1]
    if obj.pos != "名詞" or obj.pos2 == "数詞":
        return False
    if {obj.key, obj.surface} & (
        g.body_parts | g.first_person | g.reflexive | g.whole_life | g.anchors | g.now
    ):
        return False
    j = k + 2
    if tokens[j].key in ("を", "も"):
        j += 1
    return j < len(tokens) and tokens[j].pos == "動詞"


def _part_subject(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """A part of the body or a thing right before the death word, as its subject (喉が死亡する,
    足死ぬ, 充電が死んだ): grammar.yaml dying_parts."""
    j = h.first - 1
    if j >= 0 and tokens[j].key in ("が", "は", "も", "、"):
        j -= 1
    return j >= 0 and (tokens[j].key in g.dying_parts or tokens[j].surface in g.dying_parts)


def _errand(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """The means, (を,) one of errand_words, に and 行く / 来る right after it (ロープ買いに行く)."""
    k = h.last + 1
    if k < len(tokens) and tokens[k].key in ("を", "も"):
        k += 1
    if k >= len(tokens):
        return False
    t = tokens[k]
    if t.surface not in g.errand_words and t.key not in g.errand_words:
        return False
    r = tokens[k + 1 : k + 3]
    return (
        len(r) == 2
        and r[0].key == "に"
        and r[1].key in ("行く", "いく", "来る", "くる")
        and not r[1].cform.startswith("仮定形")
    )


def _claim_asked(tokens: Sequence[Token], end: int, g: rd.Grammar) -> bool:
    """って / と + ほんと / 本当 + a question right after the word (…逝けるってほんと？)."""
    k = end
    while k < len(tokens) and tokens[k].key in ("って", "と", "て", "いう", "言う", "の"):
        k += 1
    if k >= len(tokens) or tokens[k].surface not in g.truth_words:
        return False
    rest = tokens[k + 1 : k + 4]
    return not rest or any(
        t.kind == KIND_END or t.key in ("か", "の", "です", "だ") or t.surface in ("？", "?")
        for t in rest
    )


def _arranged_for_after(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """One's own death + あと / 後, and something arranged for then in the same sentence (私が
    死んだあと困らないように通帳をまとめておいた, 自分がいなくなった後のことを書き残した)."""
    k = h.last + 1
    if k < len(tokens) and tokens[k].key == "た":
        k += 1
    if k >= len(tokens) or tokens[k].key not in g.after_words:
        return False
    reader_end = len(tokens)
    for j in range(k + 1, reader_end):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if (t.key in g.arrange_verbs or t.surface in g.arrange_verbs) and not any(
            u.key in g.negation for u in tokens[j + 1 : j + 3]
        ):
            return True
    return False


def _grown_up(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """An adult's age or a word of adulthood right before a word for a child (45歳の息子,
    成人した娘, 社会人の息子): a grown son or daughter."""
    for j in range(max(0, h.first - 6), h.first):
        t = tokens[j]
        if t.kind == KIND_END:
            continue
        pair = t.key + tokens[j + 1].key if j + 1 < len(tokens) else t.key
        if t.key in g.adult_words or t.surface in g.adult_words or pair in g.adult_words:
            return True  # 社会人の息子, 成人した娘 (成人 + する)
        if (
            t.pos == "名詞"
            and t.pos2 == "数詞"
            and j + 1 < len(tokens)
            and tokens[j + 1].surface in ("歳", "才", "代")
            and _number(t.surface) >= (18 if tokens[j + 1].surface != "代" else 20)
        ):
            return True
    return False


def _waited_for(tokens: Sequence[Token], h: Hit) -> bool:
    """…のを待つ + だけ / ばかり right after the hit (お迎えが来るのを待つだけ): waiting for it is
    all that is left."""
    if (
        h.first >= 2
        and tokens[h.first - 1].key == "の"
        and tokens[h.first - 2].pos in ("名詞", "接尾辞")
    ):
        return False  # 幼稚園のお迎えが来るのを待つだけ: someone's pick-up
    for j in range(h.last + 1, min(h.last + 6, len(tokens) - 1)):
        t = tokens[j]
        if t.kind in (KIND_END, KIND_PUNCT):
            return False
        if t.key == "待つ" and t.pos == "動詞":
            return tokens[j + 1].key in ("だけ", "ばかり", "のみ")
    return False


def _any_time_will_do(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """いつ + the ending + ても + いい / 構わない (いつ終わってもいい): the end accepted whenever it
    comes (grammar.yaml any_time, fine_words); not with a noun before いつ (仕事いつ終わっても)."""
    when = next(
        (j for j in range(h.first - 1, max(-1, h.first - 3), -1) if tokens[j].key in g.any_time),
        -1,
    )
    if when < 0 or (when > 0 and tokens[when - 1].pos == "名詞"):
        return False
    rest = tokens[h.last + 1 : h.last + 5]
    keys = [t.key for t in rest]
    if "も" not in keys[:2]:
        return False
    k = keys.index("も") + 1
    fine = g.fine_words | g.ready_words if h.concept.kind == "death" else g.fine_words
    return k < len(rest) and (keys[k] in fine or rest[k].surface in fine)


def _topic_comma_before(tokens: Sequence[Token], h: Hit) -> bool:
    """A noun and a comma before the hit in its sentence (義母の介護、もう限界): a topic."""
    for j in range(h.first - 1, 0, -1):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if t.surface in ("、", ",") and tokens[j - 1].pos == "名詞":
            return True
    return False


def _looked_through(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """The place is a barrier looked through (フェンス越しに景色見てる), not a height looked down
    from (柵ごしに下を見てる stays a place)."""
    k = h.last + 1
    if k >= len(tokens) or (
        tokens[k].key not in g.through_words and tokens[k].surface not in g.through_words
    ):
        return False
    for t in tokens[k + 1 :]:
        if t.kind == KIND_END:
            break
        if t.key in g.looking_down:
            return False
    return True


def _cut_object_not_body(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """切る with an object that is not a body part (段ボールを切った, 髪を切った)."""
    if h.first > 0 and tokens[h.first - 1].pos == "名詞":
        obj = tokens[h.first - 1]  # 玉ねぎ切って (the particle left out)
        if (
            obj.key not in g.body_parts
            and obj.surface not in g.body_parts
            and obj.key not in g.first_person
            and obj.key not in g.reflexive
            and obj.key not in g.now
            and obj.key not in g.recent
            and obj.key not in g.history
            and obj.key not in g.present
            and obj.pos2 != "数詞"
        ):
            return True  # (not 今切ってる, 昨日切った, 3回切った)
    for j in range(h.first - 1, max(-1, h.first - 6), -1):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if t.key == "を" and j > 0:
            obj = tokens[j - 1]
            return obj.key not in g.body_parts and obj.surface not in g.body_parts
    return False


def _for_a_purpose(tokens: Sequence[Token], h: Hit) -> bool:
    """X用の / X用に right before the means (キャンプ用の炭, 出張用に…薬): its purpose is said."""
    for j in range(h.first - 1, max(-1, h.first - 3), -1):
        t = tokens[j]
        if t.kind in (KIND_END, KIND_PUNCT):
            return False
        if t.key == "用" and t.pos in ("接尾辞", "名詞") and j >= 1 and tokens[j - 1].pos == "名詞":
            return True
    return False


def _mild_medicine(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """The medicine is one nobody overdoses on (胃薬, 湿布, 目薬): the dictionary may cut it in
    two (胃 + 薬), so the words right before the match are read with it."""
    words = "".join(t.surface for t in tokens[max(0, h.first - 1) : h.last + 1])
    return any(m in words for m in g.mild_medicines)


_DOSE_METHODS: Final = frozenset({"overdose", "swallowed", "overdose_weak"})


def _for_a_while(tokens: Sequence[Token], g: rd.Grammar) -> bool:
    """A stretch of time with a limit (1週間だけ, 三日間, 二泊の間): something for a while."""
    for j in range(len(tokens) - 2):
        if tokens[j].pos2 == "数詞" and tokens[j + 1].key in g.while_units:
            after = tokens[j + 2]
            if after.key in ("だけ", "間", "ほど", "くらい", "ぐらい") or tokens[j + 1].key in (
                "日間",
                "泊",
            ):
                return True
    return False


def _no_more_use(tokens: Sequence[Token], g: rd.Grammar) -> tuple[int, int] | None:
    """A verb of using a thing + ことはない / こともない, said of the future (車の保険もやめた、
    乗ることないし / この先着ることもない): the span, or None (not 乗ったことない: never did)."""
    for k in range(1, len(tokens) - 1):
        verb = tokens[k - 1]
        if tokens[k].key not in ("こと", "事") or verb.pos != "動詞" or verb.key not in g.use_verbs:
            continue
        if verb.cform and not verb.cform.startswith(("終止形", "連体形")):
            continue  # 乗ったことない: never did (the verb is past)
        nxt = k + 1
        while nxt < len(tokens) and tokens[nxt].key in ("は", "も", "が"):
            nxt += 1
        if nxt < len(tokens) and tokens[nxt].key in ("ない", "無い"):
            return verb.begin, tokens[nxt].end
    return None


def _ends_sentence(tokens: Sequence[Token], i: int, g: rd.Grammar) -> bool:
    """Only sentence-final particles from ``tokens[i]`` to the end of the sentence (死ぬ。 / 死ぬよ)."""
    for t in tokens[i:]:
        if t.kind in (KIND_END, KIND_PUNCT):
            return True
        if t.key not in g.final_particles and t.surface not in g.final_particles:
            return False
    return True


def _woke_again(tokens: Sequence[Token], h: Hit, r: Reading, keys: frozenset[str]) -> bool:
    """Waking said with regret, again (また目が覚めてしまった, 今朝も目が覚めちゃった): sorry to be
    alive in the morning (not 寝ちゃった; not 起きちゃった, mostly about the hour)."""
    if (
        tokens[h.last].key not in ("覚める", "目覚める", "来る", "開く")
        or rd.PAST not in r.features
    ):
        return False  # (開く: また目が開いてしまった)
    regret = any(
        t.key in ("しまう", "仕舞う", "ちゃう", "じゃう") for t in tokens[h.last + 1 : r.end]
    )
    again = (
        "また" in keys
        or "又" in keys
        or (h.first >= 1 and any(t.key == "も" for t in tokens[max(0, h.first - 4) : h.first]))
    )
    return regret and again


def _me_too(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """私も / 自分も / 俺も right before the match (…そのあと自分もいなくなる)."""
    return _first_person_before(tokens, h, g, ("も",))


def _moving_away(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """いなくなる / 消える from a place or for a trip (地元からいなくなる, 出張でいなくなる予定):
    going away, not dying (この世から消えたい is still a death)."""
    for j in range(h.first - 1, max(0, h.first - 5), -1):
        t = tokens[j]
        if t.kind in (KIND_END, KIND_PUNCT):
            return False
        if t.key in g.trip_words:
            return True
        if t.key == "から" and t.pos == "助詞" and j >= 1:
            place = tokens[j - 1]  # 地元から (not この世から, みんなの前から)
            return place.pos == "名詞" and place.key not in g.world_words and place.key != "前"
    return False


def _picking_habit(tokens: Sequence[Token], h: Hit) -> bool:
    """Pulling or picking (抜く / むしる) called a habit (癖): まつげ抜いちゃう癖がある."""
    return tokens[h.last].key in ("抜く", "むしる", "かきむしる", "噛む") and any(
        t.key == "癖" for t in tokens[h.last + 1 : h.last + 6]
    )


def _thing_vanishes(
    tokens: Sequence[Token], h: Hit, not_things: frozenset[str], g: rd.Grammar
) -> bool:
    """The subject of 消える is named and is a thing, not the person (この気持ちが消えればいい,
    水曜の一限なんか消滅しろ); 私なんか / 自分が / 私の存在が are the person."""
    for j in range(h.first - 1, max(0, h.first - 7), -1):
        t = tokens[j]
        if t.kind in (KIND_END, KIND_PUNCT) or t.pos in ("動詞", "形容詞"):
            return False  # another clause or sentence
        if t.surface == "か" and j >= 1 and tokens[j - 1].surface == "と":
            continue  # とか, cut in two: read at its と
        toka = t.surface == "と" and j + 1 < len(tokens) and tokens[j + 1].surface == "か"
        if t.key not in g.subject_marks and t.surface not in g.subject_marks and not toka:
            continue
        k = j - 1
        while k > 0 and tokens[k].pos == "接尾辞":
            k -= 1  # 私たち, 自分自身
        noun = tokens[k]
        if noun.pos not in ("名詞", "代名詞"):
            return False
        return noun.key not in not_things and noun.surface not in not_things
    return False


def _godan_passive(tokens: Sequence[Token], h: Hit, governor: str) -> bool:
    """The verb of the hit (its governor, or its own last word) is a godan verb before れる /
    られる: only a passive (吊られた, 出された); an ichidan verb's られる may be "can"
    (首をかけられそうな場所)."""
    verb = tokens[h.last]
    if governor:
        verb = next(
            (t for t in tokens[h.last + 1 : h.last + 8] if t.key == governor and t.pos == "動詞"),
            verb,
        )
    return verb.ctype.startswith("五段")


def _cutting_something_else(tokens: Sequence[Token], h: Hit, verb: str, g: rd.Grammar) -> bool:
    """包丁で玉ねぎ切ってた, カッターで段ボールを切る: the blade's verb has an object that is no
    part of the body (the object right before the verb, or before its を)."""
    if verb not in ("切る", "刺す", "切り付ける", "切りつける", "刻む"):
        return False
    for j in range(h.last + 1, min(len(tokens), h.last + 8)):
        if tokens[j].key != verb:
            continue
        k = j - 1
        if k > h.last and tokens[k].key in ("を", "も"):
            k -= 1
        obj = tokens[k]
        return (
            k > h.last
            and obj.pos == "名詞"
            and obj.key not in g.body_parts
            and obj.surface not in g.body_parts
        )
    return False


def _came_to(tokens: Sequence[Token], h: Hit, end: int) -> bool:
    """The place is where the person came to (線路まで歩いてきた, 屋上に上ってきた): a destination
    particle after it and a verb of motion with てくる, not a walk along it (線路沿いを歩いてた)."""
    if h.last + 1 >= len(tokens) or tokens[h.last + 1].key not in ("まで", "に", "へ"):
        return False
    return any(
        tokens[j].key in ("て", "で")
        and tokens[j + 1].key in ("来る", "くる")
        and tokens[j + 1].pos == "動詞"
        for j in range(h.last + 2, min(end, len(tokens) - 1))
    )


def _water_entry(tokens: Sequence[Token], h: Hit) -> bool:
    return any(
        tokens[j].key in ("海", "川", "湖", "水") for j in range(max(0, h.first - 2), h.last + 1)
    )


def _kana_writing(text: str) -> bool:
    """Text written almost without kanji (children, foreign residents: てすりに すわってる)."""
    need = max(4, len(_KANJI.findall(text)) * 8)  # kana needed: 4, and 8 for each kanji
    return len(text) >= need and len(_HIRAGANA.findall(text)) >= need


def _child_writing(text: str) -> bool:
    """Only hiragana and no kanji at all, at some length, as young children write
    (おとうさんがおさけのむとなぐってくる)."""
    if len(text) < 12:
        return False  # too short
    kanji = _KANJI.findall(text)
    if len(kanji) > len(text) // 12 or any(k not in _FIRST_KANJI for k in kanji):
        return False  # a kanji a young child would not write (日, 子 they might)
    letters = [ch for ch in text if not ch.isspace() and ch not in "、。！？!?…・ー"]
    if len(letters) < 12:
        return False
    hira = sum(1 for ch in letters if "\u3041" <= ch <= "\u3096")
    kata = sum(1 for ch in letters if "\u30a1" <= ch <= "\u30fa")  # ママ, パパ
    return hira / len(letters) >= 0.6 and (hira + kata) / len(letters) >= _CHILD_HIRAGANA_RATIO


_KANJI: Final = re.compile("[\u4e00-\u9fff]")
# the kanji of the first school year (a young child may write these among kana)
_FIRST_KANJI: Final = frozenset(
    "一右雨円王音下火花貝学気九休玉金空月犬見五口校左三山子四糸字耳七車手十出女小上森人水正生青夕石赤千川先早草足村大男竹中虫町天田土二日入年白八百文木本名目立力林六"
)
_HIRAGANA: Final = re.compile("[\u3041-\u3096]")


def _recurrence_of_feeling(
    tokens: Sequence[Token],
    g: rd.Grammar,
    info: Scan,
    recurrence_phrases: tuple[tuple[str, ...], re.Pattern[str] | None],
) -> int | None:
    phrases, any_phrase = recurrence_phrases  # 今度こそ, 久しぶり: more than one word
    surface = info.surface_text
    if info.all_keys.isdisjoint(g.recurrence) and not (any_phrase and any_phrase.search(surface)):
        if not info.all_keys.isdisjoint(g.likeness_words):
            # 最近、あのときと同じ気持ちで: the feeling of a time before, back again
            for i, t in enumerate(tokens):
                if (
                    t.key in g.likeness_words
                    and any(x.key in g.feeling_nouns for x in tokens[i + 1 : i + 3])
                    and any(
                        x.key in g.history or x.surface in ("あの", "あん", "その")
                        for x in tokens[max(0, i - 5) : i]
                    )
                ):
                    return i
        return None  # the common case: no recurrence word at all
    present = [p for p in phrases if p in surface]
    for i, t in enumerate(tokens):
        if t.key in g.recurrence or any(
            "".join(x.surface for x in tokens[i : i + 3]).startswith(p) for p in present
        ):
            after = tokens[i : i + 8]
            if any(
                x.key in g.recurrence_feelings or x.surface in g.recurrence_feelings for x in after
            ):
                return i
            if t.key in g.likeness_words and any(
                x.key in g.feeling_nouns for x in tokens[max(0, i - 4) : i]
            ):
                return i  # 今の気分が、あの時とそっくり
    return None


LEAN_OVER: Final = "lean_over"  # the concept of looking down from a height (concepts.yaml)
_CUE_KINDS: Final = frozenset({"benign", "child", "target"})
# what an everyday context can explain (ロープ買った / キャンプ楽しみ), and the concepts it never
# explains away (a word of dying, vanishing, despair or self-harm is the person's own)
# Kinds of words of dying or its nearness: an everyday activity named with them explains
# nothing (キャンプで練炭使いたい is a question about an outing, 練炭で死ねるかな is not)
_DYING_KINDS: Final = frozenset({"death", "despair", "finality", "farewell", "burden"})
_EXPLAINABLE: Final = frozenset(
    {"preparation", "means", "place", "timing", "intent", "farewell", "method"}
)
_NOT_EXPLAINABLE: Final = frozenset(
    {"death", "vanish", "ending", "ideation_noun", "live", "elsewhere", "self_harm", "attempt"}
)
# the cues of such a message, dropped with it
_EXPLAINED_CUES: Final = frozenset(
    {
        "assertion",
        "means_mention",
        "place_mention",
        "soon",
        "time_any",
        "decided_time",
        "do_time",
        "pro_plain",
        "at_place",
        "going_now",
        "finality",
        "finality_strong",
        "at_hand",
        "decided",
        "blade_said",
    }
)
# verbs that end an event (済んだら, 終わったら): what follows is set for a time
_EVENT_ENDS: Final = frozenset(
    {"済む", "終わる", "終える", "過ぎる", "迎える", "済ます", "済ませる"}
)
_DOSE: Final = re.compile(
    r"[0-9０-９一二三四五六七八九十何]+(?:錠|粒|箱|シート|瓶|本|錠剤)|全部|ぜんぶ|あるだけ"
)
_MONTH_TIME: Final = "time_month"  # concepts.yaml: months and seasons, often of the past
_FLAG_KINDS: Final = frozenset({"violence", "weapon", "target", "abuse"})  # _flag_cues' branches
_NO_READING: Final = Reading(frozenset(), "", "", 0, False)
_PLAIN_CONTEXT: Final = Context("", False, False, False, False, False, False)
_QUOTED_CONTEXT: Final = Context("", True, False, False, False, False, False)
_SENTENCE_QUESTION: Final = re.compile(r"[?？]")
_RECURRENCE: Final = Concept("recurrence", "despair", "", False, None, None, False, (), ())
# going where someone who died has gone (私もそっちに行きたい): a rule, not a listed concept
_FOLLOW: Final = Concept("follow_the_dead", "elsewhere", "", False, None, None, False, (), ())


_JUMP_WORDS: Final = frozenset({"jumping_weak", "jumping"})


def _bare_word(tokens: Sequence[Token], h: Hit) -> bool:
    """The word ends its sentence, or only する follows (今からOD, 今夜ODする; not OD缶で湯を沸かす,
    ギターのODかける)."""
    k = h.last + 1
    if k < len(tokens) and tokens[k].key in ("する", "為る"):
        k += 1
        while k < len(tokens) and tokens[k].pos == "助動詞":
            k += 1
    return k >= len(tokens) or tokens[k].kind in (KIND_END, KIND_PUNCT)


def _bare_jump(tokens: Sequence[Token], h: Hit, r: Reading, time_words: set[int]) -> bool:
    """飛ぶ / ダイブする said plainly about oneself with nothing it takes: no object, no
    destination, no vehicle (今夜飛ぶ; not 明日の便で東京に飛ぶ, バイト飛ぶ)."""
    if h.concept.id not in _JUMP_WORDS or r.features - {rd.POLITE, rd.VOLITIONAL}:
        return False
    if tokens[h.last].key not in ("飛ぶ", "ダイブ") or (
        h.last + 1 < len(tokens) and tokens[h.last + 1].pos == "動詞"
    ):
        return False  # only 飛ぶ / ダイブ (not 落ち + 着く, 飛び + 出す)
    start = h.first
    while start > 0 and tokens[start - 1].kind not in (KIND_END, KIND_PUNCT):
        start -= 1
    for j in range(start, h.first):
        t = tokens[j]
        if t.key in ("を", "に", "へ", "で", "から", "まで") and t.pos == "助詞":
            return False  # バイトを飛ぶ, 東京に飛ぶ, 飛行機で飛ぶ
        if t.pos == "名詞" and j + 1 == h.first and j not in time_words:
            return False  # バイト飛ぶ: a bare object (not 今夜飛ぶ)
    return True


_DEPTH: Final = re.compile(
    r"(?:胸|腰|膝|ひざ|首|肩|お腹|おなか|太もも|腿)(?:の(?:あたり|辺り|とこ|ところ|高さ))?(?:くらい|ぐらい)?まで"
)


def _ends_something_else(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """これが終わったら / 仕事終わる: the ending has a subject or object that is not a life."""
    j = h.first - 1
    if j >= 0 and tokens[j].pos == "助詞":
        if tokens[j].key not in ("が", "を", "は", "も"):
            return False  # 今日で終わりにする: a date, not a subject
        j -= 1
    if j < 0 or tokens[j].kind == KIND_END:
        return False
    t = tokens[j]
    k = h.first if tokens[h.first].key in g.whole_life else j if t.key in g.whole_life else -1
    if (
        k >= 2
        and tokens[k].key not in g.first_person
        and tokens[k - 1].surface in ("、", ",")
        and tokens[k - 2].pos == "名詞"
        and tokens[k - 2].key not in g.whole_life
        and tokens[k - 2].key not in g.first_person
        and tokens[k - 2].key not in g.self_nouns
    ):
        return True  # 夏休みの宿題、全部終わりにしたい: everything of the topic named before
    return t.pos in ("名詞", "代名詞") and t.key not in g.whole_life and t.key not in g.reflexive


def _after_condition(tokens: Sequence[Token], h: Hit, times: Sequence[Hit]) -> bool:
    """A day coming right before the match (その日が来たら楽になれる): what the day brings."""
    for j in range(h.first - 1, max(-1, h.first - 3), -1):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if t.key in ("たら", "ば", "なら") or t.cform.startswith("仮定形"):
            start = tokens[max(0, j - 4)].begin
            return any(start <= x.begin and x.end <= t.begin for x in times)
    return False


def _another_farewell(
    hits: Sequence[Hit], h: Hit, text: str, goodbyes: re.Pattern[str] | None
) -> bool:
    """Thanks for everything so far and a second, different goodbye in the message, not
    overlapping it (今まで仲良くしてくれてありがとう。ばいばい): together they are a goodbye
    (not ごめんね、さよなら alone)."""
    if h.concept.id != "farewell_thanks" and not any(
        o.concept.id == "farewell_thanks" for o in hits
    ):
        return False
    return any(
        o.concept.kind == "farewell"
        and (o.end <= h.begin or o.begin >= h.end)
        and not o.context.quoted
        and (o.concept.id != "farewell_weak" or _holds(goodbyes, text[o.begin : o.end]))
        for o in hits
    )


def _alone_in_sentence(tokens: Sequence[Token], h: Hit, info: Scan) -> bool:
    """The hit is all its sentence says (今夜。 / 明日…), but for punctuation and sentence ends."""
    return all(
        h.first <= k <= h.last or t.kind != KIND_WORD
        for k, t in enumerate(tokens)
        if info.sentence_of[k] == h.sentence
    )


def _volitional_question(tokens: Sequence[Token], h: Hit, r: Reading) -> bool:
    """か / かな right after the volitional form (死のうかと考える, 終わりにしようかなと思ってる):
    a thought weighed, not a decision."""
    for k in range(h.first, min(r.end + 1, len(tokens) - 1)):
        if tokens[k].cform.startswith("意志推量形"):
            return tokens[k + 1].key in ("か", "かな", "かしら")
    return False


def _habitual_time(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """毎晩 / 夜になると / 夜中の2時に目が覚めて: a time that comes back, not a plan's time."""
    if any(tokens[k].key in g.habitual for k in range(h.first, h.last + 1)):
        return True
    k = h.last + 1
    if (
        not h.concept.strong
        and k < len(tokens)
        and tokens[k].key == "も"
        and tokens[k].pos == "助詞"
    ):
        return True  # 夜も眠れない, 明日も仕事: one time among others, not a plan's
    if k + 2 < len(tokens) and tokens[k].key == "に" and tokens[k + 1].key in ("なる", "成る"):
        return tokens[k + 2].key == "と" or tokens[k + 2].surface in ("たび", "度")
    return any(
        tokens[j].key == "に" and _wakes(tokens, j + 1)
        for j in range(k, min(k + 5, len(tokens) - 1))  # (夜中の2時に目が覚めて)
    )


def _wakes(tokens: Sequence[Token], k: int) -> bool:
    """目が覚める / 起きる right here (夜中の2時に目が覚めて): woken at that hour, as every night."""
    if tokens[k].key in ("目", "め") and k + 2 < len(tokens):
        return tokens[k + 2].key in ("覚める", "醒める", "さめる")
    return tokens[k].key in ("起きる", "目覚める") and tokens[k].pos == "動詞"


def _habit_after(tokens: Sequence[Token], h: Hit) -> bool:
    """The verb's dictionary form + と right after the hit (打ち付けると落ち着く): whenever."""
    k = h.last + 1
    return (
        k < len(tokens)
        and tokens[k].key == "と"
        and tokens[k].pos2 == "接続助詞"
        and tokens[h.last].cform.startswith("終止形")
    )


def _other_things(tokens: Sequence[Token], g: rd.Grammar) -> bool:
    """Nouns in the message besides the cord, the anchor, a room and a time (物干しにロープかけて
    洗濯物干した: 洗濯物); a word of the cord or the anchor itself (延長コード, カーテンレール)
    is part of it."""
    parts = g.cords | g.anchors
    things = {
        t.key
        for k, t in enumerate(tokens)
        if t.pos == "名詞" and not (k + 1 < len(tokens) and tokens[k + 1].key in parts)
    }
    return bool(things - (parts | g.now | g.recent | _ROOMS))


def _doing_first(tokens: Sequence[Token], h: Hit) -> bool:
    """A verb in …て right before the words (温泉に行って楽になる): what is done first, so the
    ease is the outing's."""
    for k in range(max(0, h.first - 6), h.first - 1):
        if tokens[k].kind == KIND_END:
            continue
        if (
            tokens[k].pos == "動詞"
            and tokens[k + 1].surface in ("て", "で")
            and tokens[k].key not in ("連れる", "抱く", "抱える", "おんぶ")  # (連れて: along)
        ):
            return True
    return False


def _going_to_see(tokens: Sequence[Token], h: Hit) -> bool:
    """見に + 行く / 来る in the hit's sentence (東尋坊に紅葉を見に行きたい): going to look at
    something there, sightseeing."""
    for k in range(h.first, len(tokens) - 2):
        t = tokens[k]
        if t.kind == KIND_END:
            return False
        if (
            t.key in ("見る", "観る")
            and tokens[k + 1].key == "に"
            and any(
                u.key in ("行く", "いく", "来る", "くる")
                for u in tokens[k + 2 : k + 6]  # (見に日光へ行ってきました)
            )
        ):
            return True
    return False


def _said_in_sentence(tokens: Sequence[Token], h: Hit, words: frozenset[str]) -> bool:
    """One of the words in the hit's own sentence."""
    start = h.first
    while start > 0 and tokens[start - 1].kind != KIND_END:
        start -= 1
    stop = h.last
    while stop + 1 < len(tokens) and tokens[stop].kind != KIND_END:
        stop += 1
    return any(t.key in words or t.surface in words for t in tokens[start : stop + 1])


def _topic_before(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """A thing named as the topic right before, with a comma (今日の持久走、確実に死ぬ, 月曜の
    会議、絶対死ぬ): the ordeal the words are about, not the person, a time or a means."""
    k = h.first - 1
    if k < 1 or tokens[k].surface not in _CLAUSE_COMMAS:
        return False
    t = tokens[k - 1]
    return (
        t.pos == "名詞"
        and t.pos2 != "数詞"
        and t.key not in g.first_person
        and t.key not in g.reflexive
        and t.key not in g.present | g.now | g.recent | g.history
    )


def _said_to_them(tokens: Sequence[Token], h: Hit) -> bool:
    """みんな元気でね / お母さん、今までありがとう: the people named before a farewell are who
    it is said to (no が / は makes them its subject, and nobody is said to have said it)."""
    c = h.context
    if c.quoted or c.subject != "other" or rd.REPORTED in h.reading.features:
        return False
    start = h.first
    while start > 0 and tokens[start - 1].kind not in (KIND_END,):
        start -= 1
    return not any(t.key in ("が", "は", "って", "と") for t in tokens[start : h.first])


def _time_of_a_factor_clause(
    tokens: Sequence[Token], h: Hit, hits: Sequence[Hit], fills: Sequence[Fill]
) -> bool:
    """来月追い出される、死ぬしかない / 明日クビになる、もう無理死にたい: the time is said in a
    clause of its own (up to a comma) whose predicate is a life problem, and every crisis word of
    the sentence lies outside that clause: the time is the problem's, not the plan's."""
    start = next((j for j in range(h.first - 1, -1, -1) if tokens[j].surface in _CLAUSE_COMMAS), -1)
    stop = next(
        (j for j in range(h.last + 1, len(tokens)) if tokens[j].surface in _CLAUSE_COMMAS), None
    )
    if stop is None:
        return False
    begin = tokens[start].end if start >= 0 else 0
    end = tokens[stop].begin
    if not any(f.concept.kind == "factor" and h.end <= f.begin and f.end <= end for f in hits):
        return False
    crisis = [f for f in fills if f.sentence == h.sentence and f.slot in _TIMED_SLOTS]
    return bool(crisis) and not any(begin <= f.begin < end for f in crisis)


def _phrases(words: frozenset[str]) -> tuple[tuple[str, ...], re.Pattern[str] | None]:
    """The words of three or more characters (read across tokens, not as one key), and one
    search for any of them."""
    phrases = tuple(w for w in words if len(w) >= 3)
    return phrases, _any_of(phrases)


def _any_of(words: Iterable[str]) -> re.Pattern[str] | None:
    """One search for any of these strings (None when there are none)."""
    alternatives = sorted(set(words), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, alternatives))) if alternatives else None


def _others_better_off(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """私が死んだらみんな後悔する / 消えたらあいつら喜ぶ / 自分がいない方が家族のため: after the
    person's death or absence (the hit), how others would take it (grammar.yaml better_off),
    said of them (others_words, third_person) or with くれる (死んだら気づいてくれるかな)."""
    if h.first > 0 and tokens[h.first - 1].pos == "名詞":
        before = tokens[h.first - 1].key
        if before not in g.first_person and before not in g.reflexive:
            return False  # ラスボス死んだらみんな喜んでた: a bare noun is the one who dies
    others = False
    for k in range(h.last + 1, min(len(tokens), h.last + 12)):
        t = tokens[k]
        if t.kind == KIND_END or (
            t.key in g.clause_breaks and t.pos2 == "接続助詞" and t.key not in _IF_PARTICLES
        ):
            return False
        if t.key in g.others_words or t.key in g.third_person:
            others = True
        elif t.key in g.better_off or t.surface in g.better_off:
            return others or any(u.key in ("くれる", "呉れる") for u in tokens[k + 1 : k + 4])
    return False


def _delighted(tokens: Sequence[Token], g: rd.Grammar) -> bool:
    """A word of delight (grammar.yaml delight_words: 最高, 楽しい) that is not denied."""
    return any(
        (t.key in g.delight_words or t.surface in g.delight_words)
        and not (k + 1 < len(tokens) and tokens[k + 1].key in g.negation)
        for k, t in enumerate(tokens)
    )


def _no_next_season(tokens: Sequence[Token], g: rd.Grammar) -> tuple[int, int] | None:
    """A future occasion (grammar.yaml future_words + の: 来年の桜, 次の夏), もう, and a denied
    見る / 来る / 迎える ending its clause, with no one else named: (begin, end) of the words,
    or None (not 次はもう来ないで, この店、次はもう来ない)."""
    future = -1
    soon_gone = False  # もう in the sentence so far
    for k, t in enumerate(tokens):
        if t.kind == KIND_END:
            future, soon_gone = -1, False
        elif t.key == "もう":
            soon_gone = True
        elif (t.key in g.guess_words or t.surface in g.guess_words) and not any(
            x.key in ("から", "ので") and x.pos2 == "接続助詞" for x in tokens[k:]
        ):
            # たぶん / きっと: a guess, when no reason follows (仕事だから: something else)
            soon_gone = future >= 0 and tokens[future].key not in ("次", "今度")
        elif (t.key in g.future_words or t.surface in g.future_words) and (
            k + 1 < len(tokens) and tokens[k + 1].key == "の"
        ):
            future = k
        elif (
            future >= 0
            and soon_gone
            and t.key in ("見る", "来る", "迎える", "見れる", "見られる")
            and not any(x.key in g.third_person for x in tokens[future:k])
        ):
            n = k + 1
            if n < len(tokens) and tokens[n].key in ("られる", "れる"):
                n += 1  # 見られない: the potential
            if (
                n < len(tokens)
                and tokens[n].key in g.negation
                and not (
                    n + 1 < len(tokens)
                    and (tokens[n + 1].pos == "名詞" or tokens[n + 1].key == "で")
                )
            ):
                return tokens[future].begin, tokens[n].end
    return None


def _still_bleeding(tokens: Sequence[Token], negation: frozenset[str]) -> bool:
    """止まらない / とまんない: a verb of stopping that is denied (the bleeding goes on)."""
    return any(
        t.key in ("止まる", "とまる") and k + 1 < len(tokens) and tokens[k + 1].key in negation
        for k, t in enumerate(tokens)
    )


def _calm_said(calm: re.Pattern[str] | None, text: str, g: rd.Grammar) -> bool:
    """A calm present said as it is (今は大丈夫), not quoted or pretended (今は大丈夫って言い聞かせ
    てる, 今は平気なふり)."""
    if calm is None:
        return False
    pretend = tuple(g.calm_pretend)
    return any(not text[m.end() : m.end() + 3].startswith(pretend) for m in calm.finditer(text))


def _holds(words: re.Pattern[str] | None, text: str) -> bool:
    """Whether the text holds one of the strings of an _any_of search."""
    return words is not None and words.search(text) is not None


def _plain_pro_verb(
    tokens: Sequence[Token], reader: ClauseReader, g: rd.Grammar, info: Scan
) -> bool:
    """A bare "do it" (やる / 決行する) with no object: its meaning comes from the conversation."""
    if info.all_keys.isdisjoint(g.pro_verbs):
        return False  # the common case: no such verb at all
    for k, t in enumerate(tokens):
        if t.key not in g.pro_verbs or t.pos not in ("動詞", "名詞"):
            continue
        if k + 1 < len(tokens) and tokens[k + 1].key in ("方", "かた"):
            continue  # やり方: a way, not "do it"
        if k > 1 and tokens[k - 1].key in ("を", "も") and tokens[k - 2].kind == KIND_WORD:
            continue  # 宿題をやる: it has an object
        if k > 0 and (
            (tokens[k - 1].key == "だ" and tokens[k - 1].surface == "に")  # 元気に
            or (  # 頑張ってやります: やる after trying hard
                k > 1
                and tokens[k - 1].surface in ("て", "で")
                and tokens[k - 2].key in ("頑張る", "がんばる", "張り切る", "踏ん張る")
            )
            or (tokens[k - 1].pos == "形容詞" and tokens[k - 1].cform.startswith("連用形"))
            or tokens[k - 1].key in ("何とか", "なんとか", "うまく", "上手く", "仲良く")
        ):
            continue  # 元気にやってます, 楽しくやってる, 頑張ってやる: not "do it"
        r = reader.read(tokens, k)
        if r.features & {rd.NEGATED, rd.PAST, rd.QUESTION, rd.CONDITIONAL, rd.CONCESSIVE}:
            continue  # (何やっても: whatever one does, not "do it")
        return True
    return False


def _collected_before(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """ためてた眠剤 / 集めた薬: a collecting verb in a clause right before the noun."""
    for j in range(h.first - 1, max(-1, h.first - 4), -1):
        t = tokens[j]
        if t.kind == KIND_END or t.kind == KIND_PUNCT or t.pos == "助詞":
            return False
        if t.pos == "動詞" and t.key in g.collect_verbs:
            return True
    return False


def _meet_again(
    tokens: Sequence[Token], g: rd.Grammar, farewells: Sequence[tuple[int, int]]
) -> bool:
    """また / 今度 / 次 followed by a plan with the reader (飲み行こ, 遊ぼうね, 会いましょう):
    the person expects a next time, so a thank-you for everything is no goodbye (a plan that
    is itself a goodbye, 向こうで会おう, does not count)."""
    for j, t in enumerate(tokens):
        if t.key not in g.next_time_words and t.surface not in g.next_time_words:
            continue
        for k in range(j + 1, min(j + 5, len(tokens))):
            u = tokens[k]
            if u.kind == KIND_END:
                break
            if u.cform.startswith("意志推量形") and not any(b <= u.begin < e for b, e in farewells):
                after = tokens[k + 1 : k + 3]
                # (また遊ぼうって約束、守れなくてごめん: a plan quoted, then broken)
                return not any(x.key in ("って", "と") and x.pos == "助詞" for x in after)
    return False


def _until_before(tokens: Sequence[Token], h: Hit) -> int:
    """The index of まで in the three words before the match (来年まで生きてる), or -1."""
    for j in range(h.first - 1, max(-1, h.first - 4), -1):
        if tokens[j].key == "まで":
            return j
    return -1


def _doubt_alive_until(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """…まで 生きてる / この世にいる + か + a doubt (わからない, 微妙, 怪しい): the person doubts
    being alive by a time (来年まで生きてるか怪しい)."""
    made = _until_before(tokens, h)
    if made < 1 or tokens[made - 1].key in g.far_times or tokens[made - 1].surface in g.far_times:
        return False  # (100歳まで, 老後まで: a life's length, not a near day)
    k = h.last + 1
    while k < len(tokens) and k <= h.last + 3 and tokens[k].key != "か":
        k += 1
    if k >= len(tokens) or tokens[k].key != "か":
        return False
    tail = tokens[k + 1 : k + 5]
    return any(t.key in g.doubt_words or t.surface in g.doubt_words for t in tail) and (
        any(t.key in g.negation for t in tail)
        or not any(t.key in ("分かる", "わかる", "知る") for t in tail)
    )


def _first_person_before(
    tokens: Sequence[Token], h: Hit, g: rd.Grammar, particles: tuple[str, ...]
) -> bool:
    """私 / 俺 / 自分 + one of ``particles`` right before the match (私が, 俺も)."""
    return (
        h.first >= 2
        and tokens[h.first - 1].key in particles
        and tokens[h.first - 2].key in g.first_person
    )


def _dependent_after(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """Who or what depends on the person, and what becomes of them, later in the sentence
    (私がいなくなったらこの犬どうなるんやろ): a worry about after one is gone."""
    named = becomes = False
    for t in tokens[h.last + 1 :]:
        if t.kind == KIND_END:
            break
        named = named or t.key in g.dependents
        becomes = becomes or (named and t.key in ("成る", "なる"))
    return becomes


def _request_follows(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """A request to the reader later in the sentence (猫をお願い, ノート読んでね, 渡してください)."""
    for k in range(h.last + 1, len(tokens)):
        t = tokens[k]
        if t.kind == KIND_END or t.key in rd.QUESTION_WORDS or t.surface in rd.QUESTION_WORDS:
            return False  # (私が死んだらどうするの、ちゃんと考えて: a question first)
        if t.key in g.request_words or t.surface in g.request_words:
            return True
        if t.key in ("て", "で") and t.pos == "助詞":
            after = tokens[k + 1] if k + 1 < len(tokens) else None
            if after is None or after.kind == KIND_END or after.key in g.request_ends:
                return True  # 読んでね, 返して, 渡してください
        if t.cform.startswith("命令形") and t.pos == "動詞":
            return True
    return False


def _at_someones_place(tokens: Sequence[Token], start: int, g: rd.Grammar) -> bool:
    """Someone's place, then being there (元カレの家の前にいる, あいつの職場に着いた): the
    owner is a noun that is not the person (私の家 is home)."""
    for k in range(start + 2, min(len(tokens) - 1, start + 10)):
        t = tokens[k]
        if t.kind == KIND_END:
            return False
        o = k - 2
        while o > 0 and tokens[o].pos == "接尾辞":
            o -= 1  # 田中さんの家, おばあちゃんの家: the owner before さん / ちゃん
        owner = tokens[o]
        if (
            t.key in g.someones_places
            and tokens[k - 1].key == "の"
            and owner.pos in ("名詞", "代名詞")
            and owner.key not in g.first_person
            and owner.key not in g.someones_places
            and owner.key not in g.visit_owners  # 友達の家, 祖母の家: a visit
        ):
            return any(u.pos == "動詞" and u.key in g.presence_verbs for u in tokens[k + 1 : k + 6])
    return False


def _at_edge(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> int:
    """The place's very edge right after it (埠頭のいちばん先, 堤防の先端, 屋根のふち): a
    place one is at the edge of is a danger place. Returns the token of the edge word, or 0."""
    k = h.last + 1
    if k >= len(tokens) or tokens[k].key != "の":
        return 0
    k += 1
    if k < len(tokens) and tokens[k].key in ("一番", "いちばん", "最", "ぎりぎり"):
        k += 1
    if k < len(tokens) and (tokens[k].key in g.edge_words or tokens[k].surface in g.edge_words):
        return k
    return 0


def _amount_question(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """何錠 / どれくらい / 何粒 in the sentence of a means: asking how much it takes (not
    一回に何錠 / 1日何錠: the usual dose)."""
    start = max(0, h.first - 4)
    window = tokens[start : max(h.reading.end, h.last + 1) + 3]
    if any(
        (t.key in ("回", "日", "食") and i > 0 and window[i - 1].pos2 == "数詞") or t.key == "毎回"
        for i, t in enumerate(window)
    ):
        return False
    for i, t in enumerate(window):
        if t.kind == KIND_END and t.begin > tokens[h.last].begin:
            break
        pair = t.surface + window[i + 1].surface if i + 1 < len(window) else t.surface
        if t.key in g.amount_words or t.surface in g.amount_words or pair in g.amount_words:
            return True  # 何錠 is cut into 何 + 錠
    return False


def _media_outside(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """A media word of the sentence outside the match itself (借りてた漫画、全部返した: the
    manga is what was returned, not a story being told)."""
    start = h.first
    while start > 0 and tokens[start - 1].kind != KIND_END:
        start -= 1
    for j in range(start, len(tokens)):
        t = tokens[j]
        if t.kind == KIND_END and j > h.last:
            break
        if h.first <= j <= h.last:
            continue
        if t.key in g.media or t.surface in g.media or t.surface == "『":
            return True
    return False


def _media_in_other_clause(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """The sentence's media word is before the match and a list comma or a clause ends in
    between (課題やって、メイクして、カミソリで脚やって: the homework is not the topic)."""
    crossed = False
    for j in range(h.last + 1, len(tokens)):
        t = tokens[j]
        if t.kind == KIND_END:
            break
        if t.surface in ("、", ","):
            crossed = True
        elif (t.key in g.media or t.surface in g.media) and crossed:
            return True  # ドアノブを使う結び方、動画見ながら練習した: the video is how, not what
        elif t.key in g.media or t.surface in g.media:
            return False
    crossed = False
    commas = 0
    for j in range(h.first - 1, -1, -1):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if t.surface in ("、", ","):
            crossed = True
            commas += 1
        elif t.pos2 == "接続助詞" and t.key in ("て", "で"):
            crossed = True
            commas += 2  # (a clause, not a topic)
        if t.key in g.media or t.surface in g.media:
            if not crossed or (
                commas == 1
                and t.pos == "名詞"
                and tokens[j + 1].surface in ("、", ",")
                and (
                    j == 0
                    or tokens[j - 1].kind == KIND_END
                    or tokens[j - 1].key == "の"
                    or tokens[j - 1].pos == "連体詞"
                )
            ):
                return False  # 新作のホラゲ、首吊り死体が出てきた: the topic, then what is in it
            return not any(
                x.key in g.media or x.surface in g.media
                for x in tokens[h.last + 1 : h.last + 6]
                if x.kind != KIND_END
            )
    return False


def _scheduling_something(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """会議は来週にする / 資料は金曜までに: the day is for something named, not for oneself."""
    for j in range(h.first - 1, -1, -1):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if (
            t.key in ("は", "を")
            and j > 0
            and tokens[j - 1].pos == "名詞"
            and tokens[j - 1].key not in g.first_person
            and tokens[j - 1].key not in g.reflexive
            and tokens[j - 1].pos2 != "数詞"
        ):
            return True
    return False


def _done_by_someone(tokens: Sequence[Token], h: Hit, info: Scan, g: rd.Grammar) -> bool:
    """薬を大量に飲んだ人 / 飛び降りた子: the words describe a person (a relative clause)."""
    if info.all_keys.isdisjoint(("人", "者")):
        return False  # the loop below needs 人 or 者
    for j in range(h.last + 1, min(h.last + 8, len(tokens))):
        t = tokens[j]
        if t.kind == KIND_END or t.surface in ("、", ","):
            return False
        if t.key in ("人", "者"):
            return tokens[j - 1].pos in ("動詞", "助動詞")  # 薬を大量に飲んだ人
        if t.pos not in ("助詞", "動詞", "助動詞", "形容詞", "副詞", "接尾辞") and not (
            t.key in g.quantity_words or t.key in _ALL_WORDS
        ):
            return False
    return False


def _asks_what_is_sure(
    tokens: Sequence[Token], g: rd.Grammar, info: Scan
) -> tuple[int, int] | None:
    """A question of how many (何階, 何キロ, 何分) it takes to be sure (確実, 即死, 助からない):
    asking how to make a death certain. The sentence's span, or None."""
    if info.words.isdisjoint(g.certainty_words):
        return None
    for _, group in groupby(range(len(tokens)), key=info.sentence_of.__getitem__):
        where = list(group)
        sentence = [tokens[i] for i in where if tokens[i].kind != KIND_END]
        asks = tokens[where[-1]].surface in ("?", "？") or any(
            w.key in ("か", "の") for w in sentence[-2:]
        )
        sure = any(w.key in g.certainty_words or w.surface in g.certainty_words for w in sentence)
        how_many = any(
            w.surface in ("何", "なん") and k + 1 < len(sentence) and sentence[k + 1].pos != "助詞"
            for k, w in enumerate(sentence)
        )
        if asks and sure and how_many and sentence:
            return sentence[0].begin, sentence[-1].end
    return None


def _urge_again(tokens: Sequence[Token], reader: ClauseReader, g: rd.Grammar, info: Scan) -> bool:
    """またやりたくなる / 次はちゃんとやりたい: a wish to do it again, said with a bare "do it"."""
    if info.all_keys.isdisjoint(g.pro_verbs):
        return False  # the loop below needs a bare "do it"
    text = info.surface_text
    if info.all_keys.isdisjoint(g.recurrence) and not any(
        w in text for w in g.recurrence if len(w) > 1
    ):
        return False
    for k, t in enumerate(tokens):
        if t.pos == "動詞" and t.key in g.pro_verbs:
            r = reader.read(tokens, k)
            if rd.DESIRE in r.features and rd.NEGATED not in r.features:
                return True
    return False


def _collecting_again(
    tokens: Sequence[Token], reader: ClauseReader, g: rd.Grammar, info: Scan
) -> tuple[int, int] | None:
    """最近またためはじめた / また数えてる with no object: gathering the means named before
    again (the span of the verb), said with a word of recurrence."""
    if info.all_keys.isdisjoint(g.collect_verbs) or info.all_keys.isdisjoint(g.recurrence):
        return None
    for k, t in enumerate(tokens):
        if t.pos != "動詞" or t.key not in g.collect_verbs:
            continue
        if k >= 2 and tokens[k - 1].key == "を" and tokens[k - 2].pos == "名詞":
            continue  # またお金を貯めてる: something else is gathered
        r = reader.read(tokens, k)
        if r.features & {rd.NEGATED, rd.QUESTION, rd.CONDITIONAL} or rd.REPORTED in r.features:
            continue
        return t.begin, tokens[min(r.end, len(tokens)) - 1].end
    return None


def _did_before(tokens: Sequence[Token], reader: ClauseReader, g: rd.Grammar, info: Scan) -> bool:
    """前に一回やってしまった: a bare "did it" in the past, with a word of the past."""
    keys = info.all_keys
    if not keys & g.pro_verbs or not keys & (g.history | {"一回", "一度", "前"}):
        return False
    for k, t in enumerate(tokens):
        if t.pos == "動詞" and t.key in g.pro_verbs:
            if k > 1 and tokens[k - 1].key in ("を",) and tokens[k - 2].kind == KIND_WORD:
                continue  # 宿題をやった
            r = reader.read(tokens, k)
            if (
                rd.PAST in r.features or rd.EXPERIENCE in r.features
            ) and rd.NEGATED not in r.features:
                return True
    return False


_CORRECTION: Final = re.compile(r"^[…。、.\s]*(?:の練習)?[…。、.\s]*(?:じゃ|では|じゃあ)なく")


def _corrected(text: str, h: Hit) -> bool:
    """…じゃなくて right after the words: the person corrects themself (not that, this)."""
    return bool(_CORRECTION.match(text[max(h.end, h.span_end) : max(h.end, h.span_end) + 12]))


def _thing_or_pushed(tokens: Sequence[Token], h: Hit, g: rd.Grammar) -> bool:
    """A thing as the subject (シャツが…落ちた) or being pushed (押されて): no one's act."""
    for j in range(h.first - 1, max(-1, h.first - 10), -1):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if t.key == "れる" and j + 1 < len(tokens) and tokens[j + 1].key == "て":
            return True  # 押されて
        if (
            t.key == "が"
            and j > 0
            and tokens[j - 1].pos == "名詞"
            and tokens[j - 1].key not in g.first_person
            and tokens[j - 1].key not in g.reflexive
            and tokens[j - 1].key not in g.third_person
            and not any(tokens[x].pos == "動詞" for x in range(j + 1, h.first))
        ):
            return True  # the thing is the subject of the fall itself
    return False


def _alone(tokens: Sequence[Token], h: Hit) -> bool:
    """The match is the whole message (…もう決めたから / 死ぬ / 止めないでね)."""
    last = max(h.last, h.reading.end - 1)
    return all(h.first <= k <= last for k, t in enumerate(tokens) if t.kind == KIND_WORD)


def _kosoto(tokens: Sequence[Token], h: Hit) -> bool:
    """今日こそ / 今夜こそ right before: this time for real."""
    return h.first >= 1 and tokens[h.first - 1].key == "こそ"


def _bare_swallowing(tokens: Sequence[Token], reader: ClauseReader, info: Scan) -> bool:
    """飲んでる with nothing named (the pills may come in the next message)."""
    if info.all_keys.isdisjoint(reader.g.swallow_verbs):
        return False  # the loop below needs a verb of swallowing
    for k, t in enumerate(tokens):
        if t.pos == "動詞" and t.key in reader.g.swallow_verbs:
            if k > 0 and tokens[k - 1].pos == "名詞" and tokens[k - 1].key not in reader.g.now:
                return False  # 薬飲んでる: it is named (not さっき飲んだ)
            r = reader.read(tokens, k)
            if r.features & {rd.NEGATED, rd.QUESTION, rd.CONDITIONAL}:
                continue
            if rd.PROGRESSIVE in r.features or (
                rd.PAST in r.features and not info.all_keys.isdisjoint(reader.g.now)
            ):
                return True  # 飲んでる / さっき飲んだ (and the next message: 風邪薬4箱)
    return False


def _about_self(tokens: Sequence[Token], g: rd.Grammar, info: Scan) -> bool:
    """A sentence ending in 自分のこと: the person names themself as what the words were about."""
    if "の" not in info.all_keys or info.all_keys.isdisjoint(g.reflexive):
        return False  # the loop below needs 自分 (or another reflexive) and の
    for j in range(len(tokens) - 2):
        if (
            tokens[j].key in g.reflexive
            and tokens[j + 1].key == "の"
            and tokens[j + 2].key in ("こと", "事")
            and (j + 3 >= len(tokens) or tokens[j + 3].kind == KIND_END)
        ):
            return True
    return False


def _while_doing(tokens: Sequence[Token], h: Hit) -> bool:
    """…てたら / …ていたら before the match in its sentence: it happened while doing something."""
    for j in range(h.first - 1, max(-1, h.first - 8), -1):
        t = tokens[j]
        if t.kind == KIND_END:
            return False
        if (
            t.key in ("たら", "た")
            and t.surface == "たら"
            and j > 0
            and tokens[j - 1].key
            in (
                "てる",
                "でる",
                "いる",
                "居る",
            )
        ):
            return True
    return False


def _body_fragment(tokens: Sequence[Token], g: rd.Grammar) -> bool:
    """A sentence that is only a body part (…やっちゃった。手首): what was done is named apart."""
    words: list[Token] = []
    for t in [*tokens, None]:
        if t is None or t.kind == KIND_END:
            content = [w for w in words if w.pos not in ("助詞", "助動詞") and w.kind == KIND_WORD]
            if (
                len(content) == 1
                and content[0].key in g.body_parts
                and content[0].key not in g.reflexive
            ):
                return True
            words = []
        else:
            words.append(t)
    return False


def _by_own_hand(tokens: list[Token], h: Hit, g: rd.Grammar) -> bool:
    """自分で / 自分の手で / 自ら / 人生を before the predicate, in the same clause."""
    for j in range(max(0, h.first - 5), h.first):
        t = tokens[j]
        if t.kind == KIND_END or t.key in g.clause_breaks:
            return False
        if t.key in g.reflexive or t.key in ("人生", "命", "一生", "生涯"):
            return True
    return False


def check_config(config_dir: Path) -> list[Problem]:
    """Every problem in the screening files of config_dir (empty when they are usable)."""
    _, problems = load_config(Path(config_dir))
    return problems
