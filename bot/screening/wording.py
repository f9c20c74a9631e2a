"""The wording model: a second reader of how a conversation is worded, for what the rules miss.

The rules of ``screener.py`` read structure (who wants what, when, with what) but only over the
words the concept lists name. People in crisis often write nothing those lists name: a new
euphemism, a place nobody listed, a farewell in their own words. The wording model reads the
last few messages as character n-grams (one to three characters of the normalized text, so
dialect rewrites, emoji words and joined letters count) and gives the probability that a
conversation worded like this is a crisis (high or imminent), from a logistic regression trained
on every labelled conversation of ``tests/data/``.

It only ever raises. Its first head (crisis or not): when the rules give less than high and
the probability is at least ``wording.threshold`` of ``config/screening.yaml`` (``overrule``
where the rules read crisis words themselves), the conversation is high, and the case card
shows the clause whose wording weighed most (文面の全体像（統計的な見立て）：「…」). Its second
head (imminent or not): a conversation the rules themselves put at high becomes imminent from
``wording.imminent``; the model alone never makes anything imminent. It stays silent on a
message whose crisis words the rules have read as an idiom, a quote, someone else's words or a
past that is over (the rules know grammar it cannot see).

The model file (``wording_model.json`` beside this module) holds, per n-gram, its inverse
document frequency and its weight; scoring needs no library. Training needs scikit-learn (a dev
dependency): ``python -m bot screen --train-wording`` retrains it from the labelled sets, and the
file records their hashes so a test says when a labelled set changed and the model was not
retrained. ``python -m bot screen --cross-validate`` gives the honest figures: each labelled set
scored by a model trained without it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

MODEL_FILE: Final = Path(__file__).with_name("wording_model.json")
FORMAT: Final = 2
# The heads: one logistic regression each over the same n-grams (the same idf).
CRISIS: Final = 0  # high or imminent
IMMINENT: Final = 1  # imminent
HEADS: Final = ("crisis", "imminent")
NGRAMS: Final = (1, 3)  # (ngrams() spells these sizes out)
C: Final = 4.0  # inverse regularization strength (chosen by cross-validation over the sets)
MIN_DF: Final = 2  # an n-gram seen in one conversation only is not kept
_CLAUSE_ENDS: Final = frozenset("。、．，,.!！?？\n 　…")


def ngrams(text: str) -> list[str]:
    """The character n-grams of a text, word by word (a space-separated word padded with one
    space on each side: the same features at training and at scoring time)."""
    out: list[str] = []
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        out += padded  # the single characters
        out += [padded[i : i + 2] for i in range(size - 1)]
        out += [padded[i : i + 3] for i in range(size - 2)]
    return out


def _counts(text: str) -> Counter[str]:
    return Counter(ngrams(text))


@dataclass(frozen=True, slots=True)
class WordingModel:
    """Per n-gram (idf, the weight of each head) and each head's intercept: logistic
    regressions over the same tf-idf values."""

    vocabulary: dict[str, tuple[float, ...]]
    biases: tuple[float, ...]  # one per head (HEADS); a model may have fewer heads
    trained_on: dict[str, str]  # labelled file name → sha256 of its bytes

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> WordingModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"{path}: unknown wording model format {data.get('format')!r}")
        biases = tuple(float(b) for b in data["biases"])
        width = 1 + len(biases)
        vocabulary = {
            str(k): tuple(float(x) for x in v[:width]) for k, v in data["vocabulary"].items()
        }
        if any(len(v) != width for v in vocabulary.values()):
            raise ValueError(f"{path}: an n-gram lacks a weight for a head")
        return cls(vocabulary, biases, dict(data.get("trained_on", {})))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "ngrams": list(NGRAMS),
            "heads": list(HEADS[: len(self.biases)]),
            "biases": [round(b, 6) for b in self.biases],
            "trained_on": self.trained_on,
            "vocabulary": {
                k: [round(x, 5) for x in entry] for k, entry in sorted(self.vocabulary.items())
            },
        }

    def _weighted(self, text: str) -> tuple[dict[str, float], float]:
        """tf-idf values (sublinear tf) of the known n-grams and their Euclidean norm."""
        vocabulary = self.vocabulary
        values: dict[str, float] = {}
        total = 0.0
        for gram, count in _counts(text).items():
            entry = vocabulary.get(gram)
            if entry is None:
                continue
            value = (1.0 + math.log(count)) * entry[0]
            values[gram] = value
            total += value * value
        return values, math.sqrt(total)

    def probability(self, texts: Sequence[str], head: int = CRISIS) -> float:
        """How likely a crisis is (head CRISIS) or an imminent one (IMMINENT), for these
        messages read together (oldest first); 0.0 for a head the model does not have."""
        if head >= len(self.biases):
            return 0.0
        weight = 1 + head
        vocabulary = self.vocabulary
        get = vocabulary.get
        log = math.log
        total = 0.0  # the squared norm of the tf-idf values
        z = 0.0  # the weights times the values (divided by the norm below)
        for gram, count in _counts("\n".join(texts)).items():
            entry = get(gram)
            if entry is None:
                continue
            value = entry[0] if count == 1 else (1.0 + log(count)) * entry[0]
            total += value * value
            z += entry[weight] * value
        if total:
            z /= math.sqrt(total)
        z += self.biases[head]
        if z < -60.0:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def strongest_clause(self, texts: Sequence[str], head: int = CRISIS) -> tuple[int, int] | None:
        """The span of the newest message's clause whose wording weighs most towards a
        crisis (in the newest text's characters), or None when nothing in it does."""
        if not texts:
            return None
        values, norm = self._weighted("\n".join(texts))
        newest = texts[-1]
        if not norm or not newest:
            return None
        vocabulary = self.vocabulary
        weight = [0.0] * len(newest)
        low, high = NGRAMS
        for n in range(low, high + 1):
            for i in range(len(newest) - n + 1):
                value = values.get(newest[i : i + n])
                if value is None:
                    continue
                share = vocabulary[newest[i : i + n]][1 + head] * value / norm / n
                for k in range(i, i + n):
                    weight[k] += share
        best: tuple[float, int, int] | None = None
        start = 0
        for end in range(len(newest) + 1):
            if end == len(newest) or newest[end] in _CLAUSE_ENDS:
                if end > start:
                    score = sum(weight[start:end])
                    if score > 0 and (best is None or score > best[0]):
                        best = (score, start, end)
                start = end + 1
        return (best[1], best[2]) if best is not None else None


def file_hashes(paths: Iterable[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths)}


def train(
    conversations: Sequence[tuple[Sequence[str], Sequence[bool]]],
    normalize: Callable[[str], str],
    trained_on: dict[str, str],
) -> WordingModel:
    """Fit the model: (messages, the label of each head) pairs, e.g. (is it a crisis, is it
    imminent); messages are normalized the way the screener normalizes them. Needs
    scikit-learn (``make install`` puts it in the dev venv)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = ["\n".join(normalize(m) for m in messages) for messages, _ in conversations]
    vectorizer = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, min_df=MIN_DF)
    matrix = vectorizer.fit_transform(texts)
    heads = min(len(labels) for _, labels in conversations)
    coefs = []
    biases = []
    for head in range(heads):
        labels = [bool(flags[head]) for _, flags in conversations]
        fitted = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(matrix, labels)
        coefs.append(fitted.coef_[0])
        biases.append(float(fitted.intercept_[0]))
    names = vectorizer.get_feature_names_out()
    idf = vectorizer.idf_
    vocabulary = {
        str(names[i]): (float(idf[i]), *(float(c[i]) for c in coefs)) for i in range(len(names))
    }
    return WordingModel(vocabulary, tuple(biases), trained_on)
