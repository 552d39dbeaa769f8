"""PostgreSQL row-level security: the second wall behind the store's jurisdiction filters
(SQLite has no such feature and relies on the filters, tested with every query)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from minsheng.db.uow import UnitOfWork
from world import World

TABLES = ("households", "persons", "enrolments", "alerts", "feed_records")


def counts(engine: Engine, world: World, user: str | None) -> dict[str, int]:
    with UnitOfWork(engine, world.users[user] if user else None) as uow:
        # deliberately unfiltered SQL: only the database's policies stand between it and other counties
        return {t: uow.session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def test_unfiltered_sql_sees_only_the_users_jurisdiction(pg_world: World) -> None:
    world = pg_world
    everyone = counts(world.engine, world, None)
    county_a = counts(world.engine, world, "reviewer_a")
    county_b = counts(world.engine, world, "township_b")
    township = counts(world.engine, world, "township_a2")
    assert everyone == {"households": 3, "persons": 5, "enrolments": 1, "alerts": 2, "feed_records": 2}
    assert county_a == {"households": 2, "persons": 3, "enrolments": 1, "alerts": 1, "feed_records": 1}
    assert county_b == {"households": 1, "persons": 2, "enrolments": 0, "alerts": 1, "feed_records": 1}
    assert township == {"households": 1, "persons": 1, "enrolments": 1, "alerts": 0, "feed_records": 0}


def test_scope_survives_a_commit_and_never_leaks_into_the_pool(pg_world: World) -> None:
    world = pg_world
    with UnitOfWork(world.engine, world.users["township_b"]) as uow:
        uow.session.execute(text("SELECT 1"))
        uow.commit()  # the next transaction must be scoped again
        assert uow.session.execute(text("SELECT count(*) FROM households")).scalar_one() == 1
    with world.engine.connect() as conn:  # the pooled connection is back to the owner, no scope left
        assert conn.execute(text("SELECT current_user")).scalar_one() == "postgres"
        assert conn.execute(text("SELECT minsheng_scope()")).scalar_one() is None


def test_the_app_role_cannot_rewrite_history_or_write_outside_its_area(pg_world: World) -> None:
    world = pg_world
    with UnitOfWork(world.engine, world.users["township_b"]) as uow:
        changed = uow.session.execute(text("UPDATE households SET vehicles = 9 WHERE household_id = 'A1'"))
        assert changed.rowcount == 0  # invisible, so untouched
        with pytest.raises(Exception, match=r"row-level security|permission denied"):
            uow.session.execute(
                text(
                    "INSERT INTO households (household_id, residence_division, hukou_division, county, urban_rural)"
                    " VALUES ('X1', '110105001001', '110105001001', '110105', 'urban')"
                )
            )
    with UnitOfWork(world.engine, world.users["reviewer_a"]) as uow, pytest.raises(Exception, match="permission"):
        uow.session.execute(text("DELETE FROM audit_log"))
