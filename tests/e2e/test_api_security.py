"""Every API route, tried by a user of another county: 403 or 404, and nothing of county A in
any list, count or search result. The route table must cover every route of the OpenAPI
document, so a new route without a security case fails here."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minsheng import verification
from minsheng.bootstrap import App
from minsheng.casework import conflicts, orders
from minsheng.db.uow import UnitOfWork
from minsheng.linkage.tables import LINK_CANDIDATES
from minsheng.security import sessions
from minsheng.settings import Settings
from minsheng.web.app import create_app
from world import CIPHER, PARAMS, PASSWORD, TODAY, World

# What must never reach county B: A's household and person numbers, names, ID numbers (clear or masked).
A_MARKERS = ("A1", "A2", "QA1", "QA2", "QA3", "张一", "李二", "王三", "110105198", "110105*")
PUBLIC = {("GET", "/api/programmes"), ("GET", "/api/parameters/{pid}"), ("GET", "/healthz"), ("POST", "/api/session")}


@pytest.fixture
def setup(world: World, tmp_path: Path) -> Iterator[tuple[TestClient, World, dict[str, int]]]:
    app = App(Settings(data=tmp_path), world.engine, CIPHER)
    params = PARAMS
    with UnitOfWork(world.engine, world.users["township_a"]) as uow:
        order = orders.open_from_alert(uow, world.users["township_a"], world.alert_a, today=TODAY, params=params)
        uow.commit()
    with UnitOfWork(world.engine, world.users["reviewer_a"]) as uow:
        conflicts.register(
            uow.connection,
            world.users["reviewer_a"],
            CIPHER,
            worker_name="村干部甲",
            worker_role="village_cadre",
            relative_name="张一",
            relative_id_number="110105198001010219",
            relation="sibling",
        )
        uow.commit()
    with UnitOfWork(world.engine, world.users["township_a"]) as uow:
        verification.record_authorisation(
            uow.connection,
            world.users["township_a"],
            "A1",
            signed_by="张一",
            signed_on=TODAY,
            valid_until=None,
            document_ref="SQ-A1",
            today=TODAY,
        )
        report = verification.produce(uow.connection, world.users["township_a"], "A1", as_of=TODAY, params=params)
        uow.commit()
    with world.engine.begin() as conn:
        token_b, _ = sessions.issue_department_token(conn, sessions_admin(world), "human_resources", "110106", 30)
        candidate = conn.execute(
            LINK_CANDIDATES.insert().values(
                feed_key="human_resources:U1",
                person_id="QA1",
                household_id="A1",
                county="110105",
                match_weight=1.5,
                match_probability=0.7,
                comparisons="[]",
                status="pending",
                version=1,
            )
        ).inserted_primary_key[0]
    ids = {
        "order": order,
        "alert": world.alert_a,
        "department_b": token_b,
        "report": report["id"],
        "candidate": candidate,
    }
    with TestClient(create_app(app)) as client:
        ids["simulation"] = _simulation_of_county_a(client, world)  # type: ignore[assignment]
        yield client, world, ids  # type: ignore[misc]


REFORM = (Path(__file__).resolve().parents[2] / "examples" / "reforms" / "dibao_plus5.yaml").read_text(encoding="utf-8")
SIMULATION = {"reforms": [REFORM], "dates": ["2026-06-01"]}


def _simulation_of_county_a(client: TestClient, world: World) -> str:
    """A finished simulation job of county A's reviewer (its tables and report exist)."""
    from minsheng.simulation.jobs import Spec

    jobs = client.app.state.simulation_jobs  # type: ignore[attr-defined]
    reviewer = world.users["reviewer_a"]
    job = jobs.submit(reviewer, Spec((REFORM,), (dt.date(2026, 6, 1),)), world.engine, PARAMS)
    for _ in range(600):
        if jobs.status(job.id, reviewer).status in ("done", "failed"):
            break
        time.sleep(0.05)
    assert jobs.status(job.id, reviewer).status == "done"
    return str(job.id)


def sessions_admin(world: World) -> Any:
    """An administrator of county B exists only for issuing B's department token."""
    from minsheng.security.users import Principal

    return Principal("admin_b", "administrator", "110106")


