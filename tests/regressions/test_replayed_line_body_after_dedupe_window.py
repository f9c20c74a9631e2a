"""Regression: a captured, signed LINE body replayed after 48 h was processed again: the event
id had left the dedupe window and the event's own timestamp was not checked. Now an event older
than the dedupe window (or from the future, which would outlive it) is refused."""

from __future__ import annotations

import asyncio
import time

from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp, body_of, text_event

HOUR_MS = 3600 * 1000


def refused(app: RunningApp, reason: str) -> float:
    metric = app.services.metrics.events_refused.labels("line", reason)
    return float(metric._value.get())


async def test_body_captured_49_hours_ago_is_refused(app: RunningApp, line: LineStandIn) -> None:
    now = int(time.time() * 1000)
    captured = text_event("Ureplay", "もう死にたい", timestamp=now - 49 * HOUR_MS)
    response = await app.post_line(body_of(captured))
    assert response.status_code == 200  # a 4xx/5xx would only make LINE send it again
    await app.idle()
    await asyncio.sleep(0.2)
    assert line.sent == []
    assert refused(app, "stale") == 1


async def test_event_from_the_future_is_refused(app: RunningApp, line: LineStandIn) -> None:
    future = text_event("Ufuture", "こんにちは", timestamp=int(time.time() * 1000) + HOUR_MS)
    assert (await app.post_line(body_of(future))).status_code == 200
    await app.idle()
    await asyncio.sleep(0.2)
    assert line.sent == [] and refused(app, "future") == 1


async def test_late_event_inside_the_window_is_still_answered_once(
    app: RunningApp, line: LineStandIn
) -> None:
    late = text_event("Ulate", "遅れて届いた", timestamp=int(time.time() * 1000) - 47 * HOUR_MS)
    body = body_of(late)
    assert (await app.post_line(body)).status_code == 200
    assert (await app.post_line(body)).status_code == 200  # the redelivery is a duplicate
    sent = await line.wait_sent(1)
    await app.idle()
    await asyncio.sleep(0.2)
    assert len(line.sent) == 1 and sent[0].kind == "push"  # its reply token is long stale
    assert refused(app, "stale") == 0
