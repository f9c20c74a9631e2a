"""`config/escalation.yaml`: timers, the note prefix and every text counselors see.

Loaded once, validated with file-and-line problems (`check_escalation_config`), then frozen.
`EscalationConfigSource` re-reads the file when it changes and keeps the last good version
when an edit is broken, so a typo never takes the counselor side down.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import structlog

from bot.checker_messages import explain
from bot.yamlio import ConfigError, Problem, line_of, load_file, plain

log = structlog.get_logger(__name__)

FILE_NAME = "escalation.yaml"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
RISK_NAMES = ("imminent", "high", "moderate", "low", "none")
STATE_NAMES = ("queued", "claimed", "closed", "handed_back")
REASON_NAMES = ("risk", "request", "script")
ROLE_NAMES = ("person", "bot", "counselor", "system")
BUTTON_NAMES = ("claim", "close", "hand_back", "supervisor", "take_over", "approve")
FLAG_NAMES = ("harm_to_others", "child_in_danger")
MEDIA_NAMES = ("sticker", "image", "video", "audio", "file", "location", "other")
CLAIM_WORD = "担当する"  # ARCHITECTURE.md contract: the claim button's label contains it
SLACK_BUTTON_TEXT_MAX = 75
SLACK_MODAL_TITLE_MAX = 24

# Every text of `texts:` and the placeholders it may use.
TEXTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "card_title": frozenset({"emoji", "case_id", "risk"}),
        "card_fallback": frozenset({"case_id", "risk"}),
        "field_risk": frozenset(),
        "field_state": frozenset(),
        "field_opened": frozenset(),
        "field_reason": frozenset(),
        "field_consent": frozenset(),
        "field_flags": frozenset(),
        "consent_yes": frozenset(),
        "consent_no": frozenset(),
        "declined": frozenset(),
        "state_stopped": frozenset(),
        "state_expired": frozenset({"days"}),
        "state_deleted": frozenset(),
        "state_redacted": frozenset({"days"}),
        "state_pending": frozenset({"who"}),
        "heading_signoff": frozenset(),
        "signoff_line": frozenset({"who", "at", "why"}),
        "thread_bot": frozenset({"text"}),
        "thread_flags": frozenset({"flags"}),
        "thread_declined_high": frozenset(),
        "thread_declined_imminent": frozenset(),
        "thread_person_stopped": frozenset(),
        "thread_taken_over": frozenset({"who", "previous"}),
        "thread_signoff_requested": frozenset({"who", "action", "why"}),
        "thread_signed_off": frozenset({"who", "action", "why"}),
        "supervisor_flagged": frozenset({"case_id", "risk", "flags", "link"}),
        "supervisor_declined": frozenset({"case_id", "risk", "link"}),
        "supervisor_signoff": frozenset({"who", "case_id", "risk", "action", "why", "link"}),
        "supervisor_person_left": frozenset({"case_id", "risk", "link"}),
        "supervisor_undelivered": frozenset({"case_id", "risk", "link"}),
        "thread_undelivered": frozenset(),
        "supervisor_person_deleted": frozenset({"case_id", "risk", "link"}),
        "notice_not_holder": frozenset({"who"}),
        "notice_holder_only": frozenset(),
        "notice_supervisors_only": frozenset(),
        "notice_needs_signoff": frozenset(),
        "notice_signoff_requested": frozenset(),
        "notice_declined_claim": frozenset(),
        "notice_wrong_card": frozenset(),
        "notice_other_team": frozenset(),
        "notice_not_sent_edit": frozenset(),
        "notice_not_sent_delete": frozenset(),
        "notice_not_sent_file": frozenset(),
        "notice_person_stopped": frozenset(),
        "notice_person_deleted": frozenset(),
        "notice_taken_over": frozenset({"who"}),
        "notice_deleted": frozenset(),
        "modal_why": frozenset(),
        "modal_why_hint": frozenset(),
        "modal_hand_back_title": frozenset(),
        "modal_error_outcome": frozenset(),
        "modal_error_why": frozenset(),
        "state_queued": frozenset({"minutes"}),
        "state_claimed": frozenset({"who", "since"}),
        "state_closed": frozenset({"who", "outcome"}),
        "state_handed_back": frozenset({"who"}),
        "heading_trigger": frozenset(),
        "heading_reasons": frozenset(),
        "heading_factors": frozenset(),
        "heading_pathway": frozenset(),
        "heading_assessment": frozenset(),
        "heading_note": frozenset(),
        "heading_recent": frozenset(),
        "heading_previous": frozenset(),
        "heading_summary": frozenset(),
        "none": frozenset(),
        "previous_case": frozenset({"case_id", "date", "risk", "outcome", "summary"}),
        "thread_person": frozenset({"text"}),
        "thread_counselor_mirror": frozenset({"who", "text"}),
        "thread_claimed": frozenset({"who"}),
        "thread_closed": frozenset({"who", "outcome"}),
        "thread_handed_back": frozenset({"who"}),
        "thread_risk_raised": frozenset({"risk", "words"}),
        "thread_reminder": frozenset({"who", "minutes"}),
        "thread_supervisor_called": frozenset({"who"}),
        "channel_reannounce": frozenset({"case_id", "risk", "minutes"}),
        "supervisor_imminent": frozenset({"case_id", "risk", "words", "link"}),
        "supervisor_unclaimed": frozenset({"case_id", "risk", "minutes", "link"}),
        "supervisor_requested": frozenset({"who", "case_id", "risk", "link"}),
        "notice_already_claimed": frozenset({"who"}),
        "notice_closed": frozenset(),
        "notice_not_sent_closed": frozenset(),
        "notice_not_sent_unclaimed": frozenset(),
        "modal_title": frozenset(),
        "modal_submit": frozenset(),
        "modal_cancel": frozenset(),
        "modal_outcome": frozenset(),
        "modal_summary": frozenset(),
        "modal_summary_hint": frozenset(),
        "confirm_hand_back_title": frozenset(),
        "confirm_hand_back_text": frozenset(),
        "confirm_yes": frozenset(),
        "confirm_no": frozenset(),
    }
)


@dataclass(frozen=True, slots=True)
class Timers:
    reannounce_minutes: float
    supervisor_minutes: float
    counselor_silence_minutes: float

    @property
    def reannounce_ms(self) -> int:
        return int(self.reannounce_minutes * 60_000)

    @property
    def supervisor_ms(self) -> int:
        return int(self.supervisor_minutes * 60_000)

    @property
    def silence_ms(self) -> int:
        return int(self.counselor_silence_minutes * 60_000)


@dataclass(frozen=True, slots=True)
class Reminders:
    """Caps on the "still in line" messages a waiting person gets."""

    person_max: int = 3
    person_min_gap_minutes: float = 15

    @property
    def person_min_gap_ms(self) -> int:
        return int(self.person_min_gap_minutes * 60_000)


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class EscalationConfig:
    timers: Timers
    note_prefixes: tuple[str, ...]
    delivered_reaction: str
    recent_messages: int
    message_chars: int
    transcript_copy: int
    previous_cases: int
    wait_first_minutes: int
    wait_per_case_minutes: int
    wait_max_minutes: int
    outcomes: tuple[Outcome, ...]
    labels: Mapping[str, Mapping[str, str]]
    texts: Mapping[str, str]
    reminders: Reminders = Reminders()
    mention_as: str = ""

    def is_outcome(self, outcome_id: str) -> bool:
        return any(o.id == outcome_id for o in self.outcomes)

    def text(self, name: str, **values: object) -> str:
        """A counselor-facing text with its placeholders filled in."""
        template = self.texts[name]
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)

    def label(self, group: str, name: str) -> str:
        return self.labels.get(group, {}).get(name, name)

    def outcome_label(self, outcome_id: str) -> str:
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome.label
        return outcome_id

    def is_note(self, text: str) -> bool:
        """Whether a counselor's message is an internal note (never relayed to the person)."""
        head = unicodedata.normalize("NFKC", text.lstrip()).casefold()
        return any(head.startswith(p) for p in self._normalized_prefixes())

    def _normalized_prefixes(self) -> tuple[str, ...]:
        return tuple(unicodedata.normalize("NFKC", p).casefold() for p in self.note_prefixes)

    def wait_minutes(self, position: int) -> int:
        ahead = max(0, position - 1)
        return min(
            self.wait_max_minutes, self.wait_first_minutes + self.wait_per_case_minutes * ahead
        )


