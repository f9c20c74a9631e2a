"""The `Desk` the pipeline calls (bot/turn.py), over the case book."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.channels.base import EventKind, InboundEvent
from bot.screening.types import ScreeningResult
from bot.turn import CaseRequest, CaseStatus
from escalation.cases import CaseBook
from escalation.erasure import CaseEraser


class CaseDesk:
    """Implements `bot.turn.Desk` for both counselor boards (Slack and the local console)."""

    def __init__(
        self, book: CaseBook, eraser: CaseEraser, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.book = book
        self.eraser = eraser
        self.clock = clock or (lambda: datetime.now(UTC))

    @property
    def visible(self) -> bool:
        return self.book.visible

    def _now_ms(self) -> int:
        return int(self.clock().timestamp() * 1000)

    async def case_status(self, conversation: str, now: datetime) -> CaseStatus | None:
        return await self.book.status(conversation, now)

    def open_case_key(self, conversation: str) -> str:
        return self.book.keys.conv_case(conversation)

    async def open_case(self, request: CaseRequest, now: datetime) -> CaseStatus:
        return await self.book.open(request, now)

    async def person_said(
        self,
        conversation: str,
        text: str,
        key: str,
        screening: ScreeningResult | None,
        media_type: str | None = None,
    ) -> None:
        await self.book.person_said(
            conversation, text, key, screening, self._now_ms(), media_type=media_type
        )

    async def bot_said(self, conversation: str, texts: Sequence[str], key: str) -> None:
        await self.book.bot_said(conversation, texts, key, self._now_ms())

    async def person_declined(self, conversation: str, key: str) -> None:
        await self.book.person_declined(conversation, key, self._now_ms())

    async def undelivered(self, request: CaseRequest, now: datetime) -> None:
        await self.book.undelivered(request, now)

    async def person_left(self, conversation: str, key: str) -> None:
        await self.book.person_left(conversation, key, self._now_ms())

    async def relayed(self, event: InboundEvent) -> None:
        if event.kind == EventKind.COUNSELOR:
            await self.book.relayed(event)

    async def forget(self, conversation: str) -> int:
        """Delete the person's cases (they asked to be forgotten); returns how many."""
        return await self.eraser.forget(conversation)
