"""Intake: deduplicate events and append them to the Redis Stream, in one round trip.

One Lua script per event does three things atomically: remember the event id (so a redelivery
is dropped), hand out the conversation's next sequence number (so workers can keep one
person's events in order), and append the event to the stream.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.channels.base import InboundEvent
from bot.store.keys import Keys
from bot.store.redis import RedisClient

_SUBMIT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) == false then
  return 0
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
redis.call('XADD', KEYS[3], '*', 'conv', ARGV[2], 'seq', seq, 'event', ARGV[3])
return seq
"""

ORDER_TTL_S = 400 * 86400  # a conversation's ordering counters outlive any pending event


class StreamIntake:
    """Accepts events onto the ordered per-conversation stream (the `Intake` seam)."""

    def __init__(self, redis: RedisClient, keys: Keys, *, dedupe_ttl_s: int) -> None:
        self.redis = redis
        self.keys = keys
        self.dedupe_ttl_s = dedupe_ttl_s
        self._script = redis.register_script(_SUBMIT)

    async def submit(self, events: Sequence[InboundEvent]) -> list[int]:
        if not events:
            return []
        k = self.keys
        async with self.redis.pipeline(transaction=False) as pipe:
            for event in events:
                conv = event.conversation
                await self._script(
                    keys=[k.dedupe(event.event_id), k.conv_order(conv), k.events_stream],
                    args=[self.dedupe_ttl_s, conv, event.to_json(), ORDER_TTL_S],
                    client=pipe,
                )
            results = await pipe.execute()
        return [int(r) for r in results]