def _number(
    section: Any,
    name: str,
    file: str,
    problems: list[Problem],
    *,
    minimum: float = 0,
    integer: bool = False,
    default: float | None = None,
) -> float:
    line = line_of(section, name) or line_of(section)
    if not isinstance(section, Mapping) or name not in section:
        if default is not None:
            return default
        problems.append(Problem(file, line, explain("escalation.number_missing", name=name)))
        return minimum
    value = section[name]
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and integer and not isinstance(value, int):
        ok = False
    if not ok or value <= minimum:
        if minimum < 0:
            said = explain(
                "escalation.whole_number_zero_or_more"
                if integer
                else "escalation.number_zero_or_more",
                name=name,
            )
        else:
            said = explain(
                "escalation.whole_number_above" if integer else "escalation.number_above",
                name=name,
                minimum=f"{minimum:g}",
            )
        problems.append(Problem(file, line, said))
        return default if default is not None else minimum + 1
    return float(value)


def _count(
    section: Any, name: str, what: str, file: str, problems: list[Problem], default: int
) -> int:
    """A whole number 0 or more, explained in Japanese when it is not."""
    value = section.get(name, default) if isinstance(section, Mapping) else default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.append(
            Problem(
                file,
                line_of(section, name) or line_of(section),
                explain("escalation.reminder_count", name=name, what=what, value=value),
            )
        )
        return default
    return value


