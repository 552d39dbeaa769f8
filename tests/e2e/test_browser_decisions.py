"""Decisions that show what changes, in headless Chromium at 1366×768: the reviewer reads 现发 → 应发
and confirms with a comment; the link review leads with plain words and keeps the weights one
click away. Screenshots go to build/screenshots/ (and SHOTS_DIR when set)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import update

from minsheng.feeds.tables import FEED_RECORDS
from minsheng.linkage.tables import LINK_CANDIDATES
from minsheng.registry.tables import ENROLMENTS, HOUSEHOLDS, PERSONS
from world import PASSWORD, World

DIFFERENT_IDS = [
    {
        "comparison": "prior",
        "title": "prior",
        "title_zh": "先验",
        "level": None,
        "label": "",
        "label_zh": "",
        "weight": -18.0,
    },
    {
        "comparison": "name",
        "title": "name",
        "title_zh": "姓名",
        "level": 9,
        "label": "exact",
        "label_zh": "姓名完全相同",
        "weight": 8.1,
    },
    {
        "comparison": "dob",
        "title": "birth date",
        "title_zh": "出生日期",
        "level": 4,
        "label": "exact",
        "label_zh": "出生日期相同",
        "weight": 11.2,
    },
    {
        "comparison": "id_number",
        "title": "ID number",
        "title_zh": "身份号码",
        "level": 0,
        "label": "two valid numbers differ",
        "label_zh": "两个有效号码不同",
        "weight": -9.5,
    },
    {
        "comparison": "sex",
        "title": "sex",
        "title_zh": "性别",
        "level": -1,
        "label": "missing",
        "label_zh": "缺失",
        "weight": 0.0,
    },
]


def log_in(browser: Any, base: str, user: str) -> Any:
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    return page


def keep(path: Path) -> None:
    if os.environ.get("SHOTS_DIR"):
        shutil.copy(path, Path(os.environ["SHOTS_DIR"]) / path.name)


def test_the_reviewer_sees_the_money_and_confirms(chromium: Any, served_world: tuple[str, World], shots: Any) -> None:
    base, world = served_world
    with world.engine.begin() as conn:  # enrolled, paid a stale 500.00 a month
        conn.execute(ENROLMENTS.insert().values(household_id="A1", programme="dibao"))
        conn.execute(update(HOUSEHOLDS).where(HOUSEHOLDS.c.household_id == "A1").values(current_benefit_fen=50000))
        conn.execute(update(PERSONS).where(PERSONS.c.person_id == "QA1").values(wage_income_fen=0))
    town = log_in(chromium, base, "township_a")
    town.goto(f"{base}/alerts/{world.alert_a}")
    town.get_by_role("button", name="建立核查工单").click()
    town.wait_for_url(f"{base}/work-orders/*")
    order_url = town.url.split("#")[0].split("?")[0]
    town.locator("#assignee").select_option("township_a")
    town.get_by_role("button", name="派单").click()
    assert town.locator('input[name="p.QA1.transfer_income"]').input_value() == "1800.00"  # the alert's figure
    keep(shots(town, "s4-01-findings-prefilled"))
    town.locator("#note").fill("入户核查：户主3月失业，领失业金")
    town.locator("#save").click()
    assert town.locator('input[name="p.QA1.transfer_income"]').input_value() == "1800.00"  # kept after saving
    town.locator("#decision-choice").select_option("adjust")
    town.locator("#programme").select_option("dibao")
    town.get_by_role("button", name="提交审批").click()
    assert "县级审核审批人员" in town.locator("#next-step").inner_text()
    keep(shots(town, "s4-02-proposed-next-step"))

    reviewer = log_in(chromium, base, "reviewer_a")
    reviewer.goto(order_url)
    assert reviewer.locator("#approve-money").inner_text() == "现发 500.00 → 应发 1,240.00 元/月（差额 +740.00）"
    keep(shots(reviewer, "s4-03-approval"))
    reviewer.locator("#approve-comment").fill("同意调整，按核查结果发放")
    reviewer.get_by_role("button", name="同意（下一步确认）").click()
    assert reviewer.locator("#confirm-comment").inner_text() == "同意调整，按核查结果发放"
    keep(shots(reviewer, "s4-04-approval-confirm"))
    reviewer.get_by_role("button", name="确认同意并办结").click()
    assert "已审批" in reviewer.locator("#done").inner_text()
    reviewer.goto(f"{base}/households/A1")
    assert reviewer.locator("#current-benefit").inner_text() == "1,240.00"
    assert "现发 500.00 → 应发 1,240.00" in reviewer.locator("#work-orders").inner_text()
    keep(shots(reviewer, "s4-05-household-after"))


def test_the_link_review_reads_in_plain_words(chromium: Any, served_world: tuple[str, World], shots: Any) -> None:
    base, world = served_world
    with world.engine.begin() as conn:
        conn.execute(
            FEED_RECORDS.insert().values(
                feed_key="human_resources:X9",
                source="human_resources",
                record_id="X9",
                kind="wage_record",
                event_date=dt.date(2026, 5, 1),
                name="李二",
                birth_date=dt.date(1982, 1, 1),
                id_number_masked="110105********0447",
                residence_division="110105001001",
                county="110105",
                payload=json.dumps({"monthly_wage": 350000}),
                link_status="unmatched",
                file_name="wage_record.csv",
            )
        )
        conn.execute(
            LINK_CANDIDATES.insert().values(
                feed_key="human_resources:X9",
                person_id="QA2",
                household_id="A1",
                county="110105",
                match_weight=-8.2,
                match_probability=0.003,
                comparisons=json.dumps(DIFFERENT_IDS, ensure_ascii=False),
                status="pending",
                version=1,
            )
        )
    page = log_in(chromium, base, "township_a")
    page.goto(f"{base}/links")
    facts = page.locator(".plain-facts").first.inner_text()
    assert "相同：姓名完全相同、出生日期相同" in facts and "不同：两个有效号码不同" in facts
    assert page.locator("details.weights table").first.is_visible() is False  # one click away
    assert page.get_by_text("不是同一人：身份证号不同").first.is_visible()
    keep(shots(page, "s4-06-link-review"))
    page.locator("details.weights summary").first.click()
    assert page.locator("details.weights table").first.is_visible()
    keep(shots(page, "s4-07-link-review-weights"))
    page.get_by_role("button", name="否定").click()
    assert "已否定" in page.locator("p.ok").inner_text()
    page.goto(f"{base}/links?status=rejected")
    page.get_by_label("撤销理由（必填）").fill("复核时看错")
    page.get_by_role("button", name="撤销此复核").click()
    assert "已撤销" in page.locator("p.ok").inner_text()
