"""``POST /slack/events``: the request entry in front of the bolt app.

Before bolt sees a request, the entry bounds it: the body is read up to `BOT_MAX_BODY_BYTES`
(a larger one is refused unread), the signature is checked on the raw body (nothing unsigned
is parsed), and a signed body that does not parse into a Slack payload is a 400, not a 500.

Requests the app has no listener for (``app_mention``, ``reaction_added``,
``member_joined_channel``, ``tokens_revoked``, ``app_uninstalled``, ...) are acknowledged with
200: bolt's default 404 "unhandled request" counts as a failed delivery, which Slack retries and
holds against the app. Bolt's errors are logged here, through the service's structured logs.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.web import BadJson, BodyTooLarge, check_depth, read_body

log = structlog.get_logger(__name__)


def request_kind(body: dict[str, Any]) -> str:
    """What a Slack payload is, for logs: the event type of an event callback, else its type."""
    event = body.get("event")
    if body.get("type") == "event_callback" and isinstance(event, dict):
        return f"event:{event.get('type')}"
    return str(body.get("type") or body.get("command") or "unknown")[:64]


async def on_bolt_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
    """Bolt's error handler: an unhandled request is acknowledged (200); any other error keeps
    bolt's 500, so that Slack retries it, and is logged as one structured record."""
    kind = request_kind(body) if isinstance(body, dict) else "unknown"
    if isinstance(error, BoltUnhandledRequestError):
        log.info("slack.request_acknowledged", kind=kind)
        return BoltResponse(status=200, body="")
    log.error("slack.listener_failed", kind=kind, error=type(error).__name__, exc_info=error)
    return None


# The envelope fields bolt reads before any listener runs, with the types Slack sends them as.
# Bolt assumes these types: an `event` that is not an object, say, breaks its dispatcher and
# then its own error handler.
_ENVELOPE: dict[str, tuple[type, ...]] = {
    "event": (dict,),
    "authorizations": (list,),
    "enterprise": (dict, str, type(None)),
    "team": (dict, str, type(None)),
    "user": (dict, str, type(None)),
    "channel": (dict, str, type(None)),
    "container": (dict,),
    "actions": (list,),
    "view": (dict,),
    "message": (dict,),
}


def envelope_problem(body: dict[str, Any]) -> str | None:
    """What makes a signed payload one Slack never sends, or None."""
    for name, types in _ENVELOPE.items():
        if name in body and not isinstance(body[name], types):
            return f"{name} is a {type(body[name]).__name__}"
    event = body.get("event")
    if isinstance(event, dict) and not isinstance(event.get("type"), str):
        return "event has no type"
    for name in ("authorizations", "actions"):
        if not all(isinstance(item, dict) for item in body.get(name) or ()):
            return f"{name} holds a non-object"
    return None


def _refuse(status: int, error: str) -> Response:
    return JSONResponse({"error": error}, status_code=status)


def slack_events_router(app: AsyncApp, *, signing_secret: str, max_body_bytes: int) -> APIRouter:
    """The route in front of `app`, whose unhandled requests and errors it takes over (the app
    must be built with ``raise_error_for_unhandled_request=True``)."""
    app.error(on_bolt_error)
    verifier = SignatureVerifier(signing_secret)
    router = APIRouter()

    @router.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        try:
            raw = await read_body(request, max_body_bytes)
        except BodyTooLarge:
            return _refuse(413, "body too large")
        try:
            text = raw.decode("utf-8")  # Slack signs and sends UTF-8; the verifier needs text
        except UnicodeDecodeError:
            return _refuse(400, "body is not UTF-8")
        if not verifier.is_valid(
            body=text,
            timestamp=request.headers.get("x-slack-request-timestamp"),
            signature=request.headers.get("x-slack-signature"),
        ):
            return _refuse(401, "invalid request")
        try:
            bolt_request = to_async_bolt_request(request, raw)
            if not isinstance(bolt_request.body, dict):
                raise BadJson("not an object")
            check_depth(bolt_request.body)
            problem = envelope_problem(bolt_request.body)
            if problem is not None:
                raise BadJson(problem)
        except Exception as exc:
            # The body is signed, so it is Slack's, yet it is not UTF-8, not JSON or a form, or
            # of a shape bolt's parsing trips over: whatever the exception, it is the request
            # that is wrong, and Slack is told so with a 400 (a 500 would be retried).
            log.warning("slack.malformed_request", error=type(exc).__name__)
            return _refuse(400, "malformed request")
        return to_starlette_response(await app.async_dispatch(bolt_request))

    return router
