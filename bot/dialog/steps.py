"""One dataclass per step kind, each built from YAML by `from_yaml`, reporting every mistake as
a `Problem` with file and line instead of raising.

A step's kind is the key that names it (`say:`, `ask:`, `collect:`, `branch:`, `refer:`,
`escalate:`, `decline:`, `followup:`, `remember:`, `end:`); `next:` names the step that follows. Steps that
*wait* (ask, collect, refer) end the bot's turn and continue when the person answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from bot.checker_messages import explain
from bot.dialog.rules import Rule, problem
from bot.screening.types import RiskLevel
from bot.yamlio import Problem, line_of

BACK = "back"  # `next: back` returns to the question the person was answering
STEP_ID = re.compile(r"^[a-z][a-z0-9_]*$")
ESCALATION_REASONS = ("risk", "request", "script")
CASE_STATES = ("none", "queued", "claimed")
COMMON_FIELDS = frozenset({"next", "note"})  # `note` is free text for admins, ignored


class Reader:
    """Reads the fields of one YAML mapping, remembering problems with the step's name."""

    def __init__(self, where: str, node: Any, file: str, line: int | None, problems: list[Problem]):
        self.where = where
        self.node = node if isinstance(node, dict) else {}
        self.file = file
        self.line = line
        self.problems = problems

    def line_of(self, key: str) -> int | None:
        return line_of(self.node, key) or self.line

    def bad(self, key: str | None, message: str, rule: Rule = Rule.BAD_VALUE) -> None:
        line = self.line_of(key) if key else self.line
        self.problems.append(problem(rule, self.file, line, f"{self.where}: {message}"))

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.node.get(key)
        if value is None:
            if required:
                self.bad(None, explain("dialog.field_missing", key=key), Rule.MISSING_TEXT)
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.bad(key, explain("dialog.field_not_text", key=key))
            return ""
        return str(value)

    def texts(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        """One text or a list of texts (each becomes one message)."""
        value = self.node.get(key)
        if value is None or value == []:
            if required:
                self.bad(None, explain("dialog.messages_missing", key=key), Rule.MISSING_TEXT)
            return ()
        items = value if isinstance(value, list) else [value]
        out: list[str] = []
        for item in items:
            if not isinstance(item, str) or not item.strip():
                self.bad(key, explain("dialog.message_empty", key=key))
                continue
            out.append(str(item).strip("\n"))
        return tuple(out)

    def step_ref(self, key: str) -> str | None:
        value = self.node.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.bad(key, explain("dialog.step_name_needed", key=key))
            return None
        return str(value).strip()

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.node.get(key, default)
        if not isinstance(value, bool):
            self.bad(key, explain("dialog.true_or_false", key=key))
            return default
        return value

    def values(self, key: str) -> Mapping[str, str]:
        value = self.node.get(key)
        if value is None:
            return MappingProxyType({})
        if not isinstance(value, dict) or not all(
            isinstance(v, (str, int)) and not isinstance(v, bool) for v in value.values()
        ):
            self.bad(key, explain("dialog.name_value_pairs_example", key=key))
            return MappingProxyType({})
        out = {str(k): str(v) for k, v in value.items()}
        for name in out:
            if not STEP_ID.match(name):
                self.bad(key, explain("dialog.bad_name", name=name), Rule.BAD_ID)
        return MappingProxyType(out)

    def unknown_fields(self, allowed: frozenset[str]) -> None:
        for key in self.node:
            if str(key) not in allowed:
                self.bad(
                    str(key),
                    explain("common.unknown_field", field=key, allowed=sorted(allowed)),
                    Rule.UNKNOWN_FIELD,
                )


@dataclass(frozen=True, slots=True)
class Choice:
    """One quick-reply button of a waiting step."""

    label: str
    value: str  # what is stored as the answer (default: the label; "" stores nothing)
    next: str | None = None
    set: Mapping[str, str] = field(default_factory=dict)
    also: tuple[str, ...] = ()  # typed words that count as this choice
    line: int | None = None

    FIELDS: ClassVar[frozenset[str]] = frozenset({"label", "value", "next", "set", "also"})

    @classmethod
    def parse_list(cls, reader: Reader, key: str = "choices") -> tuple[Choice, ...]:
        raw = reader.node.get(key)
        if raw is None:
            return ()
        if not isinstance(raw, list):
            reader.bad(key, explain("dialog.choices_not_list", key=key))
            return ()
        out: list[Choice] = []
        for index, item in enumerate(raw):
            line = line_of(raw, index) or reader.line_of(key)
            if isinstance(item, str):
                item = {"label": item}
            sub = Reader(
                explain("dialog.where.choice", where=reader.where, number=index + 1),
                item,
                reader.file,
                line,
                reader.problems,
            )
            if not isinstance(item, dict):
                sub.bad(None, explain("dialog.choice_needs_label"))
                continue
            sub.unknown_fields(cls.FIELDS)
            label = sub.text("label", required=True).strip()
            also = item.get("also") or []
            if isinstance(also, str):
                also = [also]
            out.append(
                cls(
                    label=label,
                    value=sub.text("value").strip() if "value" in item else label,
                    next=sub.step_ref("next"),
                    set=sub.values("set"),
                    also=tuple(str(a) for a in also),
                    line=line,
                )
            )
        return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    id: str
    file: str
    line: int | None
    next: str | None = None

    KIND: ClassVar[str] = ""
    FIELDS: ClassVar[frozenset[str]] = frozenset()
    WAITS: ClassVar[bool] = False
    NEEDS_NEXT: ClassVar[bool] = True

    def targets(self) -> list[tuple[str, int | None]]:
        """Every step name this step can lead to, with the line that names it."""
        return [(self.next, self.line)] if self.next else []

    def texts(self) -> list[tuple[str, int | None]]:
        """Every text this step can send, for placeholder and length checks."""
        return []

    def message_count(self) -> int:
        """How many messages the step sends when the conversation reaches it."""
        return 0


@dataclass(frozen=True, slots=True, kw_only=True)
class SayStep(Step):
    """Sends one or more messages (or, with `rotate: true`, one of them in turn)."""

    messages: tuple[str, ...]
    rotate: bool = False

    KIND: ClassVar[str] = "say"
    FIELDS: ClassVar[frozenset[str]] = frozenset({"say", "rotate"})

    @classmethod
    def from_yaml(cls, sid: str, r: Reader) -> SayStep:
        return cls(
            id=sid,
            file=r.file,
            line=r.line,
            next=r.step_ref("next"),
            messages=r.texts("say", required=True),
            rotate=r.flag("rotate"),
        )

    def texts(self) -> list[tuple[str, int | None]]:
        return [(m, self.line) for m in self.messages]

    def message_count(self) -> int:
        return 1 if self.rotate else len(self.messages)


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitingStep(Step):
    """A step that sends a question with quick replies and waits for the answer."""

    messages: tuple[str, ...]
    choices: tuple[Choice, ...] = ()
    free_text: str | None = None  # where a typed answer goes (default: next)
    reprompt: str = ""  # sent with the buttons again when the conversation comes back here
    rotate: bool = False

    WAITS: ClassVar[bool] = True

    def targets(self) -> list[tuple[str, int | None]]:
        out = Step.targets(self)
        out += [(c.next, c.line) for c in self.choices if c.next]
        if self.free_text:
            out.append((self.free_text, self.line))
        return out

    def typed_target(self) -> str | None:
        return self.free_text or self.next

    def texts(self) -> list[tuple[str, int | None]]:
        out = [(m, self.line) for m in self.messages]
        if self.reprompt:
            out.append((self.reprompt, self.line))
        return out

    def message_count(self) -> int:
        return 1 if self.rotate else len(self.messages)


@dataclass(frozen=True, slots=True, kw_only=True)
class AskStep(WaitingStep):
    """Asks a question; each choice may lead elsewhere; typed answers go to `free_text`/`next`."""

    KIND: ClassVar[str] = "ask"
    FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"ask", "choices", "free_text", "reprompt", "rotate"}
    )

    @classmethod
    def from_yaml(cls, sid: str, r: Reader) -> AskStep:
        return cls(
            id=sid,
            file=r.file,
            line=r.line,
            next=r.step_ref("next"),
            messages=r.texts("ask", required=True),
            choices=Choice.parse_list(r),
            free_text=r.step_ref("free_text"),
            reprompt=r.text("reprompt"),
            rotate=r.flag("rotate"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectStep(WaitingStep):
    """Asks for one structured answer and stores it under `collect:` for the counselor."""

    name: str
    label: str  # how the counselor's case card names the answer

    KIND: ClassVar[str] = "collect"
    FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"collect", "label", "ask", "choices", "free_text", "reprompt"}
    )

    @classmethod
    def from_yaml(cls, sid: str, r: Reader) -> CollectStep:
        name = r.text("collect", required=True).strip()
        if name and not STEP_ID.match(name):
            r.bad("collect", explain("dialog.bad_name", name=name), Rule.BAD_ID)
        return cls(
            id=sid,
            file=r.file,
            line=r.line,
            next=r.step_ref("next"),
            messages=r.texts("ask", required=True),
            choices=Choice.parse_list(r),
            free_text=r.step_ref("free_text"),
            reprompt=r.text("reprompt"),
            name=name,
            label=r.text("label").strip() or name,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferStep(WaitingStep):
    """Offers the referral categories that fit the factors found; the person picks one and gets
    its services (from config/referrals.yaml), then the conversation goes to `next`."""

    categories: tuple[str, ...] = ()  # fixed categories; empty = matched from the factors
    collect_as: str = ""
    label: str = ""

    KIND: ClassVar[str] = "refer"
    FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"refer", "categories", "choices", "free_text", "reprompt", "collect_as", "label"}
    )

    @classmethod
    def from_yaml(cls, sid: str, r: Reader) -> ReferStep:
        cats = r.node.get("categories") or []
        if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
            r.bad("categories", explain("dialog.categories_not_list"))
            cats = []
        return cls(
            id=sid,
            file=r.file,
            line=r.line,
            next=r.step_ref("next"),
            messages=r.texts("refer", required=True),
            choices=Choice.parse_list(r),
            free_text=r.step_ref("free_text"),
            reprompt=r.text("reprompt"),
            categories=tuple(str(c) for c in cats),
            collect_as=r.text("collect_as").strip(),
            label=r.text("label").strip(),
        )

    def message_count(self) -> int:
        return len(self.messages)


