"""The screening data admins edit in ``config/``, loaded, checked and compiled.

Eight files (see docs/screening.md):

- ``concepts.yaml``: the concepts (死ぬ, 消える, ロープ, 線路, 遺書, 今夜…) the screener looks
  for, by kind, each a list of words in dictionary form;
- ``grammar.yaml``: the grammar words the clause reader uses (たい, ない, つもり, しか…);
- ``screening.yaml``: the slots of the severity ladder and the case-card lines;
- ``idioms.yaml``: idioms that must never raise the level (死ぬほど笑った);
- ``spellings.yaml``: slang, English and romaji rewritten before tokenization (タヒりたい, kms),
  and what emoji mean (💊 → 薬);
- ``dialects.yaml``: dialect paradigms rewritten before tokenization (死にたか → 死にたい), each
  rule with examples that must change and counter-examples that must not;
- ``factors.yaml`` and ``pathways.yaml``: the life factors and the pathway chains.

Every mistake becomes a `Problem` with the file, the line and a sentence an admin can act on;
nothing is half-loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from bot.checker_messages import explain
from bot.screening.matcher import GAP, GAP_MARKS, Pattern
from bot.screening.normalize import DialectRule, Normalizer, SpellingRule
from bot.screening.reader import GRAMMAR_LISTS, Grammar
from bot.screening.tokens import KIND_END, KIND_PUNCT, KIND_SKIP, KIND_WORD, SudachiTokenizer
from bot.screening.types import RiskLevel
from bot.yamlio import Problem, line_of, load_file

CONCEPTS: Final = "concepts.yaml"
FACTOR_WORDS: Final = "factor_words.yaml"
GRAMMAR: Final = "grammar.yaml"
SCREENING: Final = "screening.yaml"
IDIOMS: Final = "idioms.yaml"
SPELLINGS: Final = "spellings.yaml"
DIALECTS: Final = "dialects.yaml"
FACTORS: Final = "factors.yaml"
PATHWAYS: Final = "pathways.yaml"
FILES: Final = (
    CONCEPTS,
    FACTOR_WORDS,
    GRAMMAR,
    SCREENING,
    IDIOMS,
    SPELLINGS,
    DIALECTS,
    FACTORS,
    PATHWAYS,
)

# The kinds of concept the slot rules know (screener.py); concepts.yaml labels them.
KINDS: Final = {
    "death": "dying or killing oneself (死ぬ, 命を絶つ)",
    "vanish": "disappearing, not existing (消える, いなくなる)",
    "event": "something that would end one's life (事故にあう, 隕石, お迎えが来る)",
    "live": "living (生きる: 生きていたくない, 生きるのをやめたい)",
    "sleep": "sleeping or waking (目が覚めなければ, 永遠に眠りたい)",
    "born": "being born (生まれてこなければよかった)",
    "ending": "ending it (終わりにする, 幕を引く)",
    "relief": "relief (楽になる, 解放される)",
    "elsewhere": "going elsewhere (遠くへ行く, あっちの世界)",
    "method": "a suicide method (首吊り, 飛び降り, 練炭, OD)",
    "means": "a means (ロープ, 睡眠薬, カッター)",
    "place": "a place (線路, 屋上, 橋)",
    "time": "a time (今夜, 来週の水曜, あと2時間)",
    "preparation": "an act of preparation (遺書, 引き取り先, 解約, 買った)",
    "farewell": "a farewell (今までありがとう, さようなら)",
    "finality": "finality (もう帰らない, 片道, あとは自分だけ)",
    "self_harm": "self-harm (リスカ, 腕を切る, 壁を殴る)",
    "wound": "heavy bleeding or a wound (血が止まらない)",
    "attempt": "an attempt or its aftermath (未遂, 救急車, 助かった)",
    "despair": "hopelessness (生きる意味がない, 限界)",
    "burden": "feeling a burden (迷惑, いないほうがいい)",
    "distress": "pain and distress (つらい, 苦しい)",
    "help": "asking for help (助けて, 相談したい)",
    "ideation_noun": "ideation named as a noun (希死念慮, 自殺願望)",
    "violence": "hurting someone (殺す, 刺す, 火をつける)",
    "weapon": "a weapon or preparation against someone (包丁, 住所を特定)",
    "target": "a person who could be hurt (あいつ, 上司, 元妻)",
    "child": "a child (子ども, 小4, 娘)",
    "abuse": "abuse or violence (叩く, 閉め出す, ご飯をもらえない)",
    "benign": "an everyday context that explains a word (キャンプ, 焼肉, 料理)",
    "factor": "a life factor of FACTORS.md",
}
# Slots of the severity ladder (screening.yaml gives their labels and levels).
SLOTS: Final = (
    "intent",
    "act",
    "ideation",
    "passive",
    "method",
    "self_harm",
    "ambivalence",
    "means",
    "place",
    "timing",
    "preparation",
    "farewell",
    "recent_attempt",
    "past_attempt",
    "recurrence",
    "euphemism",
    "despair",
    "burden",
    "distress",
    "help",
    "resolved",
    "third_party",
    "factor",
    "harm_to_others",
    "child_in_danger",
    "wording",
)
REQUIRED_MESSAGES: Final = (
    "slot",
    "slot_plain",
    "slot_no_words",
    "imminent",
    "imminent_act",
    "imminent_intent",
    "imminent_means",
    "imminent_preparation",
    "imminent_place",
    "imminent_time",
    "imminent_farewell",
    "imminent_wording",
    "doubt",
    "harm_only",
    "wording_slot",
    "flags",
    "factors",
    "prior_factors",
    "separator",
    "pathway",
    "next",
    "pathway_level",
)
# Words put before a term to see how Sudachi cuts it in a sentence (see compile_term_variants).
CARRIERS: Final = ("どこにも", "私は", "もう", "彼の", "、")
MAX_VARIANTS: Final = 4
MIN_KANA_VARIANT: Final = 3  # shorter readings (しぬ, くび) collide with other words


def _is_kana(text: str) -> bool:
    return bool(text) and all("\u3041" <= ch <= "\u3096" or ch == "ー" for ch in text)


ID_RE: Final = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Concept:
    """One meaning and the words people use for it."""

    id: str
    kind: str
    label: str
    strong: bool  # enough on its own (see concepts.yaml)
    factor: str | None
    level: RiskLevel | None  # for factors: the level the factor gives alone
    about_others: bool
    patterns: tuple[Pattern, ...]
    regexes: tuple[re.Pattern[str], ...]
    # the terms' readings (手すり → てすり), matched only in text written almost all in kana
    kana_patterns: tuple[Pattern, ...] = ()
    # a means that can be turned on someone else (a knife, a gun, petrol): see concepts.yaml
    turned_on_others: bool = False


@dataclass(frozen=True, slots=True)
class SlotInfo:
    """A slot of the severity ladder: its card label and the level it gives alone."""

    name: str
    label: str
    level: RiskLevel
    reason: str


@dataclass(frozen=True, slots=True)
class WordingSettings:
    """How the wording model (bot/screening/wording.py) is used: screening.yaml ``wording:``."""

    enabled: bool = True
    threshold: float = 0.8  # the probability from which it raises a conversation to high
    window: int = 2  # how many of the newest messages it reads together
    # the probability from which it raises a message whose crisis words the rules read and
    # put below high (死ぬ, ロープ, いなくなる…: the rules know grammar the model cannot see)
    overrule: float = 0.85
    # the probability (of the imminent head) from which it raises a high conversation to
    # imminent
    imminent: float = 0.8
    # the probability (of a flag's head) from which the conversation is flagged
    flags: float = 0.6
    # the probability (of a factor's head) from which the factor is listed
    factors: float = 0.8
    # below this crisis probability, a high or imminent level that rests only on slots with no
    # word of death, self-harm or despair (a place, means, an act, a farewell: 屋上きた, 薬いっぱい
    # もらってきた) is held at moderate: the person is offered a counselor, not sent the
    # crisis answer (0 switches it off)
    doubt: float = 0.15


_WORDING_DEFAULTS: Final = WordingSettings()
# The ranges an admin may set (outside them the model would raise nearly everything or nothing).
WORDING_THRESHOLD: Final = (0.5, 0.99)
WORDING_WINDOW: Final = (1, 5)
WORDING_DOUBT: Final = (0.0, 0.5)


@dataclass(frozen=True, slots=True)
class Idiom:
    """A set phrase whose crisis-looking words are not a crisis (死ぬほど笑った)."""

    id: str
    suppress: frozenset[str] | None  # kinds (or factor ids) silenced; None means every kind
    patterns: tuple[Pattern, ...]
    regexes: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class Chain:
    """A pathway chain of PATHWAYS.md as ordered steps of factor ids."""

    id: str
    group: str
    label: str
    steps: tuple[tuple[str, ...], ...]
    factors: tuple[str, ...] = ()  # distinct factor ids in chain order (filled in by `make`)

    @classmethod
    def make(cls, id_: str, group: str, label: str, steps: tuple[tuple[str, ...], ...]) -> Chain:
        seen: list[str] = []
        for step in steps:
            seen.extend(f for f in step if f not in seen)
        return cls(id_, group, label, steps, tuple(seen))


@dataclass(frozen=True, slots=True)
class PathwayRules:
    """How many linked factors make which level (see pathways.yaml)."""

    moderate_links: int = 2
    high_links_with_despair: int = 3
    high_links: int = 4
    show_links: int = 2
    high_when_complete_with_despair: bool = True
    amplifiers: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ScreeningConfig:
    """Everything the screener reads from config/, compiled and frozen."""

    kinds: dict[str, str]  # kind → Japanese label
    concepts: tuple[Concept, ...]
    grammar: Grammar
    slots: dict[str, SlotInfo]
    idioms: tuple[Idiom, ...]
    factors: dict[str, str]  # id → Japanese label
    chains: tuple[Chain, ...]
    rules: PathwayRules
    messages: dict[str, str]
    spellings: tuple[SpellingRule, ...]
    dialects: tuple[DialectRule, ...]
    emoji: dict[str, str]
    wording: WordingSettings = WordingSettings()


@dataclass
class _Loader:
    """Collects problems while reading the five files; compiles terms with one tokenizer."""

    config_dir: Path
    tokenizer: SudachiTokenizer
    problems: list[Problem] = field(default_factory=list)
    normalizer: Normalizer = field(default_factory=Normalizer)
    kana_variants: bool = False  # on while the concepts are compiled
    kana_patterns: list[Pattern] = field(default_factory=list)  # filled while compiling a concept

    def problem(self, file: str, node: Any, key: str | int | None, message: str) -> None:
        self.problems.append(Problem(str(self.config_dir / file), line_of(node, key), message))

    def read(self, name: str) -> Any:
        path = self.config_dir / name
        if not path.exists():
            self.problems.append(Problem(str(path), None, explain("common.file_missing")))
            return None
        data, problems = load_file(path)
        self.problems.extend(problems)
        if data is None and not problems:
            self.problems.append(Problem(str(path), None, explain("screening.file_empty")))
        if data is not None and not isinstance(data, dict):
            self.problems.append(Problem(str(path), 1, explain("screening.file_shape")))
            return None
        return data

    # --- helpers -------------------------------------------------------------------------

    def section(
        self,
        file: str,
        data: Any,
        key: str,
        kind: type[list[Any]] | type[dict[Any, Any]],
        what: str,
    ) -> Any:
        """`data[key]` when it is a `kind` (list or mapping), else None: reported as
        "'key' must be <what>" unless the whole file is absent (already reported)."""
        node = data.get(key) if data is not None else None
        if isinstance(node, kind):
            return node
        if data is not None:
            self.problem(file, data, key, explain("screening.section_shape", key=key, what=what))
        return None

    def text(self, file: str, node: Any, key: str, where: str, required: bool = True) -> str:
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            if required:
                self.problem(
                    file, node, None, explain("screening.key_missing", where=where, key=key)
                )
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(file, node, key, explain("screening.key_not_text", where=where, key=key))
            return ""
        return str(value).strip()

    def flag(self, file: str, node: Any, key: str, where: str, default: bool) -> bool:
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(file, node, key, explain("screening.key_true_false", where=where, key=key))
            return default
        return value

    def level(self, file: str, node: Any, key: str, where: str) -> RiskLevel | None:
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            return None
        try:
            return RiskLevel.parse(str(value))
        except ValueError:
            self.problem(
                file,
                node,
                key,
                explain("screening.unknown_level", where=where, value=value),
            )
            return None

    def str_list(self, file: str, node: Any, key: str, where: str) -> list[tuple[str, int]]:
        """A list of non-empty strings, each with its index (for line numbers)."""
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            return []
        if isinstance(value, str):
            value_list: list[Any] = [value]
            seq: Any = node
            single = True
        elif isinstance(value, list):
            value_list = list(value)
            seq = value
            single = False
        else:
            self.problem(file, node, key, explain("screening.not_word_list", where=where, key=key))
            return []
        out: list[tuple[str, int]] = []
        for i, item in enumerate(value_list):
            if not isinstance(item, str) or not item.strip():
                where_node, where_key = (node, key) if single else (seq, i)
                self.problem(
                    file,
                    where_node,
                    where_key,
                    explain("screening.empty_word", where=where, key=key),
                )
                continue
            out.append((str(item).strip(), i))
        return out

    def compile_term(self, term: str) -> tuple[Pattern | None, str]:
        """Tokenize an admin's term into a pattern; the error text when it cannot be used."""
        patterns, error = self.compile_term_variants(term)
        return (patterns[0] if patterns else None), error

    def compile_term_variants(self, term: str) -> tuple[list[Pattern], str]:
        """All the ways Sudachi may cut a term, depending on the words around it.

        Sudachi's choice depends on context (居場所 is one word alone but いる+場所 after
        どこにも), so each term is also cut after a few carrier words and every distinct
        reading becomes a pattern.
        """
        at_end = term.endswith("$")
        body = term[:-1].strip() if at_end else term
        parts = list(GAP_MARKS.split(body))
        if any(not p.strip() for p in parts):
            return [], explain("screening.term_gap_edge", term=term)
        readings: list[list[tuple[str, str]]] = [[]]
        for n, part in enumerate(parts):
            normalized = self.normalizer.normalize(part.strip()).text
            tokens = self.tokenizer.tokenize(normalized)
            if tokens and (tokens[0].kind == KIND_SKIP or tokens[-1].kind == KIND_SKIP):
                edge = tokens[0] if tokens[0].kind == KIND_SKIP else tokens[-1]
                return [], (
                    explain("screening.term_particle_edge", term=term, particle=edge.surface)
                )
            words = [t for t in tokens if t.kind != KIND_SKIP]
            if any(t.kind in (KIND_PUNCT, KIND_END) for t in words):
                return [], explain("screening.term_punctuation", term=term)
            if not words:
                return [], explain("screening.term_no_words", term=term)
            variants: list[tuple[tuple[str, str], ...]] = [tuple((t.key, t.form) for t in words)]
            for carrier in CARRIERS:
                cut = self.tokenizer.tokenize(carrier + normalized)
                inside = [t for t in cut if t.begin >= len(carrier)]
                if not inside or any(t.begin < len(carrier) < t.end for t in cut):
                    continue
                if inside[0].kind == KIND_SKIP or inside[-1].kind == KIND_SKIP:
                    continue
                variant = tuple((t.key, t.form) for t in inside if t.kind == KIND_WORD)
                if variant and variant not in variants:
                    variants.append(variant)
            readings = [
                [*r, *([GAP] if n else []), *v] for r in readings for v in variants[:MAX_VARIANTS]
            ][: MAX_VARIANTS * 2]
        patterns = [Pattern(tuple(r), at_end, term) for r in readings]
        if self.kana_variants and len(parts) == 1 and not _is_kana(body):
            # People who write in kana (children, foreign residents): the term's reading
            # (手すり → てすり, 睡眠薬 → すいみんやく), cut the same way their text is cut.
            kana = self.tokenizer.reading(self.normalizer.normalize(body).text)
            if len(kana) >= MIN_KANA_VARIANT and _is_kana(kana):
                kana_tokens = self.tokenizer.tokenize(kana)
                kana_words = tuple((t.key, t.form) for t in kana_tokens if t.kind == KIND_WORD)
                term_keys = {key for p in patterns for key, _ in p.elements}
                # A reading that Sudachi cuts into other ordinary words (怒鳴る → どう + なる,
                # 倒産 → 父さん) would match everyday text: only readings that keep a word of
                # the term (首をしめる) or hold an unknown word are used.
                homophone = all(not t.oov for t in kana_tokens if t.kind == KIND_WORD) and not any(
                    key in term_keys for key, _ in kana_words
                )
                if (
                    kana_words
                    and not homophone
                    and all(t.kind != KIND_PUNCT for t in kana_tokens)
                    and kana_tokens[0].kind != KIND_SKIP
                    and kana_tokens[-1].kind != KIND_SKIP
                ) and all(kana_words != p.elements for p in patterns):
                    self.kana_patterns.append(Pattern(kana_words, at_end, term))
        return patterns, ""

    def compile_terms(
        self, file: str, node: Any, where: str, allow_regex: bool = True
    ) -> tuple[tuple[Pattern, ...], tuple[re.Pattern[str], ...]]:
        patterns: list[Pattern] = []
        regexes: list[re.Pattern[str]] = []
        terms_node = node.get("terms") if isinstance(node, dict) else None
        for term, i in self.str_list(file, node, "terms", where):
            variants, error = self.compile_term_variants(term)
            if not variants:
                target = terms_node if isinstance(terms_node, list) else node
                self.problem(
                    file,
                    target,
                    i if isinstance(terms_node, list) else "terms",
                    f"{where}: {error}",
                )
            else:
                patterns.extend(variants)
        if allow_regex:
            regex_node = node.get("regex") if isinstance(node, dict) else None
            for source, i in self.str_list(file, node, "regex", where):
                compiled = self.regex(
                    file,
                    regex_node if isinstance(regex_node, list) else node,
                    i if isinstance(regex_node, list) else "regex",
                    where,
                    source,
                )
                if compiled is not None:
                    regexes.append(compiled)
        return tuple(patterns), tuple(regexes)

    def regex(self, file: str, node: Any, key: str | int, where: str, source: str) -> Any:
        try:
            compiled = re.compile(source)
        except re.error as exc:
            self.problem(
                file,
                node,
                key,
                explain("screening.bad_regex", where=where, regex=source, detail=exc),
            )
            return None
        if "(?P<" in source:
            self.problem(file, node, key, explain("screening.regex_named_group", where=where))
            return None
        if compiled.search(""):
            self.problem(
                file, node, key, explain("screening.regex_matches_empty", where=where, regex=source)
            )
            return None
        return compiled


