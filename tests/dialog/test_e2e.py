"""The shipped scripts through the real pipeline: the app on loopback with the live admin
config, the local chat API (`make run`'s /dev/chat) and really signed LINE webhooks to a
stand-in LINE API. Includes editing a script while the app runs."""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.channels.base import Address
from tests.dialog.support import CONFIG, DIALOGS
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp, make_settings, running_app, text_event

pytestmark = pytest.mark.slow
TOKEN = "e2e-admin-token"
YORISOI = "0120-279-338"


class LocalChat:
    """A person in the local chat page, through its HTTP API."""

    def __init__(self, app: RunningApp) -> None:
        self.app = app
        self.session = "s" + uuid.uuid4().hex[:16]
        self.seen = 0
        self.last: list[dict[str, Any]] = []

    async def _read(self, count: int = 1) -> list[dict[str, Any]]:
        """Wait for the bot's answer (at least `count` new bot messages, then quiet)."""
        await self.app.idle()
        bot: list[dict[str, Any]] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = await self.app.http.get(
                "/dev/chat/api/messages", params={"session": self.session, "after": self.seen}
            )
            body = r.json()
            self.seen = body["next"]
            bot += [m for m in body["messages"] if m["role"] == "bot"]
            if len(bot) >= count:
                break
            await asyncio.sleep(0.05)
        self.last = bot
        return bot

    async def start(self) -> list[dict[str, Any]]:
        r = await self.app.http.post("/dev/chat/api/start", json={"session": self.session})
        assert r.status_code == 200
        return await self._read()

    async def say(self, text: str, expect: int = 1) -> list[dict[str, Any]]:
        r = await self.app.http.post(
            "/dev/chat/api/send", json={"session": self.session, "text": text}
        )
        assert r.status_code == 200
        return await self._read(expect)

    async def tap(self, label: str) -> list[dict[str, Any]]:
        buttons = {q["label"]: q for q in self.last[-1].get("quick_replies", [])}
        assert label in buttons, list(buttons)
        r = await self.app.http.post(
            "/dev/chat/api/send",
            json={"session": self.session, "postback": buttons[label]["data"], "label": label},
        )
        assert r.status_code == 200
        return await self._read()

    def text(self) -> str:
        return "\n".join(m["text"] for m in self.last)


@pytest.fixture
def admin_files(tmp_path: Path) -> Path:
    shutil.copytree(DIALOGS, tmp_path / "dialogs")
    shutil.copytree(CONFIG, tmp_path / "config")
    return tmp_path


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
