"""The worker on its own, against a real Redis, with a scripted handler."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from bot.channels.base import Address, EventKind, InboundEvent
from bot.intake import StreamIntake
from bot.store.keys import Keys
from bot.store.redis import RedisClient
from bot.worker import Worker, WorkerConfig


def event(user: str, n: int) -> InboundEvent:
    now = int(time.time() * 1000)
    return InboundEvent(
        event_id=f"w:{user}:{n}",
        channel="local",
        address=Address("local", user),
        kind=EventKind.TEXT,
        timestamp_ms=now,
        received_ms=now,
        text=str(n),
    )


class ScriptedHandler:
    """Records what it handled; fails an event a given number of times; checks that one
    conversation is never handled twice at once."""

    def __init__(self, failures: dict[str, int] | None = None, delay: float = 0.0) -> None:
        self.failures = dict(failures or {})
        self.delay = delay
        self.handled: dict[str, list[str]] = defaultdict(list)
        self.order: list[str] = []  # event ids, in the order they were handled
        self.active: set[str] = set()
        self.overlaps = 0

    async def __call__(self, ev: InboundEvent) -> None:
        conv = ev.conversation
        if conv in self.active:
            self.overlaps += 1
        self.active.add(conv)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.failures.get(ev.event_id, 0) > 0:
                self.failures[ev.event_id] -= 1
                raise RuntimeError("scripted failure")
            self.handled[conv].append(ev.text or "")
            self.order.append(ev.event_id)
        finally:
            self.active.discard(conv)


async def run_until(worker: Worker, done: Callable[[], bool], timeout: float = 20.0) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await task


def config(**overrides: object) -> WorkerConfig:
    values: dict[str, object] = {
        "consumer": "test-consumer",
        "concurrency": 4,
        "reclaim_idle_ms": 400,
        "block_ms": 50,
        "retry_delays_s": (0.01,),
        "shutdown_grace_s": 2.0,
    }
    values.update(overrides)
    return WorkerConfig(**values)  # type: ignore[arg-type]


async def test_order_per_conversation_and_no_overlap(redis: RedisClient, keys: Keys) -> None:
    intake = StreamIntake(redis, keys, dedupe_ttl_s=86400)
    users = [f"user{i}" for i in range(5)]
    for n in range(10):
        await intake.submit([event(u, n) for u in users])
    handler = ScriptedHandler(delay=0.002)
    worker = Worker(redis, keys, handler, config())
    await run_until(worker, lambda: sum(len(v) for v in handler.handled.values()) == 50)
    for u in users:
        assert handler.handled[Address("local", u).conversation_id()] == [str(n) for n in range(10)]
    assert handler.overlaps == 0


async def test_event_failing_forever_is_parked_and_the_person_goes_on(
    redis: RedisClient, keys: Keys
) -> None:
    intake = StreamIntake(redis, keys, dedupe_ttl_s=86400)
    await intake.submit([event("stuck", 0), event("stuck", 1)])
    handler = ScriptedHandler(failures={"w:stuck:0": 10**6})
    worker = Worker(redis, keys, handler, config(max_attempts=2))
    conv = Address("local", "stuck").conversation_id()
    await run_until(worker, lambda: handler.handled[conv] == ["1"], timeout=30)
    dead = await redis.xrange(worker.dead_stream)
    assert len(dead) == 1
    assert dead[0][1]["why"] == "too many failures"


async def test_one_busy_person_holds_one_slot(redis: RedisClient, keys: Keys) -> None:
    intake = StreamIntake(redis, keys, dedupe_ttl_s=86400)
    await intake.submit([event("busy", n) for n in range(40)])
    await intake.submit([event("quiet", 0)])
    handler = ScriptedHandler(delay=0.05)
    worker = Worker(redis, keys, handler, config(concurrency=2))
    quiet = Address("local", "quiet").conversation_id()
    busy = Address("local", "busy").conversation_id()
    await run_until(worker, lambda: len(handler.handled[quiet]) == 1)
    # the quiet person was answered long before the busy one's 40 events (2 s of work) were done
    assert len(handler.handled[busy]) < 20


class PrefetchRecorder(ScriptedHandler):
    """A handler that reads ahead in the worker's round trip; records what it was given. Each
    try writes to the key it reads, as a turn's first try writes its plan."""

    def __init__(self, redis: RedisClient, key: str, failures: dict[str, int]) -> None:
        super().__init__(failures)
        self.redis = redis
        self.key = key
        self.given: list[object] = []

    def prefetch(self, pipe: RedisClient, ev: InboundEvent) -> Callable[[list[object]], object]:
        pipe.get(self.key)
        pipe.echo(ev.event_id)
        return lambda results: ("read", results[0], results[1])

    async def __call__(self, ev: InboundEvent, prefetched: object = None) -> None:
        self.given.append(prefetched)
        await self.redis.incr(self.key)
        await super().__call__(ev)


