"""The shipped scripts through the real pipeline: the app on loopback with the live admin
config, the local chat API (`make run`'s /dev/chat) and really signed LINE webhooks to a
stand-in LINE API. Includes editing a script while the app runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.channels.base import Address
from tests.fakes.line_api import LineStandIn
from tests.harness import LocalChat, RunningApp, make_settings, running_app, text_event

pytestmark = pytest.mark.slow
TOKEN = "e2e-admin-token"
YORISOI = "0120-279-338"


@pytest.fixture
async def app(redis_url: str, key_prefix: str, admin_files: Path) -> AsyncIterator[RunningApp]:
    settings = make_settings(
        redis_url,
        key_prefix,
        DIALOGS_DIR=str(admin_files / "dialogs"),
        BOT_CONFIG_DIR=str(admin_files / "config"),
        BOT_ADMIN_TOKEN=TOKEN,
        BOT_DEV_CHAT=True,
    )
    async with running_app(settings) as running:
        yield running


async def test_local_chat_first_contact_topic_and_listening(app: RunningApp) -> None:
    person = LocalChat(app)
    await person.start()
    assert "はじめまして" in person.text()
    await person.tap("はじめる")
    assert "どんなことでも大丈夫です" in person.text()
    await person.tap("お金・借金")
    await person.tap("借金の返済がきつい")
    assert "相談員と話したい" in [q["label"] for q in person.last[-1]["quick_replies"]]
    await person.say("最近あまり眠れない")
    assert "眠れない" in person.last[0]["text"]
    await person.say("督促の電話が毎日来て、もう何も手につかない")  # two linked factors: moderate
    assert "相談員（人）とも話してみませんか" in person.text()


async def test_local_chat_crisis_gets_hotlines_first_and_a_case(app: RunningApp) -> None:
    person = LocalChat(app)
    await person.start()
    await person.tap("はじめる")
    await person.say("もう死にたい")
    assert YORISOI in person.last[0]["text"]
    desk = app.services.escalation.desk
    conversation = Address("local", person.session).conversation_id()
    status = await desk.case_status(conversation, datetime.now(UTC))
    assert status is not None
    assert status.risk.is_crisis


async def test_edit_a_script_and_see_it_live_then_a_broken_edit(
    app: RunningApp, admin_files: Path
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    first = admin_files / "dialogs" / "first_contact.yaml"
    first.write_text(
        first.read_text(encoding="utf-8").replace("はじめまして。", "ようこそ。"), encoding="utf-8"
    )
    r = await app.http.post("/admin/reload", headers=auth)
    assert r.status_code == 200, r.text
    person = LocalChat(app)
    await person.start()
    assert person.last[0]["text"].startswith("ようこそ。")

    opening = admin_files / "dialogs" / "opening.yaml"
    opening.write_text(
        opening.read_text(encoding="utf-8").replace("next: topic_work", "next: topic_wrok"),
        encoding="utf-8",
    )
    r = await app.http.post("/admin/reload", headers=auth)
    assert r.status_code == 422
    assert any("topic_wrok" in p for p in r.json()["problems"])
    status = (await app.http.get("/admin/status", headers=auth)).json()
    assert status["last_ok"] is False
    await person.tap("はじめる")  # the running version carries on
    await person.tap("仕事")
    assert "お仕事のことですね" in person.text()


async def test_signed_line_webhook_crisis_answer(
    redis_url: str, key_prefix: str, admin_files: Path
) -> None:
    async with LineStandIn() as line:
        settings = make_settings(
            redis_url,
            key_prefix,
            line.url,
            DIALOGS_DIR=str(admin_files / "dialogs"),
            BOT_CONFIG_DIR=str(admin_files / "config"),
        )
        async with running_app(settings) as running:
            await running.send(text_event("Ucrisis0001", "今から飛び降りて死にます"))
            [sent] = await line.wait_sent(1)
            assert "119" in sent.texts[0]
            assert "110" in sent.texts[0]
            assert YORISOI in sent.texts[0]
            await running.send(text_event("Ucrisis0001", "相談員と話したい"))
            sent2 = await line.wait_sent(2)
            assert sent2[1].texts  # kept company while the case waits
