"""Regression: a LINE body whose JSON escapes half a UTF-16 pair on its own (`\\ud800`) parsed
into a string that cannot be encoded as UTF-8. Storing the event failed: the webhook answered
500 and a person writing 死にたい got nothing. Lone halves are now replaced with U+FFFD."""

from __future__ import annotations

import time

import httpx

from bot.channels.line import without_lone_surrogates
from tests.fakes.line_api import LineStandIn
from tests.harness import make_settings, running_app, sign


def test_only_lone_halves_are_replaced() -> None:
    assert without_lone_surrogates({"t": "a\ud800b", "k\udc00": ["😀", 1, None]}) == {
        "t": "a\ufffdb",
        "k\ufffd": ["😀", 1, None],
    }


async def test_lone_surrogate_in_a_crisis_message_is_answered_with_hotlines(
    redis_url: str, key_prefix: str
) -> None:
    body = (
        '{"destination":"Ubot","events":[{"type":"message","mode":"active",'
        f'"timestamp":{int(time.time() * 1000)},'
        '"source":{"type":"user","userId":"Usurrogate"},"webhookEventId":"01SURROGATE",'
        '"deliveryContext":{"isRedelivery":false},"replyToken":"rt-surrogate",'
        '"message":{"id":"1","type":"text","quoteToken":"q",'
        '"text":"\\ud800もう死にたい\\udfff \\ud83d\\ude00"}}]}'
    ).encode()
    async with LineStandIn() as line:
        settings = make_settings(redis_url, key_prefix, line.url)
        async with (
            running_app(settings) as app,
            httpx.AsyncClient(base_url=app.base_url, trust_env=False) as http,
        ):
            response = await http.post(
                "/webhooks/line",
                content=body,
                headers={"Content-Type": "application/json", "X-Line-Signature": sign(body)},
            )
            assert response.status_code == 200
            await line.wait_sent(1)
            assert "0120-279-338" in line.sent[0].texts[0]
