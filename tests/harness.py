"""Run the real app on loopback and talk to it as LINE would: really signed webhooks."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import gc
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bot.app import Services, create_app
from bot.pipeline import Bundle
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-channel-secret"
ACCESS_TOKEN = "test-access-token"
WORKER_BLOCK_MS = 100


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def user_source(user: str) -> dict[str, str]:
    return {"type": "user", "userId": user}


def base_event(etype: str, user: str, **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": etype,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": user_source(user),
        "webhookEventId": "01" + uuid.uuid4().hex.upper()[:24],
        "deliveryContext": {"isRedelivery": False},
    }
    if etype not in ("unfollow", "leave", "memberLeft", "unsend"):
        event["replyToken"] = "rt-" + uuid.uuid4().hex
    event.update(extra)
    return event


def text_event(user: str, text: str, **extra: Any) -> dict[str, Any]:
    return base_event(
        "message",
        user,
        message={"id": uuid.uuid4().hex[:10], "type": "text", "text": text, "quoteToken": "q"},
        **extra,
    )


def follow_event(user: str) -> dict[str, Any]:
    return base_event("follow", user, follow={"isUnblocked": False})


def body_of(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": "Ubot", "events": list(events)}, ensure_ascii=False).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def delete_keys(redis_url: str, prefix: str) -> None:
    """Delete whatever a test (or a server it started) left under its key prefix, so a shared
    Redis does not fill up run after run."""
    import redis as redis_sync

    client = redis_sync.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.unlink(key)
    except redis_sync.RedisError:
        pass  # a test that stopped Redis on purpose: nothing to clean
    finally:
        client.close()


def make_settings(
    redis_url: str, key_prefix: str, line_url: str | None = None, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "REDIS_URL": redis_url,
        "BOT_KEY_PREFIX": key_prefix,
        "BOT_CONFIG_DIR": str(ROOT / "config"),
        "DIALOGS_DIR": str(ROOT / "dialogs"),
        "BOT_RELOAD_INTERVAL_S": 0,
        "BOT_RECLAIM_IDLE_MS": 1500,
        "BOT_SHUTDOWN_GRACE_S": 2,
        "BOT_LINE_TIMEOUT_S": 2,
        # Slack's pace kept, but quick: the rate itself is tested in tests/faults
        "BOT_SLACK_POST_INTERVAL_S": 0.02,
        "BOT_LOG_FORMAT": "console",
        "BOT_LOG_LEVEL": os.environ.get("TEST_LOG_LEVEL", "warning"),
    }
    if line_url is not None:
        values |= {
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
            "LINE_API_BASE_URL": line_url,
        }
    values |= overrides
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class RunningApp:
    def __init__(self, base_url: str, services: Services) -> None:
        self.base_url = base_url
        self.services = services
        self.http = httpx.AsyncClient(base_url=base_url, timeout=10, trust_env=False)

    async def post_line(
        self, body: bytes, signature: str | None = None, **headers: str
    ) -> httpx.Response:
        hdrs = {"Content-Type": "application/json", "X-Line-Signature": signature or sign(body)}
        hdrs.update(headers)
        return await self.http.post("/webhooks/line", content=body, headers=hdrs)

    async def send(self, *events: dict[str, Any]) -> httpx.Response:
        response = await self.post_line(body_of(*events))
        assert response.status_code == 200, response.text
        return response

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until every accepted event has been handled."""
        deadline = time.monotonic() + timeout
        worker = self.services.worker
        while time.monotonic() < deadline:
            length = await self.services.redis.xlen(self.services.keys.events_stream)
            if length == 0 and worker.idle():
                return
            await asyncio.sleep(0.02)
        raise TimeoutError("events still pending")


@contextlib.asynccontextmanager
async def running_app(
    settings: Settings, *, bundle: Callable[[], Bundle] | None = None, with_desk: bool = True
) -> AsyncIterator[RunningApp]:
    app = create_app(settings, bundle=bundle, with_desk=with_desk)
    services: Services = app.state.services
    # The worker's blocking read returns at least this often; the app stops only after it has
    # (1 s by default: a second of every test's teardown).
    services.worker.config = dataclasses.replace(services.worker.config, block_ms=WORKER_BLOCK_MS)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    running = RunningApp(f"http://127.0.0.1:{port}", app.state.services)
    try:
        yield running
    finally:
        await running.http.aclose()
        server.should_exit = True
        await task
        sock.close()
        # The lifespan froze everything loaded so far (gc.freeze, right for one long-lived
        # process); in a test process that starts hundreds of apps, give it back to the
        # collector so finished apps' objects do not pile up.
        gc.unfreeze()


