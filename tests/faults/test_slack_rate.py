"""Slack at its real rate (short version; `make bench` opens 50 cases at once): the stand-in
Slack takes one chat.postMessage per second per channel and answers 429 beyond. Posts keep
that pace across processes, the most urgent case's card goes first, every card goes once, and
updates of one card coalesce."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.screening.types import RiskLevel
from bot.store.keys import Keys
from bot.turn import CaseRequest
from escalation.outbox import OutboxItem, UpdateCard
from escalation.pace import ChannelPace
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, Desk, running_desk, screening, write_config

SLACK_INTERVAL_S = 1.0  # the stand-in's rate: one post a second per channel


@pytest.fixture
async def paced_desk(
    redis: aioredis.Redis, redis_url: str, keys: Keys, tmp_path: Path, slack: SlackStandIn
) -> AsyncIterator[Desk]:
    slack.post_interval_s = SLACK_INTERVAL_S
    config_dir = write_config(tmp_path / "config")
    async with running_desk(
        redis, redis_url, keys, config_dir, slack, BOT_SLACK_POST_INTERVAL_S=1.05
    ) as desk:
        yield desk


def request(conv: str, risk: RiskLevel, *, flagged: bool = False) -> CaseRequest:
    found = screening(risk, "死にたい")
    if flagged:
        found = replace(found, flags=("harm_to_others",))
    return CaseRequest(
        conversation=conv,
        key=uuid.uuid4().hex,
        reason="risk",
        screening=found,
        collected={},
        consent=True,
        trigger_text="死にたい",
    )


def card_posts(slack: SlackStandIn) -> list[tuple[str, float]]:
    """(case id, when) of each card Slack took, in order."""
    return [
        (str(c.args["metadata"]["event_payload"]["case"]), c.at)
        for c in slack.calls_of("chat.postMessage")
        if c.args.get("channel") == COUNSELORS and not c.args.get("thread_ts")
    ]


async def test_cases_at_once_keep_slacks_rate_and_the_most_urgent_card_goes_first(
    paced_desk: Desk, slack: SlackStandIn
) -> None:
    desk = paced_desk
    mix = [RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.MODERATE, RiskLevel.HIGH]
    convs = [await desk.person(f"Urate{i}") for i in range(len(mix) + 2)]
    now = datetime.now(UTC)
    opened = time.time()
    statuses = await asyncio.gather(
        *(
            desk.runtime.desk.open_case(request(c, r), now)
            for c, r in zip(convs, mix, strict=False)
        ),
    )
    flagged = await desk.runtime.desk.open_case(
        request(convs[-2], RiskLevel.LOW, flagged=True), now
    )
    imminent = await desk.runtime.desk.open_case(request(convs[-1], RiskLevel.IMMINENT), now)
    imminent_at = time.time()
    ids = [s.case_id for s in statuses] + [flagged.case_id, imminent.case_id]
    for case_id in ids:
        await desk.card_of(case_id, timeout=20)
    await desk.drained(20)
    posts = card_posts(slack)
    order = [case_id for case_id, _ in posts]
    assert sorted(order) == sorted(ids)  # every card exactly once
    when = dict(posts)
    assert when[imminent.case_id] - imminent_at < 2.0
    # Whatever went before the urgent ones existed, the imminent card went next, then the
    # flagged one, then high before moderate.
    rest = [c for c in order if when[c] > imminent_at]
    assert rest[:2] == [imminent.case_id, flagged.case_id], order
    ranks = {
        s.case_id: 2 if r is RiskLevel.HIGH else 3 for s, r in zip(statuses, mix, strict=False)
    }
    tail = [ranks[c] for c in rest[2:]]
    assert tail == sorted(tail), order
    # The pace held: Slack refused nothing, and the posts were about a second apart.
    assert slack.rate_limited == 0
    times = sorted(t for _, t in posts)
    assert all(b - a >= SLACK_INTERVAL_S - 0.01 for a, b in itertools.pairwise(times))
    assert times[-1] - opened < 1.05 * len(ids) + 2.0


async def test_updates_of_one_card_coalesce(paced_desk: Desk, slack: SlackStandIn) -> None:
    desk = paced_desk
    status = await desk.open(await desk.person("Uupdates"), "死にたい")
    await desk.card_of(status.case_id)
    await desk.drained()
    lane = f"c:{status.case_id}"
    outbox = desk.runtime.outbox
    await outbox.put(*(OutboxItem(lane, status.case_id, UpdateCard()) for _ in range(5)))
    await desk.drained()
    assert len(slack.calls_of("chat.update")) == 1
    # A change after that update went out gets an update of its own.
    await outbox.put(OutboxItem(lane, status.case_id, UpdateCard()))
    await desk.drained()
    assert len(slack.calls_of("chat.update")) == 2


async def test_the_pace_is_shared_and_the_most_urgent_waiter_goes_first(
    redis_url: str, keys: Keys
) -> None:
    """Two processes' paces on one Redis: one post per interval in all; a waiting imminent
    post is let through before a calm one that waited longer."""
    from bot.store.redis import make_client

    a_client, b_client = make_client(redis_url), make_client(redis_url)
    try:
        a = ChannelPace(a_client, keys, interval_s=0.3)
        b = ChannelPace(b_client, keys, interval_s=0.3)
        assert await a.take("C1", "calm-1", 3) == 0
        wait_calm = await b.take("C1", "calm-2", 3)
        assert 0.2 < wait_calm <= 0.31
        wait_urgent = await a.take("C1", "urgent", 0)
        assert wait_urgent > 0  # none left this interval
        await asyncio.sleep(wait_urgent)
        assert await b.take("C1", "calm-2", 3) > 0  # a more urgent post waits: it goes first
        assert await a.take("C1", "urgent", 0) == 0
        assert await b.take("C2", "elsewhere", 3) == 0  # another channel has its own pace
        await b.hold("C2", 0.5)  # Slack said 429 there
        assert await a.take("C2", "next", 0) > 0.4
        # A calm post made just now waits its grace on an idle channel; an imminent one made
        # at the same moment does not, and goes first.
        now_ms = int(time.time() * 1000)
        assert 0.1 < await a.take("C3", "calm-now", 3, now_ms) <= 0.2
        assert await b.take("C3", "imminent-now", 0, now_ms) == 0
    finally:
        await a_client.aclose()
        await b_client.aclose()
