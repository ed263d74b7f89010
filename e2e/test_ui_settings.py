"""Settings in Chromium: tracking code, allowed domains, tokens created once and revoked."""

from __future__ import annotations

import urllib.error
import urllib.request

from playwright.sync_api import Browser, Dialog, expect

from e2e.harness import Portal
from e2e.ui_kit import Console, new_context, phone_pass, shoot, sign_in


def _api_status(portal: Portal, token: str) -> int:
    request = urllib.request.Request(portal.collector.url + "/events/v3/event-definitions",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_tokens_domains_and_tracking_code(browser: Browser, portal: Portal) -> None:
    context = new_context(browser)
    console = Console()
    page = console.watch(context.new_page())
    try:
        sign_in(page, portal, "/app/settings")
        tag = f'<script async src="{portal.collector.url}/js/{portal.portal_id}.js"></script>'
        expect(page.locator("#tracking-code")).to_have_text(tag)
        page.get_by_role("button", name="Copy tracking code").click()
        assert page.evaluate("navigator.clipboard.readText()") == tag
        shoot(page, "settings")

        page.get_by_label("Allowed domains").fill("shop.example\nnot a domain")
        page.get_by_role("button", name="Save tracking settings").click()
        expect(page.locator("#allowed_domains-error")).to_contain_text(
            "Allowed domains: “not a domain” must be a domain name")
        shoot(page, "settings-error")
        page.get_by_label("Allowed domains").fill("shop.example\nwww.blog.example")
        page.get_by_label("Cookieless").check()
        page.get_by_role("button", name="Save tracking settings").click()
        expect(page.get_by_text("Tracking settings saved.")).to_be_visible()
        saved = portal.call("GET", "/footfall/v1/tracking/settings")
        assert (saved["allowedDomains"], saved["cookieless"]) == (
            ["shop.example", "blog.example"], True)

        page.get_by_label("New token name").fill("Backend server")
        page.get_by_role("button", name="Create token").click()
        token = page.locator("#new-token").inner_text()
        assert token.startswith("ffpat-")
        shoot(page, "settings-token-created")
        assert _api_status(portal, token) == 200
        page.goto(portal.collector.url + "/app/settings")  # shown once: not on a new visit
        expect(page.locator("#new-token")).to_have_count(0)

        page.once("dialog", lambda dialog: dialog.accept())
        row = page.locator("tr", has_text="Backend server")
        row.get_by_role("button", name="Revoke token Backend server").click()
        expect(page.get_by_text("Token “Backend server” was revoked")).to_be_visible()
        expect(row).to_contain_text("Revoked")
        assert _api_status(portal, token) == 401
        assert _api_status(portal, portal.token) == 200
        phone_pass(browser, context, portal.collector.url, {"settings": "/app/settings"})
        assert console.errors == []
    finally:
        context.close()


def test_revoke_asks_first(browser: Browser, portal: Portal) -> None:
    context = new_context(browser)
    page = context.new_page()
    try:
        sign_in(page, portal, "/app/settings")
        page.get_by_label("New token name").fill("Keep me")
        page.get_by_role("button", name="Create token").click()
        seen: list[str] = []

        def dismiss(dialog: Dialog) -> None:
            seen.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", dismiss)
        page.get_by_role("button", name="Revoke token Keep me").click()
        assert len(seen) == 1
        assert "Keep me" in seen[0]
        expect(page.locator("tr", has_text="Keep me")).to_contain_text("Active")
    finally:
        context.close()
