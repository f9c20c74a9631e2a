"""Sudachi tokenization reduced to what matching needs: a comparable key per token.

Every token becomes a `Token` whose `key` is Sudachi's normalized form (so 死にてえ, しにたい and
死にたかった share 死ぬ + たい), plus the few part-of-speech facts the matcher uses. Lexicon terms
are tokenized the same way, so an admin writes 死にたい once and every conjugation matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

from sudachipy import Dictionary, Morpheme, SplitMode

# Sudachi accepts at most ~49 kB of UTF-8 per call; Japanese is 3 bytes a character, so chunks of
# 4,000 characters stay far below the limit even for 4-byte characters.
CHUNK_CHARS: Final = 4000

# Keys that Sudachi spells two ways depending on the part of speech (無い adjective vs ない
# auxiliary): one key for both so that negation and patterns see the same thing.
KEY_ALIASES: Final = {
    "無い": "ない",
    "為る": "する",
    "居る": "いる",
    "成る": "なる",
    "良い": "いい",
    "有る": "ある",
    "御金": "お金",
    "ず": "ぬ",
}

# Particles that carry no meaning for matching: 薬を全部飲んだ and 薬全部飲んだ match one term.
# Particles outside this set (しか, ほど, ば, て, けど...) are kept because they change meaning.
SKIPPABLE_PARTICLES: Final = frozenset(
    {
        "を",
        "が",
        "に",
        "で",
        "へ",
        "は",
        "も",
        "の",
        "と",
        "って",
        "から",
        "まで",
        "や",
        "なんて",
        "なんか",
        "など",
    }
)

# Sentence ends: matches never cross them, and attribution (who is speaking) is per sentence.
SENTENCE_END: Final = frozenset({"。", "！", "？", "!", "?", "\n", "．", "…", "‥"})

# Conjugation forms that change meaning (volitional 死のう, imperative 死ね, conditional 死ねば):
# a pattern token in one of these forms only matches a message token in the same form.
STRICT_FORMS: Final = ("意志推量形", "命令形", "仮定形")

KIND_WORD: Final = 0
KIND_SKIP: Final = 1  # a meaningless particle: patterns step over it
KIND_PUNCT: Final = 2  # punctuation or blank: patterns never cross it
KIND_END: Final = 3  # sentence end


class Token(NamedTuple):
    """One Sudachi morpheme, positioned in the normalized text (a tuple: cheap to build)."""

    key: str  # normalized form (aliased), what patterns compare
    surface: str
    begin: int
    end: int
    kind: int
    pos: str  # first part-of-speech field (名詞, 動詞, 助詞, 助動詞...)
    pos2: str  # second field (格助詞, 接続助詞...)
    form: str  # conjugation form, '' when not inflected or not strict
    oov: bool
    cform: str  # the full conjugation form (終止形-一般, 仮定形-一般, 意志推量形...), '' if none
    ctype: str  # the conjugation type (五段-ナ行, 下一段-ナ行, 助動詞-タ...), '' if none


@dataclass(frozen=True, slots=True)
class _PosInfo:
    pos: str
    pos2: str
    form: str
    punct: bool
    skippable: bool  # a particle that may be skipped (not a conjunctive one like けど, て)
    cform: str
    ctype: str


# What a dictionary word always tokenizes to (everything but its surface and position):
# (key, kind or -1 when the kind depends on the surface, pos, pos2, strict form, full form, type).
_Word = tuple[str, int, str, str, str, str, str]

_new_token = tuple.__new__  # Token(...) runs NamedTuple's Python-level __new__: 3x slower


class SudachiTokenizer:
    """One Sudachi tokenizer (not thread-safe: one per Screener, used from one thread)."""

    def __init__(self) -> None:
        self._dictionary = Dictionary()
        self._tokenizer = self._dictionary.tokenizer(mode=SplitMode.A)
        self._pos: dict[int, _PosInfo] = {}
        # Dictionary words by Sudachi word id: their normalized form and part of speech are
        # the dictionary's, the same every time (the lexicon's vocabulary, never a person's
        # words: out-of-vocabulary morphemes are not remembered).
        self._words: dict[int, _Word] = {}
        # The morphemes of each call are written into this one list (Sudachi's `out`): no new
        # list per message. Only _tokenize_chunk uses it, and keeps nothing of it.
        self._morphemes = self._tokenizer.tokenize("")

    def raw(self, text: str) -> int:
        """Tokenize without building tokens (the benchmark's baseline); returns the count."""
        count = 0
        for chunk_start, chunk_end in chunks(text):
            count += len(self._tokenizer.tokenize(text[chunk_start:chunk_end]))
        return count

    def reading(self, text: str) -> str:
        """The text's reading in hiragana (for kana variants of admin terms: 手すり → てすり)."""
        out: list[str] = []
        for m in self._tokenizer.tokenize(text):
            reading = m.reading_form()
            out.append(reading.translate(_KATA_TO_HIRA) if reading else m.surface())
        return "".join(out)

    def tokenize(self, text: str) -> list[Token]:
        out: list[Token] = []
        if len(text) <= CHUNK_CHARS:  # one chunk: the whole text (most messages)
            self._tokenize_chunk(text, 0, out)
            return out
        for chunk_start, chunk_end in chunks(text):
            self._tokenize_chunk(text[chunk_start:chunk_end], chunk_start, out)
        return out

    def _info(self, pos_id: int) -> _PosInfo:
        info = self._pos.get(pos_id)
        if info is None:
            pos = self._dictionary.pos_of(pos_id)
            form = pos[5] if pos[5] != "*" else ""
            strict = next((f for f in STRICT_FORMS if form.startswith(f)), "")
            info = _PosInfo(
                pos[0],
                pos[1],
                strict,
                pos[0] in ("補助記号", "空白"),
                pos[0] == "助詞" and pos[1] != "接続助詞",
                form,
                pos[4] if pos[4] != "*" else "",
            )
            self._pos[pos_id] = info
        return info

    def _word(self, m: Morpheme) -> tuple[_Word, bool]:
        """Key, kind and part of speech of a morpheme (remembered for dictionary words)."""
        info = self._info(m.part_of_speech_id())
        key = m.normalized_form()
        key = KEY_ALIASES.get(key, key)
        kind = -1 if info.punct or info.skippable else KIND_WORD
        word = (key, kind, info.pos, info.pos2, info.form, info.cform, info.ctype)
        oov = m.is_oov()
        if not oov:
            # Sudachi reads a dictionary word's normalized form and part of speech from the
            # dictionary by word id; out-of-vocabulary ids are shared by all unknown words of
            # one part of speech (and joined numbers get a computed normalized form).
            if len(self._words) >= _MAX_REMEMBERED_WORDS:
                self._words.clear()  # bounded memory in a long-running process
            self._words[m.word_id()] = word
        return word, oov

    def _tokenize_chunk(self, text: str, offset: int, out: list[Token]) -> None:
        words = self._words
        append = out.append
        begin = offset  # morphemes cover the text contiguously: no need to ask for begin()
        for m in self._tokenizer.tokenize(text, out=self._morphemes):
            surface = m.surface()
            word = words.get(m.word_id())
            oov = False
            if word is None:
                word, oov = self._word(m)
            key, kind, pos, pos2, form, cform, ctype = word
            if kind < 0:
                if pos in ("補助記号", "空白"):
                    kind = KIND_END if surface in SENTENCE_END or "\n" in surface else KIND_PUNCT
                elif surface in SKIPPABLE_PARTICLES:
                    kind = KIND_SKIP
                else:
                    kind = KIND_WORD
            end = begin + len(surface)
            token = (
                key,
                surface,
                begin,
                end,
                kind,
                pos,
                pos2,
                form,
                oov and pos == "名詞",
                cform,
                ctype,
            )
            append(_new_token(Token, token))
            begin = end


_KATA_TO_HIRA: Final = {cp: cp - 0x60 for cp in range(0x30A1, 0x30F7)}
_MAX_REMEMBERED_WORDS = 100_000  # distinct dictionary words (a few tens of MB at most)


def chunks(text: str) -> list[tuple[int, int]]:
    """Split long text into pieces Sudachi accepts, preferring sentence ends as cut points."""
    if len(text) <= CHUNK_CHARS:
        return [(0, len(text))]
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = min(start + CHUNK_CHARS, len(text))
        if end < len(text):
            cut = max(text.rfind(ch, start + CHUNK_CHARS // 2, end) for ch in "。！？\n")
            if cut > start:
                end = cut + 1
        spans.append((start, end))
        start = end
    return spans
