"""Helpers for the tracker's browser tests: waiting for acknowledged hits, reading the
unsent queues the tracker keeps in localStorage."""

from __future__ import annotations

from playwright.sync_api import Page, Response

from e2e.harness import PageServer, Portal


def collected(response: Response) -> bool:
    return "/collect" in response.url and response.request.method == "POST" and response.status == 204


def open_page(page: Page, portal: Portal, pages: PageServer, name: str = "page.html",
              query: str = "") -> None:
    """Open a fixture page and wait until the collector acknowledged its first hits."""
    with page.expect_response(collected):
        page.goto(portal.page_url(pages, name, query))


def saved(portal: Portal) -> str:
    """A script giving the unsent queues kept in localStorage: one per page (tab), each
    under its own key ending in ``_ffq<portal>``, as JSON text."""
    return (f"Object.keys(localStorage).filter(k => k.endsWith('_ffq{portal.portal_id}'))"
            ".map(k => localStorage[k])")


def push(page: Page, command: str) -> None:
    with page.expect_response(collected):
        page.evaluate(f"window._hsq.push({command})")
