"""A monitoring run discovers over the OBSERVED population (feeds applied), on both backends,
and leaves the declared registry as it was."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select

from minsheng.demo.local_params import seed_local_parameters
from minsheng.feeds.ingest import ingest_feed
from minsheng.monitoring.run import run_monitoring
from minsheng.monitoring.tables import ALERTS
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.registry import population
from minsheng.registry.importer import import_files

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")
DATE = dt.date(2026, 6, 30)
ENVELOPE = "source,record_id,event_date,id_number,name,birth_date,sex,residence_division"
ASSETS = "0,1,30,0,0,0"  # financial_assets, properties, housing_area_m2, non_residential_property, vehicles, capital
HH = (
    "household_id,residence_division,urban_rural,financial_assets,properties,housing_area_m2,"
    "non_residential_property,vehicles,business_capital,enrolled,enrolled_since,current_benefit\n"
    f"HA,110105001001,urban,{ASSETS},,,\n"
    f"HB,110105001001,urban,{ASSETS},dibao,2024-01-01,1020\n"
    f"HC,110105002001,urban,{ASSETS},,,\n"
)
P = (
    "person_id,household_id,id_number,name,relation,birth_date,wage_income,business_income,property_income,"
    "transfer_income,supporter_capable,self_care\n"
    "QA,HA,110105198001010219,张一,02,1980-01-01,4000,0,0,0,1,full\n"
    "QB,HB,110105198501010215,王三,02,1985-01-01,500,0,0,0,1,full\n"
    "QC,HC,110105195001010215,赵四,02,1950-01-01,0,0,0,2000,1,full\n"
    "QD,HC,110105195201010228,钱五,10,1952-01-01,0,0,0,3000,1,full\n"
)
PEOPLE = {
    "QA": "110105198001010219,张一,1980-01-01,1",
    "QB": "110105198501010215,王三,1985-01-01,1",
    "QD": "110105195201010228,钱五,1952-01-01,2",
}


def feed(tmp_path: Path, kind: str, extra_header: str, rows: list[str]) -> Path:
    path = tmp_path / f"{kind}.csv"
    path.write_text("\n".join([ENVELOPE + extra_header, *rows]) + "\n", encoding="utf-8")
    return path


def dibao(found: pl.DataFrame) -> list[tuple[str, str]]:
    return found.filter(pl.col("programme") == "dibao").select("kind", "household_id").rows()


def test_discovery_reads_the_feeds_and_the_registry_keeps_its_declarations(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "hh.csv").write_text(HH, encoding="utf-8")
    (tmp_path / "p.csv").write_text(P, encoding="utf-8")
    import_files(engine, CIPHER, tmp_path / "hh.csv", tmp_path / "p.csv")
    seed_local_parameters(engine, "110105", tmp_path)  # the county's own standard, set as the demo sets it
    declared_hh, declared_pp = population.load(engine)

    # The registry alone: HA earns 4000 a month, HB is rightly on dibao (the gap 1520 − 500).
    before = run_monitoring(engine, date=DATE)
    assert dibao(before.discovery) == []
    assert (before.applied, before.changed_households) == (0, 0)

    for kind, header, rows in (
        # HA's wage falls to 1000 a month: below the 1520 standard.
        ("wage_record", ",monthly_wage", [f"human_resources,W1,2026-04-01,{PEOPLE['QA']},110105001001,1000"]),
        # HB, on dibao, registers a car: the local rule allows none.
        ("vehicle_registration", ",value,commercial", [f"public_security,V1,2026-05-01,{PEOPLE['QB']},,60000,0"]),
        # HC's 74-year-old member dies; an older record (outside the window) changes nothing.
        ("death", "", [f"public_security,D1,2026-03-01,{PEOPLE['QD']},"]),
        ("deposit_balance", ",amount", [f"bank,B1,2025-01-01,{PEOPLE['QA']},,900000"]),
    ):
        ingest_feed(engine, CIPHER, feed(tmp_path, kind, header, rows))
    after = run_monitoring(engine, date=DATE)

    assert dibao(after.discovery) == [("leaked", "HB"), ("missed", "HA")]
    rows = {r["household_id"]: r for r in after.discovery.filter(pl.col("programme") == "dibao").to_dicts()}
    # Only the facts dibao reads: the employment status the wage record also fills in is not shown.
    assert rows["HA"]["observed_changes"] == "QA.wage_income: 4000.00→1000.00 [human_resources:W1]"
    assert rows["HB"]["failed_conditions"] == "dibao_vehicles_within_limit"
    assert "vehicles: 0→1 [public_security:V1]" in rows["HB"]["observed_changes"]
    # Three records in the window applied (the old deposit balance is outside it); three households changed.
    assert (after.records, after.applied, after.changed_households) == (3, 3, 3)
    assert set(after.changes.get_column("field")) == {
        "wage_income",
        "employment",
        "vehicles",
        "vehicle_value",
        "member",
        "household_size",
    }

    # The surviving spouse lives alone now on 2,000 a month, in the low-income band (< 1.5 × 1520):
    # watched (a rule over registry facts reads the observed population).
    with engine.connect() as conn:
        alerts = {(r.household_id, r.reason) for r in conn.execute(select(ALERTS)).all()}
    assert ("HC", "elderly_alone") in alerts

    # Department data never rewrites the declarations.
    now_hh, now_pp = population.load(engine)
    assert now_hh.sort("household_id").equals(declared_hh.sort("household_id"))
    assert now_pp.sort("person_id").equals(declared_pp.sort("person_id"))
