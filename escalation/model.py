"""The case: what a counselor needs to pick up a conversation, as stored in one Redis hash.

A case is identified to counselors only by its case id (``C-0001``). The person's address is
kept in the record so counselor messages can be routed back, and is never rendered.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

from bot.channels.base import Address
from bot.screening.types import RiskLevel

State = Literal["queued", "claimed", "closed", "handed_back", "deleted"]
OPEN_STATES: frozenset[str] = frozenset({"queued", "claimed"})

# Queue order: risk first (imminent, high, moderate, then "asked for a human"), then waiting
# time. The score packs both: priority * PRIORITY_SPAN + opened_ms (ms since 1970 < 1e13).
PRIORITY_SPAN = 10**13
PRIORITY_IMMINENT, PRIORITY_HIGH, PRIORITY_MODERATE, PRIORITY_REQUEST = 0, 1, 2, 3
PRIORITY_NAMES = {
    PRIORITY_IMMINENT: "imminent",
    PRIORITY_HIGH: "high",
    PRIORITY_MODERATE: "moderate",
    PRIORITY_REQUEST: "request",
}


def priority_for(risk: RiskLevel, flagged: bool = False) -> int:
    """Danger to someone else (a flag) ranks like imminent risk, whatever the writer's own."""
    if risk >= RiskLevel.IMMINENT or flagged:
        return PRIORITY_IMMINENT
    if risk >= RiskLevel.HIGH:
        return PRIORITY_HIGH
    if risk >= RiskLevel.MODERATE:
        return PRIORITY_MODERATE
    return PRIORITY_REQUEST


@dataclass(frozen=True, slots=True)
class Counselor:
    """Who acted: a Slack user (``slack``/``U123``) or a name typed on the local console."""

    kind: Literal["slack", "console", "system"]
    id: str

    def ref(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, ref: str) -> Counselor | None:
        kind, _, ident = ref.partition(":")
        if not ident or kind not in ("slack", "console", "system"):
            return None
        return cls(kind, ident)  # type: ignore[arg-type]

    def mention(self) -> str:
        """How Slack shows this counselor (a user mention renders as their name)."""
        return f"<@{self.id}>" if self.kind == "slack" else self.id

    def plain(self) -> str:
        return f"@{self.id}" if self.kind == "slack" else self.id


@dataclass(frozen=True, slots=True)
class Actor:
    """Who pressed a button or wrote in a thread, and what they may do: a supervisor (named by
    SLACK_SUPERVISOR_USERS), a member of our own organisation, or someone from another one (a
    shared Slack Connect channel), who may do nothing with a case."""

    who: Counselor
    supervisor: bool = False
    ours: bool = True


@dataclass(frozen=True, slots=True)
class SignOff:
    """Who allowed an imminent or flagged case to be closed or handed back, when, and why."""

    by: str  # Counselor.ref() of the supervisor
    at_ms: int
    why: str
    requested_by: str = ""  # the holder who asked for it, when it was not the supervisor

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "at": self.at_ms, "why": self.why, "requested_by": self.requested_by}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignOff:
        return cls(
            by=str(data.get("by", "")),
            at_ms=int(data.get("at", 0)),
            why=str(data.get("why", "")),
            requested_by=str(data.get("requested_by", "")),
        )


