"""Cases and the queue: every change to a case is one Redis transaction.

Each transition (open, join, claim, close, hand back, a counselor's or the person's message, a
timer firing) reads the case under WATCH, decides in Python, and writes the new case, the
queue, the timers and the outbox items it causes in one MULTI/EXEC. Two counselors pressing
「担当する」 at once: both transactions watch the case hash, exactly one EXEC succeeds, the other
re-reads and sees who has it. A process killed anywhere leaves either all of a change or none.

What must reach the person (claimed, closed, a counselor's words) goes through the person's
outbox lane into the intake stream, so it is delivered in order with the person's own events.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar, assert_never, cast

import redis.asyncio as aioredis
import structlog
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from bot.channels.base import Address, EventKind, InboundEvent
from bot.config import ServiceConfig
from bot.screening.types import RiskLevel, ScreeningResult
from bot.store.conversations import ConversationStore
from bot.store.keys import Keys
from bot.turn import CaseRequest, CaseStatus, Intake
from escalation.board import CONSOLE, Board, CardRef
from escalation.cards import CaseCard, build_card, slack_blocks
from escalation.config import EscalationConfig
from escalation.model import (
    Case,
    Counselor,
    LogEntry,
    PreviousCase,
    Trigger,
)
from escalation.outbox import (
    MarkDelivered,
    NotifyCounselor,
    Outbox,
    OutboxItem,
    PostCard,
    SendFailed,
    Stage,
    SupervisorAlert,
    ThreadLine,
    ToPerson,
    UpdateCard,
    Work,
)

log = structlog.get_logger(__name__)
T = TypeVar("T")

CASE_KEEP_S = 400 * 86400  # outcome and summary, for the next counselor (continuity)
REQUEST_KEEP_S = 7 * 86400
LOG_MAX = 1000
CLOSED_KEPT = 200
TIMER_LEASE_MS = 60_000

# Timer kinds (members of the timers sorted set are "<kind>|<case id>").
ANNOUNCE, SUPERVISE, SILENCE = "announce", "supervise", "silence"

_TIMER_LEASE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], member)
end
return due
"""

ClaimResult = Literal["claimed", "taken", "closed", "missing"]
ActResult = Literal["done", "closed", "missing"]
RelayResult = Literal["relayed", "note", "unclaimed", "closed", "missing", "duplicate"]


@dataclass(frozen=True, slots=True)
class Outcome:
    result: str
    case: Case | None = None

    @property
    def holder(self) -> Counselor | None:
        return self.case.holder if self.case else None


@dataclass(slots=True)
class _Write:
    """What one transition writes: the case, log lines, outbox items and anything else."""

    case: Case | None = None
    log: list[LogEntry] = field(default_factory=list)
    items: list[OutboxItem] = field(default_factory=list)
    extra: list[Stage] = field(default_factory=list)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _ms(now: datetime) -> int:
    return int(now.timestamp() * 1000)


