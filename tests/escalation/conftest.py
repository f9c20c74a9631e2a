"""Fixtures of the escalation tests: the stand-in Slack API and a running counselor side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.store.keys import Keys
from tests.escalation.live import line_and_slack
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import Desk, running_desk, write_config
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp


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


@pytest.fixture
async def line() -> AsyncIterator[LineStandIn]:
    async with LineStandIn() as stand_in:
        yield stand_in


@pytest.fixture
async def app(
    redis_url: str, key_prefix: str, line: LineStandIn, slack: SlackStandIn
) -> AsyncIterator[RunningApp]:
    """The whole service with LINE and Slack (stand-ins), the shipped admin files."""
    async with line_and_slack(redis_url, key_prefix, line, slack) as running:
        yield running
