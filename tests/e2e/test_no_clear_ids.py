"""No clear ID number in the logs, the pages, the API's answers, the exports or the database
files: a whole case is worked through the API with every log captured, then everything is grepped."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from minsheng.bootstrap import App
from minsheng.db.store import open_engine
from minsheng.registry.exporter import export_registry
from minsheng.settings import Settings
from minsheng.web.app import create_app
from world import CIPHER, CLEAR_IDS, PASSWORD, World, build

PHONES = ("13800138000", "13900139000")


def forms(value: str) -> list[bytes]:
    """The number as it could be written: UTF-8/GB18030 text and UTF-16 (xlsx shared strings are UTF-8)."""
    return [value.encode("utf-8"), value.encode("utf-16-le")]


def grep(blob: bytes, where: str) -> None:
    for value in (*CLEAR_IDS, *PHONES):
        for form in forms(value):
            assert form not in blob, f"clear {value} found in {where}"


@pytest.fixture
def sqlite_world(tmp_path: Path) -> World:
    engine = open_engine(f"sqlite:///{tmp_path / 'minsheng.db'}")
    return build(engine, tmp_path)


def test_a_whole_case_leaves_no_clear_id_anywhere(sqlite_world: World, tmp_path: Path) -> None:
    world = sqlite_world
    log_file = tmp_path / "minsheng.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    answers = []
    try:
        client = TestClient(create_app(App(Settings(data=tmp_path), world.engine, CIPHER)))
        login = client.post("/api/session", json={"username": "township_a", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        # search by the clear number: found through the blind index, never echoed or logged
        found = client.post("/api/households/search", headers=headers, json={"q": CLEAR_IDS[0]})
        assert [h["household_id"] for h in found.json()["items"]] == ["A1"]
        answers.append(found)
        answers.append(client.get("/api/households/A1", headers=headers))
        answers.append(client.get("/api/households/A1/entitlements", headers=headers))
        answers.append(client.get(f"/api/alerts/{world.alert_a}", headers=headers))
        order = client.post(f"/api/alerts/{world.alert_a}/work-order", headers=headers).json()["id"]
        answers.append(client.get(f"/api/work-orders/{order}", headers=headers))
        answers.append(client.get("/api/dashboard", headers=headers))
        page_client = TestClient(create_app(App(Settings(data=tmp_path), world.engine, CIPHER)))
        page_client.post("/login", data={"username": "township_a", "password": PASSWORD})
        answers.append(page_client.get("/"))
        reviewer = client.post("/api/session", json={"username": "reviewer_a", "password": PASSWORD}).json()["token"]
        revealed = client.get("/api/persons/QA1/id-number", headers={"Authorization": f"Bearer {reviewer}"})
        assert revealed.json()["id_number"] == CLEAR_IDS[0]  # the one sanctioned, audited reveal
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
    for answer in answers:
        assert answer.status_code == 200, answer.text
        grep(answer.content, f"the answer to {answer.request.url.path}")
    assert "GET /api/households/A1 200 township_a" in log_file.read_text(encoding="utf-8")
    grep(log_file.read_bytes(), "the log")
    for fmt in ("csv", "xlsx", "parquet"):
        for result in export_registry(world.engine, tmp_path / f"export-{fmt}", fmt):
            grep(result.path.read_bytes(), f"the {fmt} export {result.path.name}")
    with world.engine.begin() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(FULL)"))
    world.engine.dispose()
    for path in tmp_path.glob("minsheng.db*"):
        grep(path.read_bytes(), f"the database file {path.name}")
    with world.engine.connect() as conn:
        actions = [r[0] for r in conn.execute(text("SELECT action FROM audit_log WHERE actor = 'reviewer_a'"))]
    assert "reveal_id_number" in actions
