"""The queues in a real browser (Chromium, 1366×768): a dashboard number opens a list of that
length, a bulk close with a reason from the queue, and the Excel button downloads a workbook."""

from __future__ import annotations

from typing import Any

from test_browser import log_in

from world import World


def test_dashboard_number_opens_its_list_and_a_bulk_close(
    chromium: Any, served_world: tuple[str, World], shots: Any
) -> None:
    base, world = served_world
    page = log_in(chromium, base, "reviewer_a")
    row = page.locator("#alerts-red, #alerts-orange").filter(has=page.locator("a")).first
    link = row.locator("td").last.locator("a")
    shown = int(link.inner_text().replace(",", ""))
    link.click()
    page.wait_for_url(f"{base}/alerts?*")
    assert int(page.locator("#total").inner_text()) == shown
    shots(page, "01-queue-from-the-dashboard")
    # close the world's alert on A1 as stale, with a note; the reason is asked for first
    page.goto(f"{base}/alerts")
    page.locator(f'input[name="alert"][value^="{world.alert_a}:"]').check()
    page.get_by_role("button", name="关闭所选预警").click()
    assert "请选择关闭原因" in page.locator("#bulk-error").inner_text()
    assert page.locator(f'input[name="alert"][value^="{world.alert_a}:"]').is_checked()  # kept
    page.get_by_label("关闭原因").select_option("stale")
    page.get_by_label("说明").fill("户主已重新就业")
    page.get_by_role("button", name="关闭所选预警").click()
    assert "已关闭 1 条预警。" in page.locator("#closed").inner_text()
    assert page.locator(f"#alert-{world.alert_a}").count() == 0  # no longer in the open queue
    shots(page, "02-after-the-close")
    with page.expect_download() as download:
        page.locator("#excel").click()
    assert download.value.suggested_filename.startswith("alerts-110105-")
