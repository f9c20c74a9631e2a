"""LINE: verify and parse webhooks into `InboundEvent`s, and send `Delivery`s.

The webhook does nothing slow before answering: read the body up to the size limit, verify the
signature on the raw body (the SDK's validator), parse it as strict, bounded JSON, refuse events
whose timestamp is missing, from the future or older than the dedupe window (a replay), convert
the rest with pure functions, append them to the stream, answer 200.
Delivery prefers the reply token while it is fresh and falls back to push only when the reply
is known not to have gone out; push carries a deterministic `X-Line-Retry-Key`, so a retried or
reclaimed push is never shown twice (see `LineSender`).

Messages are sent as JSON through the SDK client's `call_api` (its transport, auth, timeouts
and `ApiException`s), not through the typed `reply_message`/`push_message` wrappers: those
validate the request model, then serialize it twice over, and that was a fifth of the
service's CPU per answer. The quick-reply items, which come from the scripts and repeat, are
still built and validated with the SDK's models, once each (`_quick_item_json`).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import re
import ssl
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import aiohttp
import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    MessageAction,
    PostbackAction,
    QuickReplyItem,
    ShowLoadingAnimationRequest,
)
from linebot.v3.webhook import SignatureValidator
from redis.exceptions import RedisError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    wait_exponential_jitter,
)

from bot.channels.base import (
    Address,
    Delivery,
    DeliveryError,
    EventKind,
    InboundEvent,
    OutboundMessage,
    QuickReply,
    ReplyState,
)
from bot.metrics import Metrics
from bot.settings import Settings
from bot.turn import Intake
from bot.web import BadJson, BodyTooLarge, loads_bounded, read_body

log = structlog.get_logger(__name__)

CHANNEL = "line"
MAX_MESSAGES = 5  # per reply or push call
MAX_TEXT_UNITS = 5000  # UTF-16 code units per text message
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
RETRY_NAMESPACE = uuid.UUID("5b0c6a52-6a43-4a55-9c1e-3f0f6c2e7d11")
MEDIA_TYPES = frozenset({"image", "video", "audio", "file", "location", "sticker"})
CLOCK_SKEW_MS = 5 * 60 * 1000  # how far LINE's clock and ours may disagree


# --- converters (pure) -----------------------------------------------------------------------


def _event_id(raw: dict[str, Any]) -> str:
    event_id = raw.get("webhookEventId")
    if isinstance(event_id, str) and event_id:
        return f"line:{event_id}"
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    return f"line:h{digest[:32]}"


def convert_event(raw: Any, received_ms: int) -> InboundEvent | None:
    """One webhook event (as decoded JSON) → an InboundEvent, or None when there is nothing to do.

    Never raises: anything unexpected becomes None (logged by the caller as ignored).
    """
    if not isinstance(raw, dict):
        return None
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    assert isinstance(source, dict)
    etype = raw.get("type")
    if raw.get("mode", "active") != "active":
        return None  # standby: another channel answers this chat
    source_type = source.get("type")
    if source_type == "user":
        to = source.get("userId")
    elif source_type == "group":
        to = source.get("groupId")
    elif source_type == "room":
        to = source.get("roomId")
    else:
        return None
    if not isinstance(to, str) or not to:
        return None
    timestamp = raw.get("timestamp")
    ts = (
        timestamp if isinstance(timestamp, int) and not isinstance(timestamp, bool) else received_ms
    )
    reply_token = raw.get("replyToken") if isinstance(raw.get("replyToken"), str) else None
    delivery = raw.get("deliveryContext") if isinstance(raw.get("deliveryContext"), dict) else {}
    assert isinstance(delivery, dict)
    base: dict[str, Any] = {
        "event_id": _event_id(raw),
        "channel": CHANNEL,
        "address": Address(CHANNEL, to),
        "timestamp_ms": ts,
        "received_ms": received_ms,
        "reply_token": reply_token,
        "redelivery": bool(delivery.get("isRedelivery", False)),
    }
    if source_type in ("group", "room"):
        # Consultations are one-to-one: a polite note when invited or spoken to, nothing else.
        if etype in ("join", "message"):
            return InboundEvent(kind=EventKind.GROUP, **base)
        return None
    if etype == "follow":
        return InboundEvent(kind=EventKind.FOLLOW, **base)
    if etype == "unfollow":
        return InboundEvent(kind=EventKind.UNFOLLOW, **base)
    if etype == "postback":
        postback = raw.get("postback") if isinstance(raw.get("postback"), dict) else {}
        assert isinstance(postback, dict)
        data = postback.get("data")
        if not isinstance(data, str):
            return None
        return InboundEvent(kind=EventKind.POSTBACK, postback=data[:300], **base)
    if etype == "message":
        message = raw.get("message") if isinstance(raw.get("message"), dict) else {}
        assert isinstance(message, dict)
        mtype = message.get("type")
        token = message.get("markAsReadToken")
        if isinstance(token, str) and token:
            base["meta"] = {"read_token": token[:500]}  # for 既読 once a counselor read it
        if mtype == "text" and isinstance(message.get("text"), str):
            return InboundEvent(kind=EventKind.TEXT, text=message["text"], **base)
        if mtype in MEDIA_TYPES:
            # A message sticker carries words the person typed: they are screened too.
            words = message.get("text") if mtype == "sticker" else None
            return InboundEvent(
                kind=EventKind.MEDIA,
                media_type=str(mtype),
                text=words if isinstance(words, str) and words.strip() else None,
                **base,
            )
        return None
    return None


def timestamp_problem(raw: Any, now_ms: int, max_age_ms: int) -> str | None:
    """Why a signed event must be refused for its timestamp, or None when it may be taken.

    Redeliveries are recognised by their `webhookEventId` for `max_age_ms` (the dedupe window)
    and no longer: an event older than that could be a captured body replayed after its id was
    forgotten, so it is refused (`stale`), and so is one that claims to come from the future
    (`future`: it would outlive the window) or has no timestamp a LINE event has
    (`bad_timestamp`: a positive whole number of milliseconds)."""
    if not isinstance(raw, dict):
        return None  # not an event at all: convert_event ignores it
    ts = raw.get("timestamp")
    if not isinstance(ts, int) or isinstance(ts, bool) or ts <= 0:
        return "bad_timestamp"
    if ts > now_ms + CLOCK_SKEW_MS:
        return "future"
    if now_ms - ts > max_age_ms - CLOCK_SKEW_MS:
        return "stale"
    return None


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT_UNITS) -> list[str]:
    """Split a text into pieces of at most `limit` UTF-16 units, preferring line breaks."""
    if utf16_len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while utf16_len(line) > limit:  # one enormous line: cut by characters
            cut = 0
            units = 0
            for i, ch in enumerate(line):
                units += 2 if ord(ch) > 0xFFFF else 1
                if units > limit:
                    cut = i
                    break
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:]
        if utf16_len(current) + utf16_len(line) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current:
        pieces.append(current)
    return [p for p in pieces if p]


def to_line_messages(messages: Sequence[OutboundMessage]) -> list[dict[str, Any]]:
    """Our messages → LINE text message objects, as JSON (long texts split; quick replies on the
    last one)."""
    out: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        parts = split_text(message.text) or [" "]
        for part_index, part in enumerate(parts):
            item: dict[str, Any] = {"type": "text", "text": part}
            last = index == len(messages) - 1 and part_index == len(parts) - 1
            if last and message.quick_replies:
                item["quickReply"] = {
                    "items": [
                        _quick_item_json(q) for q in message.quick_replies[:MAX_QUICK_REPLIES]
                    ]
                }
            out.append(item)
    return out


@functools.lru_cache(maxsize=1024)
def _quick_item_json(q: QuickReply) -> dict[str, Any]:
    """One quick-reply button, built and validated with the SDK's models (once per button)."""
    label = str(q.label)[:MAX_LABEL]
    if q.data:
        action: Any = PostbackAction(
            label=label, data=str(q.data)[:300], displayText=(q.text or q.label)[:300]
        )
    else:
        action = MessageAction(label=label, text=(q.text or q.label)[:300])
    data: dict[str, Any] = QuickReplyItem(action=action).to_dict()
    return data


