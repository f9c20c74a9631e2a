"""`AtomicWrites`: a turn's writes applied in one Lua call, against a real Redis."""

from __future__ import annotations

import pytest
from redis.exceptions import ResponseError

from bot.store.keys import Keys
from bot.store.redis import AtomicWrites, RedisClient


async def test_writes_land_together_with_their_ttls(redis: RedisClient, keys: Keys) -> None:
    base = keys.conv_state("atomic")
    writes = AtomicWrites()
    writes.rpush(base + ":list", "一", '二 "quoted" \\ 😀', "三")
    writes.ltrim(base + ":list", -2, -1)
    writes.expire(base + ":list", 100)
    writes.set(base + ":value", '{"json": "値"}', ex=50)
    writes.set(base + ":plain", "0")
    writes.hset(base + ":hash", {"a": "1", "改行": "x\ny\t"})
    writes.hset(base + ":empty", {})
    await writes.apply(redis)
    assert await redis.lrange(base + ":list", 0, -1) == ['二 "quoted" \\ 😀', "三"]
    assert 90 <= await redis.ttl(base + ":list") <= 100
    assert await redis.get(base + ":value") == '{"json": "値"}'
    assert 40 <= await redis.ttl(base + ":value") <= 50
    assert await redis.get(base + ":plain") == "0"
    assert await redis.ttl(base + ":plain") == -1
    assert await redis.hgetall(base + ":hash") == {"a": "1", "改行": "x\ny\t"}
    assert not await redis.exists(base + ":empty")


async def test_a_failing_write_fails_the_call_and_scripts_come_back_after_a_flush(
    redis: RedisClient, keys: Keys
) -> None:
    key = keys.conv_state("atomic-fail")
    await redis.set(key, "a string")
    writes = AtomicWrites()
    writes.rpush(key, "not a list")
    with pytest.raises(ResponseError):
        await writes.apply(redis)
    await redis.script_flush()
    ok = AtomicWrites()
    ok.set(key, "replaced")
    await ok.apply(redis)
    assert await redis.get(key) == "replaced"
