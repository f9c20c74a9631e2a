"""`make run` on one machine: a person in /dev/chat, a counselor in /dev/console, no Slack."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.harness import make_settings, running_app


async def _messages(http: Any, session: str) -> list[str]:
    data = (await http.get("/dev/chat/api/messages", params={"session": session})).json()
    return [str(m.get("text", "")) for m in data["messages"]]


async def _until(fn: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.05)


async def test_local_chat_to_local_console_and_back(redis_url: str, key_prefix: str) -> None:
    settings = make_settings(redis_url, key_prefix, None)
    assert settings.dev_pages_enabled
    assert not settings.slack_enabled
    async with running_app(settings) as app:
        http = app.http
        session = "local-person-01"
        await http.post("/dev/chat/api/start", json={"session": session})
        await http.post("/dev/chat/api/send", json={"session": session, "text": "もう死にたい"})

        async def queued() -> list[dict[str, Any]]:
            return list((await http.get("/dev/console/api/state")).json()["queue"])

        card = (await _until(queued))[0]
        assert card["triggers"] == ["もう死にたい"]
        assert card["risk"] in ("high", "imminent")
        url = f"/dev/console/api/cases/{card['case_id']}"
        assert (await http.post(url + "/claim", json={"counselor": "佐藤"})).status_code == 200

        async def joined() -> bool:
            return any("相談員につながりました" in t for t in await _messages(http, session))

        await _until(joined)
        reply = {"counselor": "佐藤", "text": "相談員の佐藤です。", "client_id": "local-0001"}
        assert (await http.post(url + "/reply", json=reply)).status_code == 200

        async def relayed() -> bool:
            return "相談員の佐藤です。" in await _messages(http, session)

        await _until(relayed)
        await http.post("/dev/chat/api/send", json={"session": session, "text": "ありがとう"})

        async def in_thread() -> bool:
            state = (await http.get("/dev/console/api/state")).json()
            log = state["claimed"][0]["log"] if state["claimed"] else []
            return any(e["role"] == "person" and e["text"] == "ありがとう" for e in log) and any(
                e["role"] == "counselor" and e["delivered"] for e in log
            )

        await _until(in_thread)
        closed = {"counselor": "佐藤", "outcome": "listened", "summary": "落ち着いた"}
        assert (await http.post(url + "/close", json=closed)).status_code == 200

        async def goodbye() -> bool:
            return any("ありがとうございました" in t for t in await _messages(http, session))

        await _until(goodbye)
