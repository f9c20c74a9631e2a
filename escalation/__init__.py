"""Counselor hand-off: cases, the priority queue, Slack case cards and thread relay, timers,
and the local counselor console.

`build_escalation` is the one entry point the app uses; see docs/escalation.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlparse

import aiohttp
import redis.asyncio as aioredis
import structlog
from fastapi import APIRouter
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ServiceConfig
from bot.settings import Settings
from bot.store.conversations import ConversationStore
from bot.store.keys import Keys
from bot.turn import Intake
from escalation.board import Board, ConsoleBoard
from escalation.cases import CaseBook
from escalation.config import (
    EscalationConfig,
    EscalationConfigSource,
    check_escalation_config,
    load_escalation_config,
)
from escalation.console import console_router
from escalation.desk import CaseDesk
from escalation.erasure import CaseEraser
from escalation.model import PRIORITY_NAMES, PRIORITY_SPAN
from escalation.outbox import Outbox
from escalation.pace import ChannelPace
from escalation.sending import CaseSender
from escalation.slack import SlackBoard, SlackCounselorApp
from escalation.slack_entry import slack_events_router
from escalation.timers import CaseTimers

log = structlog.get_logger(__name__)

__all__ = [
    "CaseDesk",
    "EscalationConfig",
    "EscalationRuntime",
    "build_escalation",
    "check_escalation_config",
    "load_escalation_config",
]

TIMER_POLL_S = 1.0
RETENTION_SWEEP_S = 600.0  # how often old console alerts and dead letters are removed


@dataclass
class EscalationRuntime:
    """What the app wires in: the desk for the pipeline, the HTTP routes, and the background
    loops (outbox sender, timers) for `run`."""

    desk: CaseDesk
    router: APIRouter
    book: CaseBook
    eraser: CaseEraser
    timers: CaseTimers
    outbox: Outbox
    clock: Callable[[], datetime]
    slack: SlackCounselorApp | None = None
    timer_poll_s: float = TIMER_POLL_S
    retention_sweep_s: float = RETENTION_SWEEP_S
    _clients: list[AsyncWebClient] = field(default_factory=list)
    _sessions: list[aiohttp.ClientSession] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        """Send the outbox and fire timers until `stop` is set. Safe in several processes."""
        for client in self._clients:
            if client.session is None or client.session.closed:
                session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))
                client.session = session
                self._sessions.append(session)
        sender = CaseSender(self.book)
        await asyncio.gather(
            self.outbox.run(stop, sender.send, sender.channel_of),
            self._timers(stop),
            self._retention(stop),
        )

    async def sweep(self, now_ms: int) -> int:
        """Enforce retention on what has no timer of its own: console alerts and parked
        (dead-letter) events older than retention.transcript_days. Returns how many went."""
        removed = await self.eraser.trim_alerts(now_ms)
        return removed + await self.book.conversations.trim_dead_letters(now_ms)

    async def _retention(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.sweep(int(self.clock().timestamp() * 1000))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("retention.sweep_failed", error=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.retention_sweep_s)

    async def _timers(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                now_ms = int(self.clock().timestamp() * 1000)
                while await self.timers.fire_timers(now_ms) and not stop.is_set():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("timers.failed", error=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.timer_poll_s)

    async def stats(self, now_ms: int | None = None) -> dict[str, int]:
        """Gauges for /metrics: cases waiting (in all and per priority), the longest wait,
        cases open, outbox lanes with work pending."""
        k = self.book.keys
        async with self.book.redis.pipeline(transaction=False) as pipe:
            pipe.zrange(k.case_queue, 0, -1, withscores=True)
            pipe.zcard(k.cases_open)
            pipe.zcard(k.outbox_due)
            queue, open_, pending = await pipe.execute()
        now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        by_priority = dict.fromkeys(PRIORITY_NAMES.values(), 0)
        oldest = now_ms
        for _case_id, score in queue:
            priority, opened_ms = divmod(int(score), PRIORITY_SPAN)
            by_priority[PRIORITY_NAMES.get(priority, "request")] += 1
            oldest = min(oldest, opened_ms)
        out = {
            "queued": len(queue),
            "open": int(open_),
            "outbox_lanes": int(pending),
            "oldest_wait_s": max(0, (now_ms - oldest) // 1000) if queue else 0,
        }
        out.update({f"queued_{name}": count for name, count in by_priority.items()})
        return out

    async def aclose(self) -> None:
        for session in self._sessions:
            await session.close()
        self._sessions.clear()


def _slack_client(settings: Settings, *, retry_429: bool) -> AsyncWebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = AsyncWebClient(
        token=token, base_url=settings.slack_api_url, proxy=settings.bot_proxy, timeout=10
    )
    host = urlparse(settings.slack_api_url).hostname or ""
    if settings.bot_proxy is None and host in ("127.0.0.1", "localhost", "::1"):
        client.proxy = None  # slack_sdk would take HTTPS_PROXY and ignore NO_PROXY
    if retry_429:
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    else:
        client.retry_handlers.clear()  # the outbox retries, and knows when a post is uncertain
    return client


def build_escalation(
    settings: Settings,
    redis: aioredis.Redis,
    keys: Keys,
    conversations: ConversationStore,
    intake: Intake,
    service: Callable[[], ServiceConfig],
    *,
    config: Callable[[], EscalationConfig] | None = None,
    clock: Callable[[], datetime] | None = None,
    outbox_lease_s: float | None = None,
) -> EscalationRuntime:
    """Assemble the counselor side. Slack when `settings.slack_enabled`, else the console
    board; the console page is served whenever `settings.dev_pages_enabled`."""
    cfg = config or EscalationConfigSource(
        settings.bot_config_dir, interval_s=settings.bot_reload_interval_s
    )
    clock = clock or (lambda: datetime.now(UTC))
    pace = None
    if settings.slack_enabled and settings.bot_slack_post_interval_s > 0:
        interval = settings.bot_slack_post_interval_s
        pace = ChannelPace(redis, keys, interval_s=interval, grace_s=min(0.2, interval))
    lease_s = settings.bot_outbox_lease_s if outbox_lease_s is None else outbox_lease_s
    outbox = Outbox(redis, keys, lease_s=lease_s, pace=pace)
    board: Board
    clients: list[AsyncWebClient] = []
    slack_client: AsyncWebClient | None = None
    if settings.slack_enabled:
        if not settings.slack_counselor_channel:
            raise ValueError("SLACK_COUNSELOR_CHANNEL must be set when Slack credentials are")
        outbox_client = _slack_client(settings, retry_429=False)
        clients.append(outbox_client)
        board = SlackBoard(
            outbox_client,
            cfg,
            counselor_channel=settings.slack_counselor_channel,
            supervisor_channel=settings.slack_supervisor_channel or "",
        )
        slack_client = _slack_client(settings, retry_429=True)
    else:
        board = ConsoleBoard(redis, keys)
    if settings.line_enabled and not settings.counselors_visible:
        # Loud: people on LINE would be talking to a service no counselor can ever see.
        log.error(
            "escalation.no_counselor_side",
            problem="LINE is configured but there is no counselor side: set SLACK_BOT_TOKEN, "
            "SLACK_SIGNING_SECRET and SLACK_COUNSELOR_CHANNEL (or BOT_DEV_CHAT=1 for the local "
            "console). Until then nobody is promised a counselor: the bot says none can join "
            "and gives the hotlines.",
        )
    book = CaseBook(
        redis,
        keys,
        conversations,
        outbox,
        board,
        intake,
        cfg,
        service,
        counselor_channel=settings.slack_counselor_channel or "",
        supervisor_channel=settings.slack_supervisor_channel or "",
        visible=settings.counselors_visible,
    )
    router = APIRouter()
    slack_app: SlackCounselorApp | None = None
    if slack_client is not None and settings.slack_signing_secret is not None:
        slack_app = SlackCounselorApp(
            book=book,
            redis=redis,
            keys=keys,
            client=slack_client,
            signing_secret=settings.slack_signing_secret.get_secret_value(),
            counselor_channel=settings.slack_counselor_channel or "",
            config=cfg,
            supervisors=settings.supervisors,
            supervisor_channel=settings.slack_supervisor_channel or "",
        )
        router.include_router(
            slack_events_router(
                slack_app.app,
                signing_secret=settings.slack_signing_secret.get_secret_value(),
                max_body_bytes=settings.bot_max_body_bytes,
            )
        )

    if settings.dev_pages_enabled:
        router.include_router(console_router(book))
    if settings.slack_enabled and not settings.supervisors:
        log.warning(
            "escalation.no_supervisors",
            problem="SLACK_SUPERVISOR_USERS is empty: no one can close or hand back an imminent "
            "or flagged case, or sign off a counselor's request to close or hand back one",
        )
    eraser = CaseEraser(book)
    return EscalationRuntime(
        desk=CaseDesk(book, eraser, clock),
        router=router,
        book=book,
        eraser=eraser,
        timers=CaseTimers(book),
        outbox=outbox,
        clock=clock,
        slack=slack_app,
        _clients=clients,
    )
