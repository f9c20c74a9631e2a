"""The whole service as people use it: a person on LINE (really signed webhooks, the stand-in
LINE API), counselors in Slack (really signed requests, the stand-in Slack API), the shipped
scripts, the real screener. Shared by the end-to-end tests of the hand-off."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.channels.base import Address
from bot.live import LiveConfig
from escalation.cases import CaseBook
from escalation.model import Case
from tests.escalation.slack_api import Message, SlackStandIn
from tests.escalation.support import COUNSELORS, SlackRequests, slack_env
from tests.fakes.line_api import LineStandIn
from tests.harness import ROOT, RunningApp, base_event, body_of, make_settings, running_app


async def until(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Wait until `predicate()` is true (it may be a coroutine function); return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.03)


def config_copy(tmp: Path, *, closed_now: bool = False) -> Path:
    """A copy of config/ (an admin's edit); `closed_now`: counselors are off duty now and come
    back in about two hours (every day 2 h from now, for an hour)."""
    target = tmp / "config"
    shutil.copytree(ROOT / "config", target)
    if closed_now:
        local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo"))
        start = (local + timedelta(hours=2)).replace(minute=0)
        end = start + timedelta(hours=1)
        hours = f'["{start:%H}:00-{end:%H}:00"]'
        text = (target / "service.yaml").read_text(encoding="utf-8")
        weekly = "\n".join(
            f"    {d}: {hours}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        )
        head, _, rest = text.partition("  weekly:\n")
        rest = rest[rest.index("  # Special days") :]
        (target / "service.yaml").write_text(f"{head}  weekly:\n{weekly}\n{rest}", encoding="utf-8")
    return target


class LinePerson:
    """One person on LINE. Replies are told apart by their reply tokens, pushes by user id."""

    def __init__(self, app: RunningApp, line: LineStandIn, name: str) -> None:
        self.app = app
        self.line = line
        self.user = "U" + uuid.uuid5(uuid.NAMESPACE_URL, name).hex
        self.tokens: set[str] = set()
        self.seen = 0
        self.read_tokens: list[str] = []

    @property
    def conversation(self) -> str:
        return Address("line", self.user).conversation_id()

    def _mine(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for sent in self.line.sent:
            if (sent.kind == "push" and sent.to == self.user) or sent.reply_token in self.tokens:
                out += sent.messages
        return out

    def texts(self) -> list[str]:
        """Everything the person has been sent so far."""
        return [str(m.get("text", "")) for m in self._mine()]

    def text(self) -> str:
        return "\n".join(self.texts())

    def buttons(self) -> dict[str, dict[str, Any]]:
        """The quick replies of the newest message that has any."""
        for message in reversed(self._mine()):
            items = (message.get("quickReply") or {}).get("items") or []
            if items:
                return {i["action"]["label"]: i["action"] for i in items}
        return {}

    async def send_only(self, event: dict[str, Any]) -> None:
        """Post the event (its reply token counted as this person's) without waiting."""
        token = event.get("replyToken")
        if token:
            self.tokens.add(token)
        await self.app.send(event)

    async def _send(self, event: dict[str, Any]) -> list[str]:
        await self.send_only(event)
        await self.app.idle()
        await asyncio.sleep(0.05)
        await self.app.idle()
        new = self.texts()[self.seen :]
        self.seen += len(new)
        return new

    def _message(self, message: dict[str, Any]) -> dict[str, Any]:
        read = "rd-" + uuid.uuid4().hex[:12]
        self.read_tokens.append(read)
        return base_event("message", self.user, message={**message, "markAsReadToken": read})

    async def say(self, text: str) -> list[str]:
        """Write on LINE; returns what the bot answered (new messages to this person)."""
        return await self._send(
            self._message({"id": uuid.uuid4().hex[:10], "type": "text", "text": text})
        )

    async def tap(self, label: str) -> list[str]:
        buttons = self.buttons()
        assert label in buttons, list(buttons)
        action = buttons[label]
        if action["type"] == "postback":
            event = base_event("postback", self.user, postback={"data": action["data"]})
            return await self._send(event)
        return await self.say(action["text"])

    async def follow(self) -> list[str]:
        return await self._send(base_event("follow", self.user, follow={"isUnblocked": False}))

    async def media(self, kind: str, **fields: Any) -> list[str]:
        message = {"id": uuid.uuid4().hex[:10], "type": kind, **fields}
        return await self._send(self._message(message))

    async def started(self) -> None:
        """Added the account and agreed (「はじめる」)."""
        await self.follow()
        await self.tap("はじめる")

    async def wait_for(self, words: str, timeout: float = 10.0) -> str:
        """Wait until something the person got contains `words` (e.g. a pushed notice)."""
        await until(lambda: any(words in t for t in self.texts()), timeout)
        self.seen = len(self.texts())
        return next(t for t in self.texts() if words in t)


class Counselors:
    """The counselor channel in Slack, through signed requests and the stand-in's records."""

    def __init__(self, app: RunningApp, slack: SlackStandIn) -> None:
        self.app = app
        self.slack = slack
        self.requests = SlackRequests(app.http)

    @property
    def book(self) -> CaseBook:
        book: CaseBook = self.app.services.escalation.book
        return book

    async def case_of(self, person: LinePerson, timeout: float = 10.0) -> Case:
        """The person's open case, once its card is in Slack."""

        async def posted() -> Case | None:
            case_id = await self.book.open_case_id(person.conversation)
            case = await self.book.load(case_id) if case_id else None
            return case if case is not None and case.card_ts else None

        found: Case = await until(posted, timeout)
        return found

    async def reload(self, case_id: str) -> Case:
        case = await self.book.load(case_id)
        assert case is not None
        return case

    def card(self, case: Case) -> Message:
        return self.slack.find(case.card_ts)

    def card_text(self, case: Case) -> str:
        message = self.card(case)
        return json.dumps(message.blocks, ensure_ascii=False) + message.text

    def thread(self, case: Case) -> list[str]:
        return [m.text for m in self.slack.thread(COUNSELORS, case.card_ts)]

    async def press(self, action: str, case: Case, user: str, **kw: Any) -> None:
        response = await self.requests.action(
            action, case.case_id, user=user, message_ts=kw.pop("message_ts", case.card_ts), **kw
        )
        assert response.status_code == 200, response.text

    async def write(self, case: Case, text: str, user: str, **kw: Any) -> str:
        ts = kw.pop("ts", f"{time.time():.6f}")
        response = await self.requests.thread_reply(case.card_ts, text, user=user, ts=ts, **kw)
        assert response.status_code == 200, response.text
        return ts

    def ephemeral_to(self, user: str) -> list[str]:
        return [str(e["text"]) for e in self.slack.ephemeral if e.get("user") == user]

    async def drained(self, timeout: float = 10.0) -> None:
        outbox = self.app.services.escalation.outbox
        deadline = time.monotonic() + timeout
        while await outbox.pending():
            if time.monotonic() > deadline:
                raise TimeoutError("outbox not drained")
            await asyncio.sleep(0.03)
        await self.app.idle()


_LIVE: dict[tuple[str, str], LiveConfig] = {}


def _admin_config(settings: Any) -> LiveConfig:
    """The admin files, loaded once per directory for the whole test session (loading the
    screener's dictionary takes seconds; these tests do not edit the files while running)."""
    key = (str(settings.dialogs_dir), str(settings.bot_config_dir))
    if key not in _LIVE:
        _LIVE[key] = LiveConfig(settings)
    return _LIVE[key]


@contextlib.asynccontextmanager
async def line_and_slack(
    redis_url: str,
    key_prefix: str,
    line: LineStandIn,
    slack: SlackStandIn | None,
    *,
    config_dir: Path | None = None,
    **env: Any,
) -> AsyncIterator[RunningApp]:
    """The service with LINE and (unless `slack` is None) Slack; local pages off."""
    values: dict[str, Any] = {"BOT_DEV_CHAT": False}
    if slack is not None:
        values |= slack_env(slack)
    if config_dir is not None:
        values["BOT_CONFIG_DIR"] = str(config_dir)
    settings = make_settings(redis_url, key_prefix, line.url, **(values | env))
    live = _admin_config(settings)
    async with running_app(settings, bundle=lambda: live.bundle) as app:
        yield app


__all__ = ["Counselors", "LinePerson", "body_of", "config_copy", "line_and_slack", "until"]
