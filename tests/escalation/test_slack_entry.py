"""The request entry of ``POST /slack/events``: what no listener takes is acknowledged, what is
not Slack's is refused before it is parsed, and bolt logs through the service's logging."""

from __future__ import annotations

import io
import json
import logging
import socket
import sys
import time
from urllib.parse import urlencode

import httpx
import pytest

from bot.logs import configure_logging
from bot.settings import Settings
from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, Desk, SlackRequests, slack_env, slack_signature
from tests.harness import ROOT, ServeProcess

# Events Slack sends to an app subscribed as ours is (escalation/slack_manifest.yaml) or to every
# app (tokens_revoked, app_uninstalled), none of which the service acts on.
UNHANDLED_EVENTS = {
    "app_mention": {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "ts": "1.000001"},
    "reaction_added": {
        "type": "reaction_added",
        "user": "U1",
        "reaction": "eyes",
        "item": {"type": "message", "channel": COUNSELORS, "ts": "1.000001"},
    },
    "member_joined_channel": {"type": "member_joined_channel", "user": "U2", "channel": COUNSELORS},
    "tokens_revoked": {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}},
    "app_uninstalled": {"type": "app_uninstalled"},
}


@pytest.mark.parametrize("name", list(UNHANDLED_EVENTS))
async def test_events_no_listener_takes_are_acknowledged(desk: Desk, name: str) -> None:
    response = await desk.slack_event(UNHANDLED_EVENTS[name])
    assert response.status_code == 200, response.text
    assert "unhandled" not in response.text


async def test_interactions_no_listener_takes_are_acknowledged(desk: Desk) -> None:
    unknown_button = await desk.action("some_other_apps_button", "C-0001")
    assert unknown_button.status_code == 200
    shortcut = urlencode(
        {"payload": json.dumps({"type": "shortcut", "callback_id": "x", "trigger_id": "t"})}
    )
    response = await desk.post_slack(shortcut, "application/x-www-form-urlencoded")
    assert response.status_code == 200


async def test_forged_requests_are_still_refused(desk: Desk) -> None:
    body = json.dumps({"type": "event_callback", "event": UNHANDLED_EVENTS["app_mention"]})
    forged = await desk.post_slack(
        body, "application/json", signature=slack_signature(body, int(time.time()), "wrong")
    )
    assert forged.status_code == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("not json at all {", "application/json"),
        ('{"type": "event_callback", "event": ', "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('{"a": NaN, "b": [' + "[" * 5000 + "]" * 5000 + "]}", "application/json"),
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        ('{"type": "event_callback", "enterprise": 5, "event": {}}', "application/json"),
    ],
    ids=["garbage", "truncated", "list", "deep", "bad-form-payload", "odd-shape"],
)
async def test_signed_garbage_is_a_400_not_a_500(desk: Desk, body: str, content_type: str) -> None:
    response = await desk.post_slack(body, content_type)
    assert response.status_code == 400, response.text


async def test_unsigned_garbage_is_refused_unparsed(desk: Desk) -> None:
    for content_type in ("application/json", "application/x-www-form-urlencoded"):
        response = await desk.http.post(
            "/slack/events", content=b"{not: json", headers={"Content-Type": content_type}
        )
        assert response.status_code == 401
    not_utf8 = await desk.http.post(
        "/slack/events", content=b"\xff\xfe not UTF-8", headers={"Content-Type": "text/plain"}
    )
    assert not_utf8.status_code == 400


async def test_nesting_beyond_the_bound_is_refused_even_when_json_parses_it(desk: Desk) -> None:
    deep = {"type": "event_callback", "event": {"type": "app_mention"}}
    node: dict[str, object] = deep
    for _ in range(40):
        child: dict[str, object] = {}
        node["x"] = child
        node = child
    response = await desk.post_slack(json.dumps(deep), "application/json")
    assert response.status_code == 400
    shallow = {"type": "event_callback", "event": {"type": "app_mention", "x": {"y": {"z": 1}}}}
    assert (await desk.post_slack(json.dumps(shallow), "application/json")).status_code == 200


