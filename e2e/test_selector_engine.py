"""The selector engine and URL rules (visualizer/static), pure functions run in Chromium on
the realistic fixture page, without a collector."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from collector.autotrack.rules import url_matches
from e2e.harness import PAGES
from visualizer.bundle import part


@pytest.fixture(scope="module")
def shop(browser: Browser) -> Iterator[Page]:
    """One page for the module (the functions under test only read the DOM): the realistic
    fixture page without its tracking tag, plus the engine."""
    context = browser.new_context()
    page = context.new_page()
    html = (PAGES / "shop.html").read_text("utf-8")
    page.set_content(re.sub(r"<script async src=[^>]*></script>", "", html))
    page.add_script_tag(content=part("visualizer", "selector.js"))
    page.add_script_tag(content=part("visualizer", "urlrule.js"))
    yield page
    context.close()


def run(page: Page, script: str, arg: Any = None) -> Any:
    return page.evaluate(script, arg)


@pytest.mark.parametrize(("target", "selector"), [
    (".hero-cta svg path", '[data-track="hero-signup"]'),   # data-track first, from the icon
    ('[data-plan="pro"] span', '[data-plan="pro"]'),          # any unique data-*
    ("#send", "#send"),                                     # id over generated classes
    ("input[type=password]", '[name="password"]'),
])
def test_generate_prefers_stable_hooks(shop: Page, target: str, selector: str) -> None:
    found = run(shop, "t => ffsGenerate(ffsActionable(document.querySelector(t)))", target)
    assert found == {"selector": selector, "count": 1}


def test_generate_falls_back_to_a_verified_positional_path(shop: Page) -> None:
    found = run(shop, "() => { const el = document.querySelectorAll('.nav-link')[1];"
                      " const r = ffsGenerate(el); return [r, document.querySelector(r.selector) === el,"
                      " ffsWarnings(r.selector)]; }")
    result, same, warnings = found
    assert result["count"] == 1
    assert same is True
    assert ":nth-child(" in result["selector"]
    assert "css-1x2y3z" not in result["selector"]
    assert warnings == ["positional"]


def test_actionable_ancestor(shop: Page) -> None:
    assert run(shop, "() => ffsActionable(document.querySelector('.hero-cta path')).className") \
        == "hero-cta css-7hg2k1"
    assert run(shop, "() => ffsActionable(document.querySelector('.card h3')).tagName") == "H3"


def test_widen_and_narrow(shop: Page) -> None:
    widened = run(shop, "() => ffsWiden(document.querySelector('[data-plan=basic]'))")
    assert widened == {"selector": "a.card-cta", "count": 3}
    narrowed = run(shop, "() => ffsNarrow('a.card-cta', document.querySelector('[data-plan=team]'))")
    assert narrowed == {"selector": '[data-plan="team"]', "count": 1}


def test_generate_inside_a_shadow_root(shop: Page) -> None:
    found = run(shop, "() => { const root = document.querySelector('shop-widget').shadowRoot;"
                      " const r = ffsGenerate(ffsActionable(root.querySelector('span')));"
                      " return [r, root.querySelector(r.selector).tagName]; }")
    assert found == [{"selector": "button.widget-buy", "count": 1}, "BUTTON"]


@pytest.mark.parametrize(("selector", "warnings"), [
    ("div", ["broad"]),
    (".css-1x2y3z", ["generated"]),
    (".sc-bdVaJa", ["generated"]),
    ("#plans div:nth-child(2)", ["positional"]),
    ("[[", ["invalid"]),
    (".does-not-exist", ["none"]),
    ('[data-track="hero-signup"]', []),
])
def test_quality_warnings(shop: Page, selector: str, warnings: list[str]) -> None:
    assert run(shop, "s => ffsWarnings(s)", selector) == warnings


GENERATED = ["css-1x2y3z", "sc-bdVaJa", "Button_root__3xYz1", "x1y2z3"]
MEANINGFUL = ["card", "btn-primary", "nav-link", "button2", "hero-cta"]


def test_generated_class_names(shop: Page) -> None:
    verdicts = run(shop, "names => names.map(ffsGeneratedClass)", GENERATED + MEANINGFUL)
    assert dict(zip(GENERATED + MEANINGFUL, verdicts, strict=True)) == {
        **dict.fromkeys(GENERATED, True), **dict.fromkeys(MEANINGFUL, False)}


RULES = [
    ({"operator": "REGEX", "on": "PATH", "value": r"^/docs/\d+$"}, "https://a.example/docs/42?x=1", True),
    ({"operator": "REGEX", "on": "PATH", "value": r"^/docs/\d+$"}, "https://a.example/docs/x", False),
    ({"operator": "EQ", "on": "DOMAIN", "value": "a.example"}, "https://a.example/p", True),
    ({"operator": "EQ", "on": "DOMAIN", "value": "example"}, "https://a.example/p", False),
    ({"operator": "STARTS_WITH", "on": "BASE_URL", "value": "https://a.example/p"},
     "https://a.example/pricing?q=1", True),
    ({"operator": "EQ", "on": "BASE_URL", "value": "https://a.example/p"}, "https://a.example/p?q", True),
    ({"operator": "CONTAINS", "on": "URL", "value": "utm_source"}, "https://a.example/?utm_source=x", True),
    ({"operator": "EQ", "on": "PATH", "value": "/"}, "https://a.example", True),
    # HubSpot's forms (seed 001): base URL without protocol or query, domain without www.
    ({"operator": "EQ", "on": "BASE_URL", "value": "www.a.example:8080/search"},
     "http://www.a.example:8080/search?q=1", True),
    ({"operator": "EQ", "on": "BASE_URL", "value": "http://www.a.example:8080/search"},
     "http://www.a.example:8080/search?q=1", True),
    ({"operator": "EQ", "on": "BASE_URL", "value": "a.example:8080/search"},
     "http://www.a.example:8080/search", False),
    ({"operator": "EQ", "on": "DOMAIN", "value": "a.example"}, "https://www.a.example/p", True),
    ({"operator": "EQ", "on": "DOMAIN", "value": "www.a.example"}, "https://www.a.example/p", True),
    ({"operator": "REGEX", "on": "DOMAIN", "value": "^a\\.example$"}, "https://www.a.example/", True),
    ({"operator": "EQ", "on": "DOMAIN", "value": "shop.a.example"}, "https://www.a.example/", False),
]


def test_url_rules_match_the_python_rules(shop: Page) -> None:
    browser = run(shop, "rules => rules.map(([r, u]) => ffUrlMatches(r, u))",
                  [[rule, url] for rule, url, _ in RULES])
    python = [url_matches(rule, url) for rule, url, _ in RULES]
    assert browser == python == [expected for _, _, expected in RULES]
    assert run(shop, "() => ffUrlMatches({operator: 'REGEX', on: 'URL', value: '(['}, location.href)") \
        is False
