"""本地参数 as a page (issue 12 §5), on SQLite and PostgreSQL: an administrator proposes a value
through the form (each problem beside its field, in Chinese or English), cannot approve it
herself, another administrator approves, and the household page assesses with it; the filled
template uploaded (row errors listed, nothing kept), the template and export downloaded, a
rejection needing a reason, and who may see the page at all. The world's counties start with
their own values approved (the demo file: `world.set_local_parameters`), as a county would."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_page_work_orders import client_for, form

from minsheng.bootstrap import App
from minsheng.demo.local_params import DEMO_FILE
from minsheng.localparams import local_file, store, workbook
from minsheng.localparams.values import LocalValue
from minsheng.programmes.registry import baseline
from minsheng.security.tables import AUDIT_LOG
from minsheng.security.users import create_user
from minsheng.settings import Settings
from minsheng.web.api.deps import today
from minsheng.web.app import create_app
from world import CIPHER, LOCAL_PARAMETERS, PASSWORD, TODAY, World

URL = "/local-parameters"
PROPOSAL = {
    "parameter": "dibao.standard",
    "effective": "2026-06-01",
    "value": "2100",
    "doc": "朝民发〔2026〕3号",
    "title": "关于调整城乡低保标准的通知",
}


@pytest.fixture
def app(world: World, tmp_path: Path) -> object:
    with world.engine.begin() as conn:
        create_user(conn, "admin_a2", "第二管理员", "administrator", "110105", PASSWORD)
    web = create_app(App(Settings(data=tmp_path), world.engine, CIPHER))
    web.dependency_overrides[today] = lambda: TODAY
    return web


def pending(world: World) -> list[int]:
    """The submissions waiting for a decision (the world's own are approved already)."""
    with world.engine.connect() as conn:
        return [b["id"] for b in store.batches(conn, status="pending")]


def dibao_status(client: TestClient, household: str) -> str:
    found = re.search(r'data-programme="dibao" data-status="(\w+)"', client.get(f"/households/{household}").text)
    assert found, "no dibao on the household page"
    return found.group(1)


def choice(page: str, pid: str) -> tuple[str, str]:
    """(status, value cell) of one local choice's row on the page."""
    row = re.search(rf'<tr data-parameter="{re.escape(pid)}" data-status="(\w+)">(.*?)</tr>', page, re.S)
    assert row, f"no row for {pid}"
    value = re.search(r'<td class="value">([^<]*)</td>', row.group(2))
    assert value
    return row.group(1), value.group(1)


def test_proposed_refused_to_its_maker_approved_by_another_then_in_force(app: object, world: World) -> None:
    admin = client_for(app, "admin_a")
    page = admin.get(URL).text
    assert 'href="/local-parameters"' in page  # in the administrator's navigation
    assert choice(page, "dibao.standard") == ("set_here", "1520")  # the county's approved value, to be replaced
    assert dibao_status(admin, "A1") == "ineligible"  # 2,000 yuan a head over the 1,520 standard

    sent = admin.post(f"{URL}/propose", data=form(page, "propose") | PROPOSAL, follow_redirects=False)
    assert sent.status_code == 303 and "done=proposed" in sent.headers["location"]
    page = admin.get(sent.headers["location"]).text
    batch = int(re.search(r'data-batch="(\d+)"', page).group(1))  # type: ignore[union-attr]
    assert "等待另一人审批" in page and "这是您提交的，须由另一人审批" in page
    assert choice(page, "dibao.standard") == ("set_here", "1520")  # pending: nothing changes

    own = admin.post(f"{URL}/{batch}/approve", data={"note": "同意"})
    assert own.status_code == 403
    assert re.search(r'id="decide-error">提交人不能审批自己提交的本地参数', own.text)
    assert dibao_status(admin, "A1") == "ineligible"

    other = client_for(app, "admin_a2")
    done = other.post(f"{URL}/{batch}/approve", data={"note": "局务会通过"}, follow_redirects=False)
    assert done.status_code == 303 and "done=approved" in done.headers["location"]
    page = admin.get(URL).text
    assert choice(page, "dibao.standard") == ("set_here", "2100")
    assert "朝民发〔2026〕3号" in page and 'id="no-pending"' in page
    assert dibao_status(admin, "A1") == "eligible"  # the household page assesses with it
    resolved = admin.get("/api/parameters/dibao.standard", params={"region": "110105", "date": "2026-06-30"}).json()
    assert resolved["value"] == 2100 and resolved["source"]["doc"] == "朝民发〔2026〕3号"
    assert admin.get("/api/parameters/dibao.standard", params={"region": "110106"}).json()["value"] == 1520  # B's own
    with world.engine.connect() as conn:
        actions = conn.execute(select(AUDIT_LOG.c.action, AUDIT_LOG.c.actor).order_by(AUDIT_LOG.c.id)).all()
    world_made = []  # each county's own values, submitted and approved when the world was built
    for maker, checker in LOCAL_PARAMETERS.values():
        world_made += [("submit_local_parameters", maker), ("approve_local_parameters", checker)]
    assert [tuple(a) for a in actions if "local_parameters" in a[0]] == [
        *world_made,
        ("submit_local_parameters", "admin_a"),
        ("approve_local_parameters", "admin_a2"),
    ]


def test_each_problem_is_shown_beside_its_field_in_either_language(app: object, world: World) -> None:
    admin = client_for(app, "admin_a")
    typed = PROPOSAL | {"value": "一千", "doc": "", "effective": "2026-6-1", "value_rural": "900"}
    shown = admin.post(f"{URL}/propose", data=typed)
    assert shown.status_code == 422
    assert re.search(r'id="e-value">取值应为数字', shown.text)
    assert re.search(r'id="e-doc">请填写文号', shown.text)
    assert re.search(r'id="e-effective">生效日期应为 YYYY-MM-DD', shown.text)
    assert 'name="doc"' in shown.text and 'aria-invalid="true" aria-describedby="e-doc"' in shown.text
    assert form(shown.text, "propose")["value"] == "一千"  # what was typed stays
    english = admin.post(f"{URL}/propose?lang=en", data=typed | {"parameter": "dibao.max_vehicles"})
    assert re.search(r'id="e-value">the value must be a number', english.text)
    # a rural value for a parameter with no urban/rural split is refused under the rural field
    assert re.search(r'id="e-value_rural">urban/rural must be blank', english.text)
    assert pending(world) == []  # nothing was submitted


def test_urban_and_rural_values_in_one_proposal(app: object, world: World) -> None:
    admin = client_for(app, "admin_a")
    sent = admin.post(
        f"{URL}/propose", data=PROPOSAL | {"value": "2100", "value_rural": "1900"}, follow_redirects=False
    )
    assert sent.status_code == 303
    (batch,) = pending(world)
    with world.engine.connect() as conn:
        (value,) = store.batch_values(conn, batch)
    assert value.value == {"urban": "2100", "rural": "1900"} and value.region == "110105"


def test_the_filled_template_uploaded_all_or_nothing(app: object, world: World, tmp_path: Path) -> None:
    admin = client_for(app, "admin_a")
    template = admin.get(f"{URL}/template.xlsx")
    assert template.status_code == 200 and template.headers["content-type"].startswith("application/vnd.openxml")
    sheet = openpyxl.load_workbook(io.BytesIO(template.content))[workbook.SHEET]
    assert sheet["A1"].value == "参数编号 parameter" and sheet["H2"].value == "110105"  # the user's area filled in
    day = dt.date(2026, 6, 1)
    good = LocalValue("dibao.max_vehicles", "110105", day, {"": "1"}, doc="朝民发〔2026〕4号")
    bad = LocalValue("dibao.max_properties", "110105", day, {"": "两套"}, doc="朝民发〔2026〕4号")
    refused = workbook.write(tmp_path / "bad.xlsx", baseline(), "110105", [good, bad])
    shown = admin.post(f"{URL}/upload", files={"file": ("本地参数.xlsx", refused.read_bytes())})
    assert shown.status_code == 422 and 'id="upload-errors"' in shown.text
    errors = shown.text.split('id="upload-errors"')[1].split("</table>")[0]
    assert "取值" in errors and "两套" in errors and "取值应为数字" in errors
    assert pending(world) == []  # the good row was not kept either
    accepted = workbook.write(tmp_path / "good.xlsx", baseline(), "110105", [good])
    sent = admin.post(f"{URL}/upload", files={"file": ("本地参数.xlsx", accepted.read_bytes())}, follow_redirects=False)
    assert sent.status_code == 303 and "done=uploaded" in sent.headers["location"]
    reviewer = client_for(app, "reviewer_a")  # a county reviewer may decide too, not propose
    page = reviewer.get(URL).text
    assert 'id="propose"' not in page and 'href="/local-parameters"' not in page  # nor is it in her menu
    (batch,) = pending(world)
    assert reviewer.post(f"{URL}/{batch}/approve", data={}, follow_redirects=False).status_code == 303
    exported = admin.get(f"{URL}/export.xlsx")
    path = tmp_path / "export.xlsx"
    path.write_bytes(exported.content)
    again = workbook.read(path, baseline(), "110105")
    approved = {(v.parameter, v.effective) for v in local_file.read(DEMO_FILE, baseline(), "110105")}
    assert {(v.parameter, v.effective) for v in again} == approved | {("dibao.max_vehicles", day)}
    assert [(v.value, v.doc) for v in again if v.effective == day] == [({"": "1"}, "朝民发〔2026〕4号")]


def test_a_rejection_needs_a_reason(app: object, world: World) -> None:
    admin = client_for(app, "admin_a")
    admin.post(f"{URL}/propose", data=PROPOSAL)
    other = client_for(app, "admin_a2")
    (batch,) = pending(world)
    blank = other.post(f"{URL}/{batch}/reject", data={"note": " "})
    assert blank.status_code == 422 and re.search(r'id="decide-error">退回须填写理由', blank.text)
    done = other.post(f"{URL}/{batch}/reject", data={"note": "文号有误"}, follow_redirects=False)
    assert done.status_code == 303
    page = admin.get(URL).text
    assert choice(page, "dibao.standard") == ("set_here", "1520") and "文号有误" in page
    again = other.post(f"{URL}/{batch}/approve", data={})
    assert again.status_code == 409 and "不能再审批" in again.text


@pytest.mark.parametrize("user", ["township_a", "village_a", "city_analyst"])
def test_only_administrators_and_reviewers_see_it(app: object, user: str) -> None:
    client = client_for(app, user)
    assert 'href="/local-parameters"' not in client.get("/").text
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}/propose", data=PROPOSAL).status_code == 403
    assert client.get(f"{URL}/export.xlsx").status_code == 403
