"""A stand-in for the LINE Messaging API that records what the bot sends.

It behaves like LINE where it matters for correctness: reply tokens work once (a second use gets
400 "Invalid reply token"), a push repeating an accepted `X-Line-Retry-Key` gets 409, more than
5 messages get 400. Faults can be injected: answer N calls with a status (429/5xx), or hold a
call forever (to kill the bot while LINE is "processing" it), before or after accepting it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "test-access-token"


@dataclass
class Sent:
    """One accepted reply or push call."""

    kind: str  # reply | push
    to: str | None  # push target; None for replies (see reply_token)
    reply_token: str | None
    texts: list[str]
    messages: list[dict[str, Any]]
    retry_key: str | None
    at: float


@dataclass
class Fault:
    kind: str  # reply | push | loading | any
    status: int
    count: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hold:
    """Hold calls whose texts match, never answering; optionally accept them first."""

    match: Callable[[list[str]], bool]
    accept_first: bool = False
    held: int = 0
    limit: int = 1_000_000  # hold at most this many calls, then let the rest through


class LineStandIn:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.loading: list[str] = []
        self.read_tokens: list[str] = []  # markAsRead calls (LINE 既読)
        self.calls: list[tuple[str, int]] = []  # (kind, status answered)
        self.used_tokens: set[str] = set()
        self.retry_keys: set[str] = set()
        self.faults: list[Fault] = []
        self.holds: list[Hold] = []
        self.expired_tokens: set[str] = set()
        self.bad_auth = 0
        self.reply_delay_s = 0.0  # answer replies this late (a slow LINE)
        self._changed = asyncio.Condition()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- control -------------------------------------------------------------------------------

    def fail(self, kind: str, status: int, count: int = 1, **headers: str) -> None:
        self.faults.append(Fault(kind, status, count, dict(headers)))

    def hold(
        self,
        match: Callable[[list[str]], bool],
        *,
        accept_first: bool = False,
        limit: int = 1_000_000,
    ) -> Hold:
        h = Hold(match, accept_first, limit=limit)
        self.holds.append(h)
        return h

    def texts_for(self, to: str | None = None, token_prefix: str | None = None) -> list[str]:
        out: list[str] = []
        for s in self.sent:
            if to is not None and s.kind == "push" and s.to != to:
                continue
            if (
                to is not None
                and s.kind == "reply"
                and not (token_prefix and (s.reply_token or "").startswith(token_prefix))
            ):
                continue
            out.extend(s.texts)
        return out

    async def wait_for(
        self, predicate: Callable[[LineStandIn], bool], timeout: float = 10.0
    ) -> None:
        async def _wait() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self))

        await asyncio.wait_for(_wait(), timeout)

    async def wait_sent(self, count: int, timeout: float = 10.0) -> list[Sent]:
        await self.wait_for(lambda s: len(s.sent) >= count, timeout)
        return self.sent

    # --- server --------------------------------------------------------------------------------

    async def __aenter__(self) -> LineStandIn:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/v2/bot/message/reply", self._reply)
        app.router.add_post("/v2/bot/message/push", self._push)
        app.router.add_post("/v2/bot/chat/loading/start", self._loading)
        app.router.add_post("/v2/bot/chat/markAsRead", self._mark_read)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _fault(self, kind: str) -> Fault | None:
        for f in self.faults:
            if f.count > 0 and f.kind in (kind, "any"):
                f.count -= 1
                return f
        return None

    async def _answer(
        self, kind: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> web.Response:
        self.calls.append((kind, status))
        await self._notify()
        return web.json_response(body, status=status, headers=headers)

    async def _common(
        self, request: web.Request, kind: str
    ) -> tuple[dict[str, Any] | None, web.Response | None]:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.bad_auth += 1
            return None, await self._answer(kind, 401, {"message": "Authentication failed"})
        fault = self._fault(kind)
        if fault is not None:
            return None, await self._answer(
                kind, fault.status, {"message": "injected"}, fault.headers
            )
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return None, await self._answer(kind, 400, {"message": "bad json"})
        messages = body.get("messages") or []
        if not 1 <= len(messages) <= 5:
            return None, await self._answer(kind, 400, {"message": "messages must be 1-5"})
        for m in messages:
            text = m.get("text", "")
            if len(text.encode("utf-16-le")) // 2 > 5000:
                return None, await self._answer(kind, 400, {"message": "text too long"})
        return body, None

    async def _maybe_hold(self, texts: list[str], accept: Callable[[], None]) -> None:
        for h in self.holds:
            if h.held < h.limit and h.match(texts):
                h.held += 1
                if h.accept_first:
                    accept()
                await self._notify()
                await self._closing.wait()  # never answers while open; the client gives up or dies
                raise web.HTTPServiceUnavailable

    async def _reply(self, request: web.Request) -> web.Response:
        body, error = await self._common(request, "reply")
        if error is not None:
            return error
        assert body is not None
        if request.headers.get("X-Line-Retry-Key"):
            return await self._answer(
                "reply", 400, {"message": "retry key not supported for reply"}
            )
        token = str(body.get("replyToken", ""))
        if self.reply_delay_s:
            await asyncio.sleep(self.reply_delay_s)
        if token in self.used_tokens or token in self.expired_tokens:
            return await self._answer("reply", 400, {"message": "Invalid reply token"})
        texts = [m.get("text", "") for m in body["messages"]]

        def accept() -> None:
            self.used_tokens.add(token)
            self.sent.append(Sent("reply", None, token, texts, body["messages"], None, time.time()))

        await self._maybe_hold(texts, accept)
        accept()
        return await self._answer("reply", 200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})

    async def _push(self, request: web.Request) -> web.Response:
        body, error = await self._common(request, "push")
        if error is not None:
            return error
        assert body is not None
        key = request.headers.get("X-Line-Retry-Key")
        if key and key in self.retry_keys:
            return await self._answer("push", 409, {"message": "The retry key is already accepted"})
        texts = [m.get("text", "") for m in body["messages"]]

        def accept() -> None:
            if key:
                self.retry_keys.add(key)
            self.sent.append(
                Sent("push", str(body.get("to")), None, texts, body["messages"], key, time.time())
            )

        await self._maybe_hold(texts, accept)
        accept()
        return await self._answer("push", 200, {"sentMessages": [{"id": "2", "quoteToken": "q"}]})

    async def _mark_read(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return await self._answer("mark_read", 401, {})
        body = await request.json()
        token = body.get("markAsReadToken")
        if not isinstance(token, str) or not token:
            return await self._answer("mark_read", 400, {"message": "markAsReadToken required"})
        self.read_tokens.append(token)
        return await self._answer("mark_read", 200, {})

    async def _loading(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return await self._answer("loading", 401, {})
        fault = self._fault("loading")
        if fault is not None:
            return await self._answer("loading", fault.status, {})
        body = await request.json()
        self.loading.append(str(body.get("chatId")))
        return await self._answer("loading", 202, {})


@contextlib.asynccontextmanager
async def line_stand_in():  # type: ignore[no-untyped-def]
    async with LineStandIn() as s:
        yield s