def _section(data: Any, name: str, file: str, problems: list[Problem]) -> Any:
    value = data.get(name) if isinstance(data, Mapping) else None
    if not isinstance(value, Mapping):
        problems.append(
            Problem(
                file, line_of(data, name) or 1, explain("escalation.section_missing", name=name)
            )
        )
        return {}
    return value


def _string_map(
    data: Any,
    name: str,
    required: tuple[str, ...],
    file: str,
    problems: list[Problem],
    *,
    max_len: int | None = None,
) -> dict[str, str]:
    out: dict[str, str] = {}
    if not isinstance(data, Mapping):
        problems.append(Problem(file, line_of(data), explain("escalation.labels_shape", name=name)))
        return out
    for key, value in data.items():
        line = line_of(data, key)
        if not isinstance(value, str) or not value.strip():
            problems.append(
                Problem(file, line, explain("escalation.label_empty", name=name, key=key))
            )
            continue
        if max_len is not None and len(value) > max_len:
            problems.append(
                Problem(
                    file,
                    line,
                    explain(
                        "escalation.label_too_long",
                        name=name,
                        key=key,
                        length=len(value),
                        limit=max_len,
                    ),
                )
            )
        out[str(key)] = str(value)
    for key in required:
        if key not in out and key not in data:
            problems.append(
                Problem(
                    file, line_of(data), explain("escalation.label_missing", name=name, key=key)
                )
            )
    return out


