"""Without Slack: the local console shows the same queue and cards and acts on them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.channels.base import EventKind
from bot.screening.types import RiskLevel
from bot.store.keys import Keys
from tests.escalation.support import Desk, running_desk


@pytest.fixture
async def console(
    redis: aioredis.Redis, redis_url: str, keys: Keys, config_dir: Path
) -> AsyncIterator[Desk]:
    async with running_desk(redis, redis_url, keys, config_dir, None) as d:
        yield d


async def test_console_page_is_self_contained(console: Desk) -> None:
    page = await console.http.get("/dev/console")
    assert page.status_code == 200
    assert "相談員コンソール" in page.text
    assert "http://" not in page.text
    assert "https://" not in page.text
    js = await console.http.get("/dev/console/static/console.js")
    assert js.status_code == 200
    assert "/dev/console/api" in js.text
    assert (await console.http.get("/dev/console/static/../cases.py")).status_code == 404
    assert (await console.http.post("/slack/events", content=b"{}")).status_code == 404  # no Slack


async def test_console_flow_claim_reply_close(console: Desk) -> None:
    conv = await console.person("Uconsole", ("person", "仕事をクビになった"))
    status = await console.open(conv, "もう死にたい", RiskLevel.HIGH, words=["死にたい"])
    state = (await console.http.get("/dev/console/api/state")).json()
    assert [c["case_id"] for c in state["queue"]] == [status.case_id]
    card = state["queue"][0]
    assert card["triggers"] == ["もう死にたい"]
    assert card["risk"] == "high"
    assert "case_claim" in card["actions"]
    assert state["buttons"]["claim"] == "担当する"
    assert "Uconsole" not in str(state)

    url = f"/dev/console/api/cases/{status.case_id}"
    too_early = await console.http.post(
        url + "/reply", json={"counselor": "佐藤", "text": "こんにちは", "client_id": "abcdef01"}
    )
    assert too_early.status_code == 409
    ok = await console.http.post(url + "/claim", json={"counselor": "佐藤"})
    assert ok.status_code == 200
    taken = await console.http.post(url + "/claim", json={"counselor": "鈴木"})
    assert taken.status_code == 409
    assert "佐藤" in taken.json()["message"]
    await console.intake.wait(lambda i: i.of(EventKind.SYSTEM, "case_claimed"))

    reply = await console.http.post(
        url + "/reply",
        json={"counselor": "佐藤", "text": "相談員の佐藤です", "client_id": "abcdef02"},
    )
    assert reply.status_code == 200
    again = await console.http.post(
        url + "/reply",
        json={"counselor": "佐藤", "text": "相談員の佐藤です", "client_id": "abcdef02"},
    )
    assert again.json()["result"] == "duplicate"
    note = await console.http.post(
        url + "/reply",
        json={"counselor": "佐藤", "text": "メモ: 落ち着いてきた", "client_id": "abcdef03"},
    )
    assert note.json()["result"] == "note"
    await console.intake.wait(lambda i: i.of(EventKind.COUNSELOR))
    relayed = console.intake.of(EventKind.COUNSELOR)
    assert [e.text for e in relayed] == ["相談員の佐藤です"]
    assert relayed[0].event_id == f"console:{status.case_id}:abcdef02"
    await console.runtime.desk.relayed(relayed[0])
    await console.runtime.desk.person_said(conv, "ありがとう", "ev5:0", None)
    state = (await console.http.get("/dev/console/api/state")).json()
    log = state["claimed"][0]["log"]
    assert [
        (e["role"], e["text"], e["delivered"]) for e in log if e["role"] in ("counselor", "note")
    ] == [
        ("counselor", "相談員の佐藤です", True),
        ("note", "メモ: 落ち着いてきた", False),
    ]
    assert log[-1]["role"] == "person"
    assert log[-1]["text"] == "ありがとう"

    supervisor = await console.http.post(url + "/supervisor", json={"counselor": "佐藤"})
    assert supervisor.status_code == 200
    await console.drained()
    state = (await console.http.get("/dev/console/api/state")).json()
    assert state["alerts"]
    assert status.case_id in state["alerts"][0]["text"]

    bad = await console.http.post(url + "/close", json={"counselor": "佐藤", "outcome": "nonsense"})
    assert bad.status_code == 422
    closed = await console.http.post(
        url + "/close",
        json={"counselor": "佐藤", "outcome": "listened", "summary": "話して落ち着いた"},
    )
    assert closed.status_code == 200
    await console.intake.wait(lambda i: i.of(EventKind.SYSTEM, "case_closed"))
    state = (await console.http.get("/dev/console/api/state")).json()
    assert state["claimed"] == []
    assert state["closed"][0]["summary"] == "話して落ち着いた"


async def test_console_hand_back(console: Desk) -> None:
    conv = await console.person("Uconsole2")
    status = await console.open(conv, "話したい", RiskLevel.NONE, reason="request")
    url = f"/dev/console/api/cases/{status.case_id}"
    # Only the holder (or a supervisor) hands a case back.
    refused = await console.http.post(url + "/hand-back", json={"counselor": "佐藤"})
    assert refused.status_code == 403
    assert "担当の相談員" in refused.json()["message"]
    await console.http.post(url + "/claim", json={"counselor": "佐藤"})
    response = await console.http.post(url + "/hand-back", json={"counselor": "佐藤"})
    assert response.status_code == 200
    await console.intake.wait(lambda i: i.of(EventKind.SYSTEM, "case_handed_back"))
    missing = await console.http.post(
        "/dev/console/api/cases/C-9999/claim", json={"counselor": "佐藤"}
    )
    assert missing.status_code == 404


async def test_console_applies_the_same_roles_holder_notes_and_supervisor_sign_off(
    console: Desk,
) -> None:
    conv = await console.person("Uconsole3")
    status = await console.open(conv, "今夜、薬を全部飲みます", RiskLevel.IMMINENT)
    url = f"/dev/console/api/cases/{status.case_id}"
    post = console.http.post
    assert (await post(url + "/claim", json={"counselor": "佐藤"})).status_code == 200
    await console.intake.wait(lambda i: i.of(EventKind.SYSTEM, "case_claimed"))
    # Someone else's reply stays a note; they are told who holds the case.
    other = await post(
        url + "/reply", json={"counselor": "鈴木", "text": "大丈夫？", "client_id": "abcdef10"}
    )
    assert other.status_code == 409 and "佐藤" in other.json()["message"]
    assert not console.intake.of(EventKind.COUNSELOR)
    # Closing an imminent case: a reason, then a supervisor's sign-off.
    close = {"counselor": "佐藤", "outcome": "listened"}
    assert (await post(url + "/close", json=close)).status_code == 422
    asked = await post(url + "/close", json={**close, "why": "落ち着いた"})
    assert asked.json()["result"] == "signoff_requested"
    state = (await console.http.get("/dev/console/api/state")).json()
    assert state["claimed"][0]["state_line"].endswith("スーパーバイザーの承認を待っています")
    await console.drained()
    alerts = (await console.http.get("/dev/console/api/state")).json()["alerts"]
    assert any(a.get("approve") and a["case_id"] == status.case_id for a in alerts)
    assert (await post(url + "/approve", json={"counselor": "鈴木"})).status_code == 403
    approved = await post(url + "/approve", json={"counselor": "田中", "supervisor": True})
    assert approved.status_code == 200
    await console.intake.wait(lambda i: i.of(EventKind.SYSTEM, "case_closed"))
    closed = (await console.http.get("/dev/console/api/state")).json()["closed"][0]
    assert "田中" in closed["signoff"] and "落ち着いた" in closed["signoff"]
