"""Shared fixtures: a real Redis server for every test that needs one.

With ``REDIS_URL`` set, tests use that server (CI points it at the machine's Redis); otherwise
one embedded server (the same one `make run` uses) is started for the session. Each test gets
its own key prefix, so suites running at the same time never see each other's keys.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis as redis_sync
import redis.asyncio as aioredis

from bot.store.keys import Keys
from bot.store.redis import EmbeddedRedis, make_client
from tests.harness import RunningApp, make_settings, running_app

ROOT = Path(__file__).resolve().parent.parent

# Loopback stand-in servers must never go through a proxy.
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("REDIS_URL")
    if external:
        yield external
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis-data"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of the test's own; whatever the test (or a server it started) left under
    it is deleted afterwards, so a shared Redis does not fill up run after run."""
    prefix = f"t{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis_sync.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.unlink(key)
    except redis_sync.RedisError:
        pass  # a test that stopped Redis on purpose: nothing to clean
    finally:
        client.close()


@pytest.fixture
def keys(key_prefix: str) -> Keys:
    return Keys(key_prefix)


@pytest.fixture
async def redis(redis_url: str, key_prefix: str) -> AsyncIterator[aioredis.Redis]:
    client = make_client(redis_url)
    try:
        yield client
    finally:
        async for key in client.scan_iter(match=f"{key_prefix}:*", count=500):
            await client.delete(key)
        await client.aclose()


@pytest.fixture
async def chat_app(redis_url: str, key_prefix: str) -> AsyncIterator[RunningApp]:
    """The whole service with the local chat page on: shipped scripts, real screener, the
    console as counselor desk."""
    settings = make_settings(redis_url, key_prefix, BOT_DEV_CHAT=True)
    async with running_app(settings) as running:
        yield running
