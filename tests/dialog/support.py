"""Driving the dialog engine turn by turn the way the pipeline does (state and profile carried
between turns), asserting LINE's limits on every answer."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.channels.base import Address, EventKind, InboundEvent, OutboundMessage
from bot.dialog import DialogEngine
from bot.dialog.text import utf16_len
from bot.screening.types import RiskLevel, ScreeningResult
from bot.turn import Action, CaseStatus, TurnInput, TurnOutput

ROOT = Path(__file__).resolve().parents[2]
DIALOGS = ROOT / "dialogs"
CONFIG = ROOT / "config"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOON = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # a Wednesday, 12:00 in Tokyo
_ids = itertools.count(1)


def check_limits(out: TurnOutput) -> None:
    assert len(out.messages) <= 5
    for message in out.messages:
        assert message.text.strip()
        assert utf16_len(message.text) <= 5000
        assert len(message.quick_replies) <= 13
        for q in message.quick_replies:
            assert 0 < len(q.label) <= 20, q.label
            assert q.data is None or utf16_len(q.data) <= 300
    for message in out.messages[:-1]:
        assert not message.quick_replies, "quick replies only show on the last message"


class Chat:
    """One person talking to the engine."""

    def __init__(self, engine: DialogEngine, *, now: datetime = NOON) -> None:
        self.engine = engine
        self.now = now
        self.state: Mapping[str, Any] = {}
        self.profile: dict[str, str] = {}
        self.case: CaseStatus | None = None
        self.returning = False
        self.risk = RiskLevel.NONE
        self.factors: list[str] = []
        self.last = TurnOutput()
        self.history: list[TurnOutput] = []

    def _turn(
        self,
        kind: EventKind,
        *,
        text: str | None = None,
        postback: str | None = None,
        screening: ScreeningResult | None = None,
    ) -> TurnOutput:
        event = InboundEvent(
            event_id=f"e{next(_ids)}",
            channel="local",
            address=Address("local", "tester01"),
            kind=kind,
            timestamp_ms=0,
            received_ms=0,
            text=text,
            postback=postback,
        )
        out = self.engine.respond(
            TurnInput(
                event=event,
                screening=screening,
                state=self.state,
                profile=self.profile,
                case=self.case,
                now=self.now,
                returning=self.returning,
            )
        )
        check_limits(out)
        if out.state is not None:
            self.state = dict(out.state)
        self.profile.update(out.profile)
        self.returning = False
        self.last = out
        self.history.append(out)
        return out

    def say(
        self,
        text: str,
        risk: RiskLevel = RiskLevel.NONE,
        factors: tuple[str, ...] = (),
    ) -> TurnOutput:
        """A typed message, screened as `risk` (the conversation's level never drops)."""
        if self.returning:  # the pipeline screens a returning person's conversation afresh
            self.risk, self.factors = RiskLevel.NONE, []
        previous = self.risk
        self.risk = max(self.risk, risk)
        self.factors = list(dict.fromkeys([*self.factors, *factors]))
        screening = ScreeningResult(
            risk=self.risk,
            message_risk=risk,
            previous_risk=previous,
            factors=tuple(self.factors),
        )
        return self._turn(EventKind.TEXT, text=text, screening=screening)

    def tap(self, label: str) -> TurnOutput:
        """Tap a quick-reply button of the last answer."""
        buttons = self.buttons()
        assert label in buttons, f"no button {label!r}; buttons: {list(buttons)}"
        return self._turn(EventKind.POSTBACK, postback=buttons[label])

    def postback(self, data: str) -> TurnOutput:
        return self._turn(EventKind.POSTBACK, postback=data)

    def follow(self) -> TurnOutput:
        return self._turn(EventKind.FOLLOW)

    def unfollow(self) -> TurnOutput:
        return self._turn(EventKind.UNFOLLOW)

    def media(self) -> TurnOutput:
        return self._turn(EventKind.MEDIA)

    def system(self, name: str) -> TurnOutput:
        return self._turn(EventKind.SYSTEM, text=name)

    def buttons(self) -> dict[str, str]:
        if not self.last.messages:
            return {}
        return {q.label: q.data or "" for q in self.last.messages[-1].quick_replies}

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.last.messages]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def step(self) -> str | None:
        return self.state.get("step")

    def actions(self, kind: type[Any]) -> list[Action]:
        return [a for a in self.last.actions if isinstance(a, kind)]

    def start(self) -> None:
        """A person who has agreed already, at the opening question."""
        self.follow()
        self.tap("はじめる")


def messages_of(out: TurnOutput) -> list[OutboundMessage]:
    return list(out.messages)
