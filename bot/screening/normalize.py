"""Text normalization before tokenization, keeping a map back to the person's own characters.

People in crisis type fast, on phones, at night: full- and half-width forms, ｼﾆﾀｲ, stretched
vowels (死にた〜い, しにたいいい), emoji in the middle of words, and slang spellings (氏にたい,
タヒりたい, 4にたい, shinitai). Each step here rewrites the text and keeps, for every output
character, the span of original characters it came from, so that a signal's span on the case
card points at exactly what the person wrote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

import jaconv

from bot.screening.gates import Gates, first_chars

# Characters removed before matching: controls (except newline), format characters (bidi
# overrides, zero-width joiners), variation selectors, emoji and pictographs, tags.
_DROP = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f"
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb"
    "\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff"
    "\u3030\u303d\u3297\u3299"
    "\U0001f000-\U0001faff\U0001fc00-\U0001ffff\U000e0000-\U000e0fff\U000f0000-\U0010ffff"
    "\ud800-\udfff]+"
)
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Three or more of the same character (not digits): しにたいいいい → しにたい, ！！！ → ！.
_REPEAT = re.compile(r"([^0-9])\1{2,}")
# Long-vowel marks and tildes after hiragana or kanji stretch a word (死にた〜い, つらーい);
# after katakana they are part of the word (ロープ) and are only collapsed when repeated.
_STRETCH = re.compile(r"(?<=[\u3041-\u3096\u4e00-\u9fff々])[ー〜~―－-]+(?=[\u3041-\u3096])")
_STRETCH_END = re.compile(r"(?<=[\u3041-\u3096])[ー〜~―－]+(?![\u3041-\u3096])")
_LONG_RUN = re.compile(r"ー{2,}")
# Small vowels after hiragana: elongation when the vowel repeats (たぁい → たい), else a typo
# for the big vowel (しにたぃ → しにたい).
_SMALL_VOWEL = re.compile(r"(?<=[\u3041-\u3096])[ぁぃぅぇぉ]")
_SMALL_TO_BIG: Final = {"ぁ": "あ", "ぃ": "い", "ぅ": "う", "ぇ": "え", "ぉ": "お"}
_VOWEL_ROWS: Final = (
    ("あ", "あかさたなはまやらわがざだばぱぁゃ"),
    ("い", "いきしちにひみりぎじぢびぴぃ"),
    ("う", "うくすつぬふむゆるぐずづぶぷぅゅ"),
    ("え", "えけせてねへめれげぜでべぺぇ"),
    ("お", "おこそとのほもよろをごぞどぼぽぉょ"),
)
_VOWEL_OF: Final = {ch: vowel for vowel, row in _VOWEL_ROWS for ch in row}
# sentence-final particles after a stretched え (消えてぇな, しょうがねぇよ: てえ = たい, ねえ = ない)
_FINAL_PARTICLES: Final = frozenset("なよわねさぞぜ")
_PLAIN = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff\u3001\u3002a-z0-9 、。？！?!.,ー]*")
# Whether any rewrite applies: a character three times (one quick scan), else, only when a
# stretch mark or small vowel is present at all (a charset scan), any of the other rewrites.
_TRIPLE = re.compile(r"([^0-9])\1\1")
_STRETCH_CHARS = re.compile("[ー〜~―－\\-ぁぃぅぇぉ]")
_OTHER_REWRITE = re.compile(
    "|".join(f"(?:{p.pattern})" for p in (_STRETCH, _STRETCH_END, _LONG_RUN, _SMALL_VOWEL))
)
# Katakana → hiragana is one character for one character, so spans survive unchanged.
KATA_TO_HIRA: Final = {cp: cp - 0x60 for cp in range(0x30A1, 0x30F7)}


@dataclass(frozen=True, slots=True)
class SpellingRule:
    """One slang or variant spelling rewritten to the standard form before tokenization."""

    pattern: re.Pattern[str]
    write: str


# A dialect paradigm (死にたか → 死にたい) is rewritten the same way, after the spellings;
# dialects.yaml checks each rule against examples that must change and counter-examples that
# must not.
DialectRule = SpellingRule

# Letters typed apart to slip past filters: し に た い, 死.に.た.い, 自.殺. Three or more single
# kana or kanji separated by the same kind of separator are joined; two single kanji only across
# a dot-like mark (自.殺, 自・殺), never across a space (今 日 is rare, 私 は common).
_KANA_KANJI = "\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff々"
_SPACED = re.compile(
    f"(?<![{_KANA_KANJI}])(?:[{_KANA_KANJI}][ \u3000.．・･_＿*＊/／、,~〜-]){{2,}}[{_KANA_KANJI}](?![{_KANA_KANJI}])"
)
_SPACED_SEPARATORS = re.compile("[ \u3000.．・･_＿*＊/／、,~〜-]")
_DOTTED_PAIR = re.compile(
    "(?<![\u4e00-\u9fff])([\u4e00-\u9fff])[.．･*＊]([\u4e00-\u9fff])(?![\u4e00-\u9fff])"
)


class Normalized(NamedTuple):  # a tuple: one per message, cheaper than a frozen dataclass
    """The normalized text plus, per character, the original span it came from."""

    text: str
    starts: Sequence[int]
    ends: Sequence[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalized text back to the original message."""
        if end <= start:
            pos = (
                self.starts[start]
                if start < len(self.starts)
                else self.ends[-1]
                if self.ends
                else 0
            )
            return pos, pos
        return self.starts[start], self.ends[end - 1]


