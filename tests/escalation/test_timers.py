"""Timers: deadlines in Redis, so they fire after a restart; N, M, K from config."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis.asyncio as aioredis

from bot.channels.base import EventKind
from bot.store.keys import Keys
from escalation.model import Counselor
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, SUPERVISORS, Desk, running_desk

MIN = 60_000  # config_dir: N = 5, M = 15, K = 10 minutes (config/escalation.yaml)


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


async def test_unclaimed_case_is_reannounced_then_sent_to_supervisors(
    desk: Desk, slack: SlackStandIn
) -> None:
    t0 = datetime.now(UTC)
    conv = await desk.person("Utimer1")
    case_id = (await desk.open(conv, "死にたい", now=t0)).case_id
    ts = await desk.card_of(case_id)
    assert await desk.runtime.timers.fire_timers(ms(t0) + 5 * MIN - 1000) == 0
    assert await desk.runtime.timers.fire_timers(ms(t0) + 5 * MIN) == 1
    await desk.drained()
    thread = slack.thread(COUNSELORS, ts)
    assert any(m.broadcast and case_id in m.text and "5分" in m.text for m in thread)
    assert not slack.posts(SUPERVISORS)
    # Again every N minutes; at M the supervisors hear of it (once).
    assert await desk.runtime.timers.fire_timers(ms(t0) + 10 * MIN) == 1
    assert await desk.runtime.timers.fire_timers(ms(t0) + 15 * MIN) == 2
    assert await desk.runtime.timers.fire_timers(ms(t0) + 15 * MIN) == 0  # nothing fires twice
    await desk.drained()
    alerts = slack.posts(SUPERVISORS)
    assert len(alerts) == 1
    assert case_id in alerts[0].text
    assert "15分" in alerts[0].text


async def test_reminders_to_a_waiting_person_are_capped_and_spaced(desk: Desk) -> None:
    """The channel hears of an unclaimed case every N minutes, the waiting person at most
    `reminders.person_max` times and `person_min_gap_minutes` apart (config: 3, 15)."""
    t0 = datetime.now(UTC)
    conv = await desk.person("Utimer5")
    case_id = (await desk.open(conv, "死にたい", now=t0)).case_id
    await desk.card_of(case_id)
    told: list[int] = []
    for minute in range(5, 8 * 60, 5):  # a long night with a short re-announce timer
        before = len(desk.intake.of(EventKind.SYSTEM, "case_reminder"))
        await desk.runtime.timers.fire_timers(ms(t0) + minute * MIN)
        await desk.drained()
        if len(desk.intake.of(EventKind.SYSTEM, "case_reminder")) > before:
            told.append(minute)
    assert told == [15, 30, 45]
    case = await desk.book.load(case_id)
    assert case is not None
    assert case.reannounced == len(range(5, 8 * 60, 5))  # the counselors heard every time


async def test_claim_stops_announcements_and_silence_gets_a_reminder(
    desk: Desk, slack: SlackStandIn
) -> None:
    t0 = datetime.now(UTC)
    conv = await desk.person("Utimer2")
    case_id = (await desk.open(conv, "死にたい", now=t0)).case_id
    ts = await desk.card_of(case_id)
    await desk.book.claim(case_id, Counselor("slack", "UALICE"), ms(t0) + MIN)
    assert (
        await desk.runtime.timers.fire_timers(ms(t0) + 16 * MIN) == 1
    )  # only the silence reminder
    await desk.drained()
    reminders = [
        m for m in slack.thread(COUNSELORS, ts) if "<@UALICE>" in m.text and "15分間" in m.text
    ]
    assert len(reminders) == 1
    assert not slack.posts(SUPERVISORS)
    # The counselor writes: the silence clock restarts from then.
    await desk.book.counselor_wrote(
        case_id,
        Counselor("slack", "UALICE"),
        "はい",
        channel=COUNSELORS,
        ts="1.1",
        now_ms=ms(t0) + 20 * MIN,
    )
    assert await desk.runtime.timers.fire_timers(ms(t0) + 26 * MIN) == 0
    assert await desk.runtime.timers.fire_timers(ms(t0) + 30 * MIN) == 1


async def test_closing_clears_timers(desk: Desk) -> None:
    t0 = datetime.now(UTC)
    conv = await desk.person("Utimer3")
    case_id = (await desk.open(conv, "死にたい", now=t0)).case_id
    await desk.book.claim(case_id, Counselor("slack", "UALICE"))
    await desk.book.close(case_id, Counselor("slack", "UALICE"), outcome="listened")
    assert await desk.runtime.timers.fire_timers(ms(t0) + 999 * MIN) == 0
    # What is left is the end of the words' retention (config/service.yaml: 30 days).
    left = await desk.redis.zrange(desk.keys.timers, 0, -1, withscores=True)
    assert [member for member, _ in left] == [f"redact|{case_id}"]
    assert left[0][1] >= ms(t0) + 30 * 24 * 60 * MIN - MIN


async def test_timers_fire_after_a_restart(
    redis: aioredis.Redis, redis_url: str, keys: Keys, config_dir: Path, slack: SlackStandIn
) -> None:
    t0 = datetime.now(UTC)
    async with running_desk(redis, redis_url, keys, config_dir, slack) as first:
        case_id = (await first.open(await first.person("Utimer4"), "死にたい", now=t0)).case_id
        ts = await first.card_of(case_id)
    later = t0 + timedelta(minutes=6)
    async with running_desk(
        redis, redis_url, keys, config_dir, slack, clock=lambda: later
    ) as second:
        await slack.wait_for(lambda s: any(m.broadcast for m in s.thread(COUNSELORS, ts)))
        await second.drained()
    assert sum(m.broadcast for m in slack.thread(COUNSELORS, ts)) == 1
