"""The security headers in a real browser (headless Chromium against uvicorn): every page still
works under the Content-Security-Policy — the dashboard's charts (inline SVG) show, the notice's print
button prints — without a single violation, and the browser's own form posts (login, logout)
pass the same-origin check with the Referrer-Policy the app sends."""

from __future__ import annotations

from typing import Any

from world import PASSWORD, World

# Injected by Playwright before any page script (outside the page's policy): every violation
# is kept, and printing is replaced by a flag (a headless browser has no print dialog).
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.effectiveDirective + ' ' + (e.blockedURI || 'inline')));
window.print = () => { window.__printed = true; };
"""


def test_pages_work_under_the_content_security_policy(
    chromium: Any, served_world: tuple[str, World], shots: Any
) -> None:
    base, _world = served_world
    page = chromium.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page.add_init_script(WATCH)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    login = page.goto(f"{base}/login")
    assert login is not None and "default-src 'self'" in login.headers["content-security-policy"]
    assert login.headers["referrer-policy"] == "same-origin"
    page.get_by_label("用户名").fill("reviewer_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()  # a form post: the browser's own Origin passes
    page.wait_for_url(f"{base}/")

    page.locator(".chart svg").first.wait_for()  # the charts show under the policy
    assert page.locator(".chart svg").count() >= 2
    shots(page, "01-dashboard-under-csp")
    assert page.evaluate("window.__violations") == []

    page.goto(f"{base}/notice/print?village=110105002001&programme=dibao")
    page.get_by_role("button", name="打印").click()  # the one inline handler the policy allows
    assert page.evaluate("window.__printed") is True
    assert page.evaluate("window.__violations") == []

    page.get_by_role("button", name="退出登录").click()  # a cookie-carrying form post from the page
    page.wait_for_url(f"{base}/login")
    assert page.evaluate("window.__violations") == []
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
