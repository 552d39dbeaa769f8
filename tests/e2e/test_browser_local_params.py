"""本地参数 in headless Chromium (issue 12 §5): an administrator proposes a county's dibao standard
through the form, is refused when she approves it herself, a second administrator approves, and
the new value is in force on the page and in the household's assessment. Screenshots go to
build/screenshots/."""

from __future__ import annotations

from typing import Any

from test_browser_decisions import log_in

from minsheng.security.users import create_user
from world import PASSWORD, World


def test_proposed_by_one_administrator_approved_by_another(
    chromium: Any, served_world: tuple[str, World], shots: Any
) -> None:
    base, world = served_world
    with world.engine.begin() as conn:
        create_user(conn, "admin_a2", "第二管理员", "administrator", "110105", PASSWORD)
    admin = log_in(chromium, base, "admin_a")
    admin.goto(f"{base}/households/A1")
    assert admin.locator('details[data-programme="dibao"]').get_attribute("data-status") == "ineligible"
    admin.get_by_role("link", name="本地参数").click()  # in the administrator's menu
    admin.wait_for_url(f"{base}/local-parameters")
    row = admin.locator('tr[data-parameter="dibao.standard"]')
    assert row.locator("td.value").inner_text() == "1520" and row.get_attribute("data-status") == "set_here"

    admin.locator("#f-parameter").select_option("dibao.standard")
    admin.locator("#f-effective").fill("2026-06-01")
    admin.locator("#f-value").fill("二千一百")
    admin.locator("#f-doc").fill("朝民发〔2026〕3号")
    admin.get_by_role("button", name="提交审批", exact=True).click()
    assert admin.locator("#e-value").inner_text() == "取值应为数字（金额填元）或 是/否"  # beside the field
    assert admin.locator("#f-doc").input_value() == "朝民发〔2026〕3号"  # what was typed stays
    shots(admin, "01-value-refused")
    admin.locator("#f-value").fill("2100")
    admin.get_by_role("button", name="提交审批", exact=True).click()
    assert admin.locator("#done").inner_text() == "已提交，等待另一人审批。"
    shots(admin, "02-pending")
    admin.get_by_role("button", name="批准").click()
    assert admin.locator("#decide-error").inner_text() == "提交人不能审批自己提交的本地参数，请由另一人审批"
    assert row.locator("td.value").inner_text() == "1520"  # still the old value
    shots(admin, "03-refused-to-the-maker")

    other = log_in(chromium, base, "admin_a2")
    other.goto(f"{base}/local-parameters")
    other.locator('[id^="approve-note-"]').fill("局务会审议通过")
    other.get_by_role("button", name="批准").click()
    assert other.locator("#done").inner_text() == "已批准，新的取值即时生效。"
    row = other.locator('tr[data-parameter="dibao.standard"]')
    assert row.locator("td.value").inner_text() == "2100"
    assert row.locator("td.status").inner_text() == "本地已设置"
    assert "朝民发〔2026〕3号" in row.locator("td.source").inner_text()
    shots(other, "04-in-force")
    admin.goto(f"{base}/households/A1")
    assert admin.locator('details[data-programme="dibao"]').get_attribute("data-status") == "eligible"
