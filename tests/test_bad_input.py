"""Bad input on the webhooks never produces a 5xx or a crash, and the service stays healthy.

Property-based tests (hypothesis) post really signed, randomly shaped event payloads to LINE's
webhook: known and unknown event types, wrong field types, huge and strange texts, timestamps
no LINE event has (NaN, Infinity, 1e400, strings), nesting of any depth. And to Slack's: random
bytes unsigned, forged and signed, and signed payloads of Slack's shapes with random event types
and fields. The app runs with the real screener, scripts and counselor side, so whatever
reaches them is exercised too.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import COUNSELORS, SIGNING_SECRET, slack_env
from tests.fakes.line_api import LineStandIn
from tests.harness import body_of, delete_keys, make_settings, running_app, sign, text_event


class BackgroundApp:
    """The app and a stand-in LINE API on an event loop in another thread, for sync tests."""

    def __init__(self, redis_url: str, key_prefix: str) -> None:
        self.redis_url = redis_url
        self.key_prefix = key_prefix
        self.ready = threading.Event()
        self.stop: asyncio.Event | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.base_url = ""
        self.line: LineStandIn | None = None
        self.app: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surfaced to the test
            self.error = exc
            self.ready.set()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop = asyncio.Event()
        async with LineStandIn() as line, SlackStandIn() as slack:
            self.line = line
            settings = make_settings(self.redis_url, self.key_prefix, line.url, **slack_env(slack))
            async with running_app(settings) as app:
                self.app = app
                self.base_url = app.base_url
                self.ready.set()
                await self.stop.wait()
                await app.idle(timeout=60)

    def __enter__(self) -> BackgroundApp:
        self.thread.start()
        self.ready.wait(60)
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.loop is not None and self.stop is not None
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(90)


@pytest.fixture(scope="module")
def background(redis_url: str) -> Iterator[BackgroundApp]:
    # a prefix of its own: under pytest-xdist the other worker may run this module's other
    # tests against the same Redis, with a service of its own
    prefix = f"tbadinput{uuid.uuid4().hex[:8]}"
    try:
        with BackgroundApp(redis_url, prefix) as app:
            yield app
    finally:
        delete_keys(redis_url, prefix)


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
strange_text = st.text(min_size=0, max_size=300) | st.sampled_from(
    [
        "\ud800もう死にたい\udfff",  # lone UTF-16 halves (escaped in the JSON)
        "死にたい\u202e\u200f",  # bidi overrides
        "\x00\x01\x1b[31mしにたい\x7f",  # control characters
        "ｼﾆﾀｲ😭🙏🏻👨‍👩‍👧",  # half width and emoji sequences
        "か\u3099き\u3099く\u3099",  # combining marks
        "あ" * 5000,
        "🔥" * 3000,  # over 5,000 UTF-16 units
    ]
)
sources = (
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["user", "group", "room"]) | scalars,
            "userId": st.sampled_from(["Uprop1", "Uprop2"]) | scalars,
            "groupId": st.just("Cprop") | scalars,
            "roomId": st.just("Rprop") | scalars,
        },
    )
    | json_values
)
messages = (
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(
                ["text", "sticker", "image", "audio", "video", "file", "location", "poll"]
            )
            | scalars,
            "text": strange_text | json_values,
            "id": scalars,
        },
    )
    | json_values
)
events = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(
            [
                "message",
                "follow",
                "unfollow",
                "postback",
                "join",
                "leave",
                "beacon",
                "unsend",
                "memberJoined",
                "future",
            ]
        )
        | scalars,
        "mode": st.sampled_from(["active", "standby"]) | scalars,
        "timestamp": st.integers(min_value=0, max_value=2**42) | json_values,
        "source": sources,
        "replyToken": st.text(max_size=40) | json_values,
        "webhookEventId": st.text(max_size=30) | json_values,
        "deliveryContext": st.fixed_dictionaries(
            {}, optional={"isRedelivery": st.booleans() | scalars}
        )
        | json_values,
        "message": messages,
        "postback": st.fixed_dictionaries(
            {}, optional={"data": st.text(max_size=400) | json_values}
        )
        | json_values,
    },
)
payloads = (
    st.fixed_dictionaries(
        {"events": st.lists(events | json_values, max_size=6)}, optional={"destination": scalars}
    )
    | json_values
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=payloads)
def test_random_signed_payloads_never_5xx(background: BackgroundApp, payload: Any) -> None:
    try:
        body = json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # lone surrogates: only escaped JSON (\ud800) can carry them
        body = json.dumps(payload).encode()
    response = httpx.post(
        background.base_url + "/webhooks/line",
        content=body,
        headers={"Content-Type": "application/json", "X-Line-Signature": sign(body)},
        timeout=10,
        trust_env=False,
    )
    assert response.status_code < 500, (response.status_code, response.text)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    raw=st.binary(max_size=2000),
    content_type=st.sampled_from(
        ["application/json", "text/plain", "application/x-www-form-urlencoded", ""]
    ),
)
def test_random_bytes_forged_or_signed_never_5xx(
    background: BackgroundApp, raw: bytes, content_type: str
) -> None:
    for signature in (sign(raw), "forged", ""):
        response = httpx.post(
            background.base_url + "/webhooks/line",
            content=raw,
            headers={"Content-Type": content_type, "X-Line-Signature": signature},
            timeout=10,
            trust_env=False,
        )
        assert 200 <= response.status_code < 500


def post_line(background: BackgroundApp, body: bytes) -> httpx.Response:
    return httpx.post(
        background.base_url + "/webhooks/line",
        content=body,
        headers={"Content-Type": "application/json", "X-Line-Signature": sign(body)},
        timeout=10,
        trust_env=False,
    )


# What a JSON writer may put where LINE puts its timestamp: Python's json writes NaN and Infinity
# as bare constants, and 1e400 parses as infinity.
hostile_timestamps = (
    st.floats(allow_nan=True, allow_infinity=True).map(json.dumps)
    | st.sampled_from(["NaN", "-Infinity", "1e400", "-0", "1.0", '"1700000000000"', "9" * 4400])
    | st.integers(min_value=-(2**70), max_value=2**70).map(str)
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(literal=hostile_timestamps, text=strange_text)
def test_signed_events_with_hostile_timestamps_never_5xx(
    background: BackgroundApp, literal: str, text: str
) -> None:
    event = text_event("Uhostile-ts", text, timestamp="@TS@")
    body = json.dumps({"destination": "Ubot", "events": [event]}).replace('"@TS@"', literal)
    response = post_line(background, body.encode())
    assert response.status_code < 500, (literal, response.status_code, response.text)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    depth=st.integers(min_value=1, max_value=20_000),
    opener=st.sampled_from(["[", '{"a":']),
    where=st.sampled_from(["event", "message", "top"]),
)
def test_signed_bodies_nested_to_any_depth_never_5xx(
    background: BackgroundApp, depth: int, opener: str, where: str
) -> None:
    closer = "]" if opener == "[" else "}"
    nested = opener * depth + "1" + closer * depth
    event = text_event("Udeep-prop", "こんにちは")
    if where == "message":
        event["message"]["extra"] = "@N@"
    elif where == "event":
        event["extra"] = "@N@"
    payload: dict[str, Any] = {"destination": "Ubot", "events": [event]}
    if where == "top":
        payload["extra"] = "@N@"
    body = json.dumps(payload).replace('"@N@"', nested).encode()
    response = post_line(background, body)
    assert response.status_code < 500, (depth, response.status_code)
    if depth > 40:
        assert response.status_code == 400


def slack_headers(raw: bytes, content_type: str, secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def post_slack(background: BackgroundApp, raw: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        background.base_url + "/slack/events",
        content=raw,
        headers=headers,
        timeout=10,
        trust_env=False,
    )


slack_content_types = st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=2000), content_type=slack_content_types)
def test_slack_random_bytes_unsigned_forged_or_signed(
    background: BackgroundApp, raw: bytes, content_type: str
) -> None:
    try:
        raw.decode("utf-8")
        refused = 401  # not signed (or forged): refused before anything is parsed
    except UnicodeDecodeError:
        refused = 400  # Slack sends UTF-8 only
    unsigned = post_slack(background, raw, {"Content-Type": content_type})
    assert unsigned.status_code == refused
    forged = post_slack(background, raw, slack_headers(raw, content_type, secret="forged"))
    assert forged.status_code == refused
    signed = post_slack(background, raw, slack_headers(raw, content_type))
    assert 200 <= signed.status_code < 500, (signed.status_code, signed.text)


slack_events = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            [
                "message",
                "app_mention",
                "reaction_added",
                "member_joined_channel",
                "tokens_revoked",
                "app_uninstalled",
                "app_home_opened",
                "channel_rename",
                "future_event",
            ]
        )
        | scalars
    },
    optional={
        "channel": st.just(COUNSELORS) | scalars,
        "user": st.just("UCOUNSELOR1") | scalars,
        "text": strange_text | json_values,
        "ts": st.just("1700000000.000100") | scalars,
        "thread_ts": st.just("1700000000.000001") | scalars,
        "subtype": st.sampled_from(["bot_message", "message_changed", "thread_broadcast"])
        | scalars,
        "bot_id": scalars,
        "item": json_values,
    },
)
slack_envelopes = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["event_callback", "app_rate_limited", "unknown"]),
        "event": slack_events | json_values,
    },
    optional={
        "event_id": st.text(max_size=12),
        "team_id": scalars,
        "authorizations": json_values,
        "enterprise": json_values,
    },
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=slack_envelopes)
def test_slack_signed_payloads_of_any_shape_never_5xx(
    background: BackgroundApp, payload: dict[str, Any]
) -> None:
    raw = json.dumps(payload).encode()
    response = post_slack(background, raw, slack_headers(raw, "application/json"))
    assert response.status_code < 500, (payload, response.status_code, response.text)


def test_service_is_healthy_and_still_answers_after_the_abuse(background: BackgroundApp) -> None:
    assert httpx.get(background.base_url + "/healthz", trust_env=False).status_code == 200
    assert httpx.get(background.base_url + "/readyz", trust_env=False).status_code == 200
    event = text_event("Uafterabuse", "こんにちは")
    body = body_of(event)
    response = httpx.post(
        background.base_url + "/webhooks/line",
        content=body,
        headers={"Content-Type": "application/json", "X-Line-Signature": sign(body)},
        trust_env=False,
    )
    assert response.status_code == 200
    line = background.line
    assert line is not None and background.loop is not None
    future = asyncio.run_coroutine_threadsafe(
        line.wait_for(lambda s: event["replyToken"] in s.used_tokens, timeout=30), background.loop
    )
    future.result(40)
    asyncio.run_coroutine_threadsafe(background.app.idle(timeout=30), background.loop).result(40)
    assert background.app.services.worker.handled > 0
    # the stand-in LINE never received a message breaking LINE's limits
    assert all(len(s.messages) <= 5 for s in line.sent)
    assert all(len(t.encode("utf-16-le")) // 2 <= 5000 for s in line.sent for t in s.texts)
