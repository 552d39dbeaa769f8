"""Issue 12 §6, the details: static files compressed and cached under content-hashed URLs, a
favicon, error pages with the navigation (a bad filter value, an unknown address), Beijing time,
Excel numbers and filters, the public notice's county and an empty village, and a search by
an ID number typed with full-width digits or a wrong check digit."""

from __future__ import annotations

import gzip
import io
import re
import unicodedata

import openpyxl
from fastapi.testclient import TestClient

from minsheng.web import assets
from world import CLEAR_IDS, PASSWORD


def sign_in(client: TestClient, user: str) -> TestClient:
    client.post("/login", data={"username": user, "password": PASSWORD})
    return client


def test_static_files_are_gzipped_and_cached_under_their_content_hash(client: TestClient) -> None:
    sign_in(client, "reviewer_a")
    page = client.get("/")
    urls = re.findall(r'(?:href|src)="(/assets/[0-9a-f]{12}/[^"]+)"', page.text)
    assert {u.rsplit("/", 1)[1] for u in urls} == {"minsheng.css", "tables.js", "favicon.svg"}
    assert "plotly" not in page.text and "echarts" not in page.text.lower()  # the charts come drawn (SVG)
    css = next(u for u in urls if u.endswith("minsheng.css"))
    answer = client.get(css, headers={"accept-encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["content-encoding"] == "gzip"
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert int(answer.headers["content-length"]) < len(assets.assets()["minsheng.css"].body) / 2
    assert b"font-family" in answer.content  # decoded by the client
    assert client.get(css, headers={"if-none-match": answer.headers["etag"]}).status_code == 304
    assert client.get(css.replace(css.split("/")[2], "000000000000")).status_code == 404  # an old hash
    # The page itself is compressed too, and never cached (it names people).
    raw = client.get("/", headers={"accept-encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip" and raw.headers["cache-control"] == "no-store"
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    sheet = assets.assets()["minsheng.css"]
    assert sheet.gzipped is not None and gzip.decompress(sheet.gzipped) == sheet.body


def test_error_pages_keep_the_navigation_and_a_bad_filter_is_a_page_not_json(client: TestClient) -> None:
    signed_out = client.get("/no-such-page")
    assert signed_out.status_code == 404 and "<nav" not in signed_out.text  # signed out: no navigation to offer
    sign_in(client, "reviewer_a")
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "<nav" in missing.text
    assert 'href="/alerts"' in missing.text  # somewhere to go on from a mistyped address
    bad = client.get("/households", params={"page": "abc"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    assert "页码或筛选条件不正确" in bad.text and "<nav" in bad.text
    english = client.get("/households", params={"page": "abc", "lang": "en"})
    assert "not valid (page)" in english.text
    api = client.get("/api/households", params={"limit": "abc"})
    assert api.status_code == 422 and api.json()["error"]["type"] == "invalid_input"  # the API stays JSON


def test_the_audit_log_on_the_household_page_is_in_beijing_time(client: TestClient) -> None:
    sign_in(client, "reviewer_a")
    page = client.get("/households/A1").text
    assert "时间（北京时间）" in page and "UTC" not in page
    from minsheng.web.pages.common import beijing_time

    assert beijing_time("2026-06-30T17:30:00") == "2026-07-01 01:30:00"  # stored UTC, shown the next day


def test_exports_write_numbers_with_two_decimals_and_a_filter(client: TestClient) -> None:
    sign_in(client, "reviewer_a")
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/exports/enrolled.xlsx").content)).active
    assert sheet is not None
    header = [c.value for c in sheet[3]]
    benefit = sheet.cell(4, header.index("月救助金（元）") + 1)
    assert benefit.value == 1020 and isinstance(benefit.value, (int, float))  # a number, not text
    assert benefit.number_format.startswith("#,##0.00")
    (table,) = sheet.tables.values()
    assert table.autoFilter is not None and table.autoFilter.ref == table.ref


def test_the_notice_names_the_county_and_an_empty_village_prints_no_notice(client: TestClient) -> None:
    sign_in(client, "reviewer_a")
    query = {"village": "110105002001", "programme": "dibao"}
    page = client.get("/notice/print", params=query).text
    assert "朝阳区民政部门" in page and "县级" not in page
    empty = client.get("/notice/print", params=query | {"since": "2025-01-01"}).text
    assert 'id="notice-empty"' in empty
    assert 'id="notice-period"' not in empty and "window.print()" not in empty  # nothing to publish or print


def test_a_search_by_id_number_takes_full_width_digits_and_says_when_the_check_digit_is_wrong(
    client: TestClient,
) -> None:
    sign_in(client, "township_a")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in CLEAR_IDS[0])
    assert unicodedata.normalize("NFKC", full_width) == CLEAR_IDS[0]
    found = client.post("/households", data={"q": full_width})
    assert 'href="/households/A1"' in found.text and 'id="search-hint"' not in found.text
    wrong = CLEAR_IDS[0][:17] + ("0" if CLEAR_IDS[0][17] != "0" else "1")
    missed = client.post("/households", data={"q": wrong})
    assert 'href="/households/A1"' not in missed.text
    assert "校验位）不正确" in missed.text
    short = client.post("/households", data={"q": CLEAR_IDS[0][:16]}).text
    assert "应为18位" in short
