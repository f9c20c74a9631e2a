"""Shared fixtures: a real Redis server for every test that needs one.

With ``REDIS_URL`` set, tests use that server (CI points it at the machine's Redis); otherwise
one embedded server (the same one `make run` uses) is started for the session. Each test gets
its own key prefix, so suites running at the same time never see each other's keys.

The screener is loaded once per distinct content of its files (see `_screener_loaded_once`).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_sync
import redis.asyncio as aioredis

import bot.screening
from bot.screening import Screener
from bot.screening.config import FILES as SCREENER_FILES
from bot.store.keys import Keys
from bot.store.redis import EmbeddedRedis, make_client
from tests.harness import RunningApp, make_settings, running_app

ROOT = Path(__file__).resolve().parent.parent

# Loopback stand-in servers must never go through a proxy.
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")


_REAL_SCREENER_LOAD = Screener.load.__func__  # type: ignore[attr-defined]


def _screener_files_key(config_dir: Path) -> tuple[tuple[str, str | None], ...]:
    """What a screener loaded from config_dir depends on: the content of its own files (the
    set the live reload also uses to decide whether the screener must be rebuilt)."""
    out: list[tuple[str, str | None]] = []
    for name in SCREENER_FILES:
        try:
            out.append((name, hashlib.sha256((Path(config_dir) / name).read_bytes()).hexdigest()))
        except OSError:
            out.append((name, None))
    return tuple(out)


@pytest.fixture(scope="session", autouse=True)
def _screener_loaded_once() -> Iterator[None]:
    """Loading the screener (Sudachi plus compiling every admin term) takes about 1.7 s and was
    done for each in-process app, each LiveConfig and each `check_dialogs`: about a hundred
    times a run. A Screener keeps no state between messages (its scratch is reset at each one,
    and its memos hold what the same files always give), so one per distinct content of the
    screener's files serves every test. Files that differ (an edit, a broken copy) are loaded
    for real, and so is anything with problems: those are never cached, so each error report
    names its own files. Tests that check when the screener is (re)loaded are marked
    `fresh_screener` (see `_fresh_screener`)."""
    real_load = _REAL_SCREENER_LOAD
    real_check = bot.screening.check_config
    screeners: dict[tuple[tuple[str, str | None], ...], Screener] = {}
    clean: set[tuple[tuple[str, str | None], ...]] = set()

    def load(cls: type[Screener], config_dir: Path) -> Screener:
        key = _screener_files_key(config_dir)
        if key not in screeners:
            screeners[key] = real_load(cls, config_dir)  # raises on problems: nothing kept
            clean.add(key)
        return screeners[key]

    def check_config(config_dir: Path) -> list[Any]:
        key = _screener_files_key(config_dir)
        if key in clean:
            return []
        problems: list[Any] = real_check(config_dir)
        if not problems:
            clean.add(key)
        return problems

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Screener, "load", classmethod(load))
        # bot.dialog.check_dialogs imports it from bot.screening when it runs
        patch.setattr(bot.screening, "check_config", check_config)
        yield


@pytest.fixture(autouse=True)
def _fresh_screener(request: pytest.FixtureRequest) -> Iterator[None]:
    """Under the `fresh_screener` marker every Screener.load really loads."""
    if request.node.get_closest_marker("fresh_screener") is None:
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Screener, "load", classmethod(_REAL_SCREENER_LOAD))
        yield


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("REDIS_URL")
    if external:
        yield external
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis-data"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of the test's own; whatever the test (or a server it started) left under
    it is deleted afterwards, so a shared Redis does not fill up run after run."""
    prefix = f"t{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis_sync.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.unlink(key)
    except redis_sync.RedisError:
        pass  # a test that stopped Redis on purpose: nothing to clean
    finally:
        client.close()


@pytest.fixture
def keys(key_prefix: str) -> Keys:
    return Keys(key_prefix)


@pytest.fixture
async def redis(redis_url: str, key_prefix: str) -> AsyncIterator[aioredis.Redis]:
    client = make_client(redis_url)
    try:
        yield client
    finally:
        async for key in client.scan_iter(match=f"{key_prefix}:*", count=500):
            await client.delete(key)
        await client.aclose()


@pytest.fixture
async def chat_app(redis_url: str, key_prefix: str) -> AsyncIterator[RunningApp]:
    """The whole service with the local chat page on: shipped scripts, real screener, the
    console as counselor desk."""
    settings = make_settings(redis_url, key_prefix, BOT_DEV_CHAT=True)
    async with running_app(settings) as running:
        yield running
