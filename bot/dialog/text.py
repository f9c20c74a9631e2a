"""Matching what a person typed against phrases admins wrote, forgiving width, case and
punctuation (「やめる。」 and 「ﾔﾒﾙ」 should both stop), and counting text the way LINE does."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable


def normalize(text: str) -> str:
    """NFKC, lower case, katakana folded to hiragana, punctuation, symbols and spaces removed."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFKC", text).lower():
        cat = unicodedata.category(ch)
        if cat[0] in "PSZC":
            continue
        code = ord(ch)
        if 0x30A1 <= code <= 0x30F6:  # katakana → hiragana, so admins list one spelling
            ch = chr(code - 0x60)
        out.append(ch)
    return "".join(out)


# A turn matches one text against many intents: the text is normalized once (the cache holds
# the few texts of the turns in flight), each admin phrase once per script version.
_text_form = functools.lru_cache(maxsize=16)(normalize)
_phrase_form = functools.lru_cache(maxsize=16384)(normalize)


def matches_exact(text: str, phrases: Iterable[str]) -> bool:
    norm = _text_form(text)
    return bool(norm) and any(norm == _phrase_form(p) for p in phrases)


def contains_any(text: str, phrases: Iterable[str]) -> bool:
    norm = _text_form(text)
    return bool(norm) and any((form := _phrase_form(p)) and form in norm for p in phrases)


def utf16_len(text: str) -> int:
    """Length as LINE counts it (UTF-16 code units: an emoji counts as 2)."""
    return len(text.encode("utf-16-le")) // 2
