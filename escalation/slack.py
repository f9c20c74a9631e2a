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
from dataclasses import dataclass
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
    ACTION_APPROVE,
    ACTION_CLAIM,
    ACTION_CLOSE,
    ACTION_HAND_BACK,
    ACTION_SUPERVISOR,
    ACTION_TAKE_OVER,
    CLOSE_MODAL,
    HAND_BACK_MODAL,
    CaseCard,
    approve_blocks,
    close_modal,
    escape,
    hand_back_modal,
    slack_blocks,
)
from escalation.cases import NOTICES, CaseBook, Outcome
from escalation.config import EscalationConfig
from escalation.model import Actor, Case, Counselor
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
    ) -> str | None:
        return await self._post(
            ref.channel,
            token=token,
            case_id="",
            maybe_sent=maybe_sent,
            since_ms=0,
            thread_ts=ref.ts,
            text=text,
            reply_broadcast=broadcast or None,
        )

    async def replace_card(self, ref: CardRef, text: str) -> None:
        await self._call(
            self.client.chat_update(
                channel=ref.channel,
                ts=ref.ts,
                text=text,
                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": escape(text)}}],
            )
        )

    async def delete_post(self, channel: str, ts: str) -> None:
        try:
            await self._call(self.client.chat_delete(channel=channel, ts=ts))
        except SendFailed as exc:
            if exc.reason != "message_not_found":  # gone already: nothing left to delete
                raise

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
        approve: bool = False,
    ) -> CardRef | None:
        link = ""
        if ref is not None:
            resp = await self._call(
                self.client.chat_getPermalink(channel=ref.channel, message_ts=ref.ts)
            )
            link = str((resp or {}).get("permalink") or "")
        text = render(f"<{link}|{case_id}>" if link else "")
        body: dict[str, Any] = {"text": text}
        if approve:
            body["blocks"] = approve_blocks(text, case_id, self.config())
        ts = await self._post(
            self.supervisor_channel,
            token=token,
            case_id=case_id,
            maybe_sent=maybe_sent,
            since_ms=since_ms,
            **body,
        )
        return CardRef(self.supervisor_channel, ts)

    async def notify_counselor(
        self, channel: str, user: str, text: str, thread_ts: str | None
    ) -> None:
        await self._call(
            self.client.chat_postEphemeral(
                channel=channel, user=user, text=text, thread_ts=thread_ts
            )
        )


def _plain_card(card: CaseCard) -> str:
    """The card as plain text, when Slack refuses its blocks: the person's words escaped."""
    lines = [
        card.title,
        card.state_line,
        *card.flags,
        card.declined,
        *("> " + escape(t) for t in card.triggers),
        *(escape(r) for r in card.reasons),
    ]
    return "\n".join(line for line in lines if line)[:3500]


# --- inbound ------------------------------------------------------------------------------------

_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>")
_BARE = re.compile(r"<([^<>|]+)>")
_URL = re.compile(r"^(https?|mailto|tel):", re.IGNORECASE)


def slack_to_plain(text: str, mention_as: str = "") -> str:
    """A counselor's Slack message as plain words for the person: a link becomes its label and
    its URL (only the URL when the label is itself an address, so a link cannot pass for
    another), a user mention becomes `mention_as`, and channel links, @here/@channel and group
    mentions are left out: nothing of Slack's workspace reaches the person."""

    def target_text(target: str, label: str) -> str:
        if target.startswith("@"):
            return mention_as
        if target.startswith(("#", "!")):
            return ""
        if target.lower().startswith(("http://", "https://")):
            shown = label.strip()
            if not shown or shown in target or "." in shown or "/" in shown:
                return f"{target} "  # a space, so LINE does not take the next words in
            return f"{shown} {target} "
        address = target.split(":", 1)[1] if _URL.match(target) else target
        return label.strip() if label.strip() and "@" not in label and "." not in label else address

    def link(m: re.Match[str]) -> str:
        return target_text(m.group(1), m.group(2))

    def bare(m: re.Match[str]) -> str:
        return target_text(m.group(1), "")

    out = html.unescape(_BARE.sub(bare, _LINK.sub(link, text)))
    return re.sub(r"[ \t]{2,}", " ", out).strip()


@dataclass(frozen=True, slots=True)
class ThreadEvent:
    """A human's message event in a thread of the counselor channel, as the relay needs it."""

    kind: str  # message | edit | delete
    user: str
    team: str
    channel: str
    ts: str
    thread_ts: str
    text: str = ""
    files: bool = False


