"""The API as county A uses it: a case from alert to approved enrolment, audited reads, and a
department delivering its feed with its own token."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from minsheng.feeds.tables import FEED_RECORDS
from minsheng.security.tables import AUDIT_LOG
from world import World
from world import api_login as login


def test_a_case_through_the_api(client: TestClient, world: World) -> None:
    town, village, reviewer = login(client, "township_a"), login(client, "village_a"), login(client, "reviewer_a")
    queue = client.get("/api/alerts", headers=town).json()
    assert [a["household_id"] for a in queue["items"]] == ["A1"]
    order = client.post(f"/api/alerts/{world.alert_a}/work-order", headers=town).json()
    assert client.post(f"/api/alerts/{world.alert_a}/work-order", headers=town).status_code == 409  # one per alert
    client.post(f"/api/work-orders/{order['id']}/assign", headers=town, json={"assignee": "village_a", "version": 1})
    findings = {"persons": {"QA1": {"wage_income": 0, "employment": "unemployed"}}, "note": "失业"}
    shown = client.post(
        f"/api/work-orders/{order['id']}/findings/preview", headers=village, json={"findings": findings}
    )
    dibao = next(p for p in shown.json()["programmes"] if p["id"] == "dibao")
    assert (dibao["before_status"], dibao["status"]) == ("ineligible", "eligible")
    bad = client.post(
        f"/api/work-orders/{order['id']}/findings",
        headers=village,
        json={"findings": {"persons": {"QA1": {"wage_income": -1}}}, "version": 2},
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "findings.persons.QA1.wage_income"
    saved = client.post(
        f"/api/work-orders/{order['id']}/findings", headers=village, json={"findings": findings, "version": 2}
    )
    assert saved.json()["version"] == 3
    stale = client.post(
        f"/api/work-orders/{order['id']}/decision",
        headers=town,
        json={"decision": "enrol", "programme": "dibao", "version": 2},
    )
    assert stale.status_code == 409 and "reload" in stale.json()["error"]["en"]
    client.post(
        f"/api/work-orders/{order['id']}/decision",
        headers=town,
        json={"decision": "enrol", "programme": "dibao", "version": 3},
    )
    approved = client.post(f"/api/work-orders/{order['id']}/approval", headers=reviewer, json={"version": 4})
    assert approved.status_code == 200, approved.text
    household = client.get("/api/households/A1", headers=town).json()
    assert [e["programme"] for e in household["enrolments"]] == ["dibao"]
    assert household["household"]["current_benefit_fen"] == dibao["benefit_fen"] > 0
    assert household["members"][0]["id_number_masked"] == "110105********0219"
    entitlements = client.get("/api/households/A1/entitlements", headers=town).json()
    assert next(p for p in entitlements["programmes"] if p["id"] == "dibao")["status"] == "eligible"
    timeline = client.get(f"/api/work-orders/{order['id']}", headers=reviewer).json()["events"]
    assert [e["action"] for e in timeline] == ["open", "assign", "record_findings", "propose", "approve"]
    figures = client.get("/api/dashboard", headers=reviewer).json()
    assert figures["work_orders"] == {"closed": 1} and figures["alert_to_decision_days"]["closed"] == 1
    assert figures["pending_links"] == 0
    assert client.get("/api/audit/verify", headers=reviewer).json()["ok"] is True
    with world.engine.connect() as conn:
        reads = conn.execute(
            select(AUDIT_LOG.c.actor, AUDIT_LOG.c.subject_id).where(AUDIT_LOG.c.action == "read_household")
        ).all()
    assert ("township_a", "A1") in [tuple(r) for r in reads]


UNEMPLOYMENT = (
    "source,record_id,event_date,id_number,name,birth_date,sex,residence_division,status,monthly_benefit\n"
    "{source},U9,2026-05-01,110105198201010221,李二,1982-01-01,2,110105001001,registered,0\n"
)


def test_a_department_delivers_its_own_feed_only(client: TestClient, world: World) -> None:
    admin = login(client, "admin_a")
    assert (
        client.post(
            "/api/department-tokens",
            headers=login(client, "reviewer_a"),
            json={"department": "human_resources", "jurisdiction": "110105"},
        ).status_code
        == 403
    )
    issued = client.post(
        "/api/department-tokens", headers=admin, json={"department": "human_resources", "jurisdiction": "110105"}
    )
    assert issued.status_code == 201
    token = {"X-Department-Token": issued.json()["token"]}
    own = UNEMPLOYMENT.format(source="human_resources").encode()
    other = UNEMPLOYMENT.format(source="medical_insurance").encode()
    refused = client.post("/api/feeds/unemployment", headers=token, files={"file": ("u.csv", other, "text/csv")})
    assert refused.status_code == 422 and "nothing was imported" in refused.json()["error"]["en"]
    delivered = client.post("/api/feeds/unemployment", headers=token, files={"file": ("u.csv", own, "text/csv")})
    assert delivered.status_code == 200 and delivered.json()["inserted"] == 1
    # what the department sent, never what the registry holds (security #1: no link counts)
    assert (delivered.json()["received"], delivered.json()["rejected"], delivered.json()["errors"]) == (1, 0, [])
    assert not {"links", "linked", "unmatched"} & set(delivered.json())
    again = client.post("/api/feeds/unemployment", headers=token, files={"file": ("u.csv", own, "text/csv")})
    assert again.json()["unchanged"] == 1  # idempotent on (source, record_id)
    mistyped = own.decode().replace("110105198201010221", "110105198201012021").replace(",U9,", ",U10,").encode()
    kept = client.post("/api/feeds/unemployment", headers=token, files={"file": ("u.csv", mistyped, "text/csv")})
    assert kept.json()["id_invalid"] == 1 and kept.json()["rejected"] == 0  # two digits swapped: kept for linkage
    assert client.post("/api/feeds/unemployment", files={"file": ("u.csv", own, "text/csv")}).status_code == 401
    session_not_token = client.post(
        "/api/feeds/unemployment",
        headers={"X-Department-Token": admin["Authorization"][7:]},
        files={"file": ("u.csv", own, "text/csv")},
    )
    assert session_not_token.status_code == 401  # a user's session is not a department token
    with world.engine.connect() as conn:
        keys = conn.execute(select(FEED_RECORDS.c.feed_key)).scalars().all()
    assert "human_resources:U9" in keys and "medical_insurance:U9" not in keys
