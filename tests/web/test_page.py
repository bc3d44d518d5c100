"""The web chat page in headless Chromium (Playwright for Python, Debian's /usr/bin/chromium):
send a message, see item cards, click like, reload and see the session restored."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from recpilot.agent.agent import Agent
from recpilot.server.testing import serve_in_thread

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _require_browser() -> None:
    missing = not Path(CHROMIUM).is_file()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = True
    if missing:
        if os.environ.get("RECPILOT_REQUIRE_BROWSER") == "1":
            pytest.fail(
                f"{CHROMIUM} or playwright missing and RECPILOT_REQUIRE_BROWSER=1; run scripts/ci_browser.sh"
            )
        pytest.skip(f"{CHROMIUM} or playwright is missing; install with scripts/ci_browser.sh")


def test_chat_cards_like_and_restore(
    make_app: Callable[..., FastAPI], agent: Agent, tmp_path: Path
) -> None:
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    app = make_app(allow_anonymous=True, anonymous_user="u9")
    with serve_in_thread(app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(base + "/")
        page.fill("#input", "some horror from the 90s")
        page.press("#input", "Enter")
        cards = page.locator(".card")
        expect(cards.first).to_be_visible(timeout=15_000)
        count = cards.count()
        assert count >= 1
        titles = agent.catalog.titles()
        ids = [cards.nth(k).get_attribute("data-item-id") for k in range(count)]
        for k, item_id in enumerate(ids):
            assert (
                item_id in titles and cards.nth(k).locator(".title").inner_text() == titles[item_id]
            )
            assert "Horror" in cards.nth(k).locator(".labels").inner_text()
            year = int(cards.nth(k).locator(".time").inner_text())
            assert 1990 <= year <= 1999
        bubble = page.locator(".msg.bot .bubble").first
        assert titles[ids[0]] in bubble.inner_text()  # the streamed reply names the items
        page.locator("details.trace summary").first.click()
        expect(page.locator(".step .tool").first).to_be_visible()
        like = cards.first.locator("button.like")
        like.click()
        expect(like).to_have_class("fb like active")
        page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)

        page.reload()
        restored = page.locator(".card")
        expect(restored.first).to_be_visible(timeout=10_000)
        assert page.locator(".msg.user .bubble").first.inner_text() == "some horror from the 90s"
        assert restored.first.get_attribute("data-item-id") == ids[0]
        expect(restored.first.locator("button.like")).to_have_class("fb like active")
        page.screenshot(path=str(tmp_path / "restored.png"), full_page=True)

        page.click("#new-session")
        assert page.locator(".card").count() == 0
        browser.close()
    if out := os.environ.get("RECPILOT_SCREENSHOT_DIR"):
        for name in ("chat.png", "restored.png"):
            shutil.copy(tmp_path / name, Path(out) / name)
