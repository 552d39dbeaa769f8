"""A monitoring run: graded alerts from linked records, one per household and reason, on both backends."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine, select

from minsheng.demo.local_params import seed_local_parameters
from minsheng.feeds.ingest import ingest_feed
from minsheng.monitoring.run import run_monitoring
from minsheng.monitoring.tables import ALERTS
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry.importer import import_files

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")
ENVELOPE = "source,record_id,event_date,id_number,name,birth_date,sex,residence_division"
ASSETS = "0,1,30,0,0,0"
HH = (
    "household_id,residence_division,urban_rural,financial_assets,properties,housing_area_m2,"
    "non_residential_property,vehicles,business_capital,enrolled,enrolled_since,current_benefit\n"
    f"H1,110105001001,urban,{ASSETS},,,\n"
    f"H2,110105001001,urban,{ASSETS},dibao,2024-01-01,1020\n"
    f"H3,110105002001,urban,{ASSETS},,,\n"
    f"H4,110105002001,urban,{ASSETS},,,\n"
)
P = (
    "person_id,household_id,id_number,name,relation,wage_income,business_income,property_income,transfer_income\n"
    "Q1,H1,110105198001010219,张一,02,4000,0,0,0\n"
    "Q2,H1,110105198201010221,李二,12,0,0,0,0\n"
    "Q3,H2,110105198501010215,王三,02,500,0,0,0\n"
    "Q4,H3,110105195001010215,赵四,02,1000,0,0,1000\n"
    "Q5,H4,110105197503010433,孙六,02,20000,0,0,0\n"
    "Q6,H4,11010519780501064X,周七,12,15000,0,0,0\n"
)


def feed(tmp_path: Path, kind: str, extra_header: str, rows: list[str]) -> Path:
    path = tmp_path / f"{kind}.csv"
    path.write_text("\n".join([ENVELOPE + extra_header, *rows]) + "\n", encoding="utf-8")
    return path


def test_alerts_are_graded_deduplicated_and_updated(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "hh.csv").write_text(HH, encoding="utf-8")
    (tmp_path / "p.csv").write_text(P, encoding="utf-8")
    import_files(engine, CIPHER, tmp_path / "hh.csv", tmp_path / "p.csv")
    seed_local_parameters(engine, "110105", tmp_path)  # the county's own standard, set as the demo sets it
    who = {
        "Q1": "110105198001010219,张一,1980-01-01,1",
        "Q3": "110105198501010215,王三,1985-01-01,1",
        "Q4": "110105195001010215,赵四,1950-01-01,1",
        "Q5": "110105197503010433,孙六,1975-03-01,1",
        "Q6": "11010519780501064X,周七,1978-05-01,2",
    }
    ingest_feed(
        engine,
        CIPHER,
        feed(
            tmp_path,
            "unemployment",
            ",status,monthly_benefit",
            [f"human_resources,U1,2026-03-01,{who['Q1']},110105001001,benefit_start,1800"],
        ),
    )
    ingest_feed(
        engine,
        CIPHER,
        feed(
            tmp_path,
            "medical_claim",
            ",total_cost,out_of_pocket,inpatient,major_illness",
            [
                f"medical_insurance,M1,2026-02-01,{who['Q4']},110105002001,40000,12000,1,1",
                f"medical_insurance,M2,2026-04-01,{who['Q4']},110105002001,30000,9000,1,1",
                # H4 earns 17,500 a head: only a bill over twice the threshold is watched there.
                f"medical_insurance,M4,2026-03-01,{who['Q5']},110105002001,80000,45000,1,1",
            ],
        ),
    )
    ingest_feed(
        engine,
        CIPHER,
        feed(
            tmp_path,
            "vehicle_registration",
            ",value,commercial",
            [f"public_security,V1,2026-05-01,{who['Q3']},110105001001,60000,0"],
        ),
    )
    outcome = run_monitoring(engine, date=dt.date(2026, 6, 30))
    with engine.connect() as conn:
        rows = {(r.household_id, r.reason): r for r in conn.execute(select(ALERTS)).all()}
    # H1 earned 4000 for two, 2000 a head (above the 1520 standard); Q1's wage is gone and 1800 of
    # unemployment benefit comes in: 900 a head, below the standard — red.
    assert rows[("H1", "unemployment")].severity == "red"
    # H3's 21,000 out of pocket is a shock to a low-income household (2000 a head: above the
    # standard, below 1.5 ×): orange, whatever its size.
    assert rows[("H3", "medical_cost")].severity == "orange"
    # H4 (17,500 a head): 45,000 is above twice the 20,000 threshold — watched, not acted on.
    assert rows[("H4", "medical_cost")].severity == "yellow"
    assert json.loads(rows[("H3", "medical_cost")].evidence) == ["medical_insurance:M1", "medical_insurance:M2"]
    # H2 receives dibao and registers a car: an exit signal.
    assert (rows[("H2", "exit_vehicle")].direction, rows[("H2", "exit_vehicle")].severity) == ("exit", "orange")
    # H3 is 76 and lives alone: watched (yellow).
    assert rows[("H3", "elderly_alone")].severity == "yellow"
    assert set(rows) == {
        ("H1", "unemployment"),
        ("H3", "medical_cost"),
        ("H2", "exit_vehicle"),
        ("H3", "elderly_alone"),
        ("H4", "medical_cost"),
    }
    assert outcome.merged.opened == 5
    # The same run again changes nothing; a new claim updates the open alert instead of adding one.
    assert run_monitoring(engine, date=dt.date(2026, 6, 30)).merged.unchanged == 5
    ingest_feed(
        engine,
        CIPHER,
        feed(
            tmp_path,
            "medical_claim",
            ",total_cost,out_of_pocket,inpatient,major_illness",
            [f"medical_insurance,M3,2026-06-01,{who['Q4']},110105002001,5000,1000,0,0"],
        ),
    )
    again = run_monitoring(engine, date=dt.date(2026, 6, 30))
    assert (again.merged.opened, again.merged.updated) == (0, 1)
    with engine.connect() as conn:
        alert = conn.execute(
            select(ALERTS).where(ALERTS.c.reason == "medical_cost", ALERTS.c.household_id == "H3")
        ).one()
    assert alert.version == 2 and str(alert.last_event) == "2026-06-01" and len(json.loads(alert.evidence)) == 3
