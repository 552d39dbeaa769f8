"""The API reference works without the internet: no page of ours names another host."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from minsheng.bootstrap import bootstrap
from minsheng.settings import Settings
from minsheng.web.app import create_app


def test_the_api_reference_loads_its_files_from_this_server(tmp_path: Path) -> None:
    client = TestClient(create_app(bootstrap(Settings(data=tmp_path))))
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert "https://" not in page.headers["content-security-policy"]
    assert client.get("/redoc").status_code == 404
