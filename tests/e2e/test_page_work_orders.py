"""Work orders as pages: a case from alert to approved enrolment through the forms only, a stale
version and a wrong value shown on the page with nothing lost, conflict-of-interest flags, the
list's filters, another county's and an analyst's view, and the English switch."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.bootstrap import App
from minsheng.casework import conflicts
from minsheng.casework.tables import WORK_ORDERS
from minsheng.db.uow import UnitOfWork
from minsheng.registry.tables import ENROLMENTS, HOUSEHOLDS
from minsheng.settings import Settings
from minsheng.web.api.deps import today
from minsheng.web.app import create_app
from world import CIPHER, PASSWORD, TODAY, World


@pytest.fixture
def app(world: World, tmp_path: Path) -> object:
    web = create_app(App(Settings(data=tmp_path), world.engine, CIPHER))
    web.dependency_overrides[today] = lambda: TODAY
    return web


def client_for(app: object, user: str) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    response = client.post("/login", data={"username": user, "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


class FormFields(HTMLParser):
    """What a browser would submit from the form with this id (inputs, selects, textareas)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, {}
        self._select: str | None = None
        self._first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name") and (a.get("type") != "checkbox" or "checked" in a):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select, self._first = a.get("name"), None
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = a.get("value") or ""
                self.fields[self._select] = self._first
            if "selected" in a:
                self.fields[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea or ""] = ""

    def handle_data(self, data: str) -> None:
        if self.inside and self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form(page: str, form_id: str) -> dict[str, str]:
    parser = FormFields(form_id)
    parser.feed(page)
    assert parser.fields, f"no form {form_id} on the page"
    return dict(parser.fields)


def open_order(app: object, world: World) -> tuple[TestClient, int]:
    """The township opens a work order from the alert's page: (its client, the order's id)."""
    town = client_for(app, "township_a")
    opened = town.post(f"/alerts/{world.alert_a}/work-order", follow_redirects=False)
    assert opened.status_code == 303
    return town, int(opened.headers["location"].split("/")[-1].split("?")[0])


def submit(client: TestClient, url: str, data: dict[str, str], status: int = 303) -> str:
    response = client.post(url, data=data, follow_redirects=False)
    assert response.status_code == status, response.text
    return response.headers.get("location", "") if status == 303 else response.text


