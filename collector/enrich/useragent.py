"""User-agent enrichment (``user-agents``) behind an LRU cache, and bot detection.

Bots are crawlers (as ``user-agents`` flags them), HTTP libraries and command-line clients,
and headless/automated browsers. Automated browsers are visitors only when the deployment
sets ``FOOTFALL_ALLOW_HEADLESS`` (``Settings.allow_headless``) — an explicit switch for
end-to-end tests such as Playwright's HeadlessChrome, which also sets ``navigator.webdriver``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import user_agents

# Tokens of HTTP libraries, load tools and crawlers. "bot" counts only as a crawler's name
# ends (Googlebot/2.1, AhrefsBot;, Slackbot-, TwitterBot)) or as a word, never inside a
# device name (a CUBOT phone); a "+http" contact link is the crawlers' own convention.
_HTTP_LIBRARIES = re.compile(
    r"curl|wget|python-requests|python-urllib|httpx|aiohttp|go-http-client|okhttp|java/|"
    r"apache-httpclient|libwww-perl|node-fetch|axios|undici|scrapy|httpie|postman|insomnia|"
    r"guzzlehttp|^ruby\b|php/|dart:io|\bwrk\b|apachebench|k6/|jmeter|crawl|spider|slurp|"
    r"facebookexternalhit|bot(?:[/;)@_+-]|$)|\bbot\b|\+https?://",
    re.IGNORECASE)
_HEADLESS = re.compile(r"headless|phantomjs|puppeteer|playwright|selenium|electron|lighthouse",
                       re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Agent:
    properties: dict[str, str]
    crawler: bool  # crawlers and HTTP libraries: always bots
    headless: bool  # automated browsers: bots unless the deployment allows them

    def is_bot(self, *, webdriver: bool, allow_headless: bool) -> bool:
        if self.crawler:
            return True
        return (self.headless or webdriver) and not allow_headless


@lru_cache(maxsize=4096)
def parse_agent(header: str) -> Agent:
    """The ``hs_*`` properties and bot flags of a User-Agent header (cached: few distinct)."""
    if not header.strip():
        return Agent({}, crawler=True, headless=False)
    ua = user_agents.parse(header)
    props = {
        "hs_browser": ua.browser.family,
        "hs_operating_system": ua.os.family,
        "hs_operating_version": ua.os.version_string,
        "hs_device_type": _device_type(ua),
        "hs_user_agent": header,
    }
    headless = bool(_HEADLESS.search(header))
    crawler = bool(ua.is_bot) or (not headless and bool(_HTTP_LIBRARIES.search(header)))
    return Agent({k: v for k, v in props.items() if v}, crawler, headless)


def _device_type(ua: user_agents.parsers.UserAgent) -> str:
    if ua.is_bot:
        return "bot"
    if ua.is_tablet:
        return "tablet"
    if ua.is_mobile:
        return "mobile"
    return "computer" if ua.is_pc else "other"