def login(client: TestClient, user: str) -> dict[str, str]:
    response = client.post("/api/session", json={"username": user, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


FEED_A = (
    "source,record_id,event_date,id_number,name,birth_date,sex,residence_division,status,monthly_benefit\n"
    "human_resources,X9,2026-05-01,110105198001010219,张一,1980-01-01,1,110105001001,benefit_end,0\n"
)


def routes(ids: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path template) → the request county B's users send and what must come back."""
    o, a, r = ids["order"], ids["alert"], ids["report"]
    v = {"version": 1}
    return {
        ("GET", "/api/me"): {"url": "/api/me", "ok": 200},
        ("DELETE", "/api/session"): {"url": "/api/session", "ok": 204, "last": True},
        ("GET", "/api/summary"): {"url": "/api/summary", "ok": 200, "count": ("households", 1)},
        ("GET", "/api/dashboard"): {"url": "/api/dashboard", "ok": 200, "count": ("households", 1)},
        ("GET", "/api/households"): {"url": "/api/households", "ok": 200, "count": ("total", 1)},
        ("POST", "/api/households/search"): {
            "many": [{"q": q} for q in ("张一", "A1", "110105198001010219", "QA1")],
            "url": "/api/households/search",
            "ok": 200,
            "count": ("total", 0),
        },
        ("GET", "/api/households/{household_id}"): {"url": "/api/households/A1", "deny": 404},
        ("GET", "/api/households/{household_id}/entitlements"): {"url": "/api/households/A1/entitlements", "deny": 404},
        ("GET", "/api/persons/{person_id}/id-number"): {"url": "/api/persons/QA1/id-number", "deny": (403, 404)},
        ("POST", "/api/households/{household_id}/verification-authorisations"): {
            "url": "/api/households/A1/verification-authorisations",
            "json": {"signed_by": "张一", "signed_on": "2026-06-01", "document_ref": "SQ-B"},
            "deny": 404,
        },
        ("POST", "/api/households/{household_id}/verification-reports"): {
            "url": "/api/households/A1/verification-reports",
            "deny": 404,
        },
        ("GET", "/api/verification-reports/{report_id}"): {"url": f"/api/verification-reports/{r}", "deny": 404},
        ("GET", "/api/verification-reports/{report_id}/pdf"): {
            "url": f"/api/verification-reports/{r}/pdf",
            "deny": 404,
        },
        ("GET", "/api/alerts"): {"url": "/api/alerts", "ok": 200, "count": ("total", 1)},
        ("GET", "/api/alerts/{alert_id}"): {"url": f"/api/alerts/{a}", "deny": 404},
        ("POST", "/api/alerts/{alert_id}/work-order"): {"url": f"/api/alerts/{a}/work-order", "deny": 404},
        ("GET", "/api/work-orders"): {"url": "/api/work-orders", "ok": 200, "count": ("total", 0)},
        ("GET", "/api/work-orders/{order_id}"): {"url": f"/api/work-orders/{o}", "deny": 404},
        ("POST", "/api/work-orders/{order_id}/assign"): {
            "url": f"/api/work-orders/{o}/assign",
            "json": {"assignee": "township_b", **v},
            "deny": 404,
        },
        ("POST", "/api/work-orders/{order_id}/findings/preview"): {
            "url": f"/api/work-orders/{o}/findings/preview",
            "json": {"findings": {}},
            "deny": 404,
        },
        ("POST", "/api/work-orders/{order_id}/findings"): {
            "url": f"/api/work-orders/{o}/findings",
            "json": {"findings": {}, **v},
            "deny": (403, 404),  # a reviewer's role may not record findings at all
        },
        ("POST", "/api/work-orders/{order_id}/decision"): {
            "url": f"/api/work-orders/{o}/decision",
            "json": {"decision": "no_change", **v},
            "deny": (403, 404),
        },
        ("POST", "/api/work-orders/{order_id}/approval"): {
            "url": f"/api/work-orders/{o}/approval",
            "json": v,
            "deny": (403, 404),
        },
        ("POST", "/api/work-orders/{order_id}/send-back"): {
            "url": f"/api/work-orders/{o}/send-back",
            "json": {"reason": "x", **v},
            "deny": (403, 404),
        },
        ("POST", "/api/work-orders/{order_id}/reopen"): {
            "url": f"/api/work-orders/{o}/reopen",
            "json": {"reason": "x", **v},
            "deny": 404,
        },
        ("GET", "/api/relatives"): {"url": "/api/relatives", "ok": 200, "empty": True},
        ("POST", "/api/relatives"): {
            "url": "/api/relatives",
            "json": {
                "worker_name": "乙",
                "worker_role": "caseworker",
                "relative_name": "张一",
                "relative_id_number": "110105198001010219",
                "relation": "parent",
            },
            "ok": (201, 403),  # a reviewer's entry lands in B's own register, invisible to A's cases
        },
        ("POST", "/api/department-tokens"): {
            "url": "/api/department-tokens",
            "json": {"department": "human_resources", "jurisdiction": "110105"},
            "deny": 403,
        },
        ("POST", "/api/feeds/{kind}"): {"feed": True, "url": "/api/feeds/unemployment", "deny": 422},
        ("GET", "/api/link-candidates"): {"url": "/api/link-candidates", "ok": 200, "count": ("total", 0)},
        ("GET", "/api/link-candidates/{candidate_id}"): {
            "url": f"/api/link-candidates/{ids['candidate']}",
            "deny": 404,
        },
        ("POST", "/api/link-candidates/{candidate_id}/accept"): {
            "url": f"/api/link-candidates/{ids['candidate']}/accept",
            "json": v,
            "deny": 404,
        },
        ("POST", "/api/link-candidates/{candidate_id}/reject"): {
            "url": f"/api/link-candidates/{ids['candidate']}/reject",
            "json": v,
            "deny": 404,
        },
        ("GET", "/api/audit/verify"): {"url": "/api/audit/verify", "ok": (200, 403)},  # reviewers only; no person in it
        # a simulation runs over the user's own area: B's is B's; A's job is not there for B
        ("POST", "/api/simulations"): {"url": "/api/simulations", "json": SIMULATION, "ok": 202},
        ("GET", "/api/simulations/{job_id}"): {"url": f"/api/simulations/{ids['simulation']}", "deny": 404},
        ("GET", "/api/simulations/{job_id}/tables/{name}"): {
            "url": f"/api/simulations/{ids['simulation']}/tables/programmes",
            "deny": 404,
        },
        ("GET", "/api/simulations/{job_id}/reports/{scenario}/{date}.pdf"): {
            "url": f"/api/simulations/{ids['simulation']}/reports/plus5/2026-06-01.pdf",
            "deny": 404,
        },
    }


def declared(client: TestClient) -> set[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}


def test_the_route_table_covers_every_route(setup: tuple[TestClient, World, dict[str, int]]) -> None:
    client, _, ids = setup
    assert declared(client) - PUBLIC == set(routes(ids))


@pytest.mark.parametrize("user", ["township_b", "reviewer_b"])
def test_another_county_gets_403_or_404_and_sees_nothing_of_county_a(
    setup: tuple[TestClient, World, dict[str, int]], user: str
) -> None:
    client, _, ids = setup
    table = routes(ids)
    ordered = sorted(table.items(), key=lambda kv: bool(kv[1].get("last")))
    for (method, _template), case in ordered:
        headers = login(client, user)
        bodies = case.get("many") or [case.get("json")]
        for body in bodies:
            if case.get("feed"):
                response = client.post(
                    case["url"],
                    headers={"X-Department-Token": ids["department_b"]},  # type: ignore[dict-item]
                    files={"file": ("unemployment.csv", FEED_A.encode(), "text/csv")},
                )
            else:
                response = client.request(method, case["url"], headers=headers, json=body)
            deny = case.get("deny")
            allowed = (deny,) if isinstance(deny, int) else deny
            if allowed:
                assert response.status_code in allowed, (method, case["url"], response.status_code, response.text)
            else:
                ok = case["ok"] if isinstance(case["ok"], tuple) else (case["ok"],)
                assert response.status_code in ok, (method, case["url"], response.text)
            # an error may repeat what was asked (the URL's own id); anything else of A's is a leak
            asked = case["url"] + json.dumps(body, ensure_ascii=False)
            leaked = [m for m in A_MARKERS if m in response.text and m not in asked]
            assert not leaked, (method, case["url"], response.text)
            if "count" in case:
                key, expected = case["count"]
                assert response.json()[key] == expected, (method, case["url"], response.json())
            if case.get("empty"):
                assert response.json() == []


def test_without_a_session_every_protected_route_says_401(setup: tuple[TestClient, World, dict[str, int]]) -> None:
    client, _, ids = setup
    for (method, _template), case in routes(ids).items():
        response = client.request(method, case["url"], json=case.get("json"))
        assert response.status_code == 401, (method, case["url"], response.status_code)
        error = response.json()["error"]
        assert error["zh"] and error["en"]


def test_an_analyst_sees_aggregates_only(setup: tuple[TestClient, World, dict[str, int]]) -> None:
    client, _, ids = setup
    headers = login(client, "city_analyst")
    assert client.get("/api/dashboard", headers=headers).json()["households"] == 3  # the whole city 1101
    for url in (
        "/api/households",
        "/api/households/A1",
        "/api/alerts",
        "/api/work-orders",
        f"/api/alerts/{ids['alert']}",
    ):
        assert client.get(url, headers=headers).status_code == 403, url
    assert client.post("/api/households/search", headers=headers, json={"q": "张一"}).status_code == 403


def test_an_expired_or_revoked_session_is_refused(setup: tuple[TestClient, World, dict[str, int]]) -> None:
    client, world, _ = setup
    with world.engine.begin() as conn:
        old, _ = sessions.open_session(conn, world.users["township_a"], 30, now=dt.datetime(2020, 1, 1))
    assert client.get("/api/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    headers = login(client, "township_a")
    assert client.get("/api/me", headers=headers).status_code == 200
    assert client.delete("/api/session", headers=headers).status_code == 204
    assert client.get("/api/me", headers=headers).status_code == 401
    wrong = client.post("/api/session", json={"username": "township_a", "password": "not the password"})
    assert wrong.status_code == 401 and wrong.json()["error"]["zh"] == "用户名或密码错误"
