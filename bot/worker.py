"""Workers: consume the intake stream through a consumer group.

Guarantees, across any number of processes sharing one Redis:
- One person's events are handled in order and never two at once. Intake gave each event a
  per-conversation sequence number; an event is handled only when the conversation's `done`
  counter says its predecessor is finished, and under the conversation's lease lock.
- Different conversations run in parallel: up to `concurrency` at once per process, one event
  at a time each, taking turns (a conversation with many events waiting goes to the back of
  the line after each one), so one person's backlog never holds up another person.
- A conversation that cannot go on now holds no worker slot: one waiting for its predecessor
  (handled elsewhere, or still to be reclaimed) or for another worker's lease rests and is
  tried again shortly; one whose answer LINE cannot take now (an outage, a 429) rests until
  LINE's `Retry-After` or a backoff, for as long as `delivery_window_s` after the event. Its
  entries stay claimed by this process meanwhile (the lease keeper), so nobody else takes them.
- An event whose worker died stays pending in the group; after `reclaim_idle_ms` without a
  lease renewal any worker claims it (XAUTOCLAIM, in bulk, up to the read-ahead) and handles
  it. The handler's side effects are idempotent per event, so a reclaimed event never sends a
  second answer.
- An event that keeps failing is retried with backoff, then parked on a dead-letter stream so
  it cannot block the person's later events forever; so is one past its delivery window. The
  handler hears of every parked event (`parked`): a crisis on the dead-letter path alerts the
  supervisors.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import heapq
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import structlog
from redis.exceptions import RedisError, ResponseError

from bot.channels.base import DeliveryError, InboundEvent
from bot.metrics import Metrics
from bot.store.keys import Keys
from bot.store.redis import Lua, RedisClient, run_pipeline

log = structlog.get_logger(__name__)

Handler = Callable[[InboundEvent], Awaitable[None]]


class PrefetchingHandler(Protocol):
    """A handler that reads what it needs in the same round trip as the worker's lease."""

    def prefetch(self, pipe: RedisClient, event: InboundEvent) -> Callable[[Sequence[Any]], Any]:
        """Queue reads on `pipe`; return the function that turns their results into what
        `__call__` takes as `prefetched`."""
        ...

    async def __call__(self, event: InboundEvent, prefetched: Any = None) -> None: ...


class UrgencyHint(Protocol):
    def urgent(self, event_json: str) -> bool:
        """Is this stored event (as on the stream) a crisis, at a glance? Asked only when
        conversations queue for the slots, to let a crisis go first."""
        ...


class ParkListener(Protocol):
    async def parked(self, event: InboundEvent, why: str) -> None:
        """The event was given up and put on the dead-letter stream."""
        ...


# Finish an event: advance `done`, release the lease, ack and delete the entry; all or nothing.
_FINISH = """
local done = tonumber(redis.call('HGET', KEYS[1], 'done') or '0')
if tonumber(ARGV[2]) > done then redis.call('HSET', KEYS[1], 'done', ARGV[2]) end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('XACK', KEYS[3], ARGV[3], ARGV[4])
redis.call('XDEL', KEYS[3], ARGV[4])
redis.call('HDEL', KEYS[4], ARGV[4])
return 1
"""

# Try to start an event: -1 already handled, 0 not our turn yet (or leased by another worker),
# otherwise the lease is ours and the result is this event's attempt number.
_BEGIN = """
local done = tonumber(redis.call('HGET', KEYS[1], 'done') or '0')
local seq = tonumber(ARGV[1])
if done >= seq then return -1 end
if done ~= seq - 1 then return 0 end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 0 end
return redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
"""

