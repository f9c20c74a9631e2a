"""Service configuration admins edit under ``config/``: hotlines, staffed hours, retention and
the service's own messages. Loaded once, validated with file-and-line problems, then frozen.

The screener's lexicon, the referral directory and the escalation timers have loaders of their
own beside the code that uses them; `check_all` runs every one of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.checker_messages import explain
from bot.yamlio import ConfigError, Problem, line_of, load_file, plain

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
MESSAGE_PLACEHOLDERS = frozenset({"service_name", "hotlines", "emergency", "first_hotline"})
# How one hotline is written, by whether it answers now (config/hotlines.yaml `display:`).
HOTLINE_DISPLAY: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "always": frozenset({"name", "number", "hours"}),
        "open_now": frozenset({"name", "number", "hours"}),
        "closed_now": frozenset({"name", "number", "hours"}),
        "unknown": frozenset({"name", "number", "hours"}),
        "note": frozenset({"note"}),
    }
)
HOTLINE_FIELDS = frozenset(
    {"name", "number", "hours", "always_open", "topics", "note", "last_verified", "open"}
)
_BRACKETS = re.compile(r"[（(].*[（(]|[）)].*[）)]")
REQUIRED_MESSAGES = (
    "group_note",
    "flood_notice",
    "crisis_fallback",
    "crisis_fallback_imminent",
    "temporary_trouble",
)
LINE_TEXT_LIMIT = 5000


@dataclass(frozen=True, slots=True)
class EmergencyNumber:
    id: str
    name: str
    number: str


Ranges = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class StaffedHours:
    """A weekly schedule (counselors' hours, or when a hotline answers); ranges are (start, end)
    minutes since midnight. `monthly` adds ranges on days of the month (e.g. the 10th), and
    `exceptions` replace a whole date."""

    timezone: str = "Asia/Tokyo"
    weekly: Mapping[str, Ranges] = field(default_factory=dict)
    exceptions: Mapping[str, Ranges] = field(default_factory=dict)
    monthly: Mapping[int, Ranges] = field(default_factory=dict)

    def _ranges(self, day: date) -> Ranges:
        special = self.exceptions.get(day.isoformat())
        if special is not None:
            return special
        return self.weekly.get(DAYS[day.weekday()], ()) + self.monthly.get(day.day, ())

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.timezone))
        minute = local.hour * 60 + local.minute
        for start, end in self._ranges(local.date()):
            if start <= end and start <= minute < end:
                return True
            if start > end and minute >= start:  # crosses midnight, evening part
                return True
        # The early-morning part of yesterday's range that crosses midnight.
        for start, end in self._ranges(local.date() - timedelta(days=1)):
            if start > end and minute < end:
                return True
        return False

    def next_open(self, now: datetime) -> datetime | None:
        """When the schedule next opens after `now` (in its timezone), within eight days; `now`
        itself when open; None when it never opens."""
        if self.is_open(now):
            return now
        tz = ZoneInfo(self.timezone)
        local = now.astimezone(tz)
        starts: list[datetime] = []
        for offset in range(9):
            day = local.date() + timedelta(days=offset)
            for start, _end in self._ranges(day):
                at = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=start)
                if at > local:
                    starts.append(at)
            if starts:
                return min(starts)
        return None

    @property
    def never_open(self) -> bool:
        return not any(self.weekly.values()) and not any(self.monthly.values())


@dataclass(frozen=True, slots=True)
class Hotline:
    id: str
    name: str
    number: str
    hours: str = ""
    always_open: bool = False
    topics: tuple[str, ...] = ()
    note: str = ""
    last_verified: str = ""
    schedule: StaffedHours | None = None  # when it answers (`open:`), if known

    def open_at(self, now: datetime) -> bool | None:
        """Whether it answers at `now`: True/False, or None when its hours are not known."""
        if self.always_open:
            return True
        if self.schedule is None:
            return None
        return self.schedule.is_open(now)

    def line(self, display: Mapping[str, str], now: datetime) -> str:
        """The hotline as it is written to a person at `now` (config/hotlines.yaml `display:`):
        a 24-hour line says so; any other line says whether it answers now."""
        state = self.open_at(now)
        kind = (
            "always"
            if self.always_open
            else "unknown"
            if state is None
            else "open_now"
            if state
            else "closed_now"
        )
        values = {"name": self.name, "number": self.number, "hours": self.hours}
        text = _fill(display.get(kind, "{name} {number}"), values)
        if self.note and display.get("note"):
            text += "\n" + _fill(display["note"], {"note": self.note})
        return text


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


@dataclass(frozen=True, slots=True)
class Retention:
    transcript_days: int = 30
    idle_minutes: int = 60
    summary_days: int = 365  # a closed case's outcome and summary, for the next counselor


@dataclass(frozen=True, slots=True)
class Limits:
    """Flood control: a person writing faster than this gets answers for crisis messages only
    (everything is still screened, kept and relayed to their counselor)."""

    answers_per_minute: int = 20


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    hotlines: Mapping[str, Hotline]
    emergency: tuple[EmergencyNumber, ...]
    crisis_hotlines: tuple[str, ...]
    staffed_hours: StaffedHours
    retention: Retention
    service_name: str
    limits: Limits
    messages: Mapping[str, str]
    hotline_display: Mapping[str, str] = field(default_factory=dict)
    terms_version: str = ""  # the version of what a person agrees to at first contact

    def crisis_hotline_list(self) -> list[Hotline]:
        return [self.hotlines[h] for h in self.crisis_hotlines if h in self.hotlines]

    def hotlines_now(self, now: datetime) -> list[Hotline]:
        """The crisis hotlines in the order a person should see them at `now`: 24-hour lines,
        then lines open now, then lines whose hours are not known, then lines closed now."""

        def rank(hotline: Hotline) -> int:
            state = hotline.open_at(now)
            return 0 if hotline.always_open else 1 if state else 2 if state is None else 3

        return sorted(self.crisis_hotline_list(), key=rank)

    def hotline_line(self, hotline: Hotline, now: datetime) -> str:
        return hotline.line(self.hotline_display, now)

    def placeholders(self, now: datetime | None = None) -> dict[str, str]:
        now = now or datetime.now(UTC)
        ordered = self.hotlines_now(now)
        always = [h for h in ordered if h.always_open]
        return {
            "service_name": self.service_name,
            "hotlines": "\n".join("・" + self.hotline_line(h, now) for h in ordered),
            "emergency": "／".join(f"{e.number}（{e.name}）" for e in self.emergency),
            "first_hotline": self.hotline_line(always[0], now) if always else "",
        }

    def message(self, name: str, now: datetime | None = None, **extra: str) -> str:
        values = self.placeholders(now) | extra
        return _fill(self.messages[name], values)

    def crisis_text(self, imminent: bool, now: datetime | None = None) -> str:
        return self.message("crisis_fallback_imminent" if imminent else "crisis_fallback", now)


def _parse_ranges(
    value: Any, file: str, line: int | None, problems: list[Problem]
) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list):
        problems.append(Problem(file, line, explain("service.hours_not_list")))
        return ()
    out: list[tuple[int, int]] = []
    for item in value:
        m = _RANGE.match(str(item).strip())
        if not m:
            problems.append(Problem(file, line, explain("service.bad_time_range", value=item)))
            continue
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2 != 0):
            problems.append(Problem(file, line, explain("service.time_out_of_range", value=item)))
            continue
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start == end:
            problems.append(Problem(file, line, explain("service.time_range_empty", value=item)))
            continue
        out.append((start, end))
    return tuple(out)


def _parse_schedule(node: Any, file: str, problems: list[Problem]) -> StaffedHours:
    """A schedule: `timezone`, `weekly` (mon..sun), `daily` (every day), `monthly` (days of the
    month, 1-31) and `exceptions` (dates), each a list of ranges like "09:00-17:00"."""
    if not isinstance(node, dict):
        problems.append(Problem(file, line_of(node), explain("service.schedule_shape")))
        return StaffedHours()
    tz = str(node.get("timezone") or "Asia/Tokyo")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem(file, line_of(node, "timezone"), explain("service.unknown_timezone", value=tz))
        )
        tz = "Asia/Tokyo"
    unknown = set(node) - {"timezone", "weekly", "daily", "monthly", "exceptions"}
    for key in sorted(map(str, unknown)):
        problems.append(
            Problem(
                file,
                line_of(node, key),
                explain("service.unknown_schedule_key", key=key),
            )
        )
    weekly: dict[str, Ranges] = {}
    if "daily" in node:
        every = _parse_ranges(node["daily"], file, line_of(node, "daily"), problems)
        weekly = dict.fromkeys(DAYS, every)
    weekly_raw = node.get("weekly") or {}
    for day, ranges in weekly_raw.items():
        if day not in DAYS:
            problems.append(
                Problem(
                    file,
                    line_of(weekly_raw, day),
                    explain("service.bad_weekday", day=day),
                )
            )
            continue
        weekly[str(day)] = weekly.get(str(day), ()) + _parse_ranges(
            ranges, file, line_of(weekly_raw, day), problems
        )
    monthly: dict[int, Ranges] = {}
    monthly_raw = node.get("monthly") or {}
    for day, ranges in monthly_raw.items():
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
            problems.append(
                Problem(
                    file,
                    line_of(monthly_raw, day),
                    explain("service.bad_month_day", day=day),
                )
            )
            continue
        monthly[day] = _parse_ranges(ranges, file, line_of(monthly_raw, day), problems)
    exceptions: dict[str, Ranges] = {}
    exc_raw = node.get("exceptions") or {}
    for day, ranges in exc_raw.items():
        try:
            iso = date.fromisoformat(str(day)).isoformat()
        except ValueError:
            problems.append(
                Problem(file, line_of(exc_raw, day), explain("service.bad_date", day=day))
            )
            continue
        exceptions[iso] = _parse_ranges(ranges, file, line_of(exc_raw, day), problems)
    return StaffedHours(
        tz, MappingProxyType(weekly), MappingProxyType(exceptions), MappingProxyType(monthly)
    )


def _load_display(data: dict[str, Any], file: str, problems: list[Problem]) -> dict[str, str]:
    """`display:` of hotlines.yaml: how a hotline is written, by whether it answers now."""
    node = data.get("display")
    if not isinstance(node, dict):
        problems.append(
            Problem(
                file,
                line_of(data, "display") or 1,
                explain("service.hotline_display_missing", names=list(HOTLINE_DISPLAY)),
            )
        )
        return {}
    out: dict[str, str] = {}
    for name, value in node.items():
        line = line_of(node, name)
        if name not in HOTLINE_DISPLAY:
            problems.append(
                Problem(
                    file,
                    line,
                    explain(
                        "service.hotline_display_unknown", name=name, known=list(HOTLINE_DISPLAY)
                    ),
                )
            )
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(
                Problem(file, line, explain("service.hotline_display_empty", name=name))
            )
            continue
        for ph in _PLACEHOLDER.findall(value):
            if ph not in HOTLINE_DISPLAY[name]:
                allowed = ["{" + p + "}" for p in sorted(HOTLINE_DISPLAY[name])]
                problems.append(
                    Problem(
                        file,
                        line,
                        explain(
                            "service.hotline_display_placeholder",
                            name=name,
                            placeholder=f"{{{ph}}}",
                            allowed=allowed,
                        ),
                    )
                )
        if name != "note" and _BRACKETS.search(value.replace("{hours}", "")):
            problems.append(
                Problem(
                    file,
                    line,
                    explain("service.hotline_display_brackets", name=name),
                )
            )
        out[str(name)] = str(value)
    for name in HOTLINE_DISPLAY:
        if name not in out and name not in node:
            problems.append(
                Problem(
                    file,
                    line_of(data, "display"),
                    explain("service.hotline_display_item_missing", name=name),
                )
            )
    return out


def _load_hotlines(
    path: Path, problems: list[Problem]
) -> tuple[dict[str, Hotline], tuple[EmergencyNumber, ...], tuple[str, ...], dict[str, str]]:
    file = str(path)
    data, errs = load_file(path)
    problems.extend(errs)
    if errs:
        return {}, (), (), {}
    if not isinstance(data, dict) or not isinstance(data.get("hotlines"), dict):
        problems.append(Problem(file, 1, explain("service.hotlines_shape")))
        return {}, (), (), {}
    display = _load_display(data, file, problems)
    hotlines: dict[str, Hotline] = {}
    for hid, entry in data["hotlines"].items():
        line = line_of(data["hotlines"], hid)
        if not isinstance(entry, dict):
            problems.append(Problem(file, line, explain("service.hotline_shape", id=hid)))
            continue
        for required in ("name", "number"):
            if not str(entry.get(required) or "").strip():
                problems.append(
                    Problem(
                        file, line, explain("service.hotline_field_missing", id=hid, field=required)
                    )
                )
        number = str(entry.get("number") or "")
        if number and not re.fullmatch(r"[#0-9][0-9\-]{1,15}", number):
            problems.append(
                Problem(
                    file,
                    line_of(entry, "number") or line,
                    explain("service.hotline_bad_number", id=hid, number=number),
                )
            )
        unknown = set(entry) - HOTLINE_FIELDS
        for field_name in ("name", "hours"):
            value = str(entry.get(field_name) or "")
            if "（" in value or "(" in value:
                problems.append(
                    Problem(
                        file,
                        line_of(entry, field_name) or line,
                        explain("service.hotline_brackets", id=hid, field=field_name),
                    )
                )
        schedule: StaffedHours | None = None
        if entry.get("open") is not None:
            schedule = _parse_schedule(entry["open"], file, problems)
            if entry.get("always_open"):
                problems.append(
                    Problem(
                        file,
                        line_of(entry, "open") or line,
                        explain("service.hotline_open_not_needed", id=hid),
                    )
                )
            elif schedule.never_open:
                problems.append(
                    Problem(
                        file,
                        line_of(entry, "open") or line,
                        explain("service.hotline_never_open", id=hid),
                    )
                )
        if unknown:
            problems.append(
                Problem(
                    file,
                    line,
                    explain(
                        "service.hotline_unknown_fields",
                        id=hid,
                        fields=sorted(map(str, unknown)),
                        allowed=sorted(HOTLINE_FIELDS),
                    ),
                )
            )
        hotlines[str(hid)] = Hotline(
            id=str(hid),
            name=str(entry.get("name") or ""),
            number=number,
            hours=str(entry.get("hours") or ""),
            always_open=bool(entry.get("always_open", False)),
            topics=tuple(str(t) for t in entry.get("topics") or ()),
            note=str(entry.get("note") or ""),
            last_verified=str(entry.get("last_verified") or ""),
            schedule=schedule,
        )
    emergency: list[EmergencyNumber] = []
    for eid, entry in (data.get("emergency") or {}).items():
        if not isinstance(entry, dict) or not entry.get("number"):
            problems.append(
                Problem(
                    file,
                    line_of(data["emergency"], eid),
                    explain("service.emergency_shape", id=eid),
                )
            )
            continue
        emergency.append(
            EmergencyNumber(str(eid), str(entry.get("name", "")), str(entry["number"]))
        )
    crisis = tuple(str(h) for h in data.get("crisis_hotlines") or ())
    if not crisis:
        problems.append(
            Problem(
                file,
                line_of(data, "crisis_hotlines"),
                explain("service.crisis_hotlines_empty"),
            )
        )
    for h in crisis:
        if h not in hotlines:
            problems.append(
                Problem(
                    file,
                    line_of(data, "crisis_hotlines"),
                    explain("service.crisis_hotline_unknown", id=h),
                )
            )
    if crisis and not any(hotlines[h].always_open for h in crisis if h in hotlines):
        problems.append(
            Problem(
                file,
                line_of(data, "crisis_hotlines"),
                explain("service.crisis_hotlines_not_always_open"),
            )
        )
    return hotlines, tuple(emergency), crisis, display


def _load_service(
    path: Path, problems: list[Problem]
) -> tuple[StaffedHours, Retention, str, Limits, str]:
    file = str(path)
    data, errs = load_file(path)
    problems.extend(errs)
    if errs or not isinstance(data, dict):
        if not errs:
            problems.append(Problem(file, 1, explain("service.service_shape")))
        return StaffedHours(), Retention(), "", Limits(), ""
    staffed = StaffedHours()
    sh = data.get("staffed_hours")
    if isinstance(sh, dict):
        staffed = _parse_schedule(sh, file, problems)
    else:
        problems.append(
            Problem(file, line_of(data, "staffed_hours"), explain("service.staffed_hours_missing"))
        )
    retention = Retention()
    ret = data.get("retention")
    if isinstance(ret, dict):
        values: dict[str, int] = {}
        for key in ("transcript_days", "idle_minutes", "summary_days"):
            raw = ret.get(key, getattr(retention, key))
            if not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0:
                problems.append(
                    Problem(
                        file, line_of(ret, key), explain("service.retention_not_positive", key=key)
                    )
                )
            else:
                values[key] = raw
        retention = Retention(**values)
    limits = Limits()
    lim = data.get("limits")
    if lim is not None:
        raw = (
            lim.get("answers_per_minute", limits.answers_per_minute)
            if isinstance(lim, dict)
            else None
        )
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
            problems.append(
                Problem(
                    file,
                    line_of(lim, "answers_per_minute") or line_of(data, "limits"),
                    explain("service.answers_per_minute"),
                )
            )
        else:
            limits = Limits(answers_per_minute=raw)
    terms = str(data.get("terms_version") or "").strip()
    if not terms:
        problems.append(
            Problem(
                file,
                line_of(data, "terms_version") or 1,
                explain("service.terms_version_missing"),
            )
        )
    service_name = str(data.get("service_name") or "つながり相談")
    return staffed, retention, service_name, limits, terms


def _load_messages(path: Path, problems: list[Problem]) -> dict[str, str]:
    file = str(path)
    data, errs = load_file(path)
    problems.extend(errs)
    if errs:
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(file, 1, explain("service.messages_shape")))
        return {}
    out: dict[str, str] = {}
    for name, text in data.items():
        line = line_of(data, name)
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(file, line, explain("service.message_empty", name=name)))
            continue
        for ph in _PLACEHOLDER.findall(text):
            if ph not in MESSAGE_PLACEHOLDERS:
                problems.append(
                    Problem(
                        file,
                        line,
                        explain(
                            "service.message_placeholder",
                            name=name,
                            placeholder=f"{{{ph}}}",
                            known=["{" + p + "}" for p in sorted(MESSAGE_PLACEHOLDERS)],
                        ),
                    )
                )
        if len(text.encode("utf-16-le")) // 2 > LINE_TEXT_LIMIT - 1000:
            problems.append(
                Problem(
                    file,
                    line,
                    explain("service.message_too_long", name=name, limit=LINE_TEXT_LIMIT - 1000),
                )
            )
        out[str(name)] = str(plain(text))
    for required in REQUIRED_MESSAGES:
        if required not in out:
            problems.append(Problem(file, None, explain("service.message_missing", name=required)))
    for name in ("crisis_fallback", "crisis_fallback_imminent"):
        if name in out and "{hotlines}" not in out[name]:
            problems.append(
                Problem(
                    file,
                    line_of(data, name),
                    explain(
                        "service.message_needs_placeholder", name=name, placeholder="{hotlines}"
                    ),
                )
            )
        if name in out and "{emergency}" not in out[name]:
            problems.append(
                Problem(
                    file,
                    line_of(data, name),
                    explain(
                        "service.message_needs_placeholder", name=name, placeholder="{emergency}"
                    ),
                )
            )
    return out


def load_service_config(config_dir: Path) -> ServiceConfig:
    """Load hotlines.yaml, service.yaml and messages.yaml; raise ConfigError listing every problem."""
    problems: list[Problem] = []
    for name in ("hotlines.yaml", "service.yaml", "messages.yaml"):
        if not (config_dir / name).is_file():
            problems.append(Problem(str(config_dir / name), None, explain("common.file_missing")))
    if problems:
        raise ConfigError(problems)
    hotlines, emergency, crisis, display = _load_hotlines(config_dir / "hotlines.yaml", problems)
    staffed, retention, service_name, limits, terms = _load_service(
        config_dir / "service.yaml", problems
    )
    messages = _load_messages(config_dir / "messages.yaml", problems)
    if problems:
        raise ConfigError(problems)
    return ServiceConfig(
        hotlines=MappingProxyType(hotlines),
        emergency=emergency,
        crisis_hotlines=crisis,
        staffed_hours=staffed,
        retention=retention,
        service_name=service_name,
        messages=MappingProxyType(messages),
        limits=limits,
        hotline_display=MappingProxyType(display),
        terms_version=terms,
    )


def check_service_config(config_dir: Path) -> list[Problem]:
    try:
        load_service_config(config_dir)
    except ConfigError as exc:
        return exc.problems
    return []
