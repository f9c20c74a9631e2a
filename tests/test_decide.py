"""`decide` on its own: a turn's plan built directly from a context, without Redis or servers.

The screener and dialog are the seam doubles of tests/doubles.py (死にたい → high, 飛び降り →
imminent; the dialog echoes), the service configuration is the shipped one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import pytest

from bot.channels.base import Address, EventKind, InboundEvent, OutboundMessage
from bot.decide import Decision, TurnContext, decide
from bot.effects import (
    Followup,
    Forget,
    MarkRelayed,
    OpenCase,
    PersonSaid,
    Send,
    StopFollowups,
    UnknownEffect,
    effect_from_json,
    effect_to_json,
    plan_from_json,
    plan_to_json,
)
from bot.screening.types import RiskLevel, ScreeningResult
from bot.store.conversations import ConversationSnapshot
from bot.turn import CaseStatus, ScheduleFollowup, TurnInput, TurnOutput
from tests.doubles import StaticBundle, make_bundle

NOW_MS = 1_800_000_000_000
HOTLINE = "0120-279-338"


def event(
    text: str | None = "こんにちは", kind: EventKind = EventKind.TEXT, **extra: Any
) -> InboundEvent:
    values: dict[str, Any] = {
        "event_id": "line:e1",
        "channel": "line",
        "address": Address("line", "Udecide"),
        "kind": kind,
        "timestamp_ms": NOW_MS,
        "received_ms": NOW_MS,
        "text": text,
        "reply_token": "rt",
        "recent": 1,
    }
    values.update(extra)
    return InboundEvent(**values)


def context(**extra: Any) -> TurnContext:
    values: dict[str, Any] = {
        "snapshot": ConversationSnapshot(dialog_state={}, screening_state=None, profile={}),
        "now_ms": NOW_MS,
    }
    values.update(extra)
    return TurnContext(**values)


@pytest.fixture
def bundle() -> StaticBundle:
    return make_bundle()


def sends(decision: Decision) -> list[Send]:
    return [e for e in decision.plan if isinstance(e, Send)]


def texts(decision: Decision) -> list[str]:
    return [m.text for s in sends(decision) for m in s.messages]


def test_an_everyday_message_is_answered_and_its_turn_written(bundle: StaticBundle) -> None:
    decision = decide(event("こんにちは"), context(), bundle)
    assert decision.plan == (Send((OutboundMessage("echo:こんにちは#1"),)),)
    assert [(e.role, e.text) for e in decision.write.transcript] == [
        ("person", "こんにちは"),
        ("bot", "echo:こんにちは#1"),
    ]
    assert decision.write.dialog_state == {"count": 1}
    assert decision.write.profile["last_seen_ms"] == str(NOW_MS)
    assert '"to": "Udecide"' in decision.write.profile["address"]
    assert decision.screening is not None and decision.screening.risk is RiskLevel.NONE
    assert not decision.guarded and not decision.throttled


def test_a_crisis_answer_carries_the_hotline_first_and_opens_a_case(
    bundle: StaticBundle,
) -> None:
    decision = decide(event("もう死にたい"), context(), bundle)
    first = texts(decision)[0]
    assert HOTLINE in first
    assert texts(decision)[1] == "echo:もう死にたい#1"
    assert decision.guarded  # the echo dialog forgot the numbers; the guard added them
    cases = [e for e in decision.plan if isinstance(e, OpenCase)]
    assert len(cases) == 1 and cases[0].reason == "risk" and not cases[0].consent
    assert cases[0].trigger_text == "もう死にたい"
    assert cases[0].screening is not None and cases[0].screening.risk is RiskLevel.HIGH


def test_imminent_names_emergency_numbers_and_counts_as_consent(bundle: StaticBundle) -> None:
    decision = decide(event("今から飛び降りる"), context(), bundle)
    first = texts(decision)[0]
    assert "119" in first and "110" in first and HOTLINE in first
    (case,) = [e for e in decision.plan if isinstance(e, OpenCase)]
    assert case.consent


@dataclass
class SilentDialog:
    """A script that answers but never escalates (a broken crisis script)."""

    def respond(self, turn: TurnInput) -> TurnOutput:
        return TurnOutput(messages=(OutboundMessage("うんうん"),), state={})


def test_a_crisis_reaches_a_counselor_even_when_the_script_does_not_escalate() -> None:
    bundle = replace(make_bundle(), dialog=SilentDialog())  # type: ignore[arg-type]
    decision = decide(event("死にたい"), context(), bundle)
    # the case opens first: a LINE outage cannot hold it back from the counselors
    assert [type(e) for e in decision.plan] == [OpenCase, Send]
    assert texts(decision)[1] == "うんうん"
    assert sends(decision)[0].crisis


def test_a_case_opens_before_the_answer_is_sent(bundle: StaticBundle) -> None:
    for words in ("もう死にたい", "今から飛び降りる"):
        plan = decide(event(words), context(), bundle).plan
        kinds = [type(e) for e in plan]
        assert kinds.index(OpenCase) < kinds.index(Send), kinds
        assert sends(decide(event(words), context(), bundle))[0].crisis
    assert not sends(decide(event("こんにちは"), context(), bundle))[0].crisis


def test_flood_past_the_limit_sends_one_notice_then_waits_but_a_crisis_is_answered(
    bundle: StaticBundle,
) -> None:
    limit = bundle.service.limits.answers_per_minute
    notice = decide(event("また", recent=limit + 1), context(), bundle)
    assert notice.throttled and texts(notice) == [bundle.service.message("flood_notice")]
    assert [e.role for e in notice.write.transcript] == ["person", "bot"]
    quiet = decide(event("また", recent=limit + 2), context(), bundle)
    assert quiet.throttled and quiet.plan == ()
    assert [e.role for e in quiet.write.transcript] == ["person"]  # still kept
    crisis = decide(event("死にたい", recent=limit + 5), context(), bundle)
    assert not crisis.throttled and HOTLINE in texts(crisis)[0]


def test_a_counselors_words_go_by_push_and_are_marked_relayed(bundle: StaticBundle) -> None:
    decision = decide(event("相談員です", EventKind.COUNSELOR), context(), bundle)
    assert decision.plan == (Send((OutboundMessage("相談員です"),), reply=False), MarkRelayed())
    assert [(e.role, e.text) for e in decision.write.transcript] == [("counselor", "相談員です")]


def test_a_group_gets_the_one_to_one_note_once_a_day(bundle: StaticBundle) -> None:
    group = event("みなさん", EventKind.GROUP)
    first = decide(group, context(), bundle)
    assert first.note_group and texts(first) == [bundle.service.message("group_note")]
    again = decide(group, context(group_noted=True), bundle)
    assert again.plan == () and not again.note_group


def test_unfollow_sends_nothing_and_stops_followups(bundle: StaticBundle) -> None:
    decision = decide(event(None, EventKind.UNFOLLOW, reply_token=None), context(), bundle)
    assert decision.plan == (StopFollowups(),)


def test_the_persons_words_go_to_their_open_case_before_the_answer(
    bundle: StaticBundle,
) -> None:
    case = CaseStatus("C-0001", "claimed", RiskLevel.HIGH)
    decision = decide(event("まだいます"), context(case=case), bundle)
    said = decision.plan[0]
    assert isinstance(said, PersonSaid) and said.text == "まだいます"
    assert isinstance(decision.plan[1], Send)


def test_a_conversation_gone_idle_starts_afresh(bundle: StaticBundle) -> None:
    long_ago = NOW_MS - (bundle.service.retention.idle_minutes + 1) * 60_000
    snapshot = ConversationSnapshot(
        dialog_state={"count": 7}, screening_state=None, profile={"last_seen_ms": str(long_ago)}
    )
    decision = decide(event("ひさしぶり"), context(snapshot=snapshot), bundle)
    assert texts(decision) == ["echo:ひさしぶり#1"]
    assert decision.write.profile["returning"] == "True"
    recent = replace(snapshot, profile={"last_seen_ms": str(NOW_MS - 60_000)})
    assert texts(decide(event("ひさしぶり"), context(snapshot=recent), bundle)) == [
        "echo:ひさしぶり#8"
    ]


@dataclass
class FollowupDialog:
    def respond(self, turn: TurnInput) -> TurnOutput:
        return TurnOutput(actions=(ScheduleFollowup(after_hours=2),))


def test_a_followup_is_due_from_the_turns_clock() -> None:
    bundle = replace(make_bundle(), dialog=FollowupDialog())  # type: ignore[arg-type]
    decision = decide(event("またね"), context(), bundle)
    assert decision.plan == (Followup(NOW_MS + 2 * 3_600_000),)


def test_every_effect_kind_survives_its_stored_form() -> None:
    screening = ScreeningResult(risk=RiskLevel.HIGH, message_risk=RiskLevel.HIGH)
    plan = (
        Send((OutboundMessage("a"),), reply=False),
        OpenCase("request", "note", True, {"topic": "debt"}, "助けて", screening),
        PersonSaid("text", screening),
        MarkRelayed(),
        Followup(int(time.time() * 1000)),
        StopFollowups(),
        Forget(),
    )
    assert plan_from_json(plan_to_json(plan)) == plan
    # The stored form is the one earlier versions wrote (plans outlive a deploy).
    assert effect_to_json(MarkRelayed()) == {"kind": "relayed", "data": {}}
    assert effect_to_json(StopFollowups()) == {"kind": "cancel_followups", "data": {}}
    with pytest.raises(UnknownEffect):
        effect_from_json({"kind": "teleport", "data": {}})


@dataclass
class DecliningDialog:
    """The person taps 同意しない in this very turn."""

    def respond(self, turn: TurnInput) -> TurnOutput:
        return TurnOutput(profile={"consent": "no"})


def test_declining_in_this_turn_keeps_none_of_the_words_in_the_screening_state() -> None:
    bundle = replace(make_bundle(), dialog=DecliningDialog())  # type: ignore[arg-type]
    decision = decide(event("もう死にたい"), context(), bundle)
    state = decision.write.screening_state
    assert state is not None and state.signals  # what screening needs stays (a crisis)
    assert all(s.text == "" for s in state.signals)
    assert "もう" not in str(state.to_json())  # (the double's term ids are its words)
    assert decision.write.drop_transcript


def test_declining_by_a_tap_blanks_the_words_the_state_kept(bundle: StaticBundle) -> None:
    first = decide(event("もう死にたい"), context(), bundle)
    assert first.write.screening_state is not None
    assert any(s.text for s in first.write.screening_state.signals)
    snapshot = ConversationSnapshot(
        dialog_state={}, screening_state=first.write.screening_state, profile={}
    )
    declining = replace(make_bundle(), dialog=DecliningDialog())  # type: ignore[arg-type]
    tap = event(None, kind=EventKind.POSTBACK, postback="consent=no")
    decision = decide(tap, context(snapshot=snapshot), declining)
    state = decision.write.screening_state
    assert state is not None and state.signals
    assert all(s.text == "" for s in state.signals)
