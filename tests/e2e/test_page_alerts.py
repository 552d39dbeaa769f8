"""The alert queue and one alert, as pages: filters, red first, the bulk "open work orders and
assign" (all or nothing), the evidence behind an alert, another county's and an analyst's view."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.bootstrap import App
from minsheng.casework.tables import WORK_ORDERS
from minsheng.contract.columns import FEED_KINDS
from minsheng.monitoring.tables import ALERTS
from minsheng.monitoring.warnings import RULES
from minsheng.settings import Settings
from minsheng.web.api.deps import today
from minsheng.web.app import create_app
from minsheng.web.messages import catalogue
from world import CIPHER, PASSWORD, TODAY, World


@pytest.fixture
def app(world: World, tmp_path: Path) -> object:
    web = create_app(App(Settings(data=tmp_path), world.engine, CIPHER))
    web.dependency_overrides[today] = lambda: TODAY  # ages and deadlines counted from the world's date
    return web


def client_for(app: object, user: str) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    response = client.post("/login", data={"username": user, "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def red_alert(world: World) -> int:
    """A second alert in county A, in the other township: red, ten days old (A2 bought a car).
    The world's alert on A1 is made orange here, whatever grade the rules give it now."""
    with world.engine.begin() as conn:
        conn.execute(ALERTS.update().where(ALERTS.c.id == world.alert_a).values(severity="orange"))
        result = conn.execute(
            ALERTS.insert().values(
                open_key="A2:exit_vehicle",
                household_id="A2",
                reason="exit_vehicle",
                direction="exit",
                severity="red",
                status="open",
                first_event=TODAY - dt.timedelta(days=10),
                last_event=TODAY - dt.timedelta(days=10),
                evidence="[]",
                county="110105",
                township="110105002",
                version=1,
            )
        )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def rows(page: str) -> list[int]:
    """The alert ids of the queue's table, in the order shown."""
    return [int(n) for n in re.findall(r'<tr id="alert-(\d+)"', page)]


def test_the_queue_filters_and_shows_red_first(app: object, world: World, red_alert: int) -> None:
    county = client_for(app, "reviewer_a")
    page = county.get("/alerts").text
    assert rows(page) == [red_alert, world.alert_a]  # red before orange
    row_a = page[page.index(f'<tr id="alert-{world.alert_a}"') :].split("</tr>")[0]
    # what a caseworker scans by: head (ID masked), village, reason, the figure, the deadline
    assert "张一<br>" in row_a and 'href="/households/A1">A1</a> · 110105********0219' in row_a
    assert "110105198001010219" not in page
    assert "建外街道 · " in row_a and "失业" in row_a and "月失业金 1,800.00 元/月" in row_a
    assert '<span class="badge orange">橙色</span>' in row_a and "<td>121</td>" in row_a  # 2026-03-01 → 06-30
    # orange: 7 working days from Sunday 1 March 2026 → Tuesday 10 March; long past on 30 June
    assert "2026-03-10 <strong" in row_a and "已超期" in row_a
    assert rows(county.get("/alerts", params={"severity": "orange"}).text) == [world.alert_a]
    assert rows(county.get("/alerts", params={"reason": "exit_vehicle"}).text) == [red_alert]
    assert rows(county.get("/alerts", params={"township": "110105002"}).text) == [red_alert]
    assert rows(county.get("/alerts", params={"min_age_days": "30"}).text) == [world.alert_a]
    assert rows(county.get("/alerts", params={"status": "closed"}).text) == []
    assert rows(county.get("/alerts", params={"severity": "purple", "min_age_days": "x"}).text) == rows(page)
    filtered = county.get("/alerts", params={"severity": "red", "township": "110105002"}).text
    assert '<option value="red" selected>' in filtered and '<option value="110105002" selected>' in filtered
    # A township caseworker sees its township's alerts; a village caseworker may not open orders.
    assert rows(client_for(app, "township_a").get("/alerts").text) == [world.alert_a]
    village = client_for(app, "village_a").get("/alerts").text
    assert rows(village) == [world.alert_a] and 'type="checkbox"' not in village and "/alerts/assign" not in village


