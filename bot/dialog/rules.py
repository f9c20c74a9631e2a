"""The checker's rules: one name per kind of mistake, shown after each problem in brackets so
an admin can look the rule up in docs/dialogs.md."""

from __future__ import annotations

from enum import StrEnum

from bot.yamlio import Problem


class Rule(StrEnum):
    YAML_SYNTAX = "yaml-syntax"
    FILE_SHAPE = "file-shape"
    UNKNOWN_SECTION = "unknown-section"
    BAD_ID = "bad-id"
    DUPLICATE_ID = "duplicate-id"
    UNKNOWN_KIND = "unknown-kind"
    TWO_KINDS = "two-kinds"
    UNKNOWN_FIELD = "unknown-field"
    BAD_VALUE = "bad-value"
    MISSING_NEXT = "missing-next"
    MISSING_STEP = "missing-step"
    UNREACHABLE_STEP = "unreachable-step"
    LOOP_WITHOUT_WAIT = "loop-without-wait"
    MISSING_ENTRY = "missing-entry"
    UNKNOWN_ENTRY = "unknown-entry"
    UNKNOWN_CONDITION = "unknown-condition"
    UNKNOWN_PLACEHOLDER = "unknown-placeholder"
    UNKNOWN_HOTLINE = "unknown-hotline"
    UNKNOWN_CATEGORY = "unknown-category"
    UNKNOWN_FACTOR = "unknown-factor"
    UNKNOWN_TOPIC = "unknown-topic"
    UNKNOWN_COLLECT = "unknown-collect"
    MISSING_TEXT = "missing-text"
    LINE_TEXT_TOO_LONG = "line-text-too-long"
    LINE_TOO_MANY_CHOICES = "line-too-many-choices"
    LINE_LABEL_TOO_LONG = "line-label-too-long"
    LINE_DATA_TOO_LONG = "line-data-too-long"
    LINE_TOO_MANY_MESSAGES = "line-too-many-messages"
    CRISIS_WITHOUT_HOTLINE = "crisis-without-hotline"
    REFERRAL = "referral"


def problem(rule: Rule, file: str, line: int | None, message: str) -> Problem:
    return Problem(file, line, f"{message} [{rule.value}]")
