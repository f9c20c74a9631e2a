"""A stand-in for the Slack Web API on loopback that records every call.

It keeps channels and threads (so ``conversations.history``/``replies`` can find earlier posts
by their message metadata, as Slack does), can keep Slack's rate for ``chat.postMessage``
(``post_interval_s``: one per channel per interval, 429 + ``Retry-After`` beyond), and can be
told to fail: answer N calls of a method
with 5xx or 429 + ``Retry-After``, accept a post and *then* answer 500 (the outcome the caller
cannot know), or hold a call without answering.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "xoxb-test-token"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0001"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int
    at: float


@dataclass
class Fault:
    method: str
    status: int
    count: int
    retry_after: float | None = None
    after_accept: bool = False  # do the work, then answer `status` anyway
    hold_s: float = 0.0  # wait this long before answering


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    reactions: list[str] = field(default_factory=list)
    updates: int = 0
    broadcast: bool = False

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "message",
            "ts": self.ts,
            "text": self.text,
            "bot_id": BOT_ID,
            "user": BOT_USER,
        }
        if self.blocks:
            out["blocks"] = self.blocks
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.metadata:
            out["metadata"] = self.metadata
        return out


class SlackStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: list[Message] = []
        self.ephemeral: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.reactions: list[tuple[str, str]] = []  # (ts, name) on messages not posted here
        self.faults: list[Fault] = []
        self.deleted: list[Message] = []  # removed with chat.delete
        self.reject_blocks = 0  # answer this many posts with blocks `invalid_blocks`
        # Slack's rate for chat.postMessage: at most one per this many seconds per channel;
        # a post beyond it gets 429 with Retry-After (None: no limit)
        self.post_interval_s: float | None = None
        self.rate_limited = 0  # posts refused for the rate
        self._next_post: dict[str, float] = {}
        self._seq = 0
        self._changed = asyncio.Condition()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- control -------------------------------------------------------------------------------
    def fail(
        self,
        method: str,
        status: int,
        count: int = 1,
        *,
        retry_after: float | None = None,
        after_accept: bool = False,
        hold_s: float = 0.0,
    ) -> None:
        self.faults.append(Fault(method, status, count, retry_after, after_accept, hold_s))

    def posts(self, channel: str | None = None, *, top_level: bool | None = None) -> list[Message]:
        return [
            m
            for m in self.messages
            if (channel is None or m.channel == channel)
            and (top_level is None or (m.thread_ts is None) == top_level)
        ]

    def thread(self, channel: str, ts: str) -> list[Message]:
        return [m for m in self.messages if m.channel == channel and m.thread_ts == ts]

    def find(self, ts: str) -> Message:
        for m in self.messages:
            if m.ts == ts:
                return m
        raise KeyError(ts)

    def calls_of(self, method: str, status: int | None = 200) -> list[Call]:
        return [
            c for c in self.calls if c.method == method and (status is None or c.status == status)
        ]

    async def wait_for(
        self,
        predicate: Callable[[SlackStandIn], bool],
        timeout: float = 10.0,
    ) -> None:
        async def _wait() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self))

        await asyncio.wait_for(_wait(), timeout)

    # --- server --------------------------------------------------------------------------------
    async def __aenter__(self) -> SlackStandIn:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/api/"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()  # held calls give up
        if self._runner is not None:
            await self._runner.cleanup()

    async def _hold(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _next_ts(self) -> str:
        self._seq += 1
        return f"{int(time.time())}.{self._seq:06d}"

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        for key in ("blocks", "metadata", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _answer(
        self, method: str, args: dict[str, Any], status: int, body: dict[str, Any], **headers: str
    ) -> web.Response:
        self.calls.append(Call(method, args, status, time.time()))
        await self._notify()
        return web.json_response(body, status=status, headers=headers or None)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        if auth != f"Bearer {TOKEN}" and args.get("token") != TOKEN:
            return await self._answer(method, args, 200, {"ok": False, "error": "invalid_auth"})
        fault = next((f for f in self.faults if f.count > 0 and f.method == method), None)
        if fault is not None:
            fault.count -= 1
            if fault.hold_s and not fault.after_accept:
                await self._hold(fault.hold_s)
            if not fault.after_accept:
                headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
                error = "ratelimited" if fault.status == 429 else "internal_error"
                return await self._answer(
                    method, args, fault.status, {"ok": False, "error": error}, **headers
                )
        if method == "chat.postMessage" and self.post_interval_s is not None:
            channel, now = str(args.get("channel", "")), time.monotonic()
            free_at = self._next_post.get(channel, 0.0)
            if now < free_at:
                self.rate_limited += 1
                wait = max(1, math.ceil(free_at - now))
                return await self._answer(
                    method,
                    args,
                    429,
                    {"ok": False, "error": "ratelimited"},
                    **{"Retry-After": str(wait)},
                )
            self._next_post[channel] = max(free_at, now) + self.post_interval_s
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return await self._answer(method, args, 200, {"ok": False, "error": "unknown_method"})
        body = handler(args)
        if fault is not None and fault.after_accept and fault.hold_s:
            await self._notify()
            await self._hold(fault.hold_s)  # accepted, but the answer comes late (or never)
        status = fault.status if fault is not None and fault.after_accept else 200
        if status != 200:
            body = {"ok": False, "error": "internal_error"}
        return await self._answer(method, args, status, body)

    # --- methods -------------------------------------------------------------------------------
    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://tsunagari-test.slack.com/",
            "team": "test",
            "team_id": TEAM,
            "user": "tsunagari",
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        thread_ts = args.get("thread_ts") or None
        if thread_ts and not any(m.ts == thread_ts for m in self.messages):
            return {"ok": False, "error": "thread_not_found"}
        if args.get("blocks") and self.reject_blocks > 0:
            self.reject_blocks -= 1
            return {"ok": False, "error": "invalid_blocks"}
        message = Message(
            channel=channel,
            ts=self._next_ts(),
            text=str(args.get("text") or ""),
            blocks=list(args.get("blocks") or []),
            thread_ts=thread_ts,
            metadata=args.get("metadata"),
            broadcast=str(args.get("reply_broadcast")).lower() in ("true", "1"),
        )
        self.messages.append(message)
        return {"ok": True, "channel": channel, "ts": message.ts, "message": message.to_api()}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        try:
            message = self.find(str(args.get("ts")))
        except KeyError:
            return {"ok": False, "error": "message_not_found"}
        message.text = str(args.get("text") or message.text)
        message.blocks = list(args.get("blocks") or message.blocks)
        message.updates += 1
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _m_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        try:
            message = self.find(str(args.get("ts")))
        except KeyError:
            return {"ok": False, "error": "message_not_found"}
        self.messages.remove(message)
        self.deleted.append(message)
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self.ephemeral.append(args)
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = str(args.get("message_ts", ""))
        return {
            "ok": True,
            "channel": args.get("channel"),
            "permalink": f"https://tsunagari-test.slack.com/archives/{args.get('channel')}/p{ts.replace('.', '')}",
        }

    def _m_reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        ts, name = str(args.get("timestamp", "")), str(args.get("name", ""))
        for m in self.messages:
            if m.ts == ts:
                if name in m.reactions:
                    return {"ok": False, "error": "already_reacted"}
                m.reactions.append(name)
                return {"ok": True}
        # Counselors' own messages were not posted through the API: keep their reactions apart.
        if (ts, name) in self.reactions:
            return {"ok": False, "error": "already_reacted"}
        self.reactions.append((ts, name))
        return {"ok": True}

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, oldest = str(args.get("channel")), float(args.get("oldest") or 0)
        found = [
            m.to_api()
            for m in reversed(self.messages)
            if m.channel == channel and m.thread_ts is None and float(m.ts) >= oldest
        ]
        return {"ok": True, "messages": found, "has_more": False}

    def _m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("ts"))
        found = [
            m.to_api()
            for m in self.messages
            if m.channel == channel and (m.ts == ts or m.thread_ts == ts)
        ]
        return {"ok": True, "messages": found, "has_more": False}

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        self.views.append(args)
        return {"ok": True, "view": {"id": "V1", **(args.get("view") or {})}}
