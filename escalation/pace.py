"""Slack's posting rate, kept by every process together: about one `chat.postMessage` per
second per channel (beyond it Slack answers 429), and the most urgent post goes first.

One Lua script per post decides, atomically in Redis: the channel's pace is the theoretical
arrival time of its next post (GCRA: `interval` apart, `burst` at once), and while posts wait
for it they queue by rank (imminent first, then flagged, high, the rest) and then by how long
they have waited. A post that is not imminent waits `grace_s` (0.2 s, at most the interval) after it was made before
it may take an idle channel: cases that open together (a burst) are then all in line when the
first post goes, and an imminent one is not left behind a calm one that happened to be a few
milliseconds earlier. A post is allowed only when the pace allows one and no better one waits; the
others are told how long to rest (their outbox lane is not held meanwhile). A waiter that stops
asking (its process died) is forgotten after `stale_s`. A 429 from Slack holds the channel for
its `Retry-After`, for every process.
"""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from bot.store.keys import Keys

_TAKE = """
local now, interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local lane, rank, stale = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local span = 1e13  -- ranks apart in the waiting line's scores (more than any time in ms)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - stale)) do
  redis.call('ZREM', KEYS[2], gone)
  redis.call('ZREM', KEYS[3], gone)
end
local mine = redis.call('ZSCORE', KEYS[2], lane)
local since = now
if mine then since = tonumber(mine) % span end
local score = rank * span + since
local ahead = redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. string.format('%.0f', score))
local tat = tonumber(redis.call('HGET', KEYS[1], 'tat') or '0')
local free_at = tat - (burst - 1) * interval
if rank > 0 then
  -- not before `grace` after it was created: an imminent post made at the same moment
  -- (cases opening together) goes first
  free_at = math.max(free_at, tonumber(ARGV[7]) + tonumber(ARGV[8]))
end
if ahead == 0 and now >= free_at then
  redis.call('HSET', KEYS[1], 'tat', math.max(tat, now) + interval)
  redis.call('PEXPIRE', KEYS[1], math.floor(interval * burst) + 600000)
  redis.call('ZREM', KEYS[2], lane)
  redis.call('ZREM', KEYS[3], lane)
  return 0
end
redis.call('ZADD', KEYS[2], score, lane)
redis.call('ZADD', KEYS[3], now, lane)
redis.call('PEXPIRE', KEYS[2], 600000)
redis.call('PEXPIRE', KEYS[3], 600000)
return math.max(1, math.ceil(math.max(free_at - now, 0) + ahead * interval))
"""

_HOLD = """
local tat = tonumber(redis.call('HGET', KEYS[1], 'tat') or '0')
local until_ms = tonumber(ARGV[1])
if until_ms > tat then
  redis.call('HSET', KEYS[1], 'tat', until_ms)
  redis.call('PEXPIRE', KEYS[1], math.floor(until_ms - tonumber(ARGV[2])) + 600000)
end
return 1
"""


class ChannelPace:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        interval_s: float,
        burst: int = 1,
        stale_s: float = 5.0,
        max_rest_s: float = 2.0,
        grace_s: float = 0.2,
    ) -> None:
        self.keys = keys
        self.interval_ms = interval_s * 1000
        self.grace_ms = int(grace_s * 1000)
        self.burst = max(1, burst)
        self.stale_ms = int(stale_s * 1000)
        self.max_rest_s = max_rest_s  # a waiter asks again at least this often (stays seen)
        self._take = redis.register_script(_TAKE)
        self._hold = redis.register_script(_HOLD)

    def _keys(self, channel: str) -> list[str]:
        return [self.keys.slack_pace(channel, part) for part in ("tat", "waiting", "seen")]

    async def take(self, channel: str, lane: str, rank: int, created_ms: int = 0) -> float:
        """0 when `lane` may post to `channel` now (the post is counted); otherwise the seconds
        to rest before asking again. A post other than an imminent one (`rank` > 0) goes no
        sooner than `grace_s` after it was created (`created_ms`)."""
        now = int(time.time() * 1000)
        wait_ms = await self._take(
            keys=self._keys(channel),
            args=[
                now,
                self.interval_ms,
                self.burst,
                lane,
                rank,
                self.stale_ms,
                created_ms,
                self.grace_ms,
            ],
        )
        wait = int(wait_ms) / 1000
        return min(wait, self.max_rest_s) if wait > 0 else 0.0

    async def hold(self, channel: str, seconds: float) -> None:
        """Slack said 429: nobody posts to `channel` for `seconds`."""
        now = int(time.time() * 1000)
        await self._hold(keys=self._keys(channel)[:1], args=[now + int(seconds * 1000), now])
