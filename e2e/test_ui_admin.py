"""The administrator's sign-in in Chromium: password, portal picker, switching portals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from e2e.harness import Collector, create_portal
from e2e.ui_kit import Console, new_context, phone_pass, shoot

PASSWORD = "e2e admin password"


@pytest.fixture(scope="module")
def admin_collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    tmp = tmp_path_factory.mktemp("admin")
    server = Collector(str(tmp / "footfall.db"), tmp / "collector.log",
                       env={"FOOTFALL_ADMIN_PASSWORD": PASSWORD})
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_admin_picks_and_switches_portals(browser: Browser, admin_collector: Collector) -> None:
    create_portal(admin_collector.database, "Bakery")
    create_portal(admin_collector.database, "Bike <shop>")
    context = new_context(browser)
    console = Console()
    page = console.watch(context.new_page())
    base = admin_collector.url
    try:
        page.goto(base + "/app/login")
        page.get_by_label("Administrator password").fill("wrong")
        page.get_by_role("button", name="Sign in as administrator").click()
        expect(page.locator("#password-error")).to_contain_text("wrong password")
        page.get_by_label("Administrator password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in as administrator").click()
        expect(page).to_have_url(base + "/app/portals")
        expect(page.get_by_text("Bike <shop>")).to_be_visible()
        shoot(page, "portals")
        page.get_by_role("button", name="Open Bakery").click()
        expect(page.get_by_text("Opened portal Bakery.")).to_be_visible()
        expect(page.locator(".portal-name")).to_contain_text("Bakery")
        page.get_by_role("link", name="Switch portal").click()
        page.get_by_role("button", name="Open Bike <shop>").click()
        expect(page.locator(".portal-name")).to_contain_text("Bike <shop>")
        phone_pass(browser, context, base, {"portals": "/app/portals"})
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(base + "/app/login")
        assert console.errors == []
    finally:
        context.close()
