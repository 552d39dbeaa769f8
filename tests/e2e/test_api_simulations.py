"""Simulations over REST: a background job over the user's own area, its progress, its tables
and its report; another area's job is not there; a bad reform is refused before anything runs."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from minsheng.security.tables import AUDIT_LOG
from world import World
from world import api_login as login

REFORM = (Path(__file__).resolve().parents[2] / "examples" / "reforms" / "dibao_plus5.yaml").read_text(encoding="utf-8")


def finished(client: TestClient, job: str, who: dict[str, str]) -> dict[str, object]:
    for _ in range(600):
        shown = client.get(f"/api/simulations/{job}", headers=who).json()
        if shown["status"] in ("done", "failed"):
            return shown
        time.sleep(0.05)
    raise AssertionError("the simulation did not finish")


def test_a_simulation_runs_in_the_background_and_serves_its_tables_and_report(client: TestClient, world: World) -> None:
    analyst = login(client, "city_analyst")
    made = client.post("/api/simulations", headers=analyst, json={"reforms": [REFORM], "dates": ["2026-06-01"]})
    assert made.status_code == 202, made.text
    job = made.json()
    assert job["status"] == "queued" and job["scenarios"] == ["baseline", "plus5"]
    done = finished(client, job["id"], analyst)
    assert done["status"] == "done", done["error"]
    assert "equity" not in done["tables"]  # the registry frame: no county-wide inequality
    rows = client.get(f"/api/simulations/{job['id']}/tables/programmes", headers=analyst).json()["rows"]
    dibao = [r for r in rows if r["programme"] == "dibao"]
    assert {r["scenario"] for r in dibao} == {"baseline", "plus5"}
    pdf = client.get(f"/api/simulations/{job['id']}/reports/plus5/2026-06-01.pdf", headers=analyst)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    (Path(client.app.state.minsheng.settings.data) / "r.pdf").write_bytes(pdf.content)
    text = "".join(p.extract_text() for p in PdfReader(Path(client.app.state.minsheng.settings.data) / "r.pdf").pages)
    assert "登记库" in text
    with world.engine.connect() as conn:
        actions = conn.execute(select(AUDIT_LOG.c.action).where(AUDIT_LOG.c.subject_id == job["id"])).scalars().all()
    assert "simulate" in actions and "read_simulation" in actions


def test_another_areas_job_is_not_there(client: TestClient) -> None:
    analyst = login(client, "city_analyst")
    job = client.post("/api/simulations", headers=analyst, json={"reforms": [REFORM], "dates": ["2026-06-01"]}).json()
    finished(client, job["id"], analyst)
    county_b = login(client, "reviewer_b")
    assert client.get(f"/api/simulations/{job['id']}", headers=county_b).status_code == 404
    assert client.get(f"/api/simulations/{job['id']}/tables/programmes", headers=county_b).status_code == 404


def test_a_bad_reform_is_refused_before_anything_runs(client: TestClient) -> None:
    analyst = login(client, "city_analyst")
    bad = REFORM.replace("dibao.standard", "dibao.no_such_parameter")
    refused = client.post("/api/simulations", headers=analyst, json={"reforms": [bad], "dates": ["2026-06-01"]})
    assert refused.status_code in (400, 422), refused.text
    assert "no_such_parameter" in refused.text
    client.cookies.clear()  # no session at all
    assert client.post("/api/simulations", json={"reforms": [REFORM], "dates": ["2026-06-01"]}).status_code == 401


def test_a_structural_reform_runs_and_a_forbidden_formula_is_refused(client: TestClient) -> None:
    analyst = login(client, "city_analyst")
    tiers = (Path(__file__).resolve().parents[2] / "examples" / "reforms" / "dibao_tiers_formula.yaml").read_text(
        encoding="utf-8"
    )
    job = client.post("/api/simulations", headers=analyst, json={"reforms": [tiers], "dates": ["2026-06-01"]}).json()
    assert job["scenarios"] == ["baseline", "tiers"]
    done = finished(client, job["id"], analyst)
    assert done["status"] == "done", done["error"]
    bad = "reform:\n  id: bad\nformulas:\n  dibao_gap_fen:\n    expression: \"__import__('os').system('id')\"\n"
    refused = client.post("/api/simulations", headers=analyst, json={"reforms": [bad], "dates": ["2026-06-01"]})
    assert refused.status_code in (400, 422), refused.text
    assert "reform 1:5" in refused.text and "is not allowed" in refused.text