def _load(path: Path) -> tuple[EscalationConfig | None, list[Problem]]:
    file = str(path)
    data, problems = load_file(path)
    if problems:
        return None, problems
    if not isinstance(data, Mapping):
        return None, [Problem(file, 1, explain("escalation.file_shape"))]

    timers_s = _section(data, "timers", file, problems)
    timers = Timers(
        reannounce_minutes=_number(timers_s, "reannounce_minutes", file, problems),
        supervisor_minutes=_number(timers_s, "supervisor_minutes", file, problems),
        counselor_silence_minutes=_number(timers_s, "counselor_silence_minutes", file, problems),
    )
    if timers.supervisor_minutes < timers.reannounce_minutes and not problems:
        problems.append(
            Problem(
                file,
                line_of(timers_s, "supervisor_minutes"),
                explain("escalation.supervisor_before_reannounce"),
            )
        )

    relay = _section(data, "relay", file, problems)
    prefixes = relay.get("note_prefixes") if isinstance(relay, Mapping) else None
    if not isinstance(prefixes, list) or not prefixes:
        problems.append(
            Problem(
                file,
                line_of(relay, "note_prefixes") or line_of(relay),
                explain("escalation.note_prefixes_missing"),
            )
        )
        prefixes = []
    for i, prefix in enumerate(prefixes):
        if not isinstance(prefix, str) or not prefix.strip():
            problems.append(
                Problem(file, line_of(prefixes, i), explain("escalation.note_prefix_empty"))
            )
    reaction = str(relay.get("delivered_reaction", "") if isinstance(relay, Mapping) else "")
    if not re.fullmatch(r"[a-z0-9_+\-']+", reaction):
        problems.append(
            Problem(
                file,
                line_of(relay, "delivered_reaction"),
                explain("escalation.bad_reaction"),
            )
        )

    mention_as = str(relay.get("mention_as", "") if isinstance(relay, Mapping) else "").strip()
    if not mention_as:
        problems.append(
            Problem(
                file,
                line_of(relay, "mention_as") or line_of(relay),
                explain("escalation.mention_as_missing"),
            )
        )
    reminders_s = data.get("reminders")
    if not isinstance(reminders_s, Mapping):
        problems.append(
            Problem(
                file,
                line_of(data, "reminders") or 1,
                explain("escalation.reminders_missing"),
            )
        )
        reminders_s = {}
    reminders = Reminders(
        person_max=int(
            _count(
                reminders_s,
                "person_max",
                explain("escalation.what_person_max"),
                file,
                problems,
                3,
            )
        ),
        person_min_gap_minutes=_count(
            reminders_s,
            "person_min_gap_minutes",
            explain("escalation.what_person_min_gap_minutes"),
            file,
            problems,
            15,
        ),
    )

    card = _section(data, "card", file, problems)
    continuity = _section(data, "continuity", file, problems)
    wait = _section(data, "wait_estimate", file, problems)

    outcomes: list[Outcome] = []
    raw_outcomes = data.get("outcomes")
    if not isinstance(raw_outcomes, list) or not raw_outcomes:
        problems.append(
            Problem(file, line_of(data, "outcomes") or 1, explain("escalation.outcomes_missing"))
        )
        raw_outcomes = []
    seen: set[str] = set()
    for i, entry in enumerate(raw_outcomes):
        line = line_of(raw_outcomes, i)
        if not isinstance(entry, Mapping) or not entry.get("id") or not entry.get("label"):
            problems.append(Problem(file, line, explain("escalation.outcome_shape")))
            continue
        oid, label = str(entry["id"]), str(entry["label"])
        if oid in seen:
            problems.append(Problem(file, line, explain("escalation.outcome_twice", id=oid)))
        seen.add(oid)
        if len(label) > SLACK_BUTTON_TEXT_MAX:
            problems.append(
                Problem(
                    file,
                    line,
                    explain(
                        "escalation.outcome_label_too_long", id=oid, limit=SLACK_BUTTON_TEXT_MAX
                    ),
                )
            )
        outcomes.append(Outcome(oid, label))

    labels_s = _section(data, "labels", file, problems)
    labels: dict[str, Mapping[str, str]] = {}
    required_labels: dict[str, tuple[str, ...]] = {
        "risk": RISK_NAMES,
        "risk_emoji": (),
        "reason": REASON_NAMES,
        "state": STATE_NAMES,
        "role": ROLE_NAMES,
        "buttons": BUTTON_NAMES,
        "factors": (),
        "flags": FLAG_NAMES,
        "media": MEDIA_NAMES,
    }
    for group, required in required_labels.items():
        if group not in labels_s:
            if required:
                problems.append(
                    Problem(
                        file,
                        line_of(labels_s) or 1,
                        explain("escalation.label_group_missing", group=group),
                    )
                )
            labels[group] = MappingProxyType({})
            continue
        labels[group] = MappingProxyType(
            _string_map(
                labels_s[group],
                group,
                required,
                file,
                problems,
                max_len=SLACK_BUTTON_TEXT_MAX if group == "buttons" else None,
            )
        )
    claim = labels.get("buttons", {}).get("claim", "")
    if claim and CLAIM_WORD not in claim:
        problems.append(
            Problem(
                file,
                line_of(labels_s.get("buttons"), "claim"),
                explain("escalation.claim_label", word=CLAIM_WORD),
            )
        )

    texts_s = _section(data, "texts", file, problems)
    texts: dict[str, str] = {}
    for name, value in texts_s.items():
        line = line_of(texts_s, name)
        if name not in TEXTS:
            problems.append(Problem(file, line, explain("escalation.unknown_text", name=name)))
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(file, line, explain("escalation.text_empty", name=name)))
            continue
        for placeholder in _PLACEHOLDER.findall(value):
            if placeholder not in TEXTS[name]:
                allowed = ["{" + p + "}" for p in sorted(TEXTS[name])]
                problems.append(
                    Problem(
                        file,
                        line,
                        explain(
                            "escalation.text_placeholder",
                            name=name,
                            placeholder=f"{{{placeholder}}}",
                            allowed=allowed,
                        )
                        if allowed
                        else explain(
                            "escalation.text_placeholder_none",
                            name=name,
                            placeholder=f"{{{placeholder}}}",
                        ),
                    )
                )
        texts[str(name)] = str(plain(value))
    for name in TEXTS:
        if name not in texts and name not in texts_s:
            problems.append(
                Problem(file, line_of(texts_s) or 1, explain("escalation.text_missing", name=name))
            )
    if len(texts.get("modal_title", "")) > SLACK_MODAL_TITLE_MAX:
        problems.append(
            Problem(
                file,
                line_of(texts_s, "modal_title"),
                explain("escalation.modal_title_too_long", limit=SLACK_MODAL_TITLE_MAX),
            )
        )

    cfg = EscalationConfig(
        timers=timers,
        note_prefixes=tuple(str(p) for p in prefixes if isinstance(p, str) and p.strip()),
        delivered_reaction=reaction,
        recent_messages=int(
            _number(card, "recent_messages", file, problems, integer=True, default=8)
        ),
        message_chars=int(
            _number(card, "message_chars", file, problems, integer=True, default=200)
        ),
        transcript_copy=int(
            _number(card, "transcript_copy", file, problems, integer=True, default=40)
        ),
        previous_cases=int(
            _number(
                continuity, "previous_cases", file, problems, integer=True, minimum=-1, default=3
            )
        ),
        wait_first_minutes=int(
            _number(wait, "first_minutes", file, problems, integer=True, minimum=-1)
        ),
        wait_per_case_minutes=int(
            _number(wait, "per_case_ahead_minutes", file, problems, integer=True, minimum=-1)
        ),
        wait_max_minutes=int(_number(wait, "max_minutes", file, problems, integer=True)),
        outcomes=tuple(outcomes),
        labels=MappingProxyType(labels),
        texts=MappingProxyType(texts),
        reminders=reminders,
        mention_as=mention_as,
    )
    return (None, problems) if problems else (cfg, [])


