"""Case timers: deadlines in a Redis sorted set (members "<kind>|<case id>"), so they survive
restarts and run in whichever process gets to them first. Re-announcing an unclaimed case (and
the capped "still in line" messages to the person), calling the supervisor, reminding a silent
counselor, and retention: an open case nobody wrote in ends, a closed case loses its words."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from redis.asyncio.client import Pipeline

from bot.channels.base import Address
from escalation.cases import (
    ANNOUNCE,
    EXPIRE,
    REDACT,
    SILENCE,
    SUPERVISE,
    SYSTEM,
    TIMER_LEASE_MS,
    CaseBook,
    CaseWrite,
    _ms,
)
from escalation.model import Case, LogEntry
from escalation.outbox import Scrub, Stage, UpdateCard

log = structlog.get_logger(__name__)

_TIMER_LEASE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], member)
end
return due
"""


class CaseTimers:
    """Fires the case book's due timers (`fire_timers`), from the escalation runtime's loop."""

    def __init__(self, book: CaseBook) -> None:
        self.book = book
        self._timer_lease = book.redis.register_script(_TIMER_LEASE)

    async def fire_timers(self, now_ms: int, *, limit: int = 50) -> int:
        """Handle every timer due at `now_ms`; returns how many fired."""
        due = await self._timer_lease(
            keys=[self.book.keys.timers], args=[now_ms, now_ms + TIMER_LEASE_MS, limit]
        )
        fired = 0
        for member in due:
            kind, _, case_id = str(member).partition("|")
            try:
                if await self._fire(kind, case_id, str(member), now_ms):
                    fired += 1
            except Exception:
                log.exception("timer.failed", kind=kind, case=case_id)
        return fired

    def _next_duty_ms(self, now_ms: int, after_ms: int) -> int:
        """When a timer waiting for counselors' hours should look again."""
        now = datetime.fromtimestamp(now_ms / 1000, UTC)
        opens = self.book.service().staffed_hours.next_open(now) if self.book.visible else None
        if opens is None or opens <= now:
            return now_ms + after_ms
        return _ms(opens) + 1000

    async def _fire(self, kind: str, case_id: str, member: str, now_ms: int) -> bool:
        k, cfg = self.book.keys, self.book.config()
        timers = cfg.timers
        on_duty = self.book.on_duty(datetime.fromtimestamp(now_ms / 1000, UTC))

        async def decide(case: Case | None, pipe: Pipeline) -> tuple[bool, CaseWrite | None]:
            def drop(p: Pipeline) -> None:
                p.zrem(k.timers, member)

            def again(at_ms: int) -> Stage:
                return lambda p: p.zadd(k.timers, {member: at_ms})

            if case is None:
                return False, CaseWrite(extra=[drop])
            if kind == ANNOUNCE and case.in_queue:
                if not on_duty:  # nobody to announce to, and nobody to promise the person
                    return False, CaseWrite(
                        extra=[again(self._next_duty_ms(now_ms, timers.reannounce_ms))]
                    )
                return True, await self._announce(
                    case, pipe, now_ms, again(now_ms + timers.reannounce_ms)
                )
            if kind == SUPERVISE and case.in_queue:
                if not on_duty:
                    return False, CaseWrite(
                        extra=[again(self._next_duty_ms(now_ms, timers.supervisor_ms))]
                    )
                minutes = (now_ms - case.opened_ms) // 60_000
                item = self.book.supervisor_item(case, "supervisor_unclaimed", minutes=minutes)
                return True, CaseWrite(None, [], [item], [drop])
            if kind == SILENCE and case.state == "claimed":
                last = case.last_counselor_ms or case.claimed_ms
                if now_ms - last < timers.silence_ms:
                    return False, CaseWrite(extra=[again(last + timers.silence_ms)])
                holder = case.holder
                name = self.book.name_of(holder) if holder else ""
                minutes = (now_ms - last) // 60_000
                text = cfg.text("thread_reminder", who=name, minutes=minutes)
                plain = cfg.text(
                    "thread_reminder", who=holder.plain() if holder else "", minutes=minutes
                )
                entry = LogEntry(f"reminder:{now_ms}", "system", plain, now_ms)
                return True, CaseWrite(
                    None,
                    [entry],
                    [self.book.thread_item(case, text)],
                    [again(now_ms + timers.silence_ms)],
                )
            if kind == EXPIRE and case.is_open:
                last = case.last_activity_ms or case.opened_ms
                if now_ms - last < self.book.keep_words_ms:
                    return False, CaseWrite(extra=[again(last + self.book.keep_words_ms)])
                _, write = self.book.closing(case, SYSTEM, pipe, now_ms, ended="expired")
                write.extra.append(
                    lambda p: p.zadd(k.timers, {self.book.timer_member(REDACT, case_id): now_ms})
                )
                return True, write
            if (
                kind == REDACT
                and not case.is_open
                and not case.redacted
                and case.state != "deleted"
            ):
                return True, self._redaction(case, now_ms)
            return False, CaseWrite(extra=[drop])

        return await self.book.transact(case_id, decide)

    async def _announce(self, case: Case, pipe: Pipeline, now_ms: int, again: Stage) -> CaseWrite:
        """Re-announce an unclaimed case in the channel; tell the waiting person, within the
        caps (config `reminders`), or, if they asked, that the counselors' hours began."""
        cfg = self.book.config()
        minutes = (now_ms - case.opened_ms) // 60_000
        updated = case.with_(reannounced=case.reannounced + 1)
        risk = cfg.label("risk", case.risk.label)
        items = [
            self.book.counselor_item(updated, UpdateCard()),
            self.book.thread_item(
                updated,
                cfg.text("channel_reannounce", case_id=case.case_id, risk=risk, minutes=minutes),
                broadcast=True,
            ),
        ]
        caps = cfg.reminders
        if updated.notify_when_open and not updated.told_open:
            updated = updated.with_(told_open=True, last_reminder_ms=now_ms)
            items.append(
                self.book.person_item(
                    updated, self.book.system_event(updated, "case_hours_open", now_ms)
                )
            )
        elif (
            updated.reminders < caps.person_max
            and now_ms - max(updated.last_reminder_ms, updated.opened_ms) >= caps.person_min_gap_ms
        ):
            updated = updated.with_(reminders=updated.reminders + 1, last_reminder_ms=now_ms)
            reminder = self.book.system_event(
                updated, "case_reminder", now_ms, suffix=f":{updated.reminders}", state="queued"
            )
            items.append(self.book.person_item(updated, reminder))
        return CaseWrite(updated, [], items, [again])

    def _redaction(self, case: Case, now_ms: int) -> CaseWrite:
        """Past retention: the case keeps what the next counselor needs (risk, outcome, the
        counselor's summary) for retention.summary_days; the words, the LINE address, the
        assessment and the Slack card's content go."""
        k, cfg = self.book.keys, self.book.config()
        days = self.book.service().retention.transcript_days
        updated = Case(
            case_id=case.case_id,
            conversation=case.conversation,
            address=Address("", ""),
            state=case.state,
            risk=case.risk,
            reason=case.reason,
            opened_ms=case.opened_ms,
            claimed_by=case.claimed_by,
            claimed_ms=case.claimed_ms,
            closed_by=case.closed_by,
            closed_ms=case.closed_ms,
            outcome=case.outcome,
            summary=case.summary,
            card_channel=case.card_channel,
            card_ts=case.card_ts,
            ended=case.ended,
            signoff=case.signoff,
            redacted=True,
        )
        scrub = self.book.counselor_item(
            updated, Scrub(case.card_channel, case.card_ts, cfg.text("state_redacted", days=days))
        )

        def extra(p: Pipeline) -> None:
            # (The case hash is rewritten whole: every field, so nothing of the words stays.)
            p.delete(k.case_transcript(case.case_id), k.case_seen(case.case_id))
            p.delete(k.case_delivered(case.case_id))
            p.zrem(k.timers, self.book.timer_member(REDACT, case.case_id))

        def keep(p: Pipeline) -> None:
            p.expire(k.case(case.case_id), self.book.keep_summary_s)
            if case.card_ts:
                p.expire(k.thread_case(case.card_channel, case.card_ts), self.book.keep_summary_s)

        write = CaseWrite(updated, [], [scrub], [extra])
        write.extra.append(keep)
        return write
