"""The worker on its own, against a real Redis, with a scripted handler."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

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
        finally:
            self.active.discard(conv)


async def run_until(worker: Worker, done: callable, timeout: float = 20.0) -> None:  # type: ignore[valid-type]
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
