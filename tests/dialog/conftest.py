from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.config import ServiceConfig, StaffedHours, load_service_config
from bot.dialog import DialogEngine, load_dialog
from tests.dialog.support import CONFIG, DIALOGS, Chat


@pytest.fixture(scope="session")
def service() -> ServiceConfig:
    return load_service_config(CONFIG)


@pytest.fixture(scope="session")
def engine(service: ServiceConfig) -> DialogEngine:
    return load_dialog(DIALOGS, CONFIG, service)


@pytest.fixture(scope="session")
def closed_engine(service: ServiceConfig) -> DialogEngine:
    """The shipped scripts with no counselor on duty at any time."""
    closed = dataclasses.replace(
        service, staffed_hours=StaffedHours(weekly={"mon": ((17 * 60, 22 * 60 + 30),)})
    )
    return load_dialog(DIALOGS, CONFIG, closed)


@pytest.fixture
def chat(engine: DialogEngine) -> Chat:
    return Chat(engine)


@pytest.fixture
def admin_files(tmp_path: Path) -> Path:
    """A copy of the shipped scripts and config that a test may edit, as an admin would."""
    shutil.copytree(DIALOGS, tmp_path / "dialogs")
    shutil.copytree(CONFIG, tmp_path / "config")
    return tmp_path
