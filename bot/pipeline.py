"""The turn handler: one event in, the person answered, exactly once.

Two phases, so a worker killed at any point never sends a second answer:

1. **Decide.** Read the conversation, screen the text, ask the dialog what to say, and write
   everything the turn changes (transcript, screening and dialog state, profile) *together with
   the plan of effects* in one atomic write (`AtomicWrites`, a single Lua call). Crisis state
   is therefore stored before anything is
   sent. If the plan already exists (the event was reclaimed), this phase is skipped.
2. **Carry out.** Run the plan's effects in order (send, open a case, relay to the counselor,
   schedule a follow-up, ...), marking each one done. Every effect is idempotent on a key derived
   from the event id, so a retry after a crash repeats nothing the person or counselor saw.

Safety net: if deciding fails on a message that screens as a crisis (or cannot be screened at
all), the person still gets the hotline numbers before the event is retried.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog

from bot.channels.base import (
    Delivery,
    EventKind,
    InboundEvent,
    OutboundMessage,
    Sender,
)
from bot.config import ServiceConfig
from bot.followups import Followups
from bot.metrics import Metrics
from bot.screening.types import RiskLevel, ScreeningResult, ScreeningState
from bot.store.conversations import (
    ConversationSnapshot,
    ConversationStore,
    TranscriptEntry,
    TurnWrite,
)
from bot.store.keys import Keys
from bot.store.redis import AtomicWrites, RedisClient
from bot.turn import (
    CancelFollowups,
    CaseRequest,
    CaseStatus,
    DeclineCounselor,
    Desk,
    Dialog,
    EndConversation,
    Escalate,
    ForgetMe,
    Intake,
    LeaveCrisis,
    ScheduleFollowup,
    TurnInput,
    TurnOutput,
)

log = structlog.get_logger(__name__)

PLAN_TTL_S = 86400  # a decided plan outlives any retry or reclaim of its event
TYPING_DELAY_S = 0.8


def _crisis_now(screening: ScreeningResult | None) -> bool:
    """This message is a crisis, or tipped the conversation into one."""
    if screening is None:
        return False
    return screening.message_risk.is_crisis or (screening.risk.is_crisis and screening.rose)


def _first_send(plan: list[Effect]) -> int:
    return next((i for i, e in enumerate(plan) if e.kind == "send"), -1)


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
class Effect:
    kind: str  # send | person_said | open_case | relayed | followup | cancel_followups | forget
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "data": self.data}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Effect:
        return cls(kind=str(raw["kind"]), data=dict(raw["data"]))


@dataclass(frozen=True, slots=True)
class Prefetched:
    """What a turn reads before it starts, fetched in the worker's round trip that takes the
    conversation's lease (see `TurnHandler.prefetch`)."""

    progress: dict[str, str]  # the event's plan and effect markers, if it was handled before
    snapshot: ConversationSnapshot
    case_open: bool  # the person has an open case: ask the desk for its status


def _send(messages: Sequence[OutboundMessage], *, reply: bool = True) -> Effect:
    return Effect("send", {"messages": [m.to_json() for m in messages], "reply": reply})


def crisis_numbers_in(text: str, service: ServiceConfig, imminent: bool) -> bool:
    """Does this text carry a 24-hour hotline number (and, if imminent, 119/110)?"""
    always_open = [h.number for h in service.hotlines.values() if h.always_open]
    if not any(number in text for number in always_open):
        return False
    return not imminent or all(e.number in text for e in service.emergency)


