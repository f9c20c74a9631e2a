"""Regression: signed LINE bodies with a NaN timestamp (`int(nan)` raised) or nested deeper
than the JSON decoder's recursion limit (`RecursionError` is not a `ValueError`) answered 500,
9 of 27 in the fault campaign. Now: not-JSON constants and deep nesting are a 400, and a
timestamp that is not a whole number of milliseconds refuses the event (200, nothing sent)."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp, text_event


def with_timestamp(literal: str) -> bytes:
    """A real text event whose timestamp is `literal`, written into the JSON as it is."""
    event = text_event("Unan", "もう死にたい", timestamp="@TS@")
    return (
        json.dumps({"destination": "Ubot", "events": [event]}).replace('"@TS@"', literal).encode()
    )


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_not_json_constants_are_a_400(app: RunningApp, literal: str) -> None:
    response = await app.post_line(with_timestamp(literal))
    assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "literal", ["1e400", "1.5e12", '"1700000000000"', "true", "-5", "0", "null", "[1]", "9" * 5000]
)
async def test_timestamps_no_line_event_has_refuse_the_event(
    app: RunningApp, line: LineStandIn, literal: str
) -> None:
    response = await app.post_line(with_timestamp(literal))
    assert 200 <= response.status_code < 500, response.text
    await app.idle()
    await asyncio.sleep(0.1)
    assert line.sent == []


@pytest.mark.parametrize("depth", [40, 900, 5000])
async def test_deep_nesting_is_a_400(app: RunningApp, line: LineStandIn, depth: int) -> None:
    event = text_event("Udeep", "こんにちは")
    body = json.dumps({"destination": "Ubot", "events": [event]})
    body = body[:-2] + ', "x": ' + "[" * depth + "]" * depth + "}]}"
    response = await app.post_line(body.encode())
    assert response.status_code == 400, response.text
    await asyncio.sleep(0.1)
    assert line.sent == []


async def test_real_payloads_are_well_within_the_bound(app: RunningApp, line: LineStandIn) -> None:
    mention = {"mentionees": [{"index": 0, "length": 4, "type": "user", "userId": "U1"}]}
    event = text_event("Ushallow", "こんにちは")
    event["message"]["mention"] = mention
    body = json.dumps({"destination": "Ubot", "events": [event]}).encode()
    assert (await app.post_line(body)).status_code == 200
    await line.wait_sent(1)
