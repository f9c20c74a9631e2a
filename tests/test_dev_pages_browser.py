"""The dev pages in a real browser under their Content-Security-Policy: a person writes in
/dev/chat and gets the hotline, a counselor claims the case in /dev/console, the browser reports
no policy violation or script error, and neither page can be framed.

Playwright for Python drives Debian's Chromium (/usr/bin/chromium; `.ci/run` installs it where it
is missing). Nothing is downloaded: Playwright's own browsers are never used.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import RunningApp, make_settings, running_app

CHROMIUM = os.environ.get("TSUNAGARI_CHROMIUM", "/usr/bin/chromium")
# As this machine's documentation asks: no sandbox as root, and no background connections to
# hosts the closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None,
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)",
    ),
]


@pytest.fixture
async def dev_app(redis_url: str, key_prefix: str) -> AsyncIterator[RunningApp]:
    settings = make_settings(redis_url, key_prefix, BOT_DEV_CHAT=True)
    async with running_app(settings) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def test_chat_and_console_work_under_the_policy(
    dev_app: RunningApp, browser: object, tmp_path: Path
) -> None:
    from playwright.async_api import Browser, ConsoleMessage, expect

    assert isinstance(browser, Browser)
    context = await browser.new_context(locale="ja-JP", viewport={"width": 900, "height": 900})
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            problems.append(f"console {message.type}: {message.text}")

    context.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    chat = await context.new_page()
    chat.on("console", on_console)
    chat.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    await chat.goto(dev_app.base_url + "/dev/chat")
    # the first-contact greeting arrives by itself (the page starts a session: script ran)
    await expect(chat.locator(".msg.bot").first).to_be_visible(timeout=20_000)
    await chat.locator("#text").fill("もう死にたい")
    await chat.locator("#text").press("Enter")
    await expect(chat.locator(".msg.person", has_text="もう死にたい")).to_be_visible()
    await expect(chat.locator(".msg.bot", has_text="0120-279-338")).to_be_visible(timeout=20_000)
    # the stylesheet applied: the person's bubbles are on the right, in LINE green
    color = await chat.locator(".msg.person .bubble").first.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert color == "rgb(141, 224, 139)"
    await chat.screenshot(path=str(tmp_path / "chat.png"))

    console = await context.new_page()
    console.on("console", on_console)
    console.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    await console.goto(dev_app.base_url + "/dev/console")
    await console.locator("#counselor").fill("相談員A")
    await console.locator("#counselor").dispatch_event("change")
    claim = console.locator("#queue button", has_text="担当する").first
    await expect(claim).to_be_visible(timeout=20_000)
    await claim.click()
    await expect(console.locator("#claimed button", has_text="対応終了").first).to_be_visible(
        timeout=20_000
    )
    await console.screenshot(path=str(tmp_path / "console.png"), full_page=True)
    # the person is told a counselor has joined (dialogs/counselor.yaml, claimed)
    joined = chat.locator(".msg.bot", has_text="つながりました")
    await expect(joined).to_have_count(1, timeout=20_000)

    assert problems == []
    if os.environ.get("TSUNAGARI_SCREENSHOTS"):
        target = Path(os.environ["TSUNAGARI_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        for name in ("chat.png", "console.png"):
            shutil.copy(tmp_path / name, target / name)
    await context.close()


async def test_pages_cannot_be_framed(dev_app: RunningApp, browser: object) -> None:
    from playwright.async_api import Browser

    assert isinstance(browser, Browser)
    for page_path, ours in (("/dev/chat", "#log"), ("/dev/console", "#queue")):
        page = await browser.new_page()
        blocked: list[str] = []
        page.on("console", lambda m, seen=blocked: seen.append(m.text))
        await page.set_content(f'<iframe id="f" src="{dev_app.base_url}{page_path}"></iframe>')
        await page.wait_for_timeout(1500)
        framed = page.frames[1]
        assert not framed.url.startswith(dev_app.base_url), framed.url  # the browser's error page
        assert await framed.locator(ours).count() == 0
        assert any("frame-ancestors" in m for m in blocked), blocked  # the browser names it
        await page.close()
