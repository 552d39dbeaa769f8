"""The three queues as pages (alert queue, work-order list, discovery list): the dashboard's
numbers open lists of the same length, a bulk close with a reason, paging and filters kept in
the URL, and the Excel button of every list (no cell runs as a formula; numbers as numbers)."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.bootstrap import App
from minsheng.monitoring.tables import ALERTS
from minsheng.registry.tables import PERSONS
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
    assert client.post("/login", data={"username": user, "password": PASSWORD}, follow_redirects=False).is_redirect
    return client


def add_alerts(world: World, n: int, household: str = "A2") -> None:
    """`n` open red alerts on A2, one a day back from today, under made-up reasons' keys."""
    with world.engine.begin() as conn:
        for i in range(n):
            first = TODAY - dt.timedelta(days=i)
            conn.execute(
                ALERTS.insert().values(
                    open_key=f"{household}:made{i}", household_id=household, reason="exit_vehicle",
                    direction="exit", severity="red", status="open" if i % 3 else "in_check", first_event=first,
                    last_event=first, evidence="[]", county="110105", township="110105002", version=1,
                )
            )  # fmt: skip


def total(page: str) -> int:
    return int(re.search(r'<span id="total">(\d+)</span>', page).group(1))  # type: ignore[union-attr]


def test_every_dashboard_alert_number_opens_a_list_of_that_length(app: object, world: World) -> None:
    add_alerts(world, 60)  # 40 open, 20 being checked: the old dashboard linked to the open ones only
    county = client_for(app, "reviewer_a")
    dashboard = county.get("/").text
    cells = re.findall(r'<a href="(/alerts\?[^"]+)">([\d,]+)</a>', dashboard)
    assert len(cells) >= 4
    for href, shown in cells:
        assert total(county.get(html.unescape(href)).text) == int(shown.replace(",", "")), href
    red = re.search(r'<tr id="alerts-red">.*?</tr>', dashboard, re.S).group(0)  # type: ignore[union-attr]
    with world.engine.connect() as conn:  # the world's own alert on A1, red or not under today's rules
        own = conn.execute(select(ALERTS.c.severity).where(ALERTS.c.id == world.alert_a)).scalar() == "red"
    assert f">{60 + own}</a></td></tr>" in red
    # the grade's total link pages on the server: 50 rows, then the rest, the filters kept
    href = html.unescape(re.findall(r'href="(/alerts\?[^"]+)"', red)[-1])
    first = county.get(href).text
    assert first.count('<tr id="alert-') == 50 and "第 1 页，共 2 页" in first
    following = html.unescape(re.search(r'href="/alerts\?([^"]+)" rel="next"', first).group(1))  # type: ignore[union-attr]
    assert "status=unfinished" in following and "severity=red" in following and "page=2" in following
    assert county.get("/alerts?" + following).text.count('<tr id="alert-') == total(first) - 50


