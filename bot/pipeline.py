"""The turn handler: one event in, the person answered, exactly once.

Two phases, so a worker killed at any point never sends a second answer:

1. **Decide.** Read what the turn needs (`TurnContext`), then `bot.decide.decide` (pure)
   screens the text, asks the dialog what to say and returns the plan of effects with every
   write of the turn (transcript, screening and dialog state, profile). Both are stored in one
   atomic write (`AtomicWrites`, a single Lua call), so crisis state is stored before anything
   is sent. If the plan already exists (the event was reclaimed), this phase is skipped.
2. **Carry out.** Run the plan's typed effects in order (send, open a case, relay to the
   counselor, schedule a follow-up, ...), marking each one done. Every effect is idempotent on
   a key derived from the event id, so a retry after a crash repeats nothing the person or
   counselor saw. The runner matches the effect kinds exhaustively (`assert_never`).

Safety net: if deciding fails on a message that screens as a crisis (or cannot be screened at
all), the person still gets the hotline numbers before the event is retried.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, assert_never

import structlog

from bot.channels.base import (
    Delivery,
    EventKind,
    InboundEvent,
    OutboundMessage,
    Sender,
)
from bot.decide import Bundle, Decision, Screener, TurnContext, crisis_numbers_in, decide
from bot.effects import (
    Effect,
    Followup,
    Forget,
    MarkRelayed,
    OpenCase,
    PersonSaid,
    Plan,
    Send,
    StopFollowups,
    first_send,
    plan_from_json,
    plan_to_json,
)
from bot.followups import Followups
from bot.metrics import Metrics
from bot.screening.types import RiskLevel
from bot.store.conversations import ConversationSnapshot, ConversationStore
from bot.store.keys import Keys
from bot.store.redis import AtomicWrites, RedisClient
from bot.turn import CaseRequest, CaseStatus, Desk, Intake

__all__ = ["Bundle", "Prefetched", "Screener", "TurnHandler", "crisis_numbers_in"]

log = structlog.get_logger(__name__)

PLAN_TTL_S = 86400  # a decided plan outlives any retry or reclaim of its event
TYPING_DELAY_S = 0.8
GROUP_NOTE_TTL_S = 86400  # a group gets the one-to-one note at most once a day


@dataclass(frozen=True, slots=True)
class Prefetched:
    """What a turn reads before it starts, fetched in the worker's round trip that takes the
    conversation's lease (see `TurnHandler.prefetch`)."""

    progress: dict[str, str]  # the event's plan and effect markers, if it was handled before
    snapshot: ConversationSnapshot
    case_open: bool  # the person has an open case: ask the desk for its status
    group_noted: bool = False  # (groups) the one-to-one note already went out today


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
        pipe.hgetall(self.keys.event_effects(event.event_id))
        read_snapshot = self.conversations.stage_snapshot(pipe, conv)
        desk = self.desk()
        case_key = desk.open_case_key(conv) if desk is not None else None
        if case_key is not None:
            pipe.exists(case_key)
        group = event.kind is EventKind.GROUP
        if group:
            pipe.exists(self.keys.group_noted(conv))

        def read(results: Sequence[Any]) -> Prefetched:
            at = 4
            case_open = False
            if case_key is not None:
                case_open, at = bool(results[at]), at + 1
            return Prefetched(
                progress=dict(results[0] or {}),
                snapshot=read_snapshot(results[1:4]),
                case_open=case_open,
                group_noted=bool(results[at]) if group else False,
            )

        return read

    async def __call__(self, event: InboundEvent, prefetched: Prefetched | None = None) -> None:
        if prefetched is not None:
            stored = prefetched.progress
        else:
            stored = await self.redis.hgetall(self.keys.event_effects(event.event_id))
        typing = self._typing_later(event)
        try:
            if "plan" in stored:
                plan = plan_from_json(json.loads(stored["plan"]))
            else:
                try:
                    plan = await self._decide(event, prefetched)
                except Exception:
                    await self.safety_net(event, where="decide")
                    raise
                stored = {f"attempt:{first_send(plan)}": "1", "fresh": "1"}
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

    async def _context(self, event: InboundEvent, prefetched: Prefetched | None) -> TurnContext:
        """Read what `decide` needs (most of it came with the lease, in `prefetched`)."""
        conv = event.conversation
        now = datetime.now(UTC)
        if prefetched is not None:
            snapshot, group_noted = prefetched.snapshot, prefetched.group_noted
        else:
            snapshot = await self.conversations.snapshot(conv)
            group_noted = event.kind is EventKind.GROUP and bool(
                await self.redis.exists(self.keys.group_noted(conv))
            )
        case: CaseStatus | None = None
        desk = self.desk()
        ask_desk = prefetched is None or prefetched.case_open
        if event.kind is not EventKind.GROUP and desk is not None and ask_desk:
            case = await desk.case_status(conv, now)
        return TurnContext(
            snapshot=snapshot,
            now_ms=int(now.timestamp() * 1000),
            case=case,
            group_noted=group_noted,
        )

    async def _decide(self, event: InboundEvent, prefetched: Prefetched | None) -> Plan:
        context = await self._context(event, prefetched)
        decision = decide(event, context, self.bundle())
        if decision.screening is not None:
            self.metrics.screening_risk.labels(decision.screening.risk.label).inc()
        if decision.guarded:
            self.metrics.safety_net.labels("guard").inc()
            risk = decision.screening.risk.label if decision.screening else ""
            log.warning("pipeline.crisis_guard_added_hotlines", risk=risk)
        if decision.throttled:
            log.info("pipeline.throttled", conversation=event.conversation, recent=event.recent)
        await self._commit(event, decision)
        return decision.plan

    async def _commit(self, event: InboundEvent, decision: Decision) -> None:
        conv = event.conversation
        key = self.keys.event_effects(event.event_id)
        writes = AtomicWrites()
        self.conversations.stage(writes, conv, decision.write)
        if decision.note_group:
            writes.set(self.keys.group_noted(conv), "1", ex=GROUP_NOTE_TTL_S)
        # The first send is marked attempted in the same transaction: if we die before or
        # after sending, a reclaimer knows to check (a reply token works only once).
        writes.hset(
            key,
            mapping={
                "plan": json.dumps(plan_to_json(decision.plan), ensure_ascii=False),
                f"attempt:{first_send(decision.plan)}": "1",
            },
        )
        writes.expire(key, PLAN_TTL_S)
        await writes.apply(self.redis)

    # --- phase 2: carry out -----------------------------------------------------------------

    async def _carry_out(
        self, event: InboundEvent, plan: Sequence[Effect], progress: dict[str, str]
    ) -> None:
        key = self.keys.event_effects(event.event_id)
        reply_used = False
        # Decided just now (not reclaimed): the pre-marked first send has not been tried yet.
        fresh_send = first_send(plan) if progress.get("fresh") else -1
        for index, effect in enumerate(plan):
            if progress.get(f"done:{index}"):
                if isinstance(effect, Send):
                    reply_used = True
                continue
            match effect:
                case Send():
                    # Mark the attempt before sending: a retry must know a reply token may be
                    # spent. (Other effects are idempotent on their own keys.)
                    attempted = bool(progress.get(f"attempt:{index}"))
                    first_attempt = not attempted or index == fresh_send
                    if not attempted:
                        await self.redis.hset(key, f"attempt:{index}", "1")
                    use_reply = effect.reply and not reply_used
                    await self._deliver(event, index, effect, first_attempt, use_reply)
                    reply_used = True
                case OpenCase():
                    await self._open_case(event, index, effect)
                case PersonSaid(text=text, screening=screening):
                    desk = self.desk()
                    if desk is not None:
                        await desk.person_said(
                            event.conversation, text, f"{event.event_id}:{index}", screening
                        )
                case MarkRelayed():
                    desk = self.desk()
                    if desk is not None:
                        await desk.relayed(event)
                case Followup(due_ms=due_ms):
                    await self.followups.schedule(event.conversation, due_ms)
                case StopFollowups():
                    await self.followups.cancel(event.conversation)
                case Forget():
                    await self._forget(event.conversation)
                case _:
                    assert_never(effect)
            if index < len(plan) - 1:
                # The last effect needs no marker: the worker marks the whole event done next,
                # and a crash in between is covered by the effects' own idempotency.
                await self.redis.hset(key, f"done:{index}", "1")

    async def _deliver(
        self, event: InboundEvent, index: int, effect: Send, first_attempt: bool, use_reply: bool
    ) -> None:
        sender = self.senders.get(event.address.channel)
        if sender is None:
            log.warning("pipeline.no_sender", channel=event.address.channel)
            return
        await sender.deliver(
            Delivery(
                address=event.address,
                messages=effect.messages,
                key=f"{event.event_id}:{index}",
                reply_token=event.reply_token if use_reply else None,
                event_timestamp_ms=event.timestamp_ms,
                first_attempt=first_attempt,
            )
        )

    async def _open_case(self, event: InboundEvent, index: int, effect: OpenCase) -> None:
        desk = self.desk()
        if desk is None:
            log.warning("pipeline.no_desk_for_case")
            return
        key = f"{event.event_id}:{index}"
        status = await desk.open_case(
            CaseRequest(
                conversation=event.conversation,
                key=key,
                reason=effect.reason,
                screening=effect.screening,
                collected=effect.collected,
                consent=effect.consent,
                note=effect.note,
                trigger_text=effect.trigger_text,
            ),
            datetime.now(UTC),
        )
        log.info("pipeline.case_opened", case=status.case_id, risk=status.risk.label)
        if status.state == "queued" and self.intake is not None:
            # Tell the person their place in line, in order after this turn's answer.
            now_ms = int(time.time() * 1000)
            await self.intake.submit(
                [
                    InboundEvent(
                        event_id=f"queued:{key}",
                        channel=event.channel,
                        address=event.address,
                        kind=EventKind.SYSTEM,
                        text="case_queued",
                        timestamp_ms=now_ms,
                        received_ms=now_ms,
                        meta={"case_id": status.case_id},
                    )
                ]
            )

    async def _forget(self, conv: str) -> None:
        await self.followups.cancel(conv)
        desk = self.desk()
        cases = await desk.forget(conv) if desk is not None else 0
        deleted = await self.conversations.forget(conv)
        log.info("pipeline.forgot_cases", cases=cases)
        log.info("pipeline.forgot_person", keys=deleted)

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
