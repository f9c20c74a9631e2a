"""The crisis screener: one message in, the conversation's risk level and its reasons out.

Per message: normalize → Sudachi tokens → lexicon matches → drop idioms, negated words and words
about someone else (keeping ambivalence) → signals → the message's level (with the combinations
that make a crisis imminent). Per conversation: signals and factors accumulate in the
`ScreeningState`; factors (plus the person's earlier ones) are matched against the pathway
chains; the conversation level never drops.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from bot.screening.config import (
    Chain,
    Entry,
    Idiom,
    ScreeningConfig,
    SignalClass,
    load_config,
)
from bot.screening.matcher import PatternSet, Stream
from bot.screening.normalize import Normalized, Normalizer, fold_katakana
from bot.screening.tokens import KIND_END, KIND_PUNCT, KIND_SKIP, SudachiTokenizer, Token
from bot.screening.types import PathwayMatch, RiskLevel, ScreeningResult, ScreeningState, Signal
from bot.yamlio import ConfigError, Problem

# Roles that are about the person's own crisis: said about someone else they become third_party.
_CRISIS_ROLES = frozenset({"ideation", "passive", "self_harm", "plan", "act"})
# Roles whose words compete for the same span: the longest match wins (楽な死に方 is a plan,
# not also the ideation 楽な死に inside it).
_SPAN_ROLES = frozenset(
    {"ideation", "passive", "self_harm", "plan", "means", "time", "act", "farewell"}
)
# Roles that count as despair for the pathway rule "≥3 linked factors with despair".
_DESPAIR_ROLES = frozenset(
    {"despair", "distress", "passive", "ideation", "self_harm", "ambivalence"}
)
# Roles never attributed to someone else (a time or a request is always the speaker's).
_UNATTRIBUTED_ROLES = frozenset({"time", "help", "farewell"})
_MAX_REASON_SIGNALS = 8
_SUBJECT_PARTICLES = frozenset({"が", "は", "も", "って", "ってば", "ったら"})
_MAX_SCOPE = 10
_MAX_PER_ENTRY = 8
_MAX_CANDIDATES = 2000


class _Candidate(NamedTuple):  # a tuple: built for every match, cheaper than a frozen dataclass
    entry: Entry
    begin: int  # span in the normalized text
    end: int
    negated: bool
    about: str  # "self", "other" (a third person) or "media" (fiction, news)


class MessageAnalysis(NamedTuple):
    """What one message shows on its own (before conversation context)."""

    signals: tuple[Signal, ...]
    level: RiskLevel
    imminent_combo: bool
    # roles of words that waited for a context they did not find (屋上にいる before 死にたい)
    pending: frozenset[str] = frozenset()


_EMPTY = MessageAnalysis((), RiskLevel.NONE, False)
_BY_SPAN = attrgetter("begin", "end")
_SIGNAL_ORDER = attrgetter("start", "end")
_NOTHING: frozenset[str] = frozenset()


def _inside(inner: _Candidate, outer: _Candidate) -> bool:
    """The longest match wins a span.

    楽な死に方 (a plan) hides 楽な死に (ideation) inside it; カードローン hides ローン.
    """
    if (outer.begin, outer.end) == (inner.begin, inner.end):
        return False
    if not (outer.begin <= inner.begin and inner.end <= outer.end):
        return False
    inner_role, outer_role = inner.entry.cls.role, outer.entry.cls.role
    if inner_role in _SPAN_ROLES and outer_role in _SPAN_ROLES:
        return True
    return inner.entry.cls is outer.entry.cls and inner.entry.factor == outer.entry.factor


def _drop_hidden(candidates: list[_Candidate]) -> list[_Candidate]:
    """Candidates not hidden inside a longer one (`_inside`), in their original order.

    Only candidates that begin at most `longest` characters earlier can contain one, so each is
    compared with that window only: linear on long pasted texts, not quadratic.
    """
    if len(candidates) < 2:
        return candidates
    order = sorted(candidates, key=lambda c: c.begin)
    begins = [c.begin for c in order]
    longest = max(c.end - c.begin for c in order)
    kept: list[_Candidate] = []
    for c in candidates:
        window = order[bisect_left(begins, c.end - longest) : bisect_right(begins, c.begin)]
        if not any(_inside(c, d) for d in window):
            kept.append(c)
    return kept


_PENDING_KEY = "pending_roles"
# Roles that, said after a wish to die or a plan, make the conversation imminent.
_STEP_ROLES = frozenset({"means", "plan", "act", "farewell"})
_NEW_CONVERSATION = ScreeningState()


class _Fields(dict[str, str]):
    """Template fields; an unknown placeholder stays visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Screener:
    """Screens messages with the lexicon, idioms and pathway chains of one config directory.

    Holds one Sudachi tokenizer, which is not thread-safe: use one Screener per thread (the
    service calls it from the event loop thread only). Screening keeps no per-call state on the
    instance, so many asyncio tasks may share one Screener.
    """

    def __init__(self, config: ScreeningConfig, tokenizer: SudachiTokenizer) -> None:
        self.config = config
        self._tokenizer = tokenizer
        self._normalizer = Normalizer(config.spellings)
        self._entries: PatternSet[Entry] = PatternSet()
        for entry in config.entries:
            for pattern in entry.patterns:
                self._entries.add(pattern, entry)
            for regex in entry.regexes:
                self._entries.add_regex(regex, entry)
        self._idioms: PatternSet[Idiom] = PatternSet()
        for idiom in config.idioms:
            for pattern in idiom.patterns:
                self._idioms.add(pattern, idiom)
            for regex in idiom.regexes:
                self._idioms.add_regex(regex, idiom)
        self._markers: PatternSet[str] = PatternSet()
        for kind, patterns in config.markers.patterns.items():
            for pattern in patterns:
                self._markers.add(pattern, kind)
        self._by_role: dict[str, SignalClass] = {}
        for cls in config.classes.values():
            self._by_role.setdefault(cls.role, cls)
        self._role_of = {name: cls.role for name, cls in config.classes.items()}
        # Classes a reason line is written for (not factors: they get one line together):
        # their rank (the most urgent first), template and label.
        signal_template = config.messages.get("signal", "{label}: {text}")
        self._reason_of = {
            name: (-int(cls.level), cls.reason or signal_template, cls.label)
            for name, cls in config.classes.items()
            if cls.role != "factor"
        }
        # Pathway matches depend only on the set of factors: remember the recent ones.
        self._pathway_memo: dict[
            tuple[tuple[str, ...], frozenset[str]], tuple[PathwayMatch | None, int]
        ] = {}

    @classmethod
    def load(cls, config_dir: Path) -> Screener:
        """Load and check config_dir; raises ConfigError listing every problem."""
        tokenizer = SudachiTokenizer()
        config, problems = load_config(Path(config_dir), tokenizer)
        if config is None:
            raise ConfigError(problems)
        return cls(config, tokenizer)

    # --- public API ----------------------------------------------------------------------

    def screen(
        self, text: str, state: ScreeningState | None = None
    ) -> tuple[ScreeningResult, ScreeningState]:
        """Screen the newest message in the context of the conversation so far."""
        old = _NEW_CONVERSATION if state is None else state  # only read, never changed
        index = old.messages
        context = frozenset([s.cls for s in old.signals])
        analysis = self.analyze(text, index, context)
        signals = [*old.signals, *analysis.signals]
        factors = list(old.factors)
        for signal in analysis.signals:
            if signal.factor and signal.factor not in factors:
                factors.append(signal.factor)
        prior = [f for f in old.prior_factors if f]
        earlier_roles = self._roles(old.signals)
        now_roles = self._roles(analysis.signals)
        pending = set(old.extra.get(_PENDING_KEY, ()))
        conversation_imminent = bool(now_roles) and (
            bool((earlier_roles & {"ideation", "passive", "plan"}) and (now_roles & _STEP_ROLES))
            or bool((earlier_roles & {"means", "plan"}) and "ideation" in now_roles)
            # a place or act said first, the wish to die after it (いま屋上にいる → 死にたい)
            or bool((pending & {"means", "act"}) and (now_roles & {"ideation", "passive"}))
        )
        despair = bool((earlier_roles | now_roles) & _DESPAIR_ROLES)
        pathway, links = self._pathway(factors, prior)
        pathway_level = self._pathway_level(pathway, links, despair)
        level = max(old.risk, analysis.level, pathway_level)
        if conversation_imminent:
            level = RiskLevel.IMMINENT
        reasons = (
            self._reasons(
                signals,
                factors,
                prior,
                pathway,
                links,
                analysis.imminent_combo,
                conversation_imminent,
            )
            if signals or prior
            else []
        )
        # positional: keyword arguments make these dataclasses markedly slower to build
        result = ScreeningResult(
            level,  # risk
            analysis.level,  # message_risk
            old.risk,  # previous_risk
            tuple(signals),
            tuple(factors),
            pathway,
            tuple(reasons),
        )
        new_state = ScreeningState(
            index + 1,  # messages
            level,  # risk
            signals,
            factors,
            list(old.prior_factors),
            {**old.extra, _PENDING_KEY: sorted(pending | analysis.pending)},  # extra
        )
        return result, new_state

    def screen_conversation(
        self, messages: Sequence[str], prior_factors: Sequence[str] = ()
    ) -> ScreeningResult:
        """Screen a whole conversation (oldest message first); the result after the last."""
        state = ScreeningState(prior_factors=list(prior_factors))
        result = ScreeningResult(risk=RiskLevel.NONE)
        for text in messages:
            result, state = self.screen(text, state)
        return result

    # --- one message ---------------------------------------------------------------------

    def analyze(
        self, text: str, index: int = 0, context: frozenset[str] = frozenset()
    ) -> MessageAnalysis:
        """Signals and level of one message; ``context``: classes seen earlier in the talk."""
        normalized = self._normalizer.normalize(text)
        tokens = self._tokenizer.tokenize(normalized.text)
        candidates = self._candidates(normalized.text, tokens)
        folded_spans = [
            (t.begin, t.end)
            for t in tokens
            if t.oov
            and len(t.surface) > 1
            and all("\u30a1" <= c <= "\u30fa" for c in t.surface)
            and not any(c.begin <= t.begin and t.end <= c.end for c in candidates)
        ]
        if folded_spans:
            # Unknown katakana words (シニタイ, キエタイ): read them again as hiragana.
            folded = fold_katakana(normalized.text, folded_spans)
            known = {(c.entry.id, c.begin, c.end) for c in candidates}
            for c in self._candidates(folded, self._tokenizer.tokenize(folded)):
                if (c.entry.id, c.begin, c.end) not in known:
                    candidates.append(c)
        return self._decide(candidates, normalized, text, index, context)

    def _candidates(self, text: str, tokens: list[Token]) -> list[_Candidate]:
        stream = Stream(tokens)
        found = self._entries.find(stream, text)
        if not found:
            return []
        idioms = [
            (begin, end, idiom.suppress)
            for idiom, _, _, begin, end in self._idioms.find(stream, text)
        ]
        markers: dict[tuple[str, int], list[tuple[int, int]]] | None = None
        out: list[_Candidate] = []
        seen: set[tuple[str, int, int]] = set()
        per_entry: dict[str, int] = {}
        n_words = len(stream.keys)
        for entry, a, b, begin, end in found:
            key = (entry.id, begin, end)
            if key in seen:
                continue
            seen.add(key)
            # A pasted wall of text repeats the same words: a few of each entry are enough,
            # and keep the work per message linear.
            count = per_entry.get(entry.id, 0)
            if count >= _MAX_PER_ENTRY:
                continue
            if idioms and any(
                begin < i_end
                and i_begin < end
                and (sup is None or entry.cls.name in sup or entry.factor in sup)
                for i_begin, i_end, sup in idioms
            ):
                continue
            words = a < b <= n_words
            negated = words and entry.negatable and self._negated(tokens, stream.tok[b - 1])
            about = "self"
            if words and entry.cls.role not in _UNATTRIBUTED_ROLES and not entry.about_others:
                if markers is None:
                    markers = self._find_markers(stream, text)
                about = self._attribution(entry, stream, a, b, markers)
            if not negated and about == "self":
                per_entry[entry.id] = count + 1
            out.append(_Candidate(entry, begin, end, negated, about))
            if len(out) >= _MAX_CANDIDATES:
                break
        return out

    def _find_markers(
        self, stream: Stream, text: str
    ) -> dict[tuple[str, int], list[tuple[int, int]]]:
        """Marker words by (kind, sentence), as word spans."""
        found: dict[tuple[str, int], list[tuple[int, int]]] = {}
        n = len(stream.sentence)
        for kind, a, b, _, _ in self._markers.find(stream, text):
            if a < n:
                found.setdefault((kind, stream.sentence[a]), []).append((a, b))
        return found

    def _negated(self, tokens: list[Token], last: int) -> bool:
        """Whether the words right after a match deny it (死にたくない, 死にたいとは思わない).

        Walks forward through particles, auxiliaries and verbs of thinking until the clause
        ends; an odd number of negations denies (死にたくないわけじゃない does not).
        """
        markers = self.config.markers
        negations = 0
        i = last + 1
        steps = 0
        while i < len(tokens) and steps < _MAX_SCOPE:
            t = tokens[i]
            if t.kind in (KIND_END, KIND_PUNCT) or (
                t.kind != KIND_SKIP and (t.key in markers.contrast or t.surface in markers.contrast)
            ):
                break
            if t.key in markers.negation:
                negations += 1
            elif not (
                t.kind == KIND_SKIP
                or t.key in markers.negation_scope
                or (t.pos == "助詞" and t.pos2 in ("係助詞", "副助詞", "格助詞"))
                or t.pos == "助動詞"
            ):
                break
            i += 1
            steps += 1
        return negations % 2 == 1

    def _attribution(
        self,
        entry: Entry,
        stream: Stream,
        a: int,
        b: int,
        markers: dict[tuple[str, int], list[tuple[int, int]]],
    ) -> str:
        """Who the words are about: the person ("self"), someone else, or fiction/news."""
        sentence = stream.sentence[a]
        if not markers or not any(key[1] == sentence for key in markers):
            return "self"  # no person, media or hearsay words in this sentence (most messages)

        def in_sentence(kind: str, before: bool | None) -> list[tuple[int, int]]:
            spans = markers.get((kind, sentence), ())
            if before is True:
                return [(x, y) for x, y in spans if y <= a]
            if before is False:
                return [(x, y) for x, y in spans if x >= b]
            return list(spans)

        # The nearest subject before the words decides who they are about.
        subjects = [
            (y, kind)
            for kind in ("first_person", "third_person", "family")
            for x, y in in_sentence(kind, True)
            if self._is_subject(stream, y)
        ]
        nearest = max(subjects)[1] if subjects else ""
        if nearest == "first_person":
            return "self"
        media = bool(in_sentence("media", None))
        hearsay = bool(in_sentence("hearsay", False))
        report = bool(in_sentence("report", False))
        other = "media" if media else "other"
        if entry.cls.role == "factor":
            # A relative's job loss or debt is the household's problem too: only friends,
            # colleagues, fiction and the news take a factor away from the person.
            if nearest == "third_person":
                return other
            return "media" if media and not nearest else "self"
        if entry.self_form:
            # 死にたい is first person by grammar; only reported speech makes it someone else's.
            if hearsay or (nearest and report):
                return other
            return "self"
        if nearest or hearsay:
            return other
        return "media" if media else "self"

    @staticmethod
    def _is_subject(stream: Stream, marker_end: int) -> bool:
        """A third-person word followed (within a suffix or two) by a subject particle."""
        if marker_end <= 0 or marker_end > len(stream.tok):
            return False
        tokens = stream.tokens
        i = stream.tok[marker_end - 1] + 1
        for _ in range(3):
            if i >= len(tokens):
                return False
            t = tokens[i]
            if t.surface in _SUBJECT_PARTICLES:
                return True
            if t.pos not in ("接尾辞", "名詞") or t.kind != 0:
                return False
            i += 1
        return False

    def _decide(
        self,
        candidates: list[_Candidate],
        normalized: Normalized,
        original: str,
        index: int,
        context: frozenset[str],
    ) -> MessageAnalysis:
        if not candidates:
            return _EMPTY
        kept = [c for c in candidates if not c.negated and c.about == "self"]
        selected, waiting = (
            self._requirements(kept, context)
            if any(c.entry.requires for c in kept)
            else (kept, _NOTHING)  # most messages: no word waits for another class
        )
        selected = _drop_hidden(selected)
        signals: list[Signal] = []
        levels: list[RiskLevel] = [RiskLevel.NONE]
        roles: set[str] = set()
        seen: set[tuple[str, int, int]] = set()

        def add(cls: SignalClass, entry: Entry, begin: int, end: int, level: RiskLevel) -> None:
            start, stop = normalized.original_span(begin, end)
            key = (cls.name, start, stop)
            if key in seen:
                return
            seen.add(key)
            factor = entry.factor if cls.role == "factor" else None
            # positional: keyword arguments make this frozen dataclass markedly slower to build
            signals.append(
                Signal(cls.name, entry.id, original[start:stop], start, stop, index, factor)
            )
            levels.append(level)
            roles.add(cls.role)

        for c in sorted(selected, key=_BY_SPAN):
            add(c.entry.cls, c.entry, c.begin, c.end, c.entry.level)
        third = self._by_role.get("third_party")
        if third is not None:
            for c in candidates:
                if c.about == "other" and not c.negated and c.entry.cls.role in _CRISIS_ROLES:
                    add(third, c.entry, c.begin, c.end, third.level)
        ambivalence = self._by_role.get("ambivalence")
        if ambivalence is not None and roles & {"despair", "passive", "ideation", "self_harm"}:
            for c in candidates:
                if c.negated and c.about == "self" and c.entry.cls.role in ("ideation", "passive"):
                    add(ambivalence, c.entry, c.begin, c.end, ambivalence.level)
        plans = {c.entry.id for c in selected if c.entry.cls.role == "plan"}
        imminent = (
            "act" in roles
            or len(plans) > 1
            or bool("ideation" in roles and roles & {"time", "means", "plan", "farewell"})
            or bool("passive" in roles and roles & {"means", "plan"})
            or bool("plan" in roles and roles & {"time", "means", "farewell"})
            or bool("means" in roles and roles & {"time", "farewell"})
            or bool("self_harm" in roles and "time" in roles)
        )
        level = RiskLevel.IMMINENT if imminent else max(levels)
        signals.sort(key=_SIGNAL_ORDER)
        return MessageAnalysis(tuple(signals), level, imminent, waiting)

    @staticmethod
    def _requirements(
        kept: list[_Candidate], context: frozenset[str]
    ) -> tuple[list[_Candidate], frozenset[str]]:
        """Candidates whose required classes are present, and the roles of those still waiting."""
        present = {c.entry.cls.name for c in kept if not c.entry.requires}

        def satisfied(entry: Entry) -> bool:
            if not entry.requires:
                return True
            if entry.requires_in == "conversation":
                return bool(entry.requires & (present | context))
            return bool(entry.requires & present)

        for _ in range(2):  # requirements may chain (a term needing a class that needs another)
            present |= {c.entry.cls.name for c in kept if satisfied(c.entry)}
        selected = [c for c in kept if satisfied(c.entry)]
        waiting = frozenset(
            c.entry.cls.role
            for c in kept
            if c.entry.requires_in == "conversation" and not satisfied(c.entry)
        )
        return selected, waiting

    # --- conversation --------------------------------------------------------------------

    def _roles(self, signals: Sequence[Signal]) -> set[str]:
        role_of = self._role_of
        return {role_of[s.cls] for s in signals if s.cls in role_of} if signals else set()

    def _pathway(
        self, factors: Sequence[str], prior: Sequence[str]
    ) -> tuple[PathwayMatch | None, int]:
        if not factors and not prior:
            return None, 0
        memo_key = (tuple(factors), frozenset(prior))
        found = self._pathway_memo.get(memo_key)
        if found is None:
            if len(self._pathway_memo) > 4096:
                self._pathway_memo.clear()
            found = self._pathway_memo[memo_key] = self._match_pathway(factors, prior)
        return found

    def _match_pathway(
        self, factors: Sequence[str], prior: Sequence[str]
    ) -> tuple[PathwayMatch | None, int]:
        present = set(factors) | set(prior)
        if not present:
            return None, 0
        rules = self.config.rules
        best: tuple[tuple[int, int, float, int], Chain, list[str]] | None = None
        for order, chain in enumerate(self.config.chains):
            chain_factors = chain.factors
            matched = [f for f in chain_factors if f in present]
            if not matched:
                continue
            amplified = sum(1 for f in rules.amplifiers if f in present and f not in chain_factors)
            links = len(matched) + amplified
            current = sum(1 for f in matched if f in factors)
            score = (links, current, len(matched) / len(chain_factors), -order)
            if best is None or score > best[0]:
                best = (score, chain, matched)
        if best is None:
            return None, 1 if present else 0
        (links, _, _, _), chain, matched = best
        if links < rules.show_links:
            return None, links
        last = max(i for i, step in enumerate(chain.steps) if any(f in matched for f in step))
        upcoming: list[str] = []
        for step in chain.steps[last + 1 :]:
            upcoming = [f for f in step if f not in present]
            if upcoming:
                break
        match = PathwayMatch(
            chain_id=chain.id,
            label=chain.label,
            group=chain.group,
            matched=tuple(matched),
            next=tuple(upcoming),
            length=len(chain.factors),
        )
        return match, links

    def _pathway_level(self, pathway: PathwayMatch | None, links: int, despair: bool) -> RiskLevel:
        rules = self.config.rules
        if links >= rules.high_links or (despair and links >= rules.high_links_with_despair):
            return RiskLevel.HIGH
        complete = pathway is not None and len(pathway.matched) == pathway.length
        if complete and despair and rules.high_when_complete_with_despair:
            return RiskLevel.HIGH
        if links >= rules.moderate_links:
            return RiskLevel.MODERATE
        return RiskLevel.NONE

    def _reasons(
        self,
        signals: Sequence[Signal],
        factors: Sequence[str],
        prior: Sequence[str],
        pathway: PathwayMatch | None,
        links: int,
        imminent: bool,
        conversation_imminent: bool,
    ) -> list[str]:
        messages = self.config.messages
        labels = self.config.factors
        sep = messages.get("separator", "、")
        out: list[str] = []
        if imminent:
            out.append(messages.get("imminent", ""))
        if conversation_imminent:
            out.append(messages.get("conversation_imminent", ""))
        shown: set[tuple[str, str]] = set()
        reason_of = self._reason_of
        ranked = sorted(
            [s for s in signals if s.cls in reason_of], key=lambda s: reason_of[s.cls][0]
        )
        for s in ranked:
            if len(shown) >= _MAX_REASON_SIGNALS:
                break
            if (s.cls, s.text) in shown:
                continue
            shown.add((s.cls, s.text))
            _, template, label = reason_of[s.cls]
            out.append(
                template.format_map(_Fields(label=label, text=s.text, message=str(s.message + 1)))
            )
        if factors:
            names = sep.join(map(labels.get, factors, factors))  # a factor's label, else its id
            out.append(messages.get("factors", "{factors}").format_map(_Fields(factors=names)))
        earlier = [f for f in prior if f not in factors] if prior else []
        if earlier:
            names = sep.join(map(labels.get, earlier, earlier))
            out.append(
                messages.get("prior_factors", "{factors}").format_map(_Fields(factors=names))
            )
        if pathway is not None:
            fields = _Fields(
                label=pathway.label,
                group=pathway.group,
                matched=sep.join(labels.get(f, f) for f in pathway.matched),
                next=sep.join(labels.get(f, f) for f in pathway.next),
                links=str(links),
                length=str(pathway.length),
            )
            out.append(messages.get("pathway", "{label}").format_map(fields))
            if pathway.next:
                out.append(messages.get("next", "{next}").format_map(fields))
            out.append(messages.get("pathway_level", "{links}").format_map(fields))
        return list(filter(None, out))  # without empty lines


def check_config(config_dir: Path) -> list[Problem]:
    """Every problem in the screening files of config_dir (empty when they are usable)."""
    _, problems = load_config(Path(config_dir))
    return problems
