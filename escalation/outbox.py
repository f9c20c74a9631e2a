"""A durable outbox: everything bound for Slack (or the person) is written to Redis first, in
the same transaction as the case change that caused it, then sent with retry and backoff.

Items live in *lanes* (one per case and side): a lane is worked on in order by one process at
a time (a lease in a sorted set, so several processes can share one Redis and a killed one's
lanes are picked up after the lease), and one lane waiting out a 429 or a Slack outage never
holds up another.

At Slack's real rate: each lane has a rank (its case's urgency: imminent 0, flagged 1, high 2,
the rest 3; the person's side 0), due lanes are leased most urgent first, and a post waits for
its channel's pace (`escalation.pace.ChannelPace`, shared through Redis), where the most urgent
waiting post goes first. A lane waiting for the pace is not held: it is due again when its turn
comes. Updates of one card coalesce: while an update waits in a lane, another joins it (the card
is rendered from the case when the update is sent, so it shows both).

Exactly once: before an item is handed to the sender it is marked ``sending``. An item found
still marked on its next attempt (the process died mid-call, or the call timed out) is sent
with ``maybe_sent=True``, and the sender first looks for the earlier attempt (Slack: the
message metadata token) instead of posting again. Completion is recorded in the same MULTI as
the sender's own writes (e.g. the card's ``ts``), so it is never half-done.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, assert_never

import redis.asyncio as aioredis
import structlog
from redis.asyncio.client import Pipeline

from bot.store.keys import Keys
from escalation.pace import ChannelPace

log = structlog.get_logger(__name__)

Stage = Callable[[Pipeline], object]  # queues writes on a MULTI pipeline

_LEASE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0,
  tonumber(ARGV[4]))
local lanes = {}
for i = 1, #due, 2 do
  local rank = tonumber(redis.call('HGET', KEYS[2], due[i]) or ARGV[5])
  lanes[#lanes + 1] = {due[i], rank, tonumber(due[i + 1])}
end
table.sort(lanes, function(a, b)
  if a[2] ~= b[2] then return a[2] < b[2] end
  return a[3] < b[3]
end)
local out = {}
for i = 1, math.min(#lanes, tonumber(ARGV[3])) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], lanes[i][1])
  out[#out + 1] = lanes[i][1]
end
return out
"""

_RELEASE_IF_EMPTY = """
if redis.call('LLEN', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  return 1
end
return 0
"""

# Queue a card update unless one already waits in the lane (it will show this change too).
_STAGE_UPDATE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', 86400) then return 0 end
redis.call('HSET', KEYS[2], 'body', ARGV[2], 'attempts', '0')
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], 'NX', ARGV[3], ARGV[4])
redis.call('HSET', KEYS[5], ARGV[4], ARGV[5])
return 1
"""


# --- what an item asks for (typed; `CaseBook.send` matches on these exhaustively) ----------


@dataclass(frozen=True, slots=True)
class PostCard:
    """Post the case's card (rendered from the case as it is when sent)."""


@dataclass(frozen=True, slots=True)
class UpdateCard:
    """Render the card again and update it in place."""


@dataclass(frozen=True, slots=True)
class ThreadLine:
    """A line in the card's thread; `broadcast` also shows it in the channel."""

    text: str
    broadcast: bool = False


@dataclass(frozen=True, slots=True)
class SupervisorAlert:
    """An alert to the supervisors: `template` names an escalation text, filled with `values`
    (and the case id, risk and a link to the card) when sent."""

    template: str
    values: Mapping[str, Any] = field(default_factory=dict)
    approve: bool = False  # with the 「承認する」 button (a holder asks for a sign-off)


@dataclass(frozen=True, slots=True)
class Scrub:
    """Replace the card (channel, ts) by a neutral line and delete the bot's own posts of the
    case: the person asked for deletion, or the retention period ended."""

    channel: str
    ts: str
    text: str


@dataclass(frozen=True, slots=True)
class MarkDelivered:
    """React to a counselor's message (channel, ts) that reached the person."""

    channel: str
    ts: str


@dataclass(frozen=True, slots=True)
class NotifyCounselor:
    """Tell one counselor something only they see."""

    channel: str
    user: str
    text: str
    thread_ts: str = ""


@dataclass(frozen=True, slots=True)
class ToPerson:
    """An event for the person's side (claimed, closed, a counselor's words): submitted to the
    intake stream, so it is handled in order with the person's own events."""

    event: str  # the InboundEvent's stored JSON


