"""The web app's defences over HTTP: failed logins throttled (API and page alike), the access
log naming user and address, state-changing requests from another site refused, security
headers on every response, and request bodies held to a size limit."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from minsheng.bootstrap import App
from minsheng.cli import app as cli
from minsheng.security import sessions
from minsheng.security.users import Principal
from minsheng.settings import Settings
from minsheng.web.app import create_app
from world import CIPHER, PASSWORD, World

FEED = (
    "source,record_id,event_date,id_number,name,birth_date,sex,residence_division,status,monthly_benefit\n"
    "human_resources,X9,2026-05-01,110105198001010219,张一,1980-01-01,1,110105001001,benefit_end,0\n"
)


def client_for(world: World, tmp_path: Path, **settings: int) -> TestClient:
    return TestClient(create_app(App(Settings(data=tmp_path, **settings), world.engine, CIPHER)))


@pytest.fixture
def client(world: World, tmp_path: Path) -> TestClient:
    return client_for(world, tmp_path)


def page_session(client: TestClient, user: str = "township_a") -> TestClient:
    assert client.post("/login", data={"username": user, "password": PASSWORD}).status_code == 200
    return client


def bearer(client: TestClient, user: str = "township_a") -> dict[str, str]:
    response = client.post("/api/session", json={"username": user, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


# --- failed logins -----------------------------------------------------------------------------


def test_failed_logins_are_throttled_alike_through_the_api_and_the_page(world: World, tmp_path: Path) -> None:
    client = client_for(world, tmp_path, login_failures_per_user=3, login_failure_window_minutes=10)
    wrong = {"username": "township_a", "password": "not the password 1"}
    assert client.post("/api/session", json=wrong).status_code == 401
    assert client.post("/api/session", json=wrong).status_code == 401
    page = client.post("/login", data=wrong, follow_redirects=False)
    assert page.status_code == 303 and "failed=true" in page.headers["location"]  # the third failure
    refused = client.post("/api/session", json={"username": "township_a", "password": PASSWORD})
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["type"] == "too_many_attempts" and "登录失败次数过多" in error["zh"] and "too many" in error["en"]
    assert 0 < int(refused.headers["retry-after"]) <= 600
    page = client.post("/login", data={"username": "township_a", "password": PASSWORD}, follow_redirects=False)
    assert page.status_code == 429 and "登录失败次数过多" in page.text and "retry-after" in page.headers
    assert "minsheng_session" not in page.headers.get("set-cookie", "")
    assert client.post("/api/session", json={"username": "reviewer_a", "password": PASSWORD}).status_code == 200


def test_the_access_log_names_the_user_and_the_address(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="minsheng.access")
    client.post("/api/session", json={"username": "township_a", "password": "not the password 1"})
    headers = bearer(client)
    client.get("/api/me", headers=headers)
    lines = [r.getMessage() for r in caplog.records if r.name == "minsheng.access"]
    assert lines[0].startswith("POST /api/session 401 - testclient ")  # who failed is in the audit log
    assert lines[1].startswith("POST /api/session 200 township_a testclient ")
    assert lines[2].startswith("GET /api/me 200 township_a testclient ")
    assert PASSWORD not in " ".join(lines)


# --- the same-origin check ---------------------------------------------------------------------


def test_a_cookie_session_must_show_its_origin(client: TestClient) -> None:
    page_session(client)
    search = {"q": "A1"}
    assert client.post("/households", data=search).status_code == 200  # the fixture's own Origin
    for origin in ("null", "http://evil.example", "https://testserver.evil.example"):
        refused = client.post("/households", data=search, headers={"Origin": origin})
        assert refused.status_code == 403, origin
        assert refused.json()["error"]["zh"] and refused.json()["error"]["en"]
    del client.headers["origin"]
    assert client.post("/households", data=search).status_code == 403  # a cookie, and nothing else
    assert client.post("/households", data=search, headers={"Referer": "http://evil.example/x"}).status_code == 403
    assert (
        client.post("/households", data=search, headers={"Referer": "http://testserver/households"}).status_code == 200
    )
    assert client.delete("/api/session").status_code == 403  # DELETE is state-changing too
    assert client.get("/households").status_code == 200  # a read needs no Origin


def test_clients_that_name_their_credentials_need_no_origin(world: World, client: TestClient) -> None:
    del client.headers["origin"]  # a script, not a browser
    headers = bearer(client)  # no cookie yet: a login from a script carries nothing to forge
    assert "minsheng_session" in client.cookies  # the session cookie came back with the token
    ok = client.post("/api/households/search", headers=headers, json={"q": "A1"})
    assert ok.status_code == 200  # Bearer: the cookie the client also holds is not what is used
    null = client.post("/api/households/search", headers={**headers, "Origin": "null"}, json={"q": "A1"})
    assert null.status_code == 403  # but an opaque origin is never let through
    with world.engine.begin() as conn:
        token, _ = sessions.issue_department_token(
            conn, Principal("admin_a", "administrator", "110105"), "human_resources", "110105", 30
        )
    delivered = client.post(
        "/api/feeds/unemployment",
        headers={"X-Department-Token": token},
        files={"file": ("unemployment.csv", FEED.encode(), "text/csv")},
    )
    assert delivered.status_code == 200, delivered.text


# --- headers -----------------------------------------------------------------------------------


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    page_session(client)
    responses = {
        "page": client.get("/households"),
        "api": client.get("/api/summary"),
        "error": client.get("/api/households/NOPE"),
        "login": client.get("/login"),
        "refused": client.post("/households", data={"q": "A1"}, headers={"Origin": "null"}),
    }
    for name, response in responses.items():
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, name
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0], name
        assert headers["x-frame-options"] == "DENY", name
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["referrer-policy"] == "same-origin", name
        assert headers["cache-control"] == "no-store", name
    static = client.get("/static/minsheng.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")
    assert static.headers["x-content-type-options"] == "nosniff"


# --- request size ------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_by_its_length(world: World, tmp_path: Path) -> None:
    client = client_for(world, tmp_path, max_request_bytes=2000)
    big = {"username": "township_a", "password": PASSWORD, "padding": "x" * 5000}
    refused = client.post("/api/session", json=big)
    assert refused.status_code == 413
    error = refused.json()["error"]
    assert error["type"] == "too_large" and "请求内容过大" in error["zh"] and "too large" in error["en"]
    streamed = client.post(  # no Content-Length: counted as it comes
        "/api/session",
        content=iter([b'{"username": "township_a", "padding": "', b"x" * 5000, b'"}']),
        headers={"Content-Type": "application/json"},
    )
    assert streamed.status_code == 413 and streamed.json()["error"]["type"] == "too_large"
    assert client.post("/api/session", json={"username": "township_a", "password": PASSWORD}).status_code == 200


def test_the_upload_routes_have_their_own_larger_limit(world: World, tmp_path: Path) -> None:
    client = client_for(world, tmp_path, max_request_bytes=2000, max_upload_bytes=50_000)
    with world.engine.begin() as conn:
        token, _ = sessions.issue_department_token(
            conn, Principal("admin_a", "administrator", "110105"), "human_resources", "110105", 30
        )
    feed = FEED + "".join(
        f"human_resources,Y{i},2026-05-01,110105198001010219,张一,1980-01-01,1,110105001001,benefit_end,0\n"
        for i in range(60)
    )
    assert 2000 < len(feed.encode()) < 50_000
    department = {"X-Department-Token": token}
    upload = {"file": ("unemployment.csv", feed.encode(), "text/csv")}
    assert client.post("/api/feeds/unemployment", headers=department, files=upload).status_code == 200
    too_big = {"file": ("unemployment.csv", feed.encode() * 10, "text/csv")}
    assert client.post("/api/feeds/unemployment", headers=department, files=too_big).status_code == 413
    headers = bearer(client)
    search = client.post("/api/households/search", headers=headers, json={"q": "A1", "padding": "x" * 3000})
    assert search.status_code == 413


@pytest.fixture
def served(served_world: tuple[str, World]) -> Iterator[str]:
    yield served_world[0]


def test_a_chunked_body_over_the_limit_is_cut_off_by_a_real_server(served: str) -> None:
    """uvicorn hands the body over in chunks: 2 MiB without a Content-Length (default limit 1 MiB)."""
    sent = {"bytes": 0}

    def body() -> Iterator[bytes]:
        yield b'{"username": "township_a", "password": "'
        for _ in range(32):
            sent["bytes"] += 64 * 1024
            yield b"x" * (64 * 1024)
        yield b'"}'

    response = httpx2.post(
        f"{served}/api/session", content=body(), headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 413
    assert response.json()["error"]["en"].startswith("the request is too large")


# --- the password rule -------------------------------------------------------------------------


def test_a_weak_password_is_refused_by_users_add(tmp_path: Path) -> None:
    args = ["users", "add", "wang", "--role", "county_reviewer", "--jurisdiction", "110105"]
    result = CliRunner().invoke(cli, [*args, "--data", str(tmp_path)], input=(" " * 12 + "\n") * 2)
    assert result.exit_code == 1
    assert "密码至少12个字符" in result.output and "at least 12 characters" in result.output
