"""Security #8: an import acting for a jurisdiction is told only what that jurisdiction may know.

A conflict with a record outside it (an ID number, a household id or a person id registered
elsewhere) is a neutral row error that does not confirm the record exists, and it is audited so
the office above can resolve it; the relatives register answers the same for a missing user as
for one outside the jurisdiction. On both backends (the two-county world of tests/world.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select

from minsheng.casework import conflicts
from minsheng.db.uow import UnitOfWork
from minsheng.errors import ImportRejected, InvalidInput
from minsheng.registry.check import check_files, import_checked
from minsheng.security.tables import AUDIT_LOG
from world import CLEAR_IDS, World

HH = "household_id,residence_division,urban_rural\n"
P = "person_id,household_id,id_number,name,relation,birth_date\n"
NEUTRAL_ID = "this ID number cannot be imported in your jurisdiction; contact the civil-affairs office above"
NEUTRAL_HH = "this household id cannot be imported in your jurisdiction; contact the civil-affairs office above"
QB1_ID = "110106198001010434"  # county B's 赵五
QA2_ID = "110105198201010221"  # 李二, of household A1 in township_a's own township


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def reasons(errors: pl.DataFrame) -> dict[tuple[str, int, str], str]:
    return {(f, r, c): en for f, r, c, en in errors.select("file", "row", "column", "reason_en").iter_rows()}


def audited(world: World) -> list[dict[str, Any]]:
    with world.engine.connect() as conn:
        rows = conn.execute(
            select(AUDIT_LOG.c.actor, AUDIT_LOG.c.subject_kind, AUDIT_LOG.c.subject_id, AUDIT_LOG.c.detail).where(
                AUDIT_LOG.c.action == "import_conflict_outside_jurisdiction"
            )
        ).mappings()
        return [dict(r) | {"detail": json.loads(r["detail"])} for r in rows]


def files(tmp_path: Path) -> tuple[Path, Path]:
    households = write(tmp_path / "hh.csv", HH + "B1,110105001001,urban\nN1,110105001001,urban\n")
    persons = write(
        tmp_path / "p.csv",
        P
        + f"Q8,A1,{QA2_ID},周八,10,\n"  # an ID number of the user's own township: may be named
        + f"Q9,A1,{QB1_ID},吴九,10,\n"  # an ID number registered in county B
        + "Q10,ZZ,,郑十,02,1990-01-01\n"  # a household that exists nowhere
        + "Q11,B2,,王十一,02,1990-01-01\n"  # county B's household (not in the file)
        + "QB2,N1,,钱六,02,1982-01-01\n",  # a person id registered in county B
    )
    return households, persons


def test_a_check_names_no_record_outside_the_jurisdiction_and_audits_it(world: World, tmp_path: Path) -> None:
    with world.engine.begin() as conn:  # B2: a second household of county B
        conn.exec_driver_sql(
            "INSERT INTO households (household_id, residence_division, hukou_division, county, urban_rural) "
            "VALUES ('B2', '110106001002', '110106001002', '110106', 'urban')"
        )
    households, persons = files(tmp_path)
    checked = check_files(world.engine, world.cipher, world.users["township_a"], households, persons)
    found = reasons(checked.errors)
    assert found[("hh.csv", 2, "household_id")] == NEUTRAL_HH
    assert "belongs to another person" in found[("p.csv", 2, "id_number")]  # own township: may say so
    assert found[("p.csv", 3, "id_number")] == NEUTRAL_ID
    # A household of another county reads exactly like one that exists nowhere.
    assert found[("p.csv", 4, "household_id")] == found[("p.csv", 5, "household_id")]
    assert "your jurisdiction" in found[("p.csv", 5, "household_id")]
    assert "cannot be imported in your jurisdiction" in found[("p.csv", 6, "person_id")]
    text = " ".join(checked.errors.get_column("reason_en").to_list() + checked.errors.get_column("reason_zh").to_list())
    for giveaway in (
        "another county",
        "outside your jurisdiction",
        "another person in the registry",
        "以外",
        "另一区县",
    ):
        assert giveaway not in text.replace(found[("p.csv", 2, "id_number")], "")
    # The office above learns what was refused, and which record it met (never the clear number).
    entries = audited(world)
    assert {(e["actor"], e["subject_kind"], e["subject_id"]) for e in entries} == {
        ("township_a", "household", "B1"),
        ("township_a", "person", "QB1"),
        ("township_a", "household", "B2"),
        ("township_a", "person", "QB2"),
    }
    assert all(e["detail"]["registered_in"] == "110106" and e["detail"]["jurisdiction"] == "110105001" for e in entries)
    assert not any(number in json.dumps(entries, ensure_ascii=False) for number in CLEAR_IDS)


def test_an_import_refuses_with_the_same_neutral_errors_and_audits_them(world: World, tmp_path: Path) -> None:
    households, persons = files(tmp_path)
    with pytest.raises(ImportRejected) as info:
        import_checked(world.engine, world.cipher, world.users["township_a"], households, persons)
    found = reasons(info.value.report.errors)  # type: ignore[union-attr]
    assert found[("hh.csv", 2, "household_id")] == NEUTRAL_HH and found[("p.csv", 3, "id_number")] == NEUTRAL_ID
    assert {(e["subject_kind"], e["subject_id"]) for e in audited(world)} >= {("household", "B1"), ("person", "QB1")}


def test_a_county_user_may_still_be_told_of_a_record_in_its_own_county(world: World, tmp_path: Path) -> None:
    # QA3 lives in township 110105002: outside township_a's jurisdiction, inside reviewer_a's.
    persons = write(tmp_path / "p.csv", P + "Q9,A1,110105198501010215,吴九,10,\n")
    own = reasons(check_files(world.engine, world.cipher, world.users["reviewer_a"], None, persons).errors)
    other = reasons(check_files(world.engine, world.cipher, world.users["township_a"], None, persons).errors)
    assert "belongs to another person" in own[("p.csv", 2, "id_number")]
    assert other[("p.csv", 2, "id_number")] == NEUTRAL_ID


def test_the_relatives_register_does_not_reveal_who_is_a_user(world: World) -> None:
    def register(username: str) -> str:
        with UnitOfWork(world.engine, world.users["reviewer_a"]) as uow, pytest.raises(InvalidInput) as info:
            conflicts.register(
                uow.connection,
                world.users["reviewer_a"],
                world.cipher,
                worker_name="村干部甲",
                worker_username=username,
                worker_role="village_cadre",
                relative_name="李二",
                relative_id_number=QA2_ID,
                relation="spouse",
            )
        return str(info.value)

    # reviewer_b exists, in county B; nobody_here does not exist: the answers are the same.
    assert register("reviewer_b") == register("nobody_here")
    with UnitOfWork(world.engine, world.users["reviewer_a"]) as uow:  # a user of the county is accepted
        conflicts.register(
            uow.connection,
            world.users["reviewer_a"],
            world.cipher,
            worker_name="村干部甲",
            worker_username="village_a",
            worker_role="village_cadre",
            relative_name="李二",
            relative_id_number=QA2_ID,
            relation="spouse",
        )