def _check_keys(loader: _Loader, file: str, node: Any, allowed: set[str], where: str) -> None:
    for key in node:
        if key not in allowed:
            loader.problem(
                file,
                node,
                key,
                explain("screening.unknown_key", where=where, key=key, allowed=sorted(allowed)),
            )


def _spellings(loader: _Loader, data: Any) -> list[SpellingRule]:
    rules: list[SpellingRule] = []
    if data is None:
        return rules
    items = loader.section(SPELLINGS, data, "spellings", list, explain("screening.what.rules"))
    if items is None:
        return rules
    seen: set[str] = set()
    examples: list[tuple[SpellingRule, str, Any, int]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            loader.problem(SPELLINGS, items, i, explain("screening.spelling_shape"))
            continue
        rid = loader.text(
            SPELLINGS, item, "id", explain("screening.where.spelling_number", number=i + 1)
        )
        where = explain("screening.where.spelling", id=rid or i + 1)
        _check_keys(loader, SPELLINGS, item, {"id", "match", "write", "examples", "note"}, where)
        if rid and not ID_RE.match(rid):
            loader.problem(SPELLINGS, item, "id", explain("screening.bad_id", where=where))
        if rid in seen:
            loader.problem(SPELLINGS, item, "id", explain("screening.id_twice", where=where))
        seen.add(rid)
        source = loader.text(SPELLINGS, item, "match", where)
        write = loader.text(SPELLINGS, item, "write", where)
        if not source or not write:
            continue
        compiled = loader.regex(SPELLINGS, item, "match", where, source)
        if compiled is None:
            continue
        rule = SpellingRule(compiled, write)
        rules.append(rule)
        ex_node = item.get("examples")
        for example, j in loader.str_list(SPELLINGS, item, "examples", where):
            examples.append((rule, example, ex_node if isinstance(ex_node, list) else item, j))
    for rule, example, node, j in examples:
        normalized = Normalizer().normalize(example).text
        if not rule.pattern.search(normalized):
            loader.problem(
                SPELLINGS, node, j, explain("screening.spelling_example_mismatch", example=example)
            )
    return rules


def _emoji(loader: _Loader, data: Any) -> dict[str, str]:
    """What emoji mean (spellings.yaml `emoji:`): each becomes its word before tokenization."""
    out: dict[str, str] = {}
    if data is None or "emoji" not in data:
        return out
    node = loader.section(SPELLINGS, data, "emoji", dict, explain("screening.what.emoji"))
    if node is None:
        return out
    for key, value in node.items():
        where = explain("screening.where.emoji", emoji=key)
        if not isinstance(key, str) or not key.strip():
            loader.problem(SPELLINGS, node, key, explain("screening.emoji_not_text", where=where))
            continue
        if not isinstance(value, str) or not value.strip():
            loader.problem(
                SPELLINGS, node, key, explain("screening.emoji_without_word", where=where)
            )
            continue
        out[str(key).strip()] = str(value).strip()
    return out


def _dialects(loader: _Loader, data: Any) -> list[DialectRule]:
    """Dialect rewrites, each checked against its examples and counter-examples."""
    rules: list[DialectRule] = []
    if data is None:
        return rules
    items = loader.section(DIALECTS, data, "dialects", list, explain("screening.what.rules"))
    if items is None:
        return rules
    seen: set[str] = set()
    plain = Normalizer()
    allowed = {"id", "region", "match", "write", "examples", "counter_examples", "note"}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            loader.problem(DIALECTS, items, i, explain("screening.dialect_shape"))
            continue
        rid = loader.text(
            DIALECTS, item, "id", explain("screening.where.dialect_number", number=i + 1)
        )
        where = explain("screening.where.dialect", id=rid or i + 1)
        _check_keys(loader, DIALECTS, item, allowed, where)
        if rid and not ID_RE.match(rid):
            loader.problem(DIALECTS, item, "id", explain("screening.bad_id", where=where))
        if rid in seen:
            loader.problem(DIALECTS, item, "id", explain("screening.id_twice", where=where))
        seen.add(rid)
        loader.text(DIALECTS, item, "region", where)
        source = loader.text(DIALECTS, item, "match", where)
        write = item.get("write")
        if not isinstance(write, str):
            loader.problem(
                DIALECTS,
                item,
                "write" if "write" in item else None,
                explain("screening.dialect_write", where=where),
            )
            continue
        if not source:
            continue
        compiled = loader.regex(DIALECTS, item, "match", where, source)
        if compiled is None:
            continue
        rule = DialectRule(compiled, write)
        examples = item.get("examples")
        if not isinstance(examples, dict) or not examples:
            loader.problem(
                DIALECTS,
                item,
                "examples" if "examples" in item else None,
                explain("screening.dialect_examples", where=where),
            )
        else:
            for raw, expected in examples.items():
                got = compiled.sub(write, plain.normalize(str(raw)).text)
                want = plain.normalize(str(expected)).text
                if got != want:
                    loader.problem(
                        DIALECTS,
                        examples,
                        raw,
                        explain(
                            "screening.dialect_example_mismatch",
                            where=where,
                            example=raw,
                            got=got,
                            expected=expected,
                        ),
                    )
        counters = loader.str_list(DIALECTS, item, "counter_examples", where)
        if not counters:
            loader.problem(
                DIALECTS,
                item,
                None,
                explain("screening.dialect_counter_missing", where=where),
            )
        counter_node = item.get("counter_examples")
        for text, j in counters:
            normalized = plain.normalize(text).text
            if compiled.sub(write, normalized) != normalized:
                loader.problem(
                    DIALECTS,
                    counter_node if isinstance(counter_node, list) else item,
                    j,
                    explain("screening.dialect_counter_changed", where=where, text=text),
                )
        rules.append(rule)
    return rules


def _kinds(loader: _Loader, data: Any) -> dict[str, str]:
    kinds: dict[str, str] = {}
    node = loader.section(CONCEPTS, data, "kinds", dict, explain("screening.what.kinds"))
    if node is None:
        return kinds
    for name, item in node.items():
        where = explain("screening.where.kind", kind=name)
        if name not in KINDS:
            loader.problem(
                CONCEPTS,
                node,
                name,
                explain("screening.unknown_kind", where=where, known=list(KINDS)),
            )
            continue
        if not isinstance(item, dict):
            loader.problem(CONCEPTS, node, name, explain("screening.needs_label", where=where))
            continue
        _check_keys(loader, CONCEPTS, item, {"label", "note"}, where)
        kinds[str(name)] = loader.text(CONCEPTS, item, "label", where)
    if data is not None:
        for name in KINDS:
            if name not in kinds and name not in node:
                loader.problem(CONCEPTS, node, None, explain("screening.kind_missing", kind=name))
    return kinds


def _concepts(
    loader: _Loader,
    data: Any,
    kinds: dict[str, str],
    factors: dict[str, str],
    file: str = CONCEPTS,
    seen: dict[str, int | None] | None = None,
) -> list[Concept]:
    concepts: list[Concept] = []
    node = loader.section(file, data, "concepts", list, explain("screening.what.concepts"))
    if node is None:
        return concepts
    allowed = {
        "id",
        "kind",
        "label",
        "terms",
        "regex",
        "strong",
        "factor",
        "level",
        "about_others",
        "turned_on_others",
        "note",
    }
    seen = {} if seen is None else seen
    for i, item in enumerate(node):
        if not isinstance(item, dict):
            loader.problem(file, node, i, explain("screening.concept_shape", number=i + 1))
            continue
        cid = loader.text(file, item, "id", explain("screening.where.concept_number", number=i + 1))
        where = explain("screening.where.concept", id=cid or i + 1)
        _check_keys(loader, file, item, allowed, where)
        if cid and not ID_RE.match(cid):
            loader.problem(file, item, "id", explain("screening.bad_id", where=where))
        if cid in seen:
            loader.problem(
                file, item, "id", explain("screening.concept_twice", where=where, line=seen[cid])
            )
        seen[cid] = line_of(item, "id")
        kind = loader.text(file, item, "kind", where)
        if kind and kind not in KINDS:
            loader.problem(
                file,
                item,
                "kind",
                explain(
                    "screening.concept_unknown_kind", where=where, kind=kind, known=list(KINDS)
                ),
            )
            kind = ""
        factor = loader.text(file, item, "factor", where, required=False) or None
        if kind == "factor" and factor is None:
            loader.problem(
                file,
                item,
                None,
                explain("screening.concept_needs_factor", where=where),
            )
        if factor is not None and kind != "factor":
            loader.problem(
                file, item, "factor", explain("screening.concept_factor_only", where=where)
            )
        if factor is not None and factors and factor not in factors:
            loader.problem(
                file,
                item,
                "factor",
                explain("screening.concept_unknown_factor", where=where, factor=factor),
            )
        label = loader.text(file, item, "label", where, required=kind != "factor")
        if kind == "factor" and not label and factor:
            label = factors.get(factor, factor)
        if "terms" not in item and "regex" not in item:
            loader.problem(file, item, None, explain("screening.concept_needs_terms", where=where))
        loader.kana_patterns = []
        patterns, regexes = loader.compile_terms(file, item, where)
        kana_patterns = tuple(loader.kana_patterns)
        level = loader.level(file, item, "level", where)
        if not kind or not (patterns or regexes):
            continue
        concepts.append(
            Concept(
                id=cid,
                kind=kind,
                label=label,
                strong=loader.flag(file, item, "strong", where, False),
                factor=factor,
                level=level,
                about_others=loader.flag(file, item, "about_others", where, False),
                patterns=patterns,
                regexes=regexes,
                kana_patterns=kana_patterns,
                turned_on_others=loader.flag(file, item, "turned_on_others", where, False),
            )
        )
    return concepts


def _grammar(loader: _Loader, data: Any) -> Grammar:
    node = loader.section(GRAMMAR, data, "markers", dict, explain("screening.what.markers")) or {}
    _check_keys(loader, GRAMMAR, node, set(GRAMMAR_LISTS), "markers")
    lists: dict[str, frozenset[str]] = {}
    for name in GRAMMAR_LISTS:
        words: set[str] = set()
        if name not in node:
            if data is not None:
                loader.problem(
                    GRAMMAR, node, None, explain("screening.grammar_list_missing", name=name)
                )
            lists[name] = frozenset()
            continue
        seq = node.get(name)
        for word, i in loader.str_list(
            GRAMMAR, node, name, explain("screening.where.marker", name=name)
        ):
            words.add(word)  # compared with the surface too (でも, のに)
            tokens = list(loader.tokenizer.tokenize(loader.normalizer.normalize(word).text))
            if len(tokens) == 1:
                words.add(tokens[0].key)
            if len(tokens) == 1 and tokens[0].pos in ("動詞", "形容詞"):
                kana = loader.tokenizer.reading(tokens[0].surface)
                kana_tokens = loader.tokenizer.tokenize(kana) if _is_kana(kana) else []
                if len(kana_tokens) == 1:
                    words.add(kana_tokens[0].key)  # すわる for 座る, いる for 居る
            elif not tokens:
                target: Any = seq if isinstance(seq, list) else node
                loader.problem(
                    GRAMMAR,
                    target,
                    i if isinstance(seq, list) else name,
                    explain(
                        "screening.marker_no_word",
                        where=explain("screening.where.marker", name=name),
                        word=word,
                    ),
                )
        lists[name] = frozenset(words)
    if "now" in lists and "negation" in lists:
        # なう (now, net slang) has ない as its dictionary form: a negation is never "now"
        lists["now"] = lists["now"] - lists["negation"]
    return Grammar(**lists)


def _slots(loader: _Loader, data: Any) -> dict[str, SlotInfo]:
    slots: dict[str, SlotInfo] = {}
    node = loader.section(SCREENING, data, "slots", dict, explain("screening.what.slots"))
    if node is None:
        return slots
    for name, item in node.items():
        where = explain("screening.where.slot", slot=name)
        if name not in SLOTS:
            loader.problem(
                SCREENING, node, name, explain("screening.unknown_slot", where=where, known=SLOTS)
            )
            continue
        if not isinstance(item, dict):
            loader.problem(SCREENING, node, name, explain("screening.slot_shape", where=where))
            continue
        _check_keys(loader, SCREENING, item, {"label", "level", "reason", "note"}, where)
        label = loader.text(SCREENING, item, "label", where)
        level = loader.level(SCREENING, item, "level", where)
        if level is None and "level" not in item:
            loader.problem(
                SCREENING, item, None, explain("screening.slot_level_missing", where=where)
            )
        reason = loader.text(SCREENING, item, "reason", where, required=False)
        if name == "wording" and level is not None and level != RiskLevel.HIGH:
            # the wording model raises to high only; imminent needs the rules (its second
            # head moves a conversation the rules put at high)
            loader.problem(
                SCREENING, item, "level", explain("screening.wording_slot_level", where=where)
            )
        slots[str(name)] = SlotInfo(str(name), label, level or RiskLevel.NONE, reason)
    for name in SLOTS:
        if name not in slots and name not in node:
            loader.problem(SCREENING, node, None, explain("screening.slot_missing", slot=name))
    return slots


def _wording(loader: _Loader, data: Any) -> WordingSettings:
    """screening.yaml ``wording:`` (optional: the defaults of WordingSettings)."""
    node = data.get("wording") if isinstance(data, dict) else None
    if node is None:
        return WordingSettings()
    if not isinstance(node, dict):
        loader.problem(SCREENING, data, "wording", explain("screening.wording_shape"))
        return WordingSettings()
    where = "wording"
    _check_keys(
        loader,
        SCREENING,
        node,
        {"enabled", "threshold", "overrule", "imminent", "flags", "factors", "window", "doubt"},
        where,
    )
    enabled = loader.flag(SCREENING, node, "enabled", where, True)
    values: dict[str, float] = {}
    for key, (low, high), default, integer in (
        ("threshold", WORDING_THRESHOLD, _WORDING_DEFAULTS.threshold, False),
        ("overrule", WORDING_THRESHOLD, _WORDING_DEFAULTS.overrule, False),
        ("imminent", WORDING_THRESHOLD, _WORDING_DEFAULTS.imminent, False),
        ("flags", WORDING_THRESHOLD, _WORDING_DEFAULTS.flags, False),
        ("factors", WORDING_THRESHOLD, _WORDING_DEFAULTS.factors, False),
        ("window", WORDING_WINDOW, _WORDING_DEFAULTS.window, True),
        ("doubt", WORDING_DOUBT, _WORDING_DEFAULTS.doubt, False),
    ):
        value = node.get(key, default)
        good = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and low <= value <= high  # (first: a huge whole number never reaches float())
            and (not integer or float(value).is_integer())
        )
        if not good:
            loader.problem(
                SCREENING,
                node,
                key,
                explain(
                    "screening.wording_whole_number" if integer else "screening.wording_number",
                    key=key,
                    value=value,
                    low=low,
                    high=high,
                ),
            )
            value = default
        values[key] = float(value)
    if values["overrule"] < values["threshold"]:
        loader.problem(
            SCREENING,
            node,
            "overrule",
            explain(
                "screening.wording_overrule_below",
                overrule=values["overrule"],
                threshold=values["threshold"],
            ),
        )
    return WordingSettings(
        enabled,
        values["threshold"],
        int(values["window"]),
        values["overrule"],
        values["imminent"],
        values["flags"],
        values["factors"],
        values["doubt"],
    )


