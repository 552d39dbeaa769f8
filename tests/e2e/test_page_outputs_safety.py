"""What the web desk leaves on disk and hands out: uploads owner-only and gone an hour after a
check nobody imported; an .xlsx bomb refused with a sentence; lists and notices whose cells
never run as formulas in Excel."""

from __future__ import annotations

import io
import os
import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient

from minsheng.contract import sheets
from minsheng.registry.importer import import_files
from minsheng.web.pages import uploads
from workbook_parts import households, write
from world import CIPHER, PASSWORD, World

FORMULA = '=HYPERLINK("http://x","y")'
QUOTED = '"' + FORMULA.replace('"', '""') + '"'
HH = b"household_id,residence_division,urban_rural\nA9,110105001001,urban\n"


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def sign_in(client: TestClient, user: str) -> TestClient:
    client.post("/login", data={"username": user, "password": PASSWORD})
    return client


def token_of(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def staged(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "uploads").glob("*/*"))


def test_uploads_are_owner_only_and_expire_unimported(client: TestClient, world: World, tmp_path: Path) -> None:
    sign_in(client, "township_a")
    page = client.post("/import/check", files={"households": ("hh.csv", HH)})
    assert page.status_code == 200 and "检查通过" in page.text, page.text
    [folder] = staged(tmp_path)
    [kept] = list(folder.glob("in-*/*"))
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "uploads").stat().st_mode) == 0o700
    # checked, never imported: an hour and a minute later it has to go
    past = time.time() - uploads.MAX_AGE_SECONDS - 60
    os.utime(folder, (past, past))
    assert client.post("/import/run", data={"token": token_of(page.text)}).status_code == 404
    assert staged(tmp_path) == []


def test_any_visit_to_the_import_page_sweeps_expired_uploads(client: TestClient, world: World, tmp_path: Path) -> None:
    sign_in(client, "township_a")
    client.post("/import/check", files={"households": ("hh.csv", HH)})
    [folder] = staged(tmp_path)
    past = time.time() - uploads.MAX_AGE_SECONDS - 60
    os.utime(folder, (past, past))
    sign_in(client, "reviewer_a")  # another user's visit
    assert client.get("/import").status_code == 200
    assert staged(tmp_path) == []


def test_a_workbook_bomb_is_a_sentence_not_a_crash(client: TestClient, world: World, tmp_path: Path) -> None:
    bomb = write(tmp_path / "bomb.xlsx", households(50, "路" * 100_000))
    sign_in(client, "township_a")
    page = client.post("/import/check", files={"households": ("bomb.xlsx", bomb.read_bytes())})
    assert page.status_code == 422
    assert "32,767" in page.text


def _no_formulas(xlsx: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    texts = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    formulas = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == [], formulas
    return texts


def test_lists_and_notices_never_write_a_formula(client: TestClient, world: World, tmp_path: Path) -> None:
    # the heads of A1 (alert) and A2 (enrolled in dibao) renamed to a formula; a household
    # whose id is one, in the stored discovery list
    people = tmp_path / "rename.csv"
    people.write_text(
        "person_id,household_id,id_number,name,relation\n"
        f"QA1,A1,110105198001010219,{QUOTED},02\nQA3,A2,110105198501010215,{QUOTED},02\n",
        encoding="utf-8",
    )
    odd = tmp_path / "odd.csv"
    odd.write_text("household_id,residence_division,urban_rural\n@H9,110105001001,urban\n", encoding="utf-8")
    import_files(world.engine, CIPHER, odd, people)
    stored = tmp_path / "discovery" / "discovery.csv"
    stored.parent.mkdir()
    sheets.write_csv(
        pl.DataFrame(
            {
                "kind": ["missed"],
                "programme": ["dibao"],
                "household_id": ["@H9"],
                "residence_division": ["110105001001"],
            }
        ),
        stored,
    )
    assert "'@H9" in stored.read_text(encoding="utf-8-sig")
    sign_in(client, "reviewer_a")
    for url in ("/exports/enrolled.xlsx", "/exports/alerts.xlsx", "/exports/discovery.xlsx"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        texts = _no_formulas(answer.content)
        assert (FORMULA in texts) if url != "/exports/discovery.xlsx" else ("@H9" in texts), (url, texts)
    notice = client.get("/notice.xlsx", params={"village": "110105002001", "programme": "dibao"})
    assert notice.status_code == 200
    assert "=" + "*" * (len(FORMULA) - 1) in _no_formulas(notice.content)  # masked: the surname "=" kept
