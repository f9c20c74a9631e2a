"""The outbox's sender: what each outbox item of a case does in Slack (or the console), and
the post ids it records so that the bot's own posts can be deleted later."""

from __future__ import annotations

from typing import assert_never

import structlog
from redis.asyncio.client import Pipeline

from bot.channels.base import InboundEvent
from escalation.board import CardRef
from escalation.cases import CaseBook, _now_ms
from escalation.outbox import (
    MarkDelivered,
    NotifyCounselor,
    OutboxItem,
    PostCard,
    Scrub,
    SendFailed,
    Stage,
    SupervisorAlert,
    ThreadLine,
    ToPerson,
    UpdateCard,
)

log = structlog.get_logger(__name__)


class CaseSender:
    """Sends outbox items for the case book (`Outbox.run(stop, sender.send)`)."""

    def __init__(self, book: CaseBook) -> None:
        self.book = book

    def _record_post(self, case_id: str, channel: str, ts: str | None) -> Stage | None:
        if not ts:
            return None
        key = self.book.keys.case_posts(case_id)

        def record(pipe: Pipeline) -> None:
            pipe.rpush(key, f"{channel}|{ts}")
            pipe.pexpire(key, self.book.keep_words_ms)

        return record

    def channel_of(self, item: OutboxItem) -> str | None:
        """The Slack channel the item posts to (`chat.postMessage`), so that it keeps to the
        channel's pace; None for what posts nothing there (updates, reactions, ephemeral
        notices, deletions, the person's side) or when the board is the local console."""
        if not self.book.slack:
            return None
        work = item.work
        match work:
            case PostCard() | ThreadLine():
                return self.book.counselor_channel
            case SupervisorAlert():
                return self.book.supervisor_channel
            case UpdateCard() | Scrub() | MarkDelivered() | NotifyCounselor() | ToPerson():
                return None
            case _:
                assert_never(work)

    async def send(self, item: OutboxItem, maybe_sent: bool) -> Stage | None:
        work = item.work
        book = self.book
        match work:
            case ToPerson(event=event):
                await book.intake.submit([InboundEvent.from_json(event)])
                return None
            case NotifyCounselor():
                await book.board.notify_counselor(
                    work.channel, work.user, work.text, work.thread_ts or None
                )
                return None
            case MarkDelivered(channel=channel, ts=ts):
                await book.board.mark_delivered(channel, ts)
                return None
            case Scrub():
                return await self._scrub(item.case_id, work)
            case PostCard() | UpdateCard() | ThreadLine() | SupervisorAlert():
                return await self._send_for_case(item, work, maybe_sent)
            case _:
                assert_never(work)

    async def _send_for_case(
        self,
        item: OutboxItem,
        work: PostCard | UpdateCard | ThreadLine | SupervisorAlert,
        maybe_sent: bool,
    ) -> Stage | None:
        book = self.book
        case = await book.load(item.case_id)
        if case is None or case.state == "deleted" or case.redacted:
            # Deleted or past retention: nothing more of it goes to Slack.
            raise SendFailed("case no longer stored", permanent=True)
        cfg = book.config()
        ref = CardRef(case.card_channel, case.card_ts) if case.card_ts else None
        match work:
            case PostCard():
                if ref is not None:
                    return None  # recorded by an earlier attempt
                card = book.card(
                    case, await book.case_log(case.case_id, cfg.recent_messages * 4), _now_ms()
                )
                posted = await book.board.post_card(
                    card, token=item.id, maybe_sent=maybe_sent, since_ms=item.created_ms
                )
                k, keep_s = book.keys, book.keep_summary_s

                def record(pipe: Pipeline) -> None:
                    pipe.hset(
                        k.case(case.case_id),
                        mapping={"card_channel": posted.channel, "card_ts": posted.ts},
                    )
                    pipe.set(k.thread_case(posted.channel, posted.ts), case.case_id, ex=keep_s)

                log.info(
                    "case.card_posted", case=case.case_id, latency_ms=_now_ms() - case.opened_ms
                )
                return record
            case SupervisorAlert(template=template, values=values, approve=approve):
                risk = cfg.label("risk", case.risk.label)

                def render(link: str) -> str:
                    return cfg.text(
                        template, case_id=case.case_id, risk=risk, link=link, **dict(values)
                    )

                posted_at = await book.board.alert_supervisor(
                    case.case_id,
                    render,
                    ref,
                    token=item.id,
                    maybe_sent=maybe_sent,
                    since_ms=item.created_ms,
                    approve=approve,
                )
                if posted_at is None:
                    return None
                return self._record_post(case.case_id, posted_at.channel, posted_at.ts)
            case UpdateCard():
                if ref is None:
                    raise SendFailed("the card is not posted yet")
                card = book.card(
                    case, await book.case_log(case.case_id, cfg.recent_messages * 4), _now_ms()
                )
                await book.board.update_card(ref, card)
                return None
            case ThreadLine(text=text, broadcast=broadcast):
                if ref is None:
                    raise SendFailed("the card is not posted yet")
                ts = await book.board.post_in_thread(
                    ref, text, token=item.id, maybe_sent=maybe_sent, broadcast=broadcast
                )
                return self._record_post(case.case_id, ref.channel, ts)
            case _:
                assert_never(work)

    async def _scrub(self, case_id: str, work: Scrub) -> Stage | None:
        """Replace the card with a neutral line and delete the bot's own posts of the case
        (thread lines, supervisor alerts); counselors' own messages are theirs and stay."""
        book = self.book
        if work.channel and work.ts:
            await book.board.replace_card(CardRef(work.channel, work.ts), work.text)
        posts_key = book.keys.case_posts(case_id)
        for raw in await book.redis.lrange(posts_key, 0, -1):
            post_channel, _, post_ts = str(raw).partition("|")
            await book.board.delete_post(post_channel, post_ts)
            await book.redis.lrem(posts_key, 1, str(raw))  # deleted: never tried again
        return None
