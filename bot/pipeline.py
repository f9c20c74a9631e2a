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
import collections
import contextlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, assert_never

import structlog
from redis.exceptions import RedisError

from bot.channels.base import (
    Delivery,
    DeliveryError,
    EventKind,
    InboundEvent,
    OutboundMessage,
    ReplyState,
    Sender,
)
from bot.decide import Bundle, Decision, Screener, TurnContext, crisis_numbers_in, decide
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

__all__ = [
    "Bundle",
    "Prefetched",
    "SafetyLedger",
    "Screener",
    "TurnHandler",
    "crisis_numbers_in",
]

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
        safety: SafetyLedger | None = None,
    ) -> None:
        self.intake = intake
        self.safety = safety or SafetyLedger()
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
        pipe.hgetall(self.keys.event_effects(event.event_id, conv))
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
            stored = await self.redis.hgetall(
                self.keys.event_effects(event.event_id, event.conversation)
            )
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
                # Decided just now: nothing of it was tried before (the attempt marker the
                # commit wrote is for a reclaimer).
                stored = {k: v for k, v in stored.items() if k == SAFETY_FIELD}
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
            counselors=desk is not None and desk.visible,
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
        key = self.keys.event_effects(event.event_id, conv)
        writes = AtomicWrites()
        self.conversations.stage(writes, conv, decision.write)
        if decision.note_group:
            writes.set(self.keys.group_noted(conv), "1", ex=GROUP_NOTE_TTL_S)
        stored = {"plan": json.dumps(plan_to_json(decision.plan), ensure_ascii=False)}
        if first_send(decision.plan) == 0:
            # The plan starts by sending: the attempt is marked in the same transaction, so
            # that if we die during the call a reclaimer knows the reply token may be spent.
            # (Otherwise it is marked with the effect before it: see `_carry_out`.)
            stored["attempt:0"] = MAYBE_SENT
        writes.hset(key, mapping=stored)
        writes.expire(key, PLAN_TTL_S)
        await writes.apply(self.redis)

    # --- phase 2: carry out -----------------------------------------------------------------

    async def _carry_out(
        self, event: InboundEvent, plan: Sequence[Effect], prior: Mapping[str, str]
    ) -> None:
        """Run the plan's effects in order; `prior` is what earlier runs of it recorded (done
        markers, what a send left of the reply token), empty when decided just now."""
        key = self.keys.event_effects(event.event_id, event.conversation)
        reply_used = False  # an earlier send of this plan carried the reply token
        # The safety net already gave this event its answer (the store was down, or deciding
        # failed): the person is not answered a second time.
        answered = SAFETY_FIELD in prior or self.safety.answered(event.event_id)
        for index, effect in enumerate(plan):
            if prior.get(f"done:{index}"):
                if isinstance(effect, Send):
                    reply_used = True
                continue
            match effect:
                case Send():
                    if answered:
                        log.info("pipeline.answered_by_safety_net")
                    else:
                        state = reply_state_of(prior.get(f"attempt:{index}"))
                        use_reply = effect.reply and not reply_used
                        try:
                            await self._deliver(event, index, effect, state, use_reply)
                        except DeliveryError as exc:
                            # What this attempt left of the token, for the next one.
                            await self.redis.hset(key, f"attempt:{index}", exc.reply_state.value)
                            raise
                    reply_used = True
                case OpenCase():
                    await self._open_case(event, index, effect)
                case PersonSaid(text=text, screening=screening, media_type=media_type):
                    desk = self.desk()
                    if desk is not None:
                        await desk.person_said(
                            event.conversation,
                            text,
                            f"{event.event_id}:{index}",
                            screening,
                            media_type,
                        )
                case BotSaid(texts=texts):
                    desk = self.desk()
                    if desk is not None:
                        await desk.bot_said(event.conversation, texts, f"{event.event_id}:{index}")
                case Declined():
                    desk = self.desk()
                    if desk is not None:
                        await desk.person_declined(event.conversation, f"{event.event_id}:{index}")
                case Left():
                    desk = self.desk()
                    if desk is not None:
                        await desk.person_left(event.conversation, f"{event.event_id}:{index}")
                case MarkRead(token=token):
                    sender = self.senders.get(event.address.channel)
                    if sender is not None:
                        await sender.mark_read(event.address, token)
                case MarkRelayed():
                    desk = self.desk()
                    if desk is not None:
                        await desk.relayed(event)
                case Followup(due_ms=due_ms):
                    await self.followups.schedule(event.conversation, due_ms)
                case StopFollowups():
                    await self.followups.cancel(event.conversation)
                case Forget():
                    await self._forget(event)
                case _:
                    assert_never(effect)
            if index < len(plan) - 1:
                # The last effect needs no marker: the worker marks the whole event done next,
                # and a crash in between is covered by the effects' own idempotency. A send
                # next is marked attempted with it: if we die during its call, a reclaimer
                # knows the reply token may be spent (a reply token works only once).
                marks = {f"done:{index}": "1"}
                following = f"attempt:{index + 1}"
                if isinstance(plan[index + 1], Send) and prior.get(following) != "used":
                    marks[following] = MAYBE_SENT
                await self.redis.hset(key, mapping=marks)

    async def _deliver(
        self, event: InboundEvent, index: int, effect: Send, state: ReplyState, use_reply: bool
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
                reply_state=state,
                crisis=effect.crisis,
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
                risk=effect.risk,
                notify_when_open=effect.notify_when_open,
            ),
            datetime.now(UTC),
        )
        log.info("pipeline.case_opened", case=status.case_id, risk=status.risk.label)
        if status.opened and status.staffed and status.state == "queued" and self.intake:
            # Tell the person their place in line once, in order after this turn's answer, and
            # only while a counselor is on duty and can see it (else the scripts said when
            # counselors are back).
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

    async def _forget(self, event: InboundEvent) -> None:
        conv = event.conversation
        await self.followups.cancel(conv)
        desk = self.desk()
        cases = await desk.forget(conv) if desk is not None else 0
        # Everything of the person, this event's own plan excepted (it is running).
        deleted = await self.conversations.forget(
            conv, keep=[self.keys.event_effects(event.event_id, conv)]
        )
        log.info("pipeline.forgot_cases", cases=cases)
        log.info("pipeline.forgot_person", keys=deleted)

    # --- safety net ------------------------------------------------------------------------

    async def safety_net(self, event: InboundEvent, where: str) -> None:
        """Something failed while handling this event: if it is (or might be) a crisis, send the
        hotline numbers now, on their own idempotency key. Each event at most once (the
        ledger), however often the webhook is redelivered or deciding fails."""
        if event.kind is not EventKind.TEXT or not event.text:
            return
        if not self.safety.begin(event.event_id):
            return  # answered already, or being answered right now
        answered = False
        try:
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
                        # The turn itself may have used the token (an intake that timed out
                        # yet stored the event): a refusal then means the person has an answer.
                        reply_state=ReplyState.MAYBE,
                        crisis=True,
                    )
                )
                answered = True
            except Exception as exc:
                log.error("pipeline.safety_net_failed", error=type(exc).__name__)
        finally:
            self.safety.end(event.event_id, event.conversation, answered)
        if answered:
            with contextlib.suppress(RedisError, OSError):
                await self.safety.save(self.redis, self.keys)

    # --- scheduling hint -------------------------------------------------------------------------

    def urgent(self, event_json: str) -> bool:
        """Is this stored event a crisis, by its words alone? The worker asks while people
        queue for its slots (after a crash, during an outage or a surge), so that a person in
        crisis is answered first; the turn screens again, with the conversation's history."""
        data = json.loads(event_json)
        text = data.get("text")
        if data.get("kind") not in (EventKind.TEXT.value, EventKind.MEDIA.value) or not text:
            return False
        result, _ = self.bundle().screener.screen(str(text), None)
        return bool(result.risk.is_crisis or result.flagged)

    # --- the dead-letter path ----------------------------------------------------------------

    async def parked(self, event: InboundEvent, why: str) -> None:
        """The worker gave this event up. A crisis never goes silently: the metric counts it,
        and the supervisors are alerted in the person's case (opened now if it was not)."""
        request = await self._crisis_request(event)
        if request is None:
            return
        self.metrics.crisis_dead.inc()
        log.error("pipeline.crisis_dead_letter", why=why, risk=_risk_label(request))
        desk = self.desk()
        if desk is None:
            return
        await desk.undelivered(request, datetime.now(UTC))

    async def _crisis_request(self, event: InboundEvent) -> CaseRequest | None:
        """A case request for the parked event if it was a crisis (from its decided plan, or,
        when it was never decided, from screening its words alone), else None."""
        key = f"{event.event_id}:dead"
        raw = await self.redis.hget(
            self.keys.event_effects(event.event_id, event.conversation), "plan"
        )
        plan: Plan = ()
        if raw:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                plan = plan_from_json(json.loads(raw))
        for effect in plan:
            if isinstance(effect, OpenCase) and (
                (
                    effect.screening is not None
                    and (effect.screening.risk.is_crisis or effect.screening.flagged)
                )
                or (effect.risk is not None and effect.risk.is_crisis)
            ):
                return CaseRequest(
                    conversation=event.conversation,
                    key=key,
                    reason="risk",
                    screening=effect.screening,
                    collected=effect.collected,
                    consent=effect.consent,
                    trigger_text=effect.trigger_text,
                    risk=effect.risk,
                )
        crisis_send = any(isinstance(e, Send) and e.crisis for e in plan)
        screening = None
        if event.text and event.kind in (EventKind.TEXT, EventKind.MEDIA):
            with contextlib.suppress(Exception):
                screening, _ = self.bundle().screener.screen(event.text, None)
        if not crisis_send and (
            screening is None or not (screening.risk.is_crisis or screening.flagged)
        ):
            return None
        return CaseRequest(
            conversation=event.conversation,
            key=key,
            reason="risk",
            screening=screening,
            collected={},
            consent=bool(screening and screening.risk is RiskLevel.IMMINENT),
            trigger_text=event.text or "",
            risk=RiskLevel.HIGH if crisis_send else None,
        )


