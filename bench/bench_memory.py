"""Memory: a worker process after 10,000 conversations, and Redis memory per conversation.

The service runs in this process (its lifespan, workers and the local channel; no HTTP), each
conversation is a person who opens the chat and writes two messages. Worker memory is the RSS
growth from after warm-up to after the last event; Redis memory is the sum of `MEMORY USAGE`
over this run's keys (its own key prefix) divided by the number of conversations, so it holds
on a shared Redis too.
"""

from __future__ import annotations

import asyncio
import gc
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "10000"))
TEXTS = ["こんにちは", "仕事のことで相談したいです", "最近眠れません", "話を聞いてほしい"]


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def _wait_idle(services: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await services.redis.xlen(services.keys.events_stream) == 0:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError("events still pending")


async def _measure() -> list[dict[str, object]]:
    from bot.app import create_app
    from bot.channels.base import EventKind
    from bot.channels.local import local_event
    from bot.settings import Settings

    data_dir = Path(tempfile.mkdtemp(prefix="bench-mem-"))
    values: dict[str, Any] = {
        "BOT_KEY_PREFIX": f"mem{uuid.uuid4().hex[:8]}",
        "BOT_DATA_DIR": str(data_dir),
        "BOT_DEV_CHAT": True,
        "BOT_LOG_LEVEL": "warning",
        "BOT_RELOAD_INTERVAL_S": 0,
    }
    if os.environ.get("REDIS_URL"):
        values["REDIS_URL"] = os.environ["REDIS_URL"]
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    app = create_app(settings)
    services = app.state.services
    rows: list[dict[str, object]] = []
    async with app.router.lifespan_context(app):
        intake = services.intake

        async def person(i: int) -> None:
            session = f"mem-{i:08d}"
            await intake.submit([local_event(session, EventKind.FOLLOW)])
            for n in range(2):
                await intake.submit(
                    [local_event(session, EventKind.TEXT, text=TEXTS[(i + n) % len(TEXTS)])]
                )

        # warm-up: the screener, dialog and connections reach their steady size
        await asyncio.gather(*(person(i) for i in range(200)))
        await _wait_idle(services, 120)
        gc.collect()
        before = rss_mib()
        started = time.perf_counter()
        batch = 500
        for start in range(200, 200 + CONVERSATIONS, batch):
            await asyncio.gather(
                *(person(i) for i in range(start, min(start + batch, 200 + CONVERSATIONS)))
            )
            while await services.redis.xlen(services.keys.events_stream) > 3000:
                await asyncio.sleep(0.1)
        await _wait_idle(services, 600)
        elapsed = time.perf_counter() - started
        gc.collect()
        after = rss_mib()

        total = 0
        keys = 0
        async for key in services.redis.scan_iter(match=f"{settings.bot_key_prefix}:*", count=1000):
            usage = await services.redis.memory_usage(key)
            total += int(usage or 0)
            keys += 1
        conversations = CONVERSATIONS + 200
        rows.append(
            {
                "bench": "memory",
                "conversations": CONVERSATIONS,
                "events": CONVERSATIONS * 3,
                "events_per_s": round(CONVERSATIONS * 3 / elapsed, 1),
                "worker_rss_mib_after_warmup": round(before, 1),
                "worker_rss_mib_after": round(after, 1),
                "worker_growth_kib_per_conv": round((after - before) * 1024 / CONVERSATIONS, 2),
                "redis_bytes_per_conv": round(total / conversations),
                "redis_keys_per_conv": round(keys / conversations, 2),
            }
        )
        # clean up this run's keys
        async for key in services.redis.scan_iter(match=f"{settings.bot_key_prefix}:*", count=1000):
            await services.redis.delete(key)
    return rows


def run() -> list[dict[str, object]]:
    return asyncio.run(_measure())


if __name__ == "__main__":
    from bench.table import print_table

    print_table(run())
