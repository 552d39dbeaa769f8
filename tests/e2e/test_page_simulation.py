"""改革测算 as a page (issue 13 §2), on SQLite and PostgreSQL: the form lists every parameter of the
programme with its value in force, level and source; typed values are checked beside their field;
a saved scenario is versioned, audited and shared within the area only; up to three run against
current policy in the background, and the run's page shows charts with tables, townships sorted by
change, and the report as PDF and Excel. Caseworkers do not get the page."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from test_page_work_orders import client_for, form
from test_plain_chinese import leaks, visible

from minsheng.bootstrap import App
from minsheng.security.tables import AUDIT_LOG
from minsheng.settings import Settings
from minsheng.simulation.tables import SCENARIOS
from minsheng.web.api.deps import today
from minsheng.web.app import create_app
from world import CIPHER, TODAY, World


@pytest.fixture
def app(world: World, tmp_path: Path) -> object:
    web = create_app(App(Settings(data=tmp_path), world.engine, CIPHER))
    web.dependency_overrides[today] = lambda: TODAY
    return web


def save(client: TestClient, name: str, fields: dict[str, str], status: int = 303) -> str:
    page = client.get("/simulation/new?programme=dibao").text
    data = form(page, "scenario-form") | {"name": name} | fields
    saved = client.post("/simulation/new", data=data, follow_redirects=False)
    assert saved.status_code == status, saved.text[:2000]
    return saved.headers.get("location", "") if status == 303 else saved.text


def finished(client: TestClient, url: str) -> str:
    for _ in range(600):
        page = client.get(url).text
        if 'id="progress"' not in page:
            return page
        assert '<meta http-equiv="refresh"' in page  # the page follows the job by itself
        time.sleep(0.05)
    raise AssertionError("the run did not finish")


def township_changes(page: str) -> list[float]:
    """The first reform's monthly cost change in each township row, in the page's order."""
    rows = re.findall(r'<tr data-township="\d+">(.*?)</tr>', page, re.S)
    return [float(re.findall(r"<td>([^<]+)</td>", row)[3].replace(",", "")) for row in rows]


def current(page: str, pid: str) -> str:
    row = re.search(rf'<tr data-parameter="{re.escape(pid)}">(.*?)</tr>', page, re.S)
    assert row, f"no row for {pid}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(1)))


def test_the_form_shows_each_parameter_with_its_value_level_and_source(app: object) -> None:
    reviewer = client_for(app, "reviewer_a")
    page = reviewer.get("/simulation/new?programme=dibao").text
    standard = current(page, "dibao.standard")
    assert "1520" in standard and "县级" in standard  # the county's own standard, set at county level
    assert "国家" in current(page, "dibao.elderly_age")  # a national value says so
    assert 'name="p:dibao.standard"' in page and 'name="v:dibao.standard:urban"' in page


def test_bad_values_are_shown_beside_their_fields_and_nothing_is_saved(app: object, world: World) -> None:
    reviewer = client_for(app, "reviewer_a")
    page = save(reviewer, "", {"v:dibao.standard:urban": "-5", "p:dibao.floor_ratio": "abc"}, status=422)
    assert 'id="e-name"' in page
    assert "不能为负数" in page and "请填写数字" in page
    nothing = save(reviewer, "空方案", {}, status=422)
    assert "没有修改任何参数" in nothing
    with world.engine.connect() as conn:
        assert conn.execute(select(SCENARIOS.c.id)).first() is None


def test_a_saved_scenario_is_versioned_audited_and_shared_within_the_area_only(app: object, world: World) -> None:
    reviewer = client_for(app, "reviewer_a")
    first = save(reviewer, "提标5%", {"p:dibao.standard": "5"})
    page = reviewer.get(first).text
    assert "1520" in page and "1596" in page  # old → new, to the fen
    assert "第1版" in page
    second = save(reviewer, "提标5%", {"p:dibao.standard": "8"})
    assert "第2版" in reviewer.get(second).text
    yaml_file = reviewer.get(second.split("?")[0] + "/reform.yaml").text
    assert "1641.6" in yaml_file  # 1520 × 1.08, rounded half up to the fen
    # the edit link opens the form with the saved values
    edit = reviewer.get(f"/simulation/new?base={second.split('/')[-1].split('?')[0]}").text
    assert 'value="1641.60"' in edit
    with world.engine.connect() as conn:
        versions = conn.execute(select(SCENARIOS.c.version).order_by(SCENARIOS.c.id)).scalars().all()
        saves = conn.execute(select(AUDIT_LOG.c.id).where(AUDIT_LOG.c.action == "save_scenario")).all()
    assert versions == [1, 2] and len(saves) == 2
    # the city's analyst sees the county's scenario; the other county's reviewer does not
    assert client_for(app, "city_analyst").get(first).status_code == 200
    assert client_for(app, "reviewer_b").get(first).status_code == 404
    # caseworkers have no reform simulation
    town = client_for(app, "township_a")
    assert town.get("/simulation").status_code == 403
    assert "/simulation" not in town.get("/").text


def test_two_versions_run_side_by_side_with_charts_tables_and_reports(app: object, world: World) -> None:
    reviewer = client_for(app, "reviewer_a")
    ids = [
        save(reviewer, name, {"p:dibao.standard": p}).split("/")[-1].split("?")[0]
        for name, p in (("甲", "5"), ("乙", "30"))
    ]
    with world.engine.connect() as conn:
        runs_as = dict(conn.execute(select(SCENARIOS.c.id, SCENARIOS.c.reform_id)).all())
    small, large = runs_as[int(ids[0])], runs_as[int(ids[1])]
    started = reviewer.post(
        "/simulation/runs",
        data={"scenario": ids, "dates": TODAY.isoformat(), "frame": "registry"},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    url = started.headers["location"]
    page = finished(reviewer, url)
    assert 'id="failed"' not in page, page[:3000]
    assert page.count("<svg") == 4  # cost, recipients, deciles, winners/losers (no equity on the registry frame)
    assert 'id="registry-frame"' in page
    assert "登记库实测" in page  # take-up measured against the registry's enrolments, not assumed
    rows = re.findall(
        r'<tr data-programme="dibao" data-scenario="(\w+)">.*?<td class="change">([^<]+)</td>', page, re.S
    )
    change = {s: float(v.replace(",", "")) for s, v in rows}
    assert change["baseline"] == 0 and 0 < change[small] < change[large]  # a bigger rise costs more
    # the townships sorted by the first reform's change, largest first; by name on request
    assert [abs(c) for c in township_changes(page)] == sorted((abs(c) for c in township_changes(page)), reverse=True)
    by_name = reviewer.get(f"{url}?sort=township").text
    towns = re.findall(r'<tr data-township="(\d+)">', by_name)
    assert len(towns) > 1 and towns == sorted(towns)
    # the Chinese page shows no internal code and no English word
    assert not leaks(visible(page)), leaks(visible(page))
    assert not leaks(visible(reviewer.get("/simulation").text))
    pdf = reviewer.get(f"{url}/report/{small}/{TODAY.isoformat()}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "低保" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    xlsx = reviewer.get(f"{url}/report/{large}/{TODAY.isoformat()}.xlsx")
    assert xlsx.status_code == 200 and "summary" in openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
    # another county's reviewer cannot read the run
    assert client_for(app, "reviewer_b").get(url).status_code == 404
    # the index lists the run and both scenarios
    index = reviewer.get("/simulation").text
    assert url.split("/")[-1][:8] in index and index.count('name="scenario"') == 2


def test_more_than_three_scenarios_are_refused(app: object) -> None:
    reviewer = client_for(app, "reviewer_a")
    ids = [save(reviewer, f"方案{i}", {"p:dibao.standard": str(i)}).split("/")[-1].split("?")[0] for i in range(1, 5)]
    refused = reviewer.post(
        "/simulation/runs", data={"scenario": ids, "dates": TODAY.isoformat()}, follow_redirects=False
    )
    assert refused.status_code == 422 and "1至3个方案" in refused.text