class CaseBook:
    """The case store and every case transition; shared by Slack and the local console."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        conversations: ConversationStore,
        outbox: Outbox,
        board: Board,
        intake: Intake,
        config: Callable[[], EscalationConfig],
        service: Callable[[], ServiceConfig],
        *,
        counselor_channel: str = "",
        supervisor_channel: str = "",
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.conversations = conversations
        self.outbox = outbox
        self.board = board
        self.intake = intake
        self.config = config
        self.service = service
        self.counselor_channel = counselor_channel
        self.supervisor_channel = supervisor_channel or counselor_channel
        self._timer_lease = redis.register_script(_TIMER_LEASE)

    # --- reading ---------------------------------------------------------------------------
    async def load(self, case_id: str) -> Case | None:
        fields = await self.redis.hgetall(self.keys.case(case_id))
        return Case.from_fields(fields) if fields.get("case_id") else None

    async def load_many(self, case_ids: Sequence[str]) -> list[Case]:
        if not case_ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for case_id in case_ids:
                pipe.hgetall(self.keys.case(case_id))
            rows = await pipe.execute()
        return [Case.from_fields(r) for r in rows if r.get("case_id")]

    async def case_log(self, case_id: str, limit: int = 200) -> list[LogEntry]:
        raw = await self.redis.lrange(self.keys.case_transcript(case_id), -limit, -1)
        return [LogEntry.from_json(str(r)) for r in raw]

    async def delivered(self, case_id: str) -> dict[str, str]:
        raw = await self.redis.hgetall(self.keys.case_delivered(case_id))
        return {str(k): str(v) for k, v in raw.items()}

    async def open_case_id(self, conv: str) -> str | None:
        value = await self.redis.get(self.keys.conv_case(conv))
        return str(value) if value else None

    async def queue(self) -> list[str]:
        return [str(c) for c in await self.redis.zrange(self.keys.case_queue, 0, -1)]

    async def open_cases(self) -> list[str]:
        return [str(c) for c in await self.redis.zrange(self.keys.cases_open, 0, -1)]

    async def recently_closed(self, limit: int = 20) -> list[str]:
        return [str(c) for c in await self.redis.zrevrange(self.keys.cases_closed, 0, limit - 1)]

    async def status(self, conv: str, now: datetime) -> CaseStatus | None:
        case_id = await self.open_case_id(conv)
        if not case_id:
            return None
        case = await self.load(case_id)
        if case is None or not case.is_open:
            return None
        return await self._status(case, now)

    async def _status(self, case: Case, now: datetime) -> CaseStatus:
        staffed = self.service().staffed_hours.is_open(now)
        if case.state == "claimed":
            return CaseStatus(case.case_id, "claimed", case.risk, None, None, staffed)
        if case.state == "queued":
            rank = cast(int | None, await self.redis.zrank(self.keys.case_queue, case.case_id))
            position = rank + 1 if rank is not None else 1
            wait = self.config().wait_minutes(position)
            return CaseStatus(case.case_id, "queued", case.risk, position, wait, staffed)
        # A closed case reached by replaying an old request: nothing is pending for the person.
        return CaseStatus(case.case_id, "claimed", case.risk, None, None, staffed)

    def card(self, case: Case, log_entries: Sequence[LogEntry], now_ms: int) -> CaseCard:
        return build_card(
            case,
            log_entries,
            self.config(),
            now_ms=now_ms,
            tz=self.service().staffed_hours.timezone,
            slack=self.board.kind != CONSOLE,
        )

    # --- the transaction helper ------------------------------------------------------------
    async def _transact(
        self,
        case_id: str,
        decide: Callable[[Case | None, Pipeline], Awaitable[tuple[T, _Write | None]]],
        *,
        watch: Sequence[str] = (),
    ) -> T:
        key = self.keys.case(case_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key, *watch)
                    fields = await pipe.hgetall(key)
                    case = Case.from_fields(fields) if fields.get("case_id") else None
                    result, write = await decide(case, pipe)
                    if write is None:
                        await pipe.reset()  # type: ignore[no-untyped-call]
                        return result
                    pipe.multi()  # type: ignore[no-untyped-call]
                    self._stage(pipe, case_id, write)
                    await pipe.execute()
                    if write.items:
                        self.outbox.notify()
                    return result
                except WatchError:
                    continue

    def _stage(self, pipe: Pipeline, case_id: str, write: _Write) -> None:
        k = self.keys
        if write.case is not None:
            pipe.hset(k.case(case_id), mapping=cast(Mapping[Any, Any], write.case.to_fields()))
        if write.log:
            lkey = k.case_transcript(case_id)
            pipe.rpush(lkey, *(e.to_json() for e in write.log))
            pipe.ltrim(lkey, -LOG_MAX, -1)
        for stage in write.extra:
            stage(pipe)
        for item in write.items:
            self.outbox.stage(pipe, item)

    # --- outbox items ----------------------------------------------------------------------
    @staticmethod
    def _counselor_item(case: Case, work: Work) -> OutboxItem:
        return OutboxItem(lane=f"c:{case.case_id}", case_id=case.case_id, work=work)

    def _thread_item(self, case: Case, text: str, *, broadcast: bool = False) -> OutboxItem:
        return self._counselor_item(case, ThreadLine(text, broadcast))

    def _supervisor_item(self, case: Case, text: str, **values: Any) -> OutboxItem:
        return self._counselor_item(case, SupervisorAlert(text, values))

    @staticmethod
    def _person_item(case: Case, event: InboundEvent) -> OutboxItem:
        return OutboxItem(
            lane=f"p:{case.case_id}", case_id=case.case_id, work=ToPerson(event.to_json())
        )

    @staticmethod
    def _system_event(
        case: Case, name: str, now_ms: int, suffix: str = "", **meta: str
    ) -> InboundEvent:
        event_name = name.removeprefix("case_")
        return InboundEvent(
            event_id=f"case:{case.case_id}:{event_name}{suffix}",
            channel=case.address.channel,
            address=case.address,
            kind=EventKind.SYSTEM,
            timestamp_ms=now_ms,
            received_ms=now_ms,
            text=name,
            meta={"case_id": case.case_id, **meta},
        )

    def _timer(self, kind: str, case_id: str) -> str:
        return f"{kind}|{case_id}"

    # --- opening ---------------------------------------------------------------------------
    async def open(self, request: CaseRequest, now: datetime) -> CaseStatus:
        k = self.keys
        now_ms = _ms(now)
        known = await self.redis.get(k.case_request(request.key))
        if known:
            case = await self.load(str(known))
            if case is not None:
                return await self._status(case, now)
        open_id = await self.open_case_id(request.conversation)
        if open_id:
            joined = await self._join(open_id, request, now_ms)
            if joined is not None:
                return await self._status(joined, now)
        case = await self._create(request, now_ms)
        return await self._status(case, now)

    def _trigger(
        self, request_text: str, screening: ScreeningResult | None, now_ms: int
    ) -> Trigger | None:
        if not request_text.strip():
            return None
        words: tuple[str, ...] = ()
        risk = RiskLevel.NONE
        if screening is not None:
            risk = screening.risk
            seen: list[str] = []
            for sig in screening.signals:
                if sig.text and sig.text in request_text and sig.text not in seen:
                    seen.append(sig.text)
            words = tuple(seen)
        return Trigger(request_text.strip(), risk.label, now_ms, words)

    async def _previous(self, conv: str) -> tuple[PreviousCase, ...]:
        limit = self.config().previous_cases
        if limit <= 0:
            return ()
        ids = await self.redis.lrange(self.keys.person_cases(conv), -limit, -1)
        cases = await self.load_many([str(i) for i in ids])
        return tuple(
            PreviousCase(c.case_id, c.opened_ms, c.risk.label, c.state, c.outcome, c.summary)
            for c in reversed(cases)
        )

    async def _address(self, conv: str) -> Address:
        profile = await self.conversations.profile(conv)
        raw = profile.get("address")
        if raw:
            try:
                data = json.loads(raw)
                return Address(channel=str(data["channel"]), to=str(data["to"]))
            except (ValueError, KeyError, TypeError):
                pass
        log.error("case.no_address", conversation=conv)
        return Address(channel="", to="")

    async def _create(self, request: CaseRequest, now_ms: int) -> Case:
        k, cfg = self.keys, self.config()
        conv = request.conversation
        screening = request.screening
        risk = screening.risk if screening is not None else RiskLevel.NONE
        address = await self._address(conv)
        transcript = await self.conversations.transcript(conv, cfg.transcript_copy)
        previous = await self._previous(conv)
        seq = int(await self.redis.incr(k.case_seq))
        case_id = f"C-{seq:04d}"
        trigger = self._trigger(request.trigger_text, screening, now_ms)
        case = Case(
            case_id=case_id,
            conversation=conv,
            address=address,
            state="queued",
            risk=risk,
            reason=request.reason,
            opened_ms=now_ms,
            reasons=tuple(screening.reasons) if screening else (),
            factors=tuple(screening.factors) if screening else (),
            pathway=screening.pathway.to_json() if screening and screening.pathway else None,
            triggers=(trigger,) if trigger else (),
            collected=dict(request.collected),
            consent=request.consent or risk >= RiskLevel.IMMINENT,
            note=request.note,
            supervisor_alerted=risk >= RiskLevel.IMMINENT,
            previous=previous,
        )
        entries = [
            LogEntry(f"t:{i}:{e.ts_ms}", e.role, e.text, e.ts_ms)
            for i, e in enumerate(transcript)
            if e.role in ("person", "bot", "counselor")
        ]
        if trigger and not any(e.role == "person" and e.text == trigger.text for e in entries[-3:]):
            entries.append(LogEntry(f"k:{request.key}", "person", trigger.text, now_ms))
        items = [self._counselor_item(case, PostCard())]
        if case.supervisor_alerted:
            items.append(
                self._supervisor_item(
                    case,
                    "supervisor_imminent",
                    words="、".join(case.trigger_words()) or (trigger.text[:80] if trigger else ""),
                )
            )
        timers = cfg.timers

        def extra(pipe: Pipeline) -> None:
            pipe.zadd(k.case_queue, {case_id: case.queue_score})
            pipe.zadd(k.cases_open, {case_id: now_ms})
            pipe.set(k.conv_case(conv), case_id)
            pipe.rpush(k.person_cases(conv), case_id)
            pipe.expire(k.person_cases(conv), CASE_KEEP_S)
            pipe.set(k.case_request(request.key), case_id, ex=REQUEST_KEEP_S)
            pipe.sadd(k.case_seen(case_id), request.key)
            pipe.zadd(
                k.timers,
                {
                    self._timer(ANNOUNCE, case_id): now_ms + timers.reannounce_ms,
                    self._timer(SUPERVISE, case_id): now_ms + timers.supervisor_ms,
                },
            )

        write = _Write(case=case, log=entries, items=items, extra=[extra])
        conv_key, req_key = k.conv_case(conv), k.case_request(request.key)
        dangling: str | None = None
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(conv_key, req_key)
                    known = await pipe.get(req_key)
                    current = await pipe.get(conv_key)
                    if known or (current and current != dangling):
                        await pipe.reset()  # type: ignore[no-untyped-call]
                        existing = await self.load(str(known or current))
                        if existing is not None and known:
                            return existing  # this request was handled already
                        if existing is not None and existing.is_open:
                            joined = await self._join(existing.case_id, request, now_ms)
                            return joined or existing
                        dangling = str(current)  # points at a case no longer open: replace it
                        continue
                    pipe.multi()  # type: ignore[no-untyped-call]
                    self._stage(pipe, case_id, write)
                    await pipe.execute()
                    break
                except WatchError:
                    continue
        self.outbox.notify()
        log.info("case.opened", case=case_id, risk=risk.label, reason=request.reason)
        return case

    def _raise_risk(
        self, case: Case, screening: ScreeningResult, trigger: Trigger | None
    ) -> tuple[Case, list[OutboxItem]]:
        """Merge a new screening into an open case; return the case and what to tell Slack."""
        items: list[OutboxItem] = []
        cfg = self.config()
        risk = max(case.risk, screening.risk)
        reasons = tuple(dict.fromkeys((*case.reasons, *screening.reasons)))
        factors = tuple(dict.fromkeys((*case.factors, *screening.factors)))
        pathway = screening.pathway.to_json() if screening.pathway else case.pathway
        triggers = case.triggers
        if (
            trigger is not None
            and risk > case.risk
            and all(t.text != trigger.text for t in triggers)
        ):
            triggers = (*triggers, trigger)
        updated = case.with_(
            risk=risk, reasons=reasons, factors=factors, pathway=pathway, triggers=triggers
        )
        if risk > case.risk:
            words = (
                "、".join(trigger.words)
                if trigger and trigger.words
                else (trigger.text[:80] if trigger else "")
            )
            items.append(
                self._thread_item(
                    updated,
                    cfg.text("thread_risk_raised", risk=cfg.label("risk", risk.label), words=words),
                )
            )
            if risk >= RiskLevel.IMMINENT and not case.supervisor_alerted:
                updated = updated.with_(supervisor_alerted=True, consent=True)
                items.append(self._supervisor_item(updated, "supervisor_imminent", words=words))
        if updated != case:
            items.insert(0, self._counselor_item(updated, UpdateCard()))
        return updated, items

    async def _join(self, case_id: str, request: CaseRequest, now_ms: int) -> Case | None:
        k = self.keys

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Case | None, _Write | None]:
            if case is None or not case.is_open:
                return None, None
            if await pipe.sismember(k.case_seen(case_id), request.key):
                return case, None
            trigger = self._trigger(request.trigger_text, request.screening, now_ms)
            updated, items = case, list[OutboxItem]()
            if request.screening is not None:
                updated, items = self._raise_risk(case, request.screening, trigger)
            collected = {**updated.collected, **request.collected}
            note = updated.note
            if request.note and request.note not in note:
                note = f"{note} / {request.note}" if note else request.note
            updated = updated.with_(
                collected=collected, note=note, consent=updated.consent or request.consent
            )
            if updated != case and not any(isinstance(i.work, UpdateCard) for i in items):
                items.insert(0, self._counselor_item(updated, UpdateCard()))
            # The words themselves reach the thread through `person_said` (the pipeline calls
            # it for every message while a case is open); joining only merges the assessment.

            def extra(p: Pipeline) -> None:
                p.sadd(k.case_seen(case_id), request.key)
                p.set(k.case_request(request.key), case_id, ex=REQUEST_KEEP_S)
                if updated.state == "queued" and updated.priority != case.priority:
                    p.zadd(k.case_queue, {case_id: updated.queue_score})

            return updated, _Write(case=updated, items=items, extra=[extra])

        return await self._transact(case_id, decide, watch=[k.case_seen(case_id)])

    # --- the person's messages -------------------------------------------------------------
    async def person_said(
        self, conv: str, text: str, key: str, screening: ScreeningResult | None, now_ms: int
    ) -> bool:
        """Add the person's message to their open case; False when there is none (or seen)."""
        case_id = await self.open_case_id(conv)
        if not case_id:
            return False
        k = self.keys

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[bool, _Write | None]:
            if case is None or not case.is_open:
                return False, None
            if await pipe.sismember(k.case_seen(case_id), key):
                return False, None
            updated, items = case, list[OutboxItem]()
            if screening is not None and screening.risk > case.risk:
                updated, items = self._raise_risk(
                    case, screening, self._trigger(text, screening, now_ms)
                )
            items.append(self._thread_item(updated, self.config().text("thread_person", text=text)))

            def extra(p: Pipeline) -> None:
                p.sadd(k.case_seen(case_id), key)
                if updated.state == "queued" and updated.priority != case.priority:
                    p.zadd(k.case_queue, {case_id: updated.queue_score})

            entry = LogEntry(f"k:{key}", "person", text, now_ms)
            return True, _Write(case=updated, log=[entry], items=items, extra=[extra])

        return await self._transact(case_id, decide, watch=[k.case_seen(case_id)])

    # --- counselor actions -----------------------------------------------------------------
    async def claim(self, case_id: str, who: Counselor, now_ms: int | None = None) -> Outcome:
        now_ms = now_ms if now_ms is not None else _now_ms()
        k, cfg = self.keys, self.config()

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Outcome, _Write | None]:
            if case is None:
                return Outcome("missing"), None
            if case.state == "claimed":
                return Outcome("taken", case), None
            if not case.is_open:
                return Outcome("closed", case), None
            updated = case.with_(
                state="claimed",
                claimed_by=who.ref(),
                claimed_ms=now_ms,
                last_counselor_ms=now_ms,
            )
            slack = self.board.kind != CONSOLE
            items = [
                self._counselor_item(updated, UpdateCard()),
                self._thread_item(
                    updated, cfg.text("thread_claimed", who=who.mention() if slack else who.plain())
                ),
                self._person_item(updated, self._system_event(updated, "case_claimed", now_ms)),
            ]
            entry = LogEntry(
                f"claimed:{now_ms}", "system", cfg.text("thread_claimed", who=who.plain()), now_ms
            )

            def extra(p: Pipeline) -> None:
                p.zrem(k.case_queue, case_id)
                p.zrem(k.timers, self._timer(ANNOUNCE, case_id), self._timer(SUPERVISE, case_id))
                p.zadd(k.timers, {self._timer(SILENCE, case_id): now_ms + cfg.timers.silence_ms})

            return Outcome("claimed", updated), _Write(updated, [entry], items, [extra])

        outcome = await self._transact(case_id, decide)
        if outcome.result == "claimed":
            log.info("case.claimed", case=case_id, via=who.kind)
        return outcome

    async def close(
        self,
        case_id: str,
        who: Counselor,
        *,
        outcome: str = "",
        summary: str = "",
        hand_back: bool = False,
        now_ms: int | None = None,
    ) -> Outcome:
        now_ms = now_ms if now_ms is not None else _now_ms()
        k, cfg = self.keys, self.config()
        keep_log_s = max(1, self.service().retention.transcript_days) * 86400

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Outcome, _Write | None]:
            if case is None:
                return Outcome("missing"), None
            if not case.is_open:
                return Outcome("closed", case), None
            conv_case = await pipe.get(k.conv_case(case.conversation))
            updated = case.with_(
                state="handed_back" if hand_back else "closed",
                closed_by=who.ref(),
                closed_ms=now_ms,
                outcome=outcome,
                summary=summary.strip()[:1000],
            )
            slack = self.board.kind != CONSOLE
            name = who.mention() if slack else who.plain()
            if hand_back:
                line = cfg.text("thread_handed_back", who=name)
                plain_line = cfg.text("thread_handed_back", who=who.plain())
                event = self._system_event(updated, "case_handed_back", now_ms)
            else:
                label = cfg.outcome_label(outcome) if outcome else cfg.text("none")
                line = cfg.text("thread_closed", who=name, outcome=label)
                plain_line = cfg.text("thread_closed", who=who.plain(), outcome=label)
                event = self._system_event(
                    updated, "case_closed", now_ms, **({"outcome": outcome} if outcome else {})
                )
            items = [
                self._counselor_item(updated, UpdateCard()),
                self._thread_item(updated, line),
                self._person_item(updated, event),
            ]

            def extra(p: Pipeline) -> None:
                p.zrem(k.case_queue, case_id)
                p.zrem(k.cases_open, case_id)
                p.zadd(k.cases_closed, {case_id: now_ms})
                p.zremrangebyrank(k.cases_closed, 0, -CLOSED_KEPT - 1)
                if conv_case == case_id:
                    p.delete(k.conv_case(case.conversation))
                p.zrem(
                    k.timers,
                    self._timer(ANNOUNCE, case_id),
                    self._timer(SUPERVISE, case_id),
                    self._timer(SILENCE, case_id),
                )
                p.expire(k.case(case_id), CASE_KEEP_S)
                for key in (
                    k.case_transcript(case_id),
                    k.case_seen(case_id),
                    k.case_delivered(case_id),
                ):
                    p.expire(key, keep_log_s)

            entry = LogEntry(f"closed:{now_ms}", "system", plain_line, now_ms)
            return Outcome("done", updated), _Write(updated, [entry], items, [extra])

        result = await self._transact(case_id, decide, watch=[])
        if result.result == "done":
            log.info("case.closed", case=case_id, handed_back=hand_back, outcome=outcome)
        return result

    async def call_supervisor(
        self, case_id: str, who: Counselor, now_ms: int | None = None
    ) -> Outcome:
        now_ms = now_ms if now_ms is not None else _now_ms()
        cfg = self.config()

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Outcome, _Write | None]:
            if case is None:
                return Outcome("missing"), None
            if not case.is_open:
                return Outcome("closed", case), None
            slack = self.board.kind != CONSOLE
            name = who.mention() if slack else who.plain()
            items = [
                self._supervisor_item(case, "supervisor_requested", who=name),
                self._thread_item(case, cfg.text("thread_supervisor_called", who=name)),
            ]
            entry = LogEntry(
                f"supervisor:{now_ms}",
                "system",
                cfg.text("thread_supervisor_called", who=who.plain()),
                now_ms,
            )
            return Outcome("done", case), _Write(None, [entry], items)

        return await self._transact(case_id, decide)

    async def counselor_wrote(
        self,
        case_id: str,
        who: Counselor,
        text: str,
        *,
        channel: str,
        ts: str,
        now_ms: int | None = None,
    ) -> Outcome:
        """A counselor wrote in the case thread (Slack) or the console. Relays it to the person
        (through their outbox lane) unless it is a note or the case is not held."""
        now_ms = now_ms if now_ms is not None else _now_ms()
        k, cfg = self.keys, self.config()
        entry_id = f"{channel}:{ts}"
        is_note = cfg.is_note(text)

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Outcome, _Write | None]:
            if case is None:
                return Outcome("missing"), None
            if await pipe.sismember(k.case_seen(case_id), entry_id):
                return Outcome("duplicate", case), None
            if is_note:
                entry = LogEntry(entry_id, "note", text, now_ms, who.ref())
                return Outcome("note", case), _Write(
                    None,
                    [entry],
                    [],
                    [lambda p: p.sadd(k.case_seen(case_id), entry_id)],
                )
            if case.state == "queued":
                return Outcome("unclaimed", case), None
            if not case.is_open:
                return Outcome("closed", case), None
            updated = case.with_(last_counselor_ms=now_ms)
            event = InboundEvent(
                event_id=(
                    f"console:{case_id}:{ts}" if channel == CONSOLE else f"slack:{channel}:{ts}"
                ),
                channel=case.address.channel,
                address=case.address,
                kind=EventKind.COUNSELOR,
                timestamp_ms=now_ms,
                received_ms=_now_ms(),
                text=text,
                meta={"case_id": case_id, "channel": channel, "ts": ts},
            )
            items = [self._person_item(updated, event)]
            if channel == CONSOLE and self.board.kind != CONSOLE:
                items.append(
                    self._thread_item(
                        updated, cfg.text("thread_counselor_mirror", who=who.plain(), text=text)
                    )
                )

            def extra(p: Pipeline) -> None:
                p.sadd(k.case_seen(case_id), entry_id)
                p.zadd(k.timers, {self._timer(SILENCE, case_id): now_ms + cfg.timers.silence_ms})

            entry = LogEntry(entry_id, "counselor", text, now_ms, who.ref())
            return Outcome("relayed", updated), _Write(updated, [entry], items, [extra])

        # A note never reaches the person, whatever the case's state.
        return await self._transact(case_id, decide, watch=[k.case_seen(case_id)])

    async def relayed(self, event: InboundEvent) -> None:
        """A counselor's message reached the person: record it and show it on the board."""
        case_id = event.meta.get("case_id", "")
        channel, ts = event.meta.get("channel", ""), event.meta.get("ts", "")
        if not (case_id and channel and ts):
            return
        await self.redis.hset(self.keys.case_delivered(case_id), f"{channel}:{ts}", str(_now_ms()))
        if channel != CONSOLE and self.board.kind != CONSOLE:
            await self.outbox.put(
                OutboxItem(lane=f"c:{case_id}", case_id=case_id, work=MarkDelivered(channel, ts))
            )

    async def notify_counselor(
        self, case_id: str, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> None:
        """Queue a message only one counselor sees (e.g. who already holds the case)."""
        await self.outbox.put(
            OutboxItem(
                lane=f"n:{case_id}",
                case_id=case_id,
                work=NotifyCounselor(channel, user, text, thread_ts or ""),
            )
        )

    # --- timers ----------------------------------------------------------------------------
    async def fire_timers(self, now_ms: int, *, limit: int = 50) -> int:
        """Handle every timer due at `now_ms`; returns how many fired."""
        due = await self._timer_lease(
            keys=[self.keys.timers], args=[now_ms, now_ms + TIMER_LEASE_MS, limit]
        )
        fired = 0
        for member in due:
            kind, _, case_id = str(member).partition("|")
            try:
                if await self._fire(kind, case_id, str(member), now_ms):
                    fired += 1
            except Exception:
                log.exception("timer.failed", kind=kind, case=case_id)
        return fired

    async def _fire(self, kind: str, case_id: str, member: str, now_ms: int) -> bool:
        k, cfg = self.keys, self.config()
        timers = cfg.timers

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[bool, _Write | None]:
            def drop(p: Pipeline) -> None:
                p.zrem(k.timers, member)

            def again(at_ms: int) -> Stage:
                return lambda p: p.zadd(k.timers, {member: at_ms})

            if case is None:
                return False, _Write(extra=[drop])
            if kind == ANNOUNCE and case.state == "queued":
                minutes = (now_ms - case.opened_ms) // 60_000
                rank = cast(int | None, await pipe.zrank(k.case_queue, case_id))
                position = rank + 1 if rank is not None else 1
                updated = case.with_(reannounced=case.reannounced + 1)
                risk = cfg.label("risk", case.risk.label)
                reminder = self._system_event(
                    updated,
                    "case_reminder",
                    now_ms,
                    suffix=f":{updated.reannounced}",
                    state="queued",
                    position=str(position),
                    wait_minutes=str(cfg.wait_minutes(position)),
                )
                items = [
                    self._counselor_item(updated, UpdateCard()),
                    self._thread_item(
                        updated,
                        cfg.text("channel_reannounce", case_id=case_id, risk=risk, minutes=minutes),
                        broadcast=True,
                    ),
                    self._person_item(updated, reminder),
                ]
                return True, _Write(updated, [], items, [again(now_ms + timers.reannounce_ms)])
            if kind == SUPERVISE and case.state == "queued":
                minutes = (now_ms - case.opened_ms) // 60_000
                item = self._supervisor_item(case, "supervisor_unclaimed", minutes=minutes)
                return True, _Write(None, [], [item], [drop])
            if kind == SILENCE and case.state == "claimed":
                last = case.last_counselor_ms or case.claimed_ms
                if now_ms - last < timers.silence_ms:
                    return False, _Write(extra=[again(last + timers.silence_ms)])
                holder = case.holder
                slack = self.board.kind != CONSOLE
                name = (holder.mention() if slack else holder.plain()) if holder else ""
                minutes = (now_ms - last) // 60_000
                text = cfg.text("thread_reminder", who=name, minutes=minutes)
                plain = cfg.text(
                    "thread_reminder", who=holder.plain() if holder else "", minutes=minutes
                )
                entry = LogEntry(f"reminder:{now_ms}", "system", plain, now_ms)
                return True, _Write(
                    None,
                    [entry],
                    [self._thread_item(case, text)],
                    [again(now_ms + timers.silence_ms)],
                )
            return False, _Write(extra=[drop])

        return await self._transact(case_id, decide)

    # --- sending (the outbox's sender) -----------------------------------------------------
    async def send(self, item: OutboxItem, maybe_sent: bool) -> Stage | None:
        work = item.work
        match work:
            case ToPerson(event=event):
                await self.intake.submit([InboundEvent.from_json(event)])
                return None
            case NotifyCounselor():
                await self.board.notify_counselor(
                    work.channel, work.user, work.text, work.thread_ts or None
                )
                return None
            case MarkDelivered(channel=channel, ts=ts):
                await self.board.mark_delivered(channel, ts)
                return None
            case PostCard() | UpdateCard() | ThreadLine() | SupervisorAlert():
                return await self._send_for_case(item, work, maybe_sent)
            case _:
                assert_never(work)

    async def _send_for_case(
        self,
        item: OutboxItem,
        work: PostCard | UpdateCard | ThreadLine | SupervisorAlert,
        maybe_sent: bool,
    ) -> Stage | None:
        case = await self.load(item.case_id)
        if case is None:
            raise SendFailed("case no longer stored", permanent=True)
        cfg = self.config()
        ref = CardRef(case.card_channel, case.card_ts) if case.card_ts else None
        match work:
            case PostCard():
                if ref is not None:
                    return None  # recorded by an earlier attempt
                card = self.card(
                    case, await self.case_log(case.case_id, cfg.recent_messages * 4), _now_ms()
                )
                posted = await self.board.post_card(
                    card, token=item.id, maybe_sent=maybe_sent, since_ms=item.created_ms
                )
                k = self.keys

                def record(pipe: Pipeline) -> None:
                    pipe.hset(
                        k.case(case.case_id),
                        mapping={"card_channel": posted.channel, "card_ts": posted.ts},
                    )
                    pipe.set(k.thread_case(posted.channel, posted.ts), case.case_id, ex=CASE_KEEP_S)

                log.info(
                    "case.card_posted", case=case.case_id, latency_ms=_now_ms() - case.opened_ms
                )
                return record
            case SupervisorAlert(template=template, values=values):
                risk = cfg.label("risk", case.risk.label)

                def render(link: str) -> str:
                    return cfg.text(
                        template, case_id=case.case_id, risk=risk, link=link, **dict(values)
                    )

                await self.board.alert_supervisor(
                    case.case_id,
                    render,
                    ref,
                    token=item.id,
                    maybe_sent=maybe_sent,
                    since_ms=item.created_ms,
                )
                return None
            case UpdateCard():
                if ref is None:
                    raise SendFailed("the card is not posted yet")
                card = self.card(
                    case, await self.case_log(case.case_id, cfg.recent_messages * 4), _now_ms()
                )
                await self.board.update_card(ref, card)
                return None
            case ThreadLine(text=text, broadcast=broadcast):
                if ref is None:
                    raise SendFailed("the card is not posted yet")
                await self.board.post_in_thread(
                    ref, text, token=item.id, maybe_sent=maybe_sent, broadcast=broadcast
                )
                return None
            case _:
                assert_never(work)

    # --- privacy ---------------------------------------------------------------------------
    async def forget(self, conv: str) -> int:
        """Delete every case of a conversation (the person asked to be forgotten)."""
        k = self.keys
        ids = [str(i) for i in await self.redis.lrange(k.person_cases(conv), 0, -1)]
        cases = await self.load_many(ids)
        deleted = 0
        for case in cases:
            async with self.redis.pipeline(transaction=True) as pipe:
                cid = case.case_id
                pipe.delete(
                    k.case(cid), k.case_transcript(cid), k.case_seen(cid), k.case_delivered(cid)
                )
                pipe.zrem(k.case_queue, cid)
                pipe.zrem(k.cases_open, cid)
                pipe.zrem(k.cases_closed, cid)
                pipe.zrem(
                    k.timers,
                    self._timer(ANNOUNCE, cid),
                    self._timer(SUPERVISE, cid),
                    self._timer(SILENCE, cid),
                )
                if case.card_ts:
                    pipe.delete(k.thread_case(case.card_channel, case.card_ts))
                await pipe.execute()
            deleted += 1
        await self.redis.delete(k.person_cases(conv), k.conv_case(conv))
        return deleted


def slack_card_payload(card: CaseCard, cfg: EscalationConfig) -> dict[str, Any]:
    """The chat.postMessage/chat.update body of a card (text is the notification fallback)."""
    return {"text": card.fallback, "blocks": slack_blocks(card, cfg)}
