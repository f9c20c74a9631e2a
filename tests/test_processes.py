"""Real `python -m bot serve` processes: SIGKILL mid-event, and two processes on one Redis."""

from __future__ import annotations

import asyncio
import collections
import json
from collections.abc import AsyncIterator

import pytest

from tests.fakes.line_api import LineStandIn
from tests.harness import (
    ACCESS_TOKEN,
    ROOT,
    SECRET,
    ServeProcess,
    body_of,
    follow_event,
    text_event,
)

pytestmark = pytest.mark.slow


@pytest.fixture
async def line() -> AsyncIterator[LineStandIn]:
    async with LineStandIn() as stand_in:
        yield stand_in


def serve_env(redis_url: str, key_prefix: str, line_url: str, **extra: str) -> dict[str, str]:
    return {
        "REDIS_URL": redis_url,
        "BOT_KEY_PREFIX": key_prefix,
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "LINE_API_BASE_URL": line_url,
        "BOT_CONFIG_DIR": str(ROOT / "config"),
        "DIALOGS_DIR": str(ROOT / "dialogs"),
        "BOT_RECLAIM_IDLE_MS": "1500",
        "BOT_LINE_TIMEOUT_S": "3",
        "BOT_SHUTDOWN_GRACE_S": "3",
        "BOT_RELOAD_INTERVAL_S": "0",
        "BOT_LOG_LEVEL": "info",
        "BOT_SLACK_POST_INTERVAL_S": "0.02",
        **extra,
    }


def texts_by_token(line: LineStandIn) -> dict[str, list[str]]:
    out: dict[str, list[str]] = collections.defaultdict(list)
    for sent in line.sent:
        out[sent.reply_token or f"push:{sent.to}"].extend(sent.texts)
    return out


@pytest.mark.parametrize(
    "accepted_before_kill", [False, True], ids=["lost-in-flight", "accepted-then-killed"]
)
async def test_worker_killed_mid_event_is_reclaimed_and_answered_once(
    redis_url: str, key_prefix: str, line: LineStandIn, accepted_before_kill: bool
) -> None:
    env = serve_env(redis_url, key_prefix, line.url)
    first = ServeProcess(env)
    await first.start()
    try:
        # LINE "receives" the answer but the process dies before it hears back.
        hold = line.hold(lambda texts: True, accept_first=accepted_before_kill, limit=1)
        event = follow_event("Ukilled")
        response = await first.post_line(body_of(event))
        assert response.status_code == 200
        await line.wait_for(lambda s: hold.held == 1, timeout=20)
        first.kill()
    finally:
        first.kill()
    second = ServeProcess(env)
    await second.start()
    try:
        await line.wait_for(lambda s: len(s.sent) >= 1, timeout=30)
        await asyncio.sleep(3)  # room for a wrong second answer to show up
        all_texts = [t for s in line.sent for t in s.texts]
        assert all_texts, "the greeting never arrived"
        assert len(all_texts) == len(set(all_texts)), f"something was sent twice: {all_texts}"
        assert "つながり" in all_texts[0]
    finally:
        second.terminate()


async def test_two_serve_processes_share_one_redis(
    redis_url: str, key_prefix: str, line: LineStandIn
) -> None:
    env = serve_env(redis_url, key_prefix, line.url, BOT_REPLY_TOKEN_TTL_S="600")
    a, b = ServeProcess(env), ServeProcess(env)
    await asyncio.gather(a.start(), b.start())
    try:
        users = [f"Ushared{i}" for i in range(6)]
        sent_events: dict[str, list[dict[str, object]]] = {u: [] for u in users}
        for round_ in range(5):
            for i, user in enumerate(users):
                event = text_event(user, f"{user}のメッセージ{round_}")
                sent_events[user].append(event)
                target = a if (i + round_) % 2 == 0 else b
                response = await target.post_line(body_of(event))
                assert response.status_code == 200
        tokens = {str(e["replyToken"]) for evs in sent_events.values() for e in evs}
        await line.wait_for(lambda s: tokens <= s.used_tokens, timeout=60)
        await asyncio.sleep(1.0)
        # Each event answered exactly once (a reply token works once; no pushes were needed).
        replies = [s for s in line.sent if s.kind == "reply"]
        assert sorted(s.reply_token for s in replies) == sorted(tokens)  # type: ignore[type-var]
        assert [s for s in line.sent if s.kind == "push"] == []
        # One person's events were handled in order: their transcript is in sending order.
        from bot.channels.base import Address
        from bot.store.keys import Keys
        from bot.store.redis import make_client

        client = make_client(redis_url)
        try:
            keys = Keys(key_prefix)
            for user in users:
                conv = Address("line", user).conversation_id()
                raw = await client.lrange(keys.conv_transcript(conv), 0, -1)
                person = [json.loads(r)["text"] for r in raw if json.loads(r)["role"] == "person"]
                assert person == [f"{user}のメッセージ{r}" for r in range(5)]
        finally:
            await client.aclose()
    finally:
        a.terminate()
        b.terminate()


async def test_sigterm_drains_and_exits_cleanly(
    redis_url: str, key_prefix: str, line: LineStandIn
) -> None:
    proc = ServeProcess(serve_env(redis_url, key_prefix, line.url))
    await proc.start()
    response = await proc.post_line(body_of(text_event("Udrain", "こんにちは")))
    assert response.status_code == 200
    await line.wait_sent(1, timeout=20)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status reports it.
    assert proc.terminate() in (0, -15)
    assert "service.stopped" in proc.log()
