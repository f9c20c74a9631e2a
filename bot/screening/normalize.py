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
from typing import Any, Final, NamedTuple

import jaconv

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
        or not any(w in _ROMAJI_FUNCTION for w in words)
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
    if _VOWEL_OF.get(prev) == big and "\u3041" <= nxt <= "\u3096":
        return ""  # elongation inside a word: 死にたぁい → 死にたい
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
        # One alternation for all rules: one scan of the text, whichever rule matches first.
        # A leading class of the characters a match can start with lets the scan skip most
        # positions cheaply (when the rules' first characters can be worked out).
        alternation = "|".join(f"(?P<r{i}>{r.pattern.pattern})" for i, r in enumerate(spellings))
        first = first_chars([r.pattern.pattern for r in spellings])
        if first:
            alternation = f"(?=[{re.escape(''.join(sorted(first)))}])(?:{alternation})"
        self._spelling: re.Pattern[str] | None = re.compile(alternation) if spellings else None
        # A cheap gate before that alternation (most messages need none of the rules): the
        # literal strings one of which every match of a rule contains, else the characters a
        # match can start with; a rule with neither known makes the gate always open.
        from bot.screening.matcher import required_strings

        strings: set[str] = set()
        chars: set[str] = set()
        self._gate_always = False
        for rule in spellings:
            gates = gate_strings(rule.pattern.pattern)
            if gates:
                strings.update(gates)
                continue
            required = required_strings(rule.pattern.pattern)
            if required and min(len(r) for r in required) >= 2:
                strings.update(required)
                continue
            first = first_chars([rule.pattern.pattern])
            if first and all(ord(c) < 128 for c in first):
                chars.update(first)  # English and romaji rules: only text with letters
            elif required:
                strings.update(required)
            else:
                self._gate_always = True
        self._gate_strings = tuple(sorted(strings, key=len))
        # Gates of two or more characters are looked up by their first two characters (a set
        # intersection with the text's bigrams); single characters join the character gate.
        self._gate_bigrams = frozenset(g[:2] for g in self._gate_strings if len(g) >= 2)
        chars.update(g for g in self._gate_strings if len(g) == 1)
        self._gate_chars = frozenset(chars)

    def normalize(self, text: str) -> Normalized:
        if len(text) < 200 and _PLAIN.fullmatch(text) and not self._needs_more(text):
            # Fast path: ordinary Japanese or lowercase ASCII with nothing to rewrite.
            identity = range(len(text))
            return Normalized(text, identity, range(1, len(text) + 1))
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
        if self._spelling is not None and self._may_spell(text):
            text, starts, ends = _rewrite(text, starts, ends, self._spelling, self._spell)
        if self._spelling is not None and _ROMAJI_RUN.search(text):
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
            self._spelling is not None
            and " " in text
            and any(_romaji(m) != m.group(0) for m in _ROMAJI_RUN.finditer(text))
        ):
            return True  # ima eki no ho-mu: Japanese typed in latin letters
        if _TRIPLE.search(text) or (_STRETCH_CHARS.search(text) and _OTHER_REWRITE.search(text)):
            return True
        if (" " in text or "." in text) and (_SPACED.search(text) or _DOTTED_PAIR.search(text)):
            return True
        if self._spelling is None or not self._may_spell(text):
            return False
        return self._spelling.search(text) is not None

    def _may_spell(self, text: str) -> bool:
        """Whether any spelling or dialect rule could match (a gate before the alternation)."""
        if self._gate_always or not self._gate_chars.isdisjoint(text):
            return True
        bigrams = self._gate_bigrams
        return any(text[i : i + 2] in bigrams for i in range(len(text) - 1))

    def _spell(self, match: re.Match[str]) -> str:
        for i, write in enumerate(self._writes):
            if match.group(f"r{i}") is not None:
                return write
        return match.group(0)


_MAX_GATES: Final = 400


