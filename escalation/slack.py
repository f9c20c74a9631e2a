"""Slack: the board (Web API calls made by the outbox) and the inbound side (a bolt `AsyncApp`
behind ``POST /slack/events``: button presses, the close dialog, thread messages).

Inbound handlers only touch Redis (claim, log, queue outbox items), so every request is
answered well within Slack's 3 seconds even while the Web API is slow or down; the only direct
Web API call is ``views.open``, which must use the trigger id within 3 seconds.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import redis.asyncio as aioredis
import structlog
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.store.keys import Keys
from escalation.board import CardRef
from escalation.cards import (
    ACTION_CLAIM,
    ACTION_CLOSE,
    ACTION_HAND_BACK,
    ACTION_SUPERVISOR,
    CLOSE_MODAL,
    CaseCard,
    close_modal,
    slack_blocks,
)
from escalation.cases import CaseBook
from escalation.config import EscalationConfig
from escalation.model import Counselor
from escalation.outbox import SendFailed

log = structlog.get_logger(__name__)

METADATA_EVENT = "tsunagari_outbox"
SEEN_TTL_S = 86400
LOOKUP_WINDOW_S = 600  # how far back to look for an earlier attempt of an uncertain post
# Slack errors after which retrying the same call cannot succeed.
_GONE = frozenset(
    {"message_not_found", "cant_update_message", "thread_not_found", "user_not_in_channel"}
)
_DONE = frozenset({"already_reacted"})
_BAD_PAYLOAD = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "invalid_metadata_format",
        "invalid_metadata_schema",
    }
)


def _failure(exc: BaseException) -> SendFailed:
    """Map a Slack client failure to how the outbox should retry it."""
    if isinstance(exc, SlackApiError):
        status = int(getattr(exc.response, "status_code", 0) or 0)
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        error = str(data.get("error") or f"http_{status}")
        if status == 429 or error == "ratelimited":
            headers = exc.response.headers or {}
            retry_after = None
            for name, value in headers.items():
                if name.lower() == "retry-after":
                    try:
                        retry_after = float(value if isinstance(value, str) else value[0])
                    except (TypeError, ValueError, IndexError):
                        retry_after = None
            return SendFailed(
                "ratelimited", retry_after=retry_after if retry_after is not None else 1.0
            )
        if status >= 500 or status == 0:
            return SendFailed(error, uncertain=True)
        if error in _GONE:
            return SendFailed(error, permanent=True)
        return SendFailed(error)
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return SendFailed(type(exc).__name__, uncertain=True)
    return SendFailed(type(exc).__name__, uncertain=True)


def _slack_error(exc: SlackApiError) -> str:
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    return str(data.get("error") or "")


def _metadata(token: str, case_id: str) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"token": token, "case": case_id}}


def _has_token(message: dict[str, Any], token: str) -> bool:
    meta = message.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    return bool(meta.get("event_type") == METADATA_EVENT and payload.get("token") == token)


class SlackBoard:
    """Case cards, thread lines, reactions and supervisor alerts through the Slack Web API.

    Called only by the outbox, with a client that does not retry by itself: the outbox owns
    retries, so a 429 on one case never blocks the others."""

    kind = "slack"

    def __init__(
        self,
        client: AsyncWebClient,
        config: Callable[[], EscalationConfig],
        *,
        counselor_channel: str,
        supervisor_channel: str,
    ) -> None:
        self.client = client
        self.config = config
        self.counselor_channel = counselor_channel
        self.supervisor_channel = supervisor_channel or counselor_channel

    async def _call(self, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except SlackApiError as exc:
            error = _slack_error(exc)
            if error in _DONE:
                return None
            raise _failure(exc) from exc
        except SendFailed:
            raise
        except Exception as exc:
            raise _failure(exc) from exc

    async def _find(
        self, channel: str, token: str, *, since_ms: int, thread_ts: str | None = None
    ) -> str | None:
        """The ts of an earlier post carrying `token`, if one reached Slack."""
        oldest = f"{max(0, since_ms / 1000 - LOOKUP_WINDOW_S):.6f}"
        cursor: str | None = None
        for _ in range(10):
            if thread_ts:
                resp = await self._call(
                    self.client.conversations_replies(
                        channel=channel,
                        ts=thread_ts,
                        include_all_metadata=True,
                        limit=200,
                        cursor=cursor,
                    )
                )
            else:
                resp = await self._call(
                    self.client.conversations_history(
                        channel=channel,
                        oldest=oldest,
                        include_all_metadata=True,
                        limit=200,
                        cursor=cursor,
                    )
                )
            for message in resp.get("messages", []) if resp else []:
                if _has_token(message, token):
                    return str(message["ts"])
            cursor = ((resp or {}).get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    async def _post(
        self,
        channel: str,
        *,
        token: str,
        case_id: str,
        maybe_sent: bool,
        since_ms: int,
        thread_ts: str | None = None,
        **body: Any,
    ) -> str:
        if maybe_sent:
            found = await self._find(channel, token, since_ms=since_ms, thread_ts=thread_ts)
            if found:
                log.info("slack.post_recovered", case=case_id)
                return found
        resp = await self._call(
            self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                metadata=_metadata(token, case_id),
                unfurl_links=False,
                unfurl_media=False,
                **body,
            )
        )
        return str(resp["ts"])

    async def post_card(
        self, card: CaseCard, *, token: str, maybe_sent: bool, since_ms: int
    ) -> CardRef:
        cfg = self.config()
        try:
            ts = await self._post(
                self.counselor_channel,
                token=token,
                case_id=card.case_id,
                maybe_sent=maybe_sent,
                since_ms=since_ms,
                text=card.fallback,
                blocks=slack_blocks(card, cfg),
            )
        except SendFailed as exc:
            if exc.reason not in _BAD_PAYLOAD:
                raise
            # A card Slack refuses must still reach counselors: post it as plain text.
            log.error("slack.card_rejected", case=card.case_id, error=exc.reason)
            ts = await self._post(
                self.counselor_channel,
                token=token,
                case_id=card.case_id,
                maybe_sent=False,
                since_ms=since_ms,
                text=_plain_card(card),
            )
        return CardRef(self.counselor_channel, ts)

    async def update_card(self, ref: CardRef, card: CaseCard) -> None:
        await self._call(
            self.client.chat_update(
                channel=ref.channel,
                ts=ref.ts,
                text=card.fallback,
                blocks=slack_blocks(card, self.config()),
            )
        )

    async def post_in_thread(
        self, ref: CardRef, text: str, *, token: str, maybe_sent: bool, broadcast: bool = False
    ) -> None:
        await self._post(
            ref.channel,
            token=token,
            case_id="",
            maybe_sent=maybe_sent,
            since_ms=0,
            thread_ts=ref.ts,
            text=text,
            reply_broadcast=broadcast or None,
        )

    async def mark_delivered(self, channel: str, ts: str) -> None:
        await self._call(
            self.client.reactions_add(
                channel=channel, timestamp=ts, name=self.config().delivered_reaction
            )
        )

    async def alert_supervisor(
        self,
        case_id: str,
        render: Callable[[str], str],
        ref: CardRef | None,
        *,
        token: str,
        maybe_sent: bool,
        since_ms: int,
    ) -> None:
        link = ""
        if ref is not None:
            resp = await self._call(
                self.client.chat_getPermalink(channel=ref.channel, message_ts=ref.ts)
            )
            link = str((resp or {}).get("permalink") or "")
        await self._post(
            self.supervisor_channel,
            token=token,
            case_id=case_id,
            maybe_sent=maybe_sent,
            since_ms=since_ms,
            text=render(f"<{link}|{case_id}>" if link else ""),
        )

    async def notify_counselor(
        self, channel: str, user: str, text: str, thread_ts: str | None
    ) -> None:
        await self._call(
            self.client.chat_postEphemeral(
                channel=channel, user=user, text=text, thread_ts=thread_ts
            )
        )


def _plain_card(card: CaseCard) -> str:
    lines = [card.title, card.state_line, *("> " + t for t in card.triggers), *card.reasons]
    return "\n".join(lines)[:3500]


# --- inbound ------------------------------------------------------------------------------------

_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>")
_BARE = re.compile(r"<([^<>|]+)>")


def slack_to_plain(text: str) -> str:
    """A counselor's Slack message as plain text for LINE: links become their URL or label,
    mentions and channel names their raw form, and entities are unescaped."""

    def link(m: re.Match[str]) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith(("http://", "https://")):
            # A space after the URL, so LINE does not take the next words into the link.
            return f"{target} " if label in target else f"{label} {target} "
        return label  # mailto:, tel:, mentions and channels: what the counselor saw

    def bare(m: re.Match[str]) -> str:
        target = m.group(1)
        if target.startswith(("http://", "https://")):
            return f"{target} "
        return target.removeprefix("mailto:").removeprefix("tel:").lstrip("!#@")

    return html.unescape(_BARE.sub(bare, _LINK.sub(link, text))).strip()


def is_counselor_thread_message(event: dict[str, Any], channel: str) -> bool:
    """A human's new message in a thread of the counselor channel. Bot posts (ours or any
    other app's), edits, deletions, joins and every other subtype are not relayed."""
    if event.get("type") != "message" or event.get("channel") != channel:
        return False
    if event.get("bot_id") or event.get("app_id") or event.get("bot_profile"):
        return False
    if event.get("subtype") not in (None, "thread_broadcast"):
        return False
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts") or not event.get("user"):
        return False
    return bool(str(event.get("text") or "").strip())


