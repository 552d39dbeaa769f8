"""Proactive discovery over the registry: missed, leaked and changed, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from minsheng.assessment import assess
from minsheng.demo.local_params import demo_parameters
from minsheng.monitoring.discovery import discover
from minsheng.privacy.personal_data import PersonalDataCipher
from minsheng.programmes.registry import model
from minsheng.registry import population
from minsheng.registry.importer import import_files

CIPHER = PersonalDataCipher.from_secret(b"minsheng test key, not a secret!")
ASSETS = "0,1,30,0,0,0"  # financial_assets, properties, housing_area_m2, non_residential_property, vehicles, capital
HH = (
    "household_id,residence_division,urban_rural,financial_assets,properties,housing_area_m2,"
    "non_residential_property,vehicles,business_capital,enrolled,enrolled_since,current_benefit\n"
    f"H1,110105001001,urban,{ASSETS},,,\n"
    f"H2,110105001001,urban,{ASSETS},dibao,2024-01-01,800\n"
    f"H3,110105001001,urban,{ASSETS},dibao,2024-01-01,900\n"
    f"H4,110105001001,urban,{ASSETS},dibao,2024-01-01,1000\n"
    f"H5,110105001001,urban,{ASSETS},,,\n"
)
P = (
    "person_id,household_id,name,relation,birth_date,wage_income,business_income,property_income,transfer_income,"
    "supporter_capable,self_care\n"
    "Q1,H1,甲,02,1985-01-01,0,0,0,0,1,full\n"
    "Q2,H2,乙,02,1985-01-01,5000,0,0,0,1,full\n"
    "Q3,H3,丙,02,1985-01-01,500,0,0,0,1,full\n"
    "Q4,H4,丁,02,1985-01-01,520,0,0,0,1,full\n"
    "Q5,H5,戊,02,1945-01-01,0,0,0,0,0,full\n"
)


def test_discovery_lists_missed_leaked_and_changed(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "hh.csv").write_text(HH, encoding="utf-8")
    (tmp_path / "p.csv").write_text(P, encoding="utf-8")
    import_files(engine, CIPHER, tmp_path / "hh.csv", tmp_path / "p.csv")
    hh, pp = population.load(engine)
    result = assess(hh, pp, date=dt.date(2025, 8, 1), params=demo_parameters())  # the county's own values
    found = discover(model(), result, population.enrolments(engine), hh)
    rows = found.select("kind", "programme", "household_id").rows()
    assert sorted(rows) == [
        ("changed", "dibao", "H3"),  # pays 900, the gap is 1520 − 500 = 1020
        ("leaked", "dibao", "H2"),  # 5000 a month is above the standard
        ("missed", "dibao", "H1"),
        # H5: 80, no income, no supporter able to support: tekun, which leaves no member for dibao
        # (dibao.tekun_members_excluded; 特困人员认定办法 第二十七条)
        ("missed", "tekun", "H5"),
    ]
    h3 = found.filter(pl.col("household_id") == "H3").row(0, named=True)
    assert (h3["current_benefit"], h3["computed_benefit"]) == (900.0, 1020.0)
    h2 = found.filter(pl.col("household_id") == "H2").row(0, named=True)
    assert h2["failed_conditions"] == "dibao_income_below_standard"
