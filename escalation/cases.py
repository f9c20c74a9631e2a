"""Cases and the queue: every change to a case is one Redis transaction.

Each transition (open, join, claim, close, hand back, a counselor's or the person's message, a
timer firing) reads the case under WATCH, decides in Python, and writes the new case, the
queue, the timers and the outbox items it causes in one MULTI/EXEC. Two counselors pressing
「担当する」 at once: both transactions watch the case hash, exactly one EXEC succeeds, the other
re-reads and sees who has it. A process killed anywhere leaves either all of a change or none.

What must reach the person (claimed, closed, a counselor's words) goes through the person's
outbox lane into the intake stream, so it is delivered in order with the person's own events.

Who may do what is decided here, for Slack and the console alike (`Actor`): anyone of our own
organisation may claim a queued case; only its holder or a supervisor closes it, hands it back
or speaks to the person; an imminent or flagged case closes only with a supervisor's sign-off;
members of another organisation (a shared Slack channel) do nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

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
from escalation.board import CONSOLE, Board
from escalation.cards import CaseCard, build_card, escape
from escalation.config import EscalationConfig
from escalation.model import (
    Actor,
    Case,
    Counselor,
    LogEntry,
    PendingClose,
    PreviousCase,
    SignOff,
    Trigger,
)
from escalation.outbox import (
    LAST_RANK,
    MarkDelivered,
    NotifyCounselor,
    Outbox,
    OutboxItem,
    PostCard,
    Stage,
    SupervisorAlert,
    ThreadLine,
    ToPerson,
    UpdateCard,
    Work,
)

log = structlog.get_logger(__name__)
T = TypeVar("T")

REQUEST_KEEP_S = 7 * 86400
LOG_MAX = 1000
CLOSED_KEPT = 200
TIMER_LEASE_MS = 60_000

# Timer kinds (members of the timers sorted set are "<kind>|<case id>").
ANNOUNCE, SUPERVISE, SILENCE = "announce", "supervise", "silence"
EXPIRE = "expire"  # an open case nobody wrote in for the retention period ends
REDACT = "redact"  # a closed case's words go when the retention period ends
TIMER_KINDS = (ANNOUNCE, SUPERVISE, SILENCE, EXPIRE, REDACT)
SYSTEM = Counselor("system", "service")
PERSON = Counselor("system", "person")


# Results of the counselor actions, besides "done"/"claimed"/"relayed": why nothing happened.
REFUSALS = frozenset(
    {
        "other_team",  # the actor is from another organisation
        "holder_only",  # only the holder or a supervisor may
        "supervisors_only",
        "declined_claim",  # the person declined a counselor: only a supervisor may claim
        "why_required",  # an imminent or flagged case needs a reason
        "bad_outcome",  # not an outcome of config/escalation.yaml
        "nothing_pending",  # approve without a request
    }
)


# What a refused or unusual result tells the counselor (texts of config/escalation.yaml).
NOTICES = {
    "closed": "notice_closed",
    "missing": "notice_closed",
    "nothing_pending": "notice_closed",
    "deleted": "notice_deleted",
    "other_team": "notice_other_team",
    "holder_only": "notice_holder_only",
    "supervisors_only": "notice_supervisors_only",
    "declined_claim": "notice_declined_claim",
    "why_required": "notice_needs_signoff",
    "signoff_requested": "notice_signoff_requested",
    "wrong_card": "notice_wrong_card",
    "unclaimed": "notice_not_sent_unclaimed",
    "file": "notice_not_sent_file",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    result: str
    case: Case | None = None

    @property
    def holder(self) -> Counselor | None:
        return self.case.holder if self.case else None


@dataclass(slots=True)
class CaseWrite:
    """What one transition writes: the case, log lines, outbox items and anything else."""

    case: Case | None = None
    log: list[LogEntry] = field(default_factory=list)
    items: list[OutboxItem] = field(default_factory=list)
    extra: list[Stage] = field(default_factory=list)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _ms(now: datetime) -> int:
    return int(now.timestamp() * 1000)


def as_actor(who: Counselor | Actor) -> Actor:
    """A bare counselor is a member of our own organisation without supervisor rights."""
    return who if isinstance(who, Actor) else Actor(who)


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
        visible: bool = True,
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
        self.visible = visible  # a counselor can see cases at all (Slack, or a served console)

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

    @property
    def slack(self) -> bool:
        return self.board.kind != CONSOLE

    def name_of(self, who: Counselor) -> str:
        """How the counselor is named in what counselors read (a mention in Slack)."""
        return who.mention() if self.slack else who.plain()

    @property
    def keep_words_ms(self) -> int:
        """How long anything with the person's words lives (retention.transcript_days)."""
        return max(1, self.service().retention.transcript_days) * 86_400_000

    @property
    def keep_summary_s(self) -> int:
        """How long a closed case's outcome and summary live (retention.summary_days)."""
        return max(1, self.service().retention.summary_days) * 86400

    def on_duty(self, now: datetime) -> bool:
        """A counselor is on duty now and can see cases."""
        return self.visible and self.service().staffed_hours.is_open(now)

    async def status(self, conv: str, now: datetime) -> CaseStatus | None:
        case_id = await self.open_case_id(conv)
        if not case_id:
            return None
        case = await self.load(case_id)
        if case is None or not case.is_open:
            return None
        return await self._status(case, now)

    async def _status(self, case: Case, now: datetime, *, opened: bool = False) -> CaseStatus:
        staffed = self.on_duty(now)

        def status(state: str, position: int | None = None, wait: int | None = None) -> CaseStatus:
            return CaseStatus(
                case.case_id,
                state,  # type: ignore[arg-type]
                case.risk,
                position,
                wait,
                staffed,
                declined=case.declined,
                opened=opened,
            )

        if case.state != "queued":
            # Claimed, or a closed case reached by replaying an old request.
            return status("claimed")
        if not case.in_queue:
            return status("queued")  # declined: no place in line to tell
        rank = cast(int | None, await self.redis.zrank(self.keys.case_queue, case.case_id))
        position = rank + 1 if rank is not None else 1
        if not staffed:
            return status("queued", position)  # nobody on duty: no estimate is honest
        return status("queued", position, await self._estimate(case, position, _ms(now)))

    async def _estimate(self, case: Case, position: int, now_ms: int) -> int | None:
        """Minutes until a counselor, as told to the person: it only shrinks as time passes
        and the queue moves, and grows only when someone more urgent came ahead. None once
        the estimate has run out (the person is then told their place only)."""
        fresh = now_ms + self.config().wait_minutes(position) * 60_000
        if case.wait_position == 0 or position > case.wait_position:
            until = fresh
        else:
            until = min(case.wait_until_ms, fresh)
        if (position, until) != (case.wait_position, case.wait_until_ms):

            async def decide(found: Case | None, pipe: Pipeline) -> tuple[None, CaseWrite | None]:
                if found is None or not found.is_open:
                    return None, None
                return None, CaseWrite(found.with_(wait_position=position, wait_until_ms=until))

            await self.transact(case.case_id, decide)
        minutes = -(-(until - now_ms) // 60_000)
        return int(minutes) if minutes > 0 else None

    def card(self, case: Case, log_entries: Sequence[LogEntry], now_ms: int) -> CaseCard:
        return build_card(
            case,
            log_entries,
            self.config(),
            now_ms=now_ms,
            tz=self.service().staffed_hours.timezone,
            slack=self.slack,
            retention_days=self.service().retention.transcript_days,
        )

    # --- the transaction helper ------------------------------------------------------------
    async def transact(
        self,
        case_id: str,
        decide: Callable[[Case | None, Pipeline], Awaitable[tuple[T, CaseWrite | None]]],
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

    def _stage(self, pipe: Pipeline, case_id: str, write: CaseWrite) -> None:
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

    def _queue_stage(self, case: Case) -> Stage:
        """Keep the queue in step with the case: in it exactly while it waits for a counselor."""
        k = self.keys
        if case.in_queue:
            return lambda p: p.zadd(k.case_queue, {case.case_id: case.queue_score})
        return lambda p: p.zrem(k.case_queue, case.case_id)

    def _active(self, case: Case, now_ms: int) -> tuple[Case, Stage]:
        """Someone wrote in the case: it lives another retention period from now."""
        member = self.timer_member(EXPIRE, case.case_id)
        at = now_ms + self.keep_words_ms
        return case.with_(last_activity_ms=now_ms), lambda p: p.zadd(self.keys.timers, {member: at})

    # --- outbox items ----------------------------------------------------------------------
    @staticmethod
    def send_rank(case: Case) -> int:
        """How soon what the case sends to Slack goes, when Slack's rate makes posts wait:
        imminent first, then danger to others, then high, then the rest."""
        if case.risk >= RiskLevel.IMMINENT:
            return 0
        if case.flags:
            return 1
        if case.risk >= RiskLevel.HIGH:
            return 2
        return LAST_RANK

    @staticmethod
    def counselor_item(case: Case, work: Work) -> OutboxItem:
        return OutboxItem(
            lane=f"c:{case.case_id}", case_id=case.case_id, work=work, rank=CaseBook.send_rank(case)
        )

    def thread_item(self, case: Case, text: str, *, broadcast: bool = False) -> OutboxItem:
        return self.counselor_item(case, ThreadLine(text, broadcast))

    def supervisor_item(
        self, case: Case, text: str, *, approve: bool = False, **values: Any
    ) -> OutboxItem:
        return self.counselor_item(case, SupervisorAlert(text, values, approve))

    def notice_item(self, case: Case, who: Counselor | None, text: str) -> OutboxItem | None:
        """A message only `who` sees (Slack ephemeral in the card's thread)."""
        if who is None or who.kind != "slack" or not case.card_ts:
            return None
        return OutboxItem(
            lane=f"n:{case.case_id}",
            case_id=case.case_id,
            work=NotifyCounselor(case.card_channel, who.id, text, case.card_ts),
            rank=CaseBook.send_rank(case),
        )

    @staticmethod
    def person_item(case: Case, event: InboundEvent) -> OutboxItem:
        # The person's side goes first: it posts nothing to Slack and waits for no pace.
        return OutboxItem(
            lane=f"p:{case.case_id}", case_id=case.case_id, work=ToPerson(event.to_json()), rank=0
        )

    @staticmethod
    def system_event(
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

    def timer_member(self, kind: str, case_id: str) -> str:
        return f"{kind}|{case_id}"

    def timer_members(self, case_id: str, *kinds: str) -> list[str]:
        return [self.timer_member(kind, case_id) for kind in kinds or TIMER_KINDS]

    def _flags_text(self, flags: Sequence[str]) -> str:
        cfg = self.config()
        return "、".join(cfg.label("flags", f) for f in flags)

    def _alerts(self, before: Case | None, after: Case, words: str) -> list[OutboxItem]:
        """What the supervisor must hear about a change: the case became imminent, or danger
        to someone else was found. Each once per case."""
        items: list[OutboxItem] = []
        cfg = self.config()
        if after.risk >= RiskLevel.IMMINENT and not (before and before.supervisor_alerted):
            items.append(self.supervisor_item(after, "supervisor_imminent", words=escape(words)))
        if after.flags and not (before and before.flags_alerted):
            flags = self._flags_text(after.flags)
            items.append(self.supervisor_item(after, "supervisor_flagged", flags=flags))
            items.append(self.thread_item(after, cfg.text("thread_flags", flags=flags)))
        return items

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
        case, created = await self._create(request, now_ms)
        return await self._status(case, now, opened=created)

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
            if c.state != "deleted"
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

    @staticmethod
    def _words(case: Case, trigger: Trigger | None) -> str:
        return "、".join(case.trigger_words()) or (trigger.text[:80] if trigger else "")

    async def _create(self, request: CaseRequest, now_ms: int) -> tuple[Case, bool]:
        k, cfg = self.keys, self.config()
        conv = request.conversation
        screening = request.screening
        risk = max(
            screening.risk if screening is not None else RiskLevel.NONE,
            request.risk or RiskLevel.NONE,
        )
        address = await self._address(conv)
        transcript = await self.conversations.transcript(conv, cfg.transcript_copy)
        previous = await self._previous(conv)
        seq = int(await self.redis.incr(k.case_seq))
        case_id = f"C-{seq:04d}"
        trigger = self._trigger(request.trigger_text, screening, now_ms)
        draft = Case(
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
            previous=previous,
            flags=tuple(screening.flags) if screening else (),
            notify_when_open=request.notify_when_open,
            last_activity_ms=now_ms,
        )
        alerts = self._alerts(None, draft, self._words(draft, trigger))
        case = draft.with_(
            supervisor_alerted=risk >= RiskLevel.IMMINENT, flags_alerted=bool(draft.flags)
        )
        entries = [
            LogEntry(f"t:{i}:{e.ts_ms}", e.role, e.text, e.ts_ms)
            for i, e in enumerate(transcript)
            if e.role in ("person", "bot", "counselor")
        ]
        # The trigger is in the transcript copy already, unless the copy was cut before it (the
        # turn's own answer, up to five messages, follows it).
        if trigger and not any(e.role == "person" and e.text == trigger.text for e in entries[-6:]):
            entries.append(LogEntry(f"k:{request.key}", "person", trigger.text, now_ms))
        items = [self.counselor_item(case, PostCard()), *alerts]
        timers = cfg.timers

        def extra(pipe: Pipeline) -> None:
            self._queue_stage(case)(pipe)
            pipe.zadd(k.cases_open, {case_id: now_ms})
            pipe.set(k.conv_case(conv), case_id)
            pipe.rpush(k.person_cases(conv), case_id)
            pipe.expire(k.person_cases(conv), self.keep_summary_s)
            pipe.set(k.case_request(request.key), case_id, ex=REQUEST_KEEP_S)
            pipe.sadd(k.case_seen(case_id), request.key)
            pipe.zadd(
                k.timers,
                {
                    self.timer_member(ANNOUNCE, case_id): now_ms + timers.reannounce_ms,
                    self.timer_member(SUPERVISE, case_id): now_ms + timers.supervisor_ms,
                    self.timer_member(EXPIRE, case_id): now_ms + self.keep_words_ms,
                },
            )

        write = CaseWrite(case=case, log=entries, items=items, extra=[extra])
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
                            return existing, False  # this request was handled already
                        if existing is not None and existing.is_open:
                            joined = await self._join(existing.case_id, request, now_ms)
                            return joined or existing, False
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
        return case, True

    def _merge(
        self,
        case: Case,
        screening: ScreeningResult | None,
        trigger: Trigger | None,
        risk_floor: RiskLevel | None = None,
    ) -> tuple[Case, list[OutboxItem]]:
        """Merge what a new message showed into an open case (a higher risk, new factors,
        reasons, the pathway, danger to others); return the case and what to tell Slack. The
        card is updated whenever anything of it changed."""
        cfg = self.config()
        items: list[OutboxItem] = []
        risk = max(case.risk, screening.risk if screening else RiskLevel.NONE, risk_floor or 0)
        updated = case.with_(risk=RiskLevel(risk))
        if screening is not None:
            pathway = screening.pathway.to_json() if screening.pathway else case.pathway
            updated = updated.with_(
                reasons=tuple(dict.fromkeys((*case.reasons, *screening.reasons))),
                factors=tuple(dict.fromkeys((*case.factors, *screening.factors))),
                flags=tuple(dict.fromkeys((*case.flags, *screening.flags))),
                pathway=pathway,
            )
        if (
            trigger is not None
            and risk > case.risk
            and all(t.text != trigger.text for t in case.triggers)
        ):
            updated = updated.with_(triggers=(*case.triggers, trigger))
        words = (
            "、".join(trigger.words)
            if trigger and trigger.words
            else (trigger.text[:80] if trigger else "")
        )
        if risk > case.risk:
            label = cfg.label("risk", RiskLevel(risk).label)
            items.append(
                self.thread_item(
                    updated, cfg.text("thread_risk_raised", risk=label, words=escape(words))
                )
            )
        items += self._alerts(case, updated, words)
        if risk >= RiskLevel.IMMINENT:
            updated = updated.with_(supervisor_alerted=True, consent=True)
        if updated.flags:
            updated = updated.with_(flags_alerted=True)
        if updated != case:
            items.insert(0, self.counselor_item(updated, UpdateCard()))
        return updated, items

    async def _join(self, case_id: str, request: CaseRequest, now_ms: int) -> Case | None:
        k = self.keys

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Case | None, CaseWrite | None]:
            if case is None or not case.is_open:
                return None, None
            if await pipe.sismember(k.case_seen(case_id), request.key):
                return case, None
            trigger = self._trigger(request.trigger_text, request.screening, now_ms)
            updated, items = self._merge(case, request.screening, trigger, request.risk)
            collected = {**updated.collected, **request.collected}
            note = updated.note
            if request.note and request.note not in note:
                note = f"{note} / {request.note}" if note else request.note
            updated = updated.with_(
                collected=collected,
                note=note,
                consent=updated.consent or request.consent,
                # Asking for a counselor again undoes an earlier 「相談員はいい」.
                declined=updated.declined and not request.consent,
                notify_when_open=updated.notify_when_open or request.notify_when_open,
            )
            if updated != case and not any(isinstance(i.work, UpdateCard) for i in items):
                items.insert(0, self.counselor_item(updated, UpdateCard()))
            # The words themselves reach the thread through `person_said` (the pipeline calls
            # it for every message while a case is open); joining only merges the assessment.

            def extra(p: Pipeline) -> None:
                p.sadd(k.case_seen(case_id), request.key)
                p.set(k.case_request(request.key), case_id, ex=REQUEST_KEEP_S)
                if updated.state == "queued":
                    self._queue_stage(updated)(p)

            return updated, CaseWrite(case=updated, items=items, extra=[extra])

        return await self.transact(case_id, decide, watch=[k.case_seen(case_id)])

    # --- the person's side -----------------------------------------------------------------
    async def _on_open_case(
        self,
        conv: str,
        key: str,
        change: Callable[[Case, Pipeline], Awaitable[CaseWrite | None]],
    ) -> bool:
        """Apply `change` to the person's open case once per `key`; False when there is none."""
        case_id = await self.open_case_id(conv)
        if not case_id:
            return False
        k = self.keys

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[bool, CaseWrite | None]:
            if case is None or not case.is_open:
                return False, None
            if await pipe.sismember(k.case_seen(case_id), key):
                return False, None
            write = await change(case, pipe)
            if write is None:
                return False, None
            write.extra.append(lambda p: p.sadd(k.case_seen(case_id), key))
            return True, write

        return await self.transact(case_id, decide, watch=[k.case_seen(case_id)])

    async def person_said(
        self,
        conv: str,
        text: str,
        key: str,
        screening: ScreeningResult | None,
        now_ms: int,
        media_type: str | None = None,
    ) -> bool:
        """Add the person's message (or a placeholder for a sticker, image, ...) to their open
        case; False when there is none (or it was added already)."""
        cfg = self.config()
        shown = text
        if media_type:
            label = cfg.label(
                "media", media_type if media_type in cfg.labels.get("media", {}) else "other"
            )
            shown = f"{label} {text}".strip()

        async def change(case: Case, pipe: Pipeline) -> CaseWrite:
            trigger = self._trigger(text, screening, now_ms) if text else None
            updated, items = self._merge(case, screening, trigger)
            updated, active = self._active(updated, now_ms)
            items.append(self.thread_item(updated, cfg.text("thread_person", text=escape(shown))))

            def extra(p: Pipeline) -> None:
                if updated.state == "queued":
                    self._queue_stage(updated)(p)

            entry = LogEntry(f"k:{key}", "person", shown, now_ms)
            return CaseWrite(case=updated, log=[entry], items=items, extra=[extra, active])

        return await self._on_open_case(conv, key, change)

    async def bot_said(self, conv: str, texts: Sequence[str], key: str, now_ms: int) -> bool:
        """What the bot said to the person while the case is open, for the counselor."""
        cfg = self.config()

        async def change(case: Case, pipe: Pipeline) -> CaseWrite:
            entries = [LogEntry(f"b:{key}:{i}", "bot", t, now_ms) for i, t in enumerate(texts)]
            items = [self.thread_item(case, cfg.text("thread_bot", text=escape(t))) for t in texts]
            return CaseWrite(log=entries, items=items)

        return await self._on_open_case(conv, f"bot:{key}", change)

    async def person_declined(self, conv: str, key: str, now_ms: int) -> bool:
        """The person does not want a counselor: the card says so; a high case leaves the
        counselors' queue (supervisors still see it), an imminent or flagged one stays."""
        cfg = self.config()

        async def change(case: Case, pipe: Pipeline) -> CaseWrite | None:
            if case.declined:
                return None
            updated = case.with_(declined=True)
            line = "thread_declined_imminent" if case.needs_supervisor else "thread_declined_high"
            items = [
                self.counselor_item(updated, UpdateCard()),
                self.thread_item(updated, cfg.text(line)),
                self.supervisor_item(updated, "supervisor_declined"),
            ]
            entry = LogEntry(f"declined:{now_ms}", "system", cfg.text(line), now_ms)
            return CaseWrite(updated, [entry], items, [self._queue_stage(updated)])

        return await self._on_open_case(conv, f"declined:{key}", change)

    async def undelivered(self, request: CaseRequest, now: datetime) -> bool:
        """A crisis event was given up (its answer never reached the person): the person's
        case stays open, or opens now, and the supervisors are alerted in it, once per event.
        """
        await self.open(request, now)
        entry_text = self.config().text("thread_undelivered")
        now_ms = _ms(now)

        async def change(case: Case, pipe: Pipeline) -> CaseWrite | None:
            items = [
                self.thread_item(case, entry_text),
                self.supervisor_item(case, "supervisor_undelivered"),
            ]
            entry = LogEntry(f"undelivered:{request.key}", "system", entry_text, now_ms)
            return CaseWrite(case, [entry], items)

        return await self._on_open_case(request.conversation, f"undelivered:{request.key}", change)

    async def person_left(self, conv: str, key: str, now_ms: int) -> bool:
        """The person stopped: their open case ends as they asked, and the counselor (and, for
        an imminent or flagged case, the supervisor) is told."""
        case_id = await self.open_case_id(conv)
        if not case_id:
            return False
        outcome = await self._end(case_id, PERSON, now_ms, ended="stopped")
        return outcome.result == "done"

    # --- counselor actions -----------------------------------------------------------------
    async def claim(
        self, case_id: str, who: Counselor | Actor, now_ms: int | None = None
    ) -> Outcome:
        now_ms = now_ms if now_ms is not None else _now_ms()
        k, cfg = self.keys, self.config()
        actor = as_actor(who)

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Outcome, CaseWrite | None]:
            if case is None:
                return Outcome("missing"), None
            if not actor.ours:
                return Outcome("other_team", case), None
            if case.state == "claimed":
                return Outcome("taken", case), None
            if not case.is_open:
                return Outcome("closed", case), None
            if case.declined and not actor.supervisor:
                return Outcome("declined_claim", case), None
            holder = actor.who
            updated = case.with_(
                state="claimed",
                claimed_by=holder.ref(),
                claimed_ms=now_ms,
                last_counselor_ms=now_ms,
            )
            items = [
                self.counselor_item(updated, UpdateCard()),
                self.thread_item(updated, cfg.text("thread_claimed", who=self.name_of(holder))),
                self.person_item(updated, self.system_event(updated, "case_claimed", now_ms)),
            ]
            entry = LogEntry(
                f"claimed:{now_ms}",
                "system",
                cfg.text("thread_claimed", who=holder.plain()),
                now_ms,
            )

            def extra(p: Pipeline) -> None:
                p.zrem(k.case_queue, case_id)
                p.zrem(k.timers, *self.timer_members(case_id, ANNOUNCE, SUPERVISE))
                p.zadd(
                    k.timers, {self.timer_member(SILENCE, case_id): now_ms + cfg.timers.silence_ms}
                )

            return Outcome("claimed", updated), CaseWrite(updated, [entry], items, [extra])

        outcome = await self.transact(case_id, decide)
        if outcome.result == "claimed":
            log.info("case.claimed", case=case_id, via=actor.who.kind)
        return outcome

    @staticmethod
    def _refused(case: Case | None, actor: Actor, *, supervisor: bool = False) -> Outcome | None:
        """Why an action on a case does nothing, before anything else is looked at: no such
        case, an actor of another organisation, not a supervisor (when one must be), closed."""
        if case is None:
            return Outcome("missing")
        if not actor.ours:
            return Outcome("other_team", case)
        if supervisor and not actor.supervisor:
            return Outcome("supervisors_only", case)
        if not case.is_open:
            return Outcome("closed", case)
        return None

    async def take_over(
        self, case_id: str, who: Counselor | Actor, now_ms: int | None = None
    ) -> Outcome:
        """A supervisor takes a claimed case over: from now on only they speak to the person."""
        now_ms = now_ms if now_ms is not None else _now_ms()
        cfg = self.config()
        actor = as_actor(who)

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Outcome, CaseWrite | None]:
            refused = self._refused(case, actor, supervisor=True)
            if refused is not None or case is None:
                return refused or Outcome("missing"), None
            if case.state != "claimed":
                return Outcome("not_claimed", case), None
            previous = case.holder
            if previous == actor.who:
                return Outcome("done", case), None
            updated = case.with_(claimed_by=actor.who.ref(), last_counselor_ms=now_ms)
            before = self.name_of(previous) if previous else ""
            items = [
                self.counselor_item(updated, UpdateCard()),
                self.thread_item(
                    updated,
                    cfg.text("thread_taken_over", who=self.name_of(actor.who), previous=before),
                ),
            ]
            notice = self.notice_item(
                updated, previous, cfg.text("notice_taken_over", who=self.name_of(actor.who))
            )
            if notice is not None:
                items.append(notice)
            text = cfg.text(
                "thread_taken_over",
                who=actor.who.plain(),
                previous=previous.plain() if previous else "",
            )
            entry = LogEntry(f"taken_over:{now_ms}", "system", text, now_ms)
            return Outcome("done", updated), CaseWrite(updated, [entry], items)

        return await self.transact(case_id, decide)

    async def close(
        self,
        case_id: str,
        who: Counselor | Actor,
        *,
        outcome: str = "",
        summary: str = "",
        hand_back: bool = False,
        why: str = "",
        now_ms: int | None = None,
    ) -> Outcome:
        """Close the case (or hand it back to the bot). Only its holder or a supervisor may;
        the outcome must be one of config/escalation.yaml; an imminent or flagged case needs
        a supervisor: a supervisor closes it with a reason, a holder's request waits for a
        supervisor's sign-off (`approve`)."""
        now_ms = now_ms if now_ms is not None else _now_ms()
        cfg = self.config()
        actor = as_actor(who)
        why = why.strip()[:1000]
        if not hand_back and not cfg.is_outcome(outcome):
            return Outcome("bad_outcome", await self.load(case_id))

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Outcome, CaseWrite | None]:
            refused = self._refused(case, actor)
            if refused is not None or case is None:
                return refused or Outcome("missing"), None
            holder = case.holder is not None and case.holder == actor.who
            if not (holder or actor.supervisor):
                return Outcome("holder_only", case), None
            if case.needs_supervisor and not why:
                return Outcome("why_required", case), None
            if case.needs_supervisor and not actor.supervisor:
                return self._ask_signoff(case, actor.who, hand_back, outcome, summary, why, now_ms)
            signoff = SignOff(actor.who.ref(), now_ms, why) if case.needs_supervisor else None
            return self.closing(
                case,
                actor.who,
                pipe,
                now_ms,
                outcome=outcome,
                summary=summary,
                hand_back=hand_back,
                signoff=signoff,
            )

        result = await self.transact(case_id, decide)
        if result.result == "done":
            log.info("case.closed", case=case_id, handed_back=hand_back, outcome=outcome)
        return result

    def _ask_signoff(
        self,
        case: Case,
        who: Counselor,
        hand_back: bool,
        outcome: str,
        summary: str,
        why: str,
        now_ms: int,
    ) -> tuple[Outcome, CaseWrite]:
        cfg = self.config()
        action = cfg.label("buttons", "hand_back" if hand_back else "close")
        pending = PendingClose(who.ref(), now_ms, hand_back, outcome, summary.strip()[:1000], why)
        updated = case.with_(pending_close=pending)
        items = [
            self.counselor_item(updated, UpdateCard()),
            self.thread_item(
                updated,
                cfg.text(
                    "thread_signoff_requested",
                    who=self.name_of(who),
                    action=action,
                    why=escape(why),
                ),
            ),
            self.supervisor_item(
                updated,
                "supervisor_signoff",
                approve=True,
                who=self.name_of(who),
                action=action,
                why=escape(why),
            ),
        ]
        text = cfg.text("thread_signoff_requested", who=who.plain(), action=action, why=why)
        entry = LogEntry(f"signoff_requested:{now_ms}", "system", text, now_ms)
        return Outcome("signoff_requested", updated), CaseWrite(updated, [entry], items)

    async def approve(
        self, case_id: str, who: Counselor | Actor, now_ms: int | None = None
    ) -> Outcome:
        """A supervisor signs off the holder's request to close or hand back the case."""
        now_ms = now_ms if now_ms is not None else _now_ms()
        cfg = self.config()
        actor = as_actor(who)

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Outcome, CaseWrite | None]:
            refused = self._refused(case, actor, supervisor=True)
            if refused is not None or case is None:
                return refused or Outcome("missing"), None
            pending = case.pending_close
            if pending is None:
                return Outcome("nothing_pending", case), None
            requester = Counselor.parse(pending.by) or actor.who
            action = cfg.label("buttons", "hand_back" if pending.hand_back else "close")
            result, write = self.closing(
                case,
                requester,
                pipe,
                now_ms,
                outcome=pending.outcome,
                summary=pending.summary,
                hand_back=pending.hand_back,
                signoff=SignOff(actor.who.ref(), now_ms, pending.why, pending.by),
            )
            line = cfg.text(
                "thread_signed_off",
                who=self.name_of(actor.who),
                action=action,
                why=escape(pending.why),
            )
            write.items.insert(1, self.thread_item(write.case or case, line))
            return result, write

        return await self.transact(case_id, decide)

    def closing(
        self,
        case: Case,
        who: Counselor,
        pipe: Pipeline,
        now_ms: int,
        *,
        outcome: str = "",
        summary: str = "",
        hand_back: bool = False,
        signoff: SignOff | None = None,
        ended: str = "",
    ) -> tuple[Outcome, CaseWrite]:
        """The writes that end an open case: the card, the thread line, the person told (unless
        the person ended it themselves), timers and queue cleared, the words' end scheduled."""
        k, cfg = self.keys, self.config()
        case_id = case.case_id
        updated = case.with_(
            state="handed_back" if hand_back else "closed",
            closed_by=who.ref(),
            closed_ms=now_ms,
            outcome=outcome,
            summary=summary.strip()[:1000],
            signoff=signoff or case.signoff,
            pending_close=None,
            ended=ended,
        )
        items = [self.counselor_item(updated, UpdateCard())]
        if ended == "stopped":
            line = plain_line = cfg.text("thread_person_stopped")
            notice = self.notice_item(updated, case.holder, cfg.text("notice_person_stopped"))
            if notice is not None:
                items.append(notice)
            if case.needs_supervisor:
                items.append(self.supervisor_item(updated, "supervisor_person_left"))
        elif ended == "expired":
            line = plain_line = cfg.text(
                "state_expired", days=self.service().retention.transcript_days
            )
        elif hand_back:
            line = cfg.text("thread_handed_back", who=self.name_of(who))
            plain_line = cfg.text("thread_handed_back", who=who.plain())
            items.append(
                self.person_item(updated, self.system_event(updated, "case_handed_back", now_ms))
            )
        else:
            label = cfg.outcome_label(outcome) if outcome else cfg.text("none")
            line = cfg.text("thread_closed", who=self.name_of(who), outcome=label)
            plain_line = cfg.text("thread_closed", who=who.plain(), outcome=label)
            event = self.system_event(
                updated, "case_closed", now_ms, **({"outcome": outcome} if outcome else {})
            )
            items.append(self.person_item(updated, event))
        items.insert(1, self.thread_item(updated, line))
        redact_at = now_ms + self.keep_words_ms

        def extra(p: Pipeline) -> None:
            p.zrem(k.case_queue, case_id)
            p.zrem(k.cases_open, case_id)
            p.zadd(k.cases_closed, {case_id: now_ms})
            p.zremrangebyrank(k.cases_closed, 0, -CLOSED_KEPT - 1)
            p.eval(_DEL_IF_EQUALS, 1, k.conv_case(case.conversation), case_id)
            p.zrem(k.timers, *self.timer_members(case_id, ANNOUNCE, SUPERVISE, SILENCE, EXPIRE))
            p.zadd(k.timers, {self.timer_member(REDACT, case_id): redact_at})
            for key in (
                k.case_transcript(case_id),
                k.case_seen(case_id),
                k.case_delivered(case_id),
            ):
                p.pexpire(key, self.keep_words_ms)

        entry = LogEntry(f"closed:{now_ms}", "system", plain_line, now_ms)
        return Outcome("done", updated), CaseWrite(updated, [entry], items, [extra])

    async def _end(self, case_id: str, who: Counselor, now_ms: int, *, ended: str) -> Outcome:
        """End an open case without a counselor: the person stopped, or nobody wrote in it for
        the retention period."""

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Outcome, CaseWrite | None]:
            if case is None:
                return Outcome("missing"), None
            if not case.is_open:
                return Outcome("closed", case), None
            return self.closing(case, who, pipe, now_ms, ended=ended)

        return await self.transact(case_id, decide)

    async def call_supervisor(
        self, case_id: str, who: Counselor | Actor, now_ms: int | None = None
    ) -> Outcome:
        now_ms = now_ms if now_ms is not None else _now_ms()
        cfg = self.config()
        actor = as_actor(who)

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Outcome, CaseWrite | None]:
            refused = self._refused(case, actor)
            if refused is not None or case is None:
                return refused or Outcome("missing"), None
            name = self.name_of(actor.who)
            items = [
                self.supervisor_item(case, "supervisor_requested", who=name),
                self.thread_item(case, cfg.text("thread_supervisor_called", who=name)),
            ]
            entry = LogEntry(
                f"supervisor:{now_ms}",
                "system",
                cfg.text("thread_supervisor_called", who=actor.who.plain()),
                now_ms,
            )
            return Outcome("done", case), CaseWrite(None, [entry], items)

        return await self.transact(case_id, decide)

    async def counselor_wrote(
        self,
        case_id: str,
        who: Counselor | Actor,
        text: str,
        *,
        channel: str,
        ts: str,
        files: bool = False,
        now_ms: int | None = None,
    ) -> Outcome:
        """A counselor wrote in the case thread (Slack) or the console. Only the holder's words
        go to the person (through their outbox lane); anyone else's stay as a note, as do the
        holder's notes. A message with files is not sent at all (`file`)."""
        now_ms = now_ms if now_ms is not None else _now_ms()
        k, cfg = self.keys, self.config()
        actor = as_actor(who)
        entry_id = f"{channel}:{ts}"
        is_note = cfg.is_note(text)

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[Outcome, CaseWrite | None]:
            if case is None:
                return Outcome("missing"), None
            if not actor.ours:
                return Outcome("other_team", case), None
            if await pipe.sismember(k.case_seen(case_id), entry_id):
                return Outcome("duplicate", case), None
            seen: Stage = lambda p: p.sadd(k.case_seen(case_id), entry_id)  # noqa: E731
            holder = case.holder is not None and case.holder == actor.who
            if is_note or (case.state == "claimed" and not holder):
                entry = LogEntry(entry_id, "note", text, now_ms, actor.who.ref())
                result = "note" if is_note or not case.is_open else "not_holder"
                return Outcome(result, case), CaseWrite(None, [entry], [], [seen])
            if case.state == "queued":
                return Outcome("unclaimed", case), None
            if not case.is_open:
                return Outcome("closed", case), None
            if files:
                return Outcome("file", case), None
            updated, active = self._active(case.with_(last_counselor_ms=now_ms), now_ms)
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
            items = [self.person_item(updated, event)]
            if channel == CONSOLE and self.slack:
                items.append(
                    self.thread_item(
                        updated,
                        cfg.text(
                            "thread_counselor_mirror", who=actor.who.plain(), text=escape(text)
                        ),
                    )
                )

            def extra(p: Pipeline) -> None:
                p.zadd(
                    k.timers, {self.timer_member(SILENCE, case_id): now_ms + cfg.timers.silence_ms}
                )

            entry = LogEntry(entry_id, "counselor", text, now_ms, actor.who.ref())
            return Outcome("relayed", updated), CaseWrite(
                updated, [entry], items, [seen, extra, active]
            )

        return await self.transact(case_id, decide, watch=[k.case_seen(case_id)])

    async def relayed(self, event: InboundEvent) -> None:
        """A counselor's message reached the person: record it and show it on the board."""
        case_id = event.meta.get("case_id", "")
        channel, ts = event.meta.get("channel", ""), event.meta.get("ts", "")
        if not (case_id and channel and ts):
            return
        await self.redis.hset(self.keys.case_delivered(case_id), f"{channel}:{ts}", str(_now_ms()))
        if channel != CONSOLE and self.slack:
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


_DEL_IF_EQUALS = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
