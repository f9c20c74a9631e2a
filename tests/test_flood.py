"""Flood: one person sending hundreds of messages a minute is throttled without dropping a
crisis signal or slowing anyone else."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tests.doubles import EchoDialog, make_bundle
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp, body_of, make_settings, running_app, text_event


@pytest.fixture
async def line() -> AsyncIterator[LineStandIn]:
    async with LineStandIn() as stand_in:
        yield stand_in


@pytest.fixture
async def app(redis_url: str, key_prefix: str, line: LineStandIn) -> AsyncIterator[RunningApp]:
    bundle = make_bundle(EchoDialog())
    settings = make_settings(
        redis_url, key_prefix, line.url, BOT_REPLY_TOKEN_TTL_S=600, BOT_WORKERS=4
    )
    async with running_app(settings, bundle=lambda: bundle, with_desk=False) as running:
        yield running


async def test_flood_is_throttled_crisis_still_answered_others_not_slowed(
    app: RunningApp, line: LineStandIn
) -> None:
    line.reply_delay_s = 0.2  # every answer takes LINE a moment: the flood takes seconds
    flood = [text_event("Uflood", f"メッセージ{i}") for i in range(120)]
    flood[70] = text_event("Uflood", "もう死にたい")
    for i in range(0, 120, 10):
        assert (await app.post_line(body_of(*flood[i : i + 10]))).status_code == 200

    sent_at = time.monotonic()
    other = text_event("Uother", "こんにちは")
    assert (await app.post_line(body_of(other))).status_code == 200
    await line.wait_for(lambda s: other["replyToken"] in s.used_tokens, timeout=10)
    other_latency = time.monotonic() - sent_at
    flood_answered = sum(
        1
        for s in line.sent
        if s.reply_token
        and s.reply_token.startswith("rt-")
        and s.reply_token != other["replyToken"]
    )
    assert other_latency < 2.0, other_latency
    assert flood_answered < 21, "the other person waited for the whole flood"

    await app.idle(timeout=60)
    await asyncio.sleep(0.3)
    flood_tokens = {str(e["replyToken"]) for e in flood}
    flood_sent = [s for s in line.sent if s.reply_token in flood_tokens or s.to == "Uflood"]
    texts = [t for s in flood_sent for t in s.texts]
    # 20 answers, one gentle notice, and the crisis answer with the hotline: nothing more.
    echoes = [t for t in texts if t.startswith("echo:") and "死にたい" not in t]
    assert len(echoes) == 20
    assert any(t.startswith("echo:もう死にたい") for t in texts)  # the crisis turn ran the dialog
    assert sum("ゆっくり" in t for t in texts) == 1
    crisis = [t for t in texts if "0120-279-338" in t and "ゆっくり" not in t]
    assert len(crisis) == 1
    # Everything was still screened and kept: the transcript has all 120 messages.
    from bot.channels.base import Address

    conv = Address("line", "Uflood").conversation_id()
    raw = await app.services.redis.lrange(app.services.keys.conv_transcript(conv), 0, -1)
    person = [r for r in raw if '"role":"person"' in r]
    assert len(person) == 120