# Renew the lease only if we still hold it.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# Release the lease; ARGV[2] = '1' also gives the attempt back (the event did not fail: LINE
# could not take its answer yet, which is waited out by time, not by counting).
_RELEASE = """
if ARGV[2] == '1' then redis.call('HINCRBY', KEYS[2], ARGV[3], -1) end
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    consumer: str
    concurrency: int = 16
    reclaim_idle_ms: int = 5_000
    block_ms: int = 1_000
    max_attempts: int = 8  # per event, counted across processes, before it is parked
    # waits after the first failures of an event, then doubling up to `max_retry_delay_s`
    retry_delays_s: tuple[float, ...] = (0.2, 1.0, 3.0)
    max_retry_delay_s: float = 30.0
    shutdown_grace_s: float = 15.0  # how long in-flight events may finish on shutdown
    # How long after an event its answer is still worth delivering: LINE outages and 429s
    # are waited out this long, then the event is parked (a crisis alerts the supervisors).
    delivery_window_s: float = 6 * 3600.0
    readahead: int = 0  # entries read or reclaimed ahead of the slots (0: 64 per slot)
    # A consumer (one per process ever started) with nothing pending and unseen this long is
    # a process that is gone: its name is removed from the group.
    prune_idle_ms: int = 86_400_000
    prune_every_s: float = 600.0

    @property
    def ahead(self) -> int:
        return self.readahead or self.concurrency * 64


class Outcome(Enum):
    DONE = "done"  # finished (or parked): the entry leaves this process
    EARLIER = "earlier"  # an earlier event of the conversation is here now: it goes first
    REST = "rest"  # cannot go on now: the conversation rests, holding no slot


@dataclass(slots=True)
class _Entry:
    seq: int
    entry_id: str
    fields: dict[str, str]
    waiting_since: float = 0.0  # monotonic: when it first found its predecessor unfinished
    deferrals: int = 0  # times LINE could not take its answer yet
    urgent: bool | None = None  # a crisis, by the handler's look (asked only under a backlog)

    def __lt__(self, other: _Entry) -> bool:
        return (self.seq, self.entry_id) < (other.seq, other.entry_id)


class Worker:
    def __init__(
        self,
        redis: RedisClient,
        keys: Keys,
        handler: Handler | PrefetchingHandler,
        config: WorkerConfig,
        metrics: Metrics | None = None,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.handler = handler
        self.config = config
        self.metrics = metrics or Metrics()
        self._prefetch: Callable[[RedisClient, InboundEvent], Callable[[Sequence[Any]], Any]] | None
        self._prefetch = getattr(handler, "prefetch", None)
        self._on_parked: Callable[[InboundEvent, str], Awaitable[None]] | None
        self._on_parked = getattr(handler, "parked", None)
        self._urgency: Callable[[str], bool] | None = getattr(handler, "urgent", None)
        self._finish = Lua(_FINISH)
        self._begin = Lua(_BEGIN)
        self._renew = Lua(_RENEW)
        self._release = Lua(_RELEASE)
        # per conversation: a heap of the entries read and not yet finished, lowest seq first
        self._queued: dict[str, list[_Entry]] = {}
        self._known: set[str] = set()  # entry ids read by this process and not yet finished
        # Conversations waiting for a slot: those whose next event is a crisis go first.
        self._ready: collections.deque[str] = collections.deque()
        self._urgent: collections.deque[str] = collections.deque()
        self._ready_set: set[str] = set()
        self._running: dict[str, asyncio.Task[None]] = {}  # conversation -> its task (a slot)
        self._resting: dict[str, asyncio.TimerHandle] = {}  # conversation -> its wake-up
        self._held: dict[str, tuple[str, str]] = {}  # entry id -> (conversation, lease token)
        self._space = asyncio.Event()  # the read-ahead has room again
        self._stopping = False
        self.handled = 0

    @property
    def attempts_key(self) -> str:
        return self.keys.events_stream + ":attempts"

    @property
    def dead_stream(self) -> str:
        return self.keys.events_dead

    def idle(self) -> bool:
        """Nothing read and unfinished in this process."""
        return not self._known and not self._running

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(
                self.keys.events_stream, self.keys.events_group, id="0", mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set, then let in-flight events finish (drain)."""
        keeper_stop = asyncio.Event()
        keeper = asyncio.create_task(self._keep_leases(keeper_stop), name="lease-keeper")
        try:
            await self._consume(stop)
        finally:
            await self.drain()
            keeper_stop.set()
            await keeper

    async def _consume(self, stop: asyncio.Event) -> None:
        last_reclaim = 0.0
        last_prune = time.monotonic()
        backoff = 0.1
        first = True
        while not stop.is_set():
            try:
                if first:
                    await self.ensure_group()
                    # Our own pending entries (same consumer name after a restart) come first.
                    await self._read_own()
                    first = False
                now = time.monotonic()
                if now - last_reclaim > self.config.reclaim_idle_ms / 2000:
                    last_reclaim = now
                    await self._reclaim()
                if now - last_prune > self.config.prune_every_s:
                    last_prune = now
                    await self.prune_consumers()
                if self._room():
                    await self._read(">")
                else:  # read far enough ahead: wait until a slot's work makes room
                    self._space.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._space.wait(), self.config.block_ms / 1000)
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if "NOGROUP" in str(exc):
                    # The stream or its group is gone (a store restored empty, keys deleted):
                    # create them again and carry on.
                    log.warning("worker.group_missing_recreating")
                    first = True
                    continue
                log.warning("worker.store_unavailable", error=type(exc).__name__, retry_in=backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, 5.0)

    async def drain(self) -> None:
        """Let in-flight events finish within the grace period; cancel the rest (they stay
        pending in the group and are reclaimed, so nothing is lost)."""
        self._stopping = True  # each conversation finishes its current event only
        for handle in self._resting.values():
            handle.cancel()
        self._resting.clear()
        tasks = [t for t in self._running.values() if not t.done()]
        if not tasks:
            return
        log.info("worker.draining", inflight=len(tasks))
        _, pending = await asyncio.wait(tasks, timeout=self.config.shutdown_grace_s)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("worker.drain_cancelled", cancelled=len(pending))
            await asyncio.gather(*pending, return_exceptions=True)

    def _room(self) -> int:
        """How many more entries this process may read ahead of its slots."""
        return max(0, self.config.ahead - len(self._known))

    async def _read_own(self) -> None:
        """Take back what this consumer name already holds (a restart with the same name)."""
        start = "0"
        while self._room():
            response = await self.redis.xreadgroup(
                self.keys.events_group,
                self.config.consumer,
                {self.keys.events_stream: start},
                count=min(self._room(), 500),
            )
            entries = [e for _stream, batch in response or [] for e in batch]
            if not entries:
                return
            await self._take(entries)
            start = entries[-1][0]

    async def _read(self, from_id: str) -> None:
        response = await self.redis.xreadgroup(
            self.keys.events_group,
            self.config.consumer,
            {self.keys.events_stream: from_id},
            count=min(self._room(), 500),
            block=self.config.block_ms,
        )
        await self._take([e for _stream, batch in response or [] for e in batch])

    async def _take(self, entries: Sequence[tuple[str, dict[str, str] | None]]) -> int:
        taken = 0
        for entry_id, fields in entries:
            if entry_id in self._known:
                continue
            if not fields:  # deleted while pending: nothing left to do
                await self.redis.xack(self.keys.events_stream, self.keys.events_group, entry_id)
                continue
            taken += 1
            self._add(entry_id, fields)
        return taken

    async def _reclaim(self) -> int:
        """Claim every entry idle past `reclaim_idle_ms` (its worker died), in batches, as far
        as the read-ahead allows: after a crash the whole backlog comes back at once, and the
        slots work through it at their own pace."""
        start, claimed = "0-0", 0
        while self._room():
            result = await self.redis.xautoclaim(
                self.keys.events_stream,
                self.keys.events_group,
                self.config.consumer,
                min_idle_time=self.config.reclaim_idle_ms,
                start_id=start,
                count=min(self._room(), 200),
            )
            if not result:
                break
            start, entries = str(result[0]), result[1]
            claimed += await self._take(entries)
            if start == "0-0" or not entries:
                break
        if claimed:
            log.info("worker.reclaimed", count=claimed)
        return claimed

    async def prune_consumers(self) -> list[str]:
        """Remove the names of processes that are gone from the consumer group. Only names
        with nothing pending (so nothing can be lost) and unseen for `prune_idle_ms` (a live
        worker is seen at every read, at least once per `block_ms`)."""
        consumers = await self.redis.xinfo_consumers(
            self.keys.events_stream, self.keys.events_group
        )
        gone = [
            str(c["name"])
            for c in consumers
            if c["name"] != self.config.consumer
            and int(c["pending"]) == 0
            and int(c["idle"]) > self.config.prune_idle_ms
        ]
        for name in gone:
            await self.redis.xgroup_delconsumer(
                self.keys.events_stream, self.keys.events_group, name
            )
        if gone:
            log.info("worker.consumers_pruned", count=len(gone))
        return gone

    # --- scheduling: conversations take turns for the slots -----------------------------------

    def _add(self, entry_id: str, fields: dict[str, str]) -> None:
        if entry_id in self._known:
            return
        conv = fields.get("conv", "")
        self._known.add(entry_id)
        heap = self._queued.setdefault(conv, [])
        earlier = bool(heap) and _seq_of(fields) < heap[0].seq
        heapq.heappush(heap, _Entry(_seq_of(fields), entry_id, fields))
        if conv in self._running:
            return  # its task takes the lowest first, after the event it is on
        if conv in self._resting:
            if not earlier:
                return  # it rests for its first event; this one comes after
            self._resting.pop(conv).cancel()  # a predecessor arrived: go now
        self._make_ready(conv)

    def _make_ready(self, conv: str) -> None:
        self._enqueue(conv)
        self._dispatch()

    def _enqueue(self, conv: str) -> None:
        """Line the conversation up for a slot. While others wait too (a backlog: after a
        crash, an outage, a surge), one whose next event is a crisis goes before them."""
        if conv in self._ready_set or conv in self._running:
            return
        self._ready_set.add(conv)
        queue = len(self._ready) + len(self._urgent)
        busy = queue > 0 or len(self._running) >= self.config.concurrency
        if busy and self._is_urgent(conv):
            self._urgent.append(conv)
        else:
            self._ready.append(conv)

    def _is_urgent(self, conv: str) -> bool:
        heap = self._queued.get(conv)
        if not heap or self._urgency is None:
            return False
        entry = heap[0]
        if entry.urgent is None:
            try:
                entry.urgent = self._urgency(entry.fields.get("event", ""))
            except Exception:
                entry.urgent = False
        return entry.urgent

    def _dispatch(self) -> None:
        while len(self._running) < self.config.concurrency and not self._stopping:
            if self._urgent:
                conv = self._urgent.popleft()
            elif self._ready:
                conv = self._ready.popleft()
            else:
                return
            self._ready_set.discard(conv)
            if self._queued.get(conv):
                self._running[conv] = asyncio.create_task(self._turn(conv), name=f"conv-{conv}")

    def _rest(self, conv: str, delay: float) -> None:
        loop = asyncio.get_running_loop()
        old = self._resting.pop(conv, None)
        if old is not None:
            old.cancel()
        self._resting[conv] = loop.call_later(delay, self._wake, conv)

    def _wake(self, conv: str) -> None:
        self._resting.pop(conv, None)
        if self._queued.get(conv) and not self._stopping:
            self._make_ready(conv)

    async def _turn(self, conv: str) -> None:
        """Handle the conversation's lowest event (an earlier one that arrived meanwhile goes
        first); then the conversation goes to the back of the line for its next."""
        heap = self._queued[conv]
        rest: float | None = None
        try:
            while heap and not self._stopping:
                entry = heap[0]
                outcome, rest = await self._process(entry)
                if outcome is Outcome.DONE:
                    heap.remove(entry)
                    heapq.heapify(heap)
                    self._known.discard(entry.entry_id)
                    self._space.set()
                    break
                if outcome is Outcome.REST:
                    break
                # EARLIER: loop, the heap's head is now the earlier event
        finally:
            self._running.pop(conv, None)
            if not heap:
                self._queued.pop(conv, None)
            elif rest is not None and not self._stopping:
                self._rest(conv, rest)
            elif not self._stopping:
                self._enqueue(conv)  # at the back: the others take their turn first
            self._dispatch()

    def _retry_delay(self, attempts: int) -> float:
        delays = self.config.retry_delays_s
        if attempts <= len(delays):
            return delays[max(0, attempts - 1)]
        last = delays[-1] if delays else 1.0
        return min(self.config.max_retry_delay_s, last * 2.0 ** (attempts - len(delays)))

    async def _process(self, entry: _Entry) -> tuple[Outcome, float | None]:
        """Try one entry. DONE: finished or parked. EARLIER: an earlier event of the same
        conversation arrived in this process and goes first. REST: try again after the delay
        returned (its predecessor is not finished, or its answer could not go out yet)."""
        entry_id, fields, seq = entry.entry_id, entry.fields, entry.seq
        conv = fields.get("conv", "")
        k = self.keys
        finish_keys = [k.conv_order(conv), k.conv_lock(conv), k.events_stream, self.attempts_key]
        try:
            event = InboundEvent.from_json(
                fields["event"], seq=seq, recent=int(fields.get("recent", 0) or 0)
            )
        except (ValueError, KeyError, TypeError):
            log.error("worker.bad_entry", entry=entry_id)
            await self._park(entry_id, fields, "unreadable")
            await self._finish.run(self.redis, finish_keys, ["-", seq, k.events_group, entry_id])
            return Outcome.DONE, None
        token = uuid.uuid4().hex
        lease_ms = self.config.reclaim_idle_ms
        release_keys = [k.conv_lock(conv), self.attempts_key]
        try:
            # 1. Our turn in the conversation? Then take its lease; the handler's reads ride
            #    along (one round trip).
            def build(pipe: RedisClient) -> Callable[[Sequence[Any]], Any] | None:
                self._begin.stage(
                    pipe,
                    [k.conv_order(conv), k.conv_lock(conv), self.attempts_key],
                    [seq, token, lease_ms, entry_id],
                )
                return self._prefetch(pipe, event) if self._prefetch is not None else None

            results, read = await run_pipeline(self.redis, build, [self._begin])
            attempts = int(results[0])
            if attempts < 0:  # already handled (we were reclaimed after finishing)
                await self._finish.run(
                    self.redis, finish_keys, [token, seq, k.events_group, entry_id]
                )
                return Outcome.DONE, None
            if attempts == 0:
                return await self._not_yet(conv, entry)
            entry.waiting_since = 0.0

            # 2. Handle it; the lease keeper renews our lease while we work.
            if attempts > self.config.max_attempts:
                log.error("worker.event_parked", entry=entry_id, attempts=attempts - 1)
                await self._give_up(event, entry_id, fields, "too many failures")
            else:
                self._held[entry_id] = (conv, token)
                try:
                    prefetched = read(results[1:]) if read is not None else None
                    if prefetched is not None:
                        await self.handler(event, prefetched)  # type: ignore[call-arg]
                    else:
                        await self.handler(event)
                except DeliveryError as exc:
                    rest = await self._undelivered(event, entry, exc, token)
                    if rest is not None:
                        return Outcome.REST, rest
                finally:
                    self._held.pop(entry_id, None)
            await self._finish.run(self.redis, finish_keys, [token, seq, k.events_group, entry_id])
            self.handled += 1
            self.metrics.events_processed.labels(event.kind.value).inc()
            return Outcome.DONE, None
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._release.run(self.redis, release_keys, [token, "0", ""]))
            raise
        except Exception as exc:  # the event stays pending and is tried again after a while
            self.metrics.events_failed.inc()
            log.warning(
                "worker.event_failed", entry=entry_id, error=type(exc).__name__, exc_info=log_exc()
            )
            with contextlib.suppress(Exception):
                await self._release.run(self.redis, release_keys, [token, "0", ""])
            attempts = await self._attempts(entry_id)
            return Outcome.REST, self._retry_delay(attempts)

    async def _attempts(self, entry_id: str) -> int:
        with contextlib.suppress(Exception):
            return int(await self.redis.hget(self.attempts_key, entry_id) or 1)
        return 1

    async def _not_yet(self, conv: str, entry: _Entry) -> tuple[Outcome, float | None]:
        """Not this event's turn: its predecessor is unfinished (here, elsewhere, or with a
        worker that died and is still to be reclaimed), or another worker holds the lease."""
        heap = self._queued.get(conv)
        if heap and heap[0] is not entry:
            return Outcome.EARLIER, None
        now = time.monotonic()
        if not entry.waiting_since:
            entry.waiting_since = now
        waited = now - entry.waiting_since
        if waited > 3 * self.config.reclaim_idle_ms / 1000:
            entry.waiting_since = now
            await self._skip_gap(conv, entry.seq)
            return Outcome.REST, 0.0
        # Soon at first (a predecessor handled by another worker takes milliseconds), then
        # more slowly (one in a dead worker's hands waits for the reclaim, one whose answer
        # LINE cannot take waits out the outage).
        cap = 0.5 if waited < 10 else 2.0
        return Outcome.REST, min(cap, 0.01 * 2.0 ** min(8, int(waited / 0.05)))

    async def _undelivered(
        self, event: InboundEvent, entry: _Entry, exc: DeliveryError, token: str
    ) -> float | None:
        """LINE could not take the answer. Rest and try again (the attempt is given back),
        unless the platform refused it outright or the delivery window has passed: then the
        event is parked. Returns the rest, or None when parked."""
        k = self.keys
        conv = entry.fields.get("conv", "")
        age_s = time.time() - event.timestamp_ms / 1000
        if exc.permanent or age_s > self.config.delivery_window_s:
            why = "refused by the platform" if exc.permanent else "undeliverable"
            log.error("worker.event_parked", entry=entry.entry_id, why=why, reason=exc.reason)
            await self._give_up(event, entry.entry_id, entry.fields, why)
            return None
        entry.deferrals += 1
        backoff = min(60.0, 0.5 * 2.0 ** min(entry.deferrals, 7)) * random.uniform(0.8, 1.0)
        rest = max(exc.retry_after or 0.0, backoff)
        rest = min(rest, max(0.0, self.config.delivery_window_s - age_s) + 0.1)
        self.metrics.events_deferred.inc()
        log.warning(
            "worker.delivery_deferred",
            entry=entry.entry_id,
            reason=exc.reason,
            retry_in=round(rest, 2),
            deferrals=entry.deferrals,
        )
        await self._release.run(
            self.redis, [k.conv_lock(conv), self.attempts_key], [token, "1", entry.entry_id]
        )
        return rest

    async def _give_up(
        self, event: InboundEvent, entry_id: str, fields: dict[str, str], why: str
    ) -> None:
        self.metrics.events_dead.inc()
        await self._park(entry_id, fields, why)
        if self._on_parked is not None:
            try:
                await self._on_parked(event, why)
            except Exception as exc:  # the entry is parked; its alert must not unpark it
                log.error("worker.park_alert_failed", entry=entry_id, error=type(exc).__name__)

    async def _keep_leases(self, stop: asyncio.Event) -> None:
        """Renew the leases of every event this process is handling, in one round trip, and
        reset the idle time of every entry it holds (resting ones included) so no other
        worker reclaims them while this process is alive."""
        interval = self.config.reclaim_idle_ms / 3000
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
            held = dict(self._held)
            known = list(self._known)
            if not known:
                continue

            def build(
                pipe: RedisClient,
                held: dict[str, tuple[str, str]] = held,
                known: list[str] = known,
            ) -> None:
                for conv, token in held.values():
                    self._renew.stage(
                        pipe, [self.keys.conv_lock(conv)], [token, self.config.reclaim_idle_ms]
                    )
                for i in range(0, len(known), 1000):
                    pipe.xclaim(
                        self.keys.events_stream,
                        self.keys.events_group,
                        self.config.consumer,
                        min_idle_time=0,
                        message_ids=known[i : i + 1000],
                        justid=True,
                    )

            try:
                await run_pipeline(self.redis, build, [self._renew])
            except (RedisError, OSError) as exc:
                log.warning("worker.lease_renewal_failed", error=type(exc).__name__)

    async def _skip_gap(self, conv: str, seq: int) -> None:
        """If no earlier event of this conversation is left anywhere on the stream, the
        predecessor was lost (e.g. a store restored from an old snapshot): move on rather than
        block the person forever."""
        start = "-"
        while True:
            entries = await self.redis.xrange(self.keys.events_stream, min=start, count=500)
            for _entry_id, fields in entries:
                if fields.get("conv") == conv and int(fields.get("seq", 0)) < seq:
                    return
            if len(entries) < 500:
                break
            start = "(" + entries[-1][0]
        log.error("worker.order_gap_skipped", conversation=conv, seq=seq)
        await self.redis.eval(
            "local d = tonumber(redis.call('HGET', KEYS[1], 'done') or '0') "
            "if d < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'done', ARGV[1]) end "
            "return 1",
            1,
            self.keys.conv_order(conv),
            seq - 1,
        )

    async def _park(self, entry_id: str, fields: dict[str, str], why: str) -> None:
        await self.redis.xadd(
            self.dead_stream,
            {**fields, "entry": entry_id, "why": why},
            maxlen=10_000,
            approximate=True,
        )

    async def pending(self) -> int:
        try:
            info = await self.redis.xpending(self.keys.events_stream, self.keys.events_group)
            return int(info["pending"])
        except ResponseError:
            return 0


def _seq_of(fields: dict[str, str]) -> int:
    try:
        return int(fields.get("seq", 0))
    except (TypeError, ValueError):
        return 0


def log_exc() -> bool:
    """Tracebacks only at debug: they can carry message text in local variables' reprs."""
    return bool(log.is_enabled_for(10)) if hasattr(log, "is_enabled_for") else False
