"""The recovery run the fault test and the benchmark share: post a burst's events, and after a
kill, restart, write as a new person in crisis, and time the answer and the backlog."""

from __future__ import annotations

import asyncio
import time
from typing import NamedTuple

import httpx

from tests.fakes.line_api import LineStandIn
from tests.harness import ServeProcess, body_of, sign, text_event


async def post_all(url: str, events: list[dict[str, object]], parallel: int = 8) -> None:
    limit = asyncio.Semaphore(parallel)
    async with httpx.AsyncClient(trust_env=False, timeout=10) as http:

        async def post(event: dict[str, object]) -> None:
            body = body_of(event)
            async with limit:
                response = await http.post(
                    url + "/webhooks/line",
                    content=body,
                    headers={"Content-Type": "application/json", "X-Line-Signature": sign(body)},
                )
            assert response.status_code == 200, response.text

        await asyncio.gather(*(post(e) for e in events))


class Restart(NamedTuple):
    ready: float  # time.monotonic() when the restarted service answered /readyz
    crisis: dict[str, object]  # the new person's event
    answered_s: float  # from posting it to its answer
    drained_s: float  # from ready to the whole backlog answered


async def restart_and_time(
    env: dict[str, str],
    line: LineStandIn,
    backlog: set[str],
    crisis_user: str,
    *,
    answer_timeout: float,
    drain_timeout: float,
) -> Restart:
    """Start the service again, send 「もう死にたい」 from a new person, wait for its answer and
    for every reply token of ``backlog``, leave a second for a wrong extra answer, stop."""
    second = ServeProcess(env)
    await second.start()
    ready = time.monotonic()
    crisis = text_event(crisis_user, "もう死にたい")
    await post_all(second.url, [crisis])
    posted = time.monotonic()
    await line.wait_for(lambda s: crisis["replyToken"] in s.used_tokens, timeout=answer_timeout)
    answered_s = time.monotonic() - posted
    await line.wait_for(lambda s: backlog <= s.used_tokens, timeout=drain_timeout)
    drained_s = time.monotonic() - ready
    await asyncio.sleep(1.0)  # room for a wrong second answer
    second.terminate()
    return Restart(ready, crisis, answered_s, drained_s)
