"""Helpers the screening tests share: a conversation's level and the slots it fills."""

from __future__ import annotations

from bot.screening import RiskLevel, Screener


def level(screener: Screener, *messages: str) -> RiskLevel:
    return screener.screen_conversation(list(messages)).risk


def slots(screener: Screener, *messages: str) -> set[str]:
    return {s.cls for s in screener.screen_conversation(list(messages)).signals}
