"""The README's screenshots, taken from a synthetic demo county in Debian's Chromium.

    .venv/bin/python docs/make_screenshots.py [--households 20000]

Runs `minsheng demo --no-serve` into a temporary data folder, serves it on a free port of
127.0.0.1, signs in as the demo's county reviewer and saves the dashboard, a household page,
a work-order page, the link review queue and the analyst's simulation page (the standard +5 %)
to docs/screenshots/. Nothing is fetched from the network.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="minsheng-shots-") as tmp:
        data = Path(tmp)
        subprocess.run(
            [BIN / "minsheng", "demo", "--households", str(args.households), "--no-serve", "--data", str(data)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        users = {
            line.split("\t")[0]: line.split("\t")[3] for line in (data / "demo-users.txt").read_text().splitlines()
        }
        port = free_port()
        server = subprocess.Popen(
            [BIN / "minsheng", "serve", "--port", str(port), "--data", str(data)],
            env=os.environ | {"MINSHENG_DATA": str(data)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz")
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
                page.goto(f"{base}/login")
                page.get_by_label("用户名").fill("reviewer")
                page.get_by_label("密码").fill(users["reviewer"])
                page.get_by_role("button", name="登录").click()
                page.wait_for_url(f"{base}/")
                page.wait_for_timeout(1500)  # the charts draw
                page.screenshot(path=str(HERE / "screenshots" / "dashboard.png"), full_page=False)
                page.goto(f"{base}/work-orders")
                page.locator("table a[href^='/work-orders/']").first.click()
                page.screenshot(path=str(HERE / "screenshots" / "work-order.png"), full_page=False)
                page.locator("a[href^='/households/']").first.click()
                page.screenshot(path=str(HERE / "screenshots" / "household.png"), full_page=False)
                page.goto(f"{base}/links")
                page.screenshot(path=str(HERE / "screenshots" / "links.png"), full_page=False)
                # the analyst's page: the standard +5 % saved through the form, run over the county
                page.goto(f"{base}/simulation/new?programme=dibao")
                page.locator("#f-name").fill("低保标准提高5%")
                page.locator('input[name="p:dibao.standard"]').fill("5")
                page.get_by_role("button", name="保存方案").click()
                page.locator("#frame").select_option("representative")  # the synthetic county is the whole county
                page.get_by_role("button", name="开始测算").click()
                page.locator("#summary").wait_for(timeout=300_000)
                page.screenshot(path=str(HERE / "screenshots" / "simulation-page.png"), full_page=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"saved: {', '.join(p.name for p in sorted((HERE / 'screenshots').glob('*.png')))}")


if __name__ == "__main__":
    main()
