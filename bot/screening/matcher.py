"""Token patterns: how a lexicon term written in plain Japanese is found in a message.

A term such as 薬を全部飲む is tokenized once at load time into Sudachi keys (薬 全部 飲む: the
particle を is optional), and matched against the message's token keys, so 薬全部飲んだ and
薬を全部飲んでしまった both match. ``…`` in a term allows a few words in between (薬…飲む), and
a trailing ``$`` requires the term to end the sentence (死ぬ$ matches 今夜死ぬ。, not 死ぬ気で).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from bot.screening.gates import Gates, first_class
from bot.screening.tokens import KIND_END, KIND_PUNCT, KIND_SKIP, KIND_WORD, Token

GAP: Final = ("…", "")  # pattern element: up to MAX_GAP words in between
MAX_GAP: Final = 4
GAP_MARKS: Final = re.compile(r"\s*(?:…|\.\.\.|・・・|‥)\s*")

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled term: a sequence of (key, strict form) elements, GAP, and an end anchor."""

    elements: tuple[tuple[str, str], ...]
    at_end: bool
    source: str

    @property
    def first(self) -> str:
        return self.elements[0][0]


# A message's words (particles and punctuation set aside), in Stream's arrays: their keys,
# strict forms, token indices, whether punctuation comes before each, sentences, begins, ends.
Words = tuple[list[str], list[str], list[int], list[bool], list[int], list[int], list[int]]


def words_of(tokens: Sequence[Token]) -> Words:
    """The words of these tokens in Stream's arrays (the screener's scan builds the same in
    its own pass: keep the two alike)."""
    keys: list[str] = []
    forms: list[str] = []
    tok: list[int] = []  # token index of each word
    barrier: list[bool] = []  # punctuation between this word and the previous one
    sentences: list[int] = []
    begin: list[int] = []
    end: list[int] = []
    sentence = 0
    pending_barrier = False
    for i, t in enumerate(tokens):
        kind = t.kind
        if kind == KIND_WORD:
            keys.append(t.key)
            forms.append(t.form)
            tok.append(i)
            barrier.append(pending_barrier)
            sentences.append(sentence)
            begin.append(t.begin)
            end.append(t.end)
            pending_barrier = False
        elif kind == KIND_END:
            sentence += 1
            pending_barrier = True
        elif kind == KIND_PUNCT and not t.surface.isspace():
            # A space is not a barrier: people who write in kana put spaces between words
            # (おかね ない, しぬ つもり).
            pending_barrier = True
    return keys, forms, tok, barrier, sentences, begin, end


class Stream:
    """The words of one message (particles and punctuation set aside) in matchable arrays."""

    __slots__ = (
        "barrier",
        "begin",
        "end",
        "forms",
        "keys",
        "keyset",
        "sentence",
        "tok",
        "tokens",
    )

    def __init__(self, tokens: Sequence[Token], words: Words | None = None) -> None:
        """``words``: the arrays of `words_of(tokens)`, when a pass over the tokens already
        built them (the screener's scan); the stream owns them from then on."""
        self.tokens = tokens
        keys, forms, tok, barrier, sentences, begin, end = words or words_of(tokens)
        self.keys = keys
        self.forms = forms
        self.tok = tok
        self.barrier = barrier
        self.sentence = sentences
        self.begin = begin
        self.end = end
        if "ます" in keys:
            self._polite_negation()
        self.keyset = frozenset(keys)  # a pattern needs all its keys here to match at all

    def _polite_negation(self) -> None:
        """Read polite negation as plain: ありません → ない, 眠れません → 眠れない.

        Terms are written in plain form (お金がない); people write politely (お金もありません).
        """
        keys = self.keys
        w = 1
        while w + 1 < len(keys):
            if keys[w] == "ます" and keys[w + 1] == "ぬ" and not self.barrier[w + 1]:
                drop: tuple[int, ...]
                if keys[w - 1] in ("ある", "ござる", "御座る"):
                    keys[w - 1] = "ない"
                    self.tok[w - 1] = self.tok[w + 1]
                    drop = (w, w + 1)
                else:
                    keys[w] = "ない"
                    self.tok[w] = self.tok[w + 1]
                    self.end[w] = self.end[w + 1]
                    drop = (w + 1,)
                for lst in (
                    self.keys,
                    self.forms,
                    self.tok,
                    self.barrier,
                    self.sentence,
                    self.begin,
                ):
                    for i in reversed(drop):
                        del lst[i]
                end_keep = self.end[drop[-1]]
                for i in reversed(drop):
                    del self.end[i]
                self.end[drop[0] - 1] = max(self.end[drop[0] - 1], end_keep)
                continue
            w += 1

    def word_at_or_after(self, char: int) -> int:
        """Index of the first word that ends after ``char`` (for regex matches)."""
        return bisect_right(self.end, char)

    def ends_sentence(self, word: int) -> bool:
        """True when only sentence-final particles follow this word before the sentence ends."""
        tokens = self.tokens
        i = self.tok[word] + 1
        while i < len(tokens):
            t = tokens[i]
            if t.kind in (KIND_END, KIND_PUNCT):
                return True
            if t.kind == KIND_SKIP or (t.pos == "助詞" and t.pos2 == "終助詞"):
                i += 1
                continue
            if t.pos == "助動詞" and t.key in ("だ", "です", "よ"):
                i += 1
                continue
            return False
        return True


