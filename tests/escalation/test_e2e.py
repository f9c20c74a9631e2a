"""End to end through the real app: a signed LINE webhook, the real screener and dialog scripts,
the card in the stand-in Slack, signed Slack requests back, pushes to the stand-in LINE."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import (
    COUNSELORS,
    SlackRequests,
    slack_env,
)
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp, make_settings, running_app, text_event


def pushed_to(line: LineStandIn, user: str) -> list[str]:
    return [t for s in line.sent if s.kind == "push" and s.to == user for t in s.texts]


async def wait(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.02)


async def test_crisis_message_to_card_to_counselor_and_back(
    app: RunningApp, line: LineStandIn, slack: SlackStandIn
) -> None:
    user = "U" + "e2e".ljust(32, "0")
    slack_in = SlackRequests(app.http)
    sent_at = time.monotonic()
    await app.send(text_event(user, "もう死にたい。生きていてもしょうがない"))
    await slack.wait_for(lambda s: bool(s.posts(COUNSELORS, top_level=True)))
    latency = time.monotonic() - sent_at
    assert latency < 1.0
    card = slack.posts(COUNSELORS, top_level=True)[0]
    blob = json.dumps(card.blocks, ensure_ascii=False)
    assert "もう死にたい" in blob
    assert user not in blob
    claim = next(
        e
        for b in card.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if "担当する" in e["text"]["text"]
    )
    case_id = claim["value"]
    # The person got the hotline numbers at once (pipeline contract).
    await line.wait_sent(1)
    assert any("0120-279-338" in t for s in line.sent for t in s.texts)

    # Claim → the person is told a counselor joined.
    response = await slack_in.action("case_claim", case_id, user="UALICE", message_ts=card.ts)
    assert response.status_code == 200
    await wait(lambda: any("相談員につながりました" in t for t in pushed_to(line, user)))

    # The counselor writes in the thread → pushed to the person, then marked with a reaction.
    counselor_ts = f"{time.time():.6f}"
    await slack_in.thread_reply(
        card.ts, "相談員の佐藤です。いま安全な場所にいますか？", user="UALICE", ts=counselor_ts
    )
    await wait(lambda: "相談員の佐藤です。いま安全な場所にいますか？" in pushed_to(line, user))
    await slack.wait_for(
        lambda s: any(c.args.get("timestamp") == counselor_ts for c in s.calls_of("reactions.add"))
    )

    # Our own bot's thread posts and notes are not relayed.
    before = len(pushed_to(line, user))
    await slack_in.thread_reply(card.ts, "*本人*: エコー", user="UBOT", bot_id="BBOT")
    await slack_in.thread_reply(card.ts, "メモ: 自宅にいる様子")

    # The person answers on LINE → into the thread.
    await app.send(text_event(user, "家にいます"))
    await slack.wait_for(
        lambda s: any(m.text == "*本人*: 家にいます" for m in s.thread(COUNSELORS, card.ts))
    )
    await app.idle()
    assert len(pushed_to(line, user)) == before  # the bot stays quiet while the counselor talks

    # Close → goodbye on LINE.
    await slack_in.action("case_close", case_id, user="UALICE", message_ts=card.ts)
    await slack_in.submit_close(case_id, "listened", "落ち着いて話せた", user="UALICE")
    await wait(lambda: any("ありがとうございました" in t for t in pushed_to(line, user)))
    assert len(slack.posts(COUNSELORS, top_level=True)) == 1


async def test_slack_down_then_service_restarted_then_slack_back_one_card(
    redis_url: str, key_prefix: str, line: LineStandIn, slack: SlackStandIn
) -> None:
    settings = make_settings(
        redis_url,
        key_prefix,
        line.url,
        **slack_env(slack),
    )
    user = "U" + "restart".ljust(32, "0")
    slack.fail("chat.postMessage", 503, count=10_000)
    async with running_app(settings) as first:
        await first.send(text_event(user, "もう死にたい"))
        await slack.wait_for(lambda s: len(s.calls_of("chat.postMessage", 503)) >= 2)
        await line.wait_sent(1)  # the person still got an answer with the hotlines
    assert not slack.posts(COUNSELORS)
    slack.faults.clear()  # Slack recovers while the service is down
    async with running_app(settings) as second:
        await slack.wait_for(lambda s: bool(s.posts(COUNSELORS, top_level=True)))
        card = slack.posts(COUNSELORS, top_level=True)[0]
        assert "もう死にたい" in json.dumps(card.blocks, ensure_ascii=False)
        claim = next(
            e
            for b in card.blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if "担当する" in e["text"]["text"]
        )
        await SlackRequests(second.http).action(
            "case_claim", claim["value"], user="UBOB", message_ts=card.ts
        )
        await wait(lambda: any("相談員につながりました" in t for t in pushed_to(line, user)))
    assert len(slack.posts(COUNSELORS, top_level=True)) == 1
