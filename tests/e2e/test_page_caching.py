"""Issue 12 §6, a township office's slow link: every static file a page names is cached by the
browser for a year without asking again (content-hashed URL, `immutable`), no page is ever
cached (a page names people), and so a repeat load of the dashboard or the household page
sends the page's own request to the network and nothing else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minsheng.bootstrap import App
from minsheng.settings import Settings
from minsheng.web.app import create_app
from world import CIPHER, PASSWORD, World

YEAR = 365 * 24 * 3600
PAGES = ("/", "/households/A1", "/alerts", "/households")


@pytest.fixture
def client(world: World, tmp_path: Path) -> TestClient:
    client = TestClient(create_app(App(Settings(data=tmp_path), world.engine, CIPHER)))
    client.post("/login", data={"username": "reviewer_a", "password": PASSWORD})
    return client


def _directives(header: str) -> dict[str, str]:
    parts = (p.strip().split("=", 1) for p in header.split(",") if p.strip())
    return {p[0].lower(): (p[1] if len(p) > 1 else "") for p in parts}


def test_hashed_assets_are_immutable_for_a_year_and_pages_are_never_cached(client: TestClient) -> None:
    named: set[str] = set()
    for path in (*PAGES, "/login"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["cache-control"] == "no-store", path  # no copy kept, not even revalidated
        assert "etag" not in page.headers and "last-modified" not in page.headers, path
        named |= set(re.findall(r'(?:href|src)="(/assets/[^"]+)"', page.text))
        assert not re.search(r'(?:href|src)="/static/', page.text), path  # only hashed URLs, never a plain one
    assert {u.rsplit("/", 1)[1] for u in named} >= {"minsheng.css", "tables.js", "favicon.svg"}
    for url in named:
        assert re.fullmatch(r"/assets/[0-9a-f]{12}/[\w.-]+", url), url
        answer = client.get(url)
        assert answer.status_code == 200, url
        cache = _directives(answer.headers["cache-control"])
        assert "public" in cache and "immutable" in cache and int(cache["max-age"]) >= YEAR, url
        assert "no-cache" not in cache and "no-store" not in cache and "must-revalidate" not in cache, url
        # A browser that asks anyway (a forced reload) gets an empty 304 that keeps the promise.
        again = client.get(url, headers={"if-none-match": answer.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", url
        assert "immutable" in again.headers["cache-control"], url
    api = client.get("/api/summary")
    assert api.status_code == 200 and api.headers["cache-control"] == "no-store"


def test_a_repeat_load_sends_the_page_request_alone(chromium: Any, served_world: tuple[str, World]) -> None:
    base, _world = served_world
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    signed = context.request.post(
        f"{base}/login", form={"username": "reviewer_a", "password": PASSWORD}, headers={"origin": base}
    )
    assert signed.ok
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    # What reached the network: a response that came neither from the memory cache (reported
    # as requestServedFromCache) nor from the disk cache; a revalidation (304) counts too.
    from_cache: set[str] = set()
    answered: list[tuple[str, str, int, bool]] = []
    cdp.on("Network.requestServedFromCache", lambda e: from_cache.add(e["requestId"]))
    cdp.on(
        "Network.responseReceived",
        lambda e: answered.append(
            (e["requestId"], e["response"]["url"], e["response"]["status"], e["response"].get("fromDiskCache", False))
        ),
    )
    for path in ("/", "/households/A1"):
        page.goto(base + path, wait_until="networkidle")  # the first load: everything fetched, the icon too
        assert page.locator(".chart svg").count() == page.locator(".chart").count()  # drawn, if it has charts
        for _ in range(2):
            from_cache.clear()
            answered.clear()
            page.goto(base + path, wait_until="networkidle")
            network = [(url, status) for rid, url, status, disk in answered if not disk and rid not in from_cache]
            assert network == [(base + path, 200)], network
            assert any("/assets/" in url for _rid, url, _status, _disk in answered)  # the files were used, from cache
    context.close()
