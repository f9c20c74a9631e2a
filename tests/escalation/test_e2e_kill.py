"""SIGKILL in the middle: Slack accepted the card, the service died before it heard back.
The next process finds the card (by its message metadata) instead of posting it again."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import httpx
import pytest

from tests.escalation.slack_api import TOKEN, SlackStandIn
from tests.escalation.support import COUNSELORS, ROOT, SIGNING_SECRET, SUPERVISORS, SlackRequests
from tests.fakes.line_api import LineStandIn
from tests.harness import ACCESS_TOKEN, SECRET, ServeProcess, body_of, text_event

pytestmark = pytest.mark.slow


async def _until(predicate: Callable[[], bool], within: float) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.05)


async def test_killed_while_slack_holds_the_card_then_restarted_one_card(
    redis_url: str, key_prefix: str
) -> None:
    async with LineStandIn() as line, SlackStandIn() as slack:
        env = {
            "REDIS_URL": redis_url,
            "BOT_KEY_PREFIX": key_prefix,
            "BOT_CONFIG_DIR": str(ROOT / "config"),
            "DIALOGS_DIR": str(ROOT / "dialogs"),
            "BOT_LOG_LEVEL": "warning",
            "BOT_RECLAIM_IDLE_MS": "1500",
            # the second process takes the dead one's outbox lane over when its lease runs out
            "BOT_OUTBOX_LEASE_S": "3",
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
            "LINE_API_BASE_URL": line.url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
            "SLACK_COUNSELOR_CHANNEL": COUNSELORS,
            "SLACK_SUPERVISOR_CHANNEL": SUPERVISORS,
        }
        user = "U" + "killed".ljust(32, "0")
        # Slack takes the card but never answers that call.
        slack.fail("chat.postMessage", 200, count=1, after_accept=True, hold_s=120)
        first = ServeProcess(env)
        await first.start()
        try:
            response = await first.post_line(body_of(text_event(user, "もう死にたい")))
            assert response.status_code == 200
            await slack.wait_for(lambda s: bool(s.posts(COUNSELORS, top_level=True)), timeout=20)
            await asyncio.sleep(0.2)
        finally:
            first.kill()
        second = ServeProcess(env)
        await second.start()
        try:
            async with httpx.AsyncClient(base_url=second.url, trust_env=False, timeout=10) as http:
                card = slack.posts(COUNSELORS, top_level=True)[0]
                blob = json.dumps(card.blocks, ensure_ascii=False)
                case_id = card.metadata["event_payload"]["case"] if card.metadata else ""
                assert "もう死にたい" in blob
                assert case_id
                # The restarted service recovers the card (after the dead process's lease)
                # and its thread works: the claim line lands under this card.
                requests = SlackRequests(http)
                await slack.wait_for(
                    lambda s: len(s.calls_of("conversations.history")) >= 1, timeout=30
                )
                await requests.action("case_claim", case_id, user="UALICE", message_ts=card.ts)
                await slack.wait_for(
                    lambda s: any("担当しました" in m.text for m in s.thread(COUNSELORS, card.ts)),
                    timeout=20,
                )
                await _until(
                    lambda: any(
                        "相談員につながりました" in t
                        for s in line.sent
                        if s.kind == "push"
                        for t in s.texts
                    ),
                    within=20,
                )
            assert len(slack.posts(COUNSELORS, top_level=True)) == 1
        finally:
            second.terminate()
