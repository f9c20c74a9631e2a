"""The HTTP edge every endpoint shares: bounded bodies, bounded JSON, and the headers and Host
check that keep browsers from misusing the service.

Everything here runs before a request reaches a platform SDK, so hostile input is answered
with a 4xx before anything is buffered, parsed or trusted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# LINE's and Slack's payloads are a handful of levels deep (LINE's deepest, a mention in a
# message, is 6). Anything far deeper is not from them, and would only make the code that walks
# it recurse.
MAX_JSON_DEPTH = 32

# The dev pages run scripts and styles of their own origin only: no inline code, nothing from
# elsewhere, and no page may frame them.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
DEV_PREFIX = "/dev/"


class BodyTooLarge(Exception):
    """The request's body is (or says it is) over the limit."""


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read in chunks and abandoned as soon as it passes `limit` bytes: a large
    body is refused by its Content-Length before a byte is read, and a body that lies about
    its length is refused once it has sent one chunk too many."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise BodyTooLarge
        except ValueError:
            raise BodyTooLarge from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class BadJson(ValueError):
    """Not a JSON document the service accepts (syntax, NaN/Infinity, or nesting)."""


def _no_constants(name: str) -> Any:
    raise BadJson(f"{name} is not JSON")


def loads_bounded(text: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads`, strict: NaN and Infinity are refused (they are not JSON, and turn into
    floats nothing downstream can use), and so is nesting deeper than `max_depth`."""
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise BadJson("nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, over-long integers
        raise BadJson(str(exc)) from None
    check_depth(value, max_depth)
    return value


def check_depth(value: Any, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise `BadJson` when lists and objects nest deeper than `max_depth` (walked without
    recursion, so the check itself cannot overflow the stack)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            raise BadJson("nested too deeply")
        stack.extend((child, depth + 1) for child in children)


def host_name(host_header: str) -> str:
    """The name in a Host header, without the port (`[::1]:8000` → `[::1]`), lower case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end > 0 else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def dev_host_allowed(host_header: str | None, extra: frozenset[str]) -> bool:
    """The dev pages answer only to a localhost name (a DNS-rebinding page on another name
    cannot drive them), or to a name in `extra` (`BOT_DEV_HOSTS`; `*` allows any)."""
    if "*" in extra:
        return True
    if not host_header:
        return False
    name = host_name(host_header)
    return name in LOCAL_HOSTS or name.endswith(".localhost") or name in extra


class EdgeGuard:
    """ASGI middleware around the whole app: no request body may pass `max_body_bytes` on any
    endpoint (declared larger: 413 before the app runs; sent larger: 413 as soon as it does), the
    dev pages refuse foreign Host headers, every response says it must not be framed or
    sniffed, and every HTML response carries the page policy (CSP).

    The webhooks bound their bodies themselves too (`read_body`), so they stay bounded wherever
    their routers are mounted."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, dev_hosts: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.dev_hosts = dev_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path: str = scope["path"]
        if (path.startswith(DEV_PREFIX) or path == DEV_PREFIX[:-1]) and not dev_host_allowed(
            headers.get("host"), self.dev_hosts
        ):
            await _refuse(send, 403, _WRONG_HOST)
            return
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await _refuse(send, 413, _TOO_LARGE)
            return
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # raised into the endpoint reading the body; the app answers it with a 413
                    raise HTTPException(413, "body too large")
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = PAGE_POLICY
            await send(message)

        await self.app(scope, bounded_receive, send_with_headers)


_WRONG_HOST = b'{"detail":"the dev pages answer on localhost only (BOT_DEV_HOSTS allows more)"}'
_TOO_LARGE = b'{"detail":"body too large"}'


async def _refuse(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-frame-options", b"DENY"),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
