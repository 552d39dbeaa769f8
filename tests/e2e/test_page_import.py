"""The import page: upload → check (nothing written) → import, for a user in a jurisdiction.
`valid_files` are the shared valid fixtures as they are (they import with no error)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from minsheng.registry.tables import HOUSEHOLDS, PERSONS
from minsheng.security.tables import AUDIT_LOG
from minsheng.web.pages import imports
from world import CLEAR_IDS, PASSWORD, World


@pytest.fixture
def valid_files(contract_fixtures: Path) -> dict[str, bytes]:
    return {name: (contract_fixtures / "valid" / name).read_bytes() for name in ("households.csv", "persons.csv")}


def sign_in(client: TestClient, user: str) -> TestClient:
    client.post("/login", data={"username": user, "password": PASSWORD})
    return client


def upload(client: TestClient, **files: tuple[str, bytes]) -> tuple[int, str]:
    page = client.post("/import/check", files={field: (name, data) for field, (name, data) in files.items()})
    return page.status_code, page.text


def counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.scalar(select(func.count()).select_from(HOUSEHOLDS)) or 0,
            conn.scalar(select(func.count()).select_from(PERSONS)) or 0,
        )


def token_of(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def xml_of(xlsx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        return "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))


@pytest.mark.parametrize(
    "name", ["persons_bad_check_digit.csv", "persons_id_sex_conflict.csv", "households_unknown_division.csv"]
)
def test_a_faulty_file_shows_its_row_errors_and_writes_nothing(
    client: TestClient, world: World, contract_fixtures: Path, valid_files: dict[str, bytes], name: str
) -> None:
    sign_in(client, "reviewer_a")
    expected = json.loads((contract_fixtures / "expected.json").read_text(encoding="utf-8"))[name]
    faulty = (contract_fixtures / "invalid" / name).read_bytes()
    hh = faulty if name.startswith("households") else valid_files["households.csv"]
    pp = valid_files["persons.csv"] if name.startswith("households") else faulty
    before = counts(world.engine)
    status, page = upload(client, households=("households.csv", hh), persons=("persons.csv", pp))
    assert status == 422
    assert "未写入任何数据" in page and 'id="import-button"' not in page  # no import-all button
    assert 'id="valid-only"' in page  # but the good rows may be imported, as with the CLI's --valid-only
    row = re.search(
        rf"<td>{expected['row']}</td>\s*<td class=\"left\">[^<]*<span class=\"note\">{expected['column']}", page
    )
    assert row, page
    assert counts(world.engine) == before
    # No clear ID number of the uploaded file comes back, on the page or in the report.
    clear = set(re.findall(r"\b[0-9]{17}[0-9X]\b", pp.decode("utf-8")))
    assert clear and not any(n in page for n in clear)
    report_url = re.search(r'href="(/import/report/[^"]+)"', page)
    assert report_url
    report = client.get(report_url.group(1))
    assert report.status_code == 200 and report.headers["content-type"].startswith("application/vnd.openxml")
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    assert sheet is not None
    places = [(r[1], r[2]) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert (expected["row"], expected["column"]) in places
    assert not any(n in xml_of(report.content) for n in clear)
    # The uploaded files wait (owner-only) for the next step; a new upload replaces them.
    data = client.app.state.minsheng.settings.data  # type: ignore[attr-defined]
    assert len(list((data / "uploads").glob("*/*/in-*/*"))) == 2
    upload(client, households=("households.csv", valid_files["households.csv"]))
    assert [p.name for p in (data / "uploads").glob("*/*/in-*/*")] == ["households.csv"]


def test_a_clean_import_imports_and_a_reimport_is_unchanged(
    client: TestClient, world: World, valid_files: dict[str, bytes], tmp_path: Path
) -> None:
    sign_in(client, "reviewer_a")
    files = {
        "households": ("households.csv", valid_files["households.csv"]),
        "persons": ("persons.csv", valid_files["persons.csv"]),
    }
    before = counts(world.engine)
    status, page = upload(client, **files)
    assert status == 200 and "检查通过" in page, page
    assert counts(world.engine) == before  # a check writes nothing
    done = client.post("/import/run", data={"token": token_of(page)})
    assert done.status_code == 200
    assert re.search(r'id="summary-households">.*?class="inserted">5<', done.text, re.S)
    assert re.search(r'id="summary-persons">.*?class="inserted">7<', done.text, re.S)
    assert counts(world.engine) == (before[0] + 5, before[1] + 7)
    assert not list((tmp_path / "uploads").glob("*/*"))  # the staged files are deleted
    assert client.post("/import/run", data={"token": token_of(page)}).status_code == 404  # and cannot run twice
    again = client.post("/import/run", data={"token": token_of(upload(client, **files)[1])})
    assert "没有变化" in again.text
    assert re.search(r'id="summary-persons">.*?class="unchanged">7<', again.text, re.S)
    with world.engine.connect() as conn:
        entries = conn.execute(
            select(AUDIT_LOG.c.actor, AUDIT_LOG.c.detail).where(AUDIT_LOG.c.action == "import")
        ).all()
    assert [e.actor for e in entries] == ["reviewer_a", "reviewer_a"]
    assert json.loads(entries[0].detail)["persons"]["inserted"] == 7


def test_one_workbook_with_both_sheets(
    client: TestClient, world: World, valid_files: dict[str, bytes], tmp_path: Path
) -> None:
    path = tmp_path / "registry.xlsx"
    with xlsxwriter.Workbook(path) as book:
        for sheet, name in (("家庭", "households.csv"), ("家庭成员", "persons.csv")):
            ws = book.add_worksheet(sheet)
            for r, line in enumerate(valid_files[name].decode("utf-8").splitlines()):
                ws.write_row(r, 0, line.split(","))
    sign_in(client, "reviewer_a")
    status, page = upload(client, persons=("registry.xlsx", path.read_bytes()))
    assert status == 200 and "registry.xlsx#家庭成员" in page and "registry.xlsx#家庭" in page
    done = client.post("/import/run", data={"token": token_of(page)})
    assert re.search(r'id="summary-persons">.*?class="inserted">7<', done.text, re.S)


def test_a_household_outside_the_jurisdiction_is_refused(client: TestClient, world: World) -> None:
    sign_in(client, "township_a")  # 110105001
    before = counts(world.engine)
    households = (
        "household_id,residence_division,urban_rural\n"
        "N1,110105001002,urban\n"
        "N2,110106001001,rural\n"  # county B
        "A2,110105001003,urban\n"  # registered in township 110105002: not to be pulled over
    )
    status, page = upload(client, households=("hh.csv", households.encode()))
    assert status == 422
    # A2 is registered elsewhere: refused, without saying so (security #8: neither that nor where).
    assert "居住地不在您的辖区" in page and "此家庭编号不能在本辖区导入，请联系上级民政部门" in page
    assert "已登记在您的辖区" not in page
    assert re.search(r"<td>3</td>\s*<td class=\"left\">[^<]*<span class=\"note\">residence_division", page)
    assert re.search(r"<td>4</td>\s*<td class=\"left\">[^<]*<span class=\"note\">household_id", page)
    persons = (
        "person_id,household_id,name,relation,birth_date\n"
        "NP1,B1,某甲,20,2001-01-01\n"  # joins county B's household
        "QB2,A1,钱六,12,1982-01-01\n"  # a county-B person moved into this township
    )
    status, page = upload(client, persons=("p.csv", persons.encode()))
    # B1 reads like a household that does not exist; QB2 is refused without confirming it exists.
    assert status == 422 and "本次导入和本辖区登记中均无此家庭" in page and "此成员编号不能在本辖区导入" in page
    assert "已登记在您的辖区" not in page and "所属家庭不在您的辖区" not in page
    assert counts(world.engine) == before
    english = client.post(
        "/import/check?lang=en", files={"households": ("hh.csv", households.encode())}
    ).text  # the reasons in the page's language
    assert "outside your jurisdiction" in english and "居住地不在" not in english


def test_who_may_import(client: TestClient) -> None:
    for user in ("village_a", "city_analyst"):
        sign_in(client, user)
        assert client.get("/import").status_code == 403
        assert client.post("/import/check", files={"households": ("h.csv", b"x")}).status_code == 403
    assert "乡镇（街道）经办人员" in sign_in(client, "village_a").get("/import").text  # says why
    sign_in(client, "township_a")
    page = client.get("/import")
    assert page.status_code == 200 and 'for="households"' in page.text and 'for="persons"' in page.text
    template = client.get("/import/template.xlsx")
    assert openpyxl.load_workbook(io.BytesIO(template.content)).sheetnames[:2] == ["家庭", "家庭成员"]
    assert "Import households and members" in client.get("/import", params={"lang": "en"}).text


def test_upload_problems_are_said_plainly(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(client, "township_a")
    status, page = upload(client)
    assert status == 422 and "请选择要上传的文件" in page
    status, page = upload(client, households=("old.xls", b"\xd0\xcf\x11\xe0 an old Excel file"))
    assert status == 422 and "不支持的文件类型.xls" in page
    assert 'id="valid-only"' not in page  # a file that cannot be read has no good rows to import
    failed = re.search(r"/import/report/([^\"]+)", page)
    assert failed
    refused = client.post("/import/run", data={"token": failed.group(1)})  # checked again: refused again
    assert refused.status_code == 422 and 'id="error-count"' in refused.text and "导入完成" not in refused.text
    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 1000)
    status, page = upload(client, households=("big.csv", b"household_id\n" + b"x" * 2000))
    assert status == 413 and "文件过大" in page


def test_another_users_report_is_not_found(client: TestClient, world: World) -> None:
    sign_in(client, "reviewer_a")
    _, page = upload(client, households=("hh.csv", b"household_id,residence_division,urban_rural\nZ1,110105001001,x\n"))
    url = re.search(r'href="(/import/report/[^"]+)"', page)
    assert url and client.get(url.group(1)).status_code == 200
    sign_in(client, "admin_a")
    assert client.get(url.group(1)).status_code == 404  # the token names a folder of reviewer_a's only
    assert client.get("/import/report/..%2F..%2Fminsheng.db").status_code == 404
    assert all(n not in page for n in CLEAR_IDS)


def test_after_a_failed_check_the_good_rows_import_or_a_fixed_file_is_checked_with_the_other_kept(
    client: TestClient, world: World, contract_fixtures: Path, valid_files: dict[str, bytes]
) -> None:
    sign_in(client, "reviewer_a")
    faulty = (contract_fixtures / "invalid" / "persons_bad_check_digit.csv").read_bytes()
    status, page = upload(
        client, households=("households.csv", valid_files["households.csv"]), persons=("persons.csv", faulty)
    )
    assert status == 422
    # The steps say what happened: upload done, the check failed (current), import not started.
    steps = re.findall(r'<li class="(\w+)"', page.split('id="steps"')[1].split("</ol>")[0])
    assert steps == ["done", "failed", "todo"]
    # Both chosen files are kept: checking again with only the fixed members file works.
    assert "已保留：households.csv" in page and "已保留：persons.csv" in page
    again = client.post(
        "/import/check",
        data={"token": token_of(page)},
        files={"persons": ("persons.csv", valid_files["persons.csv"])},
    )
    assert again.status_code == 200 and "检查通过" in again.text
    assert re.search(r"家庭</th><td class=\"left\">households.csv</td><td>5<", again.text)  # the kept file, checked
    steps = re.findall(r'<li class="(\w+)"', again.text.split('id="steps"')[1].split("</ol>")[0])
    assert steps == ["done", "done", "now"]

    # The good rows only: the household with the wrong member is left out whole.
    status, page = upload(
        client, households=("households.csv", valid_files["households.csv"]), persons=("persons.csv", faulty)
    )
    before = counts(world.engine)
    done = client.post("/import/run", data={"token": token_of(page), "valid_only": "true"})
    assert done.status_code == 200 and 'id="left-out"' in done.text
    added = counts(world.engine)
    assert 0 < added[0] - before[0] < 5 and 0 < added[1] - before[1] < 7
    assert re.search(r'id="summary-persons">.*?class="rejected">[1-9]', done.text, re.S)
    report_url = re.search(r'href="(/import/report/[^"]+)"', done.text)
    assert report_url and client.get(report_url.group(1)).status_code == 200  # the masked report stays
    data = client.app.state.minsheng.settings.data  # type: ignore[attr-defined]
    assert not list((data / "uploads").glob("*/*/in-*/*"))  # the clear ID numbers are gone
    with world.engine.connect() as conn:
        detail = conn.execute(select(AUDIT_LOG.c.detail).where(AUDIT_LOG.c.action == "import")).scalar_one()
    assert json.loads(detail)["valid_only"] is True
