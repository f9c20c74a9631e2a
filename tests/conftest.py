"""Shared fixtures: a real Redis server for every test that needs one.

With ``REDIS_URL`` set, tests use that server (CI points it at the machine's Redis); otherwise
one embedded server (the same one `make run` uses) is started for the session. Each test gets
its own key prefix, so suites running at the same time never see each other's keys.

The screener is loaded once per distinct content of its files, and each distinct YAML text is
parsed once (see `_screener_loaded_once` and `_yaml_parsed_once`).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

import bot.screening
import bot.yamlio
from bot.checker_messages import use_config_dir
from bot.screening import Screener
from bot.screening.config import FILES as SCREENER_FILES
from bot.store.keys import Keys
from bot.store.redis import EmbeddedRedis, make_client
from tests.harness import RunningApp, delete_keys, make_settings, running_app

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

    def load(cls: type[Screener], config_dir: Path, wording_model: Path | None = None) -> Screener:
        if wording_model is not None:  # another model file: loaded for real, never kept
            return real_load(cls, config_dir, wording_model)
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


class _ParsedOnce:
    """The admin files' YAML loader (ruamel, round-trip, with line numbers), remembering each
    text it parsed. Every call gets a fresh copy (a pickle round trip keeps the types, keys
    and line numbers exactly, and is some 20 times faster than parsing), so whatever a loader
    does with its data never reaches the next one. A text that fails to parse raises as before
    and is not remembered."""

    def __init__(self, real: Any, parsed: dict[str, bytes]) -> None:
        self._real = real
        self._parsed = parsed

    def load(self, text: str) -> Any:
        blob = self._parsed.get(text)
        if blob is None:
            blob = pickle.dumps(self._real().load(text), protocol=pickle.HIGHEST_PROTOCOL)
            self._parsed[text] = blob
        return pickle.loads(blob)


@pytest.fixture(scope="session", autouse=True)
def _yaml_parsed_once() -> Iterator[None]:
    """Parsing the shipped YAML with ruamel takes 0.3-0.5 s, done again by every app start,
    LiveConfig, check_dialogs and screener config test; each distinct text is parsed once."""
    real = bot.yamlio._yaml
    parsed: dict[str, bytes] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bot.yamlio, "_yaml", lambda: _ParsedOnce(real, parsed))
        yield


@pytest.fixture(autouse=True)
def _default_checker_catalog() -> Iterator[None]:
    """The checker's message catalog is read from the config dir a LiveConfig or `dialogs
    check --config` last named (a process-wide choice): each test starts from the default, so a
    catalog one test broke in its own copy of config/ never words another test's problems."""
    yield
    use_config_dir(None)


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
    delete_keys(redis_url, prefix)


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
