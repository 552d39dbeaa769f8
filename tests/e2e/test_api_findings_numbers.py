"""Security #6: unbounded numbers in work-order findings. 1e30, 1e17, NaN, Infinity and 2³¹
vehicles gave server errors, or reached the registry (NaN stored on PostgreSQL and then served
as invalid JSON; exported rows that no longer re-import). Each is a 422 with Chinese and English
text, and nothing is stored — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.bootstrap import App
from minsheng.casework.tables import WORK_ORDERS
from minsheng.contract.columns import MAX_COUNT, MAX_DECIMAL, MAX_MONEY_FEN
from minsheng.settings import Settings
from minsheng.web.app import create_app
from world import CIPHER, PASSWORD, World

# Numbers as a client may send them: Python's JSON reader takes NaN, Infinity and 1e400 (→ inf).
HOSTILE = {
    "persons.QA1.wage_income": ["1e30", "1e17", "NaN", "Infinity", "-Infinity", "1e400", str(MAX_MONEY_FEN)],
    "household.vehicles": [str(2**31), "1e30", "1e17", "NaN", "Infinity", str(MAX_COUNT + 1), "-1"],
    "household.housing_area_m2": ["1e30", "1e17", "NaN", "Infinity", "-Infinity", str(2**31), str(MAX_DECIMAL)],
}


@pytest.fixture
def client(world: World, tmp_path: Path) -> TestClient:
    return TestClient(create_app(App(Settings(data=tmp_path), world.engine, CIPHER)), raise_server_exceptions=False)


def login(client: TestClient, user: str) -> dict[str, str]:
    token = client.post("/api/session", json={"username": user, "password": PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _findings(field: str, number: str) -> str:
    """The findings with one raw number put in `field` (JSON text: NaN is not JSON, yet sent)."""
    part, *path = field.split(".")
    inner = f'{{"{path[-1]}": {number}}}'
    if len(path) == 2:
        inner = f'{{"{path[0]}": {inner}}}'
    return f'{{"{part}": {inner}}}'


def test_each_hostile_number_is_a_422_in_both_languages_and_nothing_is_stored(client: TestClient, world: World) -> None:
    town, village = login(client, "township_a"), login(client, "village_a")
    order = client.post(f"/api/alerts/{world.alert_a}/work-order", headers=town).json()["id"]
    assigned = client.post(
        f"/api/work-orders/{order}/assign", headers=town, json={"assignee": "village_a", "version": 1}
    )
    assert assigned.status_code == 200
    for field, numbers in HOSTILE.items():
        for number in numbers:
            findings = _findings(field, number)
            for route, body in (
                ("findings/preview", f'{{"findings": {findings}}}'),
                ("findings", f'{{"findings": {findings}, "version": 2}}'),
            ):
                response = client.post(f"/api/work-orders/{order}/{route}", headers=village, content=body)
                assert response.status_code == 422, (field, number, route, response.status_code, response.text[:300])
                error = response.json()["error"]
                assert error["zh"] and error["en"], (field, number)
    with world.engine.connect() as conn:
        stored = conn.execute(select(WORK_ORDERS.c.findings, WORK_ORDERS.c.version)).one()
    assert stored == (None, 2)  # nothing recorded, the version unchanged
    # The bounds are the contract's, not tighter: its largest values are findings like any other.
    largest = {
        "household": {"vehicles": MAX_COUNT, "housing_area_m2": MAX_DECIMAL - 0.5},
        "persons": {"QA1": {"wage_income": MAX_MONEY_FEN // 100}},
    }
    saved = client.post(f"/api/work-orders/{order}/findings", headers=village, json={"findings": largest, "version": 2})
    assert saved.status_code == 200, saved.text
    detail = client.get(f"/api/work-orders/{order}", headers=town)
    assert detail.status_code == 200 and json.loads(detail.text)["version"] == 3  # and it reads back as JSON
