"""The seams between the pipeline, the dialog engine and the counselor desk.

For each event the pipeline builds a `TurnInput` (the event, its screening, the stored dialog
state, the person's profile and open case), asks the `Dialog` for a `TurnOutput` (messages to
send, the new state, actions), and carries the actions out exactly once. Nothing here does I/O.

Events that happen *around* a person (a counselor claims their case, writes to them, closes the
case; a follow-up falls due) enter the same intake stream as the person's own events, so they
are handled in order with them and delivered through the same exactly-once path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.channels.base import InboundEvent, OutboundMessage
from bot.screening.types import RiskLevel, ScreeningResult

# --- what the desk tells the dialog about the person's case ---------------------------------

CaseState = Literal["queued", "claimed"]


@dataclass(frozen=True, slots=True)
class CaseStatus:
    """An open case as the person's side may know it (no counselor names, no internals)."""

    case_id: str
    state: CaseState
    risk: RiskLevel
    position: int | None = None  # 1 = next in line; None when claimed
    wait_minutes: int | None = None  # rough estimate while queued; None when none is honest
    staffed: bool = True  # a counselor is on duty now and can see the case
    declined: bool = False  # the person said they do not want a counselor
    opened: bool = False  # this very request opened the case (it was not joined)


# --- actions the dialog asks for ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Escalate:
    """Hand the person to a counselor. `reason`: risk, request (they asked), or script."""

    reason: Literal["risk", "request", "script"]
    note: str = ""  # a short line for the counselor, e.g. the script step that escalated
    consent: bool = False  # the person agreed to talk to a counselor (assumed for imminent)
    risk: RiskLevel | None = None  # the person told us their danger: at least this level
    notify_when_open: bool = False  # tell the person when counselors' hours begin


@dataclass(frozen=True, slots=True)
class ScheduleFollowup:
    """The person agreed to a check-in later (その後いかがですか)."""

    after_hours: float
    topic: str = ""


@dataclass(frozen=True, slots=True)
class CancelFollowups:
    pass


@dataclass(frozen=True, slots=True)
class ForgetMe:
    """The person asked that everything stored about them be deleted."""


@dataclass(frozen=True, slots=True)
class EndConversation:
    """The conversation is over (the person said goodbye or asked to stop): an open case ends
    with it, as the person asked."""


@dataclass(frozen=True, slots=True)
class DeclineCounselor:
    """The person said they do not want a counselor to join."""


@dataclass(frozen=True, slots=True)
class LeaveCrisis:
    """The person's case ended: screening starts afresh (factors kept), so the old level no
    longer drives the answers, and a new crisis raises it again."""


Action = (
    Escalate
    | ScheduleFollowup
    | CancelFollowups
    | ForgetMe
    | EndConversation
    | DeclineCounselor
    | LeaveCrisis
)


# --- one turn ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TurnInput:
    event: InboundEvent
    screening: ScreeningResult | None  # None for events without words (follow, sticker, system)
    state: Mapping[str, Any]  # the dialog state stored for this conversation ({} when new)
    profile: Mapping[str, str]  # long-lived facts: consent, last_topic, followup, ...
    case: CaseStatus | None  # the person's open case, if any
    now: datetime
    returning: bool = False  # the person talked to us before, but the conversation had gone idle
    counselors: bool = True  # a counselor side (Slack or the console) can see cases at all


@dataclass(frozen=True, slots=True)
class TurnOutput:
    messages: tuple[OutboundMessage, ...] = ()
    state: Mapping[str, Any] | None = None  # the new dialog state; None keeps the stored one
    profile: Mapping[str, str] = field(default_factory=dict)  # profile fields to set
    actions: tuple[Action, ...] = ()
    collected: Mapping[str, str] = field(default_factory=dict)  # assessment answers so far


class Dialog(Protocol):
    """Chooses what the bot says. Pure: no I/O, no clock other than `TurnInput.now`."""

    def respond(self, turn: TurnInput) -> TurnOutput: ...


# --- the counselor desk (escalation/) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseRequest:
    """Everything a counselor needs to pick up a conversation without asking again."""

    conversation: str
    key: str  # idempotency key (the event id): the same request opens one case only
    reason: Literal["risk", "request", "script"]
    screening: ScreeningResult | None
    collected: Mapping[str, str]  # structured assessment answers
    consent: bool
    note: str = ""
    trigger_text: str = ""  # the person's message that led to the hand-off
    risk: RiskLevel | None = None  # at least this level (the person told us their danger)
    notify_when_open: bool = False  # tell the person when counselors' hours begin


class Desk(Protocol):
    """The counselor side, as the pipeline sees it. Slack and the local console implement it."""

    @property
    def visible(self) -> bool:
        """A counselor can see cases at all (Slack is set up, or the local console is served).
        Without it nobody is ever promised a counselor."""
        ...

    async def case_status(self, conversation: str, now: datetime) -> CaseStatus | None: ...

    def open_case_key(self, conversation: str) -> str:
        """The Redis key that exists while the person has an open case. The pipeline reads it
        with the turn's other reads and calls `case_status` only when it is set."""
        ...

    async def open_case(self, request: CaseRequest, now: datetime) -> CaseStatus:
        """Open (or join) the person's case. Idempotent on `request.key`."""
        ...

    async def person_said(
        self,
        conversation: str,
        text: str,
        key: str,
        screening: ScreeningResult | None,
        media_type: str | None = None,
    ) -> None:
        """Put the person's new message (or a placeholder for a sticker, image, ...) into their
        open case (thread). Idempotent on `key`."""
        ...

    async def bot_said(self, conversation: str, texts: Sequence[str], key: str) -> None:
        """What the bot said to the person while their case is open goes into the case too."""
        ...

    async def person_declined(self, conversation: str, key: str) -> None:
        """The person said they do not want a counselor."""
        ...

    async def undelivered(self, request: CaseRequest, now: datetime) -> None:
        """A crisis event was given up without its answer reaching the person: their case
        stays (or is) open and the supervisors are alerted. Idempotent on `request.key`."""
        ...

    async def person_left(self, conversation: str, key: str) -> None:
        """The person stopped the conversation: their open case ends, as they asked."""
        ...

    async def relayed(self, event: InboundEvent) -> None:
        """A counselor's message (a COUNSELOR event) reached the person: mark it in the thread."""
        ...

    async def forget(self, conversation: str) -> int:
        """Delete the person's cases (they asked to be forgotten); returns how many."""
        ...


class Intake(Protocol):
    """Accepts events into the ordered per-conversation stream (deduplicated on event id)."""

    async def submit(self, events: Sequence[InboundEvent]) -> list[int]:
        """Returns each event's sequence number, or 0 for an event already seen."""
        ...
