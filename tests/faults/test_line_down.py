"""LINE down or refusing: a crisis reaches the counselors at once, the answer reaches the person
once LINE takes it (honouring its Retry-After), and an event given up is never given up
silently."""

from __future__ import annotations

import asyncio
import time

from tests.escalation.live import Counselors, LinePerson, line_and_slack, until
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, SUPERVISORS
from tests.fakes.line_api import LineStandIn
from tests.harness import text_event

HOTLINE = "0120-279-338"


def cards(slack: SlackStandIn) -> list[str]:
    return [m.ts for m in slack.posts(COUNSELORS, top_level=True)]


async def test_line_down_a_crisis_case_opens_at_once_and_the_answer_arrives_once_later(
    redis_url: str, key_prefix: str, line: LineStandIn, slack: SlackStandIn
) -> None:
    async with line_and_slack(redis_url, key_prefix, line, slack, BOT_LINE_TIMEOUT_S=1) as app:
        counselors = Counselors(app, slack)
        person = LinePerson(app, line, "line-down")
        await person.started()
        before = len(person.texts())
        line.fail("any", 503, count=10**6)  # LINE's Messaging API is down
        await person.send_only(
            person._message({"id": "m1", "type": "text", "text": "今から飛び降りる"})
        )
        started = time.monotonic()
        # The case and the supervisors' alert do not wait for LINE.
        case = await counselors.case_of(person, timeout=5)
        posted_s = time.monotonic() - started
        await until(lambda: any(case.case_id in m.text for m in slack.posts(SUPERVISORS)), 5)
        assert posted_s < 2.0, posted_s
        assert len(person.texts()) == before  # nothing reached the person yet
        await asyncio.sleep(2.5)  # LINE stays down a while: the event waits, it is not lost
        assert any(status == 503 for _, status in line.calls)
        line.faults.clear()  # LINE is back
        await until(lambda: any(HOTLINE in t for t in person.texts()), timeout=20)
        await app.idle(20)
        await asyncio.sleep(1.0)  # room for a wrong second answer
        answers = [t for t in person.texts()[before:] if HOTLINE in t]
        assert len(answers) == 1, person.texts()[before:]
        assert "119" in answers[0]
        assert cards(slack) == [case.card_ts]  # one card
        alerts = [m for m in slack.posts(SUPERVISORS) if case.case_id in m.text]
        assert len(alerts) == 1


async def test_line_429_retry_after_is_honoured_across_events(
    redis_url: str, key_prefix: str, line: LineStandIn, slack: SlackStandIn
) -> None:
    """Pushes answered 429 with Retry-After: 2 for 6 s: LINE is asked again about once per
    Retry-After per waiting event (not hundreds of times), then each person gets one answer."""
    async with line_and_slack(redis_url, key_prefix, line, None) as app:
        users = [f"U429{'0' * 27}{i}" for i in range(4)]
        line.fail("push", 429, count=10**6, **{"Retry-After": "2"})
        for user in users:
            event = text_event(user, "こんにちは")
            event["timestamp"] -= 120_000  # the reply token is stale: these go by push
            await app.send(event)
        await asyncio.sleep(6.0)
        refused = sum(1 for kind, status in line.calls if kind == "push" and status == 429)
        line.faults.clear()
        await until(lambda: {s.to for s in line.sent if s.kind == "push"} >= set(users), 20)
        await app.idle(20)
        await asyncio.sleep(0.5)
        # 4 events × (6 s / 2 s + 1) calls at most; without honouring it, one every 0.2-4 s each
        assert 0 < refused <= 4 * 4, refused
        pushes = [s.to for s in line.sent if s.kind == "push"]
        assert sorted(pushes) == sorted(users)  # each person answered once


async def test_a_crisis_given_up_alerts_the_supervisors_and_its_case_stays_open(
    redis_url: str, key_prefix: str, line: LineStandIn, slack: SlackStandIn
) -> None:
    """LINE refuses for longer than the delivery window: the event is parked, the metric
    counts it, the supervisors hear that the person never got the answer, the case stays
    open. A calm event parked the same way alerts nobody."""
    async with line_and_slack(
        redis_url, key_prefix, line, slack, BOT_LINE_TIMEOUT_S=1, BOT_DELIVERY_WINDOW_S=3
    ) as app:
        counselors = Counselors(app, slack)
        person = LinePerson(app, line, "never-reached")
        await person.started()
        calm = LinePerson(app, line, "calm-unreached")
        await calm.started()
        line.fail("any", 503, count=10**6)
        await person.send_only(
            person._message({"id": "m2", "type": "text", "text": "もう死にたい"})
        )
        await calm.send_only(calm._message({"id": "m3", "type": "text", "text": "今日は晴れ"}))
        case = await counselors.case_of(person, timeout=5)
        await until(
            lambda: any("届いていません" in m.text for m in slack.posts(SUPERVISORS)), timeout=20
        )
        await app.idle(20)
        await counselors.drained()
        dead = await app.services.redis.xrange(app.services.keys.events_dead)
        assert sorted(f["why"] for _, f in dead) == ["undeliverable", "undeliverable"]
        alerts = [m for m in slack.posts(SUPERVISORS) if "届いていません" in m.text]
        assert len(alerts) == 1 and case.case_id in alerts[0].text
        assert any("届いていません" in t for t in counselors.thread(case))
        reloaded = await counselors.reload(case.case_id)
        assert reloaded.is_open and reloaded.state == "queued"
        assert cards(slack) == [case.card_ts]
        metrics = (await app.http.get("/metrics")).text
        assert "tsunagari_crisis_dead_letters_total 1.0" in metrics
        assert "tsunagari_events_dead_total 2.0" in metrics
