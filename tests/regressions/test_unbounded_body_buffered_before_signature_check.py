"""Regression: an unauthenticated 200 MB body to `/slack/events` was read whole before the
signature check (bolt's adapter buffers the body): RSS 265 → 1,440 MB. Now every endpoint
refuses a body over `BOT_MAX_BODY_BYTES` before reading it when its length is declared, and
after one chunk too many when it is not: the webhooks themselves, and every other endpoint
(FastAPI reads JSON bodies whole) through the app's edge middleware. Shown on a real server and
socket."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import socket
import time
from collections.abc import AsyncIterator
from urllib.parse import urlparse

import pytest

from tests.escalation.slack_api import SlackStandIn
from tests.escalation.support import slack_env
from tests.fakes.line_api import LineStandIn
from tests.harness import RunningApp, make_settings, running_app

LIMIT = 64 * 1024
TOTAL = 200 * 1024 * 1024
CHUNK = b"x" * (256 * 1024)


@pytest.fixture
async def app(redis_url: str, key_prefix: str) -> AsyncIterator[RunningApp]:
    async with LineStandIn() as line, SlackStandIn() as slack:
        settings = make_settings(
            redis_url,
            key_prefix,
            line.url,
            BOT_MAX_BODY_BYTES=LIMIT,
            BOT_DEV_CHAT=True,
            BOT_ADMIN_TOKEN="admin-token",
            **slack_env(slack),
        )
        async with running_app(settings) as running:
            yield running


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def post_unsigned(base_url: str, path: str, *, declared: bool) -> tuple[int, int]:
    """POST up to 200 MB of junk, unsigned, and stop as soon as the server answers. Returns the
    status and how many body bytes had been sent by then."""
    url = urlparse(base_url)
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 80)) as sock:
        length = f"Content-Length: {TOTAL}" if declared else "Transfer-Encoding: chunked"
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
            f"{length}\r\n\r\n".encode()
        )
        sock.settimeout(0.05)
        sent, answer = 0, b""
        deadline = time.monotonic() + 60
        while sent < TOTAL and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError, BlockingIOError):
                answer += sock.recv(4096)
            if answer:
                break
            piece = CHUNK if declared else f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n"
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(CHUNK)
        sock.settimeout(10)
        with contextlib.suppress(OSError):
            while b"\r\n" not in answer:
                more = sock.recv(4096)
                if not more:
                    break
                answer += more
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, sent


@pytest.mark.parametrize(
    "path",
    [
        "/slack/events",
        "/webhooks/line",
        "/dev/chat/api/send",
        "/dev/console/api/cases/C-0001/reply",
        "/admin/reload",  # refused unauthenticated before its body is read (401 when chunked)
        "/no/such/endpoint",  # 404 before its body is read when chunked
    ],
)
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_oversized_unsigned_body_is_refused_before_it_is_read(
    app: RunningApp, path: str, declared: bool
) -> None:
    before = rss_mb()
    status, sent = await asyncio.to_thread(post_unsigned, app.base_url, path, declared=declared)
    unread = {"/admin/reload": 401, "/no/such/endpoint": 404}
    assert status == (413 if declared else unread.get(path, 413))
    # refused after at most a few chunks, not after 200 MB (the socket buffers hold some)
    assert sent < 32 * 1024 * 1024, sent
    assert rss_mb() - before < 100
    assert (await app.http.get("/healthz")).status_code == 200
