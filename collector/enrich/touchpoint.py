"""``hs_touchpoint_source`` (SPEC section 6): from the page URL's UTM and click-id parameters
when it has them (``campaign_source``), else from where the visit came (``referral_source``)."""

from __future__ import annotations

from collections.abc import Mapping

# A pattern ending in "." is a domain under any suffix (google.de, google.co.uk) and matches
# only at the start of the host: docs.google.com is no search engine. Others match the
# domain and its subdomains. Android apps send android-app://<package> as the referrer.
_SEARCH = ("google.", "bing.com", "duckduckgo.com", "search.yahoo.", "yahoo.com", "baidu.com",
           "yandex.", "ecosia.org", "search.brave.com", "qwant.com", "startpage.com", "naver.com",
           "com.google.android.googlequicksearchbox")
_SOCIAL = ("facebook.com", "fb.com", "instagram.com", "t.co", "twitter.com", "x.com",
           "linkedin.com", "lnkd.in", "pinterest.", "pinterest.com", "reddit.com", "youtube.com",
           "tiktok.com", "snapchat.com", "threads.net", "mastodon.social", "bsky.app", "xing.com", "vk.com")
_MAIL = ("mail.google.com", "outlook.live.com", "outlook.office.com", "mail.yahoo.com",
         "webmail.", "mail.", "com.google.android.gm", "com.microsoft.office.outlook")
_PAID = frozenset({"cpc", "ppc", "paid", "paidsearch", "paid_search", "sem", "cpm", "display",
                   "paid-search"})
_PAID_SOCIAL = frozenset({"paid_social", "paidsocial", "paid-social", "social_paid", "social-paid"})
_SOCIAL_MEDIUMS = frozenset({"social", "social-network", "social_network", "social-media",
                             "social_media", "sm"})
_EMAIL_MEDIUMS = frozenset({"email", "e-mail", "e_mail", "newsletter"})


def _host_matches(host: str, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        if pattern.endswith("."):
            if host.startswith(pattern):
                return True
        elif host == pattern or host.endswith("." + pattern):
            return True
    return False


def same_site(referrer_host: str, page_host: str) -> bool:
    """Whether the referrer is a page of the site itself (``www.`` or not)."""
    host = referrer_host.lower().removeprefix("www.")
    return bool(host) and host == page_host.lower().removeprefix("www.")


def referral_source(referrer_host: str, page_host: str) -> str:
    """The touchpoint of a visit without campaign parameters, from where it came (an
    internal page: DIRECT_TRAFFIC, which the writer replaces by the visit's own source,
    see ``collector.storage.sessions``)."""
    host = referrer_host.lower().removeprefix("www.")
    if not host or same_site(host, page_host):
        return "DIRECT_TRAFFIC"
    if _host_matches(host, _MAIL):
        return "EMAIL_MARKETING"
    if _host_matches(host, _SEARCH):
        return "ORGANIC_SEARCH"
    if _host_matches(host, _SOCIAL):
        return "SOCIAL_MEDIA"
    return "REFERRALS"


def campaign_source(query: Mapping[str, str]) -> str | None:
    """The touchpoint a page URL's UTM and click-id parameters name, if any."""
    medium = query.get("utm_medium", "").strip().lower()
    source = query.get("utm_source", "").strip().lower()
    social = _host_matches(source, _SOCIAL) or source in ("facebook", "instagram", "linkedin",
                                                          "twitter", "x", "tiktok", "pinterest")
    if medium in _PAID_SOCIAL or (medium in _PAID and social):
        return "PAID_SOCIAL"
    if medium in _PAID or "gclid" in query or "msclkid" in query:
        return "PAID_SEARCH"
    if medium in _EMAIL_MEDIUMS:
        return "EMAIL_MARKETING"
    if medium in _SOCIAL_MEDIUMS or "fbclid" in query:
        return "SOCIAL_MEDIA"
    if any(key.startswith("utm_") for key in query):
        return "OTHER_CAMPAIGNS"
    return None
