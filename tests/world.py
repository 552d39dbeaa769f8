"""A small two-county world for case-work, security and API tests.

County A (110105 朝阳区) has two townships, county B (110106 丰台区) one. Each
county has a household whose main earner's unemployment is reported by human
resources, so a monitoring run opens an alert in each; A also has an enrolled
dibao household. Users of every role exist in A, an administrator, a caseworker and a
reviewer in B. Each county's local parameters (its dibao standard, property rules…) are the
demo county's file (`demo/local_parameters.yaml`), submitted by the county's administrator
and approved by its reviewer, as a county sets them: the shipped files carry none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from minsheng.demo.local_params import DEMO_FILE, demo_parameters
from minsheng.feeds.ingest import ingest_feed
from minsheng.localparams import local_file, store
from minsheng.monitoring.run import run_monitoring
from minsheng.monitoring.tables import ALERTS
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.programmes.registry import baseline
from minsheng.registry.importer import import_files
from minsheng.security.users import Principal, create_user

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")
PASSWORD = "correct horse battery staple"
TODAY = dt.date(2026, 6, 30)
ASSETS = "0,1,30,0,0,0"
HOUSEHOLDS = (
    "household_id,residence_division,urban_rural,financial_assets,properties,housing_area_m2,"
    "non_residential_property,vehicles,business_capital,enrolled,enrolled_since,current_benefit\n"
    f"A1,110105001001,urban,{ASSETS},,,\n"
    f"A2,110105002001,urban,{ASSETS},dibao,2024-01-01,1020\n"
    f"B1,110106001001,urban,{ASSETS},,,\n"
)
PERSONS = (
    "person_id,household_id,id_number,name,relation,wage_income,business_income,property_income,transfer_income,phone\n"
    "QA1,A1,110105198001010219,张一,02,4000,0,0,0,13800138000\n"
    "QA2,A1,110105198201010221,李二,12,0,0,0,0,\n"
    "QA3,A2,110105198501010215,王三,02,500,0,0,0,\n"
    "QB1,B1,110106198001010434,赵五,02,4000,0,0,0,13900139000\n"
    "QB2,B1,110106198201010463,钱六,12,0,0,0,0,\n"
)
UNEMPLOYMENT = (
    "source,record_id,event_date,id_number,name,birth_date,sex,residence_division,status,monthly_benefit\n"
    "human_resources,U1,2026-03-01,110105198001010219,张一,1980-01-01,1,110105001001,benefit_start,1800\n"
    "human_resources,U2,2026-03-01,110106198001010434,赵五,1980-01-01,1,110106001001,benefit_start,1800\n"
)
CLEAR_IDS = ("110105198001010219", "110105198201010221", "110105198501010215", "110106198001010434")
USERS = {
    "village_a": ("village_caseworker", "110105001001"),
    "township_a": ("township_caseworker", "110105001"),
    "township_a2": ("township_caseworker", "110105002"),
    "reviewer_a": ("county_reviewer", "110105"),
    "reviewer_a2": ("county_reviewer", "110105"),
    "admin_a": ("administrator", "110105"),
    "city_analyst": ("city_analyst", "1101"),
    "admin_b": ("administrator", "110106"),
    "township_b": ("township_caseworker", "110106001"),
    "reviewer_b": ("county_reviewer", "110106"),
}
LOCAL_PARAMETERS = {"110105": ("admin_a", "reviewer_a"), "110106": ("admin_b", "reviewer_b")}  # maker, checker
# What a registry-backed use case of the world runs with (`localparams.store.parameters_for` once
# `build` has approved the values): the shipped files and each county's own values.
PARAMS = demo_parameters("110106", demo_parameters("110105"))


@dataclass
class World:
    engine: Engine
    cipher: PersonalDataCipher
    users: dict[str, Principal]
    alert_a: int  # the alert about household A1
    alert_b: int  # the alert about household B1


def build(engine: Engine, tmp_path: Path) -> World:
    (tmp_path / "households.csv").write_text(HOUSEHOLDS, encoding="utf-8")
    (tmp_path / "persons.csv").write_text(PERSONS, encoding="utf-8")
    import_files(engine, CIPHER, tmp_path / "households.csv", tmp_path / "persons.csv")
    (tmp_path / "unemployment.csv").write_text(UNEMPLOYMENT, encoding="utf-8")
    ingest_feed(engine, CIPHER, tmp_path / "unemployment.csv")
    set_local_parameters(engine)
    run_monitoring(engine, date=TODAY)
    users = {}
    with engine.begin() as conn:
        for name, (role, jurisdiction) in USERS.items():
            users[name] = create_user(conn, name, name, role, jurisdiction, PASSWORD)
        alerts = {hh: i for i, hh in conn.execute(select(ALERTS.c.id, ALERTS.c.household_id)).all()}
    return World(engine, CIPHER, users, alerts["A1"], alerts["B1"])


def set_local_parameters(engine: Engine) -> None:
    """Each county's own values: the demo file, submitted and approved (by the users made below)."""
    for county, (maker, checker) in LOCAL_PARAMETERS.items():
        values = local_file.read(DEMO_FILE, baseline(), county)
        with engine.begin() as conn:
            batch = store.submit(conn, _principal(maker), values, division=county, source_file=DEMO_FILE.name)
            store.decide(conn, _principal(checker), batch, approve=True, note="测试世界 test world")


def _principal(name: str) -> Principal:
    role, jurisdiction = USERS[name]
    return Principal(name, role, jurisdiction)


def api_login(client: Any, user: str) -> dict[str, str]:
    """The Authorization header of a session of `user` (password PASSWORD) on the API."""
    token = client.post("/api/session", json={"username": user, "password": PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {token}"}
