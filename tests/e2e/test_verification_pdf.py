"""The 核对报告 as a PDF through the API: its extracted text holds the Chinese words, the members'
masked ID numbers and the amounts in yuan; its fonts are embedded (subsets), and reading it is audited.
The Chinese font comes with the install (no system font, so these tests never skip), and an installed
fallback font draws the characters it lacks."""

from __future__ import annotations

import importlib.resources
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection
from pypdf import PdfReader
from sqlalchemy import select

from minsheng.bootstrap import App
from minsheng.contract import pdf
from minsheng.feeds.ingest import ingest_feed
from minsheng.security.tables import AUDIT_LOG
from minsheng.settings import Settings
from minsheng.verification.pdf import render_pdf
from minsheng.verification.view import Table, View
from minsheng.web.app import create_app
from world import CIPHER, CLEAR_IDS, PASSWORD, World

ENVELOPE = "source,record_id,event_date,id_number,name,birth_date,sex,residence_division"
FEEDS = {
    "wage_record": ",monthly_wage\nhuman_resources,W1,2026-05-01,110105198201010221,李二,1982-01-01,2,110105001001,2500\n",
    "vehicle_registration": ",value,commercial\n"
    "public_security,V1,2026-04-10,110105198001010219,张一,1980-01-01,1,110105001001,80000,0\n",
}


@pytest.fixture
def api(world: World, tmp_path: Path) -> Iterator[tuple[TestClient, World]]:
    for kind, rows in FEEDS.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(ENVELOPE + rows, encoding="utf-8")
        ingest_feed(world.engine, CIPHER, path)
    with TestClient(create_app(App(Settings(data=tmp_path), world.engine, CIPHER))) as client:
        yield client, world


