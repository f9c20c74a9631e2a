"""The screening data admins edit in ``config/``, loaded, checked and compiled.

Five files (see docs/screening.md): ``lexicon.yaml`` (signal classes and lexicon entries),
``idioms.yaml`` (idioms that must never raise the level, and the marker words for negation and
for who is speaking), ``spellings.yaml`` (slang and variant spellings rewritten before
tokenization), ``factors.yaml`` (life-factor ids and their Japanese labels) and
``pathways.yaml`` (the suicide-risk pathway chains and their thresholds). Every mistake becomes a
`Problem` with the file, the line and a sentence an admin can act on; nothing is half-loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from bot.screening.matcher import GAP, GAP_MARKS, Pattern
from bot.screening.normalize import Normalizer, SpellingRule
from bot.screening.tokens import KIND_END, KIND_PUNCT, KIND_SKIP, KIND_WORD, SudachiTokenizer
from bot.screening.types import RiskLevel
from bot.yamlio import Problem, line_of, load_file

LEXICON: Final = "lexicon.yaml"
IDIOMS: Final = "idioms.yaml"
SPELLINGS: Final = "spellings.yaml"
FACTORS: Final = "factors.yaml"
PATHWAYS: Final = "pathways.yaml"
FILES: Final = (LEXICON, IDIOMS, SPELLINGS, FACTORS, PATHWAYS)

# What a class does when it combines with others (see screener.py). Admins pick one per class.
ROLES: Final = {
    "ideation": "explicit wish or intent to die, or a suicide method",
    "self_harm": "hurting oneself (リスカ, OD)",
    "passive": "passive wish not to live (消えたい, 目が覚めなければいい)",
    "plan": "preparation for suicide (遺書, 死に場所)",
    "means": "a means or place at hand (ロープを買った, 屋上にいる)",
    "time": "a time that makes it urgent (今夜, 今から)",
    "act": "an act in progress (薬を全部飲んだ)",
    "farewell": "saying goodbye (今までありがとう)",
    "despair": "hopelessness (限界, 生きている意味がない)",
    "distress": "pain and exhaustion (つらい, 疲れ果てた, 助けて)",
    "help": "asking for help or information",
    "factor": "a life factor of FACTORS.md",
    "ambivalence": "a denial of ideation said together with distress",
    "third_party": "crisis words about someone else",
}
MARKER_KINDS: Final = (
    "negation",
    "negation_scope",
    "contrast",
    "first_person",
    "third_person",
    "family",
    "media",
    "hearsay",
    "report",
)
SINGLE_WORD_MARKERS: Final = frozenset({"negation", "negation_scope", "contrast"})  # by token
# Words put before a term to see how Sudachi cuts it in a sentence (see compile_term_variants).
CARRIERS: Final = ("どこにも", "私は", "もう", "彼の", "、")
MAX_VARIANTS: Final = 4
ID_RE: Final = re.compile(r"^[a-z][a-z0-9_]*$")
REQUIRED_MESSAGES: Final = (
    "signal",
    "imminent",
    "conversation_imminent",
    "factors",
    "prior_factors",
    "pathway",
    "next",
    "pathway_level",
    "separator",
)


@dataclass(frozen=True, slots=True)
class SignalClass:
    """A kind of signal (ideation, despair, factor...) with its default level and role."""

    name: str
    label: str
    role: str
    level: RiskLevel
    reason: str
    negatable: bool
    self_form: bool


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry: terms that all mean the same signal."""

    id: str
    cls: SignalClass
    level: RiskLevel
    factor: str | None
    negatable: bool
    self_form: bool  # desiderative/volitional forms: only hearsay makes them someone else's
    about_others: bool  # the words are about another person by nature (亡くなった, 夫に殴られる)
    requires: frozenset[str]
    requires_in: str  # "message" or "conversation"
    patterns: tuple[Pattern, ...]
    regexes: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class Idiom:
    """A set phrase whose crisis-looking words are not a crisis (死ぬほど笑った)."""

    id: str
    suppress: frozenset[str] | None  # classes silenced; None means every class
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
class Markers:
    """Marker words: single-word keys for negation, patterns for attribution."""

    negation: frozenset[str]
    negation_scope: frozenset[str]
    contrast: frozenset[str]
    patterns: dict[str, tuple[Pattern, ...]]