class PatternSet(Generic[P]):
    """Many patterns indexed by their first key.

    `find` lists (payload, first word, end word, begin char, end char); for a regex the
    characters are the regex's own span and the words those it overlaps (possibly none).
    """

    def __init__(self) -> None:
        # first key → second key (None: a one-word pattern or a gap second) → patterns, each
        # with the keys it needs (checked before matching: most patterns tried do not match)
        # and whether it is one plain word (matched by its first word: nothing to compare)
        self._index: dict[str, dict[str | None, list[tuple[Pattern, P, frozenset[str], bool]]]] = {}
        self._firsts: frozenset[str] = frozenset()  # the index's keys, as a set
        self._regexes: list[tuple[re.Pattern[str], P]] = []  # as searched (_searcher)
        self._sources: list[str] = []  # the regexes as written, for their gates
        self._gates_built: Gates | None = None

    def add(self, pattern: Pattern, payload: P) -> None:
        elements = pattern.elements
        second = elements[1][0] if len(elements) > 1 and elements[1] != GAP else None
        by_second = self._index.setdefault(pattern.first, {})
        self._firsts = frozenset(self._index)
        bucket = by_second.setdefault(second, [])
        for known, known_payload, _, _ in bucket:
            if known_payload is payload and (known.elements, known.at_end) == (
                elements,
                pattern.at_end,
            ):
                return  # the same reading of another spelling of the same entry
        needs = frozenset(key for key, _ in elements if key != GAP[0])
        one_word = len(elements) == 1 and not elements[0][1] and not pattern.at_end
        bucket.append((pattern, payload, needs, one_word))

    def add_regex(self, regex: re.Pattern[str], payload: P) -> None:
        self._regexes.append((_searcher(regex), payload))
        self._sources.append(regex.pattern)
        self._gates_built = None  # built once, at the first search (adding stays linear)

    @property
    def _gates(self) -> Gates:
        """Each regex is searched only when the text passes its gate (gates.py)."""
        if self._gates_built is None:
            self._gates_built = Gates(self._sources)
        return self._gates_built

    def prepare(self) -> None:
        """Build the regex gates now (else the first search does)."""
        _ = self._gates

    def __bool__(self) -> bool:
        return bool(self._index or self._regexes)

    def find(self, stream: Stream, text: str) -> list[tuple[P, int, int, int, int]]:
        found: list[tuple[P, int, int, int, int]] = []
        keyset = stream.keyset
        starts = keyset.intersection(self._firsts)  # the words that can start a pattern
        if starts:
            keys = stream.keys
            index = self._index
            n = len(keys)
            begins, ends = stream.begin, stream.end
            for w, key in enumerate(keys):
                if key not in starts:
                    continue
                by_second = index[key]
                # patterns indexed by their first word alone, then by their first two words
                for bucket in (
                    by_second.get(None),
                    by_second.get(keys[w + 1]) if w + 1 < n else None,
                ):
                    if bucket is None:
                        continue
                    for pattern, payload, needs, one_word in bucket:
                        if one_word:
                            found.append((payload, w, w + 1, begins[w], ends[w]))
                            continue
                        if not needs <= keyset:
                            continue
                        end = _match(pattern, stream, w)
                        if end is not None:
                            found.append((payload, w, end, begins[w], ends[end - 1]))
        regexes = self._regexes
        gates = self._gates_built  # (the property's check, without its call per message)
        if gates is None and regexes:
            gates = self._gates
        for i in gates.candidates(text) if gates is not None and regexes else ():
            regex, payload = regexes[i]
            for m in regex.finditer(text):
                a, b = m.span()
                if b <= a:
                    continue
                first = stream.word_at_or_after(a)
                stop = bisect_left(stream.begin, b)
                found.append((payload, first, max(first, stop), a, b))
        return found


def _searcher(regex: re.Pattern[str]) -> re.Pattern[str]:
    """The regex with a look-ahead of the characters its matches start with, when re would
    otherwise try the whole regex at every position (an alternation of groups, a look-behind
    first): the same matches, found several times faster in a long text."""
    first = first_class(regex.pattern)
    if first is None:
        return regex
    try:
        return re.compile(f"(?=[{first}])(?:{regex.pattern})", regex.flags)
    except re.error:  # e.g. global flags, which must start the pattern
        return regex


def _match(pattern: Pattern, stream: Stream, start: int) -> int | None:
    """End word index (exclusive) when the pattern matches from ``start``, else None."""
    keys = stream.keys
    forms = stream.forms
    n = len(keys)
    w = start
    elements = pattern.elements
    p = 0
    while p < len(elements):
        key, form = elements[p]
        if key == "…":
            # Find the next element within MAX_GAP words, inside the same sentence.
            nxt_key, nxt_form = elements[p + 1]
            sentence = stream.sentence[w - 1]
            for skip in range(MAX_GAP + 1):
                j = w + skip
                if j >= n or stream.sentence[j] != sentence:
                    return None
                if keys[j] == nxt_key and (not nxt_form or forms[j].startswith(nxt_form)):
                    w = j + 1
                    break
            else:
                return None
            p += 2
            continue
        if w >= n or keys[w] != key or (form and not forms[w].startswith(form)):
            return None
        if p > 0 and stream.barrier[w] and elements[p - 1][0] != "…":
            return None
        w += 1
        p += 1
    if pattern.at_end and not stream.ends_sentence(w - 1):
        return None
    return w
