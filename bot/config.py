"""Service configuration admins edit under ``config/``: hotlines, staffed hours, retention and
the service's own messages. Loaded once, validated with file-and-line problems, then frozen.

The screener's lexicon, the referral directory and the escalation timers have loaders of their
own beside the code that uses them; `check_all` runs every one of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.yamlio import ConfigError, Problem, line_of, load_file, plain

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
MESSAGE_PLACEHOLDERS = frozenset({"service_name", "hotlines", "emergency", "first_hotline"})
REQUIRED_MESSAGES = (
    "group_note",
    "flood_notice",
    "crisis_fallback",
    "crisis_fallback_imminent",
    "temporary_trouble",
)
LINE_TEXT_LIMIT = 5000


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

    def line(self) -> str:
        """The hotline as one line of a message, e.g. 'よりそいホットライン 0120-279-338（24時間・毎日）'."""
        text = f"{self.name} {self.number}"
        if self.hours:
            text += f"（{self.hours}）"
        return text


@dataclass(frozen=True, slots=True)
class EmergencyNumber:
    id: str
    name: str
    number: str


@dataclass(frozen=True, slots=True)
class StaffedHours:
    """When counselors are on duty; ranges are (start, end) minutes since midnight."""

    timezone: str = "Asia/Tokyo"
    weekly: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    exceptions: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    def _ranges(self, day: date) -> tuple[tuple[int, int], ...]:
        special = self.exceptions.get(day.isoformat())
        if special is not None:
            return special
        return self.weekly.get(DAYS[day.weekday()], ())

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


@dataclass(frozen=True, slots=True)
class Retention:
    transcript_days: int = 30
    idle_minutes: int = 60


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

    def crisis_hotline_list(self) -> list[Hotline]:
        return [self.hotlines[h] for h in self.crisis_hotlines if h in self.hotlines]

    def placeholders(self) -> dict[str, str]:
        crisis = self.crisis_hotline_list()
        return {
            "service_name": self.service_name,
            "hotlines": "\n".join("・" + h.line() for h in crisis),
            "emergency": "／".join(f"{e.number}（{e.name}）" for e in self.emergency),
            "first_hotline": crisis[0].line() if crisis else "",
        }

    def message(self, name: str, **extra: str) -> str:
        values = self.placeholders() | extra
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.messages[name])

    def crisis_text(self, imminent: bool) -> str:
        return self.message("crisis_fallback_imminent" if imminent else "crisis_fallback")


def _parse_ranges(
    value: Any, file: str, line: int | None, problems: list[Problem]
) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list):
        problems.append(
            Problem(file, line, 'hours must be a list like ["09:00-17:00"] (or [] for closed)')
        )
        return ()
    out: list[tuple[int, int]] = []
    for item in value:
        m = _RANGE.match(str(item).strip())
        if not m:
            problems.append(Problem(file, line, f'"{item}" is not a time range like 09:00-17:00'))
            continue
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2 != 0):
            problems.append(Problem(file, line, f'"{item}" has an hour or minute out of range'))
            continue
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start == end:
            problems.append(Problem(file, line, f'"{item}" starts and ends at the same time'))
            continue
        out.append((start, end))
    return tuple(out)


def _load_hotlines(
    path: Path, problems: list[Problem]
) -> tuple[dict[str, Hotline], tuple[EmergencyNumber, ...], tuple[str, ...]]:
    file = str(path)
    data, errs = load_file(path)
    problems.extend(errs)
    if errs:
        return {}, (), ()
    if not isinstance(data, dict) or not isinstance(data.get("hotlines"), dict):
        problems.append(
            Problem(file, 1, "expected a `hotlines:` section with one entry per hotline")
        )
        return {}, (), ()
    hotlines: dict[str, Hotline] = {}
    for hid, entry in data["hotlines"].items():
        line = line_of(data["hotlines"], hid)
        if not isinstance(entry, dict):
            problems.append(
                Problem(file, line, f"hotline '{hid}' must have name, number and hours")
            )
            continue
        for required in ("name", "number"):
            if not str(entry.get(required) or "").strip():
                problems.append(Problem(file, line, f"hotline '{hid}' has no {required}"))
        number = str(entry.get("number") or "")
        if number and not re.fullmatch(r"[#0-9][0-9\-]{1,15}", number):
            problems.append(
                Problem(
                    file,
                    line_of(entry, "number") or line,
                    f"hotline '{hid}': '{number}' does not look like a phone number",
                )
            )
        unknown = set(entry) - {
            "name",
            "number",
            "hours",
            "always_open",
            "topics",
            "note",
            "last_verified",
        }
        if unknown:
            problems.append(
                Problem(
                    file,
                    line,
                    f"hotline '{hid}': unknown field(s) {', '.join(sorted(map(str, unknown)))}",
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
        )
    emergency: list[EmergencyNumber] = []
    for eid, entry in (data.get("emergency") or {}).items():
        if not isinstance(entry, dict) or not entry.get("number"):
            problems.append(
                Problem(
                    file,
                    line_of(data["emergency"], eid),
                    f"emergency '{eid}' needs a name and a number",
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
                "crisis_hotlines must list at least one hotline id",
            )
        )
    for h in crisis:
        if h not in hotlines:
            problems.append(
                Problem(
                    file,
                    line_of(data, "crisis_hotlines"),
                    f"crisis_hotlines names '{h}', which is not in hotlines",
                )
            )
    if crisis and not any(hotlines[h].always_open for h in crisis if h in hotlines):
        problems.append(
            Problem(
                file,
                line_of(data, "crisis_hotlines"),
                "crisis_hotlines must include at least one hotline with always_open: true",
            )
        )
    return hotlines, tuple(emergency), crisis


def _load_service(
    path: Path, problems: list[Problem]
) -> tuple[StaffedHours, Retention, str, Limits]:
    file = str(path)
    data, errs = load_file(path)
    problems.extend(errs)
    if errs or not isinstance(data, dict):
        if not errs:
            problems.append(Problem(file, 1, "expected staffed_hours, retention and service_name"))
        return StaffedHours(), Retention(), "", Limits()
    staffed = StaffedHours()
    sh = data.get("staffed_hours")
    if isinstance(sh, dict):
        tz = str(sh.get("timezone") or "Asia/Tokyo")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                Problem(file, line_of(sh, "timezone"), f"unknown timezone '{tz}' (e.g. Asia/Tokyo)")
            )
            tz = "Asia/Tokyo"
        weekly_raw = sh.get("weekly") or {}
        weekly: dict[str, tuple[tuple[int, int], ...]] = {}
        for day, ranges in weekly_raw.items():
            if day not in DAYS:
                problems.append(
                    Problem(
                        file,
                        line_of(weekly_raw, day),
                        f"'{day}' is not a day; use mon tue wed thu fri sat sun",
                    )
                )
                continue
            weekly[str(day)] = _parse_ranges(ranges, file, line_of(weekly_raw, day), problems)
        exceptions: dict[str, tuple[tuple[int, int], ...]] = {}
        exc_raw = sh.get("exceptions") or {}
        for day, ranges in exc_raw.items():
            try:
                iso = date.fromisoformat(str(day)).isoformat()
            except ValueError:
                problems.append(
                    Problem(file, line_of(exc_raw, day), f"'{day}' is not a date like 2026-12-31")
                )
                continue
            exceptions[iso] = _parse_ranges(ranges, file, line_of(exc_raw, day), problems)
        staffed = StaffedHours(tz, MappingProxyType(weekly), MappingProxyType(exceptions))
    else:
        problems.append(Problem(file, line_of(data, "staffed_hours"), "staffed_hours is missing"))
    retention = Retention()
    ret = data.get("retention")
    if isinstance(ret, dict):
        values: dict[str, int] = {}
        for key in ("transcript_days", "idle_minutes"):
            raw = ret.get(key, getattr(retention, key))
            if not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0:
                problems.append(
                    Problem(
                        file, line_of(ret, key), f"retention.{key} must be a whole number above 0"
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
                    "limits.answers_per_minute must be a whole number of at least 1",
                )
            )
        else:
            limits = Limits(answers_per_minute=raw)
    return staffed, retention, str(data.get("service_name") or "つながり相談"), limits


def _load_messages(path: Path, problems: list[Problem]) -> dict[str, str]:
    file = str(path)
    data, errs = load_file(path)
    problems.extend(errs)
    if errs:
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(file, 1, "expected one `name: text` entry per message"))
        return {}
    out: dict[str, str] = {}
    for name, text in data.items():
        line = line_of(data, name)
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(file, line, f"message '{name}' is empty or not text"))
            continue
        for ph in _PLACEHOLDER.findall(text):
            if ph not in MESSAGE_PLACEHOLDERS:
                problems.append(
                    Problem(
                        file,
                        line,
                        f"message '{name}' uses unknown placeholder {{{ph}}}; known: {', '.join(sorted(MESSAGE_PLACEHOLDERS))}",
                    )
                )
        if len(text.encode("utf-16-le")) // 2 > LINE_TEXT_LIMIT - 1000:
            problems.append(Problem(file, line, f"message '{name}' is too long for LINE"))
        out[str(name)] = str(plain(text))
    for required in REQUIRED_MESSAGES:
        if required not in out:
            problems.append(Problem(file, None, f"message '{required}' is missing"))
    for name in ("crisis_fallback", "crisis_fallback_imminent"):
        if name in out and "{hotlines}" not in out[name]:
            problems.append(
                Problem(file, line_of(data, name), f"message '{name}' must include {{hotlines}}")
            )
        if name in out and "{emergency}" not in out[name]:
            problems.append(
                Problem(file, line_of(data, name), f"message '{name}' must include {{emergency}}")
            )
    return out


def load_service_config(config_dir: Path) -> ServiceConfig:
    """Load hotlines.yaml, service.yaml and messages.yaml; raise ConfigError listing every problem."""
    problems: list[Problem] = []
    for name in ("hotlines.yaml", "service.yaml", "messages.yaml"):
        if not (config_dir / name).is_file():
            problems.append(Problem(str(config_dir / name), None, "file is missing"))
    if problems:
        raise ConfigError(problems)
    hotlines, emergency, crisis = _load_hotlines(config_dir / "hotlines.yaml", problems)
    staffed, retention, service_name, limits = _load_service(config_dir / "service.yaml", problems)
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
    )


def check_service_config(config_dir: Path) -> list[Problem]:
    try:
        load_service_config(config_dir)
    except ConfigError as exc:
        return exc.problems
    return []