@dataclass(frozen=True, slots=True)
class PendingClose:
    """A holder asked a supervisor to sign off closing (or handing back) the case."""

    by: str  # Counselor.ref() of the holder
    at_ms: int
    hand_back: bool
    outcome: str
    summary: str
    why: str

    def to_json(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "at": self.at_ms,
            "hand_back": self.hand_back,
            "outcome": self.outcome,
            "summary": self.summary,
            "why": self.why,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PendingClose:
        return cls(
            by=str(data.get("by", "")),
            at_ms=int(data.get("at", 0)),
            hand_back=bool(data.get("hand_back")),
            outcome=str(data.get("outcome", "")),
            summary=str(data.get("summary", "")),
            why=str(data.get("why", "")),
        )


@dataclass(frozen=True, slots=True)
class Trigger:
    """The person's message that raised the case (or raised its risk later)."""

    text: str
    risk: str
    at_ms: int
    words: tuple[str, ...] = ()  # the matched signal texts, exactly as written

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "risk": self.risk, "at": self.at_ms, "words": list(self.words)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trigger:
        return cls(
            text=str(data.get("text", "")),
            risk=str(data.get("risk", "none")),
            at_ms=int(data.get("at", 0)),
            words=tuple(str(w) for w in data.get("words", ())),
        )


@dataclass(frozen=True, slots=True)
class PreviousCase:
    """An earlier case of the same person: summary and outcome, never the transcript."""

    case_id: str
    opened_ms: int
    risk: str
    state: str
    outcome: str
    summary: str

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "opened": self.opened_ms,
            "risk": self.risk,
            "state": self.state,
            "outcome": self.outcome,
            "summary": self.summary,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PreviousCase:
        return cls(
            case_id=str(data.get("case_id", "")),
            opened_ms=int(data.get("opened", 0)),
            risk=str(data.get("risk", "none")),
            state=str(data.get("state", "")),
            outcome=str(data.get("outcome", "")),
            summary=str(data.get("summary", "")),
        )


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of a case's thread: the copied transcript, the person's and the counselors'
    messages since, notes and lifecycle lines. The console shows it; Slack has its thread."""

    id: str
    role: str  # person | bot | counselor | system | note
    text: str
    at_ms: int
    who: str = ""  # counselor ref for counselor messages and notes

    def to_json(self) -> str:
        data = {"id": self.id, "role": self.role, "text": self.text, "at": self.at_ms}
        if self.who:
            data["who"] = self.who
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> LogEntry:
        data = json.loads(raw)
        return cls(
            id=str(data.get("id", "")),
            role=str(data.get("role", "system")),
            text=str(data.get("text", "")),
            at_ms=int(data.get("at", 0)),
            who=str(data.get("who", "")),
        )


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


T = TypeVar("T")


def _opt(parse: Callable[[Mapping[str, Any]], T], raw: str | None) -> T | None:
    data = json.loads(raw or "null")
    return parse(data) if isinstance(data, dict) else None


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    conversation: str
    address: Address
    state: State
    risk: RiskLevel
    reason: str  # risk | request | script (what opened it)
    opened_ms: int
    reasons: tuple[str, ...] = ()
    factors: tuple[str, ...] = ()
    pathway: Mapping[str, Any] | None = None  # PathwayMatch.to_json()
    triggers: tuple[Trigger, ...] = ()
    collected: Mapping[str, str] = field(default_factory=dict)
    consent: bool = False
    note: str = ""
    claimed_by: str = ""  # Counselor.ref()
    claimed_ms: int = 0
    closed_by: str = ""
    closed_ms: int = 0
    outcome: str = ""
    summary: str = ""
    card_channel: str = ""
    card_ts: str = ""
    supervisor_alerted: bool = False
    last_counselor_ms: int = 0
    reannounced: int = 0
    previous: tuple[PreviousCase, ...] = ()
    flags: tuple[str, ...] = ()  # danger to someone else (harm_to_others, child_in_danger)
    flags_alerted: bool = False
    declined: bool = False  # the person said they do not want a counselor
    ended: str = ""  # how it ended other than by a counselor: stopped | expired | deleted
    signoff: SignOff | None = None
    pending_close: PendingClose | None = None
    notify_when_open: bool = False  # tell the person when the counselors' hours begin
    told_open: bool = False  # ... and they were told
    reminders: int = 0  # "still in line" messages the person got
    last_reminder_ms: int = 0
    wait_position: int = 0  # the place in line last told (for an estimate that only shrinks)
    wait_until_ms: int = 0  # when the last estimate said a counselor would be there
    last_activity_ms: int = 0  # the last message of anyone in the case
    redacted: bool = False  # past retention: the words are gone, outcome and summary stay

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def needs_supervisor(self) -> bool:
        """Imminent or flagged: only a supervisor closes or hands it back (or signs off)."""
        return self.risk >= RiskLevel.IMMINENT or bool(self.flags)

    @property
    def in_queue(self) -> bool:
        """Waiting for a counselor: queued, and not a high case the person declined (that
        one stays open and visible to supervisors, off the counselors' queue)."""
        return self.state == "queued" and not (self.declined and not self.needs_supervisor)

    @property
    def priority(self) -> int:
        return priority_for(self.risk, bool(self.flags))

    @property
    def queue_score(self) -> int:
        return self.priority * PRIORITY_SPAN + self.opened_ms

    @property
    def holder(self) -> Counselor | None:
        return Counselor.parse(self.claimed_by) if self.claimed_by else None

    @property
    def closer(self) -> Counselor | None:
        return Counselor.parse(self.closed_by) if self.closed_by else None

    def trigger_words(self) -> list[str]:
        words: list[str] = []
        for trigger in self.triggers:
            for word in trigger.words:
                if word not in words:
                    words.append(word)
        return words

    def to_fields(self) -> dict[str, str]:
        return {
            "case_id": self.case_id,
            "conversation": self.conversation,
            "address": _j({"channel": self.address.channel, "to": self.address.to}),
            "state": self.state,
            "risk": self.risk.label,
            "reason": self.reason,
            "opened_ms": str(self.opened_ms),
            "reasons": _j(list(self.reasons)),
            "factors": _j(list(self.factors)),
            "pathway": _j(dict(self.pathway) if self.pathway else None),
            "triggers": _j([t.to_json() for t in self.triggers]),
            "collected": _j(dict(self.collected)),
            "consent": "1" if self.consent else "0",
            "note": self.note,
            "claimed_by": self.claimed_by,
            "claimed_ms": str(self.claimed_ms),
            "closed_by": self.closed_by,
            "closed_ms": str(self.closed_ms),
            "outcome": self.outcome,
            "summary": self.summary,
            "card_channel": self.card_channel,
            "card_ts": self.card_ts,
            "supervisor_alerted": "1" if self.supervisor_alerted else "0",
            "last_counselor_ms": str(self.last_counselor_ms),
            "reannounced": str(self.reannounced),
            "previous": _j([p.to_json() for p in self.previous]),
            "flags": _j(list(self.flags)),
            "flags_alerted": "1" if self.flags_alerted else "0",
            "declined": "1" if self.declined else "0",
            "ended": self.ended,
            "signoff": _j(self.signoff.to_json() if self.signoff else None),
            "pending_close": _j(self.pending_close.to_json() if self.pending_close else None),
            "notify_when_open": "1" if self.notify_when_open else "0",
            "told_open": "1" if self.told_open else "0",
            "reminders": str(self.reminders),
            "last_reminder_ms": str(self.last_reminder_ms),
            "wait_position": str(self.wait_position),
            "wait_until_ms": str(self.wait_until_ms),
            "last_activity_ms": str(self.last_activity_ms),
            "redacted": "1" if self.redacted else "0",
        }

    @classmethod
    def from_fields(cls, raw: Mapping[Any, Any]) -> Case:
        f = {str(k): str(v) for k, v in raw.items()}
        addr = json.loads(f.get("address") or "{}")
        return cls(
            case_id=f["case_id"],
            conversation=f.get("conversation", ""),
            address=Address(channel=str(addr.get("channel", "")), to=str(addr.get("to", ""))),
            state=f.get("state", "queued"),  # type: ignore[arg-type]
            risk=RiskLevel.parse(f.get("risk") or "none"),
            reason=f.get("reason", "risk"),
            opened_ms=int(f.get("opened_ms") or 0),
            reasons=tuple(json.loads(f.get("reasons") or "[]")),
            factors=tuple(json.loads(f.get("factors") or "[]")),
            pathway=json.loads(f.get("pathway") or "null"),
            triggers=tuple(Trigger.from_json(t) for t in json.loads(f.get("triggers") or "[]")),
            collected={str(k): str(v) for k, v in json.loads(f.get("collected") or "{}").items()},
            consent=f.get("consent") == "1",
            note=f.get("note", ""),
            claimed_by=f.get("claimed_by", ""),
            claimed_ms=int(f.get("claimed_ms") or 0),
            closed_by=f.get("closed_by", ""),
            closed_ms=int(f.get("closed_ms") or 0),
            outcome=f.get("outcome", ""),
            summary=f.get("summary", ""),
            card_channel=f.get("card_channel", ""),
            card_ts=f.get("card_ts", ""),
            supervisor_alerted=f.get("supervisor_alerted") == "1",
            last_counselor_ms=int(f.get("last_counselor_ms") or 0),
            reannounced=int(f.get("reannounced") or 0),
            previous=tuple(
                PreviousCase.from_json(p) for p in json.loads(f.get("previous") or "[]")
            ),
            flags=tuple(str(x) for x in json.loads(f.get("flags") or "[]")),
            flags_alerted=f.get("flags_alerted") == "1",
            declined=f.get("declined") == "1",
            ended=f.get("ended", ""),
            signoff=_opt(SignOff.from_json, f.get("signoff")),
            pending_close=_opt(PendingClose.from_json, f.get("pending_close")),
            notify_when_open=f.get("notify_when_open") == "1",
            told_open=f.get("told_open") == "1",
            reminders=int(f.get("reminders") or 0),
            last_reminder_ms=int(f.get("last_reminder_ms") or 0),
            wait_position=int(f.get("wait_position") or 0),
            wait_until_ms=int(f.get("wait_until_ms") or 0),
            last_activity_ms=int(f.get("last_activity_ms") or 0),
            redacted=f.get("redacted") == "1",
        )

    def with_(self, **changes: Any) -> Case:
        return replace(self, **changes)