@dataclass(frozen=True, slots=True)
class ScreeningConfig:
    """Everything the screener reads from config/, compiled and frozen."""

    classes: dict[str, SignalClass]
    entries: tuple[Entry, ...]
    idioms: tuple[Idiom, ...]
    markers: Markers
    factors: dict[str, str]  # id → Japanese label
    chains: tuple[Chain, ...]
    rules: PathwayRules
    messages: dict[str, str]
    spellings: tuple[SpellingRule, ...]


@dataclass
class _Loader:
    """Collects problems while reading the five files; compiles terms with one tokenizer."""

    config_dir: Path
    tokenizer: SudachiTokenizer
    problems: list[Problem] = field(default_factory=list)
    normalizer: Normalizer = field(default_factory=Normalizer)

    def problem(self, file: str, node: Any, key: str | int | None, message: str) -> None:
        self.problems.append(Problem(str(self.config_dir / file), line_of(node, key), message))

    def read(self, name: str) -> Any:
        path = self.config_dir / name
        if not path.exists():
            self.problems.append(Problem(str(path), None, "the file is missing"))
            return None
        data, problems = load_file(path)
        self.problems.extend(problems)
        if data is None and not problems:
            self.problems.append(Problem(str(path), None, "the file is empty"))
        if data is not None and not isinstance(data, dict):
            self.problems.append(Problem(str(path), 1, "the file must be a mapping of sections"))
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
            self.problem(file, data, key, f"'{key}' must be {what}")
        return None

    def text(self, file: str, node: Any, key: str, where: str, required: bool = True) -> str:
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            if required:
                self.problem(file, node, None, f"{where}: '{key}' is missing")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(file, node, key, f"{where}: '{key}' must be non-empty text")
            return ""
        return str(value).strip()

    def flag(self, file: str, node: Any, key: str, where: str, default: bool) -> bool:
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(file, node, key, f"{where}: '{key}' must be true or false")
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
                f"{where}: unknown level '{value}'; use none, low, moderate, high or imminent",
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
            self.problem(file, node, key, f"{where}: '{key}' must be a list of words")
            return []
        out: list[tuple[str, int]] = []
        for i, item in enumerate(value_list):
            if not isinstance(item, str) or not item.strip():
                where_node, where_key = (node, key) if single else (seq, i)
                self.problem(
                    file, where_node, where_key, f"{where}: '{key}' has an empty or non-text item"
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
            return [], f"the term '{term}' has '…' at its start or end or twice in a row"
        readings: list[list[tuple[str, str]]] = [[]]
        for n, part in enumerate(parts):
            normalized = self.normalizer.normalize(part.strip()).text
            tokens = self.tokenizer.tokenize(normalized)
            if tokens and (tokens[0].kind == KIND_SKIP or tokens[-1].kind == KIND_SKIP):
                edge = tokens[0] if tokens[0].kind == KIND_SKIP else tokens[-1]
                return [], (
                    f"the term '{term}' starts or ends with the particle '{edge.surface}', "
                    "which is ignored when matching; add the word it belongs to, or use 'regex'"
                )
            words = [t for t in tokens if t.kind != KIND_SKIP]
            if any(t.kind in (KIND_PUNCT, KIND_END) for t in words):
                return [], f"the term '{term}' contains punctuation; split it into two terms"
            if not words:
                return [], f"the term '{term}' has no words (only particles or symbols)"
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
        return [Pattern(tuple(r), at_end, term) for r in readings], ""

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
            self.problem(file, node, key, f"{where}: the regex '{source}' is not valid ({exc})")
            return None
        if "(?P<" in source:
            self.problem(file, node, key, f"{where}: named groups (?P<...>) are not allowed")
            return None
        if compiled.search(""):
            self.problem(file, node, key, f"{where}: the regex '{source}' matches empty text")
            return None
        return compiled


def _check_keys(loader: _Loader, file: str, node: Any, allowed: set[str], where: str) -> None:
    for key in node:
        if key not in allowed:
            loader.problem(
                file,
                node,
                key,
                f"{where}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})",
            )


def _spellings(loader: _Loader, data: Any) -> list[SpellingRule]:
    rules: list[SpellingRule] = []
    if data is None:
        return rules
    items = loader.section(SPELLINGS, data, "spellings", list, "a list of rules")
    if items is None:
        return rules
    seen: set[str] = set()
    examples: list[tuple[SpellingRule, str, Any, int]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            loader.problem(SPELLINGS, items, i, "each spelling rule must be a mapping")
            continue
        rid = loader.text(SPELLINGS, item, "id", f"spelling rule {i + 1}")
        where = f"spelling '{rid or i + 1}'"
        _check_keys(loader, SPELLINGS, item, {"id", "match", "write", "examples", "note"}, where)
        if rid and not ID_RE.match(rid):
            loader.problem(SPELLINGS, item, "id", f"{where}: ids use a-z, 0-9 and _ only")
        if rid in seen:
            loader.problem(SPELLINGS, item, "id", f"{where}: the id is used twice")
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
                SPELLINGS, node, j, f"the example '{example}' does not match its rule's 'match'"
            )
    return rules


def _classes(loader: _Loader, data: Any) -> dict[str, SignalClass]:
    classes: dict[str, SignalClass] = {}
    node = loader.section(LEXICON, data, "classes", dict, "a mapping of class names")
    if node is None:
        return classes
    allowed = {"label", "role", "level", "reason", "negatable", "self_form", "note"}
    for name, item in node.items():
        where = f"class '{name}'"
        if not ID_RE.match(str(name)):
            loader.problem(LEXICON, node, name, f"{where}: class names use a-z, 0-9 and _ only")
        if not isinstance(item, dict):
            loader.problem(LEXICON, node, name, f"{where}: must be a mapping (label, role, level)")
            continue
        _check_keys(loader, LEXICON, item, allowed, where)
        label = loader.text(LEXICON, item, "label", where)
        role = loader.text(LEXICON, item, "role", where)
        if role and role not in ROLES:
            loader.problem(
                LEXICON,
                item,
                "role",
                f"{where}: unknown role '{role}' (use one of {', '.join(ROLES)})",
            )
        level = loader.level(LEXICON, item, "level", where)
        if level is None and "level" not in item:
            loader.problem(LEXICON, item, None, f"{where}: 'level' is missing")
        reason = loader.text(LEXICON, item, "reason", where, required=False)
        classes[str(name)] = SignalClass(
            name=str(name),
            label=label,
            role=role,
            level=level or RiskLevel.NONE,
            reason=reason,
            negatable=loader.flag(LEXICON, item, "negatable", where, role != "time"),
            self_form=loader.flag(LEXICON, item, "self_form", where, False),
        )
    return classes


def _entries(
    loader: _Loader, data: Any, classes: dict[str, SignalClass], factors: dict[str, str]
) -> list[Entry]:
    entries: list[Entry] = []
    node = loader.section(LEXICON, data, "entries", list, "a list of entries")
    if node is None:
        return entries
    allowed = {
        "id",
        "class",
        "terms",
        "regex",
        "level",
        "factor",
        "negatable",
        "self_form",
        "about_others",
        "requires",
        "requires_in",
        "note",
    }
    seen: dict[str, int | None] = {}
    pending_requires: list[tuple[Any, str, list[tuple[str, int]]]] = []
    for i, item in enumerate(node):
        if not isinstance(item, dict):
            loader.problem(LEXICON, node, i, f"entry {i + 1}: must be a mapping (id, class, terms)")
            continue
        eid = loader.text(LEXICON, item, "id", f"entry {i + 1}")
        where = f"entry '{eid or i + 1}'"
        _check_keys(loader, LEXICON, item, allowed, where)
        if eid and not ID_RE.match(eid):
            loader.problem(LEXICON, item, "id", f"{where}: ids use a-z, 0-9 and _ only")
        if eid in seen:
            first = seen[eid]
            loader.problem(
                LEXICON, item, "id", f"{where}: duplicate entry id (first used on line {first})"
            )
        seen[eid] = line_of(item, "id")
        cname = loader.text(LEXICON, item, "class", where)
        cls = classes.get(cname)
        if cname and cls is None:
            loader.problem(
                LEXICON,
                item,
                "class",
                f"{where}: unknown signal class '{cname}' (known: {', '.join(sorted(classes))})",
            )
        factor = loader.text(LEXICON, item, "factor", where, required=False) or None
        if cls is not None and cls.role == "factor" and factor is None:
            loader.problem(LEXICON, item, None, f"{where}: a factor entry needs 'factor'")
        if factor is not None and factors and factor not in factors:
            loader.problem(
                LEXICON, item, "factor", f"{where}: unknown factor id '{factor}' (see factors.yaml)"
            )
        if "terms" not in item and "regex" not in item:
            loader.problem(LEXICON, item, None, f"{where}: needs 'terms' (or 'regex')")
        patterns, regexes = loader.compile_terms(LEXICON, item, where)
        level = loader.level(LEXICON, item, "level", where)
        requires = loader.str_list(LEXICON, item, "requires", where)
        pending_requires.append((item, where, requires))
        requires_in = loader.text(LEXICON, item, "requires_in", where, required=False) or "message"
        if requires_in not in ("message", "conversation"):
            loader.problem(
                LEXICON,
                item,
                "requires_in",
                f"{where}: 'requires_in' is 'message' or 'conversation'",
            )
        if cls is None or not (patterns or regexes):
            continue
        entries.append(
            Entry(
                id=eid,
                cls=cls,
                level=level if level is not None else cls.level,
                factor=factor,
                negatable=loader.flag(LEXICON, item, "negatable", where, cls.negatable),
                self_form=loader.flag(LEXICON, item, "self_form", where, cls.self_form),
                about_others=loader.flag(LEXICON, item, "about_others", where, False),
                requires=frozenset(r for r, _ in requires),
                requires_in=requires_in,
                patterns=patterns,
                regexes=regexes,
            )
        )
    for item, where, requires in pending_requires:
        req_node = item.get("requires")
        for name, j in requires:
            if name not in classes:
                target, key = (req_node, j) if isinstance(req_node, list) else (item, "requires")
                loader.problem(
                    LEXICON, target, key, f"{where}: 'requires' names unknown class '{name}'"
                )
    return entries


def _idioms(
    loader: _Loader, data: Any, classes: dict[str, SignalClass], factors: dict[str, str]
) -> list[Idiom]:
    idioms: list[Idiom] = []
    node = loader.section(IDIOMS, data, "idioms", list, "a list of idioms")
    if node is None:
        return idioms
    seen: set[str] = set()
    for i, item in enumerate(node):
        if not isinstance(item, dict):
            loader.problem(IDIOMS, node, i, f"idiom {i + 1}: must be a mapping (id, terms)")
            continue
        iid = loader.text(IDIOMS, item, "id", f"idiom {i + 1}")
        where = f"idiom '{iid or i + 1}'"
        _check_keys(loader, IDIOMS, item, {"id", "terms", "regex", "suppress", "note"}, where)
        if iid in seen:
            loader.problem(IDIOMS, item, "id", f"{where}: duplicate idiom id")
        seen.add(iid)
        suppress_items = loader.str_list(IDIOMS, item, "suppress", where)
        for name, _ in suppress_items:
            if name not in classes and name not in factors:
                loader.problem(
                    IDIOMS,
                    item,
                    "suppress",
                    f"{where}: 'suppress' names '{name}', which is neither a class nor a factor id",
                )
        patterns, regexes = loader.compile_terms(IDIOMS, item, where)
        if not patterns and not regexes:
            if "terms" not in item and "regex" not in item:
                loader.problem(IDIOMS, item, None, f"{where}: needs 'terms'")
            continue
        suppress = frozenset(n for n, _ in suppress_items) if suppress_items else None
        idioms.append(Idiom(iid, suppress, patterns, regexes))
    return idioms


def _markers(loader: _Loader, data: Any) -> Markers:
    node = loader.section(IDIOMS, data, "markers", dict, "a mapping of word lists") or {}
    keys: dict[str, frozenset[str]] = {}
    patterns: dict[str, tuple[Pattern, ...]] = {}
    _check_keys(loader, IDIOMS, node, set(MARKER_KINDS), "markers")
    for kind in MARKER_KINDS:
        if kind not in node:
            if data is not None:
                loader.problem(IDIOMS, node, None, f"markers: the list '{kind}' is missing")
            continue
        compiled: list[Pattern] = []
        words: set[str] = set()
        seq = node.get(kind)
        for word, i in loader.str_list(IDIOMS, node, kind, f"markers '{kind}'"):
            target: Any = seq if isinstance(seq, list) else node
            key: str | int = i if isinstance(seq, list) else kind
            if kind in SINGLE_WORD_MARKERS:
                # Compared with each token's surface and dictionary key, so でも and のに work
                # even though Sudachi reads them as two particles elsewhere.
                words.add(word)
                pattern, _ = loader.compile_term(word)
                if pattern is not None and len(pattern.elements) == 1:
                    words.add(pattern.first)
                continue
            pattern, error = loader.compile_term(word)
            if pattern is None:
                loader.problem(IDIOMS, target, key, f"markers '{kind}': {error}")
                continue
            compiled.append(pattern)
        keys[kind] = frozenset(words)
        patterns[kind] = tuple(compiled)
    return Markers(
        negation=keys.get("negation", frozenset()),
        negation_scope=keys.get("negation_scope", frozenset()),
        contrast=keys.get("contrast", frozenset()),
        patterns=patterns,
    )


def _factors(loader: _Loader, data: Any) -> dict[str, str]:
    factors: dict[str, str] = {}
    node = loader.section(FACTORS, data, "factors", dict, "a mapping of factor ids")
    if node is None:
        return factors
    for fid, item in node.items():
        where = f"factor '{fid}'"
        if not ID_RE.match(str(fid)):
            loader.problem(FACTORS, node, fid, f"{where}: factor ids use a-z, 0-9 and _ only")
        if not isinstance(item, dict):
            loader.problem(FACTORS, node, fid, f"{where}: must be a mapping with 'label'")
            continue
        _check_keys(loader, FACTORS, item, {"label", "note"}, where)
        factors[str(fid)] = loader.text(FACTORS, item, "label", where)
    return factors


def _int(loader: _Loader, node: Any, key: str, default: int) -> int:
    value = node.get(key, default) if isinstance(node, dict) else default
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        loader.problem(PATHWAYS, node, key, f"rules: '{key}' must be a whole number ≥ 1")
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
        loader.problem(PATHWAYS, data, "rules", "'rules' must be a mapping")
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
                f"rules: unknown factor id '{a}' in 'amplifiers'",
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
    node = loader.section(PATHWAYS, data, "chains", list, "a list of chains")
    if node is None:
        return chains, rules
    seen: set[str] = set()
    for i, item in enumerate(node):
        if not isinstance(item, dict):
            loader.problem(PATHWAYS, node, i, f"chain {i + 1}: must be a mapping")
            continue
        cid = loader.text(PATHWAYS, item, "id", f"chain {i + 1}")
        where = f"chain '{cid or i + 1}'"
        _check_keys(loader, PATHWAYS, item, {"id", "group", "label", "steps", "note"}, where)
        if cid in seen:
            loader.problem(PATHWAYS, item, "id", f"{where}: duplicate chain id")
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
                f"{where}: 'steps' must be a list of factor ids "
                "(use [a, b] for factors that come together)",
            )
            continue
        for j, step in enumerate(steps_node):
            ids = [step] if isinstance(step, str) else step
            if not isinstance(ids, list) or not ids or not all(isinstance(x, str) for x in ids):
                loader.problem(
                    PATHWAYS,
                    steps_node,
                    j,
                    f"{where}: step {j + 1} must be a factor id or a list of them",
                )
                continue
            for fid in ids:
                if factors and fid not in factors:
                    loader.problem(
                        PATHWAYS,
                        steps_node,
                        j,
                        f"{where}: unknown factor id '{fid}' in step {j + 1} (see factors.yaml)",
                    )
            steps.append(tuple(str(x) for x in ids))
        chain = Chain.make(cid, group, label, tuple(steps))
        if len(chain.factors) < 2:
            loader.problem(PATHWAYS, item, "steps", f"{where}: a chain needs two factors or more")
            continue
        chains.append(chain)
    return chains, rules


