"""Deleting a person's cases when they ask (「データを消して」, or `python -m bot forget`), and
the retention of what has no timer of its own (the console's supervisor alerts)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from bot.channels.base import Address
from escalation.cases import ERASED_ALERT, CaseBook, _now_ms
from escalation.model import Case
from escalation.outbox import OutboxItem, Scrub


class CaseEraser:
    """Tombstones a person's cases and clears Slack of the bot's posts about them."""

    def __init__(self, book: CaseBook) -> None:
        self.book = book

    async def forget(self, conv: str) -> int:
        """Delete every case of a conversation (the person asked to be forgotten). Each case
        becomes a tombstone without any personal data (so the console and the old card's
        buttons can say what happened); Slack gets the card replaced by a neutral line and the
        bot's posts deleted; anything still queued for Slack or the person is dropped."""
        k, cfg = self.book.keys, self.book.config()
        ids = [str(i) for i in await self.book.redis.lrange(k.person_cases(conv), 0, -1)]
        cases = await self.book.load_many(ids)
        now_ms = _now_ms()
        deleted = 0
        for case in cases:
            cid = case.case_id
            lanes = [f"c:{cid}", f"p:{cid}", f"n:{cid}"]
            async with self.book.redis.pipeline(transaction=False) as pipe:
                for lane in lanes:
                    pipe.lrange(k.outbox_lane(lane), 0, -1)
                pending = await pipe.execute()
            tombstone = Case(
                case_id=cid,
                conversation="",
                address=Address("", ""),
                state="deleted",
                risk=case.risk,
                reason=case.reason,
                opened_ms=case.opened_ms,
                closed_ms=now_ms,
                card_channel=case.card_channel,
                card_ts=case.card_ts,
                ended="deleted",
            )
            items: list[OutboxItem] = []
            if case.card_ts:
                items.append(
                    self.book.counselor_item(
                        tombstone, Scrub(case.card_channel, case.card_ts, cfg.text("state_deleted"))
                    )
                )
            notice = (
                self.book.notice_item(case, case.holder, cfg.text("notice_person_deleted"))
                if case.is_open
                else None
            )
            if notice is not None:
                items.append(notice)
            if case.is_open and case.needs_supervisor:
                items.append(self.book.supervisor_item(tombstone, ERASED_ALERT))
            async with self.book.redis.pipeline(transaction=True) as pipe:
                for lane, members in zip(lanes, pending, strict=True):
                    for member in members:
                        pipe.delete(k.outbox_item(str(member)))
                    pipe.delete(k.outbox_lane(lane))
                    pipe.zrem(k.outbox_due, lane)
                pipe.delete(
                    k.case(cid), k.case_transcript(cid), k.case_seen(cid), k.case_delivered(cid)
                )
                pipe.hset(k.case(cid), mapping=cast(Mapping[Any, Any], tombstone.to_fields()))
                pipe.pexpire(k.case(cid), self.book.keep_words_ms)
                pipe.pexpire(k.case_posts(cid), self.book.keep_posts_ms)
                pipe.zrem(k.case_queue, cid)
                pipe.zrem(k.cases_open, cid)
                pipe.zadd(k.cases_closed, {cid: now_ms})
                pipe.zrem(k.timers, *self.book.timer_members(cid))
                if case.card_ts:
                    pipe.pexpire(
                        k.thread_case(case.card_channel, case.card_ts), self.book.keep_words_ms
                    )
                for item in items:
                    self.book.outbox.stage(pipe, item)
                await pipe.execute()
            deleted += 1
        await self._forget_alerts({c.case_id for c in cases})
        await self.book.redis.delete(k.person_cases(conv), k.conv_case(conv))
        if deleted:
            self.book.outbox.notify()
        return deleted

    async def _forget_alerts(self, case_ids: set[str]) -> None:
        """The console's supervisor alerts of these cases (they quote the person's words)."""
        if not case_ids:
            return
        key = self.book.keys.console_alerts
        for raw in await self.book.redis.lrange(key, 0, -1):
            try:
                if json.loads(raw).get("case_id") in case_ids:
                    await self.book.redis.lrem(key, 0, str(raw))
            except (ValueError, AttributeError):
                continue

    async def trim_alerts(self, now_ms: int) -> int:
        """Drop console alerts older than the retention period; returns how many."""
        key, removed = self.book.keys.console_alerts, 0
        for raw in await self.book.redis.lrange(key, 0, -1):
            try:
                at = int(json.loads(raw).get("at", 0))
            except (ValueError, AttributeError, TypeError):
                at = 0
            if now_ms - at > self.book.keep_words_ms:
                removed += int(await self.book.redis.lrem(key, 0, str(raw)))
        return removed