async def test_the_handled_paths_are_unchanged(desk: Desk, slack: SlackStandIn) -> None:
    challenge = json.dumps({"type": "url_verification", "challenge": "c-42", "token": "x"})
    response = await desk.post_slack(challenge, "application/json")
    assert response.status_code == 200 and response.json()["challenge"] == "c-42"
    conv = await desk.person("Uentry")
    status = await desk.open(conv, "死にたい")
    await desk.card_of(status.case_id)
    claimed = await desk.action("case_claim", status.case_id, user="UALICE")
    assert claimed.status_code == 200
    case = await desk.book.load(status.case_id)
    assert case is not None and case.state == "claimed"


def test_bolt_records_are_one_json_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt (and asyncio, uvicorn) write through the standard library; with BOT_LOG_FORMAT=json each of
    their records is one JSON object on one line, though their messages often span several."""
    err = io.StringIO()
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stderr", err)
        try:
            configure_logging(Settings(_env_file=None, BOT_LOG_FORMAT="json"))  # type: ignore[call-arg]
            bolt = logging.getLogger("slack_bolt.AsyncApp")
            bolt.warning("Unhandled request ({'type': 'x'})\n---\n[Suggestion] Handle it:\n\n")
            try:
                raise RuntimeError("listener broke")
            except RuntimeError:
                bolt.exception("Failed to run listener function")
            logging.getLogger("asyncio").error("Task exception was never retrieved\n  line two")
            for _ in range(3):  # every app configures logging again
                configure_logging(Settings(_env_file=None, BOT_LOG_FORMAT="json"))  # type: ignore[call-arg]
            ours = [h for h in logging.getLogger().handlers if h.get_name() == "tsunagari"]
        finally:
            patch.undo()
            configure_logging(Settings(_env_file=None, BOT_LOG_LEVEL="warning"))  # type: ignore[call-arg]
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert [r["logger"] for r in records] == ["slack_bolt.AsyncApp"] * 2 + ["asyncio"]
    assert records[0]["level"] == "warning" and "Suggestion" in records[0]["event"]
    assert "RuntimeError: listener broke" in records[1]["exception"]
    assert records[2]["event"].endswith("line two")
    assert all("timestamp" in r for r in records)
    assert len(ours) == 1  # a second app replaces the handler, never stacks another


@pytest.mark.slow
async def test_serve_writes_nothing_but_json_lines(
    redis_url: str, key_prefix: str, slack: SlackStandIn
) -> None:
    """The whole process: our records, bolt's and uvicorn's are all one JSON object a line."""
    env = {
        "REDIS_URL": redis_url,
        "BOT_KEY_PREFIX": key_prefix,
        "BOT_CONFIG_DIR": str(ROOT / "config"),
        "DIALOGS_DIR": str(ROOT / "dialogs"),
        "BOT_RELOAD_INTERVAL_S": "0",
        "BOT_SHUTDOWN_GRACE_S": "2",
        "BOT_LOG_FORMAT": "json",
        "BOT_LOG_LEVEL": "info",
        "BOT_DEV_CHAT": "0",
        **{k: str(v) for k, v in slack_env(slack).items()},
    }
    serve = ServeProcess(env)
    await serve.start()
    try:
        async with httpx.AsyncClient(base_url=serve.url, trust_env=False, timeout=10) as http:
            requests = SlackRequests(http)
            response = await requests.slack_event(UNHANDLED_EVENTS["app_mention"])
            assert response.status_code == 200
        # a request uvicorn cannot parse: uvicorn logs a warning of its own
        with socket.create_connection(("127.0.0.1", serve.port)) as sock:
            sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            sock.recv(1024)
    finally:
        assert serve.terminate() in (0, -15)
    lines = [line for line in serve.log().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # raises on any line that is not JSON
    acknowledged = [r for r in records if r["event"] == "slack.request_acknowledged"]
    assert [r["kind"] for r in acknowledged] == ["event:app_mention"]
    assert any(r.get("logger", "").startswith("uvicorn") for r in records), records
