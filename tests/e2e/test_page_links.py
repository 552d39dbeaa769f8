"""The link review page: a probable link shown side by side with the weight of each comparison;
a township caseworker accepts it and the department record is linked; another county sees none."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.bootstrap import App
from minsheng.feeds.tables import FEED_RECORDS
from minsheng.linkage.tables import LINK_CANDIDATES
from minsheng.settings import Settings
from minsheng.web.app import create_app
from world import CIPHER, PASSWORD, World

WATERFALL = [
    {
        "comparison": "prior",
        "title": "prior",
        "title_zh": "先验",
        "level": -1,
        "label": "prior",
        "label_zh": "先验",
        "weight": -19.9,
    },
    {
        "comparison": "name",
        "title": "name",
        "title_zh": "姓名",
        "level": 4,
        "label": "same pinyin",
        "label_zh": "同音",
        "weight": 9.2,
    },
    {
        "comparison": "dob",
        "title": "birth date",
        "title_zh": "出生日期",
        "level": 4,
        "label": "exact",
        "label_zh": "相同",
        "weight": 12.1,
    },
]


@pytest.fixture
def queue(world: World, tmp_path: Path) -> tuple[TestClient, int]:
    with world.engine.begin() as conn:
        conn.execute(
            FEED_RECORDS.insert().values(
                feed_key="human_resources:X7",
                source="human_resources",
                record_id="X7",
                kind="unemployment",
                event_date=dt.date(2026, 5, 1),
                name="李耳",  # 李二 written with a homophone, no ID number
                birth_date=dt.date(1982, 1, 1),
                residence_division="110105001001",
                county="110105",
                payload=json.dumps({"status": "registered", "monthly_benefit": 0}),
                link_status="unmatched",
                file_name="unemployment.csv",
            )
        )
        candidate = conn.execute(
            LINK_CANDIDATES.insert().values(
                feed_key="human_resources:X7",
                person_id="QA2",
                household_id="A1",
                county="110105",
                match_weight=1.4,
                match_probability=0.73,
                comparisons=json.dumps(WATERFALL, ensure_ascii=False),
                status="pending",
                version=1,
            )
        ).inserted_primary_key[0]
    return TestClient(create_app(App(Settings(data=tmp_path), world.engine, CIPHER))), int(candidate)


def sign_in(client: TestClient, user: str) -> None:
    client.post("/login", data={"username": user, "password": PASSWORD})


def test_a_caseworker_sees_why_and_accepts(queue: tuple[TestClient, int], world: World) -> None:
    client, candidate = queue
    sign_in(client, "township_a")
    page = client.get("/links")
    assert page.status_code == 200
    assert "李耳" in page.text and "李二" in page.text and "同音" in page.text and "+9.20" in page.text
    assert "人社部门 · 失业登记 · 2026-05-01" in page.text  # the record's department and kind by name
    dashboard = client.get("/").text
    assert '<dd id="pending-links"><a href="/links">1</a></dd>' in dashboard  # the queue, from the desk
    stale = client.post(f"/links/{candidate}", data={"decision": "accept", "version": 7})
    assert "已被他人处理" in stale.text  # a stale version is shown, nothing changes
    done = client.post(f"/links/{candidate}", data={"decision": "accept", "version": 1})
    assert "已确认并关联该记录" in done.text
    with world.engine.connect() as conn:
        row = conn.execute(
            select(FEED_RECORDS.c.person_id, FEED_RECORDS.c.link_status, FEED_RECORDS.c.link_method).where(
                FEED_RECORDS.c.feed_key == "human_resources:X7"
            )
        ).one()
    assert tuple(row) == ("QA2", "linked", "reviewed")
    assert "李耳" in client.get("/links", params={"status": "accepted"}).text


def test_another_county_sees_nothing_and_cannot_decide(queue: tuple[TestClient, int]) -> None:
    client, candidate = queue
    sign_in(client, "township_b")
    assert "李耳" not in client.get("/links").text
    assert '<dd id="pending-links"><a href="/links">0</a></dd>' in client.get("/").text  # not their area's
    refused = client.post(f"/links/{candidate}", data={"decision": "accept", "version": 1})
    assert refused.status_code == 404
