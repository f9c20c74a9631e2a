"""Helpers the screening tests share: a conversation's level and the slots it fills."""

from __future__ import annotations

from bot.screening import RiskLevel, Screener


def level(screener: Screener, *messages: str) -> RiskLevel:
    return screener.screen_conversation(list(messages)).risk


def slots(screener: Screener, *messages: str) -> set[str]:
    return {s.cls for s in screener.screen_conversation(list(messages)).signals}


def flags_of(screener: Screener, *messages: str) -> set[str]:
    return set(screener.screen_conversation(list(messages)).flags)


def reaches(screener: Screener, messages: tuple[str, ...], expected: RiskLevel) -> bool:
    """At least ``expected`` when it is high or imminent (a rise), at most it otherwise (a
    look-alike that must stay calm)."""
    got = level(screener, *messages)
    return got >= expected if expected >= RiskLevel.HIGH else got <= expected
