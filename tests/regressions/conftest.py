"""Fixtures the LINE regressions share: the stand-in LINE API and the service on it, with the
test dialog (tests.doubles) and no counselor side."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.doubles import make_bundle
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp, make_settings, running_app


@pytest.fixture
async def line() -> AsyncIterator[LineStandIn]:
    async with LineStandIn() as stand_in:
        yield stand_in


@pytest.fixture
async def app(redis_url: str, key_prefix: str, line: LineStandIn) -> AsyncIterator[RunningApp]:
    bundle = make_bundle()
    settings = make_settings(redis_url, key_prefix, line.url)  # dedupe window: 48 h
    async with running_app(settings, bundle=lambda: bundle, with_desk=False) as running:
        yield running
