"""Channel-neutral values that cross the seams between the channels and the pipeline."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class EventKind(StrEnum):
    TEXT = "text"  # the person wrote something
    POSTBACK = "postback"  # the person tapped a button that carries data
    FOLLOW = "follow"  # added the account as a friend (or unblocked it)
    UNFOLLOW = "unfollow"  # blocked the account
    MEDIA = "media"  # sticker, image, audio, video, file, location: no words to screen
    GROUP = "group"  # anything from a group or a room: consultations are one-to-one
    IGNORED = "ignored"  # events the bot has nothing to say to (unsend, beacon, unknown, ...)
    COUNSELOR = "counselor"  # a counselor wrote to the person (text relayed from Slack/console)
    SYSTEM = "system"  # something happened around the person: `text` names it (case_claimed, ...)


@dataclass(frozen=True, slots=True)
class Address:
    """Where to push messages for a conversation (never shown to counselors)."""

    channel: str  # "line" | "local"
    to: str  # LINE user/group/room id, or the local chat session id

    def conversation_id(self) -> str:
        """Stable pseudonymous conversation id: the platform id never appears in keys or logs."""
        digest = hashlib.sha256(f"{self.channel}:{self.to}".encode()).hexdigest()[:20]
        return f"{self.channel[0]}{digest}"


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """One thing a person did, as stored on the intake stream."""

    event_id: str
    channel: str
    address: Address
    kind: EventKind
    timestamp_ms: int  # when the platform says it happened
    received_ms: int  # when we accepted it
    text: str | None = None
    postback: str | None = None
    reply_token: str | None = None
    media_type: str | None = None  # sticker, image, audio, ... for MEDIA events
    redelivery: bool = False
    meta: dict[str, str] = field(default_factory=dict)  # e.g. case id and Slack ts of a relay
    seq: int = 0  # position in the conversation, assigned at intake
    recent: int = 0  # the person's messages this minute, this one included (flood control)

    @property
    def conversation(self) -> str:
        return self.address.conversation_id()

    def to_json(self) -> str:
        """The stored form; `seq` and `recent` are assigned at intake and stored beside it."""
        data = {
            "event_id": self.event_id,
            "channel": self.channel,
            "address": {"channel": self.address.channel, "to": self.address.to},
            "kind": self.kind.value,
            "timestamp_ms": self.timestamp_ms,
            "received_ms": self.received_ms,
            "text": self.text,
            "postback": self.postback,
            "reply_token": self.reply_token,
            "media_type": self.media_type,
            "redelivery": self.redelivery,
            "meta": self.meta,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes, seq: int = 0, recent: int = 0) -> InboundEvent:
        data: dict[str, Any] = json.loads(raw)
        data["address"] = Address(**data["address"])
        data["kind"] = EventKind(data["kind"])
        data["seq"] = seq
        data["recent"] = recent
        return cls(**data)


@dataclass(frozen=True, slots=True)
class QuickReply:
    """One quick-reply button. `text` is sent as the person's message when tapped."""

    label: str
    text: str | None = None
    data: str | None = None  # postback data instead of a text message


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    text: str
    quick_replies: tuple[QuickReply, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "quick_replies": [
                {k: v for k, v in asdict(q).items() if v is not None} for q in self.quick_replies
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutboundMessage:
        return cls(
            text=str(data["text"]),
            quick_replies=tuple(QuickReply(**q) for q in data.get("quick_replies", ())),
        )


class ReplyState(StrEnum):
    """What is known of a delivery's reply token (the reply carries the first messages)."""

    UNUSED = "unused"  # no attempt could have used it (never tried, or refused outright)
    MAYBE = "maybe"  # an attempt may have used it: its outcome never came back
    USED = "used"  # the first messages went out by reply


@dataclass(frozen=True, slots=True)
class Delivery:
    """A batch of messages for one person, with what is needed to send it exactly once."""

    address: Address
    messages: tuple[OutboundMessage, ...]
    key: str  # idempotency key: the same key is never delivered twice
    reply_token: str | None = None
    event_timestamp_ms: int | None = None  # when the event carrying the reply token happened
    reply_state: ReplyState = ReplyState.UNUSED  # what earlier attempts left of the token
    # A crisis answer (the hotline numbers): when it cannot be known whether an earlier
    # attempt reached the person, it is sent again (twice is better than never).
    crisis: bool = False


class DeliveryError(Exception):
    """Delivery failed for now; the event stays pending and is tried again later.

    `retry_after`: seconds the platform asked us to wait (429 `Retry-After`), if it said.
    `permanent`: trying the same delivery again cannot help (the platform refused it).
    `reply_state`: what this attempt left of the reply token, so the next one neither
    repeats what went out nor gives up on what did not.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        reply_state: ReplyState = ReplyState.UNUSED,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
        self.reply_state = reply_state


class Sender(Protocol):
    """Sends messages to people on one channel."""

    channel: str

    async def deliver(self, delivery: Delivery) -> None:
        """Send once. Raise `DeliveryError` when the platform could not take it."""
        ...

    async def show_typing(self, address: Address) -> None:
        """Best effort 'the bot is writing' indicator; never raises."""
        ...

    async def mark_read(self, address: Address, token: str) -> None:
        """A counselor has read the person's messages up to the one `token` came with: show
        them as read (LINE 既読), where the channel does that. Best effort; never raises."""
        ...