def _risk_label(request: CaseRequest) -> str:
    levels = [request.risk or RiskLevel.NONE]
    if request.screening is not None:
        levels.append(request.screening.risk)
    return max(levels).label


MAYBE_SENT = "1"  # an attempt started: its reply may have used the token
SAFETY_FIELD = "safety"  # in an event's effects: the safety net gave it its answer


def reply_state_of(marker: str | None) -> ReplyState:
    """What an event's stored attempt marker says of its reply token."""
    if marker is None:
        return ReplyState.UNUSED
    with contextlib.suppress(ValueError):
        return ReplyState(marker)
    return ReplyState.MAYBE  # "1": an attempt started and its outcome was never recorded


class SafetyLedger:
    """The events the safety net has answered, so it answers each at most once, and the turn
    that handles the event later does not answer it again.

    Kept in process memory, since the net is needed when the store is down; written to each
    event's effects (`SAFETY_FIELD`) as soon as the store answers, where the turn handler of
    any process sees it. The webhook saves it before it accepts events again, so a redelivered
    event is never decided without it."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._answered: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._busy: set[str] = set()
        self._unsaved: dict[str, str] = {}  # event id -> conversation

    def answered(self, event_id: str) -> bool:
        return event_id in self._answered

    def begin(self, event_id: str) -> bool:
        """May the net answer this event now? (Not if it did, or is doing so.)"""
        if event_id in self._answered or event_id in self._busy:
            return False
        self._busy.add(event_id)
        return True

    def end(self, event_id: str, conversation: str, answered: bool) -> None:
        self._busy.discard(event_id)
        if not answered:
            return
        self._answered[event_id] = None
        while len(self._answered) > self.limit:
            self._answered.popitem(last=False)
        self._unsaved[event_id] = conversation

    @property
    def unsaved(self) -> int:
        return len(self._unsaved)

    async def save(self, redis: RedisClient, keys: Keys) -> int:
        """Write what the store has not seen yet; raises when it cannot be reached."""
        if not self._unsaved:
            return 0
        todo = dict(self._unsaved)
        async with redis.pipeline(transaction=False) as pipe:
            for event_id, conv in todo.items():
                key = keys.event_effects(event_id, conv)
                pipe.hset(key, SAFETY_FIELD, "1")
                pipe.expire(key, PLAN_TTL_S)
            await pipe.execute()
        for event_id in todo:
            self._unsaved.pop(event_id, None)
        return len(todo)

    async def keep_saving(self, redis: RedisClient, keys: Keys, stop: asyncio.Event) -> None:
        """Save while anything is unsaved (the store comes back: other processes must see it
        before LINE redelivers the events to them)."""
        while not stop.is_set():
            if self._unsaved:
                with contextlib.suppress(RedisError, OSError):
                    await self.save(redis, keys)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