def _messages(loader: _Loader, lexicon: Any, pathways: Any) -> dict[str, str]:
    messages: dict[str, str] = {}
    for file, data in ((LEXICON, lexicon), (PATHWAYS, pathways)):
        node = data.get("messages") if data is not None else None
        if node is None:
            continue
        if not isinstance(node, dict):
            loader.problem(file, data, "messages", "'messages' must be a mapping of templates")
            continue
        for key, value in node.items():
            if not isinstance(value, str):
                loader.problem(file, node, key, f"messages: '{key}' must be text")
                continue
            messages[str(key)] = str(value)
    for key, value in messages.items():
        try:
            value.format_map(_AnyField())
        except (ValueError, IndexError) as exc:
            file = LEXICON if key in (lexicon or {}).get("messages", {}) else PATHWAYS
            loader.problem(file, None, None, f"messages: the template '{key}' is broken ({exc})")
    if lexicon is not None and pathways is not None:
        for key in REQUIRED_MESSAGES:
            if key not in messages:
                loader.problem(LEXICON, lexicon, None, f"messages: the template '{key}' is missing")
    return messages


class _AnyField(dict[str, str]):
    """format_map target that accepts any placeholder name (for checking template syntax)."""

    def __missing__(self, key: str) -> str:
        return ""