class LocalChat:
    """A person in the local chat page, through its HTTP API."""

    def __init__(self, app: RunningApp) -> None:
        self.app = app
        self.session = "s" + uuid.uuid4().hex[:16]
        self.seen = 0
        self.last: list[dict[str, Any]] = []

    async def _read(self, count: int = 1) -> list[dict[str, Any]]:
        """Wait for the bot's answer (at least `count` new bot messages, then quiet)."""
        await self.app.idle()
        bot: list[dict[str, Any]] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = await self.app.http.get(
                "/dev/chat/api/messages", params={"session": self.session, "after": self.seen}
            )
            body = r.json()
            self.seen = body["next"]
            bot += [m for m in body["messages"] if m["role"] == "bot"]
            if len(bot) >= count:
                break
            await asyncio.sleep(0.05)
        self.last = bot
        return bot

    async def start(self) -> list[dict[str, Any]]:
        r = await self.app.http.post("/dev/chat/api/start", json={"session": self.session})
        assert r.status_code == 200
        return await self._read()

    async def say(self, text: str, expect: int = 1) -> list[dict[str, Any]]:
        r = await self.app.http.post(
            "/dev/chat/api/send", json={"session": self.session, "text": text}
        )
        assert r.status_code == 200
        return await self._read(expect)

    async def tap(self, label: str) -> list[dict[str, Any]]:
        buttons = {q["label"]: q for q in self.last[-1].get("quick_replies", [])}
        assert label in buttons, list(buttons)
        r = await self.app.http.post(
            "/dev/chat/api/send",
            json={"session": self.session, "postback": buttons[label]["data"], "label": label},
        )
        assert r.status_code == 200
        return await self._read()

    def text(self) -> str:
        return "\n".join(m["text"] for m in self.last)


class ServeProcess:
    """`python -m bot serve` in a child process, for crash and multi-process tests."""

    def __init__(
        self, env: Mapping[str, str], port: int | None = None, host: str | None = "127.0.0.1"
    ) -> None:
        self.port = port or free_port()
        self.host = host  # None: serve's own default
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1", "NO_PROXY": "127.0.0.1,localhost"}
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tempfile.mkstemp(prefix="serve-", suffix=".log")[1])

    async def start(self, timeout: float = 30.0) -> None:
        host = ["--host", self.host] if self.host is not None else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", *host, "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("wb"),
        )
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    err = (
                        self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                    )
                    raise RuntimeError(f"serve exited: {err[-2000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(self.url + "/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise TimeoutError("serve did not become ready")

    async def post_line(self, body: bytes) -> httpx.Response:
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            return await client.post(
                self.url + "/webhooks/line",
                content=body,
                headers={"Content-Type": "application/json", "X-Line-Signature": sign(body)},
            )

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def terminate(self, timeout: float = 30.0) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def listening_addresses(port: int) -> set[str]:
    """The local IPv4/IPv6 addresses with a socket listening on `port` (from /proc/net)."""
    found: set[str] = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        with contextlib.suppress(OSError), open(table) as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                address, _, hex_port = local.partition(":")
                if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                    continue
                raw = bytes.fromhex(address)
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:  # four little-endian 32-bit words
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


class RedisServer:
    """A `redis-server` of the test's own on a loopback port (the binary the embedded store
    uses), started with the given config file and arguments, for tests that need a password,
    a config of their own, or a Redis they can stop."""

    def __init__(
        self,
        directory: Path,
        *args: str,
        config: Path | None = None,
        bind: str | None = "127.0.0.1",
    ) -> None:
        from bot.store.redis import redis_server_binary

        self.port = free_port()
        directory.mkdir(parents=True, exist_ok=True)
        argv = [redis_server_binary()]
        if config is not None:
            argv.append(str(config))
        # the test's own port and directory come last, so they win over the config file
        argv += [*args, "--port", str(self.port), "--dir", str(directory)]
        if bind is not None:  # None: as the config file says
            argv += ["--bind", bind]
        self.argv = argv
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 15.0) -> RedisServer:
        self.proc = subprocess.Popen(
            self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.argv}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return self
            time.sleep(0.02)
        raise TimeoutError("redis-server did not listen")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
