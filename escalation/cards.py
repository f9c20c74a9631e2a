"""The case card: one view of a case, rendered as Slack Block Kit or as console JSON.

`build_card` decides *what* a counselor sees (pure, from the case, its log and the config);
`slack_blocks` and `CaseCard.to_json` only decide how. Both counselor adapters show the same
content because they render the same `CaseCard`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from escalation.config import EscalationConfig
from escalation.model import Case, Counselor, LogEntry

ACTION_CLAIM = "case_claim"
ACTION_CLOSE = "case_close"
ACTION_HAND_BACK = "case_hand_back"
ACTION_SUPERVISOR = "case_supervisor"
ACTION_TAKE_OVER = "case_take_over"
ACTION_APPROVE = "case_approve"  # on a supervisor alert: sign off a holder's close request
CLOSE_MODAL = "case_close_modal"
HAND_BACK_MODAL = "case_hand_back_modal"  # the reason, for an imminent or flagged case
SECTION_MAX = 2900  # Slack allows 3000 characters per section text
HEADER_MAX = 150


@dataclass(frozen=True, slots=True)
class CaseCard:
    case_id: str
    title: str
    fallback: str
    risk: str
    risk_label: str
    state: str
    state_line: str
    opened: str  # HH:MM in the service's timezone
    waiting_minutes: int
    reason_label: str
    consent_label: str
    triggers: tuple[str, ...]  # the person's words that raised the case, oldest first
    words: tuple[str, ...]  # the matched signal words
    reasons: tuple[str, ...]
    factors: tuple[str, ...]
    pathway: str
    assessment: tuple[tuple[str, str], ...]
    note: str
    recent: tuple[tuple[str, str], ...]  # (role label, text)
    previous: tuple[str, ...]
    summary: str
    actions: tuple[str, ...]
    holder: str  # plain counselor name/id, "" when nobody holds it
    flags: tuple[str, ...] = ()  # danger to someone else, in words (config labels.flags)
    declined: str = ""  # 「本人は相談員を希望していません」 when the person said so
    signoff: str = ""  # who signed off closing an imminent or flagged case, when, why
    needs_supervisor: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["assessment"] = [list(pair) for pair in self.assessment]
        data["recent"] = [list(pair) for pair in self.recent]
        return data


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def _hhmm(ms: int, tz: str) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(tz)).strftime("%H:%M")


def _date(ms: int, tz: str) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d")


def actions_for(case: Case) -> tuple[str, ...]:
    if case.state == "queued":
        return (ACTION_CLAIM, ACTION_CLOSE, ACTION_HAND_BACK, ACTION_SUPERVISOR)
    if case.state == "claimed":
        return (ACTION_CLOSE, ACTION_HAND_BACK, ACTION_SUPERVISOR, ACTION_TAKE_OVER)
    return ()


def who(ref: str, *, slack: bool) -> str:
    counselor = Counselor.parse(ref)
    if counselor is None:
        return ref
    return counselor.mention() if slack else counselor.plain()


def build_card(
    case: Case,
    log: Sequence[LogEntry],
    cfg: EscalationConfig,
    *,
    now_ms: int,
    tz: str = "Asia/Tokyo",
    slack: bool = True,
    retention_days: int = 30,
) -> CaseCard:
    risk_label = cfg.label("risk", case.risk.label)
    waited_until = case.claimed_ms if case.claimed_ms else (case.closed_ms or now_ms)
    waiting = max(0, (waited_until - case.opened_ms) // 60_000)
    if case.state == "deleted":
        state_line = cfg.text("state_deleted")
    elif case.redacted:
        state_line = cfg.text("state_redacted", days=retention_days)
    elif case.pending_close is not None and case.is_open:
        state_line = cfg.text("state_pending", who=who(case.pending_close.by, slack=slack))
    elif case.ended == "stopped":
        state_line = cfg.text("state_stopped")
    elif case.ended == "expired":
        state_line = cfg.text("state_expired", days=retention_days)
    elif case.state == "queued":
        state_line = cfg.text("state_queued", minutes=waiting)
    elif case.state == "claimed":
        state_line = cfg.text(
            "state_claimed",
            who=who(case.claimed_by, slack=slack),
            since=_hhmm(case.claimed_ms, tz),
        )
    elif case.state == "closed":
        state_line = cfg.text(
            "state_closed",
            who=who(case.closed_by, slack=slack),
            outcome=cfg.outcome_label(case.outcome) if case.outcome else cfg.text("none"),
        )
    else:
        state_line = cfg.text("state_handed_back", who=who(case.closed_by, slack=slack))
    # The triggering words are shown once, under their own heading, not again in the log.
    pending_triggers = [t.text for t in case.triggers]
    lines: list[tuple[str, str]] = []
    for e in log:
        if e.role not in ("person", "bot", "counselor"):
            continue
        if e.role == "person" and e.text.strip() in pending_triggers:
            pending_triggers.remove(e.text.strip())
            continue
        lines.append((cfg.label("role", e.role), _clip(e.text, cfg.message_chars)))
    recent = tuple(lines)[-cfg.recent_messages :]
    previous = tuple(
        cfg.text(
            "previous_case",
            case_id=p.case_id,
            date=_date(p.opened_ms, tz),
            risk=cfg.label("risk", p.risk),
            outcome=cfg.outcome_label(p.outcome) if p.outcome else cfg.label("state", p.state),
            summary=_clip(p.summary, 300) if p.summary else cfg.text("none"),
        )
        for p in case.previous
    )
    pathway = ""
    if case.pathway:
        pathway = str(case.pathway.get("label") or case.pathway.get("chain") or "")
    emoji = cfg.label("risk_emoji", case.risk.label)
    holder = case.holder
    return CaseCard(
        case_id=case.case_id,
        title=_clip(
            cfg.text("card_title", emoji=emoji, case_id=case.case_id, risk=risk_label), HEADER_MAX
        ),
        fallback=cfg.text("card_fallback", case_id=case.case_id, risk=risk_label),
        risk=case.risk.label,
        risk_label=risk_label,
        state=case.state,
        state_line=state_line,
        opened=_hhmm(case.opened_ms, tz),
        waiting_minutes=int(waiting),
        reason_label=cfg.label("reason", case.reason),
        consent_label=cfg.text("consent_yes" if case.consent else "consent_no"),
        triggers=tuple(_clip(t.text, 1000) for t in case.triggers if t.text),
        words=tuple(case.trigger_words()),
        reasons=case.reasons,
        factors=tuple(cfg.label("factors", f) for f in case.factors),
        pathway=pathway,
        assessment=tuple((str(k), _clip(str(v), 300)) for k, v in case.collected.items()),
        note=case.note,
        recent=recent,
        previous=previous,
        summary=case.summary,
        actions=actions_for(case),
        holder=holder.plain() if holder else "",
        flags=tuple(cfg.label("flags", f) for f in case.flags),
        declined=cfg.text("declined") if case.declined and case.is_open else "",
        signoff=cfg.text(
            "signoff_line",
            who=who(case.signoff.by, slack=slack),
            at=_hhmm(case.signoff.at_ms, tz),
            why=case.signoff.why,
        )
        if case.signoff
        else "",
        needs_supervisor=case.needs_supervisor,
    )


# --- Slack ------------------------------------------------------------------------------------


_AUTOLINK = re.compile(r"([.:@/])(?=[0-9A-Za-z])")


def escape(text: str) -> str:
    """Slack mrkdwn escaping: the person's words can never become mentions or links. Beyond
    the three entities (which stop <!channel>, <@U…> and <url|label>), a zero-width space
    after each '.', ':', '@' and '/' before a letter or digit keeps Slack from turning a bare
    URL, domain or e-mail address into a link; it is invisible to the reader."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _AUTOLINK.sub(lambda m: m.group(1) + "\u200b", text)


