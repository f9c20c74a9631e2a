"""Forgetting a person, from the command line, deletes their data everywhere."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime

from bot.channels.base import Address
from tests.harness import ROOT, LocalChat, make_settings, running_app


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_forget_by_case_id_deletes_transcript_profile_and_cases(
    redis_url: str, key_prefix: str
) -> None:
    settings = make_settings(redis_url, key_prefix, BOT_DEV_CHAT=True)
    async with running_app(settings) as app:
        person = LocalChat(app)
        await person.start()
        await person.tap("はじめる")
        await person.say("もう死にたい")
        conv = Address("local", person.session).conversation_id()
        status = await app.services.escalation.desk.case_status(conv, datetime.now(UTC))
        assert status is not None
        env = {"REDIS_URL": redis_url, "BOT_KEY_PREFIX": key_prefix, "BOT_LOG_LEVEL": "warning"}
        result = await asyncio.to_thread(run_cli, "forget", status.case_id, env=env)
        assert result.returncode == 0, result.stderr
        assert conv in result.stdout
        keys = app.services.keys
        left = {k async for k in app.services.redis.scan_iter(match=f"{keys.prefix}:conv:{conv}:*")}
        assert left <= {keys.conv_order(conv), keys.conv_lock(conv)}
        tombstone = await app.services.redis.hgetall(keys.case(status.case_id))
        assert tombstone.get("state") == "deleted"  # nothing of the person in it
        assert "死にたい" not in str(tombstone)
        assert person.session not in str(tombstone)
        assert conv not in str(tombstone)
        assert await app.services.escalation.desk.case_status(conv, datetime.now(UTC)) is None

        again = await asyncio.to_thread(run_cli, "forget", status.case_id, env=env)
        assert again.returncode == 1
        assert "Nothing is stored" in again.stderr


def test_forget_unknown_target_says_so(redis_url: str, key_prefix: str) -> None:
    env = {"REDIS_URL": redis_url, "BOT_KEY_PREFIX": key_prefix, "BOT_LOG_LEVEL": "warning"}
    result = run_cli("forget", "U" + "0" * 32, env=env)
    assert result.returncode == 1
    assert "nothing was deleted" in result.stderr