def test_a_bulk_close_needs_a_reason_and_keeps_the_filters(app: object, world: World) -> None:
    county = client_for(app, "reviewer_a")
    tick = f"{world.alert_a}:1"
    refused = county.post("/alerts/close?reason=unemployment", data={"alert": [tick], "close_reason": ""})
    assert refused.status_code == 422 and "请选择关闭原因" in refused.text and "未关闭任何预警" in refused.text
    assert f'value="{tick}" aria-label' in refused.text and " checked>" in refused.text  # the tick is kept
    stale = county.post("/alerts/close", data={"alert": [f"{world.alert_a}:9"], "close_reason": "stale"})
    assert stale.status_code == 409 and "已被他人修改" in stale.text
    other = county.post("/alerts/close", data={"alert": [f"{world.alert_b}:1"], "close_reason": "duplicate"})
    assert other.status_code == 404  # county B's alert, like one that does not exist
    assert client_for(app, "village_a").post("/alerts/close", data={"alert": [tick]}).status_code == 403
    done = county.post(
        "/alerts/close?reason=unemployment",
        data={"alert": [tick], "close_reason": "other", "close_note": "户主已就业"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "reason=unemployment" in done.headers["location"]
    assert "已关闭 1 条预警。" in county.get(done.headers["location"]).text
    with world.engine.connect() as conn:
        assert conn.execute(select(ALERTS.c.status).where(ALERTS.c.id == world.alert_a)).scalar() == "closed"


def test_the_alert_queue_as_excel(app: object, world: World) -> None:
    with world.engine.begin() as conn:  # a name typed as a formula must stay text
        conn.execute(PERSONS.update().where(PERSONS.c.person_id == "QA1").values(name='=HYPERLINK("x")'))
    county = client_for(app, "reviewer_a")
    page = county.get("/alerts", params={"reason": "unemployment"}).text
    href = html.unescape(re.search(r'id="excel" href="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    assert href.startswith("/alerts.xlsx?") and "reason=unemployment" in href
    book = openpyxl.load_workbook(io.BytesIO(county.get(href).content))
    sheet = book.active
    assert sheet is not None
    rows = [r for r in sheet.iter_rows() if any(c.value is not None for c in r)]
    header = [c.value for c in rows[1]]
    assert header[:4] == ["户主姓名", "户主身份证号（脱敏）", "联系电话（脱敏）", "户编号"]
    line = {h: c for h, c in zip(header, rows[2], strict=False)}
    assert line["户主姓名"].value == '=HYPERLINK("x")' and line["户主姓名"].data_type == "s"
    assert line["户主身份证号（脱敏）"].value == "110105********0219"
    assert line["触发金额（元）"].value == 1800 and line["触发金额（元）"].data_type == "n"
    assert line["已持续天数"].value == 121 and line["预警原因"].value == "失业"
    assert len(rows) == 3 + 2  # title, header, one alert (county A's only), two notes


def test_the_work_order_list_shows_head_figure_and_deadline(app: object, world: World) -> None:
    town = client_for(app, "township_a")
    assert town.post(f"/alerts/{world.alert_a}/work-order", follow_redirects=False).status_code == 303
    page = town.get("/work-orders").text
    row = page[page.index('<tr id="order-') :].split("</tr>")[0]
    assert "张一" in row and "110105********0219" in row and "月失业金 1,800.00 元/月" in row
    assert re.search(r"2026-07-0[0-9]", row)  # 3 or 7 working days from Tuesday 30 June 2026
    href = html.unescape(re.search(r'id="excel" href="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    sheet = openpyxl.load_workbook(io.BytesIO(town.get(href).content)).active
    assert sheet is not None
    values = [c for r in sheet.iter_rows(values_only=True) for c in r]
    assert "张一" in values and "110105198001010219" not in values


def test_the_discovery_list_pages_filters_and_exports(app: object, world: World, tmp_path: Path) -> None:
    stored = tmp_path / "discovery" / "discovery.csv"
    stored.parent.mkdir()
    stored.write_text(
        "kind,programme,household_id,residence_division,enrolled,eligible,current_benefit,computed_benefit,"
        "failed_conditions,observed_changes\n"
        "missed,dibao,A1,110105001001,false,true,,820.5,,\n"
        "changed,dibao,A2,110105002001,true,true,1020.0,1100.0,,\n"
        "missed,dibao,B1,110106001001,false,true,,820.0,,\n",
        encoding="utf-8",
    )
    county = client_for(app, "reviewer_a")
    page = county.get("/discovery").text
    assert total(page) == 2 and "赵五" not in page  # county B's household: never
    assert "张一" in page and "110105********0219" in page and "→ 820.5" in page and "未建工单" in page
    only = county.get("/discovery", params={"kind": "changed"}).text
    assert total(only) == 1 and "王三" in only and '<option value="changed" selected>' in only
    href = html.unescape(re.search(r'id="excel" href="([^"]+)"', only).group(1))  # type: ignore[union-attr]
    assert "kind=changed" in href
    sheet = openpyxl.load_workbook(io.BytesIO(county.get(href).content)).active
    assert sheet is not None
    cells = [c for r in sheet.iter_rows() for c in r if c.value is not None]
    assert any(c.value == 1100 and c.data_type == "n" for c in cells)
    assert county.get("/discovery", params={"township": "110106001"}).status_code == 404