def quote(text: str) -> str:
    return "\n".join("> " + line for line in escape(text).splitlines() or [""])


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, SECTION_MAX)}}


def slack_blocks(card: CaseCard, cfg: EscalationConfig) -> list[dict[str, Any]]:
    none = cfg.text("none")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": card.title, "emoji": True}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{cfg.text('field_risk')}*\n{card.risk_label}"},
                {"type": "mrkdwn", "text": f"*{cfg.text('field_state')}*\n{card.state_line}"},
                {"type": "mrkdwn", "text": f"*{cfg.text('field_opened')}*\n{card.opened}"},
                {"type": "mrkdwn", "text": f"*{cfg.text('field_reason')}*\n{card.reason_label}"},
                {
                    "type": "mrkdwn",
                    "text": f"*{cfg.text('field_consent')}*\n{card.consent_label}",
                },
            ],
        },
    ]
    if card.flags:
        flags = escape("、".join(card.flags))
        blocks.append(_section(f":warning: *{cfg.text('field_flags')}*: {flags}"))
    if card.declined:
        blocks.append(_section(f":no_entry_sign: *{escape(card.declined)}*"))
    triggers = "\n".join(quote(t) for t in card.triggers) or none
    blocks.append(_section(f"*{cfg.text('heading_trigger')}*\n{triggers}"))
    reasons = "\n".join("• " + escape(r) for r in card.reasons) or none
    detail = f"*{cfg.text('heading_reasons')}*\n{reasons}"
    if card.factors:
        detail += f"\n*{cfg.text('heading_factors')}* " + escape("、".join(card.factors))
    if card.pathway:
        detail += f"\n*{cfg.text('heading_pathway')}* " + escape(card.pathway)
    blocks.append(_section(detail))
    if card.assessment or card.note:
        lines = [f"• {escape(k)}: {escape(v)}" for k, v in card.assessment]
        text = f"*{cfg.text('heading_assessment')}*\n" + ("\n".join(lines) or none)
        if card.note:
            text += f"\n*{cfg.text('heading_note')}* {escape(card.note)}"
        blocks.append(_section(text))
    if card.recent:
        lines = [f"*{escape(role)}*: {escape(text)}" for role, text in card.recent]
        blocks.append(_section(f"*{cfg.text('heading_recent')}*\n" + "\n".join(lines)))
    if card.previous:
        lines = ["• " + escape(p) for p in card.previous]
        blocks.append(_section(f"*{cfg.text('heading_previous')}*\n" + "\n".join(lines)))
    if card.summary:
        blocks.append(_section(f"*{cfg.text('heading_summary')}*\n{escape(card.summary)}"))
    if card.signoff:
        blocks.append(_section(f"*{cfg.text('heading_signoff')}*\n{escape(card.signoff)}"))
    buttons: list[dict[str, Any]] = []
    for action in card.actions:
        buttons.append(_button(action, card.case_id, cfg, confirm=not card.needs_supervisor))
    if buttons:
        blocks.append(
            {"type": "actions", "block_id": f"case_actions:{card.case_id}", "elements": buttons}
        )
    else:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": card.state_line}]}
        )
    return blocks


