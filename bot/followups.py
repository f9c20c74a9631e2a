"""Follow-ups the person agreed to (その後いかがですか): due times in a Redis sorted set.

When one falls due it becomes a SYSTEM `followup_due` event on the person's stream, so the
dialog answers it in order with everything else and delivery is exactly once. Unfollowing
(blocking the account) or asking to stop cancels them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import structlog
from redis.exceptions import RedisError

from bot.channels.base import Address, EventKind, InboundEvent
from bot.store.keys import Keys
from bot.store.redis import RedisClient
from bot.turn import Intake

log = structlog.get_logger(__name__)

# Take up to ARGV[2] members due by ARGV[1], removing them so only one worker fires each.
_POP_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1],
                      'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #due, 2 do redis.call('ZREM', KEYS[1], due[i]) end
return due
"""


class Followups:
    def __init__(self, redis: RedisClient, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self._pop = redis.register_script(_POP_DUE)

    async def schedule(self, conv: str, due_ms: int) -> None:
        await self.redis.zadd(self.keys.followups, {conv: due_ms})

    async def cancel(self, conv: str) -> None:
        await self.redis.zrem(self.keys.followups, conv)

    async def due_at(self, conv: str) -> int | None:
        score = await self.redis.zscore(self.keys.followups, conv)
        return int(score) if score is not None else None

    async def fire_due(self, intake: Intake, now_ms: int | None = None, limit: int = 100) -> int:
        now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        due = await self._pop(keys=[self.keys.followups], args=[now_ms, limit])
        events: list[InboundEvent] = []
        for conv, score in zip(due[::2], due[1::2], strict=True):
            raw = await self.redis.hget(self.keys.conv_profile(conv), "address")
            if not raw:
                continue  # the person's data was deleted in the meantime
            address = Address(**json.loads(raw))
            events.append(
                InboundEvent(
                    event_id=f"followup:{conv}:{int(float(score))}",
                    channel=address.channel,
                    address=address,
                    kind=EventKind.SYSTEM,
                    text="followup_due",
                    timestamp_ms=now_ms,
                    received_ms=now_ms,
                )
            )
        if events:
            await intake.submit(events)
            log.info("followups.fired", count=len(events))
        return len(events)

    async def run(self, intake: Intake, stop: asyncio.Event, interval_s: float = 30.0) -> None:
        while not stop.is_set():
            try:
                await self.fire_due(intake)
            except (RedisError, OSError) as exc:
                log.warning("followups.store_unavailable", error=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)
