"""Work orders from an alert to an approved decision, on both backends (tests/world.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from minsheng.assessment import explain
from minsheng.casework import conflicts, decisions, orders, queries
from minsheng.casework.tables import WORK_ORDERS
from minsheng.db.uow import UnitOfWork
from minsheng.errors import Conflict, Forbidden, InvalidInput, NotFound
from minsheng.monitoring.tables import ALERTS
from minsheng.registry import population
from minsheng.registry.tables import ENROLMENTS, HOUSEHOLDS, PERSONS
from minsheng.security.tables import AUDIT_LOG
from world import PARAMS, TODAY, World

LOST_JOB = {"persons": {"QA1": {"wage_income": 0, "employment": "unemployed"}}, "note": "3月失业，无其他收入"}


def act(world: World, user: str, step: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one use case as `user` in its own unit of work and commit, as a route does."""
    with UnitOfWork(world.engine, world.users[user]) as uow:
        out = step(uow, world.users[user], *args, **kwargs)
        uow.commit()
    return out


def open_and_visit(world: World, findings: dict[str, Any] = LOST_JOB) -> int:
    order = act(world, "township_a", orders.open_from_alert, world.alert_a, today=TODAY, params=PARAMS)
    act(world, "township_a", orders.assign, order, "village_a", 1)
    act(world, "village_a", orders.record_findings, order, findings, 2, today=TODAY, params=PARAMS)
    return int(order)


def test_alert_to_approved_enrolment_updates_the_registry(world: World) -> None:
    order = open_and_visit(world)
    with world.engine.connect() as conn:
        row = conn.execute(select(WORK_ORDERS).where(WORK_ORDERS.c.id == order)).mappings().one()
        alert = conn.execute(select(ALERTS.c.status).where(ALERTS.c.id == world.alert_a)).scalar_one()
    assert row["status"] == "visited" and row["township"] == "110105001" and alert == "in_check"
    # the deadline is casework.check_days_<grade> (3, 7, 15) working days after opening on Tuesday
    # 30 June 2026: weekends do not count (calendar days would give 3, 7 and 15 July)
    assert [int(PARAMS.value(f"casework.check_days_{g}", "110105", TODAY)) for g in ("red", "orange", "yellow")] == [
        3,
        7,
        15,
    ]
    due = {"red": dt.date(2026, 7, 3), "orange": dt.date(2026, 7, 9), "yellow": dt.date(2026, 7, 21)}
    assert row["deadline"] == due[row["severity"]]
    dibao = next(p for p in json.loads(row["reassessment"])["programmes"] if p["id"] == "dibao")
    assert (dibao["before_status"], dibao["status"], dibao["changed"]) == ("ineligible", "eligible", True)

    act(world, "township_a", decisions.propose, order, "enrol", "dibao", 3)
    with pytest.raises(Forbidden):  # a township caseworker proposes, only a county reviewer approves
        act(world, "township_a", decisions.approve, order, 4, today=TODAY)
    act(world, "reviewer_a", decisions.approve, order, 4, today=TODAY)

    with world.engine.connect() as conn:
        enrolled = conn.execute(select(ENROLMENTS.c.programme).where(ENROLMENTS.c.household_id == "A1")).scalars()
        benefit = conn.execute(select(HOUSEHOLDS.c.current_benefit_fen).where(HOUSEHOLDS.c.household_id == "A1"))
        wage = conn.execute(select(PERSONS.c.wage_income_fen).where(PERSONS.c.person_id == "QA1")).scalar_one()
        alert = conn.execute(select(ALERTS.c.status, ALERTS.c.open_key).where(ALERTS.c.id == world.alert_a)).one()
        assert list(enrolled) == ["dibao"] and wage == 0 and alert == ("closed", None)
        current = benefit.scalar_one()
    # the benefit paid is what the engine computes on the registry as it now stands
    hh, pp = population.load(world.engine, household_id="A1")
    expl = explain(hh, pp, "A1", date=TODAY, params=PARAMS)
    assert current == round(next(p for p in expl["programmes"] if p["id"] == "dibao")["benefit"] * 100) > 0
    with world.engine.connect() as conn:
        actions = [e.action for e in conn.execute(select(AUDIT_LOG.c.action)).all()]
    assert {"open", "assign", "record_findings", "propose", "approve"} <= set(actions)


