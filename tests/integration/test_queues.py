"""The queues on both backends: the dashboard's numbers equal the lists they link to, a bulk
close of alerts (reason, jurisdiction, versions, audit; a later run does not raise them
again), and alert deadlines in working days."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from minsheng.casework import orders, queries
from minsheng.db.uow import UnitOfWork
from minsheng.errors import Conflict, Forbidden, InvalidInput, NotFound
from minsheng.monitoring import alerts
from minsheng.monitoring.run import run_monitoring
from minsheng.monitoring.tables import ALERTS
from minsheng.readmodels import dashboard
from minsheng.security.tables import AUDIT_LOG
from world import PARAMS, TODAY, World

# (household, reason, severity, status, days since the first event): every age bucket, every
# status, both townships of county A; B1 is county B's and never counted for A
MADE = [
    ("A2", "exit_vehicle", "red", "open", 3),
    ("A2", "exit_property", "red", "open", 8),
    ("A2", "exit_business", "red", "in_check", 30),
    ("A2", "exit_wage", "red", "closed", 31),
    ("A1", "medical_cost", "orange", "open", 90),
    ("A1", "disaster_loss", "orange", "in_check", 91),
    ("A1", "severe_disability", "yellow", "open", 400),
    ("A1", "higher_education", "yellow", "open", -2),  # a record dated after today still counts as new
    ("B1", "medical_cost", "red", "open", 5),
]


def make_alerts(world: World) -> None:
    with world.engine.begin() as conn:
        conn.execute(ALERTS.delete())
        for household, reason, severity, status, age in MADE:
            first = TODAY - dt.timedelta(days=age)
            county = "110106" if household.startswith("B") else "110105"
            conn.execute(
                ALERTS.insert().values(
                    open_key=None if status == "closed" else f"{household}:{reason}",
                    household_id=household,
                    reason=reason,
                    direction="exit" if reason.startswith("exit") else "hardship",
                    severity=severity,
                    status=status,
                    first_event=first,
                    last_event=first,
                    evidence="[]",
                    county=county,
                    township=county + ("002" if household == "A2" else "001"),
                    version=1,
                )
            )


def as_user(world: World, user: str, step: Any, *args: Any, commit: bool = True, **kwargs: Any) -> Any:
    with UnitOfWork(world.engine, world.users[user]) as uow:
        out = step(uow.connection, world.users[user], *args, **kwargs)
        if commit:
            uow.commit()
    return out


def test_every_dashboard_alert_number_equals_the_list_it_links_to(world: World) -> None:
    make_alerts(world)
    figures = as_user(world, "reviewer_a", dashboard.figures, today=TODAY)
    unfinished = [r for r in figures["alerts"] if r["status"] in alerts.UNFINISHED]
    checked = 0
    for severity in ("red", "orange", "yellow"):
        for age in [label for label, _lo, _hi in dashboard.AGE_BUCKETS] + [None]:
            shown = sum(r["count"] for r in unfinished if r["severity"] == severity and age in (None, r["age"]))
            f = dashboard.alert_filter(severity, age)
            listed = as_user(
                world,
                "reviewer_a",
                queries.list_alerts,
                today=TODAY,
                status=f.status,
                severity=f.severity,
                min_age_days=f.min_age_days,
                max_age_days=f.max_age_days,
            )
            assert listed.total == shown, (severity, age)
            checked += shown
    # the grade totals: red 3 (open 3 and 8 days, being checked 30: not the closed one, not B's)
    assert checked == 2 * 7 and sum(r["count"] for r in unfinished if r["severity"] == "red") == 3
    # the queue's default (open only) would have listed 2 of those 3 red: the old mismatch
    assert as_user(world, "reviewer_a", queries.list_alerts, today=TODAY, severity="red").total == 2


def test_a_bulk_close_is_all_or_nothing_audited_and_stays_closed(world: World) -> None:
    def alert(household: str) -> tuple[int, int]:
        with world.engine.connect() as conn:
            row = conn.execute(select(ALERTS.c.id, ALERTS.c.version).where(ALERTS.c.household_id == household)).one()
        return int(row.id), int(row.version)

    a1, b1 = alert("A1"), alert("B1")
    close = alerts.close
    with pytest.raises(InvalidInput):
        as_user(world, "reviewer_a", close, [a1], "")  # a reason is required
    with pytest.raises(InvalidInput):
        as_user(world, "reviewer_a", close, [a1], "other")  # "other" needs a note
    with pytest.raises(Forbidden):
        as_user(world, "village_a", close, [a1], "stale")
    with pytest.raises(NotFound):  # another county's alert, alongside one of A's: nothing closed
        as_user(world, "reviewer_a", close, [a1, b1], "duplicate")
    with pytest.raises(Conflict):  # a version the user no longer holds
        as_user(world, "reviewer_a", close, [(a1[0], a1[1] + 1)], "stale")
    with world.engine.connect() as conn:
        assert set(conn.execute(select(ALERTS.c.status)).scalars()) == {"open"}
    assert as_user(world, "township_a", close, [a1], "stale", "已就业，情况已消除") == 1
    with world.engine.connect() as conn:
        closed = conn.execute(select(ALERTS).where(ALERTS.c.id == a1[0])).mappings().one()
        entry = conn.execute(select(AUDIT_LOG).where(AUDIT_LOG.c.action == "close_alert")).mappings().one()
    assert (closed["status"], closed["open_key"], closed["version"]) == ("closed", None, a1[1] + 1)
    assert (entry["actor"], entry["subject_id"]) == ("township_a", str(a1[0]))
    assert json.loads(entry["detail"]) == {"reason": "stale", "note": "已就业，情况已消除"}
    with pytest.raises(Conflict):  # closed already
        as_user(world, "reviewer_a", close, [(a1[0], a1[1] + 1)], "stale")
    # the next monitoring run finds the same record: the closed alert is not raised again
    run_monitoring(world.engine, date=TODAY)
    with world.engine.connect() as conn:
        assert conn.execute(select(ALERTS.c.status).where(ALERTS.c.household_id == "A1")).scalars().all() == ["closed"]


def test_alert_deadlines_count_working_days_and_sort(world: World) -> None:
    make_alerts(world)
    page = as_user(world, "reviewer_a", queries.list_alerts, today=TODAY, status="unfinished", sort="deadline")
    deadlines = [r["deadline"] for r in page.items]
    assert deadlines == sorted(deadlines) and page.total == 7
    by_reason = {r["reason"]: r for r in page.items}
    # red: 3 working days from Sat 27 June 2026 → Wed 1 July; orange: 7 from Wed 1 April, where
    # 4–6 April is 清明 → Mon 13 April (calendar days would give 8 April); the alert being checked
    # has no work order in this world, so the same clock
    assert by_reason["exit_vehicle"]["deadline"] == dt.date(2026, 7, 1)
    assert by_reason["medical_cost"]["deadline"] == dt.date(2026, 4, 13)
    assert not by_reason["exit_vehicle"]["overdue"] and by_reason["medical_cost"]["overdue"]
    # once a work order is open, its own deadline counts (7 working days from 30 June for orange)
    with UnitOfWork(world.engine, world.users["township_a"]) as uow:
        alert_id = by_reason["medical_cost"]["id"]
        orders.open_from_alert(uow, world.users["township_a"], alert_id, today=TODAY, params=PARAMS)
        uow.commit()
    row = as_user(world, "reviewer_a", queries.list_alerts, today=TODAY, status="in_check", reason="medical_cost")
    assert row.items[0]["deadline"] == dt.date(2026, 7, 9) and row.items[0]["work_order_id"] is not None
    listed = as_user(world, "reviewer_a", queries.list_orders, today=TODAY)
    assert listed.items[0]["head_name"] == "张一" and listed.items[0]["head_id_number"] == "110105********0219"
