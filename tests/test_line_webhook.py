"""LINE intake end to end: the real app on loopback, really signed webhooks, a stand-in LINE API.

The dialog and screener here are the seam doubles of tests/doubles.py, so these tests pin the
pipeline's own guarantees; the shipped scripts are walked in tests/dialog and tests/test_e2e_*.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.doubles import EchoDialog, make_bundle
from tests.fakes.line_api import LineStandIn
from tests.harness import (
    RunningApp,
    base_event,
    body_of,
    follow_event,
    make_settings,
    running_app,
    sign,
    text_event,
)

SAMPLE = Path(__file__).resolve().parent / "data" / "line_webhook_sample.json"


def sample_events_now() -> dict[str, Any]:
    """The SDK's sample payload with its events stamped now (its own timestamps are from 2016,
    far older than the dedupe window, so the webhook would refuse them as replays)."""
    raw: dict[str, Any] = json.loads(SAMPLE.read_text())
    now = int(time.time() * 1000)
    for event in raw["events"]:
        event["timestamp"] = now
    return raw


@pytest.fixture
async def line() -> AsyncIterator[LineStandIn]:
    async with LineStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def dialog() -> EchoDialog:
    return EchoDialog()


@pytest.fixture
async def app(
    redis_url: str, key_prefix: str, line: LineStandIn, dialog: EchoDialog
) -> AsyncIterator[RunningApp]:
    bundle = make_bundle(dialog)
    settings = make_settings(redis_url, key_prefix, line.url)
    async with running_app(settings, bundle=lambda: bundle, with_desk=False) as running:
        yield running


async def test_empty_events_verification_gets_200_and_sends_nothing(
    app: RunningApp, line: LineStandIn
) -> None:
    response = await app.post_line(body_of())
    assert response.status_code == 200
    await asyncio.sleep(0.2)
    assert line.sent == []


async def test_forged_signature_is_rejected_and_nothing_is_processed(
    app: RunningApp, line: LineStandIn
) -> None:
    body = body_of(text_event("Uforged", "こんにちは"))
    response = await app.post_line(body, signature=sign(body, "not-the-secret"))
    assert response.status_code == 401
    missing = await app.http.post(
        "/webhooks/line", content=body, headers={"Content-Type": "application/json"}
    )
    assert missing.status_code in (400, 401)
    await asyncio.sleep(0.3)
    assert line.sent == []
    assert await app.services.redis.xlen(app.services.keys.events_stream) == 0


async def test_follow_gets_greeting_by_reply(app: RunningApp, line: LineStandIn) -> None:
    event = follow_event("Ufollow")
    await app.send(event)
    sent = await line.wait_sent(1)
    assert sent[0].kind == "reply" and sent[0].reply_token == event["replyToken"]
    assert sent[0].texts == ["ようこそ"]
    quick = sent[0].messages[0]["quickReply"]["items"]
    assert quick[0]["action"]["label"] == "話を聞いて"


async def test_text_gets_reply_without_loading_flash_when_quick(
    app: RunningApp, line: LineStandIn
) -> None:
    await app.send(text_event("Utext", "こんにちは"))
    sent = await line.wait_sent(1)
    assert sent[0].texts == ["echo:こんにちは#1"]
    await asyncio.sleep(1.0)
    assert line.loading == []


async def test_slow_answer_shows_loading_animation(app: RunningApp, line: LineStandIn) -> None:
    line.reply_delay_s = 1.5
    await app.send(text_event("Uslow", "ゆっくり"))
    await line.wait_for(lambda s: "Uslow" in s.loading, timeout=5)
    await line.wait_sent(1)
    assert line.sent[0].texts == ["echo:ゆっくり#1"]


async def test_redelivered_event_is_answered_once(app: RunningApp, line: LineStandIn) -> None:
    event = text_event("Uredeliver", "一回だけ")
    await app.send(event)
    redelivered = json.loads(json.dumps(event))
    redelivered["deliveryContext"]["isRedelivery"] = True
    await app.send(redelivered)
    await app.send(event)
    await line.wait_sent(1)
    await app.idle()
    await asyncio.sleep(0.2)
    assert [s.texts for s in line.sent] == [["echo:一回だけ#1"]]


async def test_oversized_and_malformed_bodies_never_5xx(app: RunningApp, line: LineStandIn) -> None:
    huge = b'{"events": [], "pad": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    response = await app.post_line(huge)
    assert response.status_code == 413
    for bad in (
        b"{not json",
        b"[]",
        b'{"events": 3}',
        '{"events": ["\u3042"]}'.encode(),
        b"\xff\xfe",
    ):
        response = await app.post_line(bad)
        assert response.status_code < 500, bad
    response = await app.http.post(
        "/webhooks/line",
        content=b"x=1",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Line-Signature": sign(b"x=1"),
        },
    )
    assert response.status_code == 400
    assert (await app.http.get("/healthz")).status_code == 200
    assert line.sent == []


async def test_sdk_sample_webhook_with_every_event_type_is_accepted(
    app: RunningApp, line: LineStandIn
) -> None:
    body = json.dumps(sample_events_now()).encode()
    response = await app.post_line(body)
    assert response.status_code == 200
    await app.idle()
    # All 28 sample events share one webhookEventId, so exactly the first (a text) is handled.
    await line.wait_sent(1)
    assert line.sent[0].texts == ["echo:Hello, world#1"]


async def test_unknown_types_each_with_own_id_never_5xx(app: RunningApp, line: LineStandIn) -> None:
    raw = sample_events_now()
    for i, event in enumerate(raw["events"]):
        event["webhookEventId"] = f"01SAMPLE{i:04d}"
        event["replyToken"] = f"rt-sample-{i}"
    response = await app.post_line(json.dumps(raw).encode())
    assert response.status_code == 200
    await app.idle(20)
    await asyncio.sleep(0.2)
    kinds = {s.texts[0].split(":")[0] for s in line.sent if s.texts}
    assert "echo" in kinds and "スタンプありがとう" in {t for s in line.sent for t in s.texts}


async def test_more_than_five_messages_are_split_reply_then_push(
    app: RunningApp, line: LineStandIn
) -> None:
    await app.send(text_event("Umany", "many"))
    sent = await line.wait_sent(2)
    assert sent[0].kind == "reply" and sent[0].texts == [f"m{i}" for i in range(5)]
    assert sent[1].kind == "push" and sent[1].to == "Umany" and sent[1].texts == ["m5", "m6"]
    assert sent[1].retry_key


async def test_long_text_is_split_within_line_limits(app: RunningApp, line: LineStandIn) -> None:
    await app.send(text_event("Ulong", "long"))
    sent = await line.wait_sent(1)
    texts = [t for s in sent for t in s.texts]
    assert "".join(texts) == "あ" * 12000
    assert all(len(t.encode("utf-16-le")) // 2 <= 5000 for t in texts)


async def test_a_reply_that_failed_is_tried_again_as_a_reply_not_pushed(
    app: RunningApp, line: LineStandIn
) -> None:
    """A 5xx may come after LINE acted: the same token is tried again first (free, and a used
    token's refusal would prove the first went out), so nothing is pushed."""
    line.fail("reply", 500)
    event = text_event("Uretried", "届いて")
    await app.send(event)
    await line.wait_for(lambda s: event["replyToken"] in s.used_tokens, timeout=15)
    await app.idle()
    assert [c for c in line.calls if c[0] == "reply"] == [("reply", 500), ("reply", 200)]
    assert [s.texts for s in line.sent] == [["echo:届いて#1"]]


async def test_a_refused_reply_falls_back_to_push_and_push_is_retried(
    app: RunningApp, line: LineStandIn
) -> None:
    line.fail("reply", 400)  # LINE refuses this reply outright: it cannot have gone out
    line.fail("push", 429, count=2)
    await app.send(text_event("Ufallback", "届いて"))
    await line.wait_for(lambda s: any(x.kind == "push" for x in s.sent), timeout=15)
    pushes = [s for s in line.sent if s.kind == "push"]
    assert len(pushes) == 1 and pushes[0].texts == ["echo:届いて#1"] and pushes[0].to == "Ufallback"
    assert [c for c in line.calls if c[0] == "push"] == [
        ("push", 429),
        ("push", 429),
        ("push", 200),
    ]


async def test_stale_reply_token_uses_push(app: RunningApp, line: LineStandIn) -> None:
    event = text_event("Ustale", "遅れて届いた")
    event["timestamp"] -= 120_000
    await app.send(event)
    sent = await line.wait_sent(1)
    assert sent[0].kind == "push" and sent[0].texts == ["echo:遅れて届いた#1"]


async def test_one_persons_events_are_handled_in_order(app: RunningApp, line: LineStandIn) -> None:
    events = [text_event("Uorder", f"n{i}") for i in range(6)]
    await app.send(*events[:3])
    await app.send(*events[3:])
    await line.wait_sent(6)
    texts = [t for s in line.sent for t in s.texts]
    assert texts == [f"echo:n{i}#{i + 1}" for i in range(6)]


async def test_group_gets_one_to_one_note_once(app: RunningApp, line: LineStandIn) -> None:
    group = {"type": "group", "groupId": "Cgroup1", "userId": "Umember"}
    await app.send(base_event("join", "x", source={"type": "group", "groupId": "Cgroup1"}))
    await app.send(text_event("Umember", "みなさんこんにちは", source=group))
    await app.idle()
    await asyncio.sleep(0.2)
    assert len(line.sent) == 1
    assert "1対1" in line.sent[0].texts[0]


async def test_media_gets_kind_answer(app: RunningApp, line: LineStandIn) -> None:
    sticker = base_event(
        "message",
        "Usticker",
        message={"id": "1", "type": "sticker", "packageId": "1", "stickerId": "1"},
    )
    await app.send(sticker)
    sent = await line.wait_sent(1)
    assert sent[0].texts == ["スタンプありがとう"]


async def test_dialog_failure_on_crisis_still_sends_hotline(
    app: RunningApp, line: LineStandIn
) -> None:
    await app.send(text_event("Ucrisisfail", "boom 死にたい"))
    await line.wait_sent(1)
    text = line.sent[0].texts[0]
    assert "0120-279-338" in text


async def test_crisis_answer_always_carries_hotline_even_if_dialog_forgets(
    app: RunningApp, line: LineStandIn
) -> None:
    await app.send(text_event("Ucrisis", "もう死にたい"))
    await line.wait_sent(1)
    first = line.sent[0].texts[0]
    assert "よりそいホットライン 0120-279-338" in first
    assert line.sent[0].texts[1] == "echo:もう死にたい#1"


async def test_imminent_answer_names_emergency_numbers(app: RunningApp, line: LineStandIn) -> None:
    await app.send(text_event("Uimminent", "今から飛び降りる"))
    await line.wait_sent(1)
    first = line.sent[0].texts[0]
    assert "119" in first and "110" in first and "0120-279-338" in first


async def test_metrics_and_health(app: RunningApp) -> None:
    await app.send(text_event("Umetrics", "やあ"))
    await app.idle()
    metrics = (await app.http.get("/metrics")).text
    assert "tsunagari_webhook_seconds_bucket" in metrics
    assert 'tsunagari_events_processed_total{kind="text"}' in metrics
    ready = await app.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


async def test_webhook_without_line_credentials_is_503(redis_url: str, key_prefix: str) -> None:
    settings = make_settings(redis_url, key_prefix)
    bundle = make_bundle()
    async with running_app(settings, bundle=lambda: bundle, with_desk=False) as app:
        body = body_of(text_event("Unone", "x"))
        response = await app.post_line(body)
        assert response.status_code == 503
        assert "not configured" in response.json()["detail"]


async def test_line_calls_go_through_bot_proxy_when_set(
    line: LineStandIn, redis_url: str, key_prefix: str
) -> None:
    """BOT_PROXY carries LINE calls too (the environment's proxy variables are not read)."""
    from bot.channels.base import Address, Delivery, OutboundMessage, QuickReply
    from bot.channels.line import LineSender
    from bot.metrics import Metrics

    settings = make_settings(redis_url, key_prefix, "http://line-api.invalid", BOT_PROXY=line.url)
    sender = LineSender(settings, Metrics())
    await sender.open()
    try:
        await sender.deliver(
            Delivery(
                address=Address("line", "U" + "0" * 32),
                messages=(OutboundMessage("via proxy", (QuickReply("はい", data="yes"),)),),
                key="proxy-test",
            )
        )
    finally:
        await sender.aclose()
    assert [s.texts for s in line.sent] == [["via proxy"]]
    assert line.sent[0].messages[0]["quickReply"]["items"][0]["action"] == {
        "type": "postback",
        "label": "はい",
        "data": "yes",
        "displayText": "はい",
    }
