"""What the escalation tests share: a running counselor side (real Redis, real escalation code,
stand-in Slack Web API on loopback) and really signed Slack requests."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import redis.asyncio as aioredis
from fastapi import FastAPI

from bot.channels.base import Address, InboundEvent
from bot.config import ServiceConfig, load_service_config
from bot.screening.types import RiskLevel, ScreeningResult, Signal
from bot.settings import Settings
from bot.store.conversations import ConversationStore, TranscriptEntry
from bot.store.keys import Keys
from bot.turn import CaseRequest, CaseStatus
from escalation import EscalationRuntime, build_escalation
from escalation.config import load_escalation_config
from tests.escalation.slack_api import TEAM, TOKEN, SlackStandIn

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "test-signing-secret"
COUNSELORS = "C0COUNSEL"
SUPERVISORS = "C0SUPER"
SUPERVISOR = "USUPER"  # the one supervisor of SLACK_SUPERVISOR_USERS in these tests


class RecordingIntake:
    """The `Intake` seam as the pipeline's stream would behave: deduplicated on event id."""

    def __init__(self) -> None:
        self.events: list[InboundEvent] = []
        self._seen: set[str] = set()
        self.changed = asyncio.Event()

    async def submit(self, events: Sequence[InboundEvent]) -> list[int]:
        out = []
        for event in events:
            if event.event_id in self._seen:
                out.append(0)
                continue
            self._seen.add(event.event_id)
            self.events.append(event)
            out.append(len(self.events))
        self.changed.set()
        return out

    def of(self, kind: str, text: str | None = None) -> list[InboundEvent]:
        return [e for e in self.events if e.kind == kind and (text is None or e.text == text)]

    async def wait(self, predicate: Any, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                raise TimeoutError(f"intake has {[(e.kind, e.text) for e in self.events]}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 0.1)


def write_config(directory: Path, **timers: float) -> Path:
    """A copy of config/escalation.yaml with other timer values (minutes)."""
    text = (ROOT / "config" / "escalation.yaml").read_text(encoding="utf-8")
    for name, value in timers.items():
        lines = []
        for line in text.splitlines():
            if line.strip().startswith(f"{name}:"):
                indent = line[: len(line) - len(line.lstrip())]
                line = f"{indent}{name}: {value}"
            lines.append(line)
        text = "\n".join(lines) + "\n"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "escalation.yaml").write_text(text, encoding="utf-8")
    return directory


def screening(risk: RiskLevel, *words: str, reasons: Sequence[str] = ()) -> ScreeningResult:
    signals = tuple(Signal("ideation", w, w, 0, len(w)) for w in words)
    return ScreeningResult(
        risk=risk,
        message_risk=risk,
        signals=signals,
        factors=("debt", "isolation"),
        reasons=tuple(reasons) or (f"{risk.label}: " + "、".join(words),),
    )


def slack_signature(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackRequests:
    """Requests as Slack sends them to ``POST /slack/events``, really signed."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post_slack(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        ts = timestamp if timestamp is not None else int(time.time())
        hdrs = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature or slack_signature(body, ts),
        }
        hdrs.update(headers or {})
        return await self.http.post("/slack/events", content=body.encode(), headers=hdrs)

    async def slack_event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T0001",
                "api_app_id": "A0001",
                "type": "event_callback",
                "event_id": event_id or "Ev" + uuid.uuid4().hex[:10].upper(),
                "event_time": int(time.time()),
                "event": event,
            },
            ensure_ascii=False,
        )
        return await self.post_slack(body, "application/json", headers=headers)

    async def thread_reply(
        self,
        thread_ts: str,
        text: str,
        *,
        user: str = "UCOUNSELOR1",
        ts: str | None = None,
        event_id: str | None = None,
        **extra: Any,
    ) -> httpx.Response:
        event: dict[str, Any] = {
            "type": "message",
            "channel": COUNSELORS,
            "user": user,
            "text": text,
            "ts": ts or f"{time.time():.6f}",
            "thread_ts": thread_ts,
            "channel_type": "channel",
            **extra,
        }
        return await self.slack_event(event, event_id=event_id)

    async def action(
        self,
        action_id: str,
        case_id: str,
        *,
        user: str = "UCOUNSELOR1",
        message_ts: str = "",
        channel: str = COUNSELORS,
        team: str = TEAM,
    ) -> httpx.Response:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user, "name": user.lower(), "team_id": team},
            "api_app_id": "A0001",
            "token": "legacy",
            "trigger_id": "trigger-" + uuid.uuid4().hex[:8],
            "channel": {"id": channel},
            "container": {"type": "message", "message_ts": message_ts},
            "message": {"ts": message_ts},
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": f"case_actions:{case_id}",
                    "value": case_id,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
        return await self.post_slack(body, "application/x-www-form-urlencoded")

    async def submit_close(
        self,
        case_id: str,
        outcome: str | None,
        summary: str = "",
        *,
        user: str = "UCOUNSELOR1",
        why: str = "",
        team: str = TEAM,
    ) -> httpx.Response:
        """The close dialog submitted (`outcome=None`: a crafted submission without one)."""
        values: dict[str, Any] = {
            "summary": {"summary": {"type": "plain_text_input", "value": summary}},
            "why": {"why": {"type": "plain_text_input", "value": why}},
        }
        if outcome is not None:
            values["outcome"] = {
                "outcome": {"type": "static_select", "selected_option": {"value": outcome}}
            }
        return await self._submit("case_close_modal", case_id, values, user=user, team=team)

    async def submit_hand_back(
        self, case_id: str, why: str, *, user: str = "UCOUNSELOR1", team: str = TEAM
    ) -> httpx.Response:
        values = {"why": {"why": {"type": "plain_text_input", "value": why}}}
        return await self._submit("case_hand_back_modal", case_id, values, user=user, team=team)

    async def _submit(
        self, callback_id: str, case_id: str, values: dict[str, Any], *, user: str, team: str
    ) -> httpx.Response:
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": team},
            "api_app_id": "A0001",
            "token": "legacy",
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": case_id,
                "state": {"values": values},
            },
        }
        body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
        return await self.post_slack(body, "application/x-www-form-urlencoded")


class Desk:
    """A running counselor side for one test."""

    def __init__(
        self,
        runtime: EscalationRuntime,
        redis: aioredis.Redis,
        keys: Keys,
        conversations: ConversationStore,
        intake: RecordingIntake,
        slack: SlackStandIn | None,
        http: httpx.AsyncClient,
    ) -> None:
        self.runtime = runtime
        self.book = runtime.book
        self.redis = redis
        self.keys = keys
        self.conversations = conversations
        self.intake = intake
        self.slack = slack
        self.http = http

    async def person(self, user: str, *history: tuple[str, str]) -> str:
        """A LINE person with some conversation so far; returns the conversation id."""
        address = Address("line", user)
        conv = address.conversation_id()
        await self.conversations.set_profile(
            conv, {"address": json.dumps({"channel": "line", "to": user})}
        )
        now = int(time.time() * 1000)
        await self.conversations.append_transcript(
            conv,
            [TranscriptEntry(role, text, now, "e") for role, text in history],  # type: ignore[arg-type]
        )
        return conv

    async def open(
        self,
        conv: str,
        text: str,
        risk: RiskLevel = RiskLevel.HIGH,
        *,
        key: str | None = None,
        reason: str = "risk",
        words: Sequence[str] = (),
        now: datetime | None = None,
        collected: dict[str, str] | None = None,
    ) -> CaseStatus:
        request = CaseRequest(
            conversation=conv,
            key=key or uuid.uuid4().hex,
            reason=reason,  # type: ignore[arg-type]
            screening=screening(
                risk, *(words or ([text[:4]] if risk >= RiskLevel.MODERATE else []))
            )
            if risk > RiskLevel.NONE
            else None,
            collected=collected or {"いまの安全": "自宅にいる"},
            consent=True,
            trigger_text=text,
        )
        return await self.runtime.desk.open_case(request, now or datetime.now(UTC))

    # --- signed Slack requests -------------------------------------------------------------
    @property
    def requests(self) -> SlackRequests:
        return SlackRequests(self.http)

    async def post_slack(self, body: str, content_type: str, **kw: Any) -> httpx.Response:
        return await self.requests.post_slack(body, content_type, **kw)

    async def slack_event(self, event: dict[str, Any], **kw: Any) -> httpx.Response:
        return await self.requests.slack_event(event, **kw)

    async def thread_reply(self, thread_ts: str, text: str, **kw: Any) -> httpx.Response:
        return await self.requests.thread_reply(thread_ts, text, **kw)

    async def action(self, action_id: str, case_id: str, **kw: Any) -> httpx.Response:
        """A button pressed on the case's own card (unless `message_ts`/`channel` say else)."""
        if "message_ts" not in kw:
            case = await self.book.load(case_id)
            kw["message_ts"] = case.card_ts if case is not None else ""
        return await self.requests.action(action_id, case_id, **kw)

    async def submit_close(
        self, case_id: str, outcome: str | None, summary: str = "", **kw: Any
    ) -> httpx.Response:
        return await self.requests.submit_close(case_id, outcome, summary, **kw)

    async def submit_hand_back(self, case_id: str, why: str, **kw: Any) -> httpx.Response:
        return await self.requests.submit_hand_back(case_id, why, **kw)

    async def card_of(self, case_id: str, timeout: float = 10.0) -> str:
        """Wait until the case's card is posted; return its ts."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            case = await self.book.load(case_id)
            if case is not None and case.card_ts:
                return case.card_ts
            await asyncio.sleep(0.02)
        raise TimeoutError(f"card of {case_id} not posted")

    async def drained(self, timeout: float = 10.0) -> None:
        """Wait until the outbox has nothing left to send."""
        deadline = time.monotonic() + timeout
        while await self.runtime.outbox.pending():
            if time.monotonic() > deadline:
                raise TimeoutError("outbox not drained")
            await asyncio.sleep(0.02)


def slack_env(slack: SlackStandIn) -> dict[str, Any]:
    """The settings that wire the service to the stand-in Slack workspace."""
    return {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "SLACK_COUNSELOR_CHANNEL": COUNSELORS,
        "SLACK_SUPERVISOR_CHANNEL": SUPERVISORS,
        "SLACK_SUPERVISOR_USERS": f"{SUPERVISOR}, USUPER2",
    }


def make_settings(
    redis_url: str, prefix: str, config_dir: Path, slack: SlackStandIn | None, **extra: Any
) -> Settings:
    values: dict[str, Any] = {
        "REDIS_URL": redis_url,
        "BOT_KEY_PREFIX": prefix,
        "BOT_CONFIG_DIR": str(config_dir),
        "BOT_RELOAD_INTERVAL_S": 0,
        "BOT_DEV_CHAT": True,
        "BOT_SLACK_POST_INTERVAL_S": 0.02,  # Slack's pace kept, but quick (see tests/faults)
    }
    if slack is not None:
        values |= slack_env(slack)
    values |= extra
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def service_config() -> ServiceConfig:
    return load_service_config(ROOT / "config")


@contextlib.asynccontextmanager
async def running_desk(
    redis: aioredis.Redis,
    redis_url: str,
    keys: Keys,
    config_dir: Path,
    slack: SlackStandIn | None,
    *,
    run: bool = True,
    lease_s: float = 10.0,
    intake: RecordingIntake | None = None,
    clock: Any = None,
    **settings_extra: Any,
) -> AsyncIterator[Desk]:
    settings = make_settings(redis_url, keys.prefix, config_dir, slack, **settings_extra)
    conversations = ConversationStore(redis, keys, retention_s=86400)
    intake = intake or RecordingIntake()
    service = service_config()
    cfg = load_escalation_config(config_dir)
    runtime = build_escalation(
        settings,
        redis,
        keys,
        conversations,
        intake,
        lambda: service,
        config=lambda: cfg,
        clock=clock,
        outbox_lease_s=lease_s,
    )
    runtime.timer_poll_s = 0.05
    runtime.outbox.backoff.base_s = 0.05
    runtime.outbox.backoff.cap_s = 0.5
    app = FastAPI()
    app.include_router(runtime.router)
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.run(stop)) if run else None
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test", timeout=10
    ) as http:
        try:
            yield Desk(runtime, redis, keys, conversations, intake, slack, http)
        finally:
            stop.set()
            if task is not None:
                await asyncio.wait_for(task, 10)
            await runtime.aclose()