def login(client: TestClient, user: str) -> dict[str, str]:
    response = client.post("/api/session", json={"username": user, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['token']}"}


def produce(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    consent = {"signed_by": "张一", "signed_on": "2026-06-01", "valid_until": None, "document_ref": "SQ-2026-001"}
    assert (
        client.post("/api/households/A1/verification-authorisations", headers=headers, json=consent).status_code == 201
    )
    response = client.post("/api/households/A1/verification-reports", headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def fonts(reader: PdfReader) -> list[dict[str, Any]]:
    """Every font the pages use, with its descriptor (from the descendant font of a composite one)."""
    out = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            out.append({"name": str(font["/BaseFont"]), "descriptor": described["/FontDescriptor"].get_object()})
    return out


def test_the_pdf_report_reads_back_in_chinese_with_the_amounts_and_embeds_its_font(
    api: tuple[TestClient, World],
) -> None:
    client, world = api
    headers = login(client, "township_a")
    report = produce(client, headers)
    response = client.get(f"/api/verification-reports/{report['id']}/pdf", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store" and response.content.startswith(b"%PDF")

    reader = PdfReader(io.BytesIO(response.content))
    text = "".join("".join((page.extract_text() or "").split()) for page in reader.pages)  # extractors space glyphs
    for words in (
        "家庭经济状况核对报告",
        "申报与部门数据逐项比对",
        "按核对结果重新测算",
        "工资性收入（元/月）",
        "不一致",
    ):
        assert words in text, words
    for member in ("张一", "李二", "110105********0219", "110105********0221"):
        assert member in text, member
    for amount in ("2,500.00", "80,000.00", "-4,000.00", "+1,800.00", "+80,000.00"):  # yuan, two decimals
        assert amount in text, amount
    assert "人社部门" in text and "公安部门" in text and "低保边缘家庭" in text
    assert not any(clear in text for clear in CLEAR_IDS)

    used = fonts(reader)
    assert used, "the PDF uses no font"
    for font in used:
        embedded = [k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in font["descriptor"]]
        assert embedded, f"{font['name']} is not embedded"
        assert len(font["descriptor"][embedded[0]].get_object().get_data()) > 1000
        assert "+" in font["name"], f"{font['name']} is not a subset"  # ABCDEF+Name: only the glyphs used
    assert any("WenQuanYiMicroHei" in f["name"] for f in used)  # the packaged font (paperang-p2-fonts-cjk)

    with world.engine.connect() as conn:
        details = conn.execute(
            select(AUDIT_LOG.c.detail).where(AUDIT_LOG.c.action == "read_verification_report")
        ).scalars()
        assert [json.loads(d) for d in details] == [{"report_id": report["id"], "view": "pdf"}]


def test_the_json_and_an_english_pdf_say_the_same(api: tuple[TestClient, World]) -> None:
    client, _ = api
    headers = login(client, "township_a")
    report = produce(client, headers)
    stored = client.get(f"/api/verification-reports/{report['id']}", headers=headers).json()
    assert stored["items"] == report["items"] and stored["format"] == "minsheng.verification/v1"
    english = client.get(f"/api/verification-reports/{report['id']}/pdf", params={"lang": "en"}, headers=headers)
    text = "".join(PdfReader(io.BytesIO(english.content)).pages[0].extract_text().split())
    assert "economic-statusverificationreport" in text and "2,500.00" in text and "李二" in text


def test_a_report_needs_an_authorisation_and_another_county_gets_404(api: tuple[TestClient, World]) -> None:
    client, _ = api
    headers = login(client, "township_a")
    refused = client.post("/api/households/A1/verification-reports", headers=headers)
    assert refused.status_code == 409 and "授权" in refused.json()["error"]["zh"]
    report = produce(client, headers)
    other = login(client, "reviewer_b")
    for url in (f"/api/verification-reports/{report['id']}", f"/api/verification-reports/{report['id']}/pdf"):
        response = client.get(url, headers=other)
        assert response.status_code == 404 and "李二" not in response.text
    analyst = login(client, "city_analyst")
    assert client.get(f"/api/verification-reports/{report['id']}", headers=analyst).status_code == 403


RARE = "㛃"  # U+36C3, CJK Extension A: a character of names (生僻字) that WenQuanYi Micro Hei lacks


def small_view(name: str) -> View:
    def empty(n: int) -> Table:
        return Table([f"列{i}" for i in range(n)], [])

    return View(
        title="家庭经济状况核对报告",
        report_id=1,
        facts=[("申请人", name)],
        summary="申报与部门数据逐项比对",
        members=Table(["姓名", "关系", "身份证号"], [[name, "本人", "110105********0219"]]),
        items=empty(7),
        programmes=empty(5),
        records=empty(5),
        note="说明",
        sections={"members": "家庭成员", "items": "比对", "programmes": "测算", "records": "部门数据"},
        page_label="第{n}页 共{nb}页",
        reference="报告编号 1",
    )


def extracted(data: bytes) -> tuple[str, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    text = "".join("".join((page.extract_text() or "").split()) for page in reader.pages)
    return text, [f["name"] for f in fonts(reader)]


def test_the_chinese_font_comes_with_the_install_not_from_the_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "FALLBACK_FACES", ())  # as on a machine without Debian's fonts
    package = Path(str(importlib.resources.files(pdf.FONT_PACKAGE))).resolve()
    with pdf.font_face() as (path, face):
        assert path.resolve().is_relative_to(package) and face == 0
        family = TTCollection(str(path))[face]["name"].getDebugName(1)
    assert family == "WenQuanYi Micro Hei"
    text, used = extracted(render_pdf(small_view("张一")))
    assert "家庭经济状况核对报告" in text and "张一" in text
    assert used and all("WenQuanYiMicroHei" in name for name in used)


def rare_font(path: Path) -> None:
    """A TrueType font with one glyph, for RARE: what an installed fallback adds."""
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "rare"])
    builder.setupCharacterMap({ord(RARE): "rare"})
    pen = TTGlyphPen(None)
    for x, y in ((100, 0), (100, 800), (900, 800), (900, 0)):
        (pen.lineTo if x != 100 or y != 0 else pen.moveTo)((x, y))
    pen.closePath()
    box = pen.glyph()
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "rare": box})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "rare": (1000, 100)})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "MinshengRare", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    builder.save(str(path))


def test_a_character_the_packaged_font_lacks_is_drawn_from_an_installed_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pdf.font_face() as (path, face):
        assert ord(RARE) not in TTCollection(str(path))[face].getBestCmap()  # else this test proves nothing
    rare_font(tmp_path / "rare.ttf")
    monkeypatch.setattr(pdf, "FALLBACK_FACES", ((tmp_path / "rare.ttf", 0), (tmp_path / "absent.ttc", 0)))
    text, used = extracted(render_pdf(small_view(f"张{RARE}一")))
    assert f"张{RARE}一" in text
    assert any("MinshengRare" in name for name in used) and any("WenQuanYiMicroHei" in name for name in used)


def test_a_character_no_font_has_is_shown_as_its_code_point_never_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "FALLBACK_FACES", ())  # the packaged font alone: it lacks RARE
    text, _ = extracted(render_pdf(small_view(f"张{RARE}一")))
    assert f"张〔U+{ord(RARE):04X}〕一" in text  # fpdf2 alone would print 张一: another person's name
