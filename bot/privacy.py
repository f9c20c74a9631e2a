"""`python -m bot forget TARGET`: delete everything stored about a person.

TARGET is a case id (as counselors see it, e.g. C-0007), a conversation id (as in the logs), or
a LINE user id (U…). Deleted: the transcript, dialog and screening state, profile (including the
LINE address), the plans of their turns, their dead-lettered events, follow-ups and every case
of the person: in Slack the card is replaced by 「本人の希望で削除されました」 and the bot's own
posts of the case are deleted (counselors' own messages stay: Slack's retention governs them).
Those Slack calls are queued in the outbox: the running service makes them (this command does
not run the outbox). The person's own request 「データを消して」 does the same from the chat.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys

from bot.channels.base import Address
from bot.config import load_service_config
from bot.followups import Followups
from bot.intake import StreamIntake
from bot.settings import Settings
from bot.store.conversations import ConversationStore
from bot.store.keys import Keys
from bot.store.redis import open_store

CASE_ID = re.compile(r"^C-\d+$")
LINE_USER = re.compile(r"^U[0-9a-f]{32}$")


async def forget(settings: Settings, target: str) -> tuple[str | None, int, int]:
    """Returns (conversation id or None when nothing matched, cases deleted, keys deleted)."""
    from escalation import build_escalation

    service = load_service_config(settings.bot_config_dir)
    keys = Keys(settings.bot_key_prefix)
    async with open_store(settings) as (redis, _kind):
        conversations = ConversationStore(
            redis, keys, retention_s=service.retention.transcript_days * 86400
        )
        intake = StreamIntake(redis, keys, dedupe_ttl_s=settings.bot_dedupe_ttl_s)
        runtime = build_escalation(settings, redis, keys, conversations, intake, lambda: service)
        try:
            conv: str | None
            if CASE_ID.match(target):
                case = await runtime.desk.book.load(target)
                conv = case.conversation if case is not None and case.conversation else None
            elif LINE_USER.match(target):
                conv = Address("line", target).conversation_id()
            else:
                conv = target
            if conv is None:
                return None, 0, 0
            cases = await runtime.desk.forget(conv)
            await Followups(redis, keys).cancel(conv)
            deleted = await conversations.forget(conv)
            if cases == 0 and deleted == 0:
                return None, 0, 0
            return conv, cases, deleted
        finally:
            await runtime.aclose()


def run_forget(args: argparse.Namespace) -> int:
    target = str(args.target).strip()
    if not target:
        print("Give a case id (C-0001), a conversation id or a LINE user id.", file=sys.stderr)
        return 2
    conv, cases, deleted = asyncio.run(forget(Settings(), target))
    if conv is None:
        print(f"Nothing is stored for {target!r}: nothing was deleted.", file=sys.stderr)
        return 1
    print(f"Deleted conversation {conv}: {cases} case(s) and {deleted} record(s).")
    if cases:
        print(
            "Slack: the card changes and post deletions are queued; the running service sends them."
        )
    return 0