def test_the_approver_must_be_another_user_and_versions_are_checked(world: World) -> None:
    order = open_and_visit(world)
    with pytest.raises(Conflict):  # someone else already moved it to version 3
        act(world, "township_a", decisions.propose, order, "enrol", "dibao", 2)
    act(world, "township_a", decisions.propose, order, "enrol", "dibao", 3)
    with pytest.raises(Conflict):  # not in a state that takes findings any more
        act(world, "village_a", orders.record_findings, order, LOST_JOB, 4, today=TODAY, params=PARAMS)
    act(world, "reviewer_a", decisions.send_back, order, "收入证明不全", 4)
    act(world, "township_a", decisions.propose, order, "enrol", "dibao", 5)
    act(world, "reviewer_a2", decisions.approve, order, 6, today=TODAY)
    with pytest.raises(Conflict):  # approving twice
        act(world, "reviewer_a", decisions.approve, order, 7, today=TODAY)
    with pytest.raises(InvalidInput):
        act(world, "reviewer_a", decisions.reopen, order, "  ", 7, today=TODAY, params=PARAMS)
    act(world, "reviewer_a", decisions.reopen, order, "群众举报有隐瞒收入", 7, today=TODAY, params=PARAMS)
    with world.engine.connect() as conn:
        row = conn.execute(select(WORK_ORDERS).where(WORK_ORDERS.c.id == order)).mappings().one()
    assert (row["status"], row["reopened"], row["assignee"], row["approved_by"]) == ("assigned", 1, "village_a", None)


def test_decisions_must_follow_the_reassessment(world: World) -> None:
    order = open_and_visit(world, {"note": "收入属实，无变化"})
    with pytest.raises(InvalidInput):  # still earns 4,000 a month: not eligible
        act(world, "township_a", decisions.propose, order, "enrol", "dibao", 3)
    with pytest.raises(InvalidInput):  # not enrolled, so nothing to exit
        act(world, "township_a", decisions.propose, order, "exit", "dibao", 3)
    with pytest.raises(InvalidInput):
        act(world, "township_a", decisions.propose, order, "pay_more", "dibao", 3)
    act(world, "township_a", decisions.propose, order, "no_change", None, 3)


@pytest.mark.parametrize(
    ("findings", "field"),
    [
        ({"persons": {"QB1": {"wage_income": 0}}}, "findings.persons.QB1"),  # not a member
        ({"persons": {"QA1": {"name": "改名"}}}, "findings.persons.QA1.name"),  # identity is not a finding
        ({"persons": {"QA1": {"wage_income": -5}}}, "findings.persons.QA1.wage_income"),
        ({"persons": {"QA1": {"wage_income": 1.234}}}, "findings.persons.QA1.wage_income"),
        ({"persons": {"QA1": {"wage_income": "NaN"}}}, "findings.persons.QA1.wage_income"),
        ({"persons": {"QA1": {"wage_income": "Infinity"}}}, "findings.persons.QA1.wage_income"),
        ({"persons": {"QA1": {"employment": "astronaut"}}}, "findings.persons.QA1.employment"),
        ({"household": {"vehicles": "two"}}, "findings.household.vehicles"),
        ({"household": {"vehicles": 1}, "extra": 1}, "findings"),
    ],
)
def test_bad_findings_name_the_field_and_save_nothing(world: World, findings: dict[str, Any], field: str) -> None:
    order = act(world, "township_a", orders.open_from_alert, world.alert_a, today=TODAY, params=PARAMS)
    act(world, "township_a", orders.assign, order, "village_a", 1)
    with pytest.raises(InvalidInput) as caught:
        act(world, "village_a", orders.record_findings, order, findings, 2, today=TODAY, params=PARAMS)
    assert caught.value.field == field
    with world.engine.connect() as conn:
        assert conn.execute(select(WORK_ORDERS.c.status).where(WORK_ORDERS.c.id == order)).scalar_one() == "assigned"