def batches(
    messages: Sequence[dict[str, Any]], size: int = MAX_MESSAGES
) -> list[list[dict[str, Any]]]:
    return [list(messages[i : i + size]) for i in range(0, len(messages), size)]


def retry_key(delivery_key: str, batch: int) -> str:
    return str(uuid.uuid5(RETRY_NAMESPACE, f"{delivery_key}#{batch}"))


# --- webhook ---------------------------------------------------------------------------------


CrisisNet = Callable[[Sequence[InboundEvent]], Coroutine[Any, Any, None]]


# JSON can escape one half of a UTF-16 pair on its own (\ud800). Python decodes it to a lone
# surrogate, which cannot be encoded as UTF-8: it could not be stored, screened or answered.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(value: Any) -> Any:
    """The parsed payload with each lone surrogate replaced by U+FFFD (pairs are kept: the JSON
    decoder has already joined them into one character)."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    return value


def line_router(
    settings: Settings,
    intake: Callable[[], Intake],
    metrics: Metrics,
    safety_net: CrisisNet | None = None,
    safety_saved: Callable[[], Coroutine[Any, Any, object]] | None = None,
) -> APIRouter:
    """`POST /webhooks/line`. `safety_net` answers crisis messages directly when the store is
    down (the webhook then answers 503 so LINE redelivers the rest); `safety_saved` writes what
    it answered to the store before events are accepted again, so a redelivered event is not
    answered a second time."""
    router = APIRouter()
    secret = settings.line_channel_secret.get_secret_value() if settings.line_channel_secret else ""
    validator = SignatureValidator(secret) if secret else None
    max_age_ms = settings.bot_dedupe_ttl_s * 1000

    def done(outcome: str, started: float, response: Response) -> Response:
        metrics.webhook_latency.labels(CHANNEL, outcome).observe(time.perf_counter() - started)
        return response

    @router.post("/webhooks/line", include_in_schema=True)
    async def line_webhook(request: Request) -> Response:
        started = time.perf_counter()
        if validator is None:
            return done(
                "disabled", started, JSONResponse({"detail": "LINE is not configured"}, 503)
            )
        try:
            body = await read_body(request, settings.bot_max_body_bytes)
        except BodyTooLarge:
            return done("too_large", started, JSONResponse({"detail": "body too large"}, 413))
        signature = request.headers.get("x-line-signature", "")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return done("bad_body", started, JSONResponse({"detail": "body is not UTF-8"}, 400))
        if not signature or not validator.validate(text, signature):
            log.warning("line.bad_signature")
            return done(
                "bad_signature", started, JSONResponse({"detail": "invalid signature"}, 401)
            )
        try:
            payload = loads_bounded(text)
        except BadJson:
            return done("bad_json", started, JSONResponse({"detail": "malformed JSON"}, 400))
        if _SURROGATE_ESCAPE.search(text):
            payload = without_lone_surrogates(payload)
        raw_events = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(raw_events, list):
            return done("bad_json", started, JSONResponse({"detail": "no events list"}, 400))
        now = int(time.time() * 1000)
        events: list[InboundEvent] = []
        ignored = 0
        for raw in raw_events:
            problem = timestamp_problem(raw, now, max_age_ms)
            if problem is not None:
                metrics.events_refused.labels(CHANNEL, problem).inc()
                log.warning("line.event_refused", reason=problem)
                continue
            event = convert_event(raw, now)
            if event is None:
                ignored += 1
            else:
                events.append(event)
        if ignored:
            log.info("line.events_ignored", count=ignored)
        if events:
            try:
                # Bounded: LINE gives up after 2 s. A submit cut short is safe to repeat (each
                # event's script is atomic and redeliveries are deduplicated).
                async with asyncio.timeout(settings.bot_intake_timeout_s):
                    if safety_saved is not None:
                        await safety_saved()
                    seqs = await intake().submit(events)
            except (RedisError, OSError, TimeoutError) as exc:
                log.error("line.store_unavailable", error=type(exc).__name__)
                if safety_net is not None:
                    asyncio.get_running_loop().create_task(safety_net(events))
                return done(
                    "store_down", started, JSONResponse({"detail": "temporarily unavailable"}, 503)
                )
            accepted = sum(1 for s in seqs if s)
            metrics.events_accepted.labels(CHANNEL).inc(accepted)
            if accepted < len(seqs):
                metrics.events_duplicate.labels(CHANNEL).inc(len(seqs) - accepted)
        return done("ok", started, JSONResponse({}, 200))

    return router


# --- sending ---------------------------------------------------------------------------------

# Refusals that no retry of the same request can change (the request itself is wrong). 401/403
# are not among them: a revoked or mistyped access token is fixed by an admin, and the answers
# go out then.
_FOREVER = frozenset({400, 404, 413, 415, 422})


def retry_after_of(exc: ApiException) -> float | None:
    """The seconds LINE's `Retry-After` asks for, if it says."""
    for name, value in (exc.headers or {}).items():
        if str(name).lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def _token_refused(exc: ApiException) -> bool:
    return exc.status == 400 and "reply token" in str(exc.body or "").lower()


