"""Ctrl-C on `make run` stops the service in about a second, with no error lines, and the
embedded Redis stops last.

Ctrl-C makes the terminal send SIGINT to its whole foreground process group: make, the service,
and (until it got a session of its own) the embedded redis-server, which then died first; the
service logged ConnectionErrors while it drained and took about 14 s to stop. The test does what
the terminal does: `make run` in a process group of its own, then SIGINT to the group.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.harness import ROOT, free_port, listening_addresses

pytestmark = pytest.mark.slow

BOUND_S = 10.0  # generous: it takes about 1 s here; before the fix, 14-19 s


async def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(trust_env=False) as client:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "make run exited early"
            try:
                if (await client.get(url + "/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError("make run did not become ready")


async def test_ctrl_c_on_make_run_stops_quickly_and_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "BOT_DATA_DIR": str(tmp_path / "var"),
        "BOT_LOG_FORMAT": "json",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    for name in ("REDIS_URL", "HOST", "MAKEFLAGS", "MAKELEVEL", "LINE_CHANNEL_SECRET"):
        env.pop(name, None)  # make run as a new user runs it: embedded store, no credentials
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, proc)
        assert listening_addresses(port) == {"127.0.0.1"}
        async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=10) as client:
            session = {"session": "sigint-test-1"}
            assert (await client.post("/dev/chat/api/start", json=session)).status_code == 200
            sent = await client.post("/dev/chat/api/send", json={**session, "text": "こんにちは"})
            assert sent.status_code == 200
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # the worker answered: the service is in use
                got = await client.get("/dev/chat/api/messages", params={**session, "after": 0})
                if sum(m["role"] == "bot" for m in got.json()["messages"]) >= 2:
                    break
                await asyncio.sleep(0.1)
        started = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        output, _ = await asyncio.to_thread(proc.communicate, timeout=60)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = output.decode(errors="replace")
    print(f"\nmake run stopped {took:.2f} s after SIGINT")
    assert took < BOUND_S, (took, text[-3000:])
    # make reports nothing (no "*** [run] Interrupt": the service exited 0) and no error lines
    assert "Interrupt" not in text and "Traceback" not in text and "Error" not in text, text
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    levels = {r["level"] for r in records}
    assert levels <= {"info", "debug"}, [r for r in records if r["level"] not in ("info", "debug")]
    events = [r["event"] for r in records]
    assert events.index("store.embedded.stopped") > events.index("service.started")
    assert events[-1] == "service.stopped"
    assert events.index("store.embedded.stopped") == len(events) - 2  # the store stops last
    redis_pid = next(r["pid"] for r in records if r["event"] == "store.embedded.started")
    for _ in range(50):
        if not Path(f"/proc/{redis_pid}").exists():
            break
        await asyncio.sleep(0.1)
    assert not Path(f"/proc/{redis_pid}").exists(), "the embedded redis-server outlived make run"
