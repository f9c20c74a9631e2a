"""Reading `dialogs/*.yaml` into one frozen `Script`: the steps of every file, plus the
sections that tie them to the service (entries, intents, topics, texts).

Step ids are one namespace across all files, so a step in one file may lead to a step in
another. Structural mistakes are collected as problems here; the graph and reference checks are
in `checks.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.checker_messages import explain
from bot.dialog.rules import Rule, problem
from bot.dialog.steps import BACK, STEP_ID, Reader, Step, step_from_yaml
from bot.yamlio import Problem, line_of, load_file, yaml_files

SECTIONS = ("description", "steps", "entries", "intents", "topics", "texts")

# Where the service enters the scripts. The engine picks one of these for events and moments
# that are not an answer to a question. What each one is for is told to admins by the
# checker's messages `dialog.entry_meaning.<name>` (config/checker_messages.yaml) and in
# docs/dialogs.md.
ENTRIES: tuple[str, ...] = (
    "first_contact",
    "follow_again",
    "start",
    "welcome_back",
    "media",
    "lost",
    "crisis_high",
    "crisis_imminent",
    "crisis_again",
    "crisis_claimed",
    "case_claimed",
    "case_closed",
    "case_handed_back",
    "case_queued",
    "case_reminder",
    "case_hours_open",
    "followup_due",
)
SYSTEM_ENTRIES = frozenset(
    {
        "case_queued",
        "case_claimed",
        "case_closed",
        "case_handed_back",
        "case_reminder",
        "case_hours_open",
        "followup_due",
    }
)
CRISIS_ENTRIES = ("crisis_high", "crisis_imminent", "crisis_again", "crisis_claimed")

# Texts the engine fills placeholders with; each may use the placeholders listed.
TEXTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "wait_known": frozenset({"position", "wait_minutes"}),
        "wait_position": frozenset({"position"}),
        "wait_unknown": frozenset(),
        "topic_unknown": frozenset(),
        "weekdays": frozenset(),
        "every_day": frozenset(),
        "all_day": frozenset(),
        "time_range": frozenset({"start", "end"}),
        "day_join": frozenset(),
        "part_join": frozenset(),
        "no_hours": frozenset(),
        "back_today": frozenset({"time"}),
        "back_tomorrow": frozenset({"time"}),
        "back_later": frozenset({"time", "weekday"}),
    }
)


@dataclass(frozen=True, slots=True)
class Intent:
    """Words that jump to a step from anywhere (相談員と話したい, やめる, データを消して)."""

    id: str
    exact: tuple[str, ...]
    contains: tuple[str, ...]
    next: str
    file: str
    line: int | None
    anytime: bool = False  # also while a counselor holds the case (stop, delete my data)


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    label: str
    factors: tuple[str, ...]
    file: str
    line: int | None


@dataclass(frozen=True, slots=True)
class Script:
    steps: Mapping[str, Step]
    entries: Mapping[str, str]
    intents: tuple[Intent, ...]
    topics: Mapping[str, Topic]
    texts: Mapping[str, str]
    files: tuple[str, ...]
    broken_steps: frozenset[str] = frozenset()  # defined, but could not be read
    entry_lines: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)
    text_lines: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)


def _first_seen(
    where: str,
    name: str,
    seen: dict[str, tuple[str, int | None]],
    file: str,
    line: int | None,
    problems: list[Problem],
) -> bool:
    if name in seen:
        first = seen[name]
        problems.append(
            problem(
                Rule.DUPLICATE_ID,
                file,
                line,
                explain("dialog.defined_twice", what=where, first=f"{first[0]}:{first[1]}"),
            )
        )
        return False
    seen[name] = (file, line)
    return True


def read_script(dialogs_dir: Path) -> tuple[Script, list[Problem]]:
    """Read every YAML file of the directory; return the script and all structural problems."""
    problems: list[Problem] = []
    steps: dict[str, Step] = {}
    entries: dict[str, str] = {}
    intents: list[Intent] = []
    topics: dict[str, Topic] = {}
    texts: dict[str, str] = {}
    step_seen: dict[str, tuple[str, int | None]] = {}
    entry_seen: dict[str, tuple[str, int | None]] = {}
    intent_seen: dict[str, tuple[str, int | None]] = {}
    topic_seen: dict[str, tuple[str, int | None]] = {}
    text_seen: dict[str, tuple[str, int | None]] = {}
    files: list[str] = []
    broken: set[str] = set()
    if not dialogs_dir.is_dir():
        problems.append(
            problem(Rule.FILE_SHAPE, str(dialogs_dir), None, explain("dialog.no_directory"))
        )
    for path in yaml_files(dialogs_dir) if dialogs_dir.is_dir() else ():
        file = str(path)
        files.append(file)
        data, errs = load_file(path)
        if errs:
            problems.extend(
                Problem(e.file, e.line, f"{e.message} [{Rule.YAML_SYNTAX.value}]") for e in errs
            )
            continue
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(
                problem(
                    Rule.FILE_SHAPE, file, 1, explain("dialog.file_not_sections", sections=SECTIONS)
                )
            )
            continue
        for key in data:
            if str(key) not in SECTIONS:
                problems.append(
                    problem(
                        Rule.UNKNOWN_SECTION,
                        file,
                        line_of(data, key),
                        explain("common.unknown_section", name=key, known=SECTIONS),
                    )
                )
        _read_steps(data.get("steps"), data, file, steps, step_seen, problems)
        broken |= set(step_seen) - set(steps)
        _read_entries(data.get("entries"), data, file, entries, entry_seen, problems)
        _read_intents(data.get("intents"), data, file, intents, intent_seen, problems)
        _read_topics(data.get("topics"), data, file, topics, topic_seen, problems)
        _read_texts(data.get("texts"), data, file, texts, text_seen, problems)
    if not files and dialogs_dir.is_dir():
        problems.append(
            problem(Rule.FILE_SHAPE, str(dialogs_dir), None, explain("dialog.no_yaml_files"))
        )
    script = Script(
        steps=MappingProxyType(steps),
        entries=MappingProxyType(entries),
        intents=tuple(intents),
        topics=MappingProxyType(topics),
        texts=MappingProxyType(texts),
        files=tuple(files),
        broken_steps=frozenset(broken),
        entry_lines=MappingProxyType(entry_seen),
        text_lines=MappingProxyType(text_seen),
    )
    return script, problems


def _section(node: Any, data: Any, name: str, file: str, problems: list[Problem]) -> bool:
    if node is None:
        return False
    if not isinstance(node, dict):
        problems.append(
            problem(
                Rule.FILE_SHAPE,
                file,
                line_of(data, name),
                explain("dialog.section_not_mapping", name=name),
            )
        )
        return False
    return True


def _read_steps(
    node: Any,
    data: Any,
    file: str,
    steps: dict[str, Step],
    seen: dict[str, tuple[str, int | None]],
    problems: list[Problem],
) -> None:
    if not _section(node, data, "steps", file, problems):
        return
    for sid, body in node.items():
        line = line_of(node, sid)
        sid = str(sid)
        if not STEP_ID.match(sid):
            problems.append(
                problem(Rule.BAD_ID, file, line, explain("dialog.bad_step_id", step=sid))
            )
            continue
        if sid == BACK:
            problems.append(
                problem(
                    Rule.BAD_ID,
                    file,
                    line,
                    explain("dialog.reserved_back", back=BACK),
                )
            )
            continue
        if not _first_seen(explain("dialog.where.step", step=sid), sid, seen, file, line, problems):
            continue
        step = step_from_yaml(sid, body, file, line, problems)
        if step is not None:
            steps[sid] = step


def _read_entries(
    node: Any,
    data: Any,
    file: str,
    entries: dict[str, str],
    seen: dict[str, tuple[str, int | None]],
    problems: list[Problem],
) -> None:
    if not _section(node, data, "entries", file, problems):
        return
    for name, target in node.items():
        line = line_of(node, name)
        name = str(name)
        if name not in ENTRIES:
            problems.append(
                problem(
                    Rule.UNKNOWN_ENTRY,
                    file,
                    line,
                    explain("dialog.unknown_entry", name=name, known=ENTRIES),
                )
            )
            continue
        if not isinstance(target, str) or not target.strip():
            problems.append(
                problem(Rule.BAD_VALUE, file, line, explain("dialog.entry_needs_step", name=name))
            )
            continue
        if _first_seen(explain("dialog.where.entry", name=name), name, seen, file, line, problems):
            entries[name] = target.strip()


def _read_intents(
    node: Any,
    data: Any,
    file: str,
    intents: list[Intent],
    seen: dict[str, tuple[str, int | None]],
    problems: list[Problem],
) -> None:
    if not _section(node, data, "intents", file, problems):
        return
    for iid, body in node.items():
        line = line_of(node, iid)
        iid = str(iid)
        r = Reader(explain("dialog.where.intent", name=iid), body, file, line, problems)
        if not isinstance(body, dict):
            r.bad(None, explain("dialog.intent_shape"))
            continue
        r.unknown_fields(frozenset({"exact", "contains", "next", "note", "anytime"}))
        phrases: dict[str, tuple[str, ...]] = {}
        for key in ("exact", "contains"):
            value = body.get(key) or []
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                r.bad(key, explain("dialog.phrases_not_list", key=key))
                value = []
            phrases[key] = tuple(str(v) for v in value)
        if not phrases["exact"] and not phrases["contains"]:
            r.bad(None, explain("dialog.intent_without_phrases"), Rule.MISSING_TEXT)
        target = r.step_ref("next")
        if target is None:
            r.bad(None, explain("dialog.intent_without_next"), Rule.MISSING_NEXT)
            continue
        if _first_seen(r.where, iid, seen, file, line, problems):
            intents.append(
                Intent(
                    iid,
                    phrases["exact"],
                    phrases["contains"],
                    target,
                    file,
                    line,
                    anytime=r.flag("anytime"),
                )
            )


def _read_topics(
    node: Any,
    data: Any,
    file: str,
    topics: dict[str, Topic],
    seen: dict[str, tuple[str, int | None]],
    problems: list[Problem],
) -> None:
    if not _section(node, data, "topics", file, problems):
        return
    for tid, body in node.items():
        line = line_of(node, tid)
        tid = str(tid)
        r = Reader(explain("dialog.where.topic", name=tid), body, file, line, problems)
        if not STEP_ID.match(tid):
            r.bad(None, explain("dialog.bad_topic_id"), Rule.BAD_ID)
        if not isinstance(body, dict):
            r.bad(None, explain("dialog.topic_shape"))
            continue
        r.unknown_fields(frozenset({"label", "factors"}))
        label = r.text("label", required=True).strip()
        factors = body.get("factors") or []
        if not isinstance(factors, list) or not all(isinstance(f, str) for f in factors):
            r.bad("factors", explain("dialog.topic_factors_not_list"))
            factors = []
        if _first_seen(r.where, tid, seen, file, line, problems):
            topics[tid] = Topic(tid, label, tuple(str(f) for f in factors), file, line)


def _read_texts(
    node: Any,
    data: Any,
    file: str,
    texts: dict[str, str],
    seen: dict[str, tuple[str, int | None]],
    problems: list[Problem],
) -> None:
    if not _section(node, data, "texts", file, problems):
        return
    for name, value in node.items():
        line = line_of(node, name)
        name = str(name)
        if name not in TEXTS:
            problems.append(
                problem(
                    Rule.UNKNOWN_FIELD,
                    file,
                    line,
                    explain("dialog.unknown_text", name=name, known=list(TEXTS)),
                )
            )
            continue
        if not isinstance(value, str):
            problems.append(
                problem(Rule.BAD_VALUE, file, line, explain("dialog.text_not_text", name=name))
            )
            continue
        if _first_seen(explain("dialog.where.text", name=name), name, seen, file, line, problems):
            texts[name] = str(value)
