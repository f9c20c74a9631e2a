"""One Screener for the whole session: loading Sudachi and compiling the lexicon is the slow part."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.screening import Screener

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config"


@pytest.fixture(scope="session")
def screener() -> Screener:
    return Screener.load(CONFIG)
