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
from minsheng.security.tables import AUDIT_LOG
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


def test_plain_words_first_and_the_weights_one_click_away(queue: tuple[TestClient, int]) -> None:
    client, candidate = queue
    sign_in(client, "township_a")
    page = client.get("/links").text
    section = page[page.index(f'id="candidate-{candidate}"') :].split("</section>")[0]
    facts = section[section.index(f'id="facts-{candidate}"') :].split("</ul>")[0]
    assert "相同</strong>：相同" in facts and "相近</strong>：同音" in facts  # dob agrees, the name nearly
    assert "先验" not in facts and "比特" not in facts  # statistics stay out of the words
    assert section.index(f'id="facts-{candidate}"') < section.index('<details class="weights">')
    weights = section[section.index('<details class="weights">') :].split("</details>")[0]
    assert "+9.20" in weights and "-19.90" in weights and "不是同一人" not in section


def test_a_reason_is_required_to_reject_and_a_decision_can_be_undone(
    queue: tuple[TestClient, int], world: World
) -> None:
    client, candidate = queue
    sign_in(client, "township_a")
    refused = client.post(f"/links/{candidate}", data={"decision": "reject", "version": 1, "reason": "  "})
    assert "请填写否定理由" in refused.text
    with world.engine.connect() as conn:
        assert conn.execute(select(LINK_CANDIDATES.c.status, LINK_CANDIDATES.c.version)).one() == ("pending", 1)
    client.post(f"/links/{candidate}", data={"decision": "accept", "version": 1})
    accepted = client.get("/links", params={"status": "accepted"}).text
    assert f'id="undo-{candidate}"' in accepted
    no_reason = client.post(f"/links/{candidate}", data={"decision": "undo", "version": 2, "reason": ""})
    assert "请填写撤销理由" in no_reason.text
    undone = client.post(f"/links/{candidate}", data={"decision": "undo", "version": 2, "reason": "看错了人"})
    assert "已撤销" in undone.text and "李耳" in undone.text  # back in the pending queue
    with world.engine.connect() as conn:
        record = conn.execute(
            select(FEED_RECORDS.c.person_id, FEED_RECORDS.c.link_status, FEED_RECORDS.c.link_method).where(
                FEED_RECORDS.c.feed_key == "human_resources:X7"
            )
        ).one()
        assert tuple(record) == (None, "unmatched", None)  # as it was before the accept
        assert conn.execute(select(LINK_CANDIDATES.c.status, LINK_CANDIDATES.c.reviewed_by)).one() == ("pending", None)
        actions = conn.execute(
            select(AUDIT_LOG.c.action, AUDIT_LOG.c.detail).where(AUDIT_LOG.c.subject_kind == "link_candidate")
        ).all()
    assert [a for a, _ in actions] == ["link_candidate.accepted", "link_candidate.undo_accepted"]
    assert "看错了人" in actions[1][1]
    rejected = client.post(f"/links/{candidate}", data={"decision": "reject", "version": 3, "reason": "不是同一人"})
    assert "已否定" in rejected.text
    client.post(f"/links/{candidate}", data={"decision": "undo", "version": 4, "reason": "重新核对"})
    with world.engine.connect() as conn:
        assert conn.execute(select(LINK_CANDIDATES.c.status)).scalar_one() == "pending"


def test_two_different_valid_id_numbers_are_a_different_person(queue: tuple[TestClient, int], world: World) -> None:
    client, candidate = queue
    ids = {
        "comparison": "id_number",
        "title": "ID number",
        "title_zh": "身份号码",
        "level": 0,
        "label": "two valid numbers differ",
        "label_zh": "两个有效号码不同",
        "weight": 0.0,
    }
    with world.engine.begin() as conn:
        conn.execute(LINK_CANDIDATES.update().values(comparisons=json.dumps([*WATERFALL, ids], ensure_ascii=False)))
    sign_in(client, "township_a")
    page = client.get("/links").text
    assert f'id="different-{candidate}"' in page and "不是同一人：身份证号不同" in page
    facts = page[page.index(f'id="facts-{candidate}"') :].split("</ul>")[0]
    assert "不同</strong>：两个有效号码不同" in facts
    reject = page[page.index(f'id="reject-{candidate}"') :].split("</form>")[0]
    assert 'value="不是同一人：身份证号不同"' in reject  # the reason is offered, the reviewer still decides