class TurnHandler:
    def __init__(
        self,
        *,
        redis: RedisClient,
        keys: Keys,
        conversations: ConversationStore,
        senders: Mapping[str, Sender],
        bundle: Callable[[], Bundle],
        desk: Callable[[], Desk | None],
        followups: Followups,
        metrics: Metrics,
        intake: Intake | None = None,
    ) -> None:
        self.intake = intake
        self.redis = redis
        self.keys = keys
        self.conversations = conversations
        self.senders = senders
        self.bundle = bundle
        self.desk = desk
        self.followups = followups
        self.metrics = metrics

    def prefetch(
        self, pipe: RedisClient, event: InboundEvent
    ) -> Callable[[Sequence[Any]], Prefetched]:
        """Queue the turn's reads on the worker's pipeline (the one that takes the lease), so a
        turn costs one round trip less per read; returns the function that reads the results.
        """
        conv = event.conversation
        pipe.hgetall(self.keys.event_effects(event.event_id, event.conversation))
        read_snapshot = self.conversations.stage_snapshot(pipe, conv)
        desk = self.desk()
        case_key = desk.open_case_key(conv) if desk is not None else None
        if case_key is not None:
            pipe.exists(case_key)

        def read(results: Sequence[Any]) -> Prefetched:
            return Prefetched(
                progress=dict(results[0] or {}),
                snapshot=read_snapshot(results[1:4]),
                case_open=bool(results[4]) if case_key is not None else False,
            )

        return read

    async def __call__(self, event: InboundEvent, prefetched: Prefetched | None = None) -> None:
        if prefetched is not None:
            stored = prefetched.progress
        else:
            stored = await self.redis.hgetall(
                self.keys.event_effects(event.event_id, event.conversation)
            )
        typing = self._typing_later(event)
        try:
            if "plan" in stored:
                plan = [Effect.from_json(e) for e in json.loads(stored["plan"])]
            else:
                try:
                    plan = await self._decide(event, prefetched)
                except Exception:
                    await self.safety_net(event, where="decide")
                    raise
                stored = {f"attempt:{_first_send(plan)}": "1", "fresh": "1"}
            await self._carry_out(event, plan, stored)
        finally:
            if typing is not None:
                typing.cancel()
        if event.kind in (EventKind.TEXT, EventKind.POSTBACK, EventKind.FOLLOW):
            self.metrics.turn_latency.observe(max(0.0, time.time() - event.received_ms / 1000))

    def _typing_later(self, event: InboundEvent) -> asyncio.TimerHandle | None:
        """Show LINE's loading animation only if the answer is not out within a moment: most
        turns finish in milliseconds, and a flash of 'typing' would only add a call."""
        if event.kind is not EventKind.TEXT:
            return None
        sender = self.senders.get(event.address.channel)
        if sender is None:
            return None
        loop = asyncio.get_running_loop()
        return loop.call_later(
            TYPING_DELAY_S, lambda: loop.create_task(sender.show_typing(event.address))
        )

    # --- phase 1: decide ---------------------------------------------------------------------

    async def _decide(self, event: InboundEvent, prefetched: Prefetched | None) -> list[Effect]:
        bundle = self.bundle()
        service = bundle.service
        conv = event.conversation
        now = datetime.now(UTC)
        write = TurnWrite()
        plan: list[Effect] = []

        if event.kind is EventKind.GROUP:
            first_today = await self.redis.set(self.keys.group_noted(conv), "1", nx=True, ex=86400)
            if first_today:
                plan.append(_send([OutboundMessage(service.message("group_note"))]))
            await self._commit(event, conv, write, plan)
            return plan

        person_event = event.kind in (
            EventKind.TEXT,
            EventKind.POSTBACK,
            EventKind.FOLLOW,
            EventKind.MEDIA,
        )
        counted = event.kind in (EventKind.TEXT, EventKind.POSTBACK, EventKind.MEDIA)
        if prefetched is not None:
            snapshot = prefetched.snapshot
        else:
            snapshot = await self.conversations.snapshot(conv)
        desk = self.desk()
        case: CaseStatus | None = None
        if desk is not None and (prefetched is None or prefetched.case_open):
            case = await desk.case_status(conv, now)
        profile = snapshot.profile
        write.profile["address"] = json.dumps(
            {"channel": event.address.channel, "to": event.address.to}, ensure_ascii=False
        )

        read_token = profile.get("read_token", "")
        if event.kind is EventKind.COUNSELOR:
            text = event.text or ""
            plan.append(_send([OutboundMessage(text)], reply=False))
            plan.append(Effect("relayed", {}))
            if read_token:  # the counselor answers: they have read what the person wrote
                plan.append(Effect("mark_read", {"token": read_token}))
            write.transcript.append(
                TranscriptEntry("counselor", text, event.received_ms, event.event_id)
            )
            await self._commit(event, conv, write, plan)
            return plan

        # A conversation that went idle starts afresh ("welcome back"), keeping only what the
        # screener needs to see the person's history (their earlier factors).
        dialog_state = snapshot.dialog_state
        screening_state = snapshot.screening_state
        returning = False
        last_seen = int(profile.get("last_seen_ms", "0") or 0)
        idle_ms = service.retention.idle_minutes * 60_000
        if person_event and case is None and last_seen and event.received_ms - last_seen > idle_ms:
            returning = True
            dialog_state = {}
            if screening_state is not None:
                prior = list(
                    dict.fromkeys([*screening_state.prior_factors, *screening_state.factors])
                )
                screening_state = ScreeningState(prior_factors=prior)
        if person_event:
            write.profile["last_seen_ms"] = str(event.received_ms)
        if event.meta.get("read_token"):
            write.profile["read_token"] = event.meta["read_token"]

        # A person who declined the terms: what they write is not kept (only what screening
        # needs, without the words themselves; a crisis still reaches a counselor).
        declined = profile.get("consent") == "no"
        screening: ScreeningResult | None = None
        if event.kind in (EventKind.TEXT, EventKind.MEDIA) and event.text:
            screening, new_state = bundle.screener.screen(event.text, screening_state)
            if declined:
                new_state.signals = [replace(s, text="") for s in new_state.signals]
            write.screening_state = new_state
            self.metrics.screening_risk.labels(screening.risk.label).inc()
            if event.kind is EventKind.TEXT:
                write.transcript.append(
                    TranscriptEntry("person", event.text, event.received_ms, event.event_id)
                )
        if case is not None and event.kind in (EventKind.TEXT, EventKind.MEDIA):
            plan.append(
                Effect(
                    "person_said",
                    {
                        "text": event.text or "",
                        "screening": screening.to_record() if screening else None,
                        "media_type": event.media_type if event.kind is EventKind.MEDIA else None,
                    },
                )
            )
        if event.kind is EventKind.POSTBACK and event.postback:
            write.transcript.append(
                TranscriptEntry("person", f"[{event.postback}]", event.received_ms, event.event_id)
            )

        # Flood control: past the per-minute limit, only a crisis gets an answer; the rest is
        # still screened (above), kept and relayed to the counselor, and the dialog waits.
        # (Intake counted the person's messages this minute, once per event.)
        limit = service.limits.answers_per_minute
        if counted and event.recent > limit and not _crisis_now(screening):
            if event.recent == limit + 1:
                notice = OutboundMessage(service.message("flood_notice"))
                plan.append(_send([notice]))
                write.transcript.append(
                    TranscriptEntry("bot", notice.text, int(time.time() * 1000), event.event_id)
                )
            log.info("pipeline.throttled", conversation=conv, recent=event.recent)
            await self._commit(event, conv, write, plan)
            return plan

        turn = bundle.dialog.respond(
            TurnInput(
                event=event,
                screening=screening,
                state=dialog_state,
                profile=profile,
                case=case,
                now=now,
                returning=returning,
                counselors=desk is not None and desk.visible,
            )
        )
        messages = self._guard_crisis(list(turn.messages), screening, service, case)
        if event.kind is EventKind.UNFOLLOW:
            messages = []  # the person blocked us: nothing can reach them
        if messages:
            plan.append(_send(messages))
            for m in messages:
                write.transcript.append(
                    TranscriptEntry("bot", m.text, int(time.time() * 1000), event.event_id)
                )
            if case is not None:  # the counselor sees what the bot said after the case opened
                plan.append(Effect("bot_said", {"texts": [m.text for m in messages]}))
        plan.extend(self._actions(event, turn, screening, case))
        if event.kind is EventKind.SYSTEM and event.text == "case_claimed" and read_token:
            plan.append(Effect("mark_read", {"token": read_token}))  # the card was read
        if any(isinstance(a, LeaveCrisis) for a in turn.actions) and screening_state is not None:
            # The case is over: the conversation's level starts afresh, its factors stay.
            prior = list(dict.fromkeys([*screening_state.prior_factors, *screening_state.factors]))
            write.screening_state = ScreeningState(prior_factors=prior)
        write.dialog_state = dict(turn.state) if turn.state is not None else dialog_state
        write.profile.update({str(k): str(v) for k, v in turn.profile.items()})
        if declined or write.profile.get("consent") == "no":
            write.transcript = [e for e in write.transcript if e.role not in ("person", "bot")]
            write.drop_transcript = not declined  # declining now: what was kept goes too
        await self._commit(event, conv, write, plan)
        return plan

    def _guard_crisis(
        self,
        messages: list[OutboundMessage],
        screening: ScreeningResult | None,
        service: ServiceConfig,
        case: CaseStatus | None,
    ) -> list[OutboundMessage]:
        """Contract: the first answer to a crisis message carries a 24-hour hotline number
        (and 119/110 when imminent), whatever the scripts say. While a counselor holds the
        case, only a rise in risk triggers it (the counselor is already talking)."""
        if screening is None:
            return messages
        rose = screening.risk.is_crisis and screening.rose
        repeated = screening.message_risk.is_crisis and (case is None or case.state == "queued")
        if not (rose or repeated):
            return messages
        imminent = screening.risk is RiskLevel.IMMINENT
        if messages and crisis_numbers_in(messages[0].text, service, imminent):
            return messages
        self.metrics.safety_net.labels("guard").inc()
        log.warning("pipeline.crisis_guard_added_hotlines", risk=screening.risk.label)
        crisis = OutboundMessage(service.crisis_text(imminent))
        return [crisis, *messages]

    def _actions(
        self,
        event: InboundEvent,
        turn: TurnOutput,
        screening: ScreeningResult | None,
        case: CaseStatus | None,
    ) -> list[Effect]:
        effects: list[Effect] = []
        escalated = False
        for action in turn.actions:
            if isinstance(action, Escalate):
                if escalated:
                    continue
                escalated = True
                consent = action.consent or bool(screening and screening.risk is RiskLevel.IMMINENT)
                effects.append(
                    self._open_case(
                        event,
                        action.reason,
                        action.note,
                        consent,
                        turn,
                        screening,
                        risk=action.risk,
                        notify_when_open=action.notify_when_open,
                    )
                )
            elif isinstance(action, ScheduleFollowup):
                due = int(time.time() * 1000 + action.after_hours * 3_600_000)
                effects.append(Effect("followup", {"due_ms": due}))
            elif isinstance(action, CancelFollowups):
                effects.append(Effect("cancel_followups", {}))
            elif isinstance(action, ForgetMe):
                effects.append(Effect("forget", {}))
            elif isinstance(action, DeclineCounselor):
                if case is not None or escalated:
                    effects.append(Effect("declined", {}))
            elif isinstance(action, EndConversation):
                # The dialog reset its own state; an open case ends as the person asked
                # (a deletion ends it by deleting it).
                if case is not None and not any(isinstance(a, ForgetMe) for a in turn.actions):
                    effects.append(Effect("left", {}))
            elif isinstance(action, LeaveCrisis):
                continue  # the screening state is reset with the turn's writes
        # Defence in depth: a crisis always reaches a counselor, whatever the scripts do.
        crisis_rose = (
            screening is not None
            and screening.risk.is_crisis
            and (screening.rose or screening.message_risk.is_crisis)
        )
        if crisis_rose and not escalated and (case is None or (screening and screening.rose)):
            assert screening is not None
            effects.append(
                self._open_case(
                    event, "risk", "", screening.risk is RiskLevel.IMMINENT, turn, screening
                )
            )
        if event.kind is EventKind.UNFOLLOW and not any(
            e.kind == "cancel_followups" for e in effects
        ):
            effects.append(Effect("cancel_followups", {}))
        return effects

    @staticmethod
    def _open_case(
        event: InboundEvent,
        reason: str,
        note: str,
        consent: bool,
        turn: TurnOutput,
        screening: ScreeningResult | None,
        *,
        risk: RiskLevel | None = None,
        notify_when_open: bool = False,
    ) -> Effect:
        return Effect(
            "open_case",
            {
                "reason": reason,
                "note": note,
                "consent": consent,
                "collected": {str(k): str(v) for k, v in turn.collected.items()},
                "trigger_text": event.text or "",
                "screening": screening.to_record() if screening else None,
                "risk": risk.label if risk is not None else None,
                "notify_when_open": notify_when_open,
            },
        )

    async def _commit(
        self, event: InboundEvent, conv: str, write: TurnWrite, plan: list[Effect]
    ) -> None:
        key = self.keys.event_effects(event.event_id, event.conversation)
        writes = AtomicWrites()
        self.conversations.stage(writes, conv, write)
        # The first send is marked attempted in the same transaction: if we die before or
        # after sending, a reclaimer knows to check (a reply token works only once).
        writes.hset(
            key,
            mapping={
                "plan": json.dumps([e.to_json() for e in plan], ensure_ascii=False),
                f"attempt:{_first_send(plan)}": "1",
            },
        )
        writes.expire(key, PLAN_TTL_S)
        await writes.apply(self.redis)

    # --- phase 2: carry out -----------------------------------------------------------------

    async def _carry_out(
        self, event: InboundEvent, plan: list[Effect], progress: dict[str, str]
    ) -> None:
        key = self.keys.event_effects(event.event_id, event.conversation)
        reply_used = False
        # Decided just now (not reclaimed): the pre-marked first send has not been tried yet.
        fresh_send = _first_send(plan) if progress.get("fresh") else -1
        for index, effect in enumerate(plan):
            if progress.get(f"done:{index}"):
                if effect.kind == "send":
                    reply_used = True
                continue
            if effect.kind == "send":
                # Mark the attempt before sending: a retry must know a reply token may be spent.
                # (Other effects are idempotent on their own keys and need no such marker.)
                first_attempt = not progress.get(f"attempt:{index}") or index == fresh_send
                if not progress.get(f"attempt:{index}"):
                    await self.redis.hset(key, f"attempt:{index}", "1")
                use_reply = bool(effect.data.get("reply", True)) and not reply_used
                await self._deliver(event, index, effect, first_attempt, use_reply)
                reply_used = True
            else:
                await self._run(event, index, effect)
            if index < len(plan) - 1:
                # The last effect needs no marker: the worker marks the whole event done next,
                # and a crash in between is covered by the effects' own idempotency.
                await self.redis.hset(key, f"done:{index}", "1")

    async def _deliver(
        self, event: InboundEvent, index: int, effect: Effect, first_attempt: bool, use_reply: bool
    ) -> None:
        sender = self.senders.get(event.address.channel)
        if sender is None:
            log.warning("pipeline.no_sender", channel=event.address.channel)
            return
        messages = tuple(OutboundMessage.from_json(m) for m in effect.data["messages"])
        await sender.deliver(
            Delivery(
                address=event.address,
                messages=messages,
                key=f"{event.event_id}:{index}",
                reply_token=event.reply_token if use_reply else None,
                event_timestamp_ms=event.timestamp_ms,
                first_attempt=first_attempt,
            )
        )

    async def _run(self, event: InboundEvent, index: int, effect: Effect) -> None:
        conv = event.conversation
        key = f"{event.event_id}:{index}"
        desk = self.desk()
        now = datetime.now(UTC)
        if effect.kind == "open_case":
            if desk is None:
                log.warning("pipeline.no_desk_for_case")
                return
            data = effect.data
            screening = (
                ScreeningResult.from_record(data["screening"]) if data.get("screening") else None
            )
            status = await desk.open_case(
                CaseRequest(
                    conversation=conv,
                    key=key,
                    reason=data["reason"],
                    screening=screening,
                    collected=data.get("collected", {}),
                    consent=bool(data.get("consent")),
                    note=str(data.get("note", "")),
                    trigger_text=str(data.get("trigger_text", "")),
                    risk=RiskLevel.parse(data["risk"]) if data.get("risk") else None,
                    notify_when_open=bool(data.get("notify_when_open")),
                ),
                now,
            )
            log.info("pipeline.case_opened", case=status.case_id, risk=status.risk.label)
            # Tell the person their place in line once, and only while a counselor is on duty
            # and can see the case (otherwise the scripts said when counselors are back).
            if status.opened and status.staffed and status.state == "queued" and self.intake:
                # Tell the person their place in line, in order after this turn's answer.
                await self.intake.submit(
                    [
                        InboundEvent(
                            event_id=f"queued:{key}",
                            channel=event.channel,
                            address=event.address,
                            kind=EventKind.SYSTEM,
                            text="case_queued",
                            timestamp_ms=int(time.time() * 1000),
                            received_ms=int(time.time() * 1000),
                            meta={"case_id": status.case_id},
                        )
                    ]
                )
        elif effect.kind == "person_said":
            if desk is not None:
                screening = (
                    ScreeningResult.from_record(effect.data["screening"])
                    if effect.data.get("screening")
                    else None
                )
                await desk.person_said(
                    conv, effect.data["text"], key, screening, effect.data.get("media_type")
                )
        elif effect.kind == "bot_said":
            if desk is not None:
                await desk.bot_said(conv, list(effect.data["texts"]), key)
        elif effect.kind == "declined":
            if desk is not None:
                await desk.person_declined(conv, key)
        elif effect.kind == "left":
            if desk is not None:
                await desk.person_left(conv, key)
        elif effect.kind == "relayed":
            if desk is not None:
                await desk.relayed(event)
        elif effect.kind == "mark_read":
            sender = self.senders.get(event.address.channel)
            if sender is not None:
                await sender.mark_read(event.address, str(effect.data["token"]))
        elif effect.kind == "followup":
            await self.followups.schedule(conv, int(effect.data["due_ms"]))
        elif effect.kind == "cancel_followups":
            await self.followups.cancel(conv)
        elif effect.kind == "forget":
            await self.followups.cancel(conv)
            cases = await desk.forget(conv) if desk is not None else 0
            # Everything of the person, this event's own plan excepted (it is running).
            deleted = await self.conversations.forget(
                conv, keep=[self.keys.event_effects(event.event_id, conv)]
            )
            log.info("pipeline.forgot_cases", cases=cases)
            log.info("pipeline.forgot_person", keys=deleted)
        else:
            log.error("pipeline.unknown_effect", kind=effect.kind)

    # --- safety net ------------------------------------------------------------------------

    async def safety_net(self, event: InboundEvent, where: str) -> None:
        """Something failed while handling this event: if it is (or might be) a crisis, send the
        hotline numbers now, on their own idempotency key."""
        if event.kind is not EventKind.TEXT or not event.text:
            return
        try:
            bundle = self.bundle()
            service = bundle.service
        except Exception:
            log.error("pipeline.safety_net_no_config")
            return
        try:
            result, _ = bundle.screener.screen(event.text, None)
            crisis, imminent = result.risk.is_crisis, result.risk is RiskLevel.IMMINENT
        except Exception:
            crisis, imminent = True, False  # cannot tell: err on the side of the person
        if not crisis:
            return
        sender = self.senders.get(event.address.channel)
        if sender is None:
            return
        self.metrics.safety_net.labels(where).inc()
        log.warning("pipeline.safety_net", where=where)
        try:
            await sender.deliver(
                Delivery(
                    address=event.address,
                    messages=(OutboundMessage(service.crisis_text(imminent)),),
                    key=f"{event.event_id}:safety",
                    reply_token=event.reply_token,
                    event_timestamp_ms=event.timestamp_ms,
                )
            )
        except Exception as exc:
            log.error("pipeline.safety_net_failed", error=type(exc).__name__)
