"""一户一档 pages: search by POST, the profile with explanations, records, timeline and viewers;
another county's household is a 404 page; an analyst is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from minsheng.bootstrap import App
from minsheng.settings import Settings
from minsheng.web.app import create_app
from world import CIPHER, CLEAR_IDS, PASSWORD, World


@pytest.fixture
def browser(world: World, tmp_path: Path) -> TestClient:
    return TestClient(create_app(App(Settings(data=tmp_path), world.engine, CIPHER)))


def sign_in(client: TestClient, user: str) -> TestClient:
    client.post("/login", data={"username": user, "password": PASSWORD})
    return client


def test_search_and_profile(browser: TestClient) -> None:
    sign_in(browser, "township_a")
    listed = browser.get("/households")
    assert 'href="/households/A1"' in listed.text and "A2" not in listed.text  # township 110105001 only
    found = browser.post("/households", data={"q": CLEAR_IDS[0]})
    assert 'href="/households/A1"' in found.text and CLEAR_IDS[0] not in found.text.replace(
        f'value="{CLEAR_IDS[0]}"', ""
    )
    page = browser.get("/households/A1")
    assert page.status_code == 200
    text = page.text
    assert "110105********0219" in text and "张一" in text
    assert 'data-programme="dibao" data-status="ineligible"' in text  # the explanation, condition by condition
    assert "社会救助暂行办法" in text  # each condition cites its clause
    # the linked record, its department and kind by name, and its timeline
    assert "human_resources:U1" not in text and "人社部门" in text and "失业登记" in text
    assert "township_a" in text.split('id="h-viewers"', 1)[1]  # who viewed: this very read is listed
    for clear in CLEAR_IDS:
        assert clear not in text
    english = browser.get("/households/A1", params={"lang": "en"})
    assert "result and why" in english.text and "Members" in english.text


def test_another_county_and_an_analyst_cannot_see_it(browser: TestClient, tmp_path: Path) -> None:
    sign_in(browser, "township_b")
    assert browser.get("/households/A1").status_code == 404
    assert "A1" not in browser.get("/households").text
    assert "A1" not in browser.post("/households", data={"q": "张一"}).text
    analyst = TestClient(browser.app)
    sign_in(analyst, "city_analyst")
    assert analyst.get("/households/A1").status_code == 403
    assert analyst.get("/households").status_code == 403
    assert analyst.get("/").status_code == 200  # the dashboard is aggregates


def test_pages_need_a_session(browser: TestClient) -> None:
    response = browser.get("/households/A1", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/households/A1"
