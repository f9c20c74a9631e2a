"""Structured logs: JSON in production, readable in development.

Privacy rule: no message text at info level or above. Code that wants to log what a person
wrote does it at debug with `masked(text)`, which hides phone numbers and e-mail addresses.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from bot.settings import Settings

_PHONE = re.compile(r"(?<!\d)(?:\+?81[- ]?)?0\d{1,4}[- ]?\d{1,4}[- ]?\d{3,4}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SECRET_KEYS = ("token", "secret", "authorization", "password", "signature")


def masked(text: str) -> str:
    """The text with phone numbers and e-mail addresses replaced, for debug logs only."""
    return _EMAIL.sub("<email>", _PHONE.sub("<phone>", text))


def _drop_secrets(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if any(s in key.lower() for s in _SECRET_KEYS):
            event[key] = "***"
    return event


_HANDLER = "tsunagari"  # the name of our handler on the root logger, so a second app replaces it


def configure_logging(settings: Settings) -> None:
    """structlog for our own logs, and the same processors and renderer for every standard
    library logger (bolt, uvicorn, asyncio): one line per record in either format, secrets
    masked, exceptions rendered into the record."""
    level = getattr(logging, settings.bot_log_level.upper())
    fmt = settings.bot_log_format
    if fmt == "auto":
        fmt = "json" if settings.line_enabled or not sys.stderr.isatty() else "console"
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _drop_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _drop_secrets,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(max(level, logging.WARNING))
    # Third-party loggers can print request bodies at debug; keep them at warning.
    for name in ("slack_bolt", "slack_sdk", "aiohttp", "urllib3", "linebot"):
        logging.getLogger(name).setLevel(logging.WARNING)
