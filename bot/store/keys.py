"""Every Redis key the service uses is built here, so a key-scheme change is one edit.

Keys share one prefix (``BOT_KEY_PREFIX``) so several deployments, or several test runs, can
share one Redis server without seeing each other's data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "tsunagari"

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    # --- intake ------------------------------------------------------------------------------
    @property
    def events_stream(self) -> str:
        return self._k("events")

    @property
    def events_group(self) -> str:
        return "workers"

    def dedupe(self, event_id: str) -> str:
        return self._k("seen", event_id)

    @property
    def events_dead(self) -> str:
        """Events parked after failing again and again (the dead-letter stream)."""
        return self._k("events", "dead")

    # --- per conversation --------------------------------------------------------------------
    def conv_order(self, conv: str) -> str:
        """Hash with `seq` (last sequence number handed out at intake) and `done` (last one
        fully handled): together they keep one person's events in order across workers."""
        return self._k("conv", conv, "order")

    def conv_lock(self, conv: str) -> str:
        return self._k("conv", conv, "lock")

    def conv_transcript(self, conv: str) -> str:
        return self._k("conv", conv, "transcript")

    def conv_screening(self, conv: str) -> str:
        return self._k("conv", conv, "screening")

    def conv_state(self, conv: str) -> str:
        """Dialog engine state of the conversation."""
        return self._k("conv", conv, "dialog")

    def conv_profile(self, conv: str) -> str:
        """Long-lived facts about the person (consent, last topic, follow-up opt-in)."""
        return self._k("conv", conv, "profile")

    def conv_case(self, conv: str) -> str:
        """Id of the person's open counselor case, if any."""
        return self._k("conv", conv, "case")

    def conv_flood(self, conv: str, window: str) -> str:
        return self._k("conv", conv, "flood", window)

    # --- per event ---------------------------------------------------------------------------
    def event_effects(self, event_id: str, conv: str) -> str:
        """The decided outbound effects of one event, and which of them were delivered. Under
        the conversation's keys: they hold the turn's words, and go when the person's data
        is deleted."""
        return self._k("conv", conv, "event", event_id, "effects")

    def group_noted(self, conv: str) -> str:
        """Set when a group/room got the 'one-to-one only' note today (so it is not repeated)."""
        return self._k("conv", conv, "group-noted")

    # --- local dev channel -------------------------------------------------------------------
    def local_outbox(self, session: str) -> str:
        return self._k("local", session, "outbox")

    def local_delivered(self, delivery_key: str) -> str:
        return self._k("local", "delivered", delivery_key)

    # --- escalation --------------------------------------------------------------------------
    def case(self, case_id: str) -> str:
        return self._k("case", case_id)

    def case_transcript(self, case_id: str) -> str:
        return self._k("case", case_id, "transcript")

    @property
    def case_queue(self) -> str:
        return self._k("cases", "queue")

    @property
    def case_seq(self) -> str:
        return self._k("cases", "seq")

    def person_cases(self, conv: str) -> str:
        return self._k("conv", conv, "cases")

    def thread_case(self, channel: str, thread_ts: str) -> str:
        return self._k("slack", "thread", channel, thread_ts)

    @property
    def outbox_stream(self) -> str:
        return self._k("outbox")

    @property
    def timers(self) -> str:
        return self._k("timers")

    def slack_seen(self, event_id: str) -> str:
        return self._k("slack", "seen", event_id)

    def case_request(self, request_key: str) -> str:
        """Which case a hand-off request (idempotency key) opened or joined."""
        return self._k("cases", "request", request_key)

    def case_seen(self, case_id: str) -> str:
        """Set of message keys already added to a case's log (person and counselor)."""
        return self._k("case", case_id, "seen")

    def case_posts(self, case_id: str) -> str:
        """List of the bot's own Slack posts of a case ("channel|ts": thread lines, alerts),
        deleted with the case when the person asks, or when retention ends."""
        return self._k("case", case_id, "posts")

    def case_delivered(self, case_id: str) -> str:
        """Hash: log entry id -> when a counselor's message reached the person."""
        return self._k("case", case_id, "delivered")

    @property
    def cases_open(self) -> str:
        """Sorted set of open (queued or claimed) case ids, by opening time."""
        return self._k("cases", "open")

    @property
    def cases_closed(self) -> str:
        """Sorted set of recently closed case ids, by closing time (kept short)."""
        return self._k("cases", "closed")

    @property
    def outbox_due(self) -> str:
        """Sorted set of outbox lanes, scored by when the lane may next be worked on."""
        return self._k("outbox", "due")

    def outbox_lane(self, lane: str) -> str:
        return self._k("outbox", "lane", lane)

    def outbox_item(self, item_id: str) -> str:
        return self._k("outbox", "item", item_id)

    @property
    def outbox_rank(self) -> str:
        """Hash of outbox lanes → how urgent their case is (0 first; see `Outbox`)."""
        return self._k("outbox", "rank")

    def outbox_update(self, lane: str) -> str:
        """Set while a card update waits in the lane: another update joins it (coalesces)."""
        return self._k("outbox", "update", lane)

    def slack_pace(self, channel: str, part: str) -> str:
        """The posting pace of one Slack channel, shared by every process (`ChannelPace`):
        `tat` (a hash: when the next post may go), `waiting` and `seen` (who waits)."""
        return self._k("slack", "pace", channel, part)

    @property
    def console_alerts(self) -> str:
        """Supervisor alerts shown on the local counselor console."""
        return self._k("console", "alerts")

    # --- follow-ups --------------------------------------------------------------------------
    @property
    def followups(self) -> str:
        return self._k("followups")