Work = (
    PostCard
    | UpdateCard
    | ThreadLine
    | SupervisorAlert
    | MarkDelivered
    | NotifyCounselor
    | ToPerson
    | Scrub
)


class UnknownWork(ValueError):
    """A stored item names a kind this version does not know."""


def _work_to_json(work: Work) -> tuple[str, dict[str, Any]]:
    match work:
        case PostCard():
            return "card", {}
        case UpdateCard():
            return "update", {}
        case ThreadLine(text=text, broadcast=broadcast):
            return "thread", {"text": text, "broadcast": broadcast}
        case SupervisorAlert(template=template, values=values, approve=approve):
            return "supervisor", {"text": template, "values": dict(values), "approve": approve}
        case Scrub(channel=channel, ts=ts, text=text):
            return "scrub", {"channel": channel, "ts": ts, "text": text}
        case MarkDelivered(channel=channel, ts=ts):
            return "reaction", {"channel": channel, "ts": ts}
        case NotifyCounselor():
            return "notice", {
                "channel": work.channel,
                "user": work.user,
                "text": work.text,
                "thread_ts": work.thread_ts,
            }
        case ToPerson(event=event):
            return "intake", {"event": event}
        case _:
            assert_never(work)


def _work_from_json(kind: str, d: Mapping[str, Any]) -> Work:
    if kind == "card":
        return PostCard()
    if kind == "update":
        return UpdateCard()
    if kind == "thread":
        return ThreadLine(str(d["text"]), bool(d.get("broadcast")))
    if kind == "supervisor":
        return SupervisorAlert(str(d["text"]), dict(d.get("values") or {}), bool(d.get("approve")))
    if kind == "scrub":
        return Scrub(str(d.get("channel") or ""), str(d.get("ts") or ""), str(d["text"]))
    if kind == "reaction":
        return MarkDelivered(str(d["channel"]), str(d["ts"]))
    if kind == "notice":
        return NotifyCounselor(
            str(d["channel"]), str(d["user"]), str(d["text"]), str(d.get("thread_ts") or "")
        )
    if kind == "intake":
        return ToPerson(str(d["event"]))
    raise UnknownWork(f"unknown outbox item kind {kind!r}")


LAST_RANK = 3  # the rank of items that say none


