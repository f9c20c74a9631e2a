"""The store can restart under the service: it reconnects and nothing already accepted is lost."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.store.redis import EmbeddedRedis
from tests.doubles import make_bundle
from tests.fakes.line_api import LineStandIn
from tests.harness import body_of, make_settings, running_app, text_event


async def test_redis_restart_loses_nothing_accepted(tmp_path: Path, key_prefix: str) -> None:
    server = EmbeddedRedis(tmp_path / "data")
    server.start()
    try:
        async with LineStandIn() as line:
            bundle = make_bundle()
            settings = make_settings(server.url, key_prefix, line.url)
            async with running_app(settings, bundle=lambda: bundle, with_desk=False) as app:
                await app.send(text_event("Urestart", "一通目"))
                await line.wait_sent(1)

                # Redis goes away: readiness says so, the webhook asks LINE to redeliver.
                assert server.process is not None
                server.process.send_signal(15)
                server.process.wait(10)
                server.process = None
                ready = await app.http.get("/readyz")
                assert ready.status_code == 503
                refused = await app.post_line(body_of(text_event("Urestart", "保存できない")))
                assert refused.status_code == 503
                assert (await app.http.get("/healthz")).status_code == 200
                # A person in crisis still gets the hotline numbers while nothing can be stored.
                crisis = text_event("Ucrisisdown", "もう死にたい")
                refused = await app.post_line(body_of(crisis))
                assert refused.status_code == 503
                await line.wait_for(lambda s: crisis["replyToken"] in s.used_tokens, timeout=10)
                answer = next(x for x in line.sent if x.reply_token == crisis["replyToken"])
                assert "0120-279-338" in answer.texts[0]
                assert len(line.sent) == 2  # and nothing for the calm message

                # Redis comes back from its append-only file: the service carries on.
                server.start()
                for _ in range(100):
                    if (await app.http.get("/readyz")).status_code == 200:
                        break
                    await asyncio.sleep(0.1)
                await app.send(text_event("Urestart", "二通目"))
                await line.wait_sent(3, timeout=20)
                assert line.sent[2].texts == ["echo:二通目#2"]  # dialog state survived the restart
    finally:
        server.stop()


async def test_events_accepted_before_a_crash_are_handled_after_restart(
    tmp_path: Path, key_prefix: str
) -> None:
    """Accepted events live in the stream on disk: if the whole service (and its embedded Redis)
    stops before handling them, they are answered when it comes back."""
    server = EmbeddedRedis(tmp_path / "data")
    server.start()
    try:
        async with LineStandIn() as line:
            bundle = make_bundle()
            settings = make_settings(server.url, key_prefix, line.url, BOT_REPLY_TOKEN_TTL_S=600)
            # Accept without handling: hold LINE so the first answer never completes.
            line.hold(lambda texts: True)
            async with running_app(settings, bundle=lambda: bundle, with_desk=False) as app:
                await app.send(text_event("Ucrash", "受け付けた"))
                await line.wait_for(lambda s: any(h.held for h in s.holds))
            # The app shut down with the event still pending (its answer never reached LINE).
            server.stop()
            line.holds.clear()
            server.start()
            async with running_app(settings, bundle=lambda: bundle, with_desk=False) as app:
                await line.wait_sent(1, timeout=20)
                assert line.sent[0].texts == ["echo:受け付けた#1"]
                await app.idle()
                await asyncio.sleep(0.3)
                assert len(line.sent) == 1
    finally:
        server.stop()
