"""Exactly one answer per event: a slow LINE, a worker killed after LINE took the reply and
taken over once the token had expired, Redis down while LINE redelivers, a dialog that keeps
failing on a crisis message. Answers are counted per event at the stand-in LINE."""

from __future__ import annotations

import asyncio
import collections
import time
from pathlib import Path

import pytest

from tests.doubles import make_bundle
from tests.escalation.live import Counselors, LinePerson, line_and_slack, until
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS
from tests.fakes.line_api import LineStandIn, Sent
from tests.harness import RedisServer, ServeProcess, body_of, make_settings, running_app, text_event
from tests.test_processes import serve_env

HOTLINE = "0120-279-338"


def answers_per_token(line: LineStandIn) -> dict[str, int]:
    """How many times LINE took an answer for each event (by its reply token; pushes by user)."""
    count: collections.Counter[str] = collections.Counter()
    for sent in line.sent:
        count[sent.reply_token or f"push:{sent.to}"] += 1
    return dict(count)


async def test_a_slow_line_gets_each_answer_once(
    redis_url: str, key_prefix: str, line: LineStandIn
) -> None:
    """LINE takes each reply but answers after 2.5 s, past our 1 s timeout: the reply is tried
    again with the same token (a longer timeout), LINE's "Invalid reply token" proves the first
    went out, and nothing is pushed. (Before: every event answered twice.)"""
    line.reply_delay_s = 2.5
    bundle = make_bundle()
    settings = make_settings(redis_url, key_prefix, line.url, BOT_LINE_TIMEOUT_S=1)
    async with running_app(settings, bundle=lambda: bundle, with_desk=False) as app:
        events = [
            text_event("Uslow1", "こんにちは"),
            text_event("Uslow2", "もう死にたい"),
            text_event("Uslow3", "今から飛び降りる"),
        ]
        await app.send(*events)
        tokens = {str(e["replyToken"]) for e in events}
        await line.wait_for(lambda s: tokens <= s.used_tokens, timeout=20)
        await app.idle(30)
        await asyncio.sleep(0.5)
    assert answers_per_token(line) == dict.fromkeys(tokens, 1)
    assert [s for s in line.sent if s.kind == "push"] == []
    refused = [c for c in line.calls if c == ("reply", 400)]
    assert len(refused) >= 3  # the retries (some timed out too) proved each first reply


async def test_redis_down_each_crisis_message_gets_the_hotline_once(
    tmp_path: Path, key_prefix: str, line: LineStandIn, slack: SlackStandIn
) -> None:
    """Redis is down; LINE redelivers the crisis message twice while it is, and once after it
    came back. The hotline goes out at once, once; the event is then handled (its case opens,
    one card) without answering it again. (Before: three times.)"""
    server = RedisServer(tmp_path / "redis").start()
    try:
        url = f"redis://127.0.0.1:{server.port}/0"
        async with line_and_slack(url, key_prefix, line, slack) as app:
            counselors = Counselors(app, slack)
            person = LinePerson(app, line, "redis-down")
            await person.started()
            before = len(person.texts())
            crisis = person._message({"id": "m1", "type": "text", "text": "もう死にたい"})
            person.tokens.add(str(crisis["replyToken"]))
            server.stop()
            body = body_of(crisis)
            assert (await app.post_line(body)).status_code == 503
            await until(lambda: any(HOTLINE in t for t in person.texts()), 10)
            redelivered = body_of({**crisis, "deliveryContext": {"isRedelivery": True}})
            assert (await app.post_line(redelivered)).status_code == 503
            await asyncio.sleep(1.0)
            server.start()
            await until(lambda: _ready(app), 20)
            assert (await app.post_line(redelivered)).status_code == 200
            case = await counselors.case_of(person, timeout=10)
            await counselors.drained()
            await asyncio.sleep(0.5)
            new = person.texts()[before:]
            assert sum(HOTLINE in t for t in new) == 1, new
            # The safety net's answer was the event's answer: the one reply with its token.
            # (What follows is the place in line, the case's own event, by push.)
            token = str(crisis["replyToken"])
            assert answers_per_token(line)[token] == 1
            assert any("順番" in t for t in new)
            assert [m.ts for m in slack.posts(COUNSELORS, top_level=True)] == [case.card_ts]
            server.stop()  # so the app stops without waiting on it... then back for cleanup
            server.start()
    finally:
        server.stop()


async def _ready(app: object) -> bool:
    response = await app.http.get("/readyz")  # type: ignore[attr-defined]
    return bool(response.status_code == 200)


async def test_a_dialog_failing_on_a_crisis_message_sends_the_hotline_once(
    redis_url: str, key_prefix: str, line: LineStandIn
) -> None:
    """Deciding fails on every try: the safety net sends the numbers on the first, and not on
    the retries. (Before: once per try.)"""
    bundle = make_bundle()
    settings = make_settings(redis_url, key_prefix, line.url)
    async with running_app(settings, bundle=lambda: bundle, with_desk=False) as app:
        event = text_event("Uboomcrisis", "boom 死にたい")
        await app.send(event)
        await until(lambda: app.services.metrics.events_failed._value.get() >= 3, 15)
    texts = [t for s in line.sent for t in s.texts]
    assert sum(HOTLINE in t for t in texts) == 1, texts
    assert answers_per_token(line) == {str(event["replyToken"]): 1}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("words", "expected"),
    [("こんにちは", 1), ("もう死にたい", 2)],
    ids=["everyday-not-repeated", "crisis-pushed-again"],
)
async def test_taken_over_after_the_token_expired(
    redis_url: str, key_prefix: str, line: LineStandIn, words: str, expected: int
) -> None:
    """LINE took the reply; the worker died before hearing so; another process took the event
    over after its reply token had expired, so LINE can no longer say whether it was used.
    An everyday answer is not sent again (before: pushed again, 7-8 of 760 per kill run); a
    crisis answer is pushed (the hotline twice is better than never)."""
    env = serve_env(redis_url, key_prefix, line.url, BOT_REPLY_TOKEN_TTL_S="3")
    first = ServeProcess(env)
    await first.start()
    user = "U" + "expired".ljust(32, "0")
    try:
        hold = line.hold(lambda texts: True, accept_first=True, limit=1)
        event = text_event(user, words)
        assert (await first.post_line(body_of(event))).status_code == 200
        await line.wait_for(lambda s: hold.held == 1, timeout=20)
    finally:
        first.kill()
    await asyncio.sleep(3.5)  # the token expires before anyone takes the event over
    second = ServeProcess(env)
    await second.start()
    try:

        def to_user() -> list[Sent]:
            return [s for s in line.sent if s.reply_token == event["replyToken"] or s.to == user]

        # Taken over (1.5 s idle) and handled: the unknown outcome is logged, then a crisis
        # answer is pushed. Waited for rather than slept (a loaded machine may need longer),
        # then as long as a second takeover would take, for a wrong extra answer to show up.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (  # noqa: ASYNC110
            "line.reply_outcome_unknown" in second.log() and len(to_user()) >= expected
        ):
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)
        sent = to_user()
        assert len(sent) == expected, [(s.kind, s.texts) for s in sent]
        assert sent[0].kind == "reply"
        if expected == 2:
            assert sent[1].kind == "push" and any(HOTLINE in t for t in sent[1].texts)
        assert "line.reply_outcome_unknown" in second.log()
    finally:
        second.terminate()
