"""Intake: deduplicate events and append them to the Redis Stream, in one round trip.

One Lua script per event does four things atomically: remember the event id (so a redelivery
is dropped), hand out the conversation's next sequence number (so workers can keep one
person's events in order), count the person's messages in the current minute (flood control:
counted once per event, however often it is retried later), and append the event to the
stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.channels.base import EventKind, InboundEvent
from bot.store.keys import Keys
from bot.store.redis import Lua, RedisClient, run_pipeline

_SUBMIT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) == false then
  return 0
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
local recent = 0
if ARGV[5] == '1' then
  recent = redis.call('INCR', KEYS[4])
  if recent == 1 then redis.call('EXPIRE', KEYS[4], 60) end
end
redis.call('XADD', KEYS[3], '*', 'conv', ARGV[2], 'seq', seq, 'recent', recent, 'event', ARGV[3])
return seq
"""

# What a person sends (as opposed to what happens around them) counts towards flood control.
COUNTED = frozenset({EventKind.TEXT, EventKind.POSTBACK, EventKind.MEDIA})

ORDER_TTL_S = 400 * 86400  # a conversation's ordering counters outlive any pending event


class StreamIntake:
    """Accepts events onto the ordered per-conversation stream (the `Intake` seam)."""

    def __init__(self, redis: RedisClient, keys: Keys, *, dedupe_ttl_s: int) -> None:
        self.redis = redis
        self.keys = keys
        self.dedupe_ttl_s = dedupe_ttl_s
        self._script = Lua(_SUBMIT)

    async def submit(self, events: Sequence[InboundEvent]) -> list[int]:
        """Returns each event's sequence number, 0 for a duplicate."""
        if not events:
            return []
        k = self.keys

        def args(event: InboundEvent) -> tuple[list[str], list[Any]]:
            conv = event.conversation
            keys = [
                k.dedupe(event.event_id),
                k.conv_order(conv),
                k.events_stream,
                k.conv_flood(conv, "minute"),
            ]
            counted = "1" if event.kind in COUNTED else "0"
            return keys, [self.dedupe_ttl_s, conv, event.to_json(), ORDER_TTL_S, counted]

        if len(events) == 1:  # the usual webhook: one event, no pipeline needed
            return [int(await self._script.run(self.redis, *args(events[0])))]

        def build(pipe: RedisClient) -> None:
            for event in events:
                self._script.stage(pipe, *args(event))

        results, _ = await run_pipeline(self.redis, build, [self._script])
        return [int(r) for r in results]
