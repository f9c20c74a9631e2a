"""Live configuration: everything admins edit (scripts, hotlines, hours, referral directory,
crisis lexicon) as one frozen `Bundle`, swapped whole when the files change.

A new bundle goes live only when every file passes its checks; otherwise the running bundle
stays, and the problems are logged and shown at `/admin/status`. Conversations carry on: their
state names steps, and the engine lands a person whose step disappeared at the `lost` entry.
The screener (Sudachi) is reloaded only when its own files changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import structlog

from bot.checker_messages import catalog_problems, use_config_dir
from bot.config import ServiceConfig, load_service_config
from bot.dialog import DialogEngine, load_dialog
from bot.dialog.referrals import ReferralDirectory, parse_referrals
from bot.screening import Screener
from bot.screening.config import FILES as SCREENER_FILES
from bot.settings import Settings
from bot.yamlio import ConfigError, Problem

log = structlog.get_logger(__name__)

# The screener's own files under config/ are SCREENER_FILES (reloading Sudachi is slow: the
# screener is rebuilt only when one of them changes).


@dataclass(frozen=True, slots=True)
class Bundle:
    """The admin configuration in force. Never mutated: a reload builds a new one."""

    service: ServiceConfig
    dialog: DialogEngine
    screener: Screener
    referrals: ReferralDirectory
    version: str  # short hash of every admin file's content
    loaded_at: datetime
    hashes: Mapping[str, str] = field(default_factory=dict)  # file → content hash


def _admin_files(*dirs: Path) -> list[Path]:
    out: list[Path] = []
    for directory in dirs:
        if directory.is_dir():
            out += sorted(
                p for p in directory.glob("*.y*ml") if p.is_file() and not p.name.startswith(".")
            )
    return out


def _hashes(files: list[Path]) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in files:
        try:
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            out[str(path)] = "unreadable"
    return out


def _version(hashes: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(hashes):
        digest.update(f"{Path(name).name}\0{hashes[name]}\n".encode())
    return digest.hexdigest()[:12]


class LiveConfig:
    """Holds the current bundle; `reload()` replaces it only with a fully valid one."""

    def __init__(self, settings: Settings) -> None:
        self.dialogs_dir = Path(settings.dialogs_dir)
        self.config_dir = Path(settings.bot_config_dir)
        use_config_dir(self.config_dir)  # problems are worded by its checker_messages.yaml
        self._lock = threading.Lock()
        bundle, problems = self._build(None)
        if bundle is None:
            raise ConfigError(problems)  # the service must not start on broken config
        self._bundle = bundle
        self._fingerprint = self._stat()
        self.last_problems: list[Problem] = []
        self.last_attempt: datetime = bundle.loaded_at
        self.reloads = 0
        self.rejected = 0

    @property
    def bundle(self) -> Bundle:
        return self._bundle

    # --- building ----------------------------------------------------------------------------

    def _build(self, previous: Bundle | None) -> tuple[Bundle | None, list[Problem]]:
        files = _admin_files(self.dialogs_dir, self.config_dir)
        hashes = _hashes(files)
        # First: takes up an edited catalog. A broken one never stops a reload (it only words
        # the problems), but is named when the reload is refused: it is why they read as
        # English fallbacks.
        catalog = catalog_problems()
        problems: list[Problem] = []
        service: ServiceConfig | None = None
        try:
            service = load_service_config(self.config_dir)
        except ConfigError as exc:
            problems += exc.problems
        referrals, referral_problems = parse_referrals(self.config_dir / "referrals.yaml")
        problems += referral_problems
        screener = self._screener(previous, hashes, problems)
        dialog: DialogEngine | None = None
        if service is not None and referrals is not None and not referral_problems:
            try:
                dialog = load_dialog(self.dialogs_dir, self.config_dir, service, referrals)
            except ConfigError as exc:
                problems += exc.problems
        if problems or service is None or dialog is None or screener is None or referrals is None:
            return None, catalog + problems
        bundle = Bundle(
            service=service,
            dialog=dialog,
            screener=screener,
            referrals=referrals,
            version=_version(hashes),
            loaded_at=datetime.now(UTC),
            hashes=MappingProxyType(hashes),
        )
        return bundle, []

    def _screener(
        self, previous: Bundle | None, hashes: Mapping[str, str], problems: list[Problem]
    ) -> Screener | None:
        own = [str(self.config_dir / name) for name in SCREENER_FILES]
        if previous is not None and all(previous.hashes.get(f) == hashes.get(f) for f in own):
            return previous.screener
        try:
            return Screener.load(self.config_dir)
        except ConfigError as exc:
            problems += exc.problems
            return None

    # --- reloading ---------------------------------------------------------------------------

    def reload(self) -> list[Problem]:
        """Build a new bundle from the files; swap it in only when there is no problem."""
        with self._lock:
            self._fingerprint = self._stat()
            self.last_attempt = datetime.now(UTC)
            bundle, problems = self._build(self._bundle)
            self.last_problems = problems
            if bundle is None:
                self.rejected += 1
                log.warning(
                    "live.reload_rejected",
                    kept=self._bundle.version,
                    problems=[str(p) for p in problems[:50]],
                    count=len(problems),
                )
                return problems
            changed = bundle.version != self._bundle.version
            self._bundle = bundle
            self.reloads += 1
            log.info("live.reloaded", version=bundle.version, changed=changed)
            return []

    def _stat(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for path in _admin_files(self.dialogs_dir, self.config_dir):
            try:
                st = path.stat()
            except OSError:
                continue
            out[str(path)] = (st.st_mtime_ns, st.st_size)
        return out

    def changed_on_disk(self) -> bool:
        return self._stat() != self._fingerprint

    async def watch(self, stop: asyncio.Event, interval: float) -> None:
        """Poll the admin files' modification times and reload when any changed."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
                return
            except TimeoutError:
                pass
            try:
                if self.changed_on_disk():
                    await asyncio.to_thread(self.reload)
            except Exception:  # the watcher must outlive any surprise
                log.exception("live.watch_failed")

    # --- status ------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        bundle = self._bundle
        return {
            "version": bundle.version,
            "loaded_at": bundle.loaded_at.isoformat(),
            "dialogs_dir": str(self.dialogs_dir),
            "config_dir": str(self.config_dir),
            "files": sorted(bundle.hashes),
            "steps": len(bundle.dialog.script.steps),
            "reloads": self.reloads,
            "rejected": self.rejected,
            "last_attempt": self.last_attempt.isoformat(),
            "last_ok": not self.last_problems,
            "last_problems": [str(p) for p in self.last_problems],
        }
