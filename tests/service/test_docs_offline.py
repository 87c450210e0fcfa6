"""/docs (Swagger UI) and /redoc work offline: every script, style sheet and icon they load is served by the app.

The browser check (the page renders with the network cut off) is in tests/web/test_browser.py.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class _Assets(HTMLParser):
    """The URLs a page loads: ``src`` of scripts, ``href`` of links."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


def _assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize(("page", "script"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")])
def test_docs_pages_load_only_local_assets(client: TestClient, page: str, script: str) -> None:
    r = client.get(page, headers={"X-API-Key": ""})  # public, like the page at /
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "http://" not in r.text
    assert "https://" not in r.text  # no CDN, no Google fonts, no favicon from fastapi.tiangolo.com
    urls = _assets(r.text)
    assert any(u.endswith(script) for u in urls), urls
    assert "/openapi.json" in r.text
    policy = r.headers["content-security-policy"]  # the browser fetches nothing a bundle names elsewhere
    assert policy.startswith("default-src 'self' ")
    assert "http" not in policy
    assert "*" not in policy
    for url in urls:
        assert url.startswith("/"), url  # same origin: a path, not a URL
        assert not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rfind(".") :]
        assert asset.headers["content-type"].startswith(CONTENT_TYPES[suffix]), (url, asset.headers["content-type"])
        assert len(asset.content) > 1000, url  # the real file, not an empty placeholder


def test_swagger_ui_does_not_call_the_online_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


def test_only_the_docs_pages_carry_the_policy(client: TestClient) -> None:
    assert "content-security-policy" not in client.get("/").headers  # the analyst's page is left as it was
    assert "content-security-policy" not in client.get("/healthz").headers