BUTTON_OF = {
    ACTION_CLAIM: "claim",
    ACTION_CLOSE: "close",
    ACTION_HAND_BACK: "hand_back",
    ACTION_SUPERVISOR: "supervisor",
    ACTION_TAKE_OVER: "take_over",
    ACTION_APPROVE: "approve",
}


def approve_blocks(text: str, case_id: str, cfg: EscalationConfig) -> list[dict[str, Any]]:
    """A supervisor alert asking for sign-off: its text and the 「承認する」 button."""
    return [
        _section(text),
        {
            "type": "actions",
            "block_id": f"case_approve:{case_id}",
            "elements": [_button(ACTION_APPROVE, case_id, cfg)],
        },
    ]


def _button(
    action: str, case_id: str, cfg: EscalationConfig, *, confirm: bool = True
) -> dict[str, Any]:
    name = BUTTON_OF[action]
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action,
        "value": case_id,
        "text": {"type": "plain_text", "text": cfg.label("buttons", name), "emoji": True},
    }
    if action == ACTION_CLAIM:
        button["style"] = "primary"
    if action in (ACTION_SUPERVISOR, ACTION_APPROVE):
        button["style"] = "danger"
    if action == ACTION_HAND_BACK and confirm:  # otherwise a dialog asks for the reason
        button["confirm"] = {
            "title": {"type": "plain_text", "text": cfg.text("confirm_hand_back_title")},
            "text": {"type": "plain_text", "text": cfg.text("confirm_hand_back_text")},
            "confirm": {"type": "plain_text", "text": cfg.text("confirm_yes")},
            "deny": {"type": "plain_text", "text": cfg.text("confirm_no")},
        }
    return button


def _text_input(name: str, label: str, hint: str, *, optional: bool) -> dict[str, Any]:
    """A multi-line text field of a dialog (block and action both named `name`)."""
    return {
        "type": "input",
        "block_id": name,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "hint": {"type": "plain_text", "text": hint},
        "element": {
            "type": "plain_text_input",
            "action_id": name,
            "multiline": True,
            "max_length": 1000,
        },
    }


def _why_block(cfg: EscalationConfig, *, optional: bool) -> dict[str, Any]:
    return _text_input("why", cfg.text("modal_why"), cfg.text("modal_why_hint"), optional=optional)


def hand_back_modal(case_id: str, cfg: EscalationConfig) -> dict[str, Any]:
    """「ボットに戻す」 for an imminent or flagged case: the reason (required)."""
    return {
        "type": "modal",
        "callback_id": HAND_BACK_MODAL,
        "private_metadata": case_id,
        "title": {"type": "plain_text", "text": cfg.text("modal_hand_back_title")[:24]},
        "submit": {"type": "plain_text", "text": cfg.text("confirm_yes")[:24]},
        "close": {"type": "plain_text", "text": cfg.text("modal_cancel")[:24]},
        "blocks": [_why_block(cfg, optional=False)],
    }


def close_modal(case_id: str, cfg: EscalationConfig, *, needs_why: bool = False) -> dict[str, Any]:
    """The 「対応終了」 dialog: the outcome (required), a summary for the next counselor, and
    the reason (required for an imminent or flagged case, checked again on submission)."""
    return {
        "type": "modal",
        "callback_id": CLOSE_MODAL,
        "private_metadata": case_id,
        "title": {"type": "plain_text", "text": cfg.text("modal_title")[:24]},
        "submit": {"type": "plain_text", "text": cfg.text("modal_submit")[:24]},
        "close": {"type": "plain_text", "text": cfg.text("modal_cancel")[:24]},
        "blocks": [
            {
                "type": "input",
                "block_id": "outcome",
                "label": {"type": "plain_text", "text": cfg.text("modal_outcome")},
                "element": {
                    "type": "static_select",
                    "action_id": "outcome",
                    "options": [
                        {
                            "text": {"type": "plain_text", "text": o.label[:75]},
                            "value": o.id,
                        }
                        for o in cfg.outcomes
                    ],
                },
            },
            _text_input(
                "summary",
                cfg.text("modal_summary"),
                cfg.text("modal_summary_hint"),
                optional=True,
            ),
            _why_block(cfg, optional=not needs_why),
        ],
    }
