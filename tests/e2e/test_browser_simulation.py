"""改革测算 in headless Chromium (issue 13 §2): a county reviewer opens the page from the menu,
raises the dibao standard by 5 % in the form (a bad value is refused beside its field first),
saves the scenario, runs it, and the results page follows the run by itself until its charts and
tables show. Screenshots (1366 px wide) go to build/screenshots/."""

from __future__ import annotations

from typing import Any

from test_browser_decisions import log_in

from world import World


def test_a_reviewer_raises_the_standard_and_reads_the_results(
    chromium: Any, served_world: tuple[str, World], shots: Any
) -> None:
    base, _world = served_world
    page = log_in(chromium, base, "reviewer_a")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.get_by_role("link", name="改革测算").click()
    page.wait_for_url(f"{base}/simulation")
    page.get_by_role("button", name="按此项目新建").click()
    row = page.locator('tr[data-parameter="dibao.standard"]')
    assert "1520" in row.locator("td.value").inner_text()
    page.locator("#f-name").fill("低保标准提高5%")
    row.locator('input[name="p:dibao.standard"]').fill("五")
    page.get_by_role("button", name="保存方案").click()
    assert page.locator("#e-p-dibao\\.standard").inner_text() == "请填写数字"  # beside the field
    assert page.locator("#f-name").input_value() == "低保标准提高5%"  # what was typed stays
    row.locator('input[name="p:dibao.standard"]').fill("5")
    shots(page, "01-form")
    page.get_by_role("button", name="保存方案").click()
    assert page.locator("#done").inner_text() == "方案已保存。"
    assert "1596" in page.locator("#changes").inner_text()
    shots(page, "02-scenario")
    page.get_by_role("button", name="开始测算").click()
    page.locator("#summary").wait_for(timeout=60_000)  # the page refreshes itself until the run is done
    assert page.locator(".chart svg").count() == 4
    assert "低保标准提高5%" in page.locator("#summary").inner_text()
    shots(page, "03-results")