_new_normalized = tuple.__new__  # Normalized(...) runs a Python-level __new__

# Japanese typed in latin letters (ima eki no ho-mu. densha kuru made matteru) is read as kana,
# but only a run of two or more words that all convert, with a Japanese function word in it and
# no common English word (i made a cake stays English).
_ROMAJI_RUN: Final = re.compile(r"[a-z][a-z'\-~]*(?:[ ,.!?]+[a-z][a-z'\-~]*)+")
_ROMAJI_WORD: Final = re.compile(r"[a-z][a-z'\-]*")
_ROMAJI_FUNCTION: Final = frozenset(
    {
        "no",
        "wa",
        "ga",
        "wo",
        "ni",
        "de",
        "made",
        "kara",
        "mou",
        "mo",
        "ima",
        "desu",
        "masu",
        "kedo",
        "yo",
        "ne",
        "dakara",
        "nai",
        "tai",
        "shitai",
        "shinitai",
        "kietai",
        "tsurai",
        "sayonara",
        "sayounara",
        "matteru",
        "iru",
        "kuru",
        "iku",
        "suru",
        "shita",
        "nda",
        "dayo",
    }
)
# A word ending as a Japanese verb or adjective conjugates (nonda, tabetai, ikenai, shiteru,
# mashita, kowakatta): Japanese in latin letters even with no particle (kusuri zenbu nonda).
_ROMAJI_ENDING: Final = re.compile(
    r"..(?:nda|tta|ita|eta|shita|masu|tai|nai|teru|deru|katta|kute|tara|reba)$"
)
_ENGLISH_WORDS: Final = frozenset(
    {
        "the",
        "a",
        "an",
        "i",
        "you",
        "is",
        "am",
        "are",
        "to",
        "and",
        "of",
        "my",
        "me",
        "it",
        "this",
        "that",
        "in",
        "on",
        "at",
        "for",
        "with",
        "so",
        "just",
        "be",
        "was",
        "have",
        "im",
        "dont",
        "not",
        "what",
        "how",
        "we",
        "they",
        "he",
        "she",
        "your",
        "all",
        "will",
        "do",
        "did",
        "if",
        "but",
        "or",
        "its",
        "been",
        "get",
        "got",
        "go",
        "going",
        "want",
        "like",
        "know",
        "think",
        "feel",
        "no one",
        "can",
        "cant",
        "there",
        "here",
        "when",
        "up",
        "out",
        "lol",
        "romaji",
        "roma",
        "ok",
        "okay",
        "yes",
        "sorry",
        "please",
        "help",
        "today",
        "now",
        "again",
        "last",
    }
)


_ROMAJI_PARTICLES: Final = {"wa": "は", "wo": "を", "o": "を", "e": "へ"}  # said apart as particles


def _romaji(match: re.Match[str]) -> str:
    run = match.group(0)
    words = _ROMAJI_WORD.findall(run)
    if (
        len(words) < 2
        or any(w in _ENGLISH_WORDS for w in words)
        or not any(w in _ROMAJI_FUNCTION or _ROMAJI_ENDING.search(w) for w in words)
    ):
        return run
    kana = _ROMAJI_WORD.sub(
        lambda m: _ROMAJI_PARTICLES.get(m.group(0)) or str(jaconv.alphabet2kana(m.group(0))), run
    )
    return run if any("a" <= ch <= "z" for ch in kana) else kana


def _rewrite(
    text: str,
    starts: list[int],
    ends: list[int],
    pattern: re.Pattern[str],
    replace: Callable[[re.Match[str]], str],
) -> tuple[str, list[int], list[int]]:
    """Apply one regex rewrite, carrying the original-span map along."""
    pieces: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        a, b = match.span()
        pieces.append(text[last:a])
        new_starts.extend(starts[last:a])
        new_ends.extend(ends[last:a])
        out = replace(match)
        if out:
            s = starts[a] if a < len(starts) else (ends[-1] if ends else 0)
            e = ends[b - 1] if b > a else s
            pieces.append(out)
            new_starts.extend([s] * len(out))
            new_ends.extend([e] * len(out))
        last = b
    if last == 0 and not pieces:
        return text, starts, ends
    pieces.append(text[last:])
    new_starts.extend(starts[last:])
    new_ends.extend(ends[last:])
    return "".join(pieces), new_starts, new_ends