def test_bulk_assign_is_all_or_nothing(app: object, world: World, red_alert: int) -> None:
    county = client_for(app, "reviewer_a")
    page = county.get("/alerts").text
    choice = page[page.index('<select id="assignee"') :].split("</select>")[0]
    offered = re.findall(r'<option value="([a-z_0-9]+)"', choice)
    assert offered == ["township_a", "village_a", "township_a2"]  # field workers covering A1 or A2; not B's
    # village_a covers A1 but not A2: the second alert fails, and the first is not kept either.
    failed = county.post(
        "/alerts/assign?status=open", data={"alert": [str(world.alert_a), str(red_alert)], "assignee": "village_a"}
    )
    assert failed.status_code == 422
    assert f"预警 {red_alert}" in failed.text and "未建立任何工单" in failed.text
    assert f'value="{world.alert_a}:1" aria-label' in failed.text and failed.text.count(" checked>") == 2  # kept
    assert '<option value="village_a" selected>' in failed.text
    with world.engine.connect() as conn:
        assert conn.execute(select(WORK_ORDERS.c.id)).all() == []
        assert set(conn.execute(select(ALERTS.c.status)).scalars()) == {"open"}
    nothing = county.post("/alerts/assign", data={"assignee": "village_a"})
    assert nothing.status_code == 422 and "请先勾选" in nothing.text
    done = county.post(
        "/alerts/assign?severity=orange",
        data={"alert": [str(world.alert_a)], "assignee": "village_a"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/alerts?")
    assert "severity=orange" in done.headers["location"] and "opened=1" in done.headers["location"]
    shown = county.get(done.headers["location"]).text
    assert "已建立 1 张核查工单并派给 village_a。" in shown
    with world.engine.connect() as conn:
        order = conn.execute(select(WORK_ORDERS)).mappings().one()
        alert = conn.execute(select(ALERTS.c.status).where(ALERTS.c.id == world.alert_a)).scalar()
    assert (order["alert_id"], order["status"], order["assignee"], order["version"]) == (
        world.alert_a,
        "assigned",
        "village_a",
        2,
    )
    assert alert == "in_check"
    queue = county.get("/alerts", params={"status": ""}).text
    assert f'href="/work-orders/{order["id"]}"' in queue  # the alert links to its work order


def test_an_alert_shows_its_evidence_and_opens_a_work_order(app: object, world: World) -> None:
    town = client_for(app, "township_a")
    page = town.get(f"/alerts/{world.alert_a}")
    assert page.status_code == 200
    assert "110105********0219" in page.text and "110105198001010219" not in page.text  # masked only
    assert "人社部门" in page.text and "失业登记" in page.text and "月失业金：1,800.00 元" in page.text
    assert "开始领取失业金" in page.text and "可能陷入困难" in page.text
    opened = town.post(f"/alerts/{world.alert_a}/work-order", follow_redirects=False)
    assert opened.status_code == 303
    order_id = int(opened.headers["location"].split("/")[-1].split("?")[0])
    again = town.post(f"/alerts/{world.alert_a}/work-order")
    assert again.status_code == 409 and "该预警已有工单" in again.text
    assert f'href="/work-orders/{order_id}"' in again.text and "核查中" in again.text  # the current state
    assert '/work-order"' not in town.get(f"/alerts/{world.alert_a}").text  # no second "open" button
    assert town.get("/alerts/no-such").status_code == 404


def test_other_county_gets_404_an_analyst_403_and_no_session_the_login(app: object, world: World) -> None:
    other = client_for(app, "reviewer_b")
    refused = other.get(f"/alerts/{world.alert_a}")
    assert refused.status_code == 404 and "张一" not in refused.text
    assert rows(other.get("/alerts").text) == [world.alert_b]
    assert other.post(f"/alerts/{world.alert_a}/work-order").status_code == 404
    assert client_for(app, "city_analyst").get("/alerts").status_code == 403
    anonymous = TestClient(app).get("/alerts", follow_redirects=False)  # type: ignore[arg-type]
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_the_english_switch(app: object, world: World) -> None:
    town = client_for(app, "township_a")
    page = town.get("/alerts", params={"lang": "en"}).text
    assert "Alert queue" in page and "Unemployment" in page and "预警队列" not in page
    assert "monthly benefit 1,800.00 yuan/month" in page
    detail = town.get(f"/alerts/{world.alert_a}").text  # the choice is kept in a cookie
    assert "Evidence (department records)" in detail and "monthly benefit: 1,800.00 yuan" in detail


def test_every_reason_and_record_kind_has_a_label() -> None:
    messages = catalogue()
    assert [r for r in RULES if f"reason.{r}" not in messages] == []
    assert [k for k in FEED_KINDS if f"al.kind.{k}" not in messages] == []
