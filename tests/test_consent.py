"""Consent-based identity (SPEC 12.9): the ``consent`` tracking setting, the consent module
served with the tracking script, and the collector's rule that a hit without the visitor
token carries no identity in a consent mode. The module's behaviour in a browser is proven
in e2e/test_consent.py."""

from __future__ import annotations

import gzip
import json

import pytest

from snippets.render import minified
from tests.conftest import Api
from tests.jshits import hit, post_hits

CONSENT_BUDGET = 1200  # gzip -9 bytes of the minified module (served only in a consent mode)


def _script(api: Api) -> str:
    response = api.client.get(f"/js/{api.portal_id}.js")
    assert response.status_code == 200
    return response.text


def test_the_setting_takes_three_modes_and_names_a_bad_one(api: Api) -> None:
    assert api.get("/footfall/v1/tracking/settings").json()["consent"] == "none"
    response = api.patch("/footfall/v1/tracking/settings", json={"consent": "maybe"})
    assert response.status_code == 400
    assert [e["in"] for e in response.json()["errors"]] == ["consent"]
    assert "none, api, required" in response.json()["errors"][0]["message"]
    for mode in ("api", "required", "none"):
        response = api.patch("/footfall/v1/tracking/settings", json={"consent": mode})
        assert response.status_code == 200, response.text
        assert response.json()["consent"] == mode


def test_without_a_consent_mode_the_module_is_not_served(api: Api) -> None:
    script = _script(api)
    assert minified("consent.js") not in script
    assert "footfall_consent" not in script


@pytest.mark.parametrize(("mode", "required"), [("api", 0), ("required", 1)])
def test_a_consent_mode_hands_the_config_slot_to_the_module(api: Api, mode: str,
                                                           required: int) -> None:
    """The module gets its own config and the core's, and runs the core itself."""
    api.patch("/footfall/v1/tracking/settings", json={"consent": mode})
    script = _script(api)
    core, module = minified("tracker.js"), minified("consent.js")
    call = f"({module})(window,document,"
    assert call in script
    slots, found, rest = script.partition(call)[2].partition(f",c=>{core}(window,document,c));")
    assert found
    assert rest == "\n"
    consent_config, _, tracker_config = slots.partition("},")
    assert json.loads(consent_config + "}") == {"r": required}
    assert json.loads(tracker_config)["a"] == api.portal_id


def test_cookieless_mode_serves_no_consent_module(api: Api) -> None:
    api.patch("/footfall/v1/tracking/settings", json={"consent": "required", "cookieless": True})
    assert "footfall_consent" not in _script(api)


def test_the_module_fits_its_budget() -> None:
    size = len(gzip.compress(minified("consent.js").encode("utf-8"), 9))
    print(f"consent module: {size} bytes gzip -9 (budget {CONSENT_BUDGET})")
    assert size <= CONSENT_BUDGET


@pytest.mark.parametrize("mode", ["api", "required"])
def test_a_hit_without_the_visitor_token_identifies_nobody(api: Api, mode: str) -> None:
    """The consent module keeps the visitor cookie from visitors who have not consented, so
    their hits come without a token: their email is dropped and the drop recorded. A hit with
    the token (a visitor who consented) identifies as usual."""
    api.patch("/footfall/v1/tracking/settings", json={"consent": mode})
    assert post_hits(api.client, api.portal_id, hit(e="ann@example.com"),
                     utk=None).status_code == 204
    [anonymous] = api.events()["results"]
    assert {"field": "email", "action": "DROPPED", "message": "no visitor token: the visitor"
            " has not consented to identity (consent mode)"} in anonymous["adjustments"]
    assert api.events(objectType="contact", **{"objectProperty.email": "ann@example.com"})[
        "results"] == []
    assert post_hits(api.client, api.portal_id, hit(e="bob@example.com"),
                     utk="b" * 32).status_code == 204
    [identified] = api.events(objectType="contact", **{"objectProperty.email": "bob@example.com"})[
        "results"]
    assert "adjustments" not in identified


def test_without_a_consent_mode_a_hit_without_the_token_still_identifies(api: Api) -> None:
    """Cookies blocked by the browser: the email is the only identity, as before."""
    assert post_hits(api.client, api.portal_id, hit(e="cy@example.com"),
                     utk=None).status_code == 204
    assert len(api.events(objectType="contact", **{"objectProperty.email": "cy@example.com"})[
        "results"]) == 1


def test_the_debug_script_knows_the_mode(api: Api) -> None:
    api.patch("/footfall/v1/tracking/settings", json={"consent": "api"})
    script = api.client.get(f"/js/footfall-debug/{api.portal_id}.js").text
    assert '"consent":"api"' in script
    assert '"cookieless":false' in script
    api.patch("/footfall/v1/tracking/settings", json={"cookieless": True})
    script = api.client.get(f"/js/footfall-debug/{api.portal_id}.js").text
    assert '"consent":"none"' in script
    assert '"cookieless":true' in script


@pytest.mark.parametrize(("changes", "token"), [({"consent": "required"}, None),
                                                  ({"cookieless": True}, "c" * 32)])
def test_a_failed_hit_that_may_not_identify_is_kept_without_its_email(
        api: Api, changes: dict[str, object], token: str | None) -> None:
    """The failed-events store shows the owner the hit as sent, but not an email that the
    visitor's consent (or the portal's cookieless mode) keeps out of the collector."""
    api.patch("/footfall/v1/tracking/settings", json=changes)
    sent = hit(f"pe{api.portal_id}_nosuch", e="frank@example.com")
    assert post_hits(api.client, api.portal_id, sent, utk=token).status_code == 204
    [failed] = api.get("/footfall/v1/tracking/failed-events").json()["results"]
    assert "e" not in failed["hit"]
    assert failed["hit"]["u"] == sent["u"]


def test_a_failed_hit_that_may_identify_keeps_its_email(api: Api) -> None:
    api.patch("/footfall/v1/tracking/settings", json={"consent": "required"})
    sent = hit(f"pe{api.portal_id}_nosuch", e="gail@example.com")
    assert post_hits(api.client, api.portal_id, sent, utk="g" * 32).status_code == 204
    [failed] = api.get("/footfall/v1/tracking/failed-events").json()["results"]
    assert failed["hit"]["e"] == "gail@example.com"
