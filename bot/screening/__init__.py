"""Crisis screening: the risk level of a conversation and the reasons a counselor reads.

`Screener.load(config_dir)` reads the concepts, grammar words, slots, idioms, spellings, dialects,
factor words and pathway chains that admins edit under ``config/``; `Screener.screen(text,
state)` screens the newest message of a conversation. See docs/screening.md.
"""

from bot.screening.screener import Screener, check_config
from bot.screening.types import PathwayMatch, RiskLevel, ScreeningResult, ScreeningState, Signal

__all__ = [
    "PathwayMatch",
    "RiskLevel",
    "Screener",
    "ScreeningResult",
    "ScreeningState",
    "Signal",
    "check_config",
]