def _idioms(loader: _Loader, data: Any, factors: dict[str, str]) -> list[Idiom]:
    idioms: list[Idiom] = []
    node = loader.section(IDIOMS, data, "idioms", list, explain("screening.what.idioms"))
    if node is None:
        return idioms
    seen: set[str] = set()
    for i, item in enumerate(node):
        if not isinstance(item, dict):
            loader.problem(IDIOMS, node, i, explain("screening.idiom_shape", number=i + 1))
            continue
        iid = loader.text(IDIOMS, item, "id", explain("screening.where.idiom_number", number=i + 1))
        where = explain("screening.where.idiom", id=iid or i + 1)
        _check_keys(loader, IDIOMS, item, {"id", "terms", "regex", "suppress", "note"}, where)
        if iid in seen:
            loader.problem(IDIOMS, item, "id", explain("screening.idiom_twice", where=where))
        seen.add(iid)
        suppress_items = loader.str_list(IDIOMS, item, "suppress", where)
        for name, _ in suppress_items:
            if name not in KINDS and name not in factors:
                loader.problem(
                    IDIOMS,
                    item,
                    "suppress",
                    explain("screening.idiom_bad_suppress", where=where, name=name),
                )
        patterns, regexes = loader.compile_terms(IDIOMS, item, where)
        if not patterns and not regexes:
            if "terms" not in item and "regex" not in item:
                loader.problem(
                    IDIOMS, item, None, explain("screening.idiom_needs_terms", where=where)
                )
            continue
        suppress = frozenset(n for n, _ in suppress_items) if suppress_items else None
        idioms.append(Idiom(iid, suppress, patterns, regexes))
    return idioms