def _required_classes(loader: _Loader, data: Any, classes: dict[str, SignalClass]) -> None:
    if data is None or not classes:
        return
    roles = {c.role for c in classes.values()}
    for role in ("ideation", "factor", "ambivalence", "third_party"):
        if role not in roles:
            loader.problem(
                LEXICON,
                data.get("classes"),
                None,
                f"classes: no class has the role '{role}' ({ROLES[role]})",
            )


def load_config(
    config_dir: Path, tokenizer: SudachiTokenizer | None = None
) -> tuple[ScreeningConfig | None, list[Problem]]:
    """Read and check the five files; the config only when there is no problem at all."""
    loader = _Loader(config_dir, tokenizer or SudachiTokenizer())
    spellings_data = loader.read(SPELLINGS)
    spellings = _spellings(loader, spellings_data)
    loader.normalizer = Normalizer(spellings)
    factors_data = loader.read(FACTORS)
    factors = _factors(loader, factors_data)
    lexicon = loader.read(LEXICON)
    classes = _classes(loader, lexicon)
    _required_classes(loader, lexicon, classes)
    entries = _entries(loader, lexicon, classes, factors)
    idioms_data = loader.read(IDIOMS)
    idioms = _idioms(loader, idioms_data, classes, factors)
    markers = _markers(loader, idioms_data)
    pathways = loader.read(PATHWAYS)
    chains, rules = _pathways(loader, pathways, factors)
    messages = _messages(loader, lexicon, pathways)
    for data, file, allowed in (
        (lexicon, LEXICON, {"classes", "entries", "messages"}),
        (idioms_data, IDIOMS, {"idioms", "markers"}),
        (spellings_data, SPELLINGS, {"spellings"}),
        (factors_data, FACTORS, {"factors"}),
        (pathways, PATHWAYS, {"rules", "chains", "messages"}),
    ):
        if isinstance(data, dict):
            _check_keys(loader, file, data, allowed, file)
    if loader.problems:
        return None, loader.problems
    config = ScreeningConfig(
        classes=classes,
        entries=tuple(entries),
        idioms=tuple(idioms),
        markers=markers,
        factors=factors,
        chains=tuple(chains),
        rules=rules,
        messages=messages,
        spellings=tuple(spellings),
    )
    return config, []
