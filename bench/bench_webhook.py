"""Webhook benchmark: Tsunagari's full pipeline against a bare floor, side by side, same run.

For each target, in separate processes (server, stand-in LINE API, load generator):
- throughput: N signed webhooks (one text event each, many people) sent with bounded
  concurrency; time until the stand-in LINE API has received every answer. The floor answers
  inline (verify + one reply); Tsunagari acks first and answers from its workers after screening
  and the dialog, with every guarantee on (dedupe, ordering, exactly-once, Redis persistence).
- ack latency at a fixed rate (open loop, 200 msg/s by default): the time from each request's
  scheduled send to its HTTP response, p50/p99, so a slow response cannot hide queueing delay.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from bench.table import percentile

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed_body(user: str, text: str) -> tuple[bytes, str]:
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "webhookEventId": "01" + uuid.uuid4().hex.upper()[:24],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "rt-" + uuid.uuid4().hex,
        "message": {"id": uuid.uuid4().hex[:10], "type": "text", "text": text, "quoteToken": "q"},
    }
    body = json.dumps({"destination": "Ubot", "events": [event]}, ensure_ascii=False).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return body, signature


# Everyday messages: greetings, small talk, asking for help without a crisis.
EVERYDAY = [
    "こんにちは",
    "話を聞いてほしい",
    "今日は少し疲れました",
    "ありがとう",
    "仕事のことで相談したいです",
    "よろしくお願いします",
]
# Each person's five messages build a pathway chain (失業 → 生活苦 → 多重債務 → うつ): every
# conversation escalates to a counselor. The heavy case.
PATHWAY = [
    "こんにちは",
    "仕事をクビになって家賃が払えません",
    "最近眠れなくてつらい",
    "借金の相談をしたいです",
    "毎日しんどい",
]
WORKLOADS = {"everyday": EVERYDAY, "pathway": PATHWAY}


def workload(
    n: int, people: int, tag: str, texts: Sequence[str] = EVERYDAY
) -> list[tuple[bytes, str]]:
    return [
        signed_body(f"U{tag}{i % people:05d}", texts[(i // people) % len(texts)]) for i in range(n)
    ]


class Proc:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.log = tempfile.NamedTemporaryFile(prefix="bench-", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


async def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(url)


async def sink_count(session: aiohttp.ClientSession, sink: str) -> int:
    async with session.get(sink + "/count") as response:
        data = await response.json()
    return int(data["reply"]) + int(data["push"])


async def throughput(
    target: str, sink: str, n: int, concurrency: int, tag: str, texts: Sequence[str] = EVERYDAY
) -> dict[str, float]:
    bodies = workload(n, people=max(1, n // 5), tag=tag, texts=texts)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        await session.post(sink + "/reset")
        semaphore = asyncio.Semaphore(concurrency)
        statuses: list[int] = []

        async def one(body: bytes, signature: str) -> None:
            async with (
                semaphore,
                session.post(
                    target + "/webhooks/line",
                    data=body,
                    headers={"Content-Type": "application/json", "X-Line-Signature": signature},
                ) as response,
            ):
                await response.read()
                statuses.append(response.status)

        started = time.perf_counter()
        await asyncio.gather(*(one(b, s) for b, s in bodies))
        acked = time.perf_counter() - started
        while await sink_count(session, sink) < n:
            if time.perf_counter() - started > 300:
                raise TimeoutError("answers did not all arrive")
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
    ok = sum(1 for s in statuses if s == 200)
    return {"throughput": n / elapsed, "acked_s": acked, "elapsed_s": elapsed, "ok": ok}


async def ack_latency(target: str, rate: float, seconds: float, tag: str) -> dict[str, float]:
    n = int(rate * seconds)
    bodies = workload(n, people=max(1, n // 4), tag=tag)
    latencies: list[float] = []
    errors = 0
    # The load generator's own garbage-collection pauses would show up as server latency.
    gc.collect()
    gc.disable()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.perf_counter() + 0.2

        async def one(i: int, body: bytes, signature: str) -> None:
            nonlocal errors
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                async with session.post(
                    target + "/webhooks/line",
                    data=body,
                    headers={"Content-Type": "application/json", "X-Line-Signature": signature},
                ) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
            latencies.append((time.perf_counter() - scheduled) * 1000)

        try:
            await asyncio.gather(*(one(i, b, s) for i, (b, s) in enumerate(bodies)))
        finally:
            gc.enable()
    return {
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
        "errors": errors,
        "n": n,
    }


def redis_url_for_bench() -> tuple[str, Any]:
    url = os.environ.get("REDIS_URL")
    if url:
        return url, None
    from bot.store.redis import EmbeddedRedis

    server = EmbeddedRedis(Path(tempfile.mkdtemp(prefix="bench-redis-")))
    server.start()
    return server.url, server


async def run_async(
    n: int = 2000, rate: float = 200.0, seconds: float = 10.0, concurrency: int = 64
) -> list[dict[str, object]]:
    sink_port = free_port()
    base_env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1"}
    sink = Proc([sys.executable, "-m", "bench.line_sink", str(sink_port)], base_env)
    sink_url = f"http://127.0.0.1:{sink_port}"
    redis_url, embedded = redis_url_for_bench()
    rows: list[dict[str, object]] = []
    prefixes: list[str] = []
    try:
        await wait_http(sink_url + "/count")
        results: dict[str, dict[str, Any]] = {}
        for name in ("floor", "tsunagari"):
            port = free_port()
            env = {
                **base_env,
                "LINE_CHANNEL_SECRET": SECRET,
                "LINE_CHANNEL_ACCESS_TOKEN": "bench",
                "LINE_API_BASE_URL": sink_url,
            }
            if name == "floor":
                args = [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "bench.floor_app:app",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ]
            else:
                prefixes.append(f"bench{uuid.uuid4().hex[:8]}")
                env |= {
                    "REDIS_URL": redis_url,
                    "BOT_KEY_PREFIX": prefixes[-1],
                    "BOT_LOG_LEVEL": "warning",
                    "BOT_RELOAD_INTERVAL_S": "0",
                    "BOT_REPLY_TOKEN_TTL_S": "600",
                }
                args = [
                    sys.executable,
                    "-m",
                    "bot",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ]
            proc = Proc(args, env)
            target = f"http://127.0.0.1:{port}"
            try:
                await wait_http(target + "/healthz")
                await throughput(target, sink_url, 200, concurrency, tag=f"w{name}")  # warm-up
                tps = {
                    kind: await throughput(
                        target, sink_url, n, concurrency, f"t{kind[0]}{name}", texts
                    )
                    for kind, texts in WORKLOADS.items()
                }
                lat = await ack_latency(target, rate, seconds, tag=f"l{name}")
                # let the answers of the latency run drain before the next target
                await asyncio.sleep(2)
                results[name] = {"tp": tps, "lat": lat}
            finally:
                proc.stop()
        for name in ("floor", "tsunagari"):
            lat = results[name]["lat"]
            for kind in WORKLOADS:
                tp = results[name]["tp"][kind]
                floor = results["floor"]["tp"][kind]["throughput"]
                rows.append(
                    {
                        "bench": "webhook",
                        "target": name,
                        "workload": kind,
                        "throughput_msgs_per_s": round(tp["throughput"], 1),
                        "vs_floor": round(tp["throughput"] / floor, 2),
                        "ack_p50_ms": round(lat["p50_ms"], 2),
                        "ack_p99_ms": round(lat["p99_ms"], 2),
                        "ack_max_ms": round(lat["max_ms"], 2),
                        "rate_msgs_per_s": rate,
                        "errors": int(lat["errors"]) + (n - int(tp["ok"])),
                    }
                )
    finally:
        sink.stop()
        if embedded is not None:
            embedded.stop()
        else:
            await forget_keys(redis_url, prefixes)
    return rows


async def forget_keys(redis_url: str, prefixes: Sequence[str]) -> None:
    """Delete what the runs stored in a shared Redis (each run has prefixes of its own)."""
    from bot.store.redis import make_client

    client = make_client(redis_url)
    try:
        for prefix in prefixes:
            batch: list[str] = []
            async for key in client.scan_iter(match=f"{prefix}:*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    await client.unlink(*batch)
                    batch = []
            if batch:
                await client.unlink(*batch)
    finally:
        await client.aclose()


def run() -> list[dict[str, object]]:
    return asyncio.run(run_async())


if __name__ == "__main__":
    from bench.table import print_table

    print_table(run())
