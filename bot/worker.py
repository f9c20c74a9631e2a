"""Workers: consume the intake stream through a consumer group.

Guarantees, across any number of processes sharing one Redis:
- One person's events are handled in order and never two at once. Intake gave each event a
  per-conversation sequence number; an event is handled only when the conversation's `done`
  counter says its predecessor is finished, and under the conversation's lease lock.
- Different conversations run in parallel (up to `concurrency` at once per process).
- An event whose worker died stays pending in the group; after `reclaim_idle_ms` without a
  lease renewal any worker claims it (XAUTOCLAIM) and handles it. The handler's side effects are
  idempotent per event, so a reclaimed event never sends a second answer.
- An event that keeps failing is retried with backoff, then parked on a dead-letter stream so
  it cannot block the person's later events forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from redis.exceptions import RedisError, ResponseError

from bot.channels.base import InboundEvent
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

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    consumer: str
    concurrency: int = 16
    reclaim_idle_ms: int = 30_000
    block_ms: int = 1_000
    max_attempts: int = 8  # per event, counted across processes, before it is parked
    retry_delays_s: tuple[float, ...] = (0.2, 1.0, 3.0)  # in-process retries before reclaim
    shutdown_grace_s: float = 15.0  # how long in-flight events may finish on shutdown
    # A consumer (one per process ever started) with nothing pending and unseen this long is
    # a process that is gone: its name is removed from the group.
    prune_idle_ms: int = 86_400_000
    prune_every_s: float = 600.0


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
        self._finish = Lua(_FINISH)
        self._begin = Lua(_BEGIN)
        self._renew = Lua(_RENEW)
        self._release = Lua(_RELEASE)
        self._inflight: dict[str, asyncio.Task[None]] = {}  # conversation -> its task
        # per conversation: a heap of (sequence number, entry id, fields) read but not finished
        self._queued: dict[str, list[tuple[int, str, dict[str, str]]]] = {}
        self._known: set[str] = set()
        self._stopping = False  # entry ids read by this process and not yet finished
        self._held: dict[str, tuple[str, str]] = {}  # entry id -> (conversation, lease token)
        self._slots = asyncio.Semaphore(config.concurrency)
        self.handled = 0

    @property
    def attempts_key(self) -> str:
        return self.keys.events_stream + ":attempts"

    @property
    def dead_stream(self) -> str:
        return self.keys.events_dead

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
                    await self._read("0")
                    first = False
                now = time.monotonic()
                if now - last_reclaim > self.config.reclaim_idle_ms / 2000:
                    last_reclaim = now
                    await self._reclaim()
                if now - last_prune > self.config.prune_every_s:
                    last_prune = now
                    await self.prune_consumers()
                await self._read(">")
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
        tasks = [t for t in self._inflight.values() if not t.done()]
        if not tasks:
            return
        log.info("worker.draining", inflight=len(tasks))
        _, pending = await asyncio.wait(tasks, timeout=self.config.shutdown_grace_s)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("worker.drain_cancelled", cancelled=len(pending))
            await asyncio.gather(*pending, return_exceptions=True)

    async def _read(self, from_id: str) -> None:
        free = self._free_slots()
        if free <= 0:
            await asyncio.sleep(0.01)
            return
        response = await self.redis.xreadgroup(
            self.keys.events_group,
            self.config.consumer,
            {self.keys.events_stream: from_id},
            count=free,
            block=None if from_id == "0" else self.config.block_ms,
        )
        for _stream, entries in response or []:
            for entry_id, fields in entries:
                if not fields:  # deleted while pending: nothing left to do
                    await self.redis.xack(self.keys.events_stream, self.keys.events_group, entry_id)
                    continue
                await self._spawn(entry_id, fields)

    async def _reclaim(self) -> None:
        result = await self.redis.xautoclaim(
            self.keys.events_stream,
            self.keys.events_group,
            self.config.consumer,
            min_idle_time=self.config.reclaim_idle_ms,
            start_id="0-0",
            count=max(1, self._free_slots()),
        )
        entries = result[1] if result else []
        for entry_id, fields in entries:
            if entry_id in self._known:
                continue
            if not fields:
                await self.redis.xack(self.keys.events_stream, self.keys.events_group, entry_id)
                continue
            log.info("worker.reclaimed", entry=entry_id)
            await self._spawn(entry_id, fields)

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

    def _free_slots(self) -> int:
        """Slots are per conversation, not per event: a person who sends a hundred messages
        holds one slot, so everyone else keeps being answered."""
        if len(self._known) >= self.config.concurrency * 64:
            return 0  # enough read ahead; let the local queues drain first
        return self.config.concurrency - sum(1 for t in self._inflight.values() if not t.done())

    async def _spawn(self, entry_id: str, fields: dict[str, str]) -> None:
        if entry_id in self._known:
            return
        conv = fields.get("conv", "")
        self._known.add(entry_id)
        heapq.heappush(self._queued.setdefault(conv, []), (_seq_of(fields), entry_id, fields))
        task = self._inflight.get(conv)
        if task is None or task.done():
            task = asyncio.create_task(self._run_conversation(conv), name=f"conv-{conv}")
            self._inflight[conv] = task

    async def _run_conversation(self, conv: str) -> None:
        """Handle this process's events of one conversation one after another, lowest sequence
        number first (a reclaimed earlier event goes before later ones read already)."""
        heap = self._queued[conv]
        try:
            while heap and not self._stopping:
                item = heap[0]
                _seq, entry_id, fields = item
                deferred = False
                try:
                    deferred = await self._process(entry_id, fields)
                finally:
                    if not deferred:
                        heap.remove(item)
                        heapq.heapify(heap)
                        self._known.discard(entry_id)
        finally:
            if not heap:
                self._queued.pop(conv, None)
            if self._inflight.get(conv) is asyncio.current_task():
                self._inflight.pop(conv, None)

    def _earlier_waiting(self, conv: str, seq: int) -> bool:
        heap = self._queued.get(conv)
        return heap is not None and len(heap) > 0 and heap[0][0] < seq

    async def _process(self, entry_id: str, fields: dict[str, str]) -> bool:
        """Handle one entry. Returns True when it stepped aside for an earlier event of the same
        conversation that this process now holds (it will be tried again after that one)."""
        conv, seq = fields.get("conv", ""), _seq_of(fields)
        k = self.keys
        try:
            event = InboundEvent.from_json(
                fields["event"], seq=seq, recent=int(fields.get("recent", 0) or 0)
            )
        except (ValueError, KeyError, TypeError):
            log.error("worker.bad_entry", entry=entry_id)
            await self._park(entry_id, fields, "unreadable")
            await self._finish.run(
                self.redis,
                [k.conv_order(conv), k.conv_lock(conv), k.events_stream, self.attempts_key],
                ["-", seq, k.events_group, entry_id],
            )
            return False
        token = uuid.uuid4().hex
        lease_ms = self.config.reclaim_idle_ms
        wait = 0.005
        started = time.monotonic()
        finish_keys = [k.conv_order(conv), k.conv_lock(conv), k.events_stream, self.attempts_key]
        try:
            # 1. Wait for our turn in the conversation, then take its lease; the handler's reads
            #    ride along (one round trip).
            while True:

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
                    return False
                if attempts > 0:
                    break
                if self._earlier_waiting(conv, seq):
                    return True
                if time.monotonic() - started > 3 * lease_ms / 1000:
                    started = time.monotonic()
                    await self._skip_gap(conv, seq)
                await asyncio.sleep(wait)
                wait = min(wait * 2, 0.2)

            # 2. Handle it; the lease keeper renews our lease while we work.
            if attempts > self.config.max_attempts:
                log.error("worker.event_parked", entry=entry_id, attempts=attempts - 1)
                self.metrics.events_dead.inc()
                await self._park(entry_id, fields, "too many failures")
            else:
                self._held[entry_id] = (conv, token)
                try:
                    prefetched = read(results[1:]) if read is not None else None
                    await self._handle_with_retries(event, prefetched)
                finally:
                    self._held.pop(entry_id, None)
            await self._finish.run(self.redis, finish_keys, [token, seq, k.events_group, entry_id])
            self.handled += 1
            self.metrics.events_processed.labels(event.kind.value).inc()
            return False
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._release.run(self.redis, [k.conv_lock(conv)], [token]))
            raise
        except Exception as exc:  # the event stays pending and is retried
            self.metrics.events_failed.inc()
            log.warning(
                "worker.event_failed", entry=entry_id, error=type(exc).__name__, exc_info=log_exc()
            )
            with contextlib.suppress(Exception):
                await self._release.run(self.redis, [k.conv_lock(conv)], [token])
            return False

    async def _handle_with_retries(self, event: InboundEvent, prefetched: Any) -> None:
        delays = self.config.retry_delays_s
        for attempt in range(len(delays) + 1):
            try:
                if prefetched is not None and attempt == 0:
                    await self.handler(event, prefetched)  # type: ignore[call-arg]
                else:
                    await self.handler(event)  # a retry reads afresh: the first try wrote
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if attempt == len(delays):
                    raise
                self.metrics.events_failed.inc()
                log.warning("worker.retry", event_id=event.event_id, error=type(exc).__name__)
                await asyncio.sleep(delays[attempt])

    async def _keep_leases(self, stop: asyncio.Event) -> None:
        """Renew the leases of every event this process is handling, in one round trip, and
        reset their entries' idle time so no other worker reclaims them while we work."""
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
                pipe.xclaim(
                    self.keys.events_stream,
                    self.keys.events_group,
                    self.config.consumer,
                    min_idle_time=0,
                    message_ids=known,
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
