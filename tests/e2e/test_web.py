"""The dashboard page over HTTP: login first, then the figures of the user's jurisdiction only."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from minsheng.bootstrap import bootstrap
from minsheng.demo.local_params import seed_local_parameters
from minsheng.registry.importer import import_files
from minsheng.security.users import create_user
from minsheng.settings import Settings
from minsheng.web.app import create_app


def test_summary_page_counts_the_registry_of_the_users_jurisdiction(tmp_path: Path) -> None:
    app = bootstrap(Settings(data=tmp_path))
    with app.engine.begin() as conn:
        create_user(conn, "county", "县审核员", "county_reviewer", "110105", "a long enough password")
        create_user(conn, "town", "街道经办", "township_caseworker", "110105002", "a long enough password")
    client = TestClient(create_app(app))
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/login")  # no session, no page
    refused = client.post("/login", data={"username": "county", "password": "wrong password!!"})
    assert "用户名或密码错误" in refused.text
    client.post("/login", data={"username": "county", "password": "a long enough password"})
    assert "对象库为空" in client.get("/").text
    hh = tmp_path / "hh.csv"
    hh.write_text(
        "household_id,residence_division,urban_rural\nA1,110105001001,urban\nA2,110105002003,rural\n"
        "A3,110105002001,rural\n",
        encoding="utf-8",
    )
    p = tmp_path / "p.csv"
    p.write_text(
        "person_id,household_id,name,relation,birth_date\nQ1,A1,甲,02,1980-01-01\nQ2,A2,乙,02,1970-01-01\n"
        "Q3,A2,丙,20,2000-01-01\n",
        encoding="utf-8",
    )
    import_files(app.engine, app.cipher, hh, p)
    page = client.get("/")
    assert page.status_code == 200
    assert '<dd id="households">3</dd>' in page.text and '<dd id="persons">3</dd>' in page.text
    assert "建外街道" in page.text and "朝外街道" in page.text
    town = TestClient(create_app(app))
    town.post("/login", data={"username": "town", "password": "a long enough password"})
    data = town.get("/api/summary").json()  # the township's own figures only
    assert (data["households"], data["persons"]) == (2, 2)
    assert data["townships"][0]["rural_persons"] == 2
    assert "Dashboard" in client.get("/", params={"lang": "en"}).text
    # Nothing on the page comes from another host.
    assert "http://" not in page.text.replace("http://testserver", "") and "https://" not in page.text


def test_programme_registry_and_parameter_api(tmp_path: Path) -> None:
    app = bootstrap(Settings(data=tmp_path))
    client = TestClient(create_app(app))
    programmes = {p["id"]: p for p in client.get("/api/programmes").json()}
    assert {"dibao", "tekun", "dibao_marginal", "rigid_expenditure_hardship"} <= set(programmes)
    assert programmes["dibao"]["label"]["zh"] == "最低生活保障"
    cites = {c["id"]: c["cite"] for c in programmes["dibao"]["conditions"]}
    assert all(cites.values()), cites  # every condition names its clause
    assert cites["dibao_income_below_standard"].startswith("社会救助暂行办法")
    asked = {"region": "110105001", "date": "2025-08-01", "axis": "urban"}
    unset = client.get("/api/parameters/dibao.standard", params=asked).json()
    assert (unset["value"], unset["level"], unset["supplied_by"]) == (None, None, None)  # the files set none
    seed_local_parameters(app.engine, "110105", tmp_path)  # the demo county's values, approved by a second person
    county = client.get("/api/parameters/dibao.standard", params=asked).json()
    assert (county["value"], county["level"], county["supplied_by"]) == (1520.0, "county", "110105")
    assert county["source"]["doc"] == "演示示例（非真实文号）"
    before = client.get("/api/parameters/dibao.standard", params={"region": "110105", "date": "2025-06-30"}).json()
    assert (before["value"], before["level"], before["effective"]) == (1450.0, "county", "2024-07-01")
    national = client.get("/api/parameters/dibao_marginal.income_multiple", params={"date": "2025-08-01"}).json()
    assert national["value"] == 1.5 and national["source"]["doc"] == "国办发〔2023〕39号"
    assert client.get("/api/parameters/no.such").status_code == 404
