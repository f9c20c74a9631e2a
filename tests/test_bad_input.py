"""Bad input on the LINE webhook never produces a 5xx or a crash, and the service stays healthy.

A property-based test (hypothesis) posts really signed, randomly shaped event payloads: known
and unknown event types, wrong field types, huge and strange texts. The app runs with the real
screener and scripts, so whatever reaches them is exercised too.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes.line_api import LineStandIn
from tests.harness import body_of, make_settings, running_app, sign, text_event


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
        async with LineStandIn() as line:
            self.line = line
            settings = make_settings(self.redis_url, self.key_prefix, line.url)
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
    with BackgroundApp(redis_url, "tbadinput") as app:
        yield app


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
