"""The durable outbox: Slack failing (5xx, 429 + Retry-After, accepted-then-500, killed
mid-call) never loses a card and never posts one twice."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import redis.asyncio as aioredis

from bot.screening.types import RiskLevel
from bot.store.keys import Keys
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, Desk, RecordingIntake, running_desk


def cards(slack: SlackStandIn) -> list[str]:
    return [m.ts for m in slack.posts(COUNSELORS, top_level=True)]


async def test_slack_5xx_during_escalation_then_recovery_posts_each_card_once(
    desk: Desk, slack: SlackStandIn
) -> None:
    slack.fail("chat.postMessage", 503, count=4)
    ids = []
    for i in range(3):
        conv = await desk.person(f"Uout{i}")
        ids.append((await desk.open(conv, "死にたい")).case_id)
    for case_id in ids:
        await desk.card_of(case_id)
    assert len(slack.calls_of("chat.postMessage", 503)) == 4
    assert len(cards(slack)) == 3
    stored = {(await desk.book.load(c)).card_ts for c in ids}  # type: ignore[union-attr]
    assert stored == set(cards(slack))


async def test_429_holds_the_channel_for_its_retry_after(desk: Desk, slack: SlackStandIn) -> None:
    """Slack's post rate is per channel: a 429 holds the channel for its Retry-After, for
    every case (asking again at once would only be refused again), and then each card goes
    once."""
    slack.fail("chat.postMessage", 429, count=1, retry_after=1)
    first = (await desk.open(await desk.person("Uslow"), "死にたい")).case_id
    await slack.wait_for(lambda s: bool(s.calls_of("chat.postMessage", 429)))
    limited_at = slack.calls_of("chat.postMessage", 429)[0].at
    second = (await desk.open(await desk.person("Ufast"), "死にたい")).case_id
    await desk.card_of(second, timeout=5)
    await desk.card_of(first)
    posted = {
        case_id: [
            c
            for c in slack.calls_of("chat.postMessage")
            if c.args.get("text", "").startswith("新しいケース " + case_id)
        ]
        for case_id in (first, second)
    }
    assert [len(calls) for calls in posted.values()] == [1, 1]
    assert all(calls[0].at - limited_at >= 1.0 for calls in posted.values())  # Retry-After held
    assert len(slack.calls_of("chat.postMessage", 429)) == 1  # nobody asked again meanwhile
    assert len(cards(slack)) == 2


async def test_post_accepted_but_answered_500_is_found_not_reposted(
    desk: Desk, slack: SlackStandIn
) -> None:
    slack.fail("chat.postMessage", 500, count=1, after_accept=True)
    case_id = (await desk.open(await desk.person("Ulost"), "死にたい")).case_id
    ts = await desk.card_of(case_id)
    assert cards(slack) == [ts]
    assert slack.calls_of("conversations.history")  # it looked before posting again


async def test_killed_mid_post_then_restarted_posts_one_card(
    redis: aioredis.Redis, redis_url: str, keys: Keys, config_dir: Path, slack: SlackStandIn
) -> None:
    intake = RecordingIntake()
    # Slack takes the card, but the answer never arrives before the process dies.
    slack.fail("chat.postMessage", 200, count=1, after_accept=True, hold_s=30)
    async with running_desk(
        redis, redis_url, keys, config_dir, slack, lease_s=1, intake=intake
    ) as first:
        conv = await first.person("Ukill")
        case_id = (await first.open(conv, "もう限界、死にたい")).case_id
        await slack.wait_for(lambda s: len(cards(s)) == 1)
        await asyncio.sleep(0.05)
    # "Killed": the sender task was cancelled mid-call; nothing recorded the card.
    case = await first.book.load(case_id)
    assert case is not None
    assert case.card_ts == ""
    async with running_desk(
        redis, redis_url, keys, config_dir, slack, lease_s=1, intake=intake
    ) as second:
        ts = await second.card_of(case_id, timeout=10)
        assert cards(slack) == [ts]
        # The thread mapping survived too: a claim's thread line lands under that card.
        await second.action("case_claim", case_id, user="UALICE")
        await second.drained()
        assert any("担当しました" in m.text for m in slack.thread(COUNSELORS, ts))
    assert len(cards(slack)) == 1


async def test_outbox_waits_while_slack_is_down_and_keeps_order_in_a_thread(
    desk: Desk, slack: SlackStandIn
) -> None:
    conv = await desk.person("Uorder")
    case_id = (await desk.open(conv, "死にたい")).case_id
    ts = await desk.card_of(case_id)
    slack.fail("chat.postMessage", 502, count=3)
    for i in range(5):
        await desk.runtime.desk.person_said(conv, f"メッセージ{i}", f"ev{i}:0", None)
    await desk.drained()
    lines = [m.text for m in slack.thread(COUNSELORS, ts)]
    assert lines == [f"*本人*: メッセージ{i}" for i in range(5)]


async def test_imminent_alerts_supervisors_at_once_and_tops_the_queue(
    desk: Desk, slack: SlackStandIn
) -> None:
    t0 = time.time()
    high = (await desk.open(await desk.person("Uh"), "死にたい", RiskLevel.HIGH)).case_id
    moderate = (await desk.open(await desk.person("Um"), "つらい", RiskLevel.MODERATE)).case_id
    request = (
        await desk.open(await desk.person("Ur"), "人と話したい", RiskLevel.NONE, reason="request")
    ).case_id
    status = await desk.open(
        await desk.person("Ui"), "今から飛び降りる", RiskLevel.IMMINENT, words=["飛び降りる"]
    )
    assert status.position == 1
    assert await desk.book.queue() == [status.case_id, high, moderate, request]
    await slack.wait_for(lambda s: bool(s.posts("C0SUPER")))
    alert = slack.posts("C0SUPER")[0]
    assert status.case_id in alert.text
    assert "飛び降りる" in alert.text
    assert alert.metadata
    assert alert.metadata["event_payload"]["case"] == status.case_id
    assert time.time() - t0 < 5
    # Only the imminent case alerted the supervisors.
    assert len(slack.posts("C0SUPER")) == 1