@dataclass(frozen=True, slots=True)
class Case:
    when: Condition
    next: str
    line: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchStep(Step):
    """Goes to the first case whose `when:` holds, else to `otherwise:`. Sends nothing."""

    cases: tuple[Case, ...]
    otherwise: str | None

    KIND: ClassVar[str] = "branch"
    FIELDS: ClassVar[frozenset[str]] = frozenset({"branch", "otherwise"})
    NEEDS_NEXT: ClassVar[bool] = False

    @classmethod
    def from_yaml(cls, sid: str, r: Reader) -> BranchStep:
        raw = r.node.get("branch")
        cases: list[Case] = []
        if not isinstance(raw, list):
            r.bad("branch", explain("dialog.branch_not_list"))
            raw = []
        for index, item in enumerate(raw):
            line = line_of(raw, index) or r.line
            sub = Reader(
                explain("dialog.where.case", where=r.where, number=index + 1),
                item,
                r.file,
                line,
                r.problems,
            )
            if not isinstance(item, dict):
                sub.bad(None, explain("dialog.case_needs_when_next"))
                continue
            sub.unknown_fields(frozenset({"when", "next"}))
            target = sub.step_ref("next")
            if target is None:
                sub.bad(None, explain("dialog.case_without_next"), Rule.MISSING_NEXT)
                continue
            cases.append(Case(Condition.from_yaml(sub, item.get("when")), target, line))
        otherwise = r.step_ref("otherwise")
        if otherwise is None:
            r.bad(None, explain("dialog.otherwise_missing"), Rule.MISSING_NEXT)
        if r.node.get("next") is not None:
            r.bad("next", explain("dialog.branch_uses_otherwise"), Rule.UNKNOWN_FIELD)
        return cls(id=sid, file=r.file, line=r.line, cases=tuple(cases), otherwise=otherwise)

    def targets(self) -> list[tuple[str, int | None]]:
        out = [(c.next, c.line) for c in self.cases]
        if self.otherwise:
            out.append((self.otherwise, self.line))
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalateStep(Step):
    """Hands the person to a counselor (the desk opens one case; never twice)."""

    reason: str
    consent: bool = False
    note_for_counselor: str = ""
    risk: RiskLevel | None = None  # the person told us their danger: the case is at least this
    notify_when_open: bool = False  # the person asked to be told when counselors' hours begin

    KIND: ClassVar[str] = "escalate"
    FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"escalate", "consent", "for_counselor", "risk", "notify_when_open"}
    )

    @classmethod
    def from_yaml(cls, sid: str, r: Reader) -> EscalateStep:
        reason = r.text("escalate", required=True).strip()
        if reason and reason not in ESCALATION_REASONS:
            r.bad(
                "escalate",
                explain("dialog.bad_escalation_reason", reason=reason, allowed=ESCALATION_REASONS),
            )
        risk: RiskLevel | None = None
        if r.node.get("risk") is not None:
            try:
                risk = RiskLevel.parse(str(r.node["risk"]))
            except ValueError:
                r.bad("risk", explain("dialog.bad_risk", value=r.node["risk"]))
        return cls(
            id=sid,
            file=r.file,
            line=r.line,
            next=r.step_ref("next"),
            reason=reason,
            consent=r.flag("consent"),
            note_for_counselor=r.text("for_counselor"),
            risk=risk,
            notify_when_open=r.flag("notify_when_open"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclineStep(Step):
    """The person said they do not want a counselor (`decline: counselor`): their case says so
    on the card, leaves the counselors' queue (high risk) or stays with the supervisor
    (imminent), and the person is not asked again unless they ask."""

    KIND: ClassVar[str] = "decline"
    FIELDS: ClassVar[frozenset[str]] = frozenset({"decline"})

    @classmethod
    def from_yaml(cls, sid: str, r: Reader) -> DeclineStep:
        if r.node.get("decline") != "counselor":
            r.bad("decline", explain("dialog.bad_decline"))
        return cls(id=sid, file=r.file, line=r.line, next=r.step_ref("next"))


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowupStep(Step):
    """Schedules a check-in after `followup:` hours (the person agreed), or cancels them."""

    after_hours: float | None  # None = cancel

    KIND: ClassVar[str] = "followup"
    FIELDS: ClassVar[frozenset[str]] = frozenset({"followup"})

    @classmethod
    def from_yaml(cls, sid: str, r: Reader) -> FollowupStep:
        value = r.node.get("followup")
        hours: float | None = None
        if value == "cancel":
            hours = None
        elif (
            isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 24 * 60
        ):
            hours = float(value)
        else:
            r.bad("followup", explain("dialog.bad_followup"))
            hours = 72.0
        return cls(id=sid, file=r.file, line=r.line, next=r.step_ref("next"), after_hours=hours)


@dataclass(frozen=True, slots=True, kw_only=True)
class RememberStep(Step):
    """Remembers values for later branches (`topic` and `consent` also go to the profile)."""

    values: Mapping[str, str]

    KIND: ClassVar[str] = "remember"
    FIELDS: ClassVar[frozenset[str]] = frozenset({"remember"})

    @classmethod
    def from_yaml(cls, sid: str, r: Reader) -> RememberStep:
        values = r.values("remember")
        if not values:
            r.bad("remember", explain("dialog.remember_empty"))
        return cls(id=sid, file=r.file, line=r.line, next=r.step_ref("next"), values=values)


@dataclass(frozen=True, slots=True, kw_only=True)
class EndStep(Step):
    """Ends the conversation (`end: goodbye`) or deletes everything about the person
    (`end: forget`). The next message starts a new conversation."""

    forget: bool = False

    KIND: ClassVar[str] = "end"
    FIELDS: ClassVar[frozenset[str]] = frozenset({"end"})
    NEEDS_NEXT: ClassVar[bool] = False

    @classmethod
    def from_yaml(cls, sid: str, r: Reader) -> EndStep:
        value = r.node.get("end")
        if value not in ("goodbye", "forget"):
            r.bad("end", explain("dialog.bad_end"))
        if r.node.get("next") is not None:
            r.bad("next", explain("dialog.end_without_next"), Rule.UNKNOWN_FIELD)
        return cls(id=sid, file=r.file, line=r.line, forget=value == "forget")


STEP_KINDS: Mapping[str, Any] = MappingProxyType(
    {
        cls.KIND: cls
        for cls in (
            SayStep,
            AskStep,
            CollectStep,
            BranchStep,
            ReferStep,
            EscalateStep,
            DeclineStep,
            FollowupStep,
            RememberStep,
            EndStep,
        )
    }
)


def step_from_yaml(
    sid: str, node: Any, file: str, line: int | None, problems: list[Problem]
) -> Step | None:
    """Build one step; None when its kind cannot be told (the problem is recorded)."""
    r = Reader(explain("dialog.where.step", step=sid), node, file, line, problems)
    if not isinstance(node, dict):
        r.bad(None, explain("dialog.step_not_mapping", kinds=list(STEP_KINDS)), Rule.UNKNOWN_KIND)
        return None
    present = [str(k) for k in node if str(k) in STEP_KINDS]
    # `ask:` is also the question field of collect: a kind key that another present kind
    # takes as a field is that field, not a second kind.
    kinds = [k for k in present if not any(k in STEP_KINDS[o].FIELDS for o in present if o != k)]
    if not kinds:
        others = [str(k) for k in node if str(k) not in COMMON_FIELDS]
        r.bad(
            others[0] if others else None,
            explain("dialog.unknown_kind_named", name=others[0], kinds=list(STEP_KINDS))
            if others
            else explain("dialog.unknown_kind", kinds=list(STEP_KINDS)),
            Rule.UNKNOWN_KIND,
        )
        return None
    if len(kinds) > 1:
        r.bad(kinds[1], explain("dialog.two_kinds", kinds=kinds), Rule.TWO_KINDS)
        return None
    cls = STEP_KINDS[kinds[0]]
    r.unknown_fields(cls.FIELDS | COMMON_FIELDS)
    step: Step = cls.from_yaml(sid, r)
    if cls.NEEDS_NEXT and step.next is None:
        if isinstance(step, WaitingStep):
            if step.free_text is None or any(c.next is None for c in step.choices):
                r.bad(None, explain("dialog.next_missing_waiting"), Rule.MISSING_NEXT)
        else:
            r.bad(None, explain("dialog.next_missing"), Rule.MISSING_NEXT)
    return step


# --- branch conditions -------------------------------------------------------------------------

CONDITIONS = (
    "reply",
    "keywords",
    "risk",
    "factors",
    "collected",
    "vars",
    "staffed",
    "case",
    "visited",
    "wait_known",
    "returning",
    "counselors",
    "new_factors",
)


@dataclass(frozen=True, slots=True)
class Condition:
    """`when:` of a branch case; every condition given must hold."""

    reply: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    risk: RiskLevel | None = None  # at least this level
    factors: tuple[str, ...] = ()  # any of these ("any" = any factor at all)
    collected: Mapping[str, str] = field(default_factory=dict)  # name: value | "*" | ""
    vars: Mapping[str, str] = field(default_factory=dict)  # name: value | "*" | ""
    staffed: bool | None = None
    case: tuple[str, ...] = ()
    visited: Mapping[str, int] = field(default_factory=dict)  # step: at least n times
    wait_known: bool | None = None
    returning: bool | None = None
    counselors: bool | None = None  # a counselor side (Slack or the console) can see cases
    new_factors: tuple[str, ...] = ()  # factors this very message brought up
    line: int | None = None

    @classmethod
    def from_yaml(cls, r: Reader, node: Any) -> Condition:
        if not isinstance(node, dict) or not node:
            r.bad("when", explain("dialog.when_not_mapping"))
            return cls(line=r.line)
        sub = Reader(r.where, node, r.file, r.line_of("when"), r.problems)
        for key in node:
            if str(key) not in CONDITIONS:
                sub.bad(
                    str(key),
                    explain("dialog.unknown_condition", name=key, known=CONDITIONS),
                    Rule.UNKNOWN_CONDITION,
                )

        def strings(key: str) -> tuple[str, ...]:
            value = node.get(key)
            if value is None:
                return ()
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                return (str(value),)
            if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
                return tuple(str(v) for v in value)
            sub.bad(key, explain("dialog.text_or_list", key=key))
            return ()

        def boolean(key: str) -> bool | None:
            value = node.get(key)
            if value is None or isinstance(value, bool):
                return value
            sub.bad(key, explain("dialog.true_or_false", key=key))
            return None

        def mapping(key: str) -> Mapping[str, str]:
            value = node.get(key)
            if value is None:
                return {}
            if not isinstance(value, dict):
                sub.bad(key, explain("dialog.name_value_pairs", key=key))
                return {}
            return {str(k): "" if v is None else str(v) for k, v in value.items()}

        risk: RiskLevel | None = None
        if node.get("risk") is not None:
            try:
                risk = RiskLevel.parse(str(node["risk"]))
            except ValueError:
                sub.bad("risk", explain("dialog.bad_risk", value=node["risk"]))
        visited: dict[str, int] = {}
        for name, count in mapping("visited").items():
            if not count.isdigit() or int(count) < 1:
                sub.bad("visited", explain("dialog.visited_count", name=name))
                continue
            visited[name] = int(count)
        cases = strings("case")
        for c in cases:
            if c not in CASE_STATES:
                sub.bad("case", explain("dialog.bad_case_state", value=c, allowed=CASE_STATES))
        return cls(
            reply=strings("reply"),
            keywords=strings("keywords"),
            risk=risk,
            factors=strings("factors"),
            collected=MappingProxyType(mapping("collected")),
            vars=MappingProxyType(mapping("vars")),
            staffed=boolean("staffed"),
            case=cases,
            visited=MappingProxyType(visited),
            wait_known=boolean("wait_known"),
            returning=boolean("returning"),
            counselors=boolean("counselors"),
            new_factors=strings("new_factors"),
            line=r.line_of("when"),
        )