class SlackCounselorApp:
    """The bolt app at ``POST /slack/events``."""

    def __init__(
        self,
        *,
        book: CaseBook,
        redis: aioredis.Redis,
        keys: Keys,
        client: AsyncWebClient,
        signing_secret: str,
        counselor_channel: str,
        config: Callable[[], EscalationConfig],
    ) -> None:
        self.book = book
        self.redis = redis
        self.keys = keys
        self.client = client
        self.counselor_channel = counselor_channel
        self.config = config
        # process_before_response: a handler that fails answers 500, so Slack retries it
        # (handlers only write to Redis, well within 3 s); the retries are deduplicated below.
        self.app = AsyncApp(
            client=client,
            signing_secret=signing_secret,
            process_before_response=True,
            name="tsunagari-escalation",
            # Requests no listener takes are acknowledged by escalation.slack_entry, not 404ed.
            raise_error_for_unhandled_request=True,
        )
        self.app.middleware(self._drop_seen_retries)
        self.app.event("message")(self._on_message)
        self.app.action(ACTION_CLAIM)(self._on_claim)
        self.app.action(ACTION_CLOSE)(self._on_close)
        self.app.action(ACTION_HAND_BACK)(self._on_hand_back)
        self.app.action(ACTION_SUPERVISOR)(self._on_supervisor)
        self.app.view(CLOSE_MODAL)(self._on_close_submitted)

    async def _drop_seen_retries(
        self, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse:
        """A retry (``X-Slack-Retry-Num``) of an event we already handled is answered 200 and
        dropped; a retry of one that failed is handled again."""
        retry = req.headers.get("x-slack-retry-num")
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if retry and event_id and await self.redis.exists(self.keys.slack_seen(str(event_id))):
            log.info("slack.retry_dropped", retry=retry[0] if retry else "")
            return BoltResponse(status=200, body="")
        await next()
        return resp

    async def _mark_seen(self, body: dict[str, Any]) -> None:
        event_id = body.get("event_id")
        if event_id:
            await self.redis.set(self.keys.slack_seen(str(event_id)), "1", ex=SEEN_TTL_S)

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if not is_counselor_thread_message(event, self.counselor_channel):
            await self._mark_seen(body)
            return
        channel, ts, thread_ts = event["channel"], event["ts"], event["thread_ts"]
        case_id = await self.redis.get(self.keys.thread_case(channel, thread_ts))
        if not case_id:
            await self._mark_seen(body)
            return
        who = Counselor("slack", str(event["user"]))
        text = slack_to_plain(str(event.get("text") or ""))
        outcome = await self.book.counselor_wrote(str(case_id), who, text, channel=channel, ts=ts)
        cfg = self.config()
        if outcome.result == "unclaimed":
            await self.book.notify_counselor(
                str(case_id), channel, who.id, cfg.text("notice_not_sent_unclaimed"), thread_ts
            )
        elif outcome.result == "closed":
            await self.book.notify_counselor(
                str(case_id), channel, who.id, cfg.text("notice_not_sent_closed"), thread_ts
            )
        log.info("slack.thread_message", case=str(case_id), result=outcome.result)
        await self._mark_seen(body)

    @staticmethod
    def _action(body: dict[str, Any]) -> tuple[str, Counselor, str, str | None]:
        action = (body.get("actions") or [{}])[0]
        case_id = str(action.get("value") or "")
        user = Counselor("slack", str((body.get("user") or {}).get("id") or ""))
        channel = str((body.get("channel") or {}).get("id") or "")
        message_ts = (body.get("container") or {}).get("message_ts")
        return case_id, user, channel, message_ts

    async def _tell_outcome(
        self, outcome_result: str, case_id: str, holder: str, body: dict[str, Any]
    ) -> None:
        _, user, channel, _ = self._action(body)
        cfg = self.config()
        if outcome_result == "taken":
            text = cfg.text("notice_already_claimed", who=holder)
        elif outcome_result in ("closed", "missing"):
            text = cfg.text("notice_closed")
        else:
            return
        if channel:
            await self.book.notify_counselor(case_id, channel, user.id, text, None)

    async def _on_claim(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        case_id, user, _, _ = self._action(body)
        outcome = await self.book.claim(case_id, user)
        holder = outcome.holder
        await self._tell_outcome(outcome.result, case_id, holder.mention() if holder else "", body)

    async def _on_hand_back(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]
    ) -> None:
        await ack()
        case_id, user, _, _ = self._action(body)
        outcome = await self.book.close(case_id, user, hand_back=True)
        await self._tell_outcome(outcome.result, case_id, "", body)

    async def _on_supervisor(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]
    ) -> None:
        await ack()
        case_id, user, _, _ = self._action(body)
        outcome = await self.book.call_supervisor(case_id, user)
        await self._tell_outcome(outcome.result, case_id, "", body)

    async def _on_close(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        case_id, _, _, _ = self._action(body)
        case = await self.book.load(case_id)
        if case is None or not case.is_open:
            await self._tell_outcome("closed", case_id, "", body)
            return
        try:
            # The trigger id is good for 3 seconds: a slow or rate-limited call is not retried.
            await asyncio.wait_for(
                client.views_open(
                    trigger_id=body["trigger_id"], view=close_modal(case_id, self.config())
                ),
                timeout=2.5,
            )
        except SlackApiError as exc:
            log.warning("slack.views_open_failed", case=case_id, error=_slack_error(exc))
        except TimeoutError:
            log.warning("slack.views_open_failed", case=case_id, error="timeout")

    async def _on_close_submitted(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        await ack()
        case_id = str(view.get("private_metadata") or "")
        values = (view.get("state") or {}).get("values") or {}
        outcome_id = (
            ((values.get("outcome") or {}).get("outcome") or {}).get("selected_option") or {}
        ).get("value") or ""
        summary = ((values.get("summary") or {}).get("summary") or {}).get("value") or ""
        user = Counselor("slack", str((body.get("user") or {}).get("id") or ""))
        await self.book.close(case_id, user, outcome=str(outcome_id), summary=str(summary))
