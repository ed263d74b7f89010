"""Driving the management UI in-process like a browser: its own cookies, CSRF from the pages."""

from __future__ import annotations

import re
from typing import Any

import httpx2 as httpx
from starlette.testclient import TestClient

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')  # a once-only form's id


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Browser:
    """One visitor: a cookie jar of its own on a shared TestClient (several browsers can
    use one app), no automatic redirects, the CSRF token (and a once-only form's id) of the
    last page seen, sent back as a browser sends a form's hidden fields."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.jar = httpx.Cookies()
        self.csrf = ""
        self.form_id = ""

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        self.client.cookies = self.jar
        try:
            response = self.client.request(method, path, follow_redirects=False, **kw)
        finally:
            self.jar = httpx.Cookies(self.client.cookies)
            self.client.cookies = httpx.Cookies()
        if "text/html" in response.headers.get("content-type", ""):
            if found := _CSRF.search(response.text):
                self.csrf = found.group(1)
            found = _FORM_ID.search(response.text)
            self.form_id = found.group(1) if found else ""
        return response

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
             **kw: Any) -> httpx.Response:
        """POST a form; the CSRF token of the last page is added unless ``csrf=False``."""
        fields = dict(data or {})
        if csrf:
            fields.setdefault("csrf_token", self.csrf)
        if self.form_id:
            fields.setdefault("form_id", self.form_id)
        return self.request("POST", path, data=fields, **kw)

    def follow(self, response: httpx.Response) -> httpx.Response:
        assert response.status_code in (302, 303, 307), (response.status_code, response.text)
        return self.get(response.headers["location"])

    def sign_in(self, token: str, next_path: str = "/app/events") -> httpx.Response:
        self.get(f"/app/login?next={next_path}")
        response = self.post("/app/login", {"method": "token", "token": token, "next": next_path})
        assert response.status_code == 303, response.text
        return response

    def sign_in_admin(self, password: str) -> httpx.Response:
        self.get("/app/login")
        return self.post("/app/login", {"method": "admin", "password": password})