async def test_handler_reads_ride_on_the_lease_round_trip_and_retries_read_afresh(
    redis: RedisClient, keys: Keys
) -> None:
    intake = StreamIntake(redis, keys, dedupe_ttl_s=86400)
    await intake.submit([event("pre", 0)])
    handler = PrefetchRecorder(redis, f"{keys.prefix}:tries", failures={"w:pre:0": 1})
    worker = Worker(redis, keys, handler, config())
    conv = Address("local", "pre").conversation_id()
    await run_until(worker, lambda: handler.handled[conv] == ["0"])
    # each try's reads come with its lease; the retry after a failure sees what it wrote
    assert handler.given == [("read", None, "w:pre:0"), ("read", "1", "w:pre:0")]


async def test_scripts_are_loaded_again_after_redis_forgets_them(
    redis: RedisClient, keys: Keys
) -> None:
    """A restarted Redis has an empty script cache: intake and the worker load their scripts
    again instead of failing (NOSCRIPT)."""
    intake = StreamIntake(redis, keys, dedupe_ttl_s=86400)
    await intake.submit([event("flush", 0)])
    await redis.script_flush()
    assert await intake.submit([event("flush", 1)]) == [2]
    await redis.script_flush()
    handler = ScriptedHandler()
    worker = Worker(redis, keys, handler, config())
    conv = Address("local", "flush").conversation_id()
    await run_until(worker, lambda: handler.handled[conv] == ["0", "1"])


async def test_intake_counts_a_persons_messages_once_per_event(
    redis: RedisClient, keys: Keys
) -> None:
    """Flood control's per-minute count is taken at intake: a redelivered event is not counted
    again, nor is an event retried by the worker; follows and system events do not count."""
    intake = StreamIntake(redis, keys, dedupe_ttl_s=86400)
    first, second = event("count", 0), event("count", 1)
    follow = InboundEvent(
        event_id="w:count:follow",
        channel="local",
        address=first.address,
        kind=EventKind.FOLLOW,
        timestamp_ms=first.timestamp_ms,
        received_ms=first.received_ms,
    )
    assert await intake.submit([first, follow, second]) == [1, 2, 3]
    assert await intake.submit([second]) == [0]  # a redelivery
    entries = await redis.xrange(keys.events_stream)
    assert [(f["seq"], f["recent"]) for _, f in entries] == [("1", "1"), ("2", "0"), ("3", "2")]
    assert await redis.ttl(keys.conv_flood(first.conversation, "minute")) in range(1, 61)


def test_an_event_survives_the_stream_whole() -> None:
    full = InboundEvent(
        event_id="e1",
        channel="line",
        address=Address("line", "U1"),
        kind=EventKind.POSTBACK,
        timestamp_ms=1,
        received_ms=2,
        text="t",
        postback="p",
        reply_token="r",
        media_type="m",
        redelivery=True,
        meta={"case_id": "c"},
        seq=7,
        recent=3,
    )
    assert InboundEvent.from_json(full.to_json(), seq=7, recent=3) == full