def thread_event(
    event: dict[str, Any], channel: str, workspace_team: str = ""
) -> ThreadEvent | None:
    """What a message event means for a case thread. Bot posts (ours or any other app's),
    joins, top-level messages and other channels are None; edits and deletions of a human's
    thread message come back as such, so the counselor can be told they do not reach the
    person; a message with files is marked, since files never do."""
    if event.get("type") != "message" or event.get("channel") != channel:
        return None
    subtype = event.get("subtype")
    kind, body = "message", event
    if subtype == "message_changed":
        kind, body = "edit", event.get("message") or {}
        previous = event.get("previous_message") or {}
        if (body.get("text") or "") == (previous.get("text") or ""):
            return None  # an unfurl or a reaction count, not an edit of the words
    elif subtype == "message_deleted":
        kind, body = "delete", event.get("previous_message") or {}
    elif subtype not in (None, "thread_broadcast", "file_share"):
        return None
    if body.get("bot_id") or body.get("app_id") or body.get("bot_profile"):
        return None
    thread_ts, ts, user = body.get("thread_ts"), body.get("ts"), body.get("user")
    if not thread_ts or thread_ts == ts or not user or not ts:
        return None
    team = str(body.get("user_team") or body.get("team") or event.get("user_team") or "")
    text = str(body.get("text") or "")
    files = bool(body.get("files")) or subtype == "file_share"
    if kind == "message" and not text.strip() and not files:
        return None
    return ThreadEvent(
        kind, str(user), team or workspace_team, channel, str(ts), str(thread_ts), text, files
    )


def is_counselor_thread_message(event: dict[str, Any], channel: str) -> bool:
    """A human's new message with words in a thread of the counselor channel."""
    found = thread_event(event, channel)
    return found is not None and found.kind == "message" and not found.files


