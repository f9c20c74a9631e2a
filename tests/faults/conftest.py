"""The fault suite (short versions; the measured ones are in bench/): LINE down, slow and
rate-limiting, Redis down, SIGKILL mid-burst, Slack at its real rate. Each test counts what
people and counselors got: answers per event at the stand-in LINE, cards at the stand-in Slack.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.escalation.slack_api import SlackStandIn
from tests.fakes.line_api import LineStandIn


@pytest.fixture
async def line() -> AsyncIterator[LineStandIn]:
    async with LineStandIn() as stand_in:
        yield stand_in


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as server:
        yield server