async def test_names_of_processes_that_are_gone_are_pruned_from_the_group(
    redis: RedisClient, keys: Keys
) -> None:
    """Every process start adds a consumer name; a name with nothing pending and unseen for
    long is removed, one with pending entries (to be reclaimed) is kept."""
    intake = StreamIntake(redis, keys, dedupe_ttl_s=86400)
    worker = Worker(redis, keys, ScriptedHandler(), config(prune_idle_ms=150))
    await worker.ensure_group()
    await intake.submit([event("gone", 0), event("gone", 1), event("gone", 2)])
    stream, group = keys.events_stream, keys.events_group
    # "old-idle" read and finished its entry; "old-busy" died holding one.
    entries = await redis.xreadgroup(group, "old-idle", {stream: ">"}, count=1)
    await redis.xack(stream, group, entries[0][1][0][0])
    await redis.xreadgroup(group, "old-busy", {stream: ">"}, count=1)
    await redis.xreadgroup(group, "test-consumer", {stream: ">"}, count=1)  # this process
    assert await worker.prune_consumers() == []  # nobody has been idle long enough yet
    await asyncio.sleep(0.3)
    assert await worker.prune_consumers() == ["old-idle"]
    names = {c["name"] for c in await redis.xinfo_consumers(stream, group)}
    assert names == {"old-busy", "test-consumer"}


async def test_a_dead_workers_backlog_is_reclaimed_in_bulk(redis: RedisClient, keys: Keys) -> None:
    """A worker died holding 300 events: one reclaim takes them all back (in batches, as far as
    the read-ahead goes), not one per free slot per reclaim interval (before: about one every
    15 s), and they are handled in order per person."""
    intake = StreamIntake(redis, keys, dedupe_ttl_s=86400)
    users = [f"bulk{i}" for i in range(30)]
    for n in range(10):
        await intake.submit([event(u, n) for u in users])
    worker = Worker(redis, keys, ScriptedHandler(), config(reclaim_idle_ms=200, readahead=512))
    await worker.ensure_group()
    stream, group = keys.events_stream, keys.events_group
    await redis.xreadgroup(group, "dead-worker", {stream: ">"}, count=300)
    await asyncio.sleep(0.25)
    handler = worker.handler
    assert isinstance(handler, ScriptedHandler)
    assert await worker._reclaim() == 300
    await run_until(worker, lambda: sum(len(v) for v in handler.handled.values()) == 300)
    for u in users:
        assert handler.handled[Address("local", u).conversation_id()] == [str(n) for n in range(10)]


async def test_a_conversation_waiting_for_its_predecessor_holds_no_slot(
    redis: RedisClient, keys: Keys
) -> None:
    """One slot only. A person's second event is here, their first is with a worker that died
    (taken back after 400 ms): ten other people are answered meanwhile, not after it."""
    intake = StreamIntake(redis, keys, dedupe_ttl_s=86400)
    await intake.submit([event("waits", 0)])
    worker = Worker(redis, keys, ScriptedHandler(delay=0.01), config(concurrency=1))
    await worker.ensure_group()
    await redis.xreadgroup(keys.events_group, "dead-worker", {keys.events_stream: ">"}, count=1)
    await intake.submit([event("waits", 1)])
    await intake.submit([event(f"other{i}", 0) for i in range(10)])
    handler = worker.handler
    assert isinstance(handler, ScriptedHandler)
    waits = Address("local", "waits").conversation_id()
    await run_until(worker, lambda: len(handler.order) == 12)
    assert handler.handled[waits] == ["0", "1"]
    # after all ten others, which did not wait for it
    assert handler.order.index("w:waits:0") == 10, handler.order


class UrgentHandler(ScriptedHandler):
    def urgent(self, event_json: str) -> bool:
        return "死にたい" in event_json


async def test_under_a_backlog_a_crisis_goes_first(redis: RedisClient, keys: Keys) -> None:
    intake = StreamIntake(redis, keys, dedupe_ttl_s=86400)
    await intake.submit([event(f"calm{i}", 0) for i in range(30)])
    crisis = replace(event("crisis", 0), event_id="w:crisis", text="もう死にたい")
    await intake.submit([crisis])
    handler = UrgentHandler(delay=0.02)
    worker = Worker(redis, keys, handler, config(concurrency=1))
    await run_until(worker, lambda: len(handler.order) == 31)
    # behind at most the one already running when it was read
    assert handler.order.index("w:crisis") <= 1, handler.order
