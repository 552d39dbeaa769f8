"""What a decision changes, on both backends (tests/world.py): 现发 → 应发 in money, the
reviewer's comment kept and audited, a member found dead leaves the household on approval,
and the alert's records drafted into the findings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, update

from minsheng.casework import decisions, orders, prefill
from minsheng.casework.tables import WORK_ORDER_EVENTS
from minsheng.db.uow import UnitOfWork
from minsheng.errors import InvalidInput
from minsheng.registry.tables import ENROLMENTS, HOUSEHOLDS, PERSONS
from minsheng.security.tables import AUDIT_LOG
from world import PARAMS, TODAY, World


def act(world: World, user: str, step: Any, *args: Any, **kwargs: Any) -> Any:
    with UnitOfWork(world.engine, world.users[user]) as uow:
        out = step(uow, world.users[user], *args, **kwargs)
        uow.commit()
    return out


def visited(world: World, findings: dict[str, Any]) -> int:
    order = act(world, "township_a", orders.open_from_alert, world.alert_a, today=TODAY, params=PARAMS)
    act(world, "township_a", orders.assign, order, "village_a", 1)
    act(world, "village_a", orders.record_findings, order, findings, 2, today=TODAY, params=PARAMS)
    return int(order)


def test_payment_says_paid_now_due_and_the_difference() -> None:
    assert decisions.payment("adjust", "dibao", 258504, 153304, {"dibao"}) == {
        "paid_fen": 153304,
        "due_fen": 258504,
        "difference_fen": 105200,
    }
    assert decisions.payment("enrol", "dibao", 124000, 99999, set()) == {  # not enrolled: paid nothing
        "paid_fen": 0,
        "due_fen": 124000,
        "difference_fen": 124000,
    }
    assert decisions.payment("exit", "dibao", None, 50000, {"dibao"})["difference_fen"] == -50000  # type: ignore[index]
    assert decisions.payment("adjust", "dibao_marginal", 0, 0, set()) is None  # a programme that pays nothing
    assert decisions.payment(None, None, None, 100, {"dibao"}) is None


def test_a_stale_benefit_is_the_change_the_approval_makes(world: World) -> None:
    """The household is enrolled and paid a stale 500.00; the engine says 1,240.00 before and after
    the findings, yet the approval changes the payment by 740.00 — and the note says so."""
    with world.engine.begin() as conn:
        conn.execute(ENROLMENTS.insert().values(household_id="A1", programme="dibao"))
        conn.execute(update(HOUSEHOLDS).where(HOUSEHOLDS.c.household_id == "A1").values(current_benefit_fen=50000))
        conn.execute(
            update(PERSONS)
            .where(PERSONS.c.person_id == "QA1")
            .values(wage_income_fen=0, employment="unemployed", transfer_income_fen=180000)
        )
    order = visited(world, {"note": "情况属实"})
    act(world, "township_a", decisions.propose, order, "adjust", "dibao", 3)
    act(world, "reviewer_a", decisions.approve, order, 4, today=TODAY, comment="同意调整")
    with world.engine.connect() as conn:
        notes = {
            e.action: json.loads(e.note)
            for e in conn.execute(select(WORK_ORDER_EVENTS).where(WORK_ORDER_EVENTS.c.work_order_id == order))
        }
        audited = conn.execute(select(AUDIT_LOG.c.detail).where(AUDIT_LOG.c.action == "approve")).scalar_one()
        paid = conn.execute(select(HOUSEHOLDS.c.current_benefit_fen).where(HOUSEHOLDS.c.household_id == "A1"))
        assert paid.scalar_one() == 124000
    money = {"paid_fen": 50000, "due_fen": 124000, "difference_fen": 74000}
    assert notes["propose"].items() >= money.items()
    assert notes["approve"].items() >= (money | {"comment": "同意调整"}).items()
    assert json.loads(audited)["comment"] == "同意调整"


def test_a_death_found_on_the_visit_leaves_the_household_on_approval(world: World) -> None:
    died = {"persons": {"QA2": {"wage_income": 0}}, "departed": {"QA1": "deceased"}, "note": "户主3月去世"}
    order = visited(world, died)
    with world.engine.connect() as conn:
        assert conn.execute(select(PERSONS.c.person_id).where(PERSONS.c.household_id == "A1")).scalars().all() == [
            "QA1",
            "QA2",
        ]  # nothing changes before approval
    act(world, "township_a", decisions.propose, order, "enrol", "dibao", 3)
    act(world, "reviewer_a", decisions.approve, order, 4, today=TODAY, comment="同意")
    with world.engine.connect() as conn:
        members = conn.execute(select(PERSONS.c.person_id).where(PERSONS.c.household_id == "A1")).scalars().all()
        note = conn.execute(
            select(WORK_ORDER_EVENTS.c.note).where(WORK_ORDER_EVENTS.c.action == "approve")
        ).scalar_one()
    assert members == ["QA2"]
    assert json.loads(note)["departed"] == {"QA1": "deceased"}


def test_departures_are_checked(world: World) -> None:
    order = act(world, "township_a", orders.open_from_alert, world.alert_a, today=TODAY, params=PARAMS)
    act(world, "township_a", orders.assign, order, "village_a", 1)
    for departed, field in (
        ({"QA1": "eloped"}, "findings.persons.QA1.departed"),
        ({"QX": "deceased"}, "findings.persons.QX.departed"),
        ({"QA1": "deceased", "QA2": "moved_out"}, "findings.departed"),  # nobody left
    ):
        with pytest.raises(InvalidInput) as raised:
            act(
                world, "village_a", orders.record_findings, order, {"departed": departed}, 2, today=TODAY, params=PARAMS
            )
        assert raised.value.field == field


def test_the_alerts_records_are_the_findings_draft(world: World) -> None:
    order = act(world, "township_a", orders.open_from_alert, world.alert_a, today=TODAY, params=PARAMS)
    with UnitOfWork(world.engine, world.users["township_a"]) as uow:
        draft = prefill.from_alert(uow.connection, orders.load(uow.connection, world.users["township_a"], order))
    # 张一's unemployment benefit (human_resources U1, 1,800.00 a month): no wage, a transfer.
    assert draft["persons"] == {
        "QA1": {"wage_income_fen": 0, "employment": "unemployed", "transfer_income_fen": 180000}
    }
    assert draft["household"] == {} and draft["departed"] == {}
