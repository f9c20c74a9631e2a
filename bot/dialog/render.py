"""Filling `{placeholders}` in script texts from the configuration in force and the turn.

Scripts never hard-code a phone number or an hour: `{hotlines}`, `{emergency}`,
`{hotline:yorisoi}` come from config/hotlines.yaml, `{staffed_hours}` from config/service.yaml,
`{wait}` from the person's case, `{topic}`/`{last_topic}` from the topics section.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.config import DAYS, ServiceConfig
from bot.dialog.script import Script
from bot.turn import CaseStatus

PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::([a-z0-9_]+))?\}")
SERVICE_PLACEHOLDERS = frozenset(
    {
        "service_name",
        "hotlines",
        "emergency",
        "first_hotline",
        "staffed_hours",
        "retention_days",
        "summary_days",
    }
)
# Filled from the clock: which hotlines answer now, and when counselors are next on duty.
CLOCK_PLACEHOLDERS = frozenset({"hotlines", "first_hotline"})
TURN_PLACEHOLDERS = frozenset({"topic", "last_topic", "wait", "counselors_back"})
KNOWN = SERVICE_PLACEHOLDERS | CLOCK_PLACEHOLDERS | TURN_PLACEHOLDERS | {"hotline"}
# Rough upper bounds of the turn placeholders, for the length check.
TURN_PLACEHOLDER_SIZE = 200


def fill(template: str, values: Mapping[str, str]) -> str:
    return re.sub(r"\{([a-z_]+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def _clock(minute: int) -> str:
    return f"{minute // 60}:{minute % 60:02d}"


def staffed_hours_text(service: ServiceConfig, texts: Mapping[str, str]) -> str:
    """The weekly staffed hours in words, e.g. '毎日 24時間' or '月・火 17:00〜22:30'."""
    names = texts.get("weekdays", "").split() or list(DAYS)
    weekly = service.staffed_hours.weekly
    groups: list[tuple[tuple[tuple[int, int], ...], list[int]]] = []
    for index, day in enumerate(DAYS):
        ranges = tuple(weekly.get(day, ()))
        if not ranges:
            continue
        for group_ranges, days in groups:
            if group_ranges == ranges:
                days.append(index)
                break
        else:
            groups.append((ranges, [index]))
    if not groups:
        return texts.get("no_hours", "")
    parts: list[str] = []
    for ranges, days in groups:
        if len(days) == 7:
            days_text = texts.get("every_day", "")
        else:
            days_text = texts.get("day_join", "/").join(
                names[d] if d < len(names) else DAYS[d] for d in days
            )
        range_texts = [
            texts.get("all_day", "24h")
            if (start, end) == (0, 1440)
            else fill(
                texts.get("time_range", "{start}-{end}"),
                {"start": _clock(start), "end": _clock(end % 1440)},
            )
            for start, end in ranges
        ]
        parts.append(f"{days_text} {texts.get('day_join', '/').join(range_texts)}".strip())
    return texts.get("part_join", ", ").join(parts)


def counselors_back_text(
    service: ServiceConfig, texts: Mapping[str, str], now: datetime, *, counselors: bool = True
) -> str:
    """When counselors are next on duty, in words: '今日の17:00', '明日の9:00', '金曜日の9:00'
    (texts `back_today`, `back_tomorrow`, `back_later`); `no_hours` when they never are."""
    hours = service.staffed_hours
    at = hours.next_open(now) if counselors else None
    if at is None:
        return texts.get("no_hours", "")
    tz = ZoneInfo(hours.timezone)
    local_now, local_at = now.astimezone(tz), at.astimezone(tz)
    time = _clock(local_at.hour * 60 + local_at.minute)
    days = (local_at.date() - local_now.date()).days
    names = texts.get("weekdays", "").split() or list(DAYS)
    weekday = names[local_at.weekday()] if local_at.weekday() < len(names) else ""
    name = "back_today" if days <= 0 else "back_tomorrow" if days == 1 else "back_later"
    return fill(texts.get(name, "{time}"), {"time": time, "weekday": weekday})


class Renderer:
    """Fills placeholders for one configuration; turn values come from a callback."""

    def __init__(self, service: ServiceConfig, script: Script) -> None:
        self.service = service
        self.script = script
        self.static = {
            k: v for k, v in service.placeholders().items() if k not in CLOCK_PLACEHOLDERS
        } | {
            "staffed_hours": staffed_hours_text(service, script.texts),
            "retention_days": str(service.retention.transcript_days),
            "summary_days": str(service.retention.summary_days),
        }

    def clock_values(self, now: datetime) -> dict[str, str]:
        values = self.service.placeholders(now)
        return {name: values[name] for name in CLOCK_PLACEHOLDERS}

    def topic_label(self, topic: str) -> str:
        found = self.script.topics.get(topic)
        return found.label if found else self.script.texts.get("topic_unknown", "")

    def wait_text(self, case: CaseStatus | None) -> str:
        texts = self.script.texts
        if case is not None and case.position is not None and case.wait_minutes is not None:
            return fill(
                texts.get("wait_known", ""),
                {"position": str(case.position), "wait_minutes": str(case.wait_minutes)},
            )
        if case is not None and case.position is not None:
            return fill(texts.get("wait_position", ""), {"position": str(case.position)})
        return texts.get("wait_unknown", "")

    def render(
        self, template: str, turn_value: Callable[[str], str], now: datetime | None = None
    ) -> str:
        now = now or datetime.now(UTC)
        clock: dict[str, str] = {}

        def one(m: re.Match[str]) -> str:
            name, arg = m.group(1), m.group(2)
            if name == "hotline" and arg:
                hotline = self.service.hotlines.get(arg)
                return self.service.hotline_line(hotline, now) if hotline else m.group(0)
            if arg:
                return m.group(0)
            if name in self.static:
                return self.static[name]
            if name in CLOCK_PLACEHOLDERS:
                if not clock:
                    clock.update(self.clock_values(now))
                return clock[name]
            if name in TURN_PLACEHOLDERS:
                return turn_value(name)
            return m.group(0)

        return PLACEHOLDER.sub(one, template)

    def worst_case(self, template: str) -> str:
        """The text with turn placeholders at their largest, for the length check (the
        hotline list is longest when every line carries its hours)."""
        return self.render(
            template,
            lambda _name: "x" * TURN_PLACEHOLDER_SIZE,
            datetime(2026, 1, 5, 20, tzinfo=UTC),
        )
