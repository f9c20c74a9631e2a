"""Small stand-ins at the dialog/screener seam, to test the pipeline on its own terms.

These are not mocks of internals: they implement the same `Dialog` and screener protocols the
real engine and screener implement, with behaviour chosen to exercise the pipeline (many
messages, huge texts, failures). End-to-end tests of the shipped scripts use the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.channels.base import EventKind, OutboundMessage, QuickReply
from bot.config import ServiceConfig, load_service_config
from bot.screening.types import RiskLevel, ScreeningResult, ScreeningState, Signal
from bot.turn import Escalate, TurnInput, TurnOutput

ROOT = Path(__file__).resolve().parent.parent


class KeywordScreener:
    """死にたい → high, 飛び降り → imminent, otherwise none; the level never drops."""

    def screen(
        self, text: str, state: ScreeningState | None = None
    ) -> tuple[ScreeningResult, ScreeningState]:
        state = state or ScreeningState()
        if "boom-screen" in text:
            raise RuntimeError("screener failure")
        level = RiskLevel.NONE
        signals: list[Signal] = []
        for word, lvl in (("死にたい", RiskLevel.HIGH), ("飛び降り", RiskLevel.IMMINENT)):
            at = text.find(word)
            if at >= 0:
                level = max(level, lvl)
                signals.append(Signal("ideation", word, word, at, at + len(word), state.messages))
        previous = state.risk
        new = ScreeningState(
            messages=state.messages + 1,
            risk=max(previous, level),
            signals=[*state.signals, *signals],
            factors=list(state.factors),
            prior_factors=list(state.prior_factors),
        )
        result = ScreeningResult(
            risk=new.risk, message_risk=level, previous_risk=previous, signals=tuple(new.signals)
        )
        return result, new


@dataclass
class EchoDialog:
    """Answers so tests can see which path the pipeline took."""

    fail_on: str = "boom"
    calls: list[TurnInput] = field(default_factory=list)

    def respond(self, turn: TurnInput) -> TurnOutput:
        self.calls.append(turn)
        event = turn.event
        count = int(turn.state.get("count", 0)) + 1
        state = {"count": count}
        if event.kind is EventKind.FOLLOW:
            return TurnOutput(
                messages=(
                    OutboundMessage("ようこそ", (QuickReply("話を聞いて", "話を聞いてほしい"),)),
                ),
                state=state,
            )
        if event.kind is EventKind.MEDIA:
            return TurnOutput(messages=(OutboundMessage("スタンプありがとう"),), state=state)
        if event.kind is EventKind.SYSTEM:
            return TurnOutput(messages=(OutboundMessage(f"system:{event.text}"),), state=state)
        if event.kind is EventKind.UNFOLLOW:
            return TurnOutput(state=state)
        text = event.text or event.postback or ""
        if self.fail_on and self.fail_on in text:
            raise RuntimeError("dialog failure")
        if text == "many":
            return TurnOutput(
                messages=tuple(OutboundMessage(f"m{i}") for i in range(7)), state=state
            )
        if text == "long":
            return TurnOutput(messages=(OutboundMessage("あ" * 12000),), state=state)
        if text == "quiet":
            return TurnOutput(state=state)
        actions = ()
        if turn.screening is not None and turn.screening.risk.is_crisis:
            actions = (Escalate(reason="risk"),)
        return TurnOutput(
            messages=(OutboundMessage(f"echo:{text}#{count}"),),
            state=state,
            actions=actions,
            profile={"returning": str(turn.returning)},
        )


@dataclass
class StaticBundle:
    service: ServiceConfig
    screener: KeywordScreener
    dialog: EchoDialog


def make_bundle(dialog: EchoDialog | None = None) -> StaticBundle:
    return StaticBundle(
        load_service_config(ROOT / "config"), KeywordScreener(), dialog or EchoDialog()
    )