def test_a_case_through_the_forms(app: object, world: World) -> None:
    town, order_id = open_order(app, world)
    url = f"/work-orders/{order_id}"
    page = town.get(url + "?done=open").text
    assert "已建立核查工单" in page and '<li aria-current="step">新建</li>' in page
    assert f'href="/alerts/{world.alert_a}"' in page and 'href="/households/A1"' in page and "失业" in page
    assert 'href="/households/A1/verification"' in page  # the case's household, verified against departments
    assign = form(page, "assign-form") | {"assignee": "village_a"}
    assert submit(town, url + "/assign", assign) == url + "?done=assign"

    village = client_for(app, "village_a")
    page = village.get(url).text
    assert "assign-form" not in page and "decision-form" not in page  # not a village caseworker's steps
    findings = form(page, "findings")
    # The alert's figure (unemployment: no wage) is the draft, marked; the rest is the registry's.
    assert findings["p.QA1.wage_income"] == "0.00" and findings["h.housing_area_m2"] == "30"
    assert findings["p.QA1.employment"] == "unemployed" and 'id="prefilled-help"' in page
    assert re.search(r'name="p\.QA1\.wage_income"[^>]*class="prefilled"', page)
    assert findings["version"] == "2" and findings["p.QA1.departed"] == ""
    # One unit per table: monthly incomes and yearly costs never share a column.
    monthly = page[page.index('id="findings-monthly"') :].split("</table>")[0]
    yearly = page[page.index('id="findings-yearly"') :].split("</table>")[0]
    assert "元/月" in monthly and "元/年" not in monthly and "元/年" in yearly and "元/月" not in yearly
    findings |= {"p.QA1.wage_income": "0", "p.QA1.employment": "unemployed", "note": "主要劳动力3月失业"}
    shown = submit(village, url + "/preview", findings, status=200)
    dibao = re.search(r'<tr id="re-dibao"([^>]*)>', shown)
    # The unemployment benefit the alert reported (1,800.00 a month) is prefilled as transfer income.
    assert dibao and 'data-before="ineligible" data-after="eligible"' in dibao.group(1)
    assert 'data-paid="0" data-due="124000" class="changed"' in dibao.group(1)
    assert form(shown, "findings")["p.QA1.transfer_income"] == "1800.00"
    assert "最低生活保障：符合，月发放 1,240.00 元" in shown  # the engine's explanation
    assert form(shown, "findings")["p.QA1.wage_income"] == "0"  # the typed values stay in the form
    assert submit(village, url + "/findings", findings) == url + "?done=findings"
    again = village.get(url).text
    kept = form(again, "findings")  # the saved findings, not the registry's values
    assert kept["p.QA1.wage_income"] == "0.00" and kept["note"] == "主要劳动力3月失业"
    with world.engine.connect() as conn:
        saved = json.loads(conn.execute(select(WORK_ORDERS.c.findings)).scalar_one())
    # Only what differs from the registry is recorded.
    assert saved == {
        "household": {},
        "persons": {"QA1": {"wage_income_fen": 0, "employment": "unemployed", "transfer_income_fen": 180000}},
        "departed": {},
        "note": "主要劳动力3月失业",
    }

    page = town.get(url).text
    assert '<li aria-current="step">已入户核查</li>' in page and "张一" in page and "失业" in page
    decision = form(page, "decision-form") | {"decision": "enrol", "programme": "dibao"}
    assert submit(town, url + "/decision", decision) == url + "?done=decision"
    proposed = town.get(url + "?done=decision").text
    assert "您目前没有可办理的操作" not in proposed
    assert "下一步" in proposed and "县级审核审批人员" in proposed and "township_a" in proposed
    household = town.get("/households/A1").text
    orders_listed = household[household.index('id="work-orders"') :].split("</ul>")[0]
    assert "待审批 · 失业 · 纳入 · 最低生活保障" in orders_listed
    assert "现发 0.00 → 应发 1,240.00 元/月（差额 +1,240.00）" in orders_listed

    reviewer = client_for(app, "reviewer_a")
    page = reviewer.get(url).text
    assert "纳入 · 最低生活保障 · 1,240.00 元/月" in page
    # 现发 → 应发: the household is paid nothing now, 1,240.00 once approved.
    assert "现发 0.00 → 应发 1,240.00 元/月（差额 +1,240.00）" in page
    no_reason = submit(reviewer, url + "/send-back", form(page, "send-back-form"), status=422)
    assert "请填写原因" in no_reason
    back = form(page, "send-back-form") | {"reason": "请补充收入证明"}
    confirm = submit(reviewer, url + "/send-back", back, status=200)  # the confirmation, nothing sent yet
    assert "请确认退回" in confirm and "请补充收入证明" in confirm
    with world.engine.connect() as conn:
        assert conn.execute(select(WORK_ORDERS.c.status)).scalar_one() == "decided"
    assert submit(reviewer, url + "/send-back", form(confirm, "confirm-form")) == url + "?done=send_back"
    page = town.get(url).text
    assert "请补充收入证明" in page and '<li aria-current="step">已入户核查</li>' in page
    submit(town, url + "/decision", form(page, "decision-form") | {"decision": "enrol", "programme": "dibao"})

    page = reviewer.get(url).text
    no_comment = submit(reviewer, url + "/approve", form(page, "approve-form"), status=422)
    assert "请填写审批意见" in no_comment
    typed = form(page, "approve-form") | {"comment": "同意纳入，按月发放"}
    confirm = submit(reviewer, url + "/approve", typed, status=200)
    assert "请确认审批" in confirm and "现发 0.00 → 应发 1,240.00" in confirm and "同意纳入，按月发放" in confirm
    assert submit(reviewer, url + "/approve", form(confirm, "confirm-form")) == url + "?done=approve"
    page = reviewer.get(url + "?done=approve").text
    assert "审批意见：同意纳入，按月发放" in page  # in the timeline
    assert '<li aria-current="step">已办结</li>' in page and "已审批，工单已办结" in page
    assert re.findall(r'data-action="(\w+)"', page) == [
        "open",
        "assign",
        "record_findings",
        "propose",
        "send_back",
        "propose",
        "approve",
    ]
    with world.engine.connect() as conn:
        assert conn.execute(select(ENROLMENTS.c.programme).where(ENROLMENTS.c.household_id == "A1")).all() == [
            ("dibao",)
        ]
        benefit = conn.execute(select(HOUSEHOLDS.c.current_benefit_fen).where(HOUSEHOLDS.c.household_id == "A1"))
        assert benefit.scalar() == 124000
    reopen = form(page, "reopen-form") | {"reason": "群众反映情况有变"}
    assert submit(reviewer, url + "/reopen", reopen) == url + "?done=reopen"
    assert '<li aria-current="step">已派单</li>' in reviewer.get(url).text


