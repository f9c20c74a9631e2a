"""The local channel: try the bot without LINE, through the very same pipeline.

`GET /dev/chat` serves a small page; its messages become `InboundEvent`s on the same stream as
LINE's (same screening, dialog and escalation); the bot's answers are appended to a Redis list
the page polls. `python -m bot chat` uses the same channel from a terminal.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from importlib import resources
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from bot.channels.base import Address, Delivery, EventKind, InboundEvent
from bot.metrics import Metrics
from bot.store.keys import Keys
from bot.store.redis import RedisClient
from bot.turn import Intake

CHANNEL = "local"
SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
OUTBOX_MAX = 1000
OUTBOX_TTL_S = 7 * 86400
MAX_TEXT = 5000
# The page's own files: the page policy (CSP) allows scripts and styles from this origin only.
_STATIC = {"chat.js": "text/javascript; charset=utf-8", "chat.css": "text/css; charset=utf-8"}

# Append a delivery's messages once per delivery key.
_DELIVER = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) == false then return 0 end
for i = 2, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('LTRIM', KEYS[2], -1000, -1)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[1]))
return 1
"""


class LocalSender:
    """Delivers to the local chat: the page (or terminal) reads the outbox list."""

    channel = CHANNEL

    def __init__(self, redis: RedisClient, keys: Keys, metrics: Metrics) -> None:
        self.redis = redis
        self.keys = keys
        self.metrics = metrics
        self._script = redis.register_script(_DELIVER)

    async def deliver(self, delivery: Delivery) -> None:
        now = int(time.time() * 1000)
        items = [
            json.dumps({"role": "bot", "ts": now, **m.to_json()}, ensure_ascii=False)
            for m in delivery.messages
        ]
        await self._script(
            keys=[
                self.keys.local_delivered(delivery.key),
                self.keys.local_outbox(delivery.address.to),
            ],
            args=[OUTBOX_TTL_S, *items],
        )
        self.metrics.deliveries.labels(CHANNEL, "outbox").inc()

    async def show_typing(self, address: Address) -> None:
        return None

    async def mark_read(self, address: Address, token: str) -> None:
        return None  # the local chat page shows no read marks

    async def record_person(self, session: str, text: str) -> None:
        item = json.dumps(
            {"role": "person", "ts": int(time.time() * 1000), "text": text}, ensure_ascii=False
        )
        key = self.keys.local_outbox(session)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, item)
            pipe.ltrim(key, -OUTBOX_MAX, -1)
            pipe.expire(key, OUTBOX_TTL_S)
            await pipe.execute()

    async def messages(self, session: str, after: int) -> list[dict[str, Any]]:
        raw = await self.redis.lrange(self.keys.local_outbox(session), after, after + 199)
        return [json.loads(r) for r in raw]


def local_event(
    session: str, kind: EventKind, *, text: str | None = None, postback: str | None = None
) -> InboundEvent:
    now = int(time.time() * 1000)
    return InboundEvent(
        event_id=f"local:{uuid.uuid4().hex}",
        channel=CHANNEL,
        address=Address(CHANNEL, session),
        kind=kind,
        timestamp_ms=now,
        received_ms=now,
        text=text,
        postback=postback,
    )


class StartRequest(BaseModel):
    session: str = Field(min_length=8, max_length=64)


class SendRequest(BaseModel):
    session: str = Field(min_length=8, max_length=64)
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    postback: str | None = Field(default=None, max_length=300)
    label: str | None = Field(default=None, max_length=300)


def _check_session(session: str) -> None:
    if not SESSION_RE.match(session):
        raise HTTPException(400, "session must be 8-64 letters, digits, '-' or '_'")


def local_router(intake: Callable[[], Intake], sender: Callable[[], LocalSender]) -> APIRouter:
    router = APIRouter(prefix="/dev/chat")

    def static_text(name: str) -> str:
        return resources.files("bot.channels").joinpath("static", name).read_text("utf-8")

    @router.get("", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(static_text("chat.html"), headers={"Cache-Control": "no-store"})

    @router.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in _STATIC:
            raise HTTPException(404)
        return Response(static_text(name), media_type=_STATIC[name])

    @router.post("/api/start")
    async def start(body: StartRequest) -> dict[str, Any]:
        _check_session(body.session)
        await intake().submit([local_event(body.session, EventKind.FOLLOW)])
        return {"ok": True}

    @router.post("/api/send")
    async def send(body: SendRequest) -> dict[str, Any]:
        _check_session(body.session)
        if body.postback:
            event = local_event(body.session, EventKind.POSTBACK, postback=body.postback)
            shown = body.label or body.postback
        elif body.text and body.text.strip():
            event = local_event(body.session, EventKind.TEXT, text=body.text)
            shown = body.text
        else:
            raise HTTPException(400, "send some text")
        await sender().record_person(body.session, shown)
        await intake().submit([event])
        return {"ok": True, "event": event.event_id}

    @router.get("/api/messages")
    async def messages(session: str, after: int = Query(0, ge=0)) -> dict[str, Any]:
        _check_session(session)
        items = await sender().messages(session, after)
        return {"messages": items, "next": after + len(items)}

    return router
