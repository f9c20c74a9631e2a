"""The dialog engine: a pure function from one `TurnInput` to one `TurnOutput`.

Order of precedence for an event:
1. system events (a counselor claimed/closed/handed back the case, a reminder, a follow-up),
2. silence while a counselor holds the case (the pipeline relays the words), unless the risk
   rose to a crisis,
3. the crisis interrupt (screening high/imminent),
4. friend-added (first contact / welcome again),
5. a tapped button (answers the step that showed it, even an older one),
6. intents typed anywhere (相談員と話したい, やめる, データを消して),
7. a new conversation (first contact, start, welcome back),
8. the answer to the question the conversation is waiting at (or `lost` if that step is gone).

The state kept between turns is small and holds no words of the person except structured
answers they gave for the counselor (`collected`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from bot.channels.base import EventKind, OutboundMessage, QuickReply
from bot.config import ServiceConfig
from bot.dialog.checks import MAX_CHOICES, MAX_MESSAGES, MAX_TEXT, postback_data
from bot.dialog.referrals import Category, ReferralDirectory
from bot.dialog.render import Renderer, counselors_back_text
from bot.dialog.script import SYSTEM_ENTRIES, Script
from bot.dialog.steps import (
    BACK,
    BranchStep,
    Choice,
    CollectStep,
    Condition,
    DeclineStep,
    EndStep,
    EscalateStep,
    FollowupStep,
    ReferStep,
    RememberStep,
    SayStep,
    WaitingStep,
)
from bot.dialog.text import contains_any, matches_exact, normalize
from bot.screening.types import RiskLevel
from bot.turn import (
    Action,
    CancelFollowups,
    DeclineCounselor,
    EndConversation,
    Escalate,
    ForgetMe,
    LeaveCrisis,
    ScheduleFollowup,
    TurnInput,
    TurnOutput,
)

log = structlog.get_logger(__name__)

STATE_VERSION = 1
MAX_HOPS = 60  # steps one turn may pass through (the checker rules out endless loops)
MAX_ANSWER = 200  # characters of a typed answer kept for the counselor
# Variables that live in the long-lived profile: var name → profile field.
LIST_SEP = " / "  # between several answers under one name
PROFILE_VARS: Mapping[str, str] = {"topic": "last_topic", "consent": "consent"}
# While a counselor holds the case the bot is silent, except for words that work anytime
# (stop, delete my data): the question such words lead to waits here, with the step the
# conversation was at before, so an answer to it reaches the bot and anything else does not.
CLAIMED_QUESTION = "_claimed_question"
CASE_END_EVENTS = frozenset({"case_closed", "case_handed_back"})


@dataclass(slots=True)
class DialogState:
    """What the engine remembers between turns (stored by the pipeline as JSON)."""

    step: str | None = None  # the waiting step (question) the person is answering
    vars: dict[str, str] = field(default_factory=dict)
    collected: dict[str, str] = field(default_factory=dict)
    visits: dict[str, int] = field(default_factory=dict)
    factors: list[str] = field(default_factory=list)  # factor ids seen (not the words)
    risk: int = 0  # highest screening level seen in this conversation
    crisis: int = 0  # highest level the crisis answer has been given for
    escalation: dict[str, Any] | None = None  # {"risk": int, "consent": bool} once escalated

    def to_json(self) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "step": self.step,
            "vars": dict(self.vars),
            "collected": dict(self.collected),
            "visits": dict(self.visits),
            "factors": list(self.factors),
            "risk": self.risk,
            "crisis": self.crisis,
            "escalation": dict(self.escalation) if self.escalation else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> DialogState:
        """Tolerant: a state written by an older version or damaged becomes a safe default."""
        if not isinstance(data, Mapping):
            return cls()

        def strmap(value: Any) -> dict[str, str]:
            if not isinstance(value, Mapping):
                return {}
            return {str(k): str(v) for k, v in value.items() if isinstance(v, (str, int))}

        def intmap(value: Any) -> dict[str, int]:
            if not isinstance(value, Mapping):
                return {}
            return {str(k): int(v) for k, v in value.items() if isinstance(v, int)}

        def level(value: Any) -> int:
            return max(0, min(int(RiskLevel.IMMINENT), value)) if isinstance(value, int) else 0

        step = data.get("step")
        factors = data.get("factors")
        escalation = data.get("escalation")
        return cls(
            step=str(step) if isinstance(step, str) and step else None,
            vars=strmap(data.get("vars")),
            collected=strmap(data.get("collected")),
            visits=intmap(data.get("visits")),
            factors=[str(f) for f in factors] if isinstance(factors, list) else [],
            risk=level(data.get("risk")),
            crisis=level(data.get("crisis")),
            escalation={
                "risk": level(escalation.get("risk")),
                "consent": bool(escalation.get("consent")),
                "notify": bool(escalation.get("notify")),
            }
            if isinstance(escalation, Mapping)
            else None,
        )


class DialogEngine:
    """Runs the frozen scripts for one configuration. Implements `bot.turn.Dialog`."""

    def __init__(
        self, script: Script, service: ServiceConfig, referrals: ReferralDirectory
    ) -> None:
        self.script = script
        self.service = service
        self.referrals = referrals
        self.renderer = Renderer(service, script)
        labels: dict[str, str] = {}
        for step in script.steps.values():
            if isinstance(step, CollectStep):
                labels[step.name] = step.label
            if isinstance(step, ReferStep) and step.collect_as:
                labels[step.collect_as] = step.label or step.collect_as
        self.collect_labels = labels

    def respond(self, turn: TurnInput) -> TurnOutput:
        try:
            return self._respond(turn)
        except Exception:
            # Never an error for the person: log (without their words) and answer safely.
            log.exception("dialog.failed", kind=turn.event.kind.value)
            screening = turn.screening
            if screening is not None and screening.risk.is_crisis:
                text = self.service.crisis_text(screening.risk is RiskLevel.IMMINENT)
            else:
                text = self.service.message("temporary_trouble")
            return TurnOutput(messages=(OutboundMessage(text),))

    def _respond(self, turn: TurnInput) -> TurnOutput:
        kind = turn.event.kind
        if kind is EventKind.UNFOLLOW:
            return TurnOutput(state={}, profile={"followup": "no"}, actions=(CancelFollowups(),))
        if kind in (EventKind.GROUP, EventKind.IGNORED, EventKind.COUNSELOR):
            return TurnOutput()
        state = DialogState.from_json({} if turn.returning else turn.state)
        run = _Run(self, turn, state)
        run.dispatch()
        return run.output()


class _Run:
    """One turn: walks steps, collecting messages, actions and profile changes."""

    def __init__(self, engine: DialogEngine, turn: TurnInput, state: DialogState) -> None:
        self.engine = engine
        self.script = engine.script
        self.turn = turn
        self.state = state
        self.messages: list[OutboundMessage] = []
        self.actions: list[Action] = []
        self.profile: dict[str, str] = {}
        self.text = (turn.event.text or "") if turn.event.kind is EventKind.TEXT else ""
        self.reply: str | None = None
        self.ended = False
        self.forgot = False
        self.restarted = False
        self.lost_used = False
        # Set while answering anytime words during a counselor's case: the step to return
        # to when the script says `back` (the bot then goes quiet again).
        self.claimed_mode: str | None = None
        self.factors_before: set[str] = set()

    # --- dispatch ------------------------------------------------------------------------

    def dispatch(self) -> None:
        turn, state = self.turn, self.state
        event = turn.event
        screening = turn.screening
        self.factors_before = set(state.factors)
        if screening is not None:
            state.risk = max(state.risk, int(screening.risk))
            state.factors = list(dict.fromkeys([*state.factors, *screening.factors]))
        case = turn.case
        claimed = case is not None and case.state == "claimed"
        kind = event.kind

        if kind is EventKind.SYSTEM:
            name = (event.text or "").strip()
            if name not in SYSTEM_ENTRIES:
                log.warning("dialog.unknown_system_event", name=name[:40])
                return
            if name in CASE_END_EVENTS:
                # The case is over: so is the crisis state it was opened in (screening goes
                # on, and a new crisis raises it again).
                state.escalation = None
                state.risk = 0
                state.crisis = 0
                state.vars.pop(CLAIMED_QUESTION, None)
                self.actions.append(LeaveCrisis())
            self.enter(name)
            return
        if claimed and kind in (EventKind.TEXT, EventKind.POSTBACK, EventKind.MEDIA):
            if screening is not None and screening.risk.is_crisis and screening.rose:
                state.crisis = max(state.crisis, int(screening.risk))
                self.enter("crisis_claimed")
                return
            self.while_claimed()
            return  # otherwise the counselor is talking with the person
        if (
            kind in (EventKind.TEXT, EventKind.MEDIA)
            and screening is not None
            and screening.risk.is_crisis
        ):
            if screening.rose or (case is None and state.crisis < screening.risk):
                state.crisis = max(state.crisis, int(screening.risk))
                imminent = screening.risk is RiskLevel.IMMINENT
                self.enter("crisis_imminent" if imminent else "crisis_high")
                return
            if screening.message_risk.is_crisis:
                self.enter("crisis_again")
                return
        if kind is EventKind.FOLLOW:
            self.enter("follow_again" if self.consented() else "first_contact")
            return
        if kind is EventKind.POSTBACK:
            self.answer_postback(event.postback or "")
            return
        if kind is EventKind.TEXT:
            for intent in self.script.intents:
                if matches_exact(self.text, intent.exact) or contains_any(
                    self.text, intent.contains
                ):
                    self.run(intent.next)
                    return
        if state.step is None:
            self.enter(self.new_conversation_entry())
            return
        if kind is EventKind.MEDIA:
            self.enter("media")
            return
        step = self.script.steps.get(state.step)
        if not isinstance(step, WaitingStep):
            self.enter("lost")
            return
        self.answer(step, self.match_choice(step, self.text))

    def while_claimed(self) -> None:
        """A counselor holds the case: only words that work anytime, and the answer to the
        question they led to, reach the bot; everything else is the counselor's to answer."""
        state, event = self.state, self.turn.event
        if CLAIMED_QUESTION in state.vars:
            before = state.vars.pop(CLAIMED_QUESTION)
            step = self.script.steps.get(state.step or "")
            choice: Choice | None = None
            if isinstance(step, WaitingStep):
                if event.kind is EventKind.POSTBACK:
                    sid, _, label = (event.postback or "").partition("|")
                    if sid == step.id:
                        choice = next((c for c in step.choices if c.label == label), None)
                else:
                    choice = self.match_choice(step, self.text)
            if isinstance(step, WaitingStep) and choice is not None:
                self.claimed_mode = before
                self.answer(step, choice)
                return
            state.step = before or None
            return
        if event.kind is not EventKind.TEXT:
            return
        for intent in self.script.intents:
            if intent.anytime and (
                matches_exact(self.text, intent.exact) or contains_any(self.text, intent.contains)
            ):
                before = state.step or ""
                self.claimed_mode = before
                self.run(intent.next)
                if not self.ended and state.step != before:
                    state.vars[CLAIMED_QUESTION] = before
                return

    def new_conversation_entry(self) -> str:
        if not self.consented():
            return "first_contact"
        return "welcome_back" if self.turn.returning else "start"

    def consented(self) -> bool:
        """Agreed to the terms in force (an older version's agreement is asked again)."""
        if self.var("consent") != "yes":
            return False
        agreed = self.state.vars.get("consent_terms") or self.turn.profile.get("consent_terms", "")
        current = self.engine.service.terms_version
        return not agreed or not current or agreed == current

    def enter(self, entry: str) -> None:
        target = self.script.entries.get(entry)
        if target is None:  # the checker makes every entry required; be safe anyway
            log.error("dialog.missing_entry", entry=entry)
            return
        self.run(target)

    # --- answers ---------------------------------------------------------------------------

    def answer_postback(self, data: str) -> None:
        sid, _, label = data.partition("|")
        step = self.script.steps.get(sid)
        if isinstance(step, WaitingStep):
            choice = next((c for c in step.choices if c.label == label), None)
            category = (
                self.engine.referrals.by_label(label) if isinstance(step, ReferStep) else None
            )
            if choice is not None or category is not None:
                self.state.step = step.id
                self.answer(step, choice, category)
                return
        # A button of a step that changed or no longer exists: ask the current question again.
        if self.state.step is None:
            self.enter(self.new_conversation_entry())
        elif isinstance(self.script.steps.get(self.state.step), WaitingStep):
            self.run(BACK)
        else:
            self.enter("lost")

    def match_choice(self, step: WaitingStep, text: str) -> Choice | None:
        norm = normalize(text)
        if not norm:
            return None
        for choice in step.choices:
            if norm in {normalize(choice.label), normalize(choice.value)} or any(
                norm == normalize(a) for a in choice.also
            ):
                return choice
        return None

    def answer(
        self, step: WaitingStep, choice: Choice | None, category: Category | None = None
    ) -> None:
        if isinstance(step, ReferStep) and choice is None and category is None and self.text:
            category = self.engine.referrals.by_label(self.text.strip())
        if category is not None and isinstance(step, ReferStep):
            self.emit_raw(self.engine.referrals.render(category))
            if step.collect_as:
                shown = self.state.collected.get(step.collect_as, "").split(LIST_SEP)
                shown = [v for v in shown if v]
                if category.label not in shown:
                    shown.append(category.label)
                self.state.collected[step.collect_as] = LIST_SEP.join(shown)
            self.run(step.next or BACK)
            return
        if choice is not None:
            self.reply = choice.value
            self.remember(choice.set)
            if isinstance(step, CollectStep) and choice.value:
                self.state.collected[step.name] = choice.value
            self.run(choice.next or step.next or BACK)
            return
        if isinstance(step, CollectStep) and self.text.strip():
            self.state.collected[step.name] = self.text.strip()[:MAX_ANSWER]
        target = step.typed_target()
        if self.turn.event.kind is EventKind.MEDIA or target is None:
            target = BACK
        self.run(target)

    # --- running steps ---------------------------------------------------------------------

    def run(self, sid: str) -> None:
        steps = self.script.steps
        for _ in range(MAX_HOPS):
            if sid == BACK:
                self.resume()
                return
            step = steps.get(sid)
            if step is None:
                if self.lost_used or "lost" not in self.script.entries:
                    return
                self.lost_used = True
                sid = self.script.entries["lost"]
                continue
            visits = self.state.visits.get(sid, 0) + 1
            self.state.visits[sid] = visits
            if isinstance(step, SayStep):
                texts = (
                    (step.messages[(visits - 1) % len(step.messages)],)
                    if step.rotate
                    else step.messages
                )
                for text in texts:
                    self.emit(text)
                sid = step.next or BACK
            elif isinstance(step, WaitingStep):
                self.wait_at(step, visits)
                return
            elif isinstance(step, BranchStep):
                sid = next(
                    (c.next for c in step.cases if self.holds(c.when)), step.otherwise or BACK
                )
            elif isinstance(step, EscalateStep):
                self.escalate(step)
                sid = step.next or BACK
            elif isinstance(step, DeclineStep):
                self.decline()
                sid = step.next or BACK
            elif isinstance(step, FollowupStep):
                if step.after_hours is None:
                    self.actions.append(CancelFollowups())
                    self.profile["followup"] = "no"
                else:
                    topic = self.state.vars.get("topic", "")
                    self.actions.append(ScheduleFollowup(step.after_hours, topic))
                    self.profile["followup"] = "yes"
                sid = step.next or BACK
            elif isinstance(step, RememberStep):
                self.remember(step.values)
                sid = step.next or BACK
            elif isinstance(step, EndStep):
                self.end(step)
                return
            else:  # pragma: no cover - every kind is handled above
                return
        log.error("dialog.too_many_hops", step=sid)

    def wait_at(self, step: WaitingStep, visits: int, *, reprompt: bool = False) -> None:
        self.state.step = step.id
        buttons = self.buttons(step)
        if reprompt and step.reprompt:
            texts: tuple[str, ...] = (step.reprompt,)
        elif step.rotate and step.messages:
            texts = (step.messages[(visits - 1) % len(step.messages)],)
        else:
            texts = step.messages
        for index, text in enumerate(texts):
            self.emit(text, buttons if index == len(texts) - 1 else ())

    def resume(self) -> None:
        """`next: back`: return to the question the person was answering."""
        if self.claimed_mode is not None:  # back to the counselor's conversation, quietly
            self.state.step = self.claimed_mode or None
            return
        step = self.script.steps.get(self.state.step or "")
        if isinstance(step, WaitingStep):
            # A notice of the desk's (the place in line, a reminder) comes between the question
            # and its answer: the question's buttons go on the notice, the question is not
            # asked again (that would be the same question twice in a row).
            notice = self.turn.event.kind is EventKind.SYSTEM and bool(self.messages)
            if (step.reprompt and not notice) or not self.messages:
                self.wait_at(step, self.state.visits.get(step.id, 1), reprompt=True)
            else:
                last = self.messages[-1]
                self.messages[-1] = OutboundMessage(last.text, self.buttons(step))
            return
        if not self.restarted:
            self.restarted = True
            self.state.step = None
            self.enter(self.new_conversation_entry())

    def buttons(self, step: WaitingStep) -> tuple[QuickReply, ...]:
        out: list[QuickReply] = []
        if isinstance(step, ReferStep):
            room = MAX_CHOICES - len(step.choices)
            for category in self.categories_for(step)[: max(0, room)]:
                out.append(
                    QuickReply(
                        category.label, category.label, postback_data(step.id, category.label)
                    )
                )
        for choice in step.choices:
            out.append(QuickReply(choice.label, choice.label, postback_data(step.id, choice.label)))
        return tuple(out[:MAX_CHOICES])

    def categories_for(self, step: ReferStep) -> list[Category]:
        directory = self.engine.referrals
        if step.categories:
            return [directory.categories[c] for c in step.categories if c in directory.categories]
        factors = list(self.state.factors)
        for topic_id in (self.state.vars.get("topic"), self.var("last_topic")):
            topic = self.script.topics.get(topic_id or "")
            if topic is not None:
                factors += topic.factors
        found = directory.categories_for(factors)
        return found or list(directory.categories.values())

    def escalate(self, step: EscalateStep) -> None:
        screening = self.turn.screening
        risk = max(int(screening.risk) if screening else 0, self.state.risk, int(step.risk or 0))
        if step.risk is not None:
            self.state.risk = max(self.state.risk, int(step.risk))
        consent = step.consent or risk == RiskLevel.IMMINENT
        case = self.turn.case
        if case is not None and case.state == "claimed":
            return
        if any(isinstance(a, Escalate) for a in self.actions):
            return
        if risk < RiskLevel.HIGH and not consent:
            # Below a crisis the person is always asked before a counselor is called.
            return
        prev = self.state.escalation
        if case is not None or prev is not None:
            known_risk = max(int(case.risk) if case else 0, int(prev["risk"]) if prev else 0)
            known_consent = bool(prev["consent"]) if prev else True
            upgrade = (
                (step.reason == "risk" and risk > known_risk)
                or (consent and not known_consent)
                or (step.notify_when_open and not (prev and prev.get("notify")))
            )
            if not upgrade:
                return  # the person's case is already open: never escalate twice
        note = step.note_for_counselor or f"step {step.id}"
        self.actions.append(
            Escalate(
                reason=step.reason,  # type: ignore[arg-type]
                note=note,
                consent=consent,
                risk=step.risk,
                notify_when_open=step.notify_when_open,
            )
        )
        self.state.escalation = {
            "risk": max(risk, int(prev["risk"]) if prev else 0),
            "consent": consent or bool(prev and prev["consent"]),
            "notify": step.notify_when_open or bool(prev and prev.get("notify")),
        }

    def decline(self) -> None:
        """The person does not want a counselor: the desk marks their case, and a later
        request of theirs counts as a new agreement."""
        if not any(isinstance(a, DeclineCounselor) for a in self.actions):
            self.actions.append(DeclineCounselor())
        prev = self.state.escalation
        self.state.escalation = {
            "risk": int(prev["risk"]) if prev else 0,
            "consent": False,
            "notify": bool(prev and prev.get("notify")),
        }

    def end(self, step: EndStep) -> None:
        self.ended = True
        if step.forget:
            self.forgot = True
            self.actions.append(ForgetMe())
        self.actions.append(EndConversation())
        self.state = DialogState()

    def remember(self, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            self.state.vars[name] = value
            if name in PROFILE_VARS:
                self.profile[PROFILE_VARS[name]] = value
            if name == "consent":
                # What was agreed (or declined) to, and when: the version of the terms shown.
                terms = self.engine.service.terms_version
                self.state.vars["consent_terms"] = terms
                self.profile["consent_terms"] = terms
                self.profile["consent_at"] = self.turn.now.isoformat(timespec="seconds")

    # --- conditions ------------------------------------------------------------------------

    def var(self, name: str) -> str:
        if name in self.state.vars:
            return self.state.vars[name]
        if name == "last_topic":
            return self.turn.profile.get("last_topic", "")
        if name in ("consent", "followup"):
            return self.profile.get(name) or self.turn.profile.get(name, "")
        return ""

    @staticmethod
    def _value_matches(actual: str, wanted: str) -> bool:
        if wanted == "*":
            return bool(actual)
        if wanted == "":
            return not actual
        return normalize(actual) == normalize(wanted)

    def staffed(self) -> bool:
        """A counselor is on duty now and can see the case (never without a counselor side)."""
        if not self.turn.counselors:
            return False
        case = self.turn.case
        if case is not None:
            return case.staffed
        return self.engine.service.staffed_hours.is_open(self.turn.now)

    def new_factors(self) -> set[str]:
        screening = self.turn.screening
        return set(screening.factors) - self.factors_before if screening else set()

    def holds(self, when: Condition) -> bool:
        turn = self.turn
        if when.reply:
            said = self.reply if self.reply is not None else self.text
            if not said or normalize(said) not in {normalize(r) for r in when.reply}:
                return False
        if when.keywords and not contains_any(self.text, when.keywords):
            return False
        if when.risk is not None:
            level = max(int(turn.screening.risk) if turn.screening else 0, self.state.risk)
            if level < when.risk:
                return False
        if when.factors:
            found = set(self.state.factors)
            if "any" in when.factors:
                if not found:
                    return False
            elif not found & set(when.factors):
                return False
        for name, wanted in when.collected.items():
            if not self._value_matches(self.state.collected.get(name, ""), wanted):
                return False
        for name, wanted in when.vars.items():
            if not self._value_matches(self.var(name), wanted):
                return False
        if when.staffed is not None and self.staffed() != when.staffed:
            return False
        if when.counselors is not None and self.turn.counselors != when.counselors:
            return False
        if when.new_factors and not self.new_factors() & set(when.new_factors):
            return False
        if when.case:
            now = turn.case.state if turn.case else "none"
            if now not in when.case:
                return False
        for name, count in when.visited.items():
            if self.state.visits.get(name, 0) < count:
                return False
        if when.wait_known is not None:
            known = turn.case is not None and turn.case.wait_minutes is not None
            if known != when.wait_known:
                return False
        return when.returning is None or when.returning == turn.returning

    # --- output ----------------------------------------------------------------------------

    def turn_value(self, name: str) -> str:
        renderer = self.engine.renderer
        if name == "topic":
            return renderer.topic_label(self.state.vars.get("topic") or self.var("last_topic"))
        if name == "last_topic":
            return renderer.topic_label(self.var("last_topic"))
        if name == "wait":
            return renderer.wait_text(self.turn.case)
        if name == "counselors_back":
            return counselors_back_text(
                self.engine.service,
                self.script.texts,
                self.turn.now,
                counselors=self.turn.counselors,
            )
        return ""

    def emit(self, template: str, buttons: tuple[QuickReply, ...] = ()) -> None:
        self.emit_raw(
            self.engine.renderer.render(template, self.turn_value, self.turn.now), buttons
        )

    def emit_raw(self, text: str, buttons: tuple[QuickReply, ...] = ()) -> None:
        self.messages.append(OutboundMessage(text[:MAX_TEXT], buttons))

    def output(self) -> TurnOutput:
        messages = self.messages
        if len(messages) > MAX_MESSAGES:  # the checker prevents this; never break LINE anyway
            log.warning("dialog.too_many_messages", count=len(messages))
            tail = messages[MAX_MESSAGES - 1 :]
            merged = OutboundMessage(
                "\n\n".join(m.text for m in tail)[:MAX_TEXT], tail[-1].quick_replies
            )
            messages = [*messages[: MAX_MESSAGES - 1], merged]
        collected = {
            self.engine.collect_labels.get(name, name): value
            for name, value in self.state.collected.items()
        }
        return TurnOutput(
            messages=tuple(messages),
            state=self.state.to_json() if not self.forgot else {},
            profile={} if self.forgot else self.profile,
            actions=tuple(self.actions),
            collected=collected,
        )
