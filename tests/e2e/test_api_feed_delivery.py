"""A department delivering through `POST /api/feeds/{kind}` with its token, on SQLite and
PostgreSQL: re-delivering a corrected record (also after `minsheng feeds link` linked it), and
the token's area, which the *linked person's* residence must lie in (security #1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.bootstrap import App
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.monitoring.run import run_monitoring
from minsheng.monitoring.tables import ALERTS
from minsheng.security.tables import AUDIT_LOG
from minsheng.settings import Settings
from minsheng.web.app import create_app
from world import CIPHER, PASSWORD, TODAY, World

HEADER = "source,record_id,event_date,id_number,name,birth_date,sex,residence_division,status,monthly_benefit\n"


@pytest.fixture
def client(world: World, tmp_path: Path) -> TestClient:
    return TestClient(create_app(App(Settings(data=tmp_path), world.engine, CIPHER)), raise_server_exceptions=False)


def token_for(client: TestClient, department: str, area: str) -> dict[str, str]:
    session = client.post("/api/session", json={"username": "admin_a", "password": PASSWORD}).json()["token"]
    issued = client.post(
        "/api/department-tokens",
        headers={"Authorization": f"Bearer {session}"},
        json={"department": department, "jurisdiction": area},
    )
    assert issued.status_code == 201, issued.text
    return {"X-Department-Token": issued.json()["token"]}


def deliver(client: TestClient, token: dict[str, str], rows: str, kind: str = "unemployment") -> dict[str, object]:
    response = client.post(
        f"/api/feeds/{kind}", headers=token, files={"file": (f"{kind}.csv", (HEADER + rows).encode(), "text/csv")}
    )
    assert response.status_code == 200, response.text
    reply: dict[str, object] = response.json()
    assert not {"links", "linked", "unmatched", "id_conflict", "outside_area"} & set(reply)  # never the registry's
    return reply


def stored(world: World, record_id: str) -> tuple[object, ...]:
    with world.engine.connect() as conn:
        row = conn.execute(
            select(
                FEED_RECORDS.c.person_id, FEED_RECORDS.c.link_status, FEED_RECORDS.c.link_method, FEED_RECORDS.c.payload
            ).where(FEED_RECORDS.c.record_id == record_id)
        ).one()
    return (row.person_id, row.link_status, row.link_method, json.loads(row.payload))


def test_a_corrected_record_is_redelivered_also_after_feeds_link(client: TestClient, world: World) -> None:
    """Issue §3: a changed record re-delivered gave 500 (the upsert stamped `updated_at`, a column
    feed records lack) and rolled the whole file back."""
    token = token_for(client, "human_resources", "110105")
    first = "human_resources,U9,2026-05-01,110105198201010221,李二,1982-01-01,2,110105001001,registered,0\n"
    assert deliver(client, token, first)["inserted"] == 1
    corrected = first.replace("registered,0", "benefit_start,1500")
    reply = deliver(client, token, corrected)
    assert (reply["updated"], reply["received"], reply["rejected"]) == (1, 1, 0)
    assert stored(world, "U9") == ("QA2", "linked", "id_number", {"status": "benefit_start", "monthly_benefit": 150000})
    # 王三 (QA3) with two digits swapped: kept unlinked at ingest; then `feeds link` links it.
    wrong = "human_resources,U10,2026-05-01,110105198501012015,王三,1985-01-01,1,110105002001,registered,0\n"
    deliver(client, token, wrong)
    assert stored(world, "U10")[:2] == (None, "unmatched")
    with world.engine.begin() as conn:  # the state `minsheng feeds link` leaves (its own test: test_linkage)
        conn.execute(
            FEED_RECORDS.update()
            .where(FEED_RECORDS.c.record_id == "U10")
            .values(person_id="QA3", household_id="A2", link_status="linked", link_method="probabilistic")
        )
    again = deliver(client, token, wrong.replace("registered,0", "benefit_start,1800"))
    assert again["updated"] == 1
    assert stored(world, "U10")[:3] == ("QA3", "linked", "probabilistic")  # a corrected amount keeps the link
    assert deliver(client, token, wrong.replace("registered,0", "benefit_start,1800"))["unchanged"] == 1


def test_a_token_cannot_link_a_person_of_another_county(client: TestClient, world: World) -> None:
    """Security #1: county A's token, a blank residence, county B's person (赵五 of B1): the record
    was linked and raised an alert in county B. Now it is kept unlinked, as `outside_area`, seen
    by county A (its delivering area), and B's alerts are untouched. The reply says nothing of it."""
    token = token_for(client, "human_resources", "110105")
    rows = (
        "human_resources,X1,2026-05-01,110106198201010463,钱六,1982-01-01,2,,benefit_start,1800\n"  # B's person
        "human_resources,X2,2026-05-01,110105198201010221,李二,1982-01-01,2,,benefit_start,1800\n"  # A's
        "human_resources,X3,2026-05-01,110105198201010221,李二,1982-01-01,2,,benefit_start,-5\n"
    )
    response = client.post(
        "/api/feeds/unemployment", headers=token, files={"file": ("u.csv", (HEADER + rows).encode(), "text/csv")}
    )
    assert response.status_code == 200, response.text
    reply = response.json()
    assert (reply["rows"], reply["received"], reply["rejected"]) == (3, 2, 1)
    [error] = reply["errors"]
    assert (error["row"], error["column"]) == (4, "monthly_benefit") and error["reason_zh"] and error["reason_en"]
    assert not {"links", "linked", "unmatched", "outside_area"} & set(reply)
    with world.engine.connect() as conn:
        x1 = conn.execute(
            select(FEED_RECORDS.c.person_id, FEED_RECORDS.c.link_status, FEED_RECORDS.c.county).where(
                FEED_RECORDS.c.record_id == "X1"
            )
        ).one()
        before = conn.execute(select(ALERTS.c.household_id, ALERTS.c.reason)).all()
    assert tuple(x1) == (None, "outside_area", "110105")
    assert stored(world, "X2")[:2] == ("QA2", "linked")
    run_monitoring(world.engine, date=TODAY)
    with world.engine.connect() as conn:
        b_alerts = conn.execute(select(ALERTS.c.reason).where(ALERTS.c.household_id == "B1")).scalars().all()
        audited = conn.execute(select(AUDIT_LOG.c.detail).where(AUDIT_LOG.c.action == "deliver_feed")).scalars().all()
    assert sorted(b_alerts) == sorted(r.reason for r in before if r.household_id == "B1")  # nothing new for B
    assert json.loads(audited[-1])["links"]["outside_area"] == 1  # the county's to know, in its audit log
