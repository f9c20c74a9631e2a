"""Live reload: a good change goes live without a restart; a broken one keeps the running
version and shows up in the status; the admin endpoints need the token."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.admin import admin_router
from bot.channels.base import Address, EventKind, InboundEvent
from bot.live import LiveConfig
from bot.settings import Settings
from bot.turn import TurnInput
from bot.yamlio import ConfigError
from tests.dialog.support import NOON

TOKEN = "s3cret-admin-token"


def settings_for(root: Path, token: str | None = None) -> Settings:
    values: dict[str, object] = {
        "DIALOGS_DIR": str(root / "dialogs"),
        "BOT_CONFIG_DIR": str(root / "config"),
        "BOT_ADMIN_TOKEN": token or "",
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def live(admin_files: Path) -> LiveConfig:
    return LiveConfig(settings_for(admin_files))


def first_words(live: LiveConfig) -> str:
    event = InboundEvent("e1", "local", Address("local", "tester01"), EventKind.FOLLOW, 0, 0)
    out = live.bundle.dialog.respond(
        TurnInput(event=event, screening=None, state={}, profile={}, case=None, now=NOON)
    )
    return out.messages[0].text


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    stat = path.stat()  # make sure the mtime moves even on coarse clocks
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_broken_files_at_start_refuse_to_start(admin_files: Path) -> None:
    edit(admin_files / "dialogs" / "opening.yaml", "next: topic_work", "next: topic_wrok")
    with pytest.raises(ConfigError) as err:
        LiveConfig(settings_for(admin_files))
    assert "「topic_wrok」というステップがありません" in str(err.value)


@pytest.mark.fresh_screener  # `is before.screener` must mean "not loaded again"
def test_good_change_goes_live(live: LiveConfig, admin_files: Path) -> None:
    before = live.bundle
    assert "はじめまして" in first_words(live)
    edit(admin_files / "dialogs" / "first_contact.yaml", "はじめまして。", "ようこそ。")
    assert live.reload() == []
    assert live.bundle is not before
    assert live.bundle.version != before.version
    assert first_words(live).startswith("ようこそ。")
    assert live.bundle.screener is before.screener  # the screener's files did not change
    assert live.status()["last_ok"] is True


def test_broken_change_keeps_the_running_version(live: LiveConfig, admin_files: Path) -> None:
    before = live.bundle
    edit(admin_files / "dialogs" / "first_contact.yaml", "next: consent\n", "next: consnet\n")
    problems = live.reload()
    assert any("「consnet」というステップがありません" in str(p) for p in problems)
    assert live.bundle is before
    assert "はじめまして" in first_words(live)
    status = live.status()
    assert status["version"] == before.version
    assert status["last_ok"] is False
    assert any("first_contact.yaml" in p and "consnet" in p for p in status["last_problems"])
    assert status["rejected"] == 1


def test_broken_config_file_keeps_the_running_version(live: LiveConfig, admin_files: Path) -> None:
    before = live.bundle
    (admin_files / "config" / "referrals.yaml").write_text("categories: [oops\n", encoding="utf-8")
    problems = live.reload()
    assert any(
        "referrals.yaml" in str(p) and "YAML の書き方に誤りがあります" in str(p) for p in problems
    )
    assert live.bundle is before


def test_a_broken_message_catalog_is_named_and_never_stops_a_reload(
    live: LiveConfig, admin_files: Path
) -> None:
    """The catalog only words the problems: a broken one is said first (in English) when a
    reload is refused, and a reload with no other problem still goes live."""
    catalog = admin_files / "config" / "checker_messages.yaml"
    edit(catalog, "messages:\n", "messages: [\n")
    edit(admin_files / "dialogs" / "first_contact.yaml", "next: consent\n", "next: consnet\n")
    problems = live.reload()
    assert problems[0].file == str(catalog)
    assert "message catalog" in problems[0].message
    assert any("consnet" in str(p) and "dialog.points_at_missing_step" in str(p) for p in problems)
    edit(admin_files / "dialogs" / "first_contact.yaml", "next: consnet\n", "next: consent\n")
    assert live.reload() == []


def test_screener_reloads_only_when_its_files_change(live: LiveConfig, admin_files: Path) -> None:
    before = live.bundle.screener
    lexicon = admin_files / "config" / "concepts.yaml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert live.reload() == []
    assert live.bundle.screener is not before


async def test_watch_picks_up_changes(live: LiveConfig, admin_files: Path) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(live.watch(stop, 0.05))
    try:
        version = live.bundle.version
        edit(admin_files / "dialogs" / "first_contact.yaml", "はじめまして。", "こんばんは。")
        deadline = time.monotonic() + 30
        while live.bundle.version == version and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        assert first_words(live).startswith("こんばんは。")
        edit(admin_files / "dialogs" / "opening.yaml", "ask: |-\n      どんなことでも", "tell: x")
        deadline = time.monotonic() + 30
        while live.status()["last_ok"] and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        assert live.status()["last_ok"] is False
        assert first_words(live).startswith("こんばんは。")  # the last good version stays
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


# --- admin endpoints ----------------------------------------------------------------------------


@pytest.fixture
def client(live: LiveConfig, admin_files: Path) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(admin_router(live, settings_for(admin_files, TOKEN)))
    with TestClient(app) as c:
        yield c


def test_admin_endpoints_off_without_a_token(live: LiveConfig, admin_files: Path) -> None:
    app = FastAPI()
    app.include_router(admin_router(live, settings_for(admin_files, None)))
    with TestClient(app) as c:
        assert c.get("/admin/status").status_code == 404
        assert c.post("/admin/reload", headers={"Authorization": "Bearer x"}).status_code == 404


def test_admin_endpoints_need_the_token(client: TestClient) -> None:
    assert client.get("/admin/status").status_code == 401
    assert client.post("/admin/reload").status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/admin/status", headers=wrong).status_code == 401
    basic = {"Authorization": f"Basic {TOKEN}"}
    assert client.get("/admin/status", headers=basic).status_code == 401


def test_admin_reload_and_status(client: TestClient, live: LiveConfig, admin_files: Path) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status = client.get("/admin/status", headers=auth).json()
    assert status["version"] == live.bundle.version
    assert any(f.endswith("dialogs/crisis.yaml") for f in status["files"])

    edit(admin_files / "dialogs" / "first_contact.yaml", "はじめまして。", "ようこそ。")
    ok = client.post("/admin/reload", headers=auth)
    assert ok.status_code == 200
    assert ok.json()["ok"] is True
    assert ok.json()["version"] != status["version"]

    edit(admin_files / "dialogs" / "crisis.yaml", "{hotlines}\n      命の", "命の")
    bad = client.post("/admin/reload", headers=auth)
    assert bad.status_code == 422
    body = bad.json()
    assert body["ok"] is False
    assert body["version"] == ok.json()["version"]
    assert any("crisis_high" in p and "[crisis-without-hotline]" in p for p in body["problems"])
    after = client.get("/admin/status", headers=auth).json()
    assert after["last_ok"] is False
    assert after["last_problems"] == body["problems"]
