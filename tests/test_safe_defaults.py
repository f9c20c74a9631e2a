"""Safe by default: `serve` and `make run` listen on 127.0.0.1 only unless told otherwise, the
dev pages answer to localhost names only, and every page forbids framing and foreign code."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from bot.__main__ import build_parser
from tests.harness import (
    ROOT,
    RunningApp,
    ServeProcess,
    listening_addresses,
    make_settings,
    running_app,
)

DEV_PAGES = ["/dev/chat", "/dev/console"]


@pytest.fixture
async def dev_app(redis_url: str, key_prefix: str) -> AsyncIterator[RunningApp]:
    settings = make_settings(redis_url, key_prefix, BOT_DEV_CHAT=True)
    async with running_app(settings) as running:
        yield running


def test_serve_defaults_to_loopback() -> None:
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    assert build_parser().parse_args(["serve", "--host", "0.0.0.0"]).host == "0.0.0.0"


@pytest.mark.parametrize(("host", "expected"), [(None, "127.0.0.1"), ("0.0.0.0", "0.0.0.0")])
def test_make_run_binds_loopback_unless_host_says_otherwise(
    host: str | None, expected: str
) -> None:
    env_args = [f"HOST={host}"] if host else []
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "MAKEFLAGS", "MAKELEVEL")}
    dry = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *env_args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in dry.stdout.splitlines() if "bot serve" in x)
    assert re.search(rf"-m bot serve --host {re.escape(expected)} --port \d+$", line), line


@pytest.mark.slow
async def test_serve_without_host_listens_on_loopback_only(
    redis_url: str, key_prefix: str, tmp_path: Path
) -> None:
    serve = ServeProcess(
        {
            "REDIS_URL": redis_url,
            "BOT_KEY_PREFIX": key_prefix,
            "BOT_DATA_DIR": str(tmp_path),
            "BOT_RELOAD_INTERVAL_S": "0",
        },
        host=None,
    )
    await serve.start()
    try:
        assert listening_addresses(serve.port) == {"127.0.0.1"}
    finally:
        assert serve.terminate() in (0, -15)  # uvicorn re-raises SIGTERM once it is done


LOCAL_NAMES = ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000", "chat.localhost"]
FOREIGN_NAMES = ["evil.example", "127.0.0.1.evil.example:8000", "10.0.0.5:8000", "localhost.evil"]
DEV_APIS = ["/dev/chat/api/messages?session=abcdefgh12", "/dev/console/api/state"]


async def test_dev_pages_answer_localhost_names_only(dev_app: RunningApp) -> None:
    """A page on another name (DNS rebinding to 127.0.0.1) can neither read nor drive them."""
    for path in [*DEV_PAGES, *DEV_APIS]:
        for host in LOCAL_NAMES:
            response = await dev_app.http.get(path, headers={"Host": host})
            assert response.status_code == 200, (path, host)
        for host in FOREIGN_NAMES:
            response = await dev_app.http.get(path, headers={"Host": host})
            assert response.status_code == 403, (path, host)
    for host in FOREIGN_NAMES:
        post = await dev_app.http.post(
            "/dev/chat/api/send",
            json={"session": "abcdefgh12", "text": "x"},
            headers={"Host": host},
        )
        assert post.status_code == 403, host


async def test_other_endpoints_answer_any_host(dev_app: RunningApp) -> None:
    """LINE and Slack call the public name; only the dev pages are tied to localhost."""
    for path in ("/healthz", "/readyz", "/metrics"):
        response = await dev_app.http.get(path, headers={"Host": "bot.example.jp"})
        assert response.status_code == 200, path


async def test_configured_dev_hosts_are_answered(redis_url: str, key_prefix: str) -> None:
    settings = make_settings(
        redis_url, key_prefix, BOT_DEV_CHAT=True, BOT_DEV_HOSTS="demo.internal, Other.Example"
    )
    async with running_app(settings) as app:
        for host in ("demo.internal:8000", "other.example", "localhost"):
            assert (await app.http.get("/dev/chat", headers={"Host": host})).status_code == 200
        assert (await app.http.get("/dev/chat", headers={"Host": "x.example"})).status_code == 403


async def test_every_page_forbids_framing_and_foreign_code(dev_app: RunningApp) -> None:
    for page in DEV_PAGES:
        check_page_headers(await dev_app.http.get(page))


def check_page_headers(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'none'"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_json_and_static_answers_say_nosniff_and_deny(dev_app: RunningApp) -> None:
    for path in ("/healthz", "/dev/chat/static/chat.js", "/dev/console/static/console.css"):
        response = await dev_app.http.get(path)
        assert response.status_code == 200, path
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in response.headers  # not a page
    assert (await dev_app.http.get("/dev/chat/static/other.js")).status_code == 404


class InlineCode(HTMLParser):
    """Collects what a `script-src 'self'; style-src 'self'` policy would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.assets: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "style":
            self.found.append("<style>")
        if tag == "script":
            if names.get("src"):
                self.assets.append(str(names["src"]))
            else:
                self._in_script = True
        if tag == "link" and names.get("rel") == "stylesheet":
            self.assets.append(str(names.get("href")))
        self.found += [f"{tag} {k}=" for k in names if k == "style" or k.startswith("on")]

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append("inline <script>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


async def test_pages_hold_no_inline_code_and_their_assets_load(dev_app: RunningApp) -> None:
    for page in DEV_PAGES:
        parser = InlineCode()
        parser.feed((await dev_app.http.get(page)).text)
        assert parser.found == [], page
        assert len(parser.assets) == 2, "the page loads its script and its style from files"
        for asset in parser.assets:
            assert asset.startswith(page + "/static/"), asset
            assert (await dev_app.http.get(asset)).status_code == 200, asset


def test_host_header_check_is_exact() -> None:
    from bot.web import dev_host_allowed, host_name

    assert host_name("LOCALHOST:8000") == "localhost"
    assert host_name("[::1]:9") == "[::1]"
    assert host_name("::1") == "::1"
    assert not dev_host_allowed(None, frozenset())
    assert not dev_host_allowed("", frozenset())
    assert not dev_host_allowed("localhost.evil.example", frozenset())
    assert dev_host_allowed("anything.example", frozenset({"*"}))
