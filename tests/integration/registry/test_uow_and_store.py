"""One transaction per operation: leaving without commit() or with an error rolls back."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, inspect, select

from minsheng.db.store import alembic_config, upgrade
from minsheng.db.uow import UnitOfWork
from minsheng.registry.tables import Household


def household(hid: str) -> Household:
    return Household(
        household_id=hid,
        residence_division="110105001001",
        hukou_division="110105",
        county="110105",
        township="110105001",
        urban_rural="urban",
    )


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Household)) or 0)


def test_commit_writes(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.session.add(household("A1"))
        uow.commit()
    assert stored(engine) == 1


def test_uncommitted_work_is_rolled_back(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.session.add(household("A1"))
        uow.session.flush()
    assert stored(engine) == 0


def test_an_error_rolls_back(engine: Engine) -> None:
    with pytest.raises(RuntimeError), UnitOfWork(engine) as uow:
        uow.session.add(household("A1"))
        uow.session.flush()
        raise RuntimeError("boom")
    assert stored(engine) == 0


def test_schema_is_migrated_and_upgrade_is_idempotent(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {
        "households",
        "persons",
        "enrolments",
        "import_batches",
        "audit_log",
        "audit_head",
        "alembic_version",
    } <= tables
    upgrade(engine)  # already at head: nothing to do, nothing breaks
    with engine.connect() as conn:
        head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
        assert head is not None and conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head
