"""Regression: `/readyz` showed the store's URL, and `describe_url` hid only `user:pass@`, so a
`REDIS_URL` with `?password=` put the password on an unauthenticated endpoint. Now `/readyz`
names the kind of store only, whether Redis answers or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import RedisServer, make_settings, running_app

PASSWORD = "s3cret-Pw-42"


@pytest.mark.parametrize(
    "url_form",
    ["redis://127.0.0.1:{port}/0?password={pw}", "redis://:{pw}@127.0.0.1:{port}/0"],
    ids=["query", "userinfo"],
)
async def test_readyz_never_shows_the_url_or_the_password(
    tmp_path: Path, key_prefix: str, url_form: str
) -> None:
    server = RedisServer(tmp_path / "redis", "--requirepass", PASSWORD).start()
    try:
        url = url_form.format(port=server.port, pw=PASSWORD)
        settings = make_settings(url, key_prefix, BOT_DEV_CHAT=False)
        async with running_app(settings, with_desk=False) as app:
            ready = await app.http.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["store"] == "external"
            server.stop()
            down = await app.http.get("/readyz")
            assert down.status_code == 503
            server.start()  # back, so that the app stops at once
            for body in (ready.text, down.text):
                assert PASSWORD not in body
                assert "redis://" not in body and str(server.port) not in body
    finally:
        server.stop()
