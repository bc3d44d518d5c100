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


def test_a_picture_is_uploaded_and_read(agent: Agent, tmp_path: Path) -> None:
    """With a vision model (scripted here) the page offers a picture upload; the picture is
    shrunk, sent to the OpenAI-compatible endpoint, and its reading shown with the cards."""
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    from recpilot.llm.base import LLMRequest
    from recpilot.llm.scripted import FunctionLLM
    from recpilot.llm.vision import VisionReader
    from recpilot.server import ServerSettings, create_app

    seen: list[LLMRequest] = []

    def describe(request: LLMRequest) -> str:
        seen.append(request)
        return "a dark horror poster, a shadow in a doorway"

    settings = ServerSettings(
        allow_anonymous=True, anonymous_user="u9", mcp_http=False,
        keys_file=tmp_path / "keys.json", memory_url=f"sqlite:///{tmp_path / 'm.sqlite3'}",
    )  # fmt: skip
    picture = tmp_path / "poster.png"
    _write_png(picture, 800, 1200)
    app = create_app(settings, agent=agent, vision=VisionReader(FunctionLLM(describe)))
    with serve_in_thread(app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(base + "/")
        expect(page.locator("#attach")).to_be_visible(timeout=10_000)
        page.set_input_files("#picture", str(picture))
        expect(page.locator("#attached")).to_contain_text("poster.png")
        page.fill("#input", "something like this poster")
        page.press("#input", "Enter")
        cards = page.locator(".card")
        expect(cards.first).to_be_visible(timeout=15_000)
        expect(page.locator(".msg.bot .note").first).to_contain_text("a dark horror poster")
        assert all(
            "Horror" in cards.nth(k).locator(".labels").inner_text() for k in range(cards.count())
        )
        page.screenshot(path=str(tmp_path / "picture.png"), full_page=True)
        browser.close()
    (url,) = seen[0].messages[-1].images
    assert url.startswith("data:image/jpeg;base64,")  # shrunk by the page before sending
    assert len(url) < 64_000


def _write_png(path: Path, width: int, height: int) -> None:
    """A plain grey PNG (no image library needed)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )  # fmt: skip
