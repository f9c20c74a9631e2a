"""Service settings, read from the environment and `.env` (environment wins).

The names of the Contracts table in ARCHITECTURE.md are fixed; the others are tuning knobs
with safe defaults, documented in the README.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # --- Contracts -------------------------------------------------------------------------
    redis_url: str | None = Field(default=None, alias="REDIS_URL")
    bot_data_dir: Path = Field(default=Path("./var"), alias="BOT_DATA_DIR")
    line_channel_secret: SecretStr | None = Field(default=None, alias="LINE_CHANNEL_SECRET")
    line_channel_access_token: SecretStr | None = Field(
        default=None, alias="LINE_CHANNEL_ACCESS_TOKEN"
    )
    line_api_base_url: str = Field(default="https://api.line.me", alias="LINE_API_BASE_URL")
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    slack_counselor_channel: str | None = Field(default=None, alias="SLACK_COUNSELOR_CHANNEL")
    slack_supervisor_channel: str | None = Field(default=None, alias="SLACK_SUPERVISOR_CHANNEL")
    # Slack user ids of supervisors, comma-separated: they alone close or hand back imminent
    # and flagged cases (or sign off a holder's request), and may take a case over.
    slack_supervisor_users: str = Field(default="", alias="SLACK_SUPERVISOR_USERS")
    bot_config_dir: Path = Field(default=Path("config"), alias="BOT_CONFIG_DIR")
    dialogs_dir: Path = Field(default=Path("dialogs"), alias="DIALOGS_DIR")
    bot_log_level: str = Field(default="info", alias="BOT_LOG_LEVEL")

    # --- Tuning and optional features --------------------------------------------------------
    bot_dev_chat: bool | None = Field(default=None, alias="BOT_DEV_CHAT")
    bot_dev_hosts: str = Field(default="", alias="BOT_DEV_HOSTS")
    bot_admin_token: SecretStr | None = Field(default=None, alias="BOT_ADMIN_TOKEN")
    bot_log_format: Literal["auto", "json", "console"] = Field(
        default="auto", alias="BOT_LOG_FORMAT"
    )
    bot_key_prefix: str = Field(default="tsunagari", alias="BOT_KEY_PREFIX")
    bot_workers: int = Field(default=16, ge=1, le=512, alias="BOT_WORKERS")
    bot_consumer_name: str | None = Field(default=None, alias="BOT_CONSUMER_NAME")
    # A dead worker's events (and its conversation leases) are taken over after this long
    # without a renewal; live workers renew every third of it, in one round trip.
    bot_reclaim_idle_ms: int = Field(default=5_000, ge=100, alias="BOT_RECLAIM_IDLE_MS")
    bot_dedupe_ttl_s: int = Field(default=86_400 * 2, ge=86_400, alias="BOT_DEDUPE_TTL_S")
    bot_max_body_bytes: int = Field(default=1024 * 1024, alias="BOT_MAX_BODY_BYTES")
    bot_reply_token_ttl_s: float = Field(default=50.0, alias="BOT_REPLY_TOKEN_TTL_S")
    bot_reload_interval_s: float = Field(default=2.0, ge=0, alias="BOT_RELOAD_INTERVAL_S")
    bot_proxy: str | None = Field(default=None, alias="BOT_PROXY")
    bot_shutdown_grace_s: float = Field(default=15.0, ge=0, alias="BOT_SHUTDOWN_GRACE_S")
    bot_intake_timeout_s: float = Field(default=1.2, gt=0, alias="BOT_INTAKE_TIMEOUT_S")
    bot_line_timeout_s: float = Field(default=10.0, gt=0, alias="BOT_LINE_TIMEOUT_S")
    # How long after a person wrote their answer is still worth delivering: LINE outages and
    # 429s are waited out this long, then the event is parked (a crisis alerts supervisors).
    bot_delivery_window_s: float = Field(default=6 * 3600.0, gt=0, alias="BOT_DELIVERY_WINDOW_S")
    # Slack takes about one chat.postMessage per second per channel: posts keep that pace
    # (a little under it), shared by every process, the most urgent first. 0: no pacing.
    bot_slack_post_interval_s: float = Field(default=1.05, ge=0, alias="BOT_SLACK_POST_INTERVAL_S")
    bot_outbox_lease_s: float = Field(default=10.0, gt=0, alias="BOT_OUTBOX_LEASE_S")
    # With Chat mode on in LINE: mark the person's messages read only when a counselor has
    # read them (markAsRead with the webhook's token), never just because the bot answered.
    line_mark_as_read: bool = Field(default=False, alias="LINE_MARK_AS_READ")

    @field_validator("bot_log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.lower()
        if value not in {"debug", "info", "warning", "error", "critical"}:
            raise ValueError("BOT_LOG_LEVEL must be one of debug, info, warning, error, critical")
        return value

    @field_validator(
        "line_channel_secret",
        "line_channel_access_token",
        "slack_bot_token",
        "slack_signing_secret",
        "bot_admin_token",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value in ("", None) else value

    @property
    def line_enabled(self) -> bool:
        return bool(self.line_channel_secret and self.line_channel_access_token)

    @property
    def supervisors(self) -> frozenset[str]:
        """The Slack user ids of SLACK_SUPERVISOR_USERS."""
        return frozenset(u.strip() for u in self.slack_supervisor_users.split(",") if u.strip())

    @property
    def counselors_visible(self) -> bool:
        """A counselor can see cases at all: Slack is set up, or the local console is served."""
        return self.slack_enabled or self.dev_pages_enabled

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def dev_hosts(self) -> frozenset[str]:
        """Host names the dev pages answer to besides localhost (`BOT_DEV_HOSTS`, comma-separated;
        `*` for any)."""
        return frozenset(h.strip().lower() for h in self.bot_dev_hosts.split(",") if h.strip())

    @property
    def dev_pages_enabled(self) -> bool:
        """The local chat and console pages: on without LINE credentials, else opt-in."""
        if self.bot_dev_chat is not None:
            return self.bot_dev_chat
        return not self.line_enabled
