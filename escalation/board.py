"""The counselor adapter seam: where case cards, thread lines and alerts are shown.

`SlackBoard` (escalation/slack.py) posts them to Slack; `ConsoleBoard` keeps them in Redis for
the local console page, which renders cards straight from the case store. Everything above
this seam (cases, queue, outbox, timers, relay) is the same code for both.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

from bot.store.keys import Keys
from escalation.cards import CaseCard

CONSOLE = "console"
ALERTS_KEPT = 50


@dataclass(frozen=True, slots=True)
class CardRef:
    """Where a case's card lives: Slack channel and message ts (the thread root)."""

    channel: str
    ts: str


class Board(Protocol):
    """Shows cases to counselors. Every call may raise `outbox.SendFailed`.

    `token` is the outbox item id: posts carry it so that a post whose outcome was unknown
    (`maybe_sent`) is found again instead of being made twice."""

    kind: str  # "slack" | "console"

    async def post_card(
        self, card: CaseCard, *, token: str, maybe_sent: bool, since_ms: int
    ) -> CardRef: ...

    async def update_card(self, ref: CardRef, card: CaseCard) -> None: ...

    async def post_in_thread(
        self, ref: CardRef, text: str, *, token: str, maybe_sent: bool, broadcast: bool = False
    ) -> str | None:
        """Post a line in the card's thread; returns its ts (so it can be deleted later)."""
        ...

    async def replace_card(self, ref: CardRef, text: str) -> None:
        """Replace the card by a neutral line without buttons (deleted, or past retention)."""
        ...

    async def delete_post(self, channel: str, ts: str) -> None:
        """Delete one of the bot's own posts (a thread line, an alert)."""
        ...

    async def mark_delivered(self, channel: str, ts: str) -> None:
        """A counselor's message (channel, ts) reached the person."""
        ...

    async def alert_supervisor(
        self,
        case_id: str,
        render: Callable[[str], str],
        ref: CardRef | None,
        *,
        token: str,
        maybe_sent: bool,
        since_ms: int,
        approve: bool = False,
    ) -> CardRef | None:
        """Post `render(link_to_card)` to the supervisors (with the 「承認する」 button when
        `approve`); returns where it was posted."""
        ...

    async def notify_counselor(
        self, channel: str, user: str, text: str, thread_ts: str | None
    ) -> None:
        """Tell one counselor something only they see (Slack: an ephemeral message)."""
        ...


class ConsoleBoard:
    """The local console: cards are read live from the case store, so posting is a no-op;
    supervisor alerts go to a short list the console shows."""

    kind = CONSOLE

    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    async def post_card(
        self, card: CaseCard, *, token: str, maybe_sent: bool, since_ms: int
    ) -> CardRef:
        return CardRef(CONSOLE, card.case_id)

    async def update_card(self, ref: CardRef, card: CaseCard) -> None:
        return None

    async def post_in_thread(
        self, ref: CardRef, text: str, *, token: str, maybe_sent: bool, broadcast: bool = False
    ) -> str | None:
        return None  # the console shows the case log itself

    async def replace_card(self, ref: CardRef, text: str) -> None:
        return None  # the console renders the case record, which says so itself

    async def delete_post(self, channel: str, ts: str) -> None:
        return None

    async def mark_delivered(self, channel: str, ts: str) -> None:
        return None  # the case store records deliveries for both boards

    async def alert_supervisor(
        self,
        case_id: str,
        render: Callable[[str], str],
        ref: CardRef | None,
        *,
        token: str,
        maybe_sent: bool,
        since_ms: int,
        approve: bool = False,
    ) -> CardRef | None:
        entry = json.dumps(
            {
                "id": token,
                "case_id": case_id,
                "text": render(""),
                "at": int(time.time() * 1000),
                "approve": approve,
            },
            ensure_ascii=False,
        )
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(self.keys.console_alerts, entry)
            pipe.ltrim(self.keys.console_alerts, 0, ALERTS_KEPT - 1)
            await pipe.execute()
        return None

    async def notify_counselor(
        self, channel: str, user: str, text: str, thread_ts: str | None
    ) -> None:
        return None  # console actions get their answer in the HTTP response