class SlackCounselorApp:
    """The bolt app at ``POST /slack/events``.

    Every action is checked against the card it was pressed on (its channel and message must
    be the case's card; an approval must come from the supervisor channel), the actor (holder,
    supervisor, or anyone of our organisation for a claim) and the actor's organisation;
    refusals answer with an ephemeral message."""

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
        supervisors: frozenset[str] = frozenset(),
        supervisor_channel: str = "",
    ) -> None:
        self.book = book
        self.redis = redis
        self.keys = keys
        self.client = client
        self.counselor_channel = counselor_channel
        self.supervisor_channel = supervisor_channel or counselor_channel
        self.config = config
        self.supervisors = supervisors
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
        self.app.action(ACTION_CLAIM)(self._button(self.book.claim))
        self.app.action(ACTION_CLOSE)(self._on_close)
        self.app.action(ACTION_HAND_BACK)(self._on_hand_back)
        self.app.action(ACTION_SUPERVISOR)(self._button(self.book.call_supervisor))
        self.app.action(ACTION_TAKE_OVER)(self._button(self.book.take_over))
        self.app.action(ACTION_APPROVE)(self._on_approve)
        self.app.view(CLOSE_MODAL)(self._on_close_submitted)
        self.app.view(HAND_BACK_MODAL)(self._on_hand_back_submitted)

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

    # --- who is acting ------------------------------------------------------------------------
    @staticmethod
    def _our_teams(context: Any) -> frozenset[str]:
        """Our workspace (and, on an Enterprise organization, the organization: a user's
        `team_id` is then its id), as `auth.test` told bolt."""
        result = getattr(context, "authorize_result", None)
        ids = (getattr(result, "team_id", None), getattr(result, "enterprise_id", None))
        return frozenset(str(i) for i in ids if i)

    def _actor(self, user: str, team: str, context: Any) -> Actor:
        """Slack names the team of every user action (`team.id` of block_actions and
        view_submission payloads, `team_id` of every event callback), so an actor without
        one is refused like one of another organisation."""
        ours = self._our_teams(context)
        return Actor(
            Counselor("slack", user),
            supervisor=user in self.supervisors,
            ours=not ours or team in ours,
        )

    def _action_actor(self, body: dict[str, Any], context: Any) -> Actor:
        user = body.get("user") or {}
        team = str(user.get("team_id") or (body.get("team") or {}).get("id") or "")
        return self._actor(str(user.get("id") or ""), team, context)

    async def _tell(
        self, case: Case | None, actor: Actor, result: str, channel: str, **values: str
    ) -> None:
        """An ephemeral answer to the actor, for a refusal or a result they should know."""
        cfg = self.config()
        if result == "taken":
            holder = case.holder if case else None
            text = cfg.text("notice_already_claimed", who=holder.mention() if holder else "")
        elif result in NOTICES:
            if result in ("closed", "missing") and case is not None and case.state == "deleted":
                result = "deleted"
            text = cfg.text(NOTICES[result], **values)
        else:
            return
        thread = case.card_ts if case is not None and channel == case.card_channel else None
        if channel:
            await self.book.notify_counselor(
                case.case_id if case else "none", channel, actor.who.id, text, thread
            )

    async def _card_action(
        self, body: dict[str, Any], context: Any
    ) -> tuple[str, Case | None, Actor, str, bool]:
        """The case a card button belongs to, its actor, its channel, and whether it really was
        pressed on that case's card (its channel and message)."""
        action = (body.get("actions") or [{}])[0]
        case_id = str(action.get("value") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        message_ts = str((body.get("container") or {}).get("message_ts") or "")
        actor = self._action_actor(body, context)
        case = await self.book.load(case_id) if case_id else None
        on_card = (
            case is not None
            and bool(case.card_ts)
            and channel == case.card_channel
            and message_ts == case.card_ts
        )
        return case_id, case, actor, channel, on_card

    # --- thread messages ----------------------------------------------------------------------
    async def _on_message(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        found = thread_event(event, self.counselor_channel, str(body.get("team_id") or ""))
        case_id = (
            await self.redis.get(self.keys.thread_case(found.channel, found.thread_ts))
            if found is not None
            else None
        )
        if found is None or not case_id:
            await self._mark_seen(body)
            return
        actor = self._actor(found.user, found.team, context)
        case = await self.book.load(str(case_id))
        if found.kind != "message":
            await self._edited(case, actor, found)
            await self._mark_seen(body)
            return
        text = slack_to_plain(found.text, self.config().mention_as)
        outcome = await self.book.counselor_wrote(
            str(case_id), actor, text, channel=found.channel, ts=found.ts, files=found.files
        )
        if outcome.result == "not_holder":
            holder = outcome.holder
            cfg = self.config()
            await self.book.notify_counselor(
                str(case_id),
                found.channel,
                actor.who.id,
                cfg.text("notice_not_holder", who=holder.mention() if holder else ""),
                found.thread_ts,
            )
        else:
            await self._tell(outcome.case or case, actor, outcome.result, found.channel)
        log.info("slack.thread_message", case=str(case_id), result=outcome.result)
        await self._mark_seen(body)

    async def _edited(self, case: Case | None, actor: Actor, found: ThreadEvent) -> None:
        """An edit or deletion of a message that went to the person: it cannot follow."""
        if case is None:
            return
        delivered = await self.book.delivered(case.case_id)
        if f"{found.channel}:{found.ts}" not in delivered:
            return  # a note, or something that never went out: nothing to correct
        name = "notice_not_sent_edit" if found.kind == "edit" else "notice_not_sent_delete"
        await self.book.notify_counselor(
            case.case_id, found.channel, actor.who.id, self.config().text(name), found.thread_ts
        )

    # --- buttons ------------------------------------------------------------------------------
    async def _pressed(
        self, body: dict[str, Any], context: Any, *, closing: bool = False
    ) -> tuple[str, Case, Actor, str] | None:
        """The case, actor and channel of a card button, or None (the actor was told why):
        it was not pressed on that case's card, or (`closing`) the actor may not close it."""
        case_id, case, actor, channel, on_card = await self._card_action(body, context)
        if case is None or not on_card:
            await self._tell(case, actor, "wrong_card" if case else "missing", channel)
            return None
        refusal = self._may_close(case, actor) if closing else None
        if refusal is not None:
            await self._tell(case, actor, refusal, channel)
            return None
        return case_id, case, actor, channel

    def _button(
        self, act: Callable[[str, Actor], Awaitable[Outcome]]
    ) -> Callable[..., Awaitable[None]]:
        """A listener for a card button whose whole effect is one case book action."""

        async def listener(
            ack: Callable[..., Awaitable[None]], body: dict[str, Any], context: Any
        ) -> None:
            await ack()
            pressed = await self._pressed(body, context)
            if pressed is not None:
                case_id, case, actor, channel = pressed
                outcome = await act(case_id, actor)
                await self._tell(outcome.case or case, actor, outcome.result, channel)

        return listener

    def _may_close(self, case: Case, actor: Actor) -> str | None:
        """Why the actor may not close or hand back this case (before a dialog opens)."""
        if not actor.ours:
            return "other_team"
        if not case.is_open:
            return "closed"
        if not (actor.supervisor or (case.holder is not None and case.holder == actor.who)):
            return "holder_only"
        return None

    async def _open_view(self, body: dict[str, Any], view: dict[str, Any], case_id: str) -> None:
        try:
            # The trigger id is good for 3 seconds: a slow or rate-limited call is not retried.
            await asyncio.wait_for(
                self.client.views_open(trigger_id=body["trigger_id"], view=view), timeout=2.5
            )
        except SlackApiError as exc:
            log.warning("slack.views_open_failed", case=case_id, error=_slack_error(exc))
        except TimeoutError:
            log.warning("slack.views_open_failed", case=case_id, error="timeout")

    async def _on_hand_back(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], context: Any
    ) -> None:
        await ack()
        pressed = await self._pressed(body, context, closing=True)
        if pressed is None:
            return
        case_id, case, actor, channel = pressed
        if case.needs_supervisor:  # a reason is recorded, and a holder needs a sign-off
            await self._open_view(body, hand_back_modal(case_id, self.config()), case_id)
            return
        outcome = await self.book.close(case_id, actor, hand_back=True)
        await self._tell(outcome.case or case, actor, outcome.result, channel)

    async def _on_close(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], context: Any
    ) -> None:
        await ack()
        pressed = await self._pressed(body, context, closing=True)
        if pressed is None:
            return
        case_id, case, _, _ = pressed
        view = close_modal(case_id, self.config(), needs_why=case.needs_supervisor)
        await self._open_view(body, view, case_id)

    async def _on_approve(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], context: Any
    ) -> None:
        await ack()
        action = (body.get("actions") or [{}])[0]
        case_id = str(action.get("value") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        actor = self._action_actor(body, context)
        case = await self.book.load(case_id) if case_id else None
        if case is None or channel != self.supervisor_channel:
            await self._tell(case, actor, "wrong_card" if case else "missing", channel)
            return
        outcome = await self.book.approve(case_id, actor)
        await self._tell(outcome.case or case, actor, outcome.result, channel)

    # --- dialogs ------------------------------------------------------------------------------
    @staticmethod
    def _value(view: dict[str, Any], block: str, kind: str = "value") -> str:
        values = (view.get("state") or {}).get("values") or {}
        field = (values.get(block) or {}).get(block) or {}
        if kind == "selected":
            return str((field.get("selected_option") or {}).get("value") or "")
        return str(field.get("value") or "")

    async def _after_close(
        self, case_id: str, actor: Actor, outcome: Outcome, case: Case | None
    ) -> None:
        found = outcome.case or case
        if found is not None:
            await self._tell(found, actor, outcome.result, found.card_channel)

    async def _on_close_submitted(
        self,
        ack: Callable[..., Awaitable[None]],
        body: dict[str, Any],
        view: dict[str, Any],
        context: Any,
    ) -> None:
        cfg = self.config()
        case_id = str(view.get("private_metadata") or "")
        outcome_id = self._value(view, "outcome", "selected")
        summary, why = self._value(view, "summary"), self._value(view, "why").strip()
        case = await self.book.load(case_id)
        # Checked here, not trusted to the dialog: a crafted submission closes nothing.
        if not cfg.is_outcome(outcome_id):
            await ack(response_action="errors", errors={"outcome": cfg.text("modal_error_outcome")})
            return
        if case is not None and case.needs_supervisor and not why:
            await ack(response_action="errors", errors={"why": cfg.text("modal_error_why")})
            return
        await ack()
        actor = self._action_actor(body, context)
        outcome = await self.book.close(
            case_id, actor, outcome=outcome_id, summary=summary, why=why
        )
        await self._after_close(case_id, actor, outcome, case)

    async def _on_hand_back_submitted(
        self,
        ack: Callable[..., Awaitable[None]],
        body: dict[str, Any],
        view: dict[str, Any],
        context: Any,
    ) -> None:
        cfg = self.config()
        case_id = str(view.get("private_metadata") or "")
        why = self._value(view, "why").strip()
        if not why:
            await ack(response_action="errors", errors={"why": cfg.text("modal_error_why")})
            return
        await ack()
        actor = self._action_actor(body, context)
        case = await self.book.load(case_id)
        outcome = await self.book.close(case_id, actor, hand_back=True, why=why)
        await self._after_close(case_id, actor, outcome, case)