def _factors(loader: _Loader, data: Any) -> dict[str, str]:
    factors: dict[str, str] = {}
    node = loader.section(FACTORS, data, "factors", dict, explain("screening.what.factors"))
    if node is None:
        return factors
    for fid, item in node.items():
        where = explain("screening.where.factor", factor=fid)
        if not ID_RE.match(str(fid)):
            loader.problem(FACTORS, node, fid, explain("screening.bad_id", where=where))
        if not isinstance(item, dict):
            loader.problem(FACTORS, node, fid, explain("screening.needs_label", where=where))
            continue
        _check_keys(loader, FACTORS, item, {"label", "note"}, where)
        factors[str(fid)] = loader.text(FACTORS, item, "label", where)
    return factors


def _int(loader: _Loader, node: Any, key: str, default: int) -> int:
    value = node.get(key, default) if isinstance(node, dict) else default
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        loader.problem(PATHWAYS, node, key, explain("screening.rule_whole_number", key=key))
        return default
    return value


def _pathways(
    loader: _Loader, data: Any, factors: dict[str, str]
) -> tuple[list[Chain], PathwayRules]:
    chains: list[Chain] = []
    if data is None:
        return chains, PathwayRules()
    rules_node = data.get("rules", {})
    if not isinstance(rules_node, dict):
        loader.problem(PATHWAYS, data, "rules", explain("screening.rules_shape"))
        rules_node = {}
    _check_keys(
        loader,
        PATHWAYS,
        rules_node,
        {
            "moderate_links",
            "high_links_with_despair",
            "high_links",
            "show_links",
            "amplifiers",
            "high_when_complete_with_despair",
        },
        "rules",
    )
    amplifiers = [a for a, _ in loader.str_list(PATHWAYS, rules_node, "amplifiers", "rules")]
    for a in amplifiers:
        if factors and a not in factors:
            loader.problem(
                PATHWAYS,
                rules_node,
                "amplifiers",
                explain("screening.unknown_amplifier", factor=a),
            )
    rules = PathwayRules(
        moderate_links=_int(loader, rules_node, "moderate_links", 2),
        high_links_with_despair=_int(loader, rules_node, "high_links_with_despair", 3),
        high_links=_int(loader, rules_node, "high_links", 4),
        show_links=_int(loader, rules_node, "show_links", 2),
        high_when_complete_with_despair=loader.flag(
            PATHWAYS, rules_node, "high_when_complete_with_despair", "rules", True
        ),
        amplifiers=frozenset(amplifiers),
    )
    node = loader.section(PATHWAYS, data, "chains", list, explain("screening.what.chains"))
    if node is None:
        return chains, rules
    seen: set[str] = set()
    for i, item in enumerate(node):
        if not isinstance(item, dict):
            loader.problem(PATHWAYS, node, i, explain("screening.chain_shape", number=i + 1))
            continue
        cid = loader.text(
            PATHWAYS, item, "id", explain("screening.where.chain_number", number=i + 1)
        )
        where = explain("screening.where.chain", id=cid or i + 1)
        _check_keys(loader, PATHWAYS, item, {"id", "group", "label", "steps", "note"}, where)
        if cid in seen:
            loader.problem(PATHWAYS, item, "id", explain("screening.chain_twice", where=where))
        seen.add(cid)
        group = loader.text(PATHWAYS, item, "group", where)
        label = loader.text(PATHWAYS, item, "label", where)
        steps_node = item.get("steps")
        steps: list[tuple[str, ...]] = []
        if not isinstance(steps_node, list) or not steps_node:
            loader.problem(
                PATHWAYS,
                item,
                "steps" if "steps" in item else None,
                explain("screening.chain_steps_shape", where=where),
            )
            continue
        for j, step in enumerate(steps_node):
            ids = [step] if isinstance(step, str) else step
            if not isinstance(ids, list) or not ids or not all(isinstance(x, str) for x in ids):
                loader.problem(
                    PATHWAYS,
                    steps_node,
                    j,
                    explain("screening.chain_step_shape", where=where, number=j + 1),
                )
                continue
            for fid in ids:
                if factors and fid not in factors:
                    loader.problem(
                        PATHWAYS,
                        steps_node,
                        j,
                        explain(
                            "screening.chain_unknown_factor", where=where, factor=fid, number=j + 1
                        ),
                    )
            steps.append(tuple(str(x) for x in ids))
        chain = Chain.make(cid, group, label, tuple(steps))
        if len(chain.factors) < 2:
            loader.problem(
                PATHWAYS, item, "steps", explain("screening.chain_too_short", where=where)
            )
            continue
        chains.append(chain)
    return chains, rules


