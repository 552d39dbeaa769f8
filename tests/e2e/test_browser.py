"""In real headless Chromium against uvicorn on 127.0.0.1: a township caseworker opens an alert,
records the visit's findings (the re-assessment shown before saving) and proposes enrolment; a
county reviewer approves; the household then shows as enrolled with the engine's benefit; a
caseworker of another county cannot reach it by URL. A screenshot of each step is saved under
build/screenshots/ (the run prints where)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from minsheng.assessment import explain
from minsheng.registry import population
from world import PARAMS, PASSWORD, World


def log_in(browser: Any, base: str, user: str) -> Any:
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    return page


def test_alert_to_approved_enrolment_in_a_real_browser(
    chromium: Any, served_world: tuple[str, World], shots: Any
) -> None:
    base, world = served_world
    town = log_in(chromium, base, "township_a")
    shots(town, "01-township-dashboard")

    town.get_by_role("link", name="预警").first.click()
    town.get_by_role("link", name="A1").first.click()  # the household in the queue
    assert town.locator("#household-id").inner_text() == "A1"
    town.go_back()
    town.goto(f"{base}/alerts/{world.alert_a}")
    shots(town, "02-alert-with-evidence")
    town.get_by_role("button", name="建立核查工单").click()
    town.wait_for_url(f"{base}/work-orders/*")
    order_url = town.url.split("#")[0].split("?")[0]
    town.locator("#assignee").select_option("township_a")
    town.get_by_role("button", name="派单").click()
    shots(town, "03-work-order-assigned")

    town.locator('input[name="p.QA1.wage_income"]').fill("0")
    town.locator('select[name="p.QA1.employment"]').select_option("unemployed")
    town.locator("#note").fill("入户核查：户主3月失业，无其他收入")
    town.locator("#preview").click()
    reassessment = town.locator("#reassessment")
    reassessment.wait_for()
    assert "最低生活保障" in reassessment.inner_text()
    shots(town, "04-reassessment-before-saving")
    town.locator("#save").click()
    town.locator("#decision-choice").select_option("enrol")
    town.locator("#programme").select_option("dibao")
    town.get_by_role("button", name="提交审批").click()
    shots(town, "05-proposed")
    assert town.locator("#approve-form").count() == 0  # a township caseworker cannot approve

    reviewer = log_in(chromium, base, "reviewer_a")
    reviewer.goto(order_url)
    reviewer.locator("#approve-comment").fill("同意")  # 审批意见 is required, and approving asks to confirm
    reviewer.get_by_role("button", name="同意（下一步确认）").click()
    reviewer.get_by_role("button", name="确认同意并办结").click()
    shots(reviewer, "06-approved")

    reviewer.goto(f"{base}/households/A1")
    assert reviewer.locator('#enrolments [data-programme="dibao"]').count() == 1
    hh, pp = population.load(world.engine, household_id="A1")
    expected = next(
        p for p in explain(hh, pp, "A1", date=dt.date.today(), params=PARAMS)["programmes"] if p["id"] == "dibao"
    )
    assert expected["status"] == "eligible"
    assert reviewer.locator("#current-benefit").inner_text() == f"{expected['benefit']:,.2f}"
    shots(reviewer, "07-household-enrolled")

    other = log_in(chromium, base, "township_b")
    for url in (f"{base}/households/A1", order_url, f"{base}/alerts/{world.alert_a}"):
        response = other.goto(url)
        assert response is not None and response.status == 404, url
        assert "张一" not in other.content()
    shots(other, "08-other-county-refused")


def test_pages_fit_a_laptop_and_a_tablet_and_work_by_keyboard(
    chromium: Any, served_world: tuple[str, World], shots: Any
) -> None:
    base, world = served_world
    page = log_in(chromium, base, "township_a")
    for width, height in ((1366, 768), (768, 1024)):
        page.set_viewport_size({"width": width, "height": height})
        for path in ("/", "/alerts", "/households/A1", f"/alerts/{world.alert_a}", "/import", "/exports"):
            page.goto(f"{base}{path}")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (width, path, overflow)  # nothing wider than the screen
        shots(page, f"tablet-{width}x{height}")
    # keyboard only: Tab reaches the skip link first, then the navigation
    page.goto(f"{base}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/"
    # every form field has a label a screen reader can read
    for path in ("/login", "/alerts", "/import", "/households"):
        page.goto(f"{base}{path}")
        unlabeled = page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
               .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                            && !e.getAttribute('aria-labelledby')).map(e => e.name)"""
        )
        assert unlabeled == [], (path, unlabeled)
