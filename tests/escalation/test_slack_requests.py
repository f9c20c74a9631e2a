"""`POST /slack/events`: signatures, retries, and answering within Slack's 3 seconds."""

from __future__ import annotations

import json
import time

from bot.channels.base import EventKind
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import Desk, slack_signature


async def test_url_verification_with_a_real_signature(desk: Desk) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    response = await desk.post_slack(body, "application/json")
    assert response.status_code == 200
    assert response.json()["challenge"] == "abc123"


async def test_forged_and_stale_requests_are_rejected(desk: Desk) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    forged = await desk.post_slack(
        body, "application/json", signature=slack_signature(body, int(time.time()), "wrong")
    )
    assert 400 <= forged.status_code < 500
    stale_ts = int(time.time()) - 600
    stale = await desk.post_slack(
        body, "application/json", timestamp=stale_ts, signature=slack_signature(body, stale_ts)
    )
    assert 400 <= stale.status_code < 500
    unsigned = await desk.http.post(
        "/slack/events", content=body, headers={"Content-Type": "application/json"}
    )
    assert 400 <= unsigned.status_code < 500
    # A forged claim changes nothing.
    conv = await desk.person("Uforge")
    status = await desk.open(conv, "死にたい")
    await desk.card_of(status.case_id)
    payload = {
        "type": "block_actions",
        "user": {"id": "UEVIL"},
        "actions": [{"action_id": "case_claim", "value": status.case_id}],
    }
    from urllib.parse import urlencode

    form = urlencode({"payload": json.dumps(payload)})
    response = await desk.post_slack(
        form,
        "application/x-www-form-urlencoded",
        signature=slack_signature(form, int(time.time()), "nope"),
    )
    assert 400 <= response.status_code < 500
    case = await desk.book.load(status.case_id)
    assert case is not None
    assert case.state == "queued"


async def test_retries_of_a_handled_event_are_dropped(desk: Desk, slack: SlackStandIn) -> None:
    conv = await desk.person("Uretry")
    status = await desk.open(conv, "死にたい")
    ts = await desk.card_of(status.case_id)
    # Writing before claiming earns a notice; a retry of that event must not earn another.
    event = {
        "type": "message",
        "channel": "C0COUNSEL",
        "user": "UCOUNSELOR1",
        "text": "こんにちは",
        "ts": "1700000100.000001",
        "thread_ts": ts,
    }
    first = await desk.slack_event(event, event_id="EvRETRY1")
    assert first.status_code == 200
    for n in ("1", "2"):
        retry = await desk.slack_event(
            event,
            event_id="EvRETRY1",
            headers={"X-Slack-Retry-Num": n, "X-Slack-Retry-Reason": "http_timeout"},
        )
        assert retry.status_code == 200
    await desk.drained()
    assert len(slack.ephemeral) == 1
    assert not desk.intake.of(EventKind.COUNSELOR)


async def test_a_retry_of_an_event_never_handled_is_handled(desk: Desk) -> None:
    conv = await desk.person("Uretry2")
    status = await desk.open(conv, "死にたい")
    ts = await desk.card_of(status.case_id)
    await desk.action("case_claim", status.case_id)
    event = {
        "type": "message",
        "channel": "C0COUNSEL",
        "user": "UCOUNSELOR1",
        "text": "届いてますか",
        "ts": "1700000200.000001",
        "thread_ts": ts,
    }
    retry = await desk.slack_event(event, event_id="EvLOST", headers={"X-Slack-Retry-Num": "2"})
    assert retry.status_code == 200
    await desk.intake.wait(lambda i: i.of(EventKind.COUNSELOR))


async def test_buttons_answer_fast_while_slack_web_api_hangs(
    desk: Desk, slack: SlackStandIn
) -> None:
    conv = await desk.person("Uhang")
    status = await desk.open(conv, "死にたい")
    await desk.card_of(status.case_id)
    slack.fail("chat.update", 200, count=5, hold_s=8)
    slack.fail("chat.postMessage", 200, count=5, hold_s=8)
    started = time.monotonic()
    response = await desk.action("case_claim", status.case_id, user="UALICE")
    assert response.status_code == 200
    assert time.monotonic() - started < 1.0
    # The person still hears about the claim: their lane does not wait for Slack.
    await desk.intake.wait(lambda i: i.of(EventKind.SYSTEM, "case_claimed"), timeout=3)