def _messages(loader: _Loader, screening: Any, pathways: Any) -> dict[str, str]:
    messages: dict[str, str] = {}
    for file, data in ((SCREENING, screening), (PATHWAYS, pathways)):
        node = data.get("messages") if data is not None else None
        if node is None:
            continue
        if not isinstance(node, dict):
            loader.problem(file, data, "messages", explain("screening.messages_shape"))
            continue
        for key, value in node.items():
            if not isinstance(value, str):
                loader.problem(file, node, key, explain("screening.message_not_text", key=key))
                continue
            try:
                str(value).format_map(_AnyField())
            except (ValueError, IndexError) as exc:
                loader.problem(
                    file, node, key, explain("screening.message_broken", key=key, detail=exc)
                )
            messages[str(key)] = str(value)
    if screening is not None and pathways is not None:
        for key in REQUIRED_MESSAGES:
            if key not in messages:
                loader.problem(
                    SCREENING, screening, None, explain("screening.message_missing", key=key)
                )
    return messages


class _AnyField(dict[str, str]):
    """format_map target that accepts any placeholder name (for checking template syntax)."""

    def __missing__(self, key: str) -> str:
        return ""


def load_config(
    config_dir: Path, tokenizer: SudachiTokenizer | None = None
) -> tuple[ScreeningConfig | None, list[Problem]]:
    """Read and check the eight files; the config only when there is no problem at all."""
    loader = _Loader(config_dir, tokenizer or SudachiTokenizer())
    spellings_data = loader.read(SPELLINGS)
    spellings = _spellings(loader, spellings_data)
    emoji = _emoji(loader, spellings_data)
    dialects_data = loader.read(DIALECTS)
    dialects = _dialects(loader, dialects_data)
    loader.normalizer = Normalizer(spellings, dialects, emoji)
    factors_data = loader.read(FACTORS)
    factors = _factors(loader, factors_data)
    concepts_data = loader.read(CONCEPTS)
    kinds = _kinds(loader, concepts_data)
    loader.kana_variants = True
    seen_ids: dict[str, int | None] = {}
    concepts = _concepts(loader, concepts_data, kinds, factors, CONCEPTS, seen_ids)
    factor_words_data = loader.read(FACTOR_WORDS)
    factor_words = _concepts(loader, factor_words_data, kinds, factors, FACTOR_WORDS, seen_ids)
    for concept in factor_words:
        if concept.kind != "factor":
            loader.problem(
                FACTOR_WORDS,
                factor_words_data,
                None,
                explain("screening.factor_words_only_factor", id=concept.id),
            )
    concepts.extend(factor_words)
    loader.kana_variants = False
    grammar_data = loader.read(GRAMMAR)
    grammar = _grammar(loader, grammar_data)
    screening_data = loader.read(SCREENING)
    slots = _slots(loader, screening_data)
    wording = _wording(loader, screening_data)
    idioms_data = loader.read(IDIOMS)
    idioms = _idioms(loader, idioms_data, factors)
    pathways = loader.read(PATHWAYS)
    chains, rules = _pathways(loader, pathways, factors)
    messages = _messages(loader, screening_data, pathways)
    for data, file, allowed in (
        (concepts_data, CONCEPTS, {"kinds", "concepts"}),
        (factor_words_data, FACTOR_WORDS, {"concepts"}),
        (grammar_data, GRAMMAR, {"markers"}),
        (screening_data, SCREENING, {"slots", "messages", "wording"}),
        (idioms_data, IDIOMS, {"idioms"}),
        (spellings_data, SPELLINGS, {"spellings", "emoji"}),
        (dialects_data, DIALECTS, {"dialects"}),
        (factors_data, FACTORS, {"factors"}),
        (pathways, PATHWAYS, {"rules", "chains", "messages"}),
    ):
        if isinstance(data, dict):
            _check_keys(loader, file, data, allowed, file)
    if loader.problems:
        return None, loader.problems
    config = ScreeningConfig(
        kinds=kinds,
        concepts=tuple(concepts),
        grammar=grammar,
        slots=slots,
        idioms=tuple(idioms),
        factors=factors,
        chains=tuple(chains),
        rules=rules,
        messages=messages,
        spellings=tuple(spellings),
        dialects=tuple(dialects),
        emoji=emoji,
        wording=wording,
    )
    return config, []
