"""Regression: a person's event that failed its in-process retries was reclaimed by the same
worker and queued *behind* that person's next event, which was waiting for it: the person was
stuck forever. The worker now keeps each conversation's local queue ordered by sequence number
and lets a waiting event step aside for an earlier one."""

from __future__ import annotations

from bot.channels.base import Address
from bot.intake import StreamIntake
from bot.store.keys import Keys
from bot.store.redis import RedisClient
from bot.worker import Worker
from tests.test_worker import ScriptedHandler, config, event, run_until


async def test_reclaimed_event_runs_before_its_waiting_successor(
    redis: RedisClient, keys: Keys
) -> None:
    """Event 0 fails every in-process retry; event 1 is already read. After the reclaim the
    same worker must run 0 before 1, not leave 1 waiting forever for 0."""
    intake = StreamIntake(redis, keys, dedupe_ttl_s=86400)
    await intake.submit([event("solo", 0), event("solo", 1), event("solo", 2)])
    handler = ScriptedHandler(failures={"w:solo:0": 2})  # first attempt + its one retry fail
    worker = Worker(redis, keys, handler, config())
    conv = Address("local", "solo").conversation_id()
    await run_until(worker, lambda: len(handler.handled[conv]) == 3)
    assert handler.handled[conv] == ["0", "1", "2"]
