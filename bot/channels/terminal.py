"""`python -m bot chat`: talk to the bot in a terminal, through the same pipeline as LINE.

It runs the service in-process (store, workers, escalation) without the web server, and uses
the local channel: what you type becomes an event on the stream, the bot's answers come back
through the local outbox. Quick replies are numbered; type the number to choose one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import uuid
from typing import Any

from bot.channels.base import EventKind
from bot.channels.local import LocalSender, local_event
from bot.checker_messages import explain
from bot.settings import Settings
from bot.yamlio import ConfigError


async def _chat(settings: Settings) -> int:
    from bot.app import create_app

    app = create_app(settings)
    services = app.state.services
    sender = services.senders["local"]
    assert isinstance(sender, LocalSender)
    session = "term-" + uuid.uuid4().hex[:16]
    seen = 0
    choices: list[dict[str, Any]] = []

    async def show_new(wait_s: float) -> None:
        nonlocal seen, choices
        deadline = asyncio.get_running_loop().time() + wait_s
        got_any = False
        while True:
            items = await sender.messages(session, seen)
            seen += len(items)
            for item in items:
                if item.get("role") != "bot":
                    continue
                got_any = True
                print("\n" + item["text"])
                choices = list(item.get("quick_replies") or [])
                for i, q in enumerate(choices, 1):
                    print(f"  [{i}] {q['label']}")
            now = asyncio.get_running_loop().time()
            if now > deadline or (got_any and not items):
                return
            await asyncio.sleep(0.15)

    async with app.router.lifespan_context(app):
        print("つながり (local chat). Ctrl-D to leave.", file=sys.stderr)
        await services.intake.submit([local_event(session, EventKind.FOLLOW)])
        await show_new(5.0)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, _read_line)
            if line is None:
                break
            text = line.strip()
            if not text:
                continue
            if text.isdigit() and 1 <= int(text) <= len(choices):
                choice = choices[int(text) - 1]
                if choice.get("data"):
                    event = local_event(session, EventKind.POSTBACK, postback=choice["data"])
                else:
                    event = local_event(
                        session, EventKind.TEXT, text=choice.get("text") or choice["label"]
                    )
            else:
                event = local_event(session, EventKind.TEXT, text=text[:5000])
            await sender.record_person(session, text)
            await services.intake.submit([event])
            await show_new(10.0)
    return 0


def _read_line() -> str | None:
    try:
        return input("\nあなた> ")
    except EOFError:
        return None


def run_chat(args: argparse.Namespace) -> int:
    settings = Settings()
    updates: dict[str, Any] = {"bot_dev_chat": True}
    if "BOT_LOG_LEVEL" not in os.environ:
        updates["bot_log_level"] = "warning"
    settings = settings.model_copy(update=updates)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            return asyncio.run(_chat(settings))
    except ConfigError as exc:
        print(explain("cli.chat_refused"), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    return 0