def test_a_stale_version_and_a_wrong_value_keep_what_was_typed(app: object, world: World) -> None:
    town, order_id = open_order(app, world)
    url = f"/work-orders/{order_id}"
    stale = form(town.get(url).text, "assign-form") | {"assignee": "village_a"}
    submit(town, url + "/assign", stale)
    again = submit(town, url + "/assign", stale | {"assignee": "township_a"}, status=409)  # version 1 is stale
    assert "已被他人修改" in again and "以下为工单的当前状态" in again
    assert '<li aria-current="step">已派单</li>' in again and form(again, "assign-form")["version"] == "2"
    assert form(again, "assign-form")["assignee"] == "township_a"  # the choice is kept
    village = client_for(app, "village_a")
    typed = form(village.get(url).text, "findings") | {"p.QA1.wage_income": "-5", "note": "复核"}
    wrong = submit(village, url + "/findings", typed, status=422)
    assert "张一 · 工资性收入（元/月）：应为不小于0" in wrong
    kept = form(wrong, "findings")
    assert kept["p.QA1.wage_income"] == "-5" and kept["note"] == "复核"
    assert re.search(r'name="p\.QA1\.wage_income"[^>]*aria-invalid="true"', wrong)
    vehicles = submit(village, url + "/findings", typed | {"p.QA1.wage_income": "0", "h.vehicles": "1.5"}, status=422)
    assert "机动车数：应为不小于0的整数" in vehicles
    with world.engine.connect() as conn:
        assert conn.execute(select(WORK_ORDERS.c.status, WORK_ORDERS.c.version)).one() == ("assigned", 2)


def test_hostile_numbers_in_the_findings_form_are_shown_not_stored(app: object, world: World) -> None:
    """Security #6 through the page: numbers outside the contract's ranges are a 422 on the form
    (never a server error, never the registry)."""
    town, order_id = open_order(app, world)
    url = f"/work-orders/{order_id}"
    submit(town, url + "/assign", form(town.get(url).text, "assign-form") | {"assignee": "village_a"})
    village = client_for(app, "village_a")
    typed = form(village.get(url).text, "findings")
    for key, number in (
        ("p.QA1.wage_income", "1e30"),
        ("p.QA1.wage_income", "1e17"),
        ("p.QA1.wage_income", "Infinity"),
        ("h.vehicles", "2147483648"),
        ("h.housing_area_m2", "1e30"),
        ("h.housing_area_m2", "NaN"),
        ("h.housing_area_m2", "2147483648"),
    ):
        for step in ("/preview", "/findings"):
            shown = submit(village, url + step, typed | {key: number}, status=422)
            assert form(shown, "findings")[key] == number, (key, number)  # kept as typed, to correct
            assert re.search(rf'name="{re.escape(key)}"[^>]*aria-invalid="true"', shown), (key, number)
    with world.engine.connect() as conn:
        assert conn.execute(select(WORK_ORDERS.c.findings, WORK_ORDERS.c.version)).one() == (None, 2)