def load_escalation_config(config_dir: Path) -> EscalationConfig:
    """Load `config_dir/escalation.yaml`; raise `ConfigError` listing every problem."""
    path = config_dir / FILE_NAME
    if not path.is_file():
        raise ConfigError([Problem(str(path), None, explain("common.file_missing"))])
    cfg, problems = _load(path)
    if cfg is None:
        raise ConfigError(problems)
    return cfg


def check_escalation_config(config_dir: Path) -> list[Problem]:
    """Every problem of `config_dir/escalation.yaml` (for the admin checker); [] when valid."""
    try:
        load_escalation_config(config_dir)
    except ConfigError as exc:
        return exc.problems
    return []


class EscalationConfigSource:
    """The current escalation config, re-read when the file changes (checked at most every
    `interval_s`). A broken edit is logged and the last good config stays in use."""

    def __init__(self, config_dir: Path, *, interval_s: float = 2.0) -> None:
        self.path = config_dir / FILE_NAME
        self.interval_s = interval_s
        self._config = load_escalation_config(config_dir)
        self._mtime = self._stat()
        self._checked = time.monotonic()

    def _stat(self) -> float:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return 0.0

    def __call__(self) -> EscalationConfig:
        if self.interval_s > 0 and time.monotonic() - self._checked >= self.interval_s:
            self._checked = time.monotonic()
            mtime = self._stat()
            if mtime != self._mtime:
                self._mtime = mtime
                try:
                    self._config = load_escalation_config(self.path.parent)
                    log.info("escalation.config.reloaded")
                except ConfigError as exc:
                    log.error("escalation.config.invalid", problems=[str(p) for p in exc.problems])
        return self._config
