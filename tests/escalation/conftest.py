"""Fixtures of the escalation tests: the stand-in Slack API and a running counselor side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.store.keys import Keys
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import Desk, running_desk, write_config


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as server:
        yield server


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config")


@pytest.fixture
async def desk(
    redis: aioredis.Redis, redis_url: str, keys: Keys, config_dir: Path, slack: SlackStandIn
) -> AsyncIterator[Desk]:
    async with running_desk(redis, redis_url, keys, config_dir, slack) as d:
        yield d