def test_conflict_flags_overdue_and_the_list_filters(app: object, world: World, tmp_path: Path) -> None:
    reviewer = world.users["reviewer_a"]
    with UnitOfWork(world.engine, reviewer) as uow:
        conflicts.register(
            uow.connection,
            reviewer,
            CIPHER,
            worker_name="村干部甲",
            worker_username="village_a",
            worker_role="village_cadre",
            relative_name="李二",
            relative_id_number="110105198201010221",
            relation="spouse",
        )
        uow.commit()
    town, order_id = open_order(app, world)
    url = f"/work-orders/{order_id}"
    page = town.get(url).text
    flags = page[page.index('id="conflicts"') :].split("</section>")[0]
    assert "村干部甲" in flags and "村（居）委会干部" in flags and "配偶" in flags and "李二（QA2）" in flags
    assert "依规回避" in flags
    assert re.search(r'<option value="village_a" disabled>[^<]*回避', page)
    refused = submit(town, url + "/assign", form(page, "assign-form") | {"assignee": "village_a"}, status=422)
    assert "应回避" in refused
    submit(town, url + "/assign", form(page, "assign-form") | {"assignee": "township_a"})
    related = client_for(app, "village_a").get(url).text
    assert 'id="you-related"' in related and 'id="findings"' not in related  # no findings form for a relative
    assert 'id="findings"' in town.get(url).text

    listed = town.get("/work-orders").text
    row = listed[listed.index(f'<tr id="order-{order_id}"') :].split("</tr>")[0]
    assert '<span class="badge flag">' in row and 'class="overdue"' not in row and "已派单" in row
    assert f'order-{order_id}"' in town.get("/work-orders", params={"mine": "1"}).text
    assert f'order-{order_id}"' not in town.get("/work-orders", params={"status": "new"}).text
    assert f'order-{order_id}"' not in town.get("/work-orders", params={"overdue": "1"}).text
    assert f'order-{order_id}"' not in client_for(app, "reviewer_a").get("/work-orders?mine=1").text
    late = create_app(App(Settings(data=tmp_path), world.engine, CIPHER))
    late.dependency_overrides[today] = lambda: TODAY + dt.timedelta(days=60)  # past the deadline
    late_town = client_for(late, "township_a")
    listed = late_town.get("/work-orders", params={"overdue": "true"}).text
    assert f'<tr id="order-{order_id}" class="overdue">' in listed and "已超期" in listed
    assert 'class="overdue-mark"' in late_town.get(url).text


def test_other_county_404_analyst_403_and_english(app: object, world: World) -> None:
    town, order_id = open_order(app, world)
    url = f"/work-orders/{order_id}"
    other = client_for(app, "reviewer_b")
    refused = other.get(url)
    assert refused.status_code == 404 and "A1" not in refused.text
    assert other.post(url + "/assign", data={"assignee": "township_b", "version": "1"}).status_code == 404
    assert f"order-{order_id}" not in other.get("/work-orders").text
    assert client_for(app, "city_analyst").get("/work-orders").status_code == 403
    assert client_for(app, "city_analyst").get(url).status_code == 403
    english = town.get(url, params={"lang": "en"}).text
    assert "Work order" in english and "Assign to caseworker" in english and "Unemployment" in english
    assert "核查工单" not in english
    assert "Overdue only" in town.get("/work-orders").text  # the cookie keeps the choice


def test_a_death_recorded_on_the_form_leaves_the_household_once_approved(app: object, world: World) -> None:
    town, order_id = open_order(app, world)
    url = f"/work-orders/{order_id}"
    submit(town, url + "/assign", form(town.get(url).text, "assign-form") | {"assignee": "village_a"})
    village = client_for(app, "village_a")
    typed = form(village.get(url).text, "findings") | {"p.QA1.departed": "deceased", "note": "户主3月去世"}
    shown = submit(village, url + "/preview", typed, status=200)
    assert form(shown, "findings")["p.QA1.departed"] == "deceased"
    submit(village, url + "/findings", typed)
    page = village.get(url).text
    assert form(page, "findings")["p.QA1.departed"] == "deceased"  # kept after saving
    saved = page[page.index('id="saved"') :].split("</table>")[0]
    assert "张一" in saved and "在册情况" in saved and "死亡" in saved
    submit(town, url + "/decision", form(town.get(url).text, "decision-form") | {"decision": "no_change"})
    reviewer = client_for(app, "reviewer_a")
    typed = form(reviewer.get(url).text, "approve-form") | {"comment": "同意，户主已去世"}
    confirm = submit(reviewer, url + "/approve", typed, status=200)
    assert "离开本户的成员：张一（死亡）" in confirm
    submit(reviewer, url + "/approve", form(confirm, "confirm-form"))
    members = reviewer.get("/households/A1").text
    table = members[members.index('id="h-members"') :].split("</table>")[0]
    assert "李二" in table and "张一" not in table
    english = reviewer.get(url, params={"lang": "en"}).text
    assert "comment: 同意，户主已去世" in english and "Closed: the findings" in english
    assert "In the household" in english and "deceased" in english and "下一步" not in english
