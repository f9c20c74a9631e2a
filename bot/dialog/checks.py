"""Semantic checks of a script: every name points somewhere, every step can be reached, no turn
breaks LINE's limits, every referenced hotline, category, factor and topic exists, and every
crisis answer starts with the hotline numbers. One rule per kind of mistake (see rules.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from bot.checker_messages import explain
from bot.config import ServiceConfig
from bot.dialog.referrals import FACTOR_IDS, LABEL_LIMIT, ReferralDirectory
from bot.dialog.render import KNOWN, PLACEHOLDER, Renderer
from bot.dialog.rules import Rule, problem
from bot.dialog.script import CRISIS_ENTRIES, ENTRIES, TEXTS, Script
from bot.dialog.steps import (
    BACK,
    BranchStep,
    CollectStep,
    EndStep,
    ReferStep,
    RememberStep,
    SayStep,
    Step,
    WaitingStep,
)
from bot.dialog.text import utf16_len
from bot.yamlio import Problem

MAX_MESSAGES = 5
MAX_CHOICES = 13
MAX_DATA = 300
MAX_TEXT = 5000
# The pipeline's guard wants 119/110 whenever the conversation's risk is imminent, and these
# entries can run at that level.
EMERGENCY_ENTRIES = ("crisis_imminent", "crisis_claimed", "crisis_again")


def postback_data(step_id: str, label: str) -> str:
    """The postback a choice button carries: the step and the choice, readable in transcripts."""
    return f"{step_id}|{label}"


def check_script(
    script: Script,
    dialogs_dir: str,
    service: ServiceConfig | None,
    referrals: ReferralDirectory | None,
    factor_ids: frozenset[str] = FACTOR_IDS,
) -> list[Problem]:
    problems: list[Problem] = []
    problems += _check_entries(script, dialogs_dir)
    problems += _check_targets(script)
    if not script.broken_steps:  # a step that could not be read hides what it leads to
        problems += _check_reachable(script)
    problems += _check_loops(script)
    problems += _check_message_counts(script)
    problems += _check_choices(script, referrals)
    problems += _check_texts(script, service)
    problems += _check_references(script, referrals, factor_ids)
    problems += _check_crisis(script, service)
    return problems


def _where_entry(script: Script, name: str, fallback: str) -> tuple[str, int | None]:
    return script.entry_lines.get(name, (fallback, None))


def _check_entries(script: Script, dialogs_dir: str) -> list[Problem]:
    out: list[Problem] = []
    for name in ENTRIES:
        if name not in script.entries:
            out.append(
                problem(
                    Rule.MISSING_ENTRY,
                    dialogs_dir,
                    None,
                    explain(
                        "dialog.missing_entry",
                        name=name,
                        meaning=explain(f"dialog.entry_meaning.{name}"),
                    ),
                )
            )
    return out


def _check_targets(script: Script) -> list[Problem]:
    out: list[Problem] = []
    steps = script.steps
    for name, target in script.entries.items():
        if target not in steps and target not in script.broken_steps:
            file, line = _where_entry(script, name, "entries")
            out.append(
                problem(
                    Rule.MISSING_STEP,
                    file,
                    line,
                    explain(
                        "dialog.points_at_missing_step",
                        where=explain("dialog.where.entry", name=name),
                        target=target,
                    ),
                )
            )
    for intent in script.intents:
        if intent.next not in steps and intent.next not in script.broken_steps:
            out.append(
                problem(
                    Rule.MISSING_STEP,
                    intent.file,
                    intent.line,
                    explain(
                        "dialog.points_at_missing_step",
                        where=explain("dialog.where.intent", name=intent.id),
                        target=intent.next,
                    ),
                )
            )
    for step in steps.values():
        for target, line in step.targets():
            if target == BACK or target in script.broken_steps:
                continue
            if target not in steps:
                out.append(
                    problem(
                        Rule.MISSING_STEP,
                        step.file,
                        line,
                        explain(
                            "dialog.points_at_missing_step",
                            where=explain("dialog.where.step", step=step.id),
                            target=target,
                        ),
                    )
                )
        if isinstance(step, BranchStep):
            for case in step.cases:
                for name in case.when.visited:
                    if name not in steps:
                        out.append(
                            problem(
                                Rule.MISSING_STEP,
                                step.file,
                                case.line,
                                explain("dialog.visited_missing_step", step=step.id, target=name),
                            )
                        )
    return out


def _successors(step: Step) -> Iterator[str]:
    for target, _line in step.targets():
        if target != BACK:
            yield target


def _check_reachable(script: Script) -> list[Problem]:
    steps = script.steps
    seen: set[str] = set()
    todo = [t for t in script.entries.values() if t in steps]
    todo += [i.next for i in script.intents if i.next in steps]
    while todo:
        sid = todo.pop()
        if sid in seen:
            continue
        seen.add(sid)
        todo.extend(t for t in _successors(steps[sid]) if t in steps and t not in seen)
    return [
        problem(
            Rule.UNREACHABLE_STEP,
            step.file,
            step.line,
            explain("dialog.unreachable", step=step.id),
        )
        for step in steps.values()
        if step.id not in seen
    ]


def _check_loops(script: Script) -> list[Problem]:
    """A cycle of steps that never waits for the person would run forever in one turn."""
    steps = script.steps
    out: list[Problem] = []
    state: dict[str, int] = {}  # 1 = on the path, 2 = done
    reported: set[frozenset[str]] = set()

    def visit(sid: str, path: list[str]) -> None:
        state[sid] = 1
        path.append(sid)
        step = steps[sid]
        if not step.WAITS:
            for target in _successors(step):
                if target not in steps:
                    continue
                if state.get(target) == 1:
                    cycle = path[path.index(target) :]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        first = steps[cycle[0]]
                        out.append(
                            problem(
                                Rule.LOOP_WITHOUT_WAIT,
                                first.file,
                                first.line,
                                explain(
                                    "dialog.loop_without_wait",
                                    step=first.id,
                                    path=" → ".join([*cycle, target]),
                                ),
                            )
                        )
                elif state.get(target) is None:
                    visit(target, path)
        path.pop()
        state[sid] = 2

    for sid in steps:
        if sid not in state:
            visit(sid, [])
    return out


def _most_messages(script: Script) -> dict[str, tuple[int, list[str]]]:
    """For each step: the most messages one turn sends from it until it waits, and that path."""
    steps = script.steps
    memo: dict[str, tuple[int, list[str]]] = {}
    active: set[str] = set()

    def count(sid: str) -> tuple[int, list[str]]:
        if sid == BACK:
            return 1, [BACK]  # the question again, at most one message
        if sid not in steps or sid in active:
            return 0, []
        if sid in memo:
            return memo[sid]
        step = steps[sid]
        active.add(sid)
        own = step.message_count()
        best: tuple[int, list[str]] = (0, [])
        if not step.WAITS and not isinstance(step, EndStep):
            for target in {t for t, _ in step.targets()}:
                got = count(target)
                if got[0] > best[0]:
                    best = got
        active.discard(sid)
        memo[sid] = (own + best[0], [sid, *best[1]])
        return memo[sid]

    for sid in steps:
        count(sid)
    return memo


def _check_message_counts(script: Script) -> list[Problem]:
    out: list[Problem] = []
    counts = _most_messages(script)
    for sid, (n, path) in counts.items():
        step = script.steps[sid]
        extra = 0
        if isinstance(step, ReferStep) and step.next:
            # The answer turn: the chosen category's services, then what follows.
            after = counts.get(step.next, (0, []))
            if 1 + after[0] > MAX_MESSAGES:
                extra = 1 + after[0]
                path = [sid, *after[1]]
        if n > MAX_MESSAGES or extra:
            out.append(
                problem(
                    Rule.LINE_TOO_MANY_MESSAGES,
                    step.file,
                    step.line,
                    explain(
                        "dialog.too_many_messages",
                        step=sid,
                        count=max(n, extra),
                        path=" → ".join(path),
                        limit=MAX_MESSAGES,
                    ),
                )
            )
    return out


def _check_choices(script: Script, referrals: ReferralDirectory | None) -> list[Problem]:
    out: list[Problem] = []
    for step in script.steps.values():
        if not isinstance(step, WaitingStep):
            continue
        total = len(step.choices)
        if isinstance(step, ReferStep) and step.categories:
            total += len(step.categories)
        if total > MAX_CHOICES:
            out.append(
                problem(
                    Rule.LINE_TOO_MANY_CHOICES,
                    step.file,
                    step.line,
                    explain(
                        "dialog.too_many_choices", step=step.id, count=total, limit=MAX_CHOICES
                    ),
                )
            )
        labels: set[str] = set()
        for choice in step.choices:
            if len(choice.label) > LABEL_LIMIT:
                out.append(
                    problem(
                        Rule.LINE_LABEL_TOO_LONG,
                        step.file,
                        choice.line,
                        explain(
                            "dialog.choice_label_too_long",
                            step=step.id,
                            label=choice.label,
                            length=len(choice.label),
                            limit=LABEL_LIMIT,
                        ),
                    )
                )
            if choice.label in labels:
                out.append(
                    problem(
                        Rule.DUPLICATE_ID,
                        step.file,
                        choice.line,
                        explain("dialog.duplicate_choice_label", step=step.id, label=choice.label),
                    )
                )
            labels.add(choice.label)
            data = postback_data(step.id, choice.label)
            if utf16_len(data) > MAX_DATA:
                out.append(
                    problem(
                        Rule.LINE_DATA_TOO_LONG,
                        step.file,
                        choice.line,
                        explain(
                            "dialog.button_data_too_long",
                            step=step.id,
                            length=utf16_len(data),
                            limit=MAX_DATA,
                        ),
                    )
                )
        if isinstance(step, ReferStep) and referrals is not None:
            for category in referrals.categories.values():
                if category.label in labels:
                    out.append(
                        problem(
                            Rule.DUPLICATE_ID,
                            step.file,
                            step.line,
                            explain(
                                "dialog.choice_same_as_category",
                                step=step.id,
                                category=category.id,
                                label=category.label,
                            ),
                        )
                    )
    return out


def _placeholders(text: str) -> Iterator[tuple[str, str | None]]:
    for m in PLACEHOLDER.finditer(text):
        yield m.group(1), m.group(2)


def _check_texts(script: Script, service: ServiceConfig | None) -> list[Problem]:
    out: list[Problem] = []
    renderer = Renderer(service, script) if service is not None else None
    for step in script.steps.values():
        for text, line in step.texts():
            for name, arg in _placeholders(text):
                if name not in KNOWN or (name == "hotline") != (arg is not None):
                    out.append(
                        problem(
                            Rule.UNKNOWN_PLACEHOLDER,
                            step.file,
                            line,
                            explain(
                                "dialog.unknown_placeholder",
                                step=step.id,
                                placeholder=f"{{{name}{':' + arg if arg else ''}}}",
                                known=["{" + k + "}" for k in sorted(KNOWN - {"hotline"})],
                            ),
                        )
                    )
                elif name == "hotline" and service is not None and arg not in service.hotlines:
                    out.append(
                        problem(
                            Rule.UNKNOWN_HOTLINE,
                            step.file,
                            line,
                            explain(
                                "dialog.unknown_hotline",
                                step=step.id,
                                hotline=arg,
                                known=list(service.hotlines),
                            ),
                        )
                    )
            if renderer is not None:
                size = utf16_len(renderer.worst_case(text))
                if size > MAX_TEXT:
                    out.append(
                        problem(
                            Rule.LINE_TEXT_TOO_LONG,
                            step.file,
                            line,
                            explain(
                                "dialog.text_too_long", step=step.id, length=size, limit=MAX_TEXT
                            ),
                        )
                    )
    for name, allowed in TEXTS.items():
        if name not in script.texts:
            out.append(
                problem(
                    Rule.MISSING_TEXT,
                    script.files[0] if script.files else "dialogs",
                    None,
                    explain("dialog.missing_text", name=name),
                )
            )
            continue
        file, line = script.text_lines.get(name, ("dialogs", None))
        for ph, arg in _placeholders(script.texts[name]):
            if ph not in allowed or arg:
                out.append(
                    problem(
                        Rule.UNKNOWN_PLACEHOLDER,
                        file,
                        line,
                        explain(
                            "dialog.text_placeholder",
                            name=name,
                            placeholder=f"{{{ph}}}",
                            allowed=["{" + a + "}" for a in sorted(allowed)],
                        )
                        if allowed
                        else explain(
                            "dialog.text_placeholder_none", name=name, placeholder=f"{{{ph}}}"
                        ),
                    )
                )
    return out


def _check_references(
    script: Script, referrals: ReferralDirectory | None, factor_ids: frozenset[str]
) -> list[Problem]:
    out: list[Problem] = []
    collect_names = {s.name for s in script.steps.values() if isinstance(s, CollectStep)}
    collect_names |= {
        s.collect_as for s in script.steps.values() if isinstance(s, ReferStep) and s.collect_as
    }
    for known in script.topics.values():
        for factor in known.factors:
            if factor not in factor_ids:
                out.append(
                    problem(
                        Rule.UNKNOWN_FACTOR,
                        known.file,
                        known.line,
                        explain("dialog.topic_unknown_factor", topic=known.id, factor=factor),
                    )
                )

    def topic_value(step: Step, line: int | None, values: Mapping[str, str]) -> None:
        topic = values.get("topic")
        if topic and topic not in script.topics:
            out.append(
                problem(
                    Rule.UNKNOWN_TOPIC,
                    step.file,
                    line,
                    explain(
                        "dialog.sets_unknown_topic",
                        step=step.id,
                        topic=topic,
                        known=list(script.topics),
                    ),
                )
            )

    for step in script.steps.values():
        if isinstance(step, WaitingStep):
            for choice in step.choices:
                topic_value(step, choice.line, choice.set)
        if isinstance(step, RememberStep):
            topic_value(step, step.line, step.values)
        if isinstance(step, ReferStep) and referrals is not None:
            for cid in step.categories:
                if cid not in referrals.categories:
                    out.append(
                        problem(
                            Rule.UNKNOWN_CATEGORY,
                            step.file,
                            step.line,
                            explain("dialog.unknown_category", step=step.id, category=cid),
                        )
                    )
        if isinstance(step, BranchStep):
            for case in step.cases:
                when = case.when
                for factor in (*when.factors, *when.new_factors):
                    if factor != "any" and factor not in factor_ids:
                        out.append(
                            problem(
                                Rule.UNKNOWN_FACTOR,
                                step.file,
                                case.line,
                                explain("dialog.tests_unknown_factor", step=step.id, factor=factor),
                            )
                        )
                for name in when.collected:
                    if name not in collect_names and not script.broken_steps:
                        out.append(
                            problem(
                                Rule.UNKNOWN_COLLECT,
                                step.file,
                                case.line,
                                explain("dialog.unknown_collect", step=step.id, name=name),
                            )
                        )
                topic = when.vars.get("topic")
                if topic and topic != "*" and topic not in script.topics:
                    out.append(
                        problem(
                            Rule.UNKNOWN_TOPIC,
                            step.file,
                            case.line,
                            explain("dialog.tests_unknown_topic", step=step.id, topic=topic),
                        )
                    )
    return out


def _first_messages(script: Script, start: str) -> Iterator[tuple[Step | None, tuple[str, ...]]]:
    """Along every path from `start`, the step that sends the turn's first message and the
    texts that message can be (None when a path sends nothing)."""
    steps = script.steps
    seen: set[str] = set()
    todo = [start]
    while todo:
        sid = todo.pop()
        if sid in seen or sid not in steps:
            if sid == BACK:
                yield None, ()
            continue
        seen.add(sid)
        step = steps[sid]
        if isinstance(step, (SayStep, WaitingStep)):
            yield step, step.messages if step.rotate else step.messages[:1]
        elif isinstance(step, EndStep):
            yield None, ()
        else:
            todo.extend(t for t, _ in step.targets())


def _check_crisis(script: Script, service: ServiceConfig | None) -> list[Problem]:
    """Contract: the first message of a crisis answer carries a 24-hour hotline (and 119/110
    for imminent risk)."""
    out: list[Problem] = []
    always_open = {h.id for h in service.hotlines.values() if h.always_open} if service else set()
    for name in CRISIS_ENTRIES:
        start = script.entries.get(name)
        if start is None or start not in script.steps:
            continue
        file, line = _where_entry(script, name, "entries")
        for step, texts in _first_messages(script, start):
            if step is None:
                out.append(
                    problem(
                        Rule.CRISIS_WITHOUT_HOTLINE,
                        file,
                        line,
                        explain("dialog.crisis_path_silent", entry=name, start=start),
                    )
                )
                continue
            for text in texts:
                found = dict.fromkeys(n if not a else f"{n}:{a}" for n, a in _placeholders(text))
                has_hotline = bool({"hotlines", "first_hotline"} & set(found)) or any(
                    k.startswith("hotline:") and (not service or k[8:] in always_open)
                    for k in found
                )
                if not has_hotline:
                    out.append(
                        problem(
                            Rule.CRISIS_WITHOUT_HOTLINE,
                            step.file,
                            step.line,
                            explain("dialog.crisis_without_hotline", step=step.id, entry=name),
                        )
                    )
                if name in EMERGENCY_ENTRIES and "emergency" not in found:
                    out.append(
                        problem(
                            Rule.CRISIS_WITHOUT_HOTLINE,
                            step.file,
                            step.line,
                            explain("dialog.crisis_without_emergency", step=step.id, entry=name),
                        )
                    )
    return out
