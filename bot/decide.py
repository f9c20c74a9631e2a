"""Phase 1 of a turn, pure: what the turn reads (`TurnContext`) in, a `Decision` out.

`decide` screens the text, asks the dialog what to say, applies the service's own policies
(the crisis guard, flood control, a crisis always reaching a counselor) and returns the plan
of effects together with everything the turn writes. It does no I/O and reads no clock other
than `TurnContext.now_ms`, so tests build it directly with any context they like; the turn
handler (bot/pipeline.py) reads the context, stores the decision atomically and runs the plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, assert_never

from bot.channels.base import EventKind, InboundEvent, OutboundMessage
from bot.config import ServiceConfig
from bot.effects import (
    BotSaid,
    Declined,
    Effect,
    Followup,
    Forget,
    Left,
    MarkRead,
    MarkRelayed,
    OpenCase,
    PersonSaid,
    Plan,
    Reason,
    Send,
    StopFollowups,
)
from bot.screening.types import RiskLevel, ScreeningResult, ScreeningState
from bot.store.conversations import ConversationSnapshot, TranscriptEntry, TurnWrite
from bot.turn import (
    CancelFollowups,
    CaseStatus,
    DeclineCounselor,
    Dialog,
    EndConversation,
    Escalate,
    ForgetMe,
    LeaveCrisis,
    ScheduleFollowup,
    TurnInput,
    TurnOutput,
)

# What a person does (as opposed to what happens around them); they count as being seen.
PERSON_EVENTS = frozenset({EventKind.TEXT, EventKind.POSTBACK, EventKind.FOLLOW, EventKind.MEDIA})
# What counts towards flood control (intake counted these once per event).
COUNTED_EVENTS = frozenset({EventKind.TEXT, EventKind.POSTBACK, EventKind.MEDIA})


class Screener(Protocol):
    def screen(
        self, text: str, state: ScreeningState | None = None
    ) -> tuple[ScreeningResult, ScreeningState]: ...


class Bundle(Protocol):
    """The admin-edited configuration in force (swapped whole on live reload)."""

    @property
    def service(self) -> ServiceConfig: ...

    @property
    def screener(self) -> Screener: ...

    @property
    def dialog(self) -> Dialog: ...


@dataclass(frozen=True, slots=True)
class TurnContext:
    """Everything a turn reads before deciding."""

    snapshot: ConversationSnapshot
    now_ms: int
    case: CaseStatus | None = None  # the person's open case, if any
    group_noted: bool = False  # (groups) the one-to-one note already went out today
    counselors: bool = True  # a counselor side (Slack or the console) can see cases at all


@dataclass(frozen=True, slots=True)
class Decision:
    plan: Plan
    write: TurnWrite = field(default_factory=TurnWrite)
    screening: ScreeningResult | None = None
    guarded: bool = False  # the crisis guard put the hotline numbers in front of the answer
    throttled: bool = False  # flood control held the dialog back
    note_group: bool = False  # remember that the group got its note today


def crisis_now(screening: ScreeningResult | None) -> bool:
    """This message is a crisis, or tipped the conversation into one."""
    if screening is None:
        return False
    return screening.message_risk.is_crisis or (screening.risk.is_crisis and screening.rose)


def crisis_numbers_in(text: str, service: ServiceConfig, imminent: bool) -> bool:
    """Does this text carry a 24-hour hotline number (and, if imminent, 119/110)?"""
    always_open = [h.number for h in service.hotlines.values() if h.always_open]
    if not any(number in text for number in always_open):
        return False
    return not imminent or all(e.number in text for e in service.emergency)


def decide(event: InboundEvent, context: TurnContext, bundle: Bundle) -> Decision:
    service = bundle.service
    now_ms = context.now_ms
    write = TurnWrite()
    plan: list[Effect] = []

    if event.kind is EventKind.GROUP:
        if context.group_noted:
            return Decision((), write)
        note = Send((OutboundMessage(service.message("group_note")),))
        return Decision((note,), write, note_group=True)

    case = context.case
    snapshot = context.snapshot
    profile = snapshot.profile
    write.profile["address"] = json.dumps(
        {"channel": event.address.channel, "to": event.address.to}, ensure_ascii=False
    )

    read_token = profile.get("read_token", "")
    if event.meta.get("read_token"):
        write.profile["read_token"] = event.meta["read_token"]
    if event.kind is EventKind.COUNSELOR:
        text = event.text or ""
        write.transcript.append(
            TranscriptEntry("counselor", text, event.received_ms, event.event_id)
        )
        relay: list[Effect] = [Send((OutboundMessage(text),), reply=False), MarkRelayed()]
        if read_token:  # the counselor answers: they have read what the person wrote
            relay.append(MarkRead(read_token))
        return Decision(tuple(relay), write)

    # A conversation that went idle starts afresh ("welcome back"), keeping only what the
    # screener needs to see the person's history (their earlier factors).
    person_event = event.kind in PERSON_EVENTS
    dialog_state = snapshot.dialog_state
    screening_state = snapshot.screening_state
    returning = False
    last_seen = int(profile.get("last_seen_ms", "0") or 0)
    idle_ms = service.retention.idle_minutes * 60_000
    if person_event and case is None and last_seen and event.received_ms - last_seen > idle_ms:
        returning = True
        dialog_state = {}
        if screening_state is not None:
            prior = list(dict.fromkeys([*screening_state.prior_factors, *screening_state.factors]))
            screening_state = ScreeningState(prior_factors=prior)
    if person_event:
        write.profile["last_seen_ms"] = str(event.received_ms)

    # A person who declined the terms: what they write is not kept (only what screening
    # needs, without the words themselves; a crisis still reaches a counselor).
    declined = profile.get("consent") == "no"
    screening: ScreeningResult | None = None
    if event.kind in (EventKind.TEXT, EventKind.MEDIA) and event.text:
        # (A sticker can carry words the person typed: they are screened too.)
        screening, new_state = bundle.screener.screen(event.text, screening_state)
        if declined:
            new_state = new_state.without_words()
        write.screening_state = new_state
        if event.kind is EventKind.TEXT:
            write.transcript.append(
                TranscriptEntry("person", event.text, event.received_ms, event.event_id)
            )
    if case is not None and event.kind in (EventKind.TEXT, EventKind.MEDIA):
        media = event.media_type if event.kind is EventKind.MEDIA else None
        plan.append(PersonSaid(event.text or "", screening, media))
    if event.kind is EventKind.POSTBACK and event.postback:
        write.transcript.append(
            TranscriptEntry("person", f"[{event.postback}]", event.received_ms, event.event_id)
        )

    # Flood control: past the per-minute limit, only a crisis gets an answer; the rest is
    # still screened (above), kept and relayed to the counselor, and the dialog waits.
    # (Intake counted the person's messages this minute, once per event.)
    limit = service.limits.answers_per_minute
    if event.kind in COUNTED_EVENTS and event.recent > limit and not crisis_now(screening):
        if event.recent == limit + 1:
            notice = OutboundMessage(service.message("flood_notice"))
            plan.append(Send((notice,)))
            write.transcript.append(TranscriptEntry("bot", notice.text, now_ms, event.event_id))
        return Decision(tuple(plan), write, screening, throttled=True)

    turn = bundle.dialog.respond(
        TurnInput(
            event=event,
            screening=screening,
            state=dialog_state,
            profile=profile,
            case=case,
            now=datetime.fromtimestamp(now_ms / 1000, UTC),
            returning=returning,
            counselors=context.counselors,
        )
    )
    messages, guarded = guard_crisis(list(turn.messages), screening, service, case)
    if event.kind is EventKind.UNFOLLOW:
        messages = []  # the person blocked us: nothing can reach them
    actions = actions_of(event, turn, screening, case, now_ms)
    # A case opens before anything is sent: the counselors (and for imminent risk the
    # supervisors) hear of a crisis whether or not LINE takes the answer now.
    plan.extend(a for a in actions if isinstance(a, OpenCase))
    if messages:
        plan.append(Send(tuple(messages), crisis=crisis_now(screening)))
        for m in messages:
            write.transcript.append(TranscriptEntry("bot", m.text, now_ms, event.event_id))
        if case is not None:  # the counselor sees what the bot said after the case opened
            plan.append(BotSaid(tuple(m.text for m in messages)))
    plan.extend(a for a in actions if not isinstance(a, OpenCase))
    if event.kind is EventKind.SYSTEM and event.text == "case_claimed" and read_token:
        plan.append(MarkRead(read_token))  # the counselor read the card
    if any(isinstance(a, LeaveCrisis) for a in turn.actions) and screening_state is not None:
        # The case is over: the conversation's level starts afresh, its factors stay.
        prior = list(dict.fromkeys([*screening_state.prior_factors, *screening_state.factors]))
        write.screening_state = ScreeningState(prior_factors=prior)
    write.dialog_state = dict(turn.state) if turn.state is not None else dialog_state
    write.profile.update({str(k): str(v) for k, v in turn.profile.items()})
    if declined or write.profile.get("consent") == "no":
        write.transcript = [e for e in write.transcript if e.role not in ("person", "bot")]
        write.drop_transcript = not declined  # declining now: what was kept goes too
        # declining now (by a tap too: no text, no new state): the state's words go too
        kept = write.screening_state or screening_state
        if kept is not None:
            write.screening_state = kept.without_words()
    return Decision(tuple(plan), write, screening, guarded=guarded)


def guard_crisis(
    messages: list[OutboundMessage],
    screening: ScreeningResult | None,
    service: ServiceConfig,
    case: CaseStatus | None,
) -> tuple[list[OutboundMessage], bool]:
    """Contract: the first answer to a crisis message carries a 24-hour hotline number
    (and 119/110 when imminent), whatever the scripts say. While a counselor holds the
    case, only a rise in risk triggers it (the counselor is already talking). Returns the
    messages and whether the hotline text had to be added."""
    if screening is None:
        return messages, False
    rose = screening.risk.is_crisis and screening.rose
    repeated = screening.message_risk.is_crisis and (case is None or case.state == "queued")
    if not (rose or repeated):
        return messages, False
    imminent = screening.risk is RiskLevel.IMMINENT
    if messages and crisis_numbers_in(messages[0].text, service, imminent):
        return messages, False
    return [OutboundMessage(service.crisis_text(imminent)), *messages], True


def actions_of(
    event: InboundEvent,
    turn: TurnOutput,
    screening: ScreeningResult | None,
    case: CaseStatus | None,
    now_ms: int,
) -> list[Effect]:
    """The dialog's actions as effects, plus a case for any crisis the scripts missed."""
    effects: list[Effect] = []
    escalated = False
    for action in turn.actions:
        match action:
            case Escalate():
                if escalated:
                    continue
                escalated = True
                imminent = bool(screening and screening.risk is RiskLevel.IMMINENT)
                effects.append(
                    open_case(
                        event,
                        action.reason,
                        action.note,
                        action.consent or imminent,
                        turn,
                        screening,
                        risk=action.risk,
                        notify_when_open=action.notify_when_open,
                    )
                )
            case ScheduleFollowup(after_hours=hours):
                effects.append(Followup(int(now_ms + hours * 3_600_000)))
            case CancelFollowups():
                effects.append(StopFollowups())
            case ForgetMe():
                effects.append(Forget())
            case DeclineCounselor():
                if case is not None or escalated:
                    effects.append(Declined())
            case EndConversation():
                # The dialog reset its own state; an open case ends as the person asked (a
                # deletion ends it by deleting it).
                if case is not None and not any(isinstance(a, ForgetMe) for a in turn.actions):
                    effects.append(Left())
            case LeaveCrisis():
                continue  # the screening state is reset with the turn's writes
            case _:
                assert_never(action)
    # Defence in depth: a crisis always reaches a counselor, whatever the scripts do.
    crisis_rose = (
        screening is not None
        and screening.risk.is_crisis
        and (screening.rose or screening.message_risk.is_crisis)
    )
    if crisis_rose and not escalated and (case is None or (screening and screening.rose)):
        assert screening is not None
        imminent = screening.risk is RiskLevel.IMMINENT
        effects.append(open_case(event, "risk", "", imminent, turn, screening))
        escalated = True
    # Danger to someone else goes to the supervisor whatever the writer's own risk: a case
    # opens (an open case takes the flag in with the message, `PersonSaid`).
    if screening is not None and screening.flagged and not escalated and case is None:
        effects.append(open_case(event, "risk", "", False, turn, screening))
    if event.kind is EventKind.UNFOLLOW and not any(isinstance(e, StopFollowups) for e in effects):
        effects.append(StopFollowups())
    return effects


def open_case(
    event: InboundEvent,
    reason: Reason,
    note: str,
    consent: bool,
    turn: TurnOutput,
    screening: ScreeningResult | None,
    *,
    risk: RiskLevel | None = None,
    notify_when_open: bool = False,
) -> OpenCase:
    return OpenCase(
        reason=reason,
        note=note,
        consent=consent,
        collected={str(k): str(v) for k, v in turn.collected.items()},
        trigger_text=event.text or "",
        screening=screening,
        risk=risk,
        notify_when_open=notify_when_open,
    )