_RULE_PASSES: Final = 3


def _nfkc(text: str) -> tuple[str, list[int], list[int]]:
    """NFKC per base character and its combining marks (so ｼﾞ becomes ジ, not シ + mark)."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or text[j] in "\uff9e\uff9f"):
            j += 1
        out = unicodedata.normalize("NFKC", text[i:j])
        # Marks that did not compose (zalgo text) are noise for matching.
        out = "".join(ch for ch in out if not unicodedata.combining(ch) or ch in "\u3099\u309a")
        out = unicodedata.normalize("NFC", out).replace("\u3099", "").replace("\u309a", "")
        pieces.append(out)
        starts.extend([i] * len(out))
        ends.extend([j] * len(out))
        i = j
    return "".join(pieces), starts, ends


def _end_vowel(match: re.Match[str]) -> str:
    """A stretch at the end of a word becomes its vowel: 死にてー → 死にてえ, うれしー → うれしい.

    After an u-row kana it is dropped: 死んでる〜 → 死んでる (not 死んでるう, which Sudachi
    cannot read), 死ぬー → 死ぬ.
    """
    vowel = _VOWEL_OF.get(match.string[match.start() - 1], "")
    return "" if vowel == "う" else vowel


def _small_vowel(match: re.Match[str]) -> str:
    ch = match.group(0)
    text = match.string
    prev = text[match.start() - 1]
    nxt = text[match.end()] if match.end() < len(text) else ""
    big = _SMALL_TO_BIG[ch]
    if (
        _VOWEL_OF.get(prev) == big
        and "\u3041" <= nxt <= "\u3096"
        and not (big == "え" and nxt in _FINAL_PARTICLES)
    ):
        return ""  # elongation inside a word: 死にたぁい → 死にたい (not 消えてぇな, ねぇよ)
    return big  # word end or a typo: 死にてぇ → 死にてえ, しにたぃ → しにたい


class Normalizer:
    """Rewrites a message into the form the concepts are matched against."""

    def __init__(
        self,
        spellings: Sequence[SpellingRule] = (),
        dialects: Sequence[DialectRule] = (),
        emoji: dict[str, str] | None = None,
    ) -> None:
        spellings = [*spellings, *dialects]
        self._writes = [rule.write for rule in spellings]
        # Emoji keep their meaning as words (💊 → 薬): a run of the same emoji is one word, set
        # apart by spaces so that it never joins the words around it.
        self._emoji = dict(emoji or {})
        self._emoji_keys = sorted(self._emoji, key=len, reverse=True)
        self._emoji_re: re.Pattern[str] | None = None
        if self._emoji:
            keys = sorted(self._emoji, key=len, reverse=True)
            alternation = "|".join(re.escape(k) for k in keys)
            self._emoji_re = re.compile(
                f"(?:{alternation})(?:[\ufe0e\ufe0f\u200d]*(?:{alternation}))*[\ufe0e\ufe0f]?"
            )
        # Each rule has a gate (gates.py): a message is searched only with the rules whose gate
        # it passes (most messages: none), all of them in one alternation, in the rules'
        # order, so that the first rule that matches at a position wins as if every rule were
        # in it (a rule left out matches nowhere in the text).
        self._rules = tuple(rule.pattern for rule in spellings)
        self._gates = Gates([rule.pattern for rule in self._rules])
        self._alternations: dict[tuple[int, ...], re.Pattern[str]] = {}

    def normalize(self, text: str) -> Normalized:
        if len(text) < 200 and _PLAIN.fullmatch(text) and not self._needs_more(text):
            # Fast path: ordinary Japanese or lowercase ASCII with nothing to rewrite.
            identity = range(len(text))
            # positionally, without NamedTuple's Python-level __new__ (one call per message)
            return _new_normalized(Normalized, (text, identity, range(1, len(text) + 1)))
        starts = list(range(len(text)))
        ends = list(range(1, len(text) + 1))
        text, starts, ends = _rewrite(text, starts, ends, _NEWLINES, lambda m: "\n")
        if self._emoji_re is not None:
            text, starts, ends = _rewrite(text, starts, ends, self._emoji_re, self._emoji_word)
        text, starts, ends = _rewrite(text, starts, ends, _DROP, lambda m: "")
        if not unicodedata.is_normalized("NFKC", text) or any(
            unicodedata.combining(ch) for ch in text
        ):
            text, inner_starts, inner_ends = _nfkc(text)
            starts = [starts[i] for i in inner_starts]
            ends = [ends[j - 1] for j in inner_ends]
            # NFKC can produce characters that are dropped (e.g. full-width controls).
            text, starts, ends = _rewrite(text, starts, ends, _DROP, lambda m: "")
        text = text.translate(_UPPER)
        text, starts, ends = _rewrite(text, starts, ends, _REPEAT, lambda m: m.group(1))
        text, starts, ends = _rewrite(text, starts, ends, _STRETCH, lambda m: "")
        text, starts, ends = _rewrite(text, starts, ends, _STRETCH_END, _end_vowel)
        text, starts, ends = _rewrite(text, starts, ends, _LONG_RUN, lambda m: "ー")
        text, starts, ends = _rewrite(text, starts, ends, _SMALL_VOWEL, _small_vowel)
        text, starts, ends = _rewrite(
            text, starts, ends, _SPACED, lambda m: _SPACED_SEPARATORS.sub("", m.group(0))
        )
        text, starts, ends = _rewrite(
            text, starts, ends, _DOTTED_PAIR, lambda m: m.group(1) + m.group(2)
        )
        for _ in range(_RULE_PASSES):
            # Again over the rewritten text: one rule can make another's context (帰らんけぇ
            # → 帰らんから → 帰らないから); at most _RULE_PASSES times, and only while it changes.
            rules = self.rules_to_try(text)
            if not rules:
                break
            before = text
            text, starts, ends = _rewrite(text, starts, ends, self._alternation(rules), self._spell)
            if text == before:
                break
        if self._rules and _ROMAJI_RUN.search(text):
            # after the spelling rules (kms, shinitai), so that they keep the first go
            text, starts, ends = _rewrite(text, starts, ends, _ROMAJI_RUN, _romaji)
        return Normalized(text, starts, ends)

    def _emoji_word(self, match: re.Match[str]) -> str:
        """A run of emoji: one word per different emoji in it (💊🪢 → 薬 ロープ)."""
        run = match.group(0)
        keys = self._emoji_keys
        words: list[str] = []
        i = 0
        while i < len(run):
            key = next((k for k in keys if run.startswith(k, i)), None)
            if key is None:
                i += 1  # a joiner or variation selector
                continue
            word = self._emoji[key]
            if not words or words[-1] != word:
                words.append(word)
            i += len(key)
        return f" {' '.join(words)} " if words else ""

    def _needs_more(self, text: str) -> bool:
        if (
            self._rules
            and " " in text
            and any(_romaji(m) != m.group(0) for m in _ROMAJI_RUN.finditer(text))
        ):
            return True  # ima eki no ho-mu: Japanese typed in latin letters
        if _TRIPLE.search(text) or (_STRETCH_CHARS.search(text) and _OTHER_REWRITE.search(text)):
            return True
        if (" " in text or "." in text) and (_SPACED.search(text) or _DOTTED_PAIR.search(text)):
            return True
        candidates = self._gates.candidates(text)  # (rules_to_try: most messages pass none)
        return bool(candidates) and any(self._rules[i].search(text) for i in candidates)

    def rules_to_try(self, text: str) -> tuple[int, ...]:
        """The spelling and dialect rules whose gate the text passes, in the rules' order."""
        return self._gates.candidates(text)

    def _alternation(self, rules: tuple[int, ...]) -> re.Pattern[str]:
        """One regex for these rules (kept: the same few sets of rules come up again)."""
        compiled = self._alternations.get(rules)
        if compiled is None:
            sources = [self._rules[i].pattern for i in rules]
            alternation = "|".join(f"(?P<r{i}>{p})" for i, p in zip(rules, sources, strict=True))
            first = first_chars(sources)
            if first:  # a class of the characters a match can start with skips most positions
                alternation = f"(?=[{re.escape(''.join(sorted(first)))}])(?:{alternation})"
            compiled = re.compile(alternation)
            if len(self._alternations) < _MAX_ALTERNATIONS:
                self._alternations[rules] = compiled
        return compiled

    def _spell(self, match: re.Match[str]) -> str:
        for name, value in match.groupdict().items():
            if value is not None:  # the one rule whose group took the match: r<index>
                return self._writes[int(name[1:])]
        return match.group(0)


_MAX_ALTERNATIONS: Final = 512


def fold_katakana(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Hiragana for the given spans (unknown katakana words like シニタイ), same length."""
    chars = list(text)
    for a, b in spans:
        chars[a:b] = text[a:b].translate(KATA_TO_HIRA)
    return "".join(chars)
