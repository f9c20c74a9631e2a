"""The shipped scripts walked through the real pipeline (local chat API → stream → screening →
dialog → delivery), covering the paths the unit walks in tests/dialog cover at engine level."""

from __future__ import annotations

import json
import time

import pytest

from bot.channels.base import Address
from tests.dialog.test_scripts import TOPICS
from tests.fakes.line_api import LineStandIn
from tests.harness import (
    LocalChat,
    RunningApp,
    base_event,
    follow_event,
    make_settings,
    running_app,
    text_event,
)

pytestmark = pytest.mark.slow


async def test_every_opening_topic_leads_somewhere_kind(chat_app: RunningApp) -> None:
    for topic in TOPICS:
        person = LocalChat(chat_app)
        await person.start()
        await person.tap("はじめる")
        assert "どんなことでも大丈夫です" in person.text()
        await person.tap(topic)
        assert person.last, topic
        assert "エラー" not in person.text()
        await person.say("うまく言えないけど、つらいです")
        assert person.last, f"no answer after the {topic} topic"


async def test_just_listen_then_goodbye_with_followup_and_the_check_in(
    chat_app: RunningApp,
) -> None:
    person = LocalChat(chat_app)
    await person.start()
    await person.tap("ただ話を聞いてほしい")
    await person.say("最近、仕事がうまくいかなくて")
    await person.say("夜もあまり眠れないんです")
    await person.tap("今日はここまで")
    assert "ありがとうございました" in person.text()
    await person.tap("はい、おねがいします")
    assert "3日後" in person.text()
    conv = Address("local", person.session).conversation_id()
    due = await chat_app.services.followups.due_at(conv)
    assert due is not None
    assert due > time.time() * 1000 + 70 * 3600 * 1000
    # Three days later: the check-in arrives in order, through the same path.
    fired = await chat_app.services.followups.fire_due(chat_app.services.intake, now_ms=due + 1)
    assert fired == 1
    await person._read()
    assert "その後いかがですか" in person.text()
    await person.tap("少し楽になった")
    assert "うれしい" in person.text()
    assert await chat_app.services.followups.due_at(conv) is None


async def test_stop_ends_kindly(chat_app: RunningApp) -> None:
    person = LocalChat(chat_app)
    await person.start()
    await person.tap("はじめる")
    await person.say("やめる")
    assert "いつでもここに送ってください" in person.text()


async def test_returning_after_idle_is_welcomed_back_with_last_topic(chat_app: RunningApp) -> None:
    person = LocalChat(chat_app)
    await person.start()
    await person.tap("はじめる")
    await person.tap("お金・借金")
    conv = Address("local", person.session).conversation_id()
    # The conversation went idle two hours ago.
    await chat_app.services.redis.hset(
        chat_app.services.keys.conv_profile(conv),
        "last_seen_ms",
        str(int(time.time() * 1000) - 2 * 3600 * 1000),
    )
    await person.say("また来ました")
    text = person.text()
    assert "お金・借金" in text, text
    assert "また来ました" not in text  # it knows the topic, not the words


async def test_counselor_claims_and_talks_from_the_console(chat_app: RunningApp) -> None:
    person = LocalChat(chat_app)
    await person.start()
    await person.tap("はじめる")
    await person.say("相談員と話したい", expect=2)
    state = (await chat_app.http.get("/dev/console/api/state")).json()
    assert len(state["queue"]) == 1
    case_id = state["queue"][0]["case_id"]
    claimed = await chat_app.http.post(
        f"/dev/console/api/cases/{case_id}/claim", json={"counselor": "さとう"}
    )
    assert claimed.status_code == 200, claimed.text
    await person._read()
    assert "相談員につながりました" in person.text()
    sent = await chat_app.http.post(
        f"/dev/console/api/cases/{case_id}/reply",
        json={
            "counselor": "さとう",
            "text": "こんばんは、相談員のさとうです。",
            "client_id": "msg-0001",
        },
    )
    assert sent.status_code == 200, sent.text
    await person._read()
    assert "相談員のさとうです" in person.text()


async def test_line_sticker_and_unfollow(redis_url: str, key_prefix: str) -> None:
    async with LineStandIn() as line:
        settings = make_settings(redis_url, key_prefix, line.url)
        async with running_app(settings) as running:
            await running.send(follow_event("Usticker1"))
            await line.wait_sent(1)
            assert "つながり" in line.sent[0].texts[0]
            sticker = base_event(
                "message",
                "Usticker1",
                message={"id": "1", "type": "sticker", "packageId": "1", "stickerId": "1"},
            )
            await running.send(sticker)
            await line.wait_sent(2)
            assert line.sent[1].texts  # a kind answer inviting words
            conv = Address("line", "Usticker1").conversation_id()
            await running.services.followups.schedule(conv, int(time.time() * 1000) + 10**7)
            await running.send(base_event("unfollow", "Usticker1"))
            await running.idle()
            assert await running.services.followups.due_at(conv) is None
            assert len(line.sent) == 2  # nothing is sent to someone who blocked us
            await running.send(text_event("Usticker1", "x"))  # keep the fixture honest: still alive
            profile = await running.services.redis.hgetall(running.services.keys.conv_profile(conv))
            assert json.loads(profile["address"])["to"] == "Usticker1"
