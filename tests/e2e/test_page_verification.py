"""家庭经济状况核对 pages: from the household page to the authorisation form, the report page and
its PDF; a wrong form value is shown on the page; another county gets 404 pages, an analyst 403."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from minsheng.bootstrap import App
from minsheng.feeds.ingest import ingest_feed
from minsheng.settings import Settings
from minsheng.web.app import create_app
from world import CIPHER, CLEAR_IDS, PASSWORD, World

WAGES = (
    "source,record_id,event_date,id_number,name,birth_date,sex,residence_division,monthly_wage\n"
    "human_resources,W1,2026-05-01,110105198201010221,李二,1982-01-01,2,110105001001,2500\n"
)
CONSENT = {"signed_by": "张一", "signed_on": "2026-06-01", "valid_until": "", "document_ref": "SQ-2026-001"}


@pytest.fixture
def browser(world: World, tmp_path: Path) -> TestClient:
    (tmp_path / "wage_record.csv").write_text(WAGES, encoding="utf-8")
    ingest_feed(world.engine, CIPHER, tmp_path / "wage_record.csv")
    return TestClient(create_app(App(Settings(data=tmp_path), world.engine, CIPHER)), follow_redirects=False)


def sign_in(client: TestClient, user: str) -> TestClient:
    client.post("/login", data={"username": user, "password": PASSWORD})
    return client


def produce(client: TestClient) -> int:
    assert client.post("/households/A1/verification/authorisations", data=CONSENT).status_code == 303
    made = client.post("/households/A1/verification/reports")
    assert made.status_code == 303
    found = re.fullmatch(r"/verification-reports/(\d+)", made.headers["location"])
    assert found, made.headers["location"]
    return int(found.group(1))


def test_from_the_household_to_the_report_and_its_pdf(browser: TestClient) -> None:
    sign_in(browser, "township_a")
    assert 'href="/households/A1/verification"' in browser.get("/households/A1").text
    page = browser.get("/households/A1/verification")
    assert page.status_code == 200 and 'id="not-authorised"' in page.text and 'id="produce-form"' not in page.text

    wrong = browser.post("/households/A1/verification/authorisations", data=CONSENT | {"signed_by": "赵五"})
    assert wrong.status_code == 422 and 'id="error"' in wrong.text and "签署人应为该户登记的家庭成员" in wrong.text
    assert 'value="SQ-2026-001"' in wrong.text  # what the user typed is kept
    refused = browser.post("/households/A1/verification/reports")
    assert refused.status_code == 409 and "核对授权书" in refused.text

    report_id = produce(browser)
    listed = browser.get("/households/A1/verification?done=authorisation")
    assert 'id="authorised"' in listed.text and f'href="/verification-reports/{report_id}"' in listed.text
    shown = browser.get(f"/verification-reports/{report_id}")
    assert shown.status_code == 200
    items = shown.text.split('id="items"', 1)[1].split("</table>", 1)[0]
    assert "李二" in items and "工资性收入（元/月）" in items and "2,500.00" in items and "+2,500.00" in items
    assert 'data-mark="differs"' in items and "不一致" in items
    assert "110105********0221" in shown.text and not any(clear in shown.text for clear in CLEAR_IDS)
    english = browser.get(f"/verification-reports/{report_id}", params={"lang": "en"})
    assert "Declared against recorded, item by item" in english.text and "Wages (yuan/month)" in english.text

    pdf = browser.get(f"/verification-reports/{report_id}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_another_county_gets_404_pages_and_an_analyst_403(browser: TestClient) -> None:
    report_id = produce(sign_in(browser, "township_a"))
    other = sign_in(TestClient(browser.app, follow_redirects=False), "township_b")
    for url in (
        "/households/A1/verification",
        f"/verification-reports/{report_id}",
        f"/verification-reports/{report_id}.pdf",
    ):
        response = other.get(url)
        assert response.status_code == 404 and "李二" not in response.text, url
    assert other.post("/households/A1/verification/authorisations", data=CONSENT).status_code == 404
    assert other.post("/households/A1/verification/reports").status_code == 404
    analyst = sign_in(TestClient(browser.app, follow_redirects=False), "city_analyst")
    assert analyst.get(f"/verification-reports/{report_id}").status_code == 403
    assert analyst.get("/households/A1/verification").status_code == 403
