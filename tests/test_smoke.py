from __future__ import annotations

from tests.conftest import Api


def test_define_send_and_read_back(api: Api) -> None:
    api.define("signed_up", {"name": "plan", "label": "Plan", "type": "string"})
    response = api.send(eventName=api.fqn("signed_up"), email="ann@example.com",
                        properties={"plan": "pro"})
    assert response.status_code == 204, response.text
    results = api.events(objectType="contact")["results"]
    assert [r["properties"] for r in results] == [{"plan": "pro"}]
    assert results[0]["eventType"] == api.fqn("signed_up")
