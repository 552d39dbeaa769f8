"""Exports and the public notice: .xlsx lists of the user's jurisdiction only, no clear ID or
phone number anywhere in the file, every download audited, names masked on the notice."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.security.tables import AUDIT_LOG
from world import CLEAR_IDS, PASSWORD, World

CLEAR_PHONES = ("13800138000", "13900139000")
CLEAR_NAMES = ("张一", "王三", "赵五")


def sign_in(client: TestClient, user: str) -> TestClient:
    client.post("/login", data={"username": user, "password": PASSWORD})
    return client


def xml_of(xlsx: bytes) -> str:
    """Every XML part of the workbook (shared strings, sheets, properties), as text."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        return "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))


def cells(xlsx: bytes) -> list[tuple[object, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    return [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]


def audited(world: World, action: str) -> list[tuple[str, str, dict[str, object]]]:
    with world.engine.connect() as conn:
        rows = conn.execute(
            select(AUDIT_LOG.c.actor, AUDIT_LOG.c.subject_id, AUDIT_LOG.c.detail)
            .where(AUDIT_LOG.c.action == action)
            .order_by(AUDIT_LOG.c.id)
        ).all()
    return [(r.actor, r.subject_id, json.loads(r.detail)) for r in rows]


def test_exports_hold_masked_numbers_of_the_jurisdiction_only(client: TestClient, world: World) -> None:
    sign_in(client, "reviewer_a")  # county A, 110105
    page = client.get("/exports")
    assert page.status_code == 200
    assert '<span id="count-enrolled" class="count">1</span>' in page.text
    assert '<span id="count-alerts" class="count">1</span>' in page.text
    assert 'id="no-discovery"' in page.text  # no monitoring run has saved a list here
    enrolled = client.get("/exports/enrolled.xlsx")
    assert enrolled.status_code == 200 and "attachment" in enrolled.headers["content-disposition"]
    rows = cells(enrolled.content)
    assert any("A2" in r and "110105********0215" in r and "王三" in r and 1020 in r for r in rows), rows
    alerts = client.get("/exports/alerts.xlsx")
    rows = cells(alerts.content)
    assert any("A1" in r and "110105********0219" in r and "138****8000" in r for r in rows), rows
    for data in (enrolled.content, alerts.content):
        text = xml_of(data)
        assert not any(n in text for n in (*CLEAR_IDS, *CLEAR_PHONES))
        assert "B1" not in text and "110106" not in text and "赵五" not in text  # county B: never


def test_a_township_sees_its_own_and_may_narrow_to_a_village(client: TestClient, world: World) -> None:
    sign_in(client, "township_a")  # 110105001: A1, not enrolled
    rows = cells(client.get("/exports/enrolled.xlsx").content)
    assert not any(v in ("A1", "A2", "B1") for r in rows for v in r)  # A1 is not enrolled; A2 is another township
    assert client.get("/exports/alerts.xlsx", params={"division": "110105001001"}).status_code == 200
    assert client.get("/exports/alerts.xlsx", params={"division": "110105002001"}).status_code == 404
    assert client.get("/exports/alerts.xlsx", params={"division": "110106"}).status_code == 404
    assert client.get("/exports/alerts.xlsx", params={"division": "abc"}).status_code == 422
    assert client.get("/exports/nothing.xlsx").status_code == 404


def test_every_export_is_audited(client: TestClient, world: World) -> None:
    sign_in(client, "reviewer_a")
    client.get("/exports/enrolled.xlsx", params={"programme": "dibao"})
    client.get("/exports/alerts.xlsx", params={"division": "110105001"})
    entries = audited(world, "export")
    assert [(a, s) for a, s, _ in entries] == [("reviewer_a", "enrolled"), ("reviewer_a", "alerts")]
    assert entries[0][2] | {} == {
        "list": "enrolled",
        "division": "110105",
        "programme": "dibao",
        "rows": 1,
        "format": "xlsx",
    }
    assert entries[1][2]["division"] == "110105001" and entries[1][2]["rows"] == 1


def test_the_latest_stored_discovery_list(client: TestClient, world: World, tmp_path: Path) -> None:
    stored = tmp_path / "discovery" / "discovery.csv"
    stored.parent.mkdir()
    stored.write_text(
        "kind,programme,household_id,residence_division,enrolled,eligible,current_benefit,computed_benefit,"
        "failed_conditions,observed_changes\n"
        "missed,dibao,A1,110105001001,false,true,,820.0,,\n"
        "missed,dibao,B1,110106001001,false,true,,820.0,,\n",
        encoding="utf-8",
    )
    sign_in(client, "reviewer_a")
    assert '<span id="count-discovery" class="count">1</span>' in client.get("/exports").text
    text = xml_of(client.get("/exports/discovery.xlsx").content)
    assert "A1" in text and "应保未保" in text and "B1" not in text
    assert not any(n in text for n in (*CLEAR_IDS, *CLEAR_PHONES))
    assert audited(world, "export")[-1][2]["rows"] == 1


def test_the_public_notice_masks_names_and_id_numbers(client: TestClient, world: World) -> None:
    sign_in(client, "reviewer_a")
    form = client.get("/notice")
    assert form.status_code == 200 and 'value="110105002001"' in form.text and "110106" not in form.text
    query = {"village": "110105002001", "programme": "dibao"}
    page = client.get("/notice/print", params=query)
    assert page.status_code == 200
    assert "王*" in page.text and "110105********0215" in page.text and "1020.00" in page.text
    assert not any(n in page.text for n in (*CLEAR_NAMES, *CLEAR_IDS))
    assert "公示期7天" in page.text  # casework.notice_days
    sheet = client.get("/notice.xlsx", params=query)
    text = xml_of(sheet.content)
    assert "王*" in text and "110105********0215" in text
    assert not any(n in text for n in (*CLEAR_NAMES, *CLEAR_IDS, *CLEAR_PHONES))
    assert [(s, d["format"], d["rows"]) for _, s, d in audited(world, "export")] == [
        ("110105002001", "print", 1),
        ("110105002001", "xlsx", 1),
    ]
    later = client.get("/notice/print", params=query | {"since": "2025-01-01"})  # newly enrolled only
    assert 'id="notice-empty"' in later.text
    assert client.get("/notice/print", params={"village": "110106001001", "programme": "dibao"}).status_code == 404
    assert client.get("/notice/print", params={"village": "110105002", "programme": "dibao"}).status_code == 422
    assert client.get("/notice/print", params=query | {"programme": "nothing"}).status_code == 422
    english = client.get("/notice/print", params=query | {"lang": "en"}).text
    assert "Notice period 7 days" in english and "公示期" not in english


def test_analysts_are_refused_and_english_switch(client: TestClient) -> None:
    sign_in(client, "city_analyst")
    for url in ("/exports", "/exports/enrolled.xlsx", "/notice", "/notice/print?village=110105002001&programme=dibao"):
        assert client.get(url).status_code == 403, url
    sign_in(client, "township_a")
    english = client.get("/exports", params={"lang": "en"}).text
    assert "Export lists" in english and "Enrolled households" in english and "导出名单" not in english
    header = cells(client.get("/exports/alerts.xlsx").content)[1]  # the lang cookie: English headers
    assert "Head's ID number (masked)" in header
