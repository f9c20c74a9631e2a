"""The screening result: what the pipeline, the dialog engine and the case card consume.

This module is the contract between the screener and the rest of the service. Its JSON form
(`ScreeningResult.to_json`) is the `python -m bot screen` output of ARCHITECTURE.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

# The danger-to-others flags of the `screen` output (ARCHITECTURE.md contract).
FLAGS: tuple[str, ...] = ("harm_to_others", "child_in_danger")


class RiskLevel(IntEnum):
    """Risk levels of ARCHITECTURE.md, ordered so that comparisons mean 'more urgent'."""

    NONE = 0
    LOW = 1
    MODERATE = 2
    HIGH = 3
    IMMINENT = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> RiskLevel:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown risk level {value!r}; expected none, low, moderate, high or imminent"
            ) from None

    @property
    def is_crisis(self) -> bool:
        return self >= RiskLevel.HIGH


@dataclass(frozen=True, slots=True)
class Signal:
    """One slot filled in one message: what the counselor sees as 'the words that raised it'."""

    cls: str  # the slot: ideation, passive, intent, method, means, place, timing, preparation, act, factor, ...
    term: str  # the concept id that filled it (concepts.yaml, factor_words.yaml)
    text: str  # the matched text exactly as the person wrote it
    start: int  # character span in the original message [start, end)
    end: int
    message: int = 0  # index of the message in the conversation, oldest first
    factor: str | None = None  # factor id, for factor signals

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "class": self.cls,
            "term": self.term,
            "text": self.text,
            "span": [self.start, self.end],
            "message": self.message,
        }
        if self.factor:
            out["factor"] = self.factor
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Signal:
        span = data.get("span") or [0, 0]
        return cls(
            cls=str(data["class"]),
            term=str(data.get("term", "")),
            text=str(data.get("text", "")),
            start=int(span[0]),
            end=int(span[1]),
            message=int(data.get("message", 0)),
            factor=data.get("factor"),
        )


@dataclass(frozen=True, slots=True)
class PathwayMatch:
    """The pathway chain (自殺の危機経路) the conversation's factors are forming."""

    chain_id: str
    label: str  # the chain written for people, e.g. 失業 → 生活苦 → 多重債務 → うつ病 → 自殺
    group: str
    matched: tuple[str, ...]  # factor ids of the chain found so far, in chain order
    next: tuple[str, ...]  # factor ids that usually come next
    length: int  # number of factor links in the chain

    def to_json(self) -> dict[str, Any]:
        return {
            "chain": self.chain_id,
            "label": self.label,
            "group": self.group,
            "matched": list(self.matched),
            "next": list(self.next),
            "length": self.length,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PathwayMatch:
        return cls(
            chain_id=str(data["chain"]),
            label=str(data.get("label", "")),
            group=str(data.get("group", "")),
            matched=tuple(data.get("matched", ())),
            next=tuple(data.get("next", ())),
            length=int(data.get("length", 0)),
        )


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    """Conversation-level screening after the newest message.

    `risk` is the conversation's level now (it never drops within a conversation: a person who
    said 死にたい an hour ago is still at risk). `message_risk` is what the newest message alone
    shows, and `previous_risk` the level before it, so the dialog can react to a *rise*.
    """

    risk: RiskLevel
    message_risk: RiskLevel = RiskLevel.NONE
    previous_risk: RiskLevel = RiskLevel.NONE
    signals: tuple[Signal, ...] = ()  # every signal of the conversation, oldest first
    factors: tuple[str, ...] = ()  # factor ids, in the order first seen
    pathway: PathwayMatch | None = None
    reasons: tuple[str, ...] = ()  # one line each, written for the counselor's case card
    # danger to someone else, independent of the writer's own risk: "harm_to_others" and/or
    # "child_in_danger" (FLAGS). A flagged conversation goes to the supervisor like an imminent one.
    flags: tuple[str, ...] = ()

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def rose(self) -> bool:
        return self.risk > self.previous_risk

    def new_signals(self, message_index: int) -> tuple[Signal, ...]:
        return tuple(s for s in self.signals if s.message == message_index)

    def to_json(self, id_: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if id_ is not None:
            out["id"] = id_
        out.update(
            {
                "risk": self.risk.label,
                "factors": list(self.factors),
                "signals": [s.to_json() for s in self.signals],
                "pathway": self.pathway.to_json() if self.pathway else None,
                "flags": list(self.flags),
                "reasons": list(self.reasons),
            }
        )
        return out

    def to_record(self) -> dict[str, Any]:
        """Full JSON form (the CLI form plus the levels before and of the newest message)."""
        out = self.to_json()
        out["message_risk"] = self.message_risk.label
        out["previous_risk"] = self.previous_risk.label
        return out

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> ScreeningResult:
        pathway = data.get("pathway")
        return cls(
            risk=RiskLevel.parse(str(data.get("risk", "none"))),
            message_risk=RiskLevel.parse(str(data.get("message_risk", "none"))),
            previous_risk=RiskLevel.parse(str(data.get("previous_risk", "none"))),
            signals=tuple(Signal.from_json(s) for s in data.get("signals", ())),
            factors=tuple(str(f) for f in data.get("factors", ())),
            pathway=PathwayMatch.from_json(pathway) if isinstance(pathway, dict) else None,
            reasons=tuple(str(r) for r in data.get("reasons", ())),
            flags=tuple(str(f) for f in data.get("flags", ()) if str(f) in FLAGS),
        )


@dataclass(slots=True)
class ScreeningState:
    """What the screener remembers about a conversation between messages (stored as JSON).

    `prior_factors` are factors from the person's earlier conversations: they count for the
    pathway but are not reported as found in this conversation.
    """

    messages: int = 0
    risk: RiskLevel = RiskLevel.NONE
    signals: list[Signal] = field(default_factory=list)
    factors: list[str] = field(default_factory=list)
    prior_factors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # screener-private accumulators

    def without_words(self) -> ScreeningState:
        """The same state with none of the person's words: signal texts blanked, also those
        the screener keeps in ``extra`` (signals set aside or waiting as JSON), for a person who
        declined the terms."""
        extra = {
            key: [
                {**item, "text": ""} if isinstance(item, dict) and "text" in item else item
                for item in value
            ]
            if isinstance(value, list)
            else value
            for key, value in self.extra.items()
        }
        signals = [replace(s, text="") for s in self.signals]
        return replace(self, signals=signals, extra=extra)

    def to_json(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "risk": self.risk.label,
            "signals": [s.to_json() for s in self.signals],
            "factors": list(self.factors),
            "prior_factors": list(self.prior_factors),
            "extra": self.extra,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScreeningState:
        return cls(
            messages=int(data.get("messages", 0)),
            risk=RiskLevel.parse(str(data.get("risk", "none"))),
            signals=[Signal.from_json(s) for s in data.get("signals", [])],
            factors=list(data.get("factors", [])),
            prior_factors=list(data.get("prior_factors", [])),
            extra=dict(data.get("extra", {})),
        )
