"""The effects a decided turn asks for, as typed values, and the form they are stored in.

A turn is decided once (`bot.decide.decide`) into a `Plan`: the effects to carry out, in
order (a case opens before anything is sent, so that no LINE outage holds a crisis back from
the counselors). The plan is stored with the turn's state in one atomic write, so a reclaimed event
carries out the very plan decided the first time. The runner (`bot.pipeline.TurnHandler`)
matches on these classes exhaustively (`typing.assert_never`), so a new kind of effect that
the runner does not handle is a type error, not an effect silently skipped.

The stored form is ``{"kind": ..., "data": {...}}`` per effect (unchanged from the untyped
plans, so plans stored by an earlier version are still read).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, assert_never

from bot.channels.base import OutboundMessage
from bot.screening.types import RiskLevel, ScreeningResult

Reason = Literal["risk", "request", "script"]
REASONS: frozenset[str] = frozenset({"risk", "request", "script"})


@dataclass(frozen=True, slots=True)
class Send:
    """Messages to the person. `reply`: the event's reply token may carry them (a counselor's
    words go by push: the person's token belongs to the person's own turn)."""

    messages: tuple[OutboundMessage, ...]
    reply: bool = True
    crisis: bool = False  # the answer to a crisis: it must reach the person (see LineSender)


@dataclass(frozen=True, slots=True)
class OpenCase:
    """Open (or join) the person's counselor case."""

    reason: Reason
    note: str = ""
    consent: bool = False
    collected: Mapping[str, str] = field(default_factory=dict)
    trigger_text: str = ""
    screening: ScreeningResult | None = None
    risk: RiskLevel | None = None  # at least this level (the person told us their danger)
    notify_when_open: bool = False  # tell the person when counselors' hours begin


@dataclass(frozen=True, slots=True)
class PersonSaid:
    """Put the person's message (or, for a sticker or image, a placeholder) into their open
    case (the counselor's thread)."""

    text: str
    screening: ScreeningResult | None = None
    media_type: str | None = None


@dataclass(frozen=True, slots=True)
class BotSaid:
    """What the bot said to the person while their case is open, for the counselor."""

    texts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Declined:
    """The person said they do not want a counselor: their case says so."""


@dataclass(frozen=True, slots=True)
class Left:
    """The person stopped the conversation: their open case ends, as they asked."""


@dataclass(frozen=True, slots=True)
class MarkRead:
    """A counselor has read the person's messages (LINE 既読, with the webhook's token)."""

    token: str


@dataclass(frozen=True, slots=True)
class MarkRelayed:
    """A counselor's message reached the person: mark it in the thread."""


@dataclass(frozen=True, slots=True)
class Followup:
    """Schedule a check-in (その後いかがですか) at `due_ms`."""

    due_ms: int


@dataclass(frozen=True, slots=True)
class StopFollowups:
    """Cancel the person's scheduled check-ins."""


@dataclass(frozen=True, slots=True)
class Forget:
    """Delete everything stored about the person (they asked)."""


Effect = (
    Send
    | OpenCase
    | PersonSaid
    | BotSaid
    | Declined
    | Left
    | MarkRead
    | MarkRelayed
    | Followup
    | StopFollowups
    | Forget
)
Plan = tuple[Effect, ...]


def _screening(raw: Any) -> ScreeningResult | None:
    return ScreeningResult.from_record(raw) if isinstance(raw, dict) and raw else None


def effect_to_json(effect: Effect) -> dict[str, Any]:
    data: dict[str, Any]
    match effect:
        case Send(messages=messages, reply=reply, crisis=crisis):
            kind = "send"
            data = {"messages": [m.to_json() for m in messages], "reply": reply, "crisis": crisis}
        case OpenCase():
            kind, data = (
                "open_case",
                {
                    "reason": effect.reason,
                    "note": effect.note,
                    "consent": effect.consent,
                    "collected": dict(effect.collected),
                    "trigger_text": effect.trigger_text,
                    "screening": effect.screening.to_record() if effect.screening else None,
                    "risk": effect.risk.label if effect.risk is not None else None,
                    "notify_when_open": effect.notify_when_open,
                },
            )
        case PersonSaid(text=text, screening=screening, media_type=media_type):
            kind = "person_said"
            data = {
                "text": text,
                "screening": screening.to_record() if screening else None,
                "media_type": media_type,
            }
        case BotSaid(texts=texts):
            kind, data = "bot_said", {"texts": list(texts)}
        case Declined():
            kind, data = "declined", {}
        case Left():
            kind, data = "left", {}
        case MarkRead(token=token):
            kind, data = "mark_read", {"token": token}
        case MarkRelayed():
            kind, data = "relayed", {}
        case Followup(due_ms=due_ms):
            kind, data = "followup", {"due_ms": due_ms}
        case StopFollowups():
            kind, data = "cancel_followups", {}
        case Forget():
            kind, data = "forget", {}
        case _:
            assert_never(effect)
    return {"kind": kind, "data": data}


class UnknownEffect(ValueError):
    """A stored plan names an effect this version does not know: the event fails (and is
    retried, then parked) rather than being carried out with a step missing."""


def effect_from_json(raw: Mapping[str, Any]) -> Effect:
    kind = str(raw.get("kind", ""))
    data: Mapping[str, Any] = raw.get("data") or {}
    if kind == "send":
        messages = tuple(OutboundMessage.from_json(m) for m in data.get("messages", ()))
        return Send(
            messages, reply=bool(data.get("reply", True)), crisis=bool(data.get("crisis", False))
        )
    if kind == "open_case":
        reason = str(data.get("reason", "risk"))
        return OpenCase(
            reason=reason if reason in REASONS else "risk",  # type: ignore[arg-type]
            note=str(data.get("note", "")),
            consent=bool(data.get("consent")),
            collected={str(k): str(v) for k, v in (data.get("collected") or {}).items()},
            trigger_text=str(data.get("trigger_text", "")),
            screening=_screening(data.get("screening")),
            risk=RiskLevel.parse(str(data["risk"])) if data.get("risk") else None,
            notify_when_open=bool(data.get("notify_when_open")),
        )
    if kind == "person_said":
        media = data.get("media_type")
        return PersonSaid(
            str(data.get("text", "")),
            _screening(data.get("screening")),
            str(media) if media else None,
        )
    if kind == "bot_said":
        return BotSaid(tuple(str(t) for t in data.get("texts", ())))
    if kind == "declined":
        return Declined()
    if kind == "left":
        return Left()
    if kind == "mark_read":
        return MarkRead(str(data.get("token", "")))
    if kind == "relayed":
        return MarkRelayed()
    if kind == "followup":
        return Followup(int(data["due_ms"]))
    if kind == "cancel_followups":
        return StopFollowups()
    if kind == "forget":
        return Forget()
    raise UnknownEffect(f"unknown effect kind {kind!r}")


def plan_to_json(plan: Sequence[Effect]) -> list[dict[str, Any]]:
    return [effect_to_json(e) for e in plan]


def plan_from_json(raw: Sequence[Mapping[str, Any]]) -> Plan:
    return tuple(effect_from_json(e) for e in raw)


def first_send(plan: Sequence[Effect]) -> int:
    """Index of the plan's first `Send`, or -1."""
    return next((i for i, e in enumerate(plan) if isinstance(e, Send)), -1)
