"""Gates before regexes: the literal strings a text must hold for a regex to match in it.

Most messages match none of the admins' regexes (spellings, dialects, concept and idiom
regexes), and searching each of them costs more than tokenizing the message. A regex's gate is
a set of strings one of which every text it matches in contains (read from the regex's parse
tree); `Gates.candidates` tells, with one pass over the text, which regexes can match at all,
so that only those are searched. A gate only ever leaves out regexes that cannot match.

All gates share the set of grams any of them looks for (grown as gates are built) and a cache
of the grams of the last few texts looked up (a message is looked up by three gates).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from operator import add
from re import _parser as sre  # type: ignore[attr-defined]
from typing import Any, Final

_MAX_STRINGS: Final = 400  # literal runs: no more strings than this (they multiply)
_MAX_UNION: Final = 4000  # the alternatives of a group: their gates together
_MAX_CLASS: Final = 24  # a character class of more characters is no gate
_MAX_FIRST_RANGE: Final = 512  # first characters: a range of up to this many still helps
# The share of messages that hold a string of 1, 2, 3, 4 or more characters, roughly (_cost).
_COST_KANA: Final = 0.3
_COSTS: Final = (0.0, 0.05, 0.01, 0.002, 0.0004)

Strings = frozenset[str]
Item = tuple[Any, Any]


def must_contain(pattern: str) -> Strings | None:
    """Strings one of which is in every text the regex finds a match in; None when unknown.

    Every string is at least one character long. Look-arounds count too: what a look-ahead or
    look-behind requires is in the text, if not in the match.
    """
    try:
        parsed = sre.parse(pattern)
    except Exception:  # an invalid regex is reported by the config loader, not here
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    return _of_sequence(list(parsed))


def _better(a: Strings | None, b: Strings | None) -> Strings | None:
    """The more selective gate: the one fewer texts are likely to pass."""
    if a is None:
        return b
    if b is None:
        return a
    return b if _cost(b) < _cost(a) else a


def _cost(strings: Strings) -> float:
    """How many texts a gate lets through, roughly: a lone hiragana (が, は) is in most
    messages, another lone character in some, a longer string in few."""
    return sum(
        _COST_KANA if len(s) == 1 and "\u3041" <= s <= "\u3096" else _COSTS[min(len(s), 4)]
        for s in strings
    )


def _of_sequence(items: list[Item]) -> Strings | None:
    """A gate of items that all match one after the other: the best of each item's own gate
    and of the literal runs (adjacent items whose texts are known, concatenated, with what a
    look-behind before them or a look-ahead after them requires)."""
    best: Strings | None = None
    run: set[str] = {""}  # one of these ends where the match has got to
    for op, arg in items:
        if _zero_width(op, arg):
            ahead = _around(op, arg, ahead=True)
            if ahead is not None:
                best = _better(best, _product(run, ahead))
            behind = _around(op, arg, ahead=False)
            if behind is not None and run == {""}:
                run = set(behind)
            best = _better(best, _of_item(op, arg))
            continue  # the run goes on after it
        own = _of_item(op, arg)  # a group's own gate may beat the texts it can match
        best = _better(best, own)
        exact = _exact(op, arg)
        if exact is not None and "" in exact:  # an optional item: the run so far, before it
            best = _better(best, _product(run, {""}))
        if exact is not None:
            grown = _product(run, exact, keep_empty=True)
            if grown is not None:
                run = set(grown)
                continue
        best = _better(best, _product(run, {""}))  # the run so far
        run = set(exact) if exact is not None and len(exact) <= _MAX_STRINGS else {""}
    return _better(best, _product(run, {""}))


def _zero_width(op: Any, arg: Any) -> bool:
    """A look-around, an anchor, or a group of alternatives made only of those."""
    name = str(op)
    if name in ("ASSERT", "ASSERT_NOT", "AT"):
        return True
    if name in ("SUBPATTERN", "BRANCH"):
        branches = arg[1] if name == "BRANCH" else [arg[3]]
        return all(all(_zero_width(*item) for item in branch) for branch in branches)
    return False


def _around(op: Any, arg: Any, ahead: bool) -> Strings | None:
    """The texts a look-ahead (or look-behind) requires right after (before) the position,
    for one look-around or a group of alternatives each of which is one."""
    name = str(op)
    if name == "ASSERT":
        return _exact_sequence(list(arg[1])) if (arg[0] > 0) == ahead else None
    if name in ("SUBPATTERN", "BRANCH"):
        branches = arg[1] if name == "BRANCH" else [arg[3]]
        out: set[str] = set()
        for branch in branches:
            items = list(branch)
            inner = _around(items[0][0], items[0][1], ahead) if len(items) == 1 else None
            if inner is None:
                return None
            out |= inner
        return frozenset(out)
    return None


def _product(run: set[str], tails: Strings | set[str], keep_empty: bool = False) -> Strings | None:
    """Every run string followed by every tail; None when too many, or (unless keep_empty)
    when the empty string is among them (a gate with it lets every text through)."""
    if len(run) * len(tails) > _MAX_STRINGS:
        return None
    out = frozenset(a + b for a in run for b in tails)
    return out if keep_empty else _drop_empty(out)


def _drop_empty(strings: Strings) -> Strings | None:
    """A set with the empty string in it gates nothing (the text always holds '')."""
    return None if "" in strings else strings


def _of_item(op: Any, arg: Any) -> Strings | None:
    """A gate of one item that must match."""
    name = str(op)
    if name == "ASSERT":  # what a look-around requires is in the text
        return _of_sequence(list(arg[1]))
    if name == "SUBPATTERN":
        if arg[1] & re.IGNORECASE:
            return None
        return _of_sequence(list(arg[3]))
    if name == "ATOMIC_GROUP":
        return _of_sequence(list(arg))
    if name == "BRANCH":
        out: set[str] = set()
        for branch in arg[1]:
            inner = _of_sequence(list(branch))
            if inner is None:
                return None
            out |= inner
        return frozenset(out) if len(out) <= _MAX_UNION else None
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _, body = arg
        return _of_sequence(list(body)) if low >= 1 else None
    return _drop_empty(_exact(op, arg) or frozenset({""}))


def _exact(op: Any, arg: Any) -> Strings | None:
    """Every text the item can match, when that is a short list of literal strings."""
    name = str(op)
    if name == "LITERAL":
        return frozenset({chr(arg)})
    if name == "IN":
        letters: set[str] = set()
        for kind, value in arg:
            if str(kind) == "LITERAL":
                letters.add(chr(value))
            elif str(kind) == "RANGE" and value[1] - value[0] < _MAX_CLASS:
                letters.update(chr(c) for c in range(value[0], value[1] + 1))
            else:
                return None  # a negated class, a category, a wide range
        return frozenset(letters)
    if name == "SUBPATTERN":
        if arg[1] & re.IGNORECASE:
            return None
        return _exact_sequence(list(arg[3]))
    if name == "BRANCH":
        out: set[str] = set()
        for branch in arg[1]:
            inner = _exact_sequence(list(branch))
            if inner is None:
                return None
            out |= inner
        return frozenset(out) if len(out) <= _MAX_STRINGS else None
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = arg
        inner = _exact_sequence(list(body))
        if inner is None or (low, high) not in ((0, 1), (1, 1)):
            return None
        return inner | {""} if low == 0 else inner
    if name in ("ASSERT", "ASSERT_NOT", "AT"):
        return frozenset({""})  # zero-width
    return None


def _exact_sequence(items: list[Item]) -> Strings | None:
    out: set[str] = {""}
    for op, arg in items:
        exact = _exact(op, arg)
        if exact is None or len(out) * len(exact) > _MAX_STRINGS:
            return None
        out = {a + b for a in out for b in exact}
    return frozenset(out)


class _FirstOf:
    """Collects the characters a match can start with (first_chars, first_class).

    Narrow (``wide=False``): literal characters only, as gate strings need. Wide: a
    character class may also hold wide ranges and categories (\\d, \\s, \\w), and a
    look-ahead is stepped over (it consumes nothing: what follows starts the match).
    """

    def __init__(self, wide: bool) -> None:
        self.wide = wide
        self.chars: set[str] = set()
        self.ranges: set[tuple[int, int]] = set()
        self.categories: set[str] = set()

    def of(self, items: list[Item]) -> bool | None:
        """True: first characters collected; False: unknown; None: zero-width so far."""
        for op, arg in items:
            name = str(op)
            if name in ("ASSERT", "ASSERT_NOT") and (arg[0] < 0 or self.wide):
                continue  # a look-behind consumes nothing
            if name == "AT":
                continue
            if name == "LITERAL":
                self.chars.add(chr(arg))
                return True
            if name == "IN":
                return self._of_class(arg)
            if name == "SUBPATTERN" and arg[1] & re.IGNORECASE:
                return False
            if name in ("BRANCH", "SUBPATTERN"):
                branches = arg[1] if name == "BRANCH" else [arg[-1]]
                results = [self.of(list(branch)) for branch in branches]
                if any(r is False for r in results):
                    return False
                if all(r is True for r in results):
                    return True
                if all(r is None for r in results):
                    continue
                return False
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, _, body = arg
                inner = self.of(list(body))
                if inner is False:
                    return False
                if low == 0 or inner is None:
                    continue  # optional ((?:i\s*)?): what follows may start the match too
                return True
            return False
        return None

    def _of_class(self, arg: Any) -> bool:
        for kind, value in arg:
            kind_name = str(kind)
            if kind_name == "LITERAL":
                self.chars.add(chr(value))
            elif kind_name == "RANGE" and value[1] - value[0] < _MAX_FIRST_RANGE:
                self.chars.update(chr(c) for c in range(value[0], value[1] + 1))
            elif kind_name == "RANGE" and self.wide:
                self.ranges.add(value)
            elif kind_name == "CATEGORY" and self.wide and str(value) in _CATEGORIES:
                self.categories.add(_CATEGORIES[str(value)])
            else:
                return False  # a negated class, or (narrow) a category or a wide range
        return True


# A category of a character class, written as in a class (Unicode: a superset of ASCII's).
_CATEGORIES: Final = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _parse(pattern: str) -> Any:
    try:
        parsed = sre.parse(pattern)
    except Exception:  # an invalid regex is reported by the config loader, not here
        return None
    return None if parsed.state.flags & re.IGNORECASE else parsed


def first_chars(patterns: Sequence[str]) -> set[str] | None:
    """Every character a match of these regexes can start with, or None when unknown."""
    first = _FirstOf(wide=False)
    for pattern in patterns:
        parsed = _parse(pattern)
        if parsed is None or first.of(list(parsed)) is not True:
            return None
    return first.chars


def first_class(pattern: str) -> str | None:
    """The inside of a character class ``[...]`` that holds every character a match of the
    regex can start with; None when unknown, or when re finds the start by itself (the regex
    begins with a literal, a class, alternatives that each begin with a literal, or ``^``),
    so that a look-ahead of it would only cost time."""
    parsed = _parse(pattern)
    if parsed is None or _scanned_by_re(list(parsed)):
        return None
    first = _FirstOf(wide=True)
    if first.of(list(parsed)) is not True:
        return None
    return "".join(
        [
            re.escape("".join(sorted(first.chars))),
            *(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in sorted(first.ranges)),
            *sorted(first.categories),
        ]
    )


def _scanned_by_re(items: list[Item]) -> bool:
    """Whether re itself skips to where a match can start (a literal prefix, a class, or a
    branch of literals first, as re's compiler reads them), or tries the start only (^)."""
    while items and str(items[0][0]) == "SUBPATTERN" and not items[0][1][1] & re.IGNORECASE:
        items = list(items[0][1][3])
    if not items:
        return False
    op, arg = items[0]
    name = str(op)
    if name in ("LITERAL", "IN", "AT"):
        return True
    return name == "BRANCH" and all(
        len(branch) and str(branch[0][0]) == "LITERAL" for branch in arg[1]
    )


class Gates:
    """The gates of a list of regexes, indexed so that one pass over a text finds the
    regexes that can match in it."""

    def __init__(self, patterns: Sequence[str]) -> None:
        # first one or two characters of a gate string → regex → its gate strings starting so
        by_gram: dict[str, dict[int, list[str]]] = {}
        always: list[int] = []
        for i, pattern in enumerate(patterns):
            strings = must_contain(pattern)
            first = first_chars([pattern])
            if first is not None:
                strings = _better(strings, frozenset(first))
            if strings is None:
                always.append(i)
                continue
            for gate in sorted(strings):
                by_gram.setdefault(gate[:2], {}).setdefault(i, []).append(gate)
        self._always = tuple(always)
        # per gram: the regexes whose gate string is the gram itself (nothing more to check),
        # and the others, with their gate strings that start with the gram
        self._by_gram = {
            gram: (
                frozenset(i for i, gates in by_regex.items() if gram in gates),
                tuple((i, tuple(gates)) for i, gates in by_regex.items() if gram not in gates),
            )
            for gram, by_regex in by_gram.items()
        }
        self._grams = frozenset(by_gram)
        global _known_grams
        if not self._grams <= _known_grams:
            _known_grams = _known_grams | self._grams
            text_grams.cache_clear()  # texts seen before may hold the new grams

    def candidates(self, text: str) -> tuple[int, ...]:
        """The regexes whose gate the text passes (all that can match in it), in order."""
        hits = text_grams(text)
        if not hits:
            return self._always
        found = set(self._always)
        by_gram = self._by_gram
        for gram in self._grams.intersection(hits):  # (not the other gates' grams)
            passed, to_check = by_gram[gram]
            if passed:
                found |= passed
            for i, gates in to_check:
                if i in found:
                    continue
                for gate in gates:
                    if gate in text:
                        found.add(i)
                        break
        return tuple(sorted(found)) if found else ()  # (most texts pass no gate)


# Every gram (one or two characters) that some gate looks for. A text's grams are kept only
# when they are among these: each Gates then looks at a handful, not at every pair in the text.
_known_grams: frozenset[str] = frozenset()


@lru_cache(maxsize=4)  # one message is looked up by several gates (spellings, concepts, idioms)
def text_grams(text: str) -> frozenset[str]:
    """The characters and the pairs of adjacent characters of a text that a gate looks for."""
    known = _known_grams
    return known.intersection(text).union(known.intersection(map(add, text, text[1:])))
