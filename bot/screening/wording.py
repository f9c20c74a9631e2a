"""The wording model: a second reader of how a conversation is worded, for what the rules miss.

The rules of ``screener.py`` read structure (who wants what, when, with what) but only over the
words the concept lists name. People in crisis often write nothing those lists name: a new
euphemism, a place nobody listed, a farewell in their own words. The wording model reads the
last few messages as character n-grams (one to three characters of the normalized text, so
dialect rewrites, emoji words and joined letters count) and gives the probability that a
conversation worded like this is a crisis (high or imminent), from a logistic regression trained
on every labelled conversation of ``tests/data/``.

It raises, and lowers only by ``wording.doubt`` (never below moderate). Its first head (crisis or not): when the rules give less than high and
the probability is at least ``wording.threshold`` of ``config/screening.yaml`` (``overrule``
where the rules read crisis words themselves), the conversation is high, and the case card
shows the clause whose wording weighed most (文面の全体像（統計的な見立て）：「…」). Its second
head (imminent or not): a conversation at high (by the rules or by the first head) becomes
imminent from ``wording.imminent``. It stays silent on a message whose crisis words the rules
have read as an idiom, a quote, someone else's words or a past that is over (the rules know
grammar it cannot see). Its flag heads (harm_to_others, child_in_danger) flag a conversation
from ``wording.flags``, and one head per factor id lists the life problem from
``wording.factors``, each with the words that weighed most.

The model file (``wording_model.json.gz`` beside this module) holds, per n-gram, its inverse
document frequency and the weight of each head; scoring needs numpy only. Training needs
scikit-learn (a dev dependency): ``python -m bot screen --train-wording`` retrains it from the
labelled sets, and the file records their hashes so a test says when a labelled set changed and the model was not
retrained. ``python -m bot screen --cross-validate`` gives the honest figures: each labelled set
scored by a model trained without it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

MODEL_FILE: Final = Path(__file__).with_name("wording_model.json.gz")
FORMAT: Final = 3
# The heads: one logistic regression each over the same n-grams (the same idf). The first two
# are always there; the flag heads (FLAG_HEADS) and one head per factor id
# (FACTOR_PREFIX + id) follow when the labelled sets have enough examples of them.
CRISIS: Final = 0  # high or imminent
IMMINENT: Final = 1  # imminent
HEADS: Final = ("crisis", "imminent")
FLAG_HEADS: Final = ("harm_to_others", "child_in_danger")
FACTOR_PREFIX: Final = "factor:"
MIN_POSITIVES: Final = 10  # a flag or factor with fewer labelled conversations gets no head
NGRAMS: Final = (1, 3)  # (ngrams() spells these sizes out)
C: Final = 4.0  # inverse regularization strength (chosen by cross-validation over the sets)
MIN_DF: Final = 2  # an n-gram seen in one conversation only is not kept
# 1 + log(tf) for tf = 0..._MAX_TF (sublinear tf; a count above it is read as _MAX_TF)
_MAX_TF: Final = 4096
_SUBLINEAR: Final = np.concatenate(([0.0], 1.0 + np.log(np.arange(1, _MAX_TF + 1))))
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


class WordingModel:
    """Per n-gram its idf and the weight of each head, and each head's intercept: logistic
    regressions over the same tf-idf values. Scoring reads every head in one pass (numpy)."""

    __slots__ = ("_biases", "_idf", "_index", "_weights", "biases", "heads", "trained_on")

    def __init__(
        self,
        vocabulary: Mapping[str, Sequence[float]],
        biases: Sequence[float],
        trained_on: Mapping[str, str],
        heads: Sequence[str] | None = None,
    ) -> None:
        """``vocabulary``: n-gram → (idf, the weight of each head); ``heads``: their names
        (default: the first of HEADS, as many as there are biases)."""
        width = 1 + len(biases)
        if any(len(v) != width for v in vocabulary.values()):
            raise ValueError("an n-gram lacks a weight for a head")
        table = np.array(list(vocabulary.values()), dtype=np.float64).reshape(-1, width)
        self._setup(list(vocabulary), table[:, 0], table[:, 1:], biases, trained_on, heads)

    def _setup(
        self,
        grams: list[str],
        idf: FloatArray,
        weights: FloatArray,
        biases: Sequence[float],
        trained_on: Mapping[str, str],
        heads: Sequence[str] | None,
    ) -> None:
        self.biases = tuple(float(b) for b in biases)
        self.heads = tuple(heads) if heads is not None else HEADS[: len(self.biases)]
        if len(self.heads) != len(self.biases):
            raise ValueError("a wording model needs one name per head")
        self.trained_on = dict(trained_on)
        self._index = {gram: i for i, gram in enumerate(grams)}
        self._idf: FloatArray = np.ascontiguousarray(idf, dtype=np.float64)
        self._weights: FloatArray = np.ascontiguousarray(weights, dtype=np.float64)
        self._biases: FloatArray = np.array(self.biases, dtype=np.float64)
        # the tf-idf vector has norm 1, so |z| is at most a head's weight norm plus its bias:
        # exp(-z) cannot overflow below 700 (a model beyond that is refused, not clipped)
        if (
            len(self.biases)
            and float(np.max(np.linalg.norm(self._weights, axis=0) + np.abs(self._biases))) > 700.0
        ):
            raise ValueError("a head's weights are too large to score")

    @property
    def vocabulary(self) -> Mapping[str, int]:
        """The n-grams the model knows (each with its row in the weights)."""
        return self._index

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> WordingModel:
        raw = path.read_bytes()
        data = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
        if data.get("format") != FORMAT:
            raise ValueError(f"{path}: unknown wording model format {data.get('format')!r}")
        heads = [str(h) for h in data["heads"]]
        grams = [str(g) for g in data["grams"]]
        weights = data["weights"]
        if len(weights) != len(heads) or any(len(c) != len(grams) for c in (data["idf"], *weights)):
            raise ValueError(f"{path}: an n-gram lacks a weight for a head")
        model = cls.__new__(cls)
        try:
            model._setup(
                grams,
                np.array(data["idf"], dtype=np.float64),
                np.array(weights, dtype=np.float64).T.reshape(len(grams), len(heads)),
                data["biases"],
                data.get("trained_on", {}),
                heads,
            )
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc
        return model

    def to_json(self) -> dict[str, Any]:
        order = sorted(self._index)
        rows = [self._index[g] for g in order]
        return {
            "format": FORMAT,
            "ngrams": list(NGRAMS),
            "heads": list(self.heads),
            "biases": [round(b, 6) for b in self.biases],
            "trained_on": self.trained_on,
            "grams": order,
            "idf": [round(float(x), 5) for x in self._idf[rows]],
            "weights": [
                [round(float(x), 5) for x in self._weights[rows, h]] for h in range(len(self.heads))
            ],
        }

    def save(self, path: Path = MODEL_FILE) -> None:
        text = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n"
        # mtime 0: the same model gives the same bytes
        path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))

    def probabilities(self, texts: Sequence[str]) -> FloatArray:
        """Every head's probability for these messages read together (oldest first)."""
        get = self._index.get
        rows: list[int] = []
        counts: list[int] = []
        for gram, count in _counts("\n".join(texts)).items():
            row = get(gram)
            if row is not None:
                rows.append(row)
                counts.append(count)
        if not rows:
            z = self._biases
        else:
            n = len(rows)
            at = np.fromiter(rows, np.intp, n)
            tf = np.fromiter(counts, np.intp, n)
            values = self._idf[at] * _SUBLINEAR[np.minimum(tf, _MAX_TF)]
            z = (values @ self._weights.take(at, axis=0)) / math.sqrt(values @ values)
            z += self._biases
        result: FloatArray = 1.0 / (1.0 + np.exp(-z))  # (|z| is bounded: see _setup)
        return result

    def probability(self, texts: Sequence[str], head: int = CRISIS) -> float:
        """How likely a crisis is (head CRISIS), an imminent one (IMMINENT), or another
        head's label, for these messages read together; 0.0 for a head the model lacks."""
        if head >= len(self.biases):
            return 0.0
        return float(self.probabilities(texts)[head])

    def _weighted(self, text: str) -> tuple[dict[str, float], float]:
        """tf-idf values (sublinear tf) of the known n-grams and their Euclidean norm."""
        index = self._index
        idf = self._idf
        values: dict[str, float] = {}
        total = 0.0
        for gram, count in _counts(text).items():
            row = index.get(gram)
            if row is None:
                continue
            value = (1.0 + math.log(count)) * float(idf[row])
            values[gram] = value
            total += value * value
        return values, math.sqrt(total)

    def strongest_clause(self, texts: Sequence[str], head: int = CRISIS) -> tuple[int, int] | None:
        """The span of the newest message's clause whose wording weighs most towards this
        head (in the newest text's characters), or None when nothing in it does."""
        if not texts:
            return None
        values, norm = self._weighted("\n".join(texts))
        newest = texts[-1]
        if not norm or not newest:
            return None
        index = self._index
        weight = [0.0] * len(newest)
        low, high = NGRAMS
        for n in range(low, high + 1):
            for i in range(len(newest) - n + 1):
                gram = newest[i : i + n]
                value = values.get(gram)
                if value is None:
                    continue
                share = float(self._weights[index[gram], head]) * value / norm / n
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
    heads: Sequence[str] | None = None,
) -> WordingModel:
    """Fit the model: (messages, the label of each head) pairs, e.g. (is it a crisis, is it
    imminent, ...) in the order of ``heads`` (default HEADS); messages are normalized the way
    the screener normalizes them. Needs scikit-learn (``make install`` puts it in the dev
    venv). The heads are fitted in parallel, one per core."""
    from joblib import Parallel, delayed
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    width = min(len(labels) for _, labels in conversations)
    names = tuple(heads) if heads is not None else HEADS[:width]
    if len(names) > width:
        raise ValueError(f"{len(names)} heads named but only {width} labels per conversation")
    texts = ["\n".join(normalize(m) for m in messages) for messages, _ in conversations]
    vectorizer = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, min_df=MIN_DF)
    matrix = vectorizer.fit_transform(texts)

    def fit(head: int) -> tuple[Any, float]:
        labels = [bool(flags[head]) for _, flags in conversations]
        fitted = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(matrix, labels)
        return fitted.coef_[0], float(fitted.intercept_[0])

    fits = Parallel(n_jobs=2, prefer="threads")(delayed(fit)(h) for h in range(len(names)))
    grams = vectorizer.get_feature_names_out()
    idf = vectorizer.idf_
    vocabulary = {
        str(grams[i]): (float(idf[i]), *(float(coef[i]) for coef, _ in fits))
        for i in range(len(grams))
    }
    return WordingModel(vocabulary, [bias for _, bias in fits], trained_on, names)