@dataclass(frozen=True, slots=True)
class OutboxItem:
    lane: str
    case_id: str
    work: Work
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    rank: int = LAST_RANK  # how urgent: 0 first (imminent), then 1 flagged, 2 high, 3 the rest

    @property
    def kind(self) -> str:
        """The stored name of the item's kind (for logs)."""
        return _work_to_json(self.work)[0]

    def to_json(self) -> str:
        kind, data = _work_to_json(self.work)
        return json.dumps(
            {
                "id": self.id,
                "lane": self.lane,
                "kind": kind,
                "case": self.case_id,
                "data": data,
                "created": self.created_ms,
                "rank": self.rank,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str) -> OutboxItem:
        """Raises `UnknownWork` for a kind this version does not know."""
        d = json.loads(raw)
        return cls(
            lane=d["lane"],
            case_id=d.get("case", ""),
            work=_work_from_json(str(d["kind"]), d.get("data") or {}),
            id=d["id"],
            created_ms=int(d.get("created", 0)),
            rank=int(d.get("rank", LAST_RANK)),
        )


class SendFailed(Exception):
    """The item could not be sent now; try again later.

    `retry_after`: seconds the platform asked us to wait (429 ``Retry-After``), if any.
    `uncertain`: the platform may have acted on the request (5xx, timeout, dropped connection).
    `permanent`: retrying the same item cannot help (e.g. the message to update is gone); the
    item is dropped.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        uncertain: bool = False,
        permanent: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.uncertain = uncertain
        self.permanent = permanent


Sender = Callable[[OutboxItem, bool], Awaitable[Stage | None]]
"""Sends one item (the bool is ``maybe_sent``); returns writes to record with its completion."""

ChannelOf = Callable[[OutboxItem], str | None]
"""The Slack channel an item posts to (so it keeps to the channel's pace), or None."""


@dataclass(slots=True)
class Backoff:
    base_s: float = 0.5
    cap_s: float = 60.0

    def delay(self, attempts: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return max(0.0, retry_after) + random.uniform(0, 0.25)
        exp = min(self.cap_s, self.base_s * (2 ** max(0, attempts - 1)))
        return float(exp * random.uniform(0.75, 1.0))


class Outbox:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        lease_s: float = 10.0,
        poll_s: float = 0.25,
        concurrency: int = 16,
        backoff: Backoff | None = None,
        pace: ChannelPace | None = None,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.lease_ms = int(lease_s * 1000)
        self.poll_s = poll_s
        self.concurrency = concurrency
        self.backoff = backoff or Backoff()
        self.pace = pace
        self._lease = redis.register_script(_LEASE)
        self._release = redis.register_script(_RELEASE_IF_EMPTY)
        self._wake = asyncio.Event()

    # --- writing ---------------------------------------------------------------------------
    def stage(self, pipe: Pipeline, item: OutboxItem, *, now_ms: int | None = None) -> None:
        """Queue an item on a MULTI pipeline; it becomes sendable when the pipeline executes.

        ``ZADD NX``: a lane already waiting out a backoff keeps its later due time. A card
        update joins one already waiting in the lane (`_STAGE_UPDATE`)."""
        k = self.keys
        due = now_ms if now_ms is not None else _now_ms()
        if isinstance(item.work, UpdateCard):
            pipe.eval(
                _STAGE_UPDATE,
                5,
                k.outbox_update(item.lane),
                k.outbox_item(item.id),
                k.outbox_lane(item.lane),
                k.outbox_due,
                k.outbox_rank,
                item.id,
                item.to_json(),
                due,
                item.lane,
                item.rank,
            )
            return
        pipe.hset(k.outbox_item(item.id), mapping={"body": item.to_json(), "attempts": "0"})
        pipe.rpush(k.outbox_lane(item.lane), item.id)
        pipe.zadd(k.outbox_due, {item.lane: due}, nx=True)
        pipe.hset(k.outbox_rank, item.lane, item.rank)

    async def put(self, *items: OutboxItem) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for item in items:
                self.stage(pipe, item)
            await pipe.execute()
        self.notify()

    def notify(self) -> None:
        """Something was queued in this process: work on it now rather than at the next poll."""
        self._wake.set()

    # --- sending ---------------------------------------------------------------------------
    async def run(
        self, stop: asyncio.Event, send: Sender, channel_of: ChannelOf | None = None
    ) -> None:
        """Work on due lanes until `stop` is set; `channel_of` names the Slack channel an item
        posts to, so it keeps to the channel's pace."""
        active: set[asyncio.Task[None]] = set()
        limit = asyncio.Semaphore(self.concurrency)
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    lanes = await self.lease_due(limit=self.concurrency * 2)
                except Exception as exc:  # Redis restarting: wait and retry
                    log.warning("outbox.lease_failed", error=type(exc).__name__)
                    lanes = []
                for lane in lanes:
                    task = asyncio.create_task(self._guarded(lane, send, limit, channel_of))
                    active.add(task)
                    task.add_done_callback(active.discard)
                if lanes:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_first(stop, self._wake), timeout=self.poll_s)
        finally:
            for task in active:
                task.cancel()
            if active:
                await asyncio.gather(*active, return_exceptions=True)

    async def _guarded(
        self, lane: str, send: Sender, limit: asyncio.Semaphore, channel_of: ChannelOf | None
    ) -> None:
        async with limit:
            try:
                await self.work_lane(lane, send, channel_of)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox.lane_failed", lane=lane)

    async def lease_due(self, *, limit: int = 32, now_ms: int | None = None) -> list[str]:
        """Lease up to `limit` due lanes, the most urgent first."""
        now = now_ms if now_ms is not None else _now_ms()
        lanes = await self._lease(
            keys=[self.keys.outbox_due, self.keys.outbox_rank],
            args=[now, now + self.lease_ms, limit, max(limit * 8, 256), LAST_RANK],
        )
        return [str(lane) for lane in lanes]

    async def work_lane(self, lane: str, send: Sender, channel_of: ChannelOf | None = None) -> None:
        """Send the lane's items in order until it is empty or an item must wait."""
        k = self.keys
        lane_key = k.outbox_lane(lane)
        while True:
            raw_head = await self.redis.lindex(lane_key, 0)
            if raw_head is None:
                if await self._release(keys=[k.outbox_due, lane_key, k.outbox_rank], args=[lane]):
                    return
                continue
            head = str(raw_head)
            item_key = k.outbox_item(head)
            stored = await self.redis.hgetall(item_key)
            if not stored.get("body"):
                await self.redis.lrem(lane_key, 1, head)
                continue
            try:
                item = OutboxItem.from_json(str(stored["body"]))
            except (UnknownWork, ValueError, KeyError, TypeError):
                log.error("outbox.unreadable_item_dropped", lane=lane)
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.lrem(lane_key, 1, head)
                    pipe.delete(item_key)
                    pipe.delete(k.outbox_update(lane))  # in case it was an update
                    await pipe.execute()
                continue
            channel = channel_of(item) if channel_of is not None and self.pace else None
            if channel is not None and self.pace is not None:
                rest = await self.pace.take(channel, lane, item.rank, item.created_ms)
                if rest > 0:  # not this lane's turn in the channel: due again when it is
                    await self.redis.zadd(
                        k.outbox_due, {lane: _now_ms() + int(rest * 1000)}, xx=True
                    )
                    # and worked on then, not at the next poll (a post slot not lost)
                    asyncio.get_running_loop().call_later(rest, self.notify)
                    return
            attempts = int(stored.get("attempts") or 0) + 1
            maybe_sent = stored.get("sending") == "1"
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(item_key, mapping={"sending": "1", "attempts": str(attempts)})
                if isinstance(item.work, UpdateCard):
                    # From now on a change needs an update of its own: this one may be
                    # rendered before it.
                    pipe.delete(k.outbox_update(lane))
                await pipe.execute()
            heartbeat = asyncio.create_task(self._hold_lease(lane))
            failure: SendFailed | None = None
            stage: Stage | None = None
            try:
                stage = await send(item, maybe_sent)
            except SendFailed as exc:
                failure = exc
            except Exception:
                # A bug or an unexpected client error: keep the item (as possibly sent) and
                # back off, so a poison item cannot spin, and nothing is lost.
                log.exception("outbox.send_error", kind=item.kind, case=item.case_id)
                failure = SendFailed("unexpected error", uncertain=True)
            finally:
                heartbeat.cancel()
            if failure is None:
                await self._complete(lane, item, stage)
                continue
            if failure.permanent:
                log.warning("outbox.dropped", kind=item.kind, case=item.case_id, why=failure.reason)
                await self._complete(lane, item, None)
                continue
            delay = self.backoff.delay(attempts, failure.retry_after)
            if channel is not None and self.pace is not None and failure.retry_after:
                await self.pace.hold(channel, failure.retry_after)  # for every lane, everywhere
            log.info(
                "outbox.retry",
                kind=item.kind,
                case=item.case_id,
                why=failure.reason,
                attempt=attempts,
                delay_s=round(delay, 2),
            )
            async with self.redis.pipeline(transaction=True) as pipe:
                if not failure.uncertain and not maybe_sent:
                    pipe.hset(item_key, "sending", "0")
                pipe.zadd(k.outbox_due, {lane: _now_ms() + int(delay * 1000)}, xx=True)
                await pipe.execute()
            return

    async def _hold_lease(self, lane: str) -> None:
        """Keep the lane leased while a call is in flight, so a short lease is safe: a process
        that dies stops renewing, and another takes the lane over within `lease_s`."""
        while True:
            await asyncio.sleep(self.lease_ms / 3000)
            with contextlib.suppress(Exception):
                await self.redis.zadd(
                    self.keys.outbox_due, {lane: _now_ms() + self.lease_ms}, xx=True
                )

    async def _complete(self, lane: str, item: OutboxItem, stage: Stage | None) -> None:
        k = self.keys
        async with self.redis.pipeline(transaction=True) as pipe:
            if stage is not None:
                stage(pipe)
            pipe.lrem(k.outbox_lane(lane), 1, item.id)
            pipe.delete(k.outbox_item(item.id))
            pipe.zadd(k.outbox_due, {lane: _now_ms() + self.lease_ms}, xx=True)  # keep lease
            await pipe.execute()

    async def pending(self) -> int:
        """Number of lanes with items waiting (for /metrics and tests)."""
        return int(await self.redis.zcard(self.keys.outbox_due))


async def _first(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


def _now_ms() -> int:
    return int(time.time() * 1000)
