"""Browser fixtures: the app served by uvicorn on 127.0.0.1 (a real server, a free port) and
Debian's Chromium driven by Playwright (never a downloaded browser). Screenshots go to
build/screenshots/; the run prints where."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from minsheng.bootstrap import App
from minsheng.db.store import open_engine
from minsheng.settings import Settings
from minsheng.web.app import create_app
from world import CIPHER, World, build

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
# Chromium as this machine's closed network needs it: no background fetches, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def same_origin_test_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every TestClient sends `Origin: <its base URL>`, as a browser on the app's own pages does
    with every form it posts: the app refuses a state-changing request that carries a cookie but
    no Origin (web.middleware.SameOriginForms). A test may still send another Origin, or none."""
    from starlette.testclient import TestClient

    plain_init = TestClient.__init__

    def init(self: TestClient, *args: Any, **kwargs: Any) -> None:
        plain_init(self, *args, **kwargs)
        if "origin" not in self.headers:
            self.headers["origin"] = f"{self.base_url.scheme}://{self.base_url.netloc.decode('ascii')}"

    monkeypatch.setattr(TestClient, "__init__", init)


@pytest.fixture
def client(world: World, tmp_path: Path) -> Any:
    """The app on the two-county world, in process (a file may define its own `client`)."""
    from fastapi.testclient import TestClient

    return TestClient(create_app(App(Settings(data=tmp_path), world.engine, CIPHER)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on, for a server a test starts."""
    return _free_port()


@pytest.fixture
def served_world(tmp_path: Path) -> Iterator[tuple[str, World]]:
    """The two-county world on SQLite, served over HTTP on 127.0.0.1."""
    engine = open_engine(f"sqlite:///{tmp_path / 'minsheng.db'}")
    world = build(engine, tmp_path)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(App(Settings(data=tmp_path), engine, CIPHER)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", world
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium(missing_component: Any) -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        missing_component(f"Chromium not found at {CHROMIUM} (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_component("Playwright for Python is not installed (dev group)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Any:
    """shot(page, "01-login") saves build/screenshots/<test>/01-login.png."""
    folder = SCREENSHOTS / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCREENSHOTS.exists() and any(SCREENSHOTS.rglob("*.png")):
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")
