"""Touchpoint classification and user-agent enrichment."""

from __future__ import annotations

import pytest

from collector.enrich import page
from collector.enrich.page import page_properties
from collector.enrich.useragent import parse_agent


@pytest.mark.parametrize(("url", "referrer", "expected"), [
    ("https://s.example/", "", "DIRECT_TRAFFIC"),
    ("https://s.example/b", "https://s.example/a", "DIRECT_TRAFFIC"),
    ("https://s.example/", "https://www.google.de/", "ORGANIC_SEARCH"),
    ("https://s.example/", "https://duckduckgo.com/", "ORGANIC_SEARCH"),
    ("https://s.example/", "https://t.co/abc", "SOCIAL_MEDIA"),
    ("https://s.example/", "https://www.linkedin.com/feed", "SOCIAL_MEDIA"),
    ("https://s.example/", "https://mail.google.com/", "EMAIL_MARKETING"),
    ("https://s.example/", "https://blog.other.example/", "REFERRALS"),
    ("https://s.example/", "https://docs.google.com/document/d/1", "REFERRALS"),
    ("https://s.example/", "https://www.google.co.uk/", "ORGANIC_SEARCH"),
    ("https://s.example/", "android-app://com.google.android.googlequicksearchbox/",
     "ORGANIC_SEARCH"),
    ("https://s.example/", "android-app://com.google.android.gm/", "EMAIL_MARKETING"),
    ("https://s.example/", "https://de.pinterest.com/pin/1", "SOCIAL_MEDIA"),
    ("https://s.example/", "https://pinterest.de/", "SOCIAL_MEDIA"),
    ("https://s.example/?utm_medium=cpc&utm_source=google", "https://www.google.com/", "PAID_SEARCH"),
    ("https://s.example/?gclid=x", "", "PAID_SEARCH"),
    ("https://s.example/?utm_medium=cpc&utm_source=facebook", "", "PAID_SOCIAL"),
    ("https://s.example/?utm_medium=email", "", "EMAIL_MARKETING"),
    ("https://s.example/?utm_medium=social", "", "SOCIAL_MEDIA"),
    ("https://s.example/?utm_campaign=spring", "", "OTHER_CAMPAIGNS"),
], ids=lambda v: v if isinstance(v, str) and v.isupper() else None)
def test_touchpoint_source(url: str, referrer: str, expected: str) -> None:
    assert page_properties(url, "", referrer, "", (None, None)).properties["hs_touchpoint_source"] == expected


def test_utm_parameters_become_properties() -> None:
    props = page_properties("https://s.example/?utm_source=a&utm_term=b%20c", "", "", "",
                            (None, None)).properties
    assert props["hs_utm_source"] == "a"
    assert props["hs_utm_term"] == "b c"


def test_page_urls_are_cached_only_when_short() -> None:
    short = "https://s.example/cached?utm_source=a"
    long = "https://s.example/" + "x" * page.CACHED_LENGTH + "?utm_source=b&utm_medium=email"
    before = page._page_url.cached.cache_info()
    first = page_properties(short, "", "", "", (None, None))
    assert page_properties(short, "", "", "", (None, None)) == first
    props = page_properties(long, "", "https://www.google.com/", "", (None, None)).properties
    after = page._page_url.cached.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)  # short only
    assert props["hs_utm_source"] == "b"
    assert props["hs_touchpoint_source"] == "EMAIL_MARKETING"


@pytest.mark.parametrize(("sent", "stored"), [
    ("https://s.example/mistakes.html?footfall_debug=1", "https://s.example/mistakes.html"),
    ("https://s.example/p?a=1&footfall_debug=1&b=%20x#frag?footfall_debug=1",
     "https://s.example/p?a=1&b=%20x#frag"),  # a hash route's query too
    ("https://s.example/p?footfall_debug=0&Q=1;x&footfall_debug", "https://s.example/p?Q=1;x"),
    ("https://s.example/p?footfall_debug=1#top", "https://s.example/p#top"),
    ("https://s.example/p?footfall_debugger=1&x_footfall_debug=1",
     "https://s.example/p?footfall_debugger=1&x_footfall_debug=1"),  # other parameters
    ("https://s.example/footfall_debug/?a=b+c#footfall_debug_x=1",
     "https://s.example/footfall_debug/?a=b+c#footfall_debug_x=1"),
    ("not a url ?footfall_debug=1&é=ü", "not a url ?é=ü"),
    # README: debug mode is on with footfall_debug=1 in the query or the hash.
    ("https://s.example/p#footfall_debug=1", "https://s.example/p"),
    ("https://s.example/p?a=1#x=2&footfall_debug=1", "https://s.example/p?a=1#x=2"),
    ("https://s.example/p#/pricing?footfall_debug=1&tab=2", "https://s.example/p#/pricing?tab=2"),
    ("https://s.example/p#section-footfall_debug", "https://s.example/p#section-footfall_debug"),
], ids=["only", "middle", "any-value", "fragment", "similar", "elsewhere", "text", "hash",
        "hash-params", "hash-route", "hash-anchor"])
def test_the_debug_switch_leaves_page_url_and_referrer(sent: str, stored: str) -> None:
    props = page_properties(sent, "", sent, "", (None, None)).properties
    assert (props["hs_page_url"], props["hs_referrer"]) == (stored, stored)


def test_urls_without_the_debug_switch_are_returned_as_they_are() -> None:
    url = "https://s.example/p?a=1&&b=#x"
    assert page.without_debug_parameter(url) is url


@pytest.mark.parametrize(("agent", "crawler", "headless"), [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
     " Chrome/126.0 Safari/537.36", False, False),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
     " HeadlessChrome/126.0 Safari/537.36", False, True),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", True, False),
    ("Go-http-client/1.1", True, False),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", True, False),
    ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", True, False),
    ("TelegramBot (like TwitterBot)", True, False),
    ("ApacheBench/2.3", True, False),
    ("Ruby", True, False),
    # A phone whose model name holds "bot" is no bot.
    ("Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko)"
     " Chrome/120.0.0.0 Mobile Safari/537.36", False, False),
    ("Mozilla/5.0 (Linux; Android 12; Galaxy Tab/S8) AppleWebKit/537.36 (KHTML, like Gecko)"
     " Chrome/120.0.0.0 Safari/537.36", False, False),
    ("", True, False),
])
def test_bot_detection(agent: str, crawler: bool, headless: bool) -> None:
    parsed = parse_agent(agent)
    assert (parsed.crawler, parsed.headless) == (crawler, headless)
    assert parsed.is_bot(webdriver=False, allow_headless=True) == crawler
    assert parsed.is_bot(webdriver=True, allow_headless=False) is True


def test_agent_parsing_is_cached() -> None:
    agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1"
    assert parse_agent(agent) is parse_agent(agent)
    assert parse_agent(agent).properties["hs_device_type"] == "mobile"
