"""Helpers for the management UI's browser tests: sign-in, screenshots at both widths, and
a watch for Content-Security-Policy violations and script errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    StorageState,
    ViewportSize,
    expect,
)

from e2e.harness import Portal

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass
class Console:
    """Console errors of a page: CSP violations and uncaught script errors fail the test."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error" and "Failed to load resource" not in message.text:
                self.errors.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        return page


def new_context(browser: Browser, viewport: ViewportSize = DESKTOP,
                storage_state: StorageState | None = None) -> BrowserContext:
    context = browser.new_context(viewport=viewport, storage_state=storage_state)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    return context


def shoot(page: Page, name: str) -> Path:
    """A full-page screenshot ``e2e/artifacts/ui-<name>-<width>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = ARTIFACTS / f"ui-{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, portal: Portal, start: str = "/app/events") -> None:
    page.goto(portal.collector.url + start)
    expect(page).to_have_url(re.compile(r"/app/login\?next="))
    page.get_by_label("Access token").fill(portal.token)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(portal.collector.url + start)


def phone_pass(browser: Browser, desktop: BrowserContext, base: str,
               pages: dict[str, str]) -> None:
    """Visit ``{name: path}`` at 390 px with the desktop session; screenshot each and check
    nothing is wider than the phone."""
    context = new_context(browser, PHONE, desktop.storage_state())
    console = Console()
    page = console.watch(context.new_page())
    try:
        for name, path in pages.items():
            page.goto(base + path)
            shoot(page, name)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width}px wide on a 390px phone"
            # A list stacks its rows on a phone: nothing of it scrolls out of sight.
            hidden = page.evaluate("""[...document.querySelectorAll('table.stacked')]
                .map(t => t.parentElement).filter(w => w.scrollWidth > w.clientWidth)
                .map(w => w.scrollWidth - w.clientWidth)""")
            assert hidden == [], f"{path}: a list scrolls sideways by {hidden}px on a phone"
        assert console.errors == []
    finally:
        context.close()
