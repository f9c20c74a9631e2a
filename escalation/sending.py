"""The outbox's sender: what each outbox item of a case does in Slack (or the console), and
the post ids it records so that the bot's own posts can be deleted later."""

from __future__ import annotations

import structlog
from redis.asyncio.client import Pipeline

from bot.channels.base import InboundEvent
from escalation.board import CardRef
from escalation.cases import CaseBook, _now_ms
from escalation.outbox import OutboxItem, SendFailed, Stage

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

    async def send(self, item: OutboxItem, maybe_sent: bool) -> Stage | None:
        if item.kind == "intake":
            await self.book.intake.submit([InboundEvent.from_json(item.data["event"])])
            return None
        if item.kind == "notice":
            d = item.data
            await self.book.board.notify_counselor(
                str(d["channel"]),
                str(d["user"]),
                str(d["text"]),
                str(d.get("thread_ts") or "") or None,
            )
            return None
        if item.kind == "reaction":
            await self.book.board.mark_delivered(str(item.data["channel"]), str(item.data["ts"]))
            return None
        if item.kind == "scrub":
            return await self._scrub(item)
        case = await self.book.load(item.case_id)
        if case is None or case.state == "deleted" or case.redacted:
            # Deleted or past retention: nothing more of it goes to Slack.
            raise SendFailed("case no longer stored", permanent=True)
        cfg = self.book.config()
        ref = CardRef(case.card_channel, case.card_ts) if case.card_ts else None
        if item.kind == "card":
            if ref is not None:
                return None  # recorded by an earlier attempt
            card = self.book.card(
                case, await self.book.case_log(case.case_id, cfg.recent_messages * 4), _now_ms()
            )
            posted = await self.book.board.post_card(
                card, token=item.id, maybe_sent=maybe_sent, since_ms=item.created_ms
            )
            k = self.book.keys

            def record(pipe: Pipeline) -> None:
                pipe.hset(
                    k.case(case.case_id),
                    mapping={"card_channel": posted.channel, "card_ts": posted.ts},
                )
                pipe.set(
                    k.thread_case(posted.channel, posted.ts),
                    case.case_id,
                    ex=self.book.keep_summary_s,
                )

            log.info(
                "case.card_posted",
                case=case.case_id,
                latency_ms=_now_ms() - case.opened_ms,
            )
            return record
        if item.kind == "supervisor":
            values = dict(item.data.get("values", {}))
            template = str(item.data["text"])
            risk = cfg.label("risk", case.risk.label)

            def render(link: str) -> str:
                return cfg.text(template, case_id=case.case_id, risk=risk, link=link, **values)

            posted_at = await self.book.board.alert_supervisor(
                case.case_id,
                render,
                ref,
                token=item.id,
                maybe_sent=maybe_sent,
                since_ms=item.created_ms,
                approve=bool(item.data.get("approve")),
            )
            return (
                self._record_post(case.case_id, posted_at.channel, posted_at.ts)
                if posted_at
                else None
            )
        if ref is None:
            raise SendFailed("the card is not posted yet")
        if item.kind == "update":
            card = self.book.card(
                case, await self.book.case_log(case.case_id, cfg.recent_messages * 4), _now_ms()
            )
            await self.book.board.update_card(ref, card)
            return None
        if item.kind == "thread":
            ts = await self.book.board.post_in_thread(
                ref,
                str(item.data["text"]),
                token=item.id,
                maybe_sent=maybe_sent,
                broadcast=bool(item.data.get("broadcast")),
            )
            return self._record_post(case.case_id, ref.channel, ts)
        raise SendFailed(f"unknown outbox item kind {item.kind}", permanent=True)

    async def _scrub(self, item: OutboxItem) -> Stage | None:
        """Replace the card with a neutral line and delete the bot's own posts of the case
        (thread lines, supervisor alerts); counselors' own messages are theirs and stay."""
        k = self.book.keys
        channel, ts = str(item.data.get("channel") or ""), str(item.data.get("ts") or "")
        if channel and ts:
            await self.book.board.replace_card(CardRef(channel, ts), str(item.data["text"]))
        posts_key = k.case_posts(item.case_id)
        for raw in await self.book.redis.lrange(posts_key, 0, -1):
            post_channel, _, post_ts = str(raw).partition("|")
            await self.book.board.delete_post(post_channel, post_ts)
            await self.book.redis.lrem(posts_key, 1, str(raw))  # deleted: never tried again
        return None