class _PushRetry(Exception):
    """A push that may succeed if tried again (429, 5xx, a timeout, a dropped connection)."""


class LineSender:
    """Delivers to LINE through the SDK's async client (created in the app lifespan).

    Exactly one answer per delivery:
    - The first messages go by reply while the token is fresh. A reply whose outcome never came
      back (a timeout, a dropped connection, a 5xx) is tried again *as a reply*, with the same
      token and a longer timeout: LINE takes a token once, so "Invalid reply token" then proves
      the earlier attempt delivered it. Only a reply known not to have gone out falls back to
      push. When the token has expired before the outcome could be learnt, a crisis answer is
      pushed (twice is better than never) and anything else is not (a lost everyday answer is
      better than a repeated one).
    - Pushes carry a deterministic `X-Line-Retry-Key`: a repeat of an accepted push gets 409.
    - A 429 pauses every call of this sender for its `Retry-After`. A pause or an outage longer
      than a short in-call budget raises `DeliveryError` with `retry_after`, and the worker
      tries the event again later without holding a worker slot.
    """

    channel = CHANNEL

    def __init__(
        self,
        settings: Settings,
        metrics: Metrics,
        *,
        max_attempts: int = 4,
        max_wait_s: float = 4.0,
        reply_attempts: int = 4,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.max_attempts = max_attempts  # push calls per delivery attempt
        self.max_wait_s = max_wait_s  # the longest wait between them (longer: DeliveryError)
        self.reply_attempts = reply_attempts
        self._client: AsyncApiClient | None = None
        self._api: AsyncMessagingApi | None = None
        self._paused_until = 0.0  # monotonic: LINE answered 429, nothing goes before this

    async def open(self) -> None:
        token = self.settings.line_channel_access_token
        cfg = Configuration(
            host=self.settings.line_api_base_url.rstrip("/"),
            access_token=token.get_secret_value() if token else "",
        )
        if self.settings.bot_proxy:
            cfg.proxy = self.settings.bot_proxy
        self._client = AsyncApiClient(cfg)
        # The SDK's session trusts the environment, and so aiohttp reads ~/.netrc in a thread
        # for every request (a thread hop and a file read per answer). Ours does not: a proxy
        # comes from BOT_PROXY, explicitly, as for Slack.
        rest = self._client.rest_client
        await rest.pool_manager.close()
        rest.pool_manager = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=cfg.connection_pool_maxsize,
                ssl=ssl.create_default_context(cafile=cfg.ssl_ca_cert),
            ),
            trust_env=False,
        )
        self._api = AsyncMessagingApi(self._client)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
            self._api = None

    @property
    def api(self) -> AsyncMessagingApi:
        if self._api is None:
            raise RuntimeError("LineSender.open() was not called")
        return self._api

    # --- LINE's 429 pause ------------------------------------------------------------------

    def _pause(self, exc: ApiException, backoff: float) -> None:
        """LINE said too many: nothing of this sender goes before its `Retry-After` (or the
        backoff, when it gave none)."""
        wait = retry_after_of(exc)
        until = time.monotonic() + (wait if wait is not None else backoff)
        if until > self._paused_until:
            self._paused_until = until
            log.warning("line.rate_limited", retry_after=wait)

    def pause_left(self) -> float:
        return max(0.0, self._paused_until - time.monotonic())

    def _token_left(self, delivery: Delivery) -> float:
        """Seconds the reply token stays fresh (negative once it is not)."""
        if not delivery.reply_token or delivery.event_timestamp_ms is None:
            return -1.0
        age = time.time() - delivery.event_timestamp_ms / 1000
        return self.settings.bot_reply_token_ttl_s - age

    # --- delivering ------------------------------------------------------------------------

    async def deliver(self, delivery: Delivery) -> None:
        groups = batches(to_line_messages(delivery.messages))
        state = delivery.reply_state
        for index, batch in enumerate(groups):
            if index == 0 and delivery.reply_token:
                if state is not ReplyState.USED:
                    state = await self._reply(delivery, batch, state)
                if state is ReplyState.USED:
                    continue
                if state is ReplyState.MAYBE:
                    self.metrics.deliveries.labels(CHANNEL, "unknown").inc()
                    if not delivery.crisis:
                        log.warning("line.reply_outcome_unknown", pushed=False)
                        state = ReplyState.USED  # counted as delivered: never sent twice
                        continue
                    log.warning("line.reply_outcome_unknown", pushed=True)
            try:
                await self._push(delivery, index, batch)
            except DeliveryError as exc:
                exc.reply_state = state
                raise

    async def _post(
        self,
        path: str,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
        wait_s: float | None = None,
    ) -> None:
        """POST a Messaging API request through the SDK client; non-2xx raises `ApiException`.
        The answer's body (sent message ids) is not needed, so it is not parsed."""
        if self._client is None:
            raise RuntimeError("LineSender.open() was not called")
        await self._client.call_api(
            path,
            "POST",
            header_params={
                "Content-Type": "application/json",
                "Accept": "application/json",
                **(headers or {}),
            },
            body=body,
            response_types_map={},
            auth_settings=["Bearer"],
            _request_timeout=wait_s or self.settings.bot_line_timeout_s,
        )

    async def _reply(
        self, delivery: Delivery, batch: list[dict[str, Any]], state: ReplyState
    ) -> ReplyState:
        """Try the first batch as a reply while the token is fresh; returns what is known of
        the token afterwards (USED: delivered)."""
        assert delivery.reply_token
        maybe = state is ReplyState.MAYBE
        timeout = self.settings.bot_line_timeout_s
        body = {"replyToken": delivery.reply_token, "messages": batch}
        for attempt in range(self.reply_attempts):
            left = self._token_left(delivery)
            pause = self.pause_left()
            if left - pause <= 0:
                break  # the token would be stale before LINE lets us call
            if pause:
                await asyncio.sleep(pause)
            try:
                await self._post("/v2/bot/message/reply", body, wait_s=min(timeout, 30.0))
                self.metrics.deliveries.labels(CHANNEL, "reply").inc()
                return ReplyState.USED
            except ApiException as exc:
                if _token_refused(exc):
                    if maybe:
                        # Fresh, yet refused, and an earlier attempt of this very delivery may
                        # have used it: it did, so the person has the messages.
                        log.info("line.reply_already_used")
                        return ReplyState.USED
                    log.warning("line.reply_token_refused")
                    return ReplyState.UNUSED
                if exc.status == 429:
                    self._pause(exc, 0.5 * 2**attempt)
                    continue  # refused: the token is as it was
                if (exc.status or 0) < 500:
                    log.warning("line.reply_failed", status=exc.status)
                    break  # LINE refuses this reply outright
                log.warning("line.reply_failed", status=exc.status)
                maybe = True  # a 5xx may come after LINE acted
            except aiohttp.ClientConnectorError as exc:
                log.warning("line.reply_failed", error=type(exc).__name__)  # never reached LINE
            except (aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
                log.warning("line.reply_failed", error=type(exc).__name__)
                maybe = True  # sent, but the outcome never came back
            self.metrics.delivery_retries.labels(CHANNEL).inc()
            timeout *= 2  # a slow LINE answers the retry
            await asyncio.sleep(min(0.2 * 2**attempt, max(0.0, self._token_left(delivery))))
        return ReplyState.MAYBE if maybe else ReplyState.UNUSED

    async def _push(self, delivery: Delivery, index: int, batch: list[dict[str, Any]]) -> None:
        key = retry_key(delivery.key, index)
        backoff = wait_exponential_jitter(multiplier=0.2, max=self.max_wait_s, jitter=0.2)

        def wait(state: RetryCallState) -> float:
            return max(backoff(state), self.pause_left())

        def give_up(state: RetryCallState) -> bool:
            return state.attempt_number >= self.max_attempts or self.pause_left() > self.max_wait_s

        def before_sleep(state: RetryCallState) -> None:
            self.metrics.delivery_retries.labels(CHANNEL).inc()

        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(_PushRetry),
                stop=give_up,
                wait=wait,
                before_sleep=before_sleep,
                reraise=True,
            ):
                with attempt:
                    pause = self.pause_left()
                    if pause > self.max_wait_s:
                        raise _PushRetry("paused")
                    if pause:
                        await asyncio.sleep(pause)
                    await self._push_once(delivery, key, batch, attempt.retry_state.attempt_number)
        except _PushRetry as exc:
            self.metrics.delivery_failures.labels(CHANNEL).inc()
            left = self.pause_left()
            log.error("line.push_failed", why=str(exc), retry_in=round(left, 1) if left else None)
            raise DeliveryError(f"LINE push failed ({exc})", retry_after=left or None) from exc

    async def _push_once(
        self, delivery: Delivery, key: str, batch: list[dict[str, Any]], attempt: int
    ) -> None:
        try:
            await self._post(
                "/v2/bot/message/push",
                {"to": delivery.address.to, "messages": batch},
                {"X-Line-Retry-Key": key},
            )
        except ApiException as exc:
            if exc.status == 409:  # this retry key was already accepted
                log.info("line.push_already_accepted")
                return
            if exc.status == 429:
                self._pause(exc, 0.2 * 2**attempt)
                raise _PushRetry("429") from exc
            if exc.status in _FOREVER:
                self.metrics.delivery_failures.labels(CHANNEL).inc()
                log.error("line.push_refused", status=exc.status)
                raise DeliveryError(
                    f"LINE refused the push ({exc.status})", permanent=True
                ) from exc
            raise _PushRetry(str(exc.status)) from exc
        except (aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
            raise _PushRetry(type(exc).__name__) from exc
        self.metrics.deliveries.labels(CHANNEL, "push").inc()

    async def mark_read(self, address: Address, token: str) -> None:
        """`POST /v2/bot/chat/markAsRead` with the webhook's token, only with
        LINE_MARK_AS_READ=1 (LINE's Chat mode on; otherwise LINE marks everything read)."""
        if not self.settings.line_mark_as_read or not token:
            return
        try:
            await self._post("/v2/bot/chat/markAsRead", {"markAsReadToken": token})
        except Exception as exc:  # best effort: a read mark never holds up a conversation
            log.warning("line.mark_read_failed", error=type(exc).__name__)

    async def show_typing(self, address: Address) -> None:
        if address.channel != CHANNEL or not address.to.startswith("U"):
            return  # the loading animation works in one-to-one chats only
        try:
            await self.api.show_loading_animation(
                ShowLoadingAnimationRequest(chatId=address.to, loadingSeconds=20),
                _request_timeout=3,
            )
        except Exception as exc:  # best effort: never let the indicator break a turn
            log.debug("line.loading_failed", error=type(exc).__name__)