def gate_strings(pattern: str) -> set[str] | None:
    """Literal strings of length ≥ 2 one of which every match of the regex contains, reading a
    look-behind before the literal as part of it: (?<=つら|きつ)か gives つらか and きつか, and
    (?<=[いき])とう gives いとう and きとう. None when no such strings are found."""
    try:
        from re import _parser as parser  # type: ignore[attr-defined]

        parsed = parser.parse(pattern)
    except Exception:  # pragma: no cover - other Python versions
        return None

    def alternatives(items: list[tuple[Any, Any]]) -> set[str] | None:
        """The literal texts an item sequence can match as a whole, when it is only literals,
        character classes and alternations of those."""
        out = {""}
        for op, arg in items:
            name = str(op)
            if (name in ("ASSERT", "ASSERT_NOT") and arg[0] < 0) or name == "AT":
                continue  # a look-behind or an anchor consumes nothing
            if name == "LITERAL":
                out = {o + chr(arg) for o in out}
            elif name == "IN":
                letters = []
                for kind, value in arg:
                    if str(kind) == "LITERAL":
                        letters.append(chr(value))
                    elif str(kind) == "RANGE" and value[1] - value[0] < 24:
                        letters.extend(chr(c) for c in range(value[0], value[1] + 1))
                    else:
                        return None
                out = {o + c for o in out for c in letters}
            elif name in ("BRANCH", "SUBPATTERN"):
                branches = arg[1] if name == "BRANCH" else [arg[-1]]
                texts: set[str] = set()
                for branch in branches:
                    inner = alternatives(list(branch))
                    if inner is None:
                        return None
                    texts |= inner
                out = {o + t for o in out for t in texts}
            else:
                return None
            if len(out) > _MAX_GATES:
                return None
        return out

    def lookbehind(op: Any, arg: Any) -> set[str] | None:
        name = str(op)
        if name == "ASSERT" and arg[0] < 0:
            return alternatives(list(arg[1]))
        if name in ("SUBPATTERN", "BRANCH"):
            branches = arg[1] if name == "BRANCH" else [arg[-1]]
            texts: set[str] = set()
            for branch in branches:
                items = list(branch)
                if len(items) != 1:
                    return None
                inner = lookbehind(*items[0])
                if inner is None:
                    return None
                texts |= inner
            return texts
        return None

    def of_sequence(items: list[tuple[Any, Any]]) -> set[str] | None:
        prefixes: set[str] = {""}
        best: set[str] | None = None
        i = 0
        while i < len(items):
            op, arg = items[i]
            before = lookbehind(op, arg)
            if before is not None and prefixes == {""}:
                prefixes = before
                i += 1
                continue
            if str(op) == "ASSERT" and arg[0] >= 0 and prefixes != {""}:
                ahead = alternatives(list(arg[1]))  # ち(?=にたい): the text must go on so
                if ahead:
                    grown = {p + a for p in prefixes for a in ahead}
                    if len(grown) <= _MAX_GATES and min(len(p) for p in grown) >= 2:
                        return grown
                break
            if str(op) in ("ASSERT", "ASSERT_NOT", "AT"):
                i += 1
                continue
            run = alternatives([items[i]])
            if run is None:
                break
            prefixes = {p + r for p in prefixes for r in run}
            if len(prefixes) > _MAX_GATES:
                return best
            if min(len(p) for p in prefixes) >= 2:
                best = set(prefixes)
            i += 1
        return best

    items = list(parsed)
    if len(items) == 1 and str(items[0][0]) == "BRANCH":
        out: set[str] = set()
        for branch in items[0][1][1]:
            found = of_sequence(list(branch))
            if not found:
                return None
            out |= found
        return out
    return of_sequence(items)


def first_chars(patterns: Sequence[str]) -> set[str] | None:
    """Every character a match of these regexes can start with, or None when unknown."""
    try:
        from re import _parser as parser  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - other Python versions
        return None
    chars: set[str] = set()

    def first_of(items: list[tuple[Any, Any]]) -> bool | None:
        """True: first characters collected; False: unknown; None: zero-width so far."""
        for op, arg in items:
            name = str(op)
            if name in ("ASSERT", "ASSERT_NOT") and arg[0] < 0:
                continue  # a look-behind consumes nothing
            if name == "AT":
                continue
            if name == "LITERAL":
                chars.add(chr(arg))
                return True
            if name == "IN":
                for kind, value in arg:
                    if str(kind) == "LITERAL":
                        chars.add(chr(value))
                    elif str(kind) == "RANGE" and value[1] - value[0] < 512:
                        chars.update(chr(c) for c in range(value[0], value[1] + 1))
                    else:
                        return False
                return True
            if name in ("BRANCH", "SUBPATTERN"):
                branches = arg[1] if name == "BRANCH" else [arg[-1]]
                results = [first_of(list(branch)) for branch in branches]
                if any(r is False for r in results):
                    return False
                if all(r is True for r in results):
                    return True
                if all(r is None for r in results):
                    continue
                return False
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, _, body = arg
                inner = first_of(list(body))
                if inner is False:
                    return False
                if low == 0 or inner is None:
                    continue  # optional ((?:i\s*)?): what follows may start the match too
                return True
            return False
        return None

    for pattern in patterns:
        try:
            if first_of(list(parser.parse(pattern))) is not True:
                return None
        except Exception:
            return None
    return chars


def fold_katakana(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Hiragana for the given spans (unknown katakana words like シニタイ), same length."""
    chars = list(text)
    for a, b in spans:
        chars[a:b] = text[a:b].translate(KATA_TO_HIRA)
    return "".join(chars)