def test_preview_saves_nothing(world: World) -> None:
    order = act(world, "township_a", orders.open_from_alert, world.alert_a, today=TODAY, params=PARAMS)
    shown = act(world, "township_a", orders.preview, order, LOST_JOB, today=TODAY, params=PARAMS)
    assert next(p for p in shown["programmes"] if p["id"] == "dibao")["status"] == "eligible"
    with world.engine.connect() as conn:
        row = conn.execute(select(WORK_ORDERS.c.findings, WORK_ORDERS.c.version).where(WORK_ORDERS.c.id == order))
        assert row.one() == (None, 1)
        assert conn.execute(select(PERSONS.c.wage_income_fen).where(PERSONS.c.person_id == "QA1")).scalar_one() > 0


def test_a_related_worker_is_flagged_and_stands_aside(world: World) -> None:
    with UnitOfWork(world.engine, world.users["reviewer_a"]) as uow:
        conflicts.register(
            uow.connection,
            world.users["reviewer_a"],
            world.cipher,
            worker_name="村干部甲",
            worker_username="village_a",
            worker_role="village_cadre",
            relative_name="李二",
            relative_id_number="110105198201010221",
            relation="spouse",
        )
        uow.commit()
    order = act(world, "township_a", orders.open_from_alert, world.alert_a, today=TODAY, params=PARAMS)
    with world.engine.connect() as conn:
        flags = json.loads(conn.execute(select(WORK_ORDERS.c.conflicts).where(WORK_ORDERS.c.id == order)).scalar_one())
    assert [(f["worker_username"], f["relation"], f["person_id"]) for f in flags] == [("village_a", "spouse", "QA2")]
    with pytest.raises(InvalidInput):  # cannot be sent to visit a relative
        act(world, "township_a", orders.assign, order, "village_a", 1)
    act(world, "township_a", orders.assign, order, "township_a", 1)
    act(world, "township_a", orders.record_findings, order, LOST_JOB, 2, today=TODAY, params=PARAMS)
    listed = act(world, "township_a", lambda uow, p: queries.list_orders(uow.connection, p, today=TODAY))
    assert bool(listed.items[0]["conflict"])


def test_overdue_orders_are_listed(world: World) -> None:
    order = act(world, "township_a", orders.open_from_alert, world.alert_a, today=TODAY, params=PARAMS)
    late = TODAY + dt.timedelta(days=30)
    with UnitOfWork(world.engine, world.users["reviewer_a"]) as uow:
        due = queries.list_orders(uow.connection, world.users["reviewer_a"], today=TODAY, overdue=True)
        overdue = queries.list_orders(uow.connection, world.users["reviewer_a"], today=late, overdue=True)
    assert due.total == 0 and [o["id"] for o in overdue.items] == [order]


def test_another_county_cannot_touch_the_order(world: World) -> None:
    order = act(world, "township_a", orders.open_from_alert, world.alert_a, today=TODAY, params=PARAMS)
    with pytest.raises(NotFound):
        act(world, "township_b", orders.assign, order, "township_b", 1)
    with pytest.raises(NotFound):
        act(world, "reviewer_b", orders.open_from_alert, world.alert_a, today=TODAY, params=PARAMS)
    with pytest.raises(Forbidden):  # analysts see aggregates only
        act(world, "city_analyst", orders.open_from_alert, world.alert_a, today=TODAY, params=PARAMS)
    with UnitOfWork(world.engine, world.users["township_b"]) as uow:
        assert queries.list_orders(uow.connection, world.users["township_b"], today=TODAY).total == 0
        assert queries.list_alerts(uow.connection, world.users["township_b"], today=TODAY).total == 1
