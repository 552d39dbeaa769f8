"""The demo's desk (演示工作台): users for the synthetic county, its year of history, and the
work orders of the last weeks.

After the demo's monitoring run (dated the demo date, `demo.timeline`), `seed_desk` creates
the users, plays the year before (`demo.history`: older alerts worked through or closed),
then a county reviewer opens a work order for each of the most urgent alerts of the last
weeks, a few days after each was raised, and the township caseworkers of the two largest
townships get theirs assigned: the demo opens on a desk with a queue in the tens per
township, orders under way and decisions in its past. The users' passwords are random,
printed once and written to `demo-users.txt` (mode 600) in the data directory: the demo
never ships a known password.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, select

from minsheng.casework import orders
from minsheng.db.uow import UnitOfWork
from minsheng.demo import history
from minsheng.demo.timeline import DemoTimeline
from minsheng.localparams.store import parameters_for
from minsheng.monitoring.tables import ALERTS
from minsheng.programmes.registry import baseline
from minsheng.registry.tables import HOUSEHOLDS
from minsheng.rules.parameters import ParameterSet
from minsheng.security.tables import USERS
from minsheng.security.users import Principal, create_user, generate_password

ORDERS = 60  # the most urgent recent alerts get a work order
OPEN_AFTER_DAYS = (1, 3)  # a reviewer opens the order this many days after the alert (assumption)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    jurisdiction: str
    password: str


def seed_desk(
    engine: Engine, county: str, data_dir: Path, *, today: dt.date, feeds_start: dt.date | None = None
) -> tuple[list[DemoUser], int]:
    """Create the demo users (once), play the history and open work orders; returns the users
    made now and the orders opened for the last weeks. `today` is the demo date; `feeds_start`
    the first day of the feeds. Without it the window is the twelve months up to the latest
    monitored day, if that is before `today` (a demo built on older feeds still shows a desk
    whose history ends where its data ends)."""
    with engine.connect() as conn:
        monitored = conn.execute(select(func.max(ALERTS.c.last_event)).where(ALERTS.c.county == county)).scalar()
    if feeds_start:
        timeline = DemoTimeline(today, feeds_start)
    else:
        timeline = DemoTimeline.ending(min(today, monitored) if monitored else today)
    with engine.connect() as conn:
        towns = [
            t
            for t, _n in conn.execute(
                select(HOUSEHOLDS.c.township, func.count())
                .where(HOUSEHOLDS.c.county == county, HOUSEHOLDS.c.township.is_not(None))
                .group_by(HOUSEHOLDS.c.township)
                .order_by(func.count().desc(), HOUSEHOLDS.c.township)
                .limit(2)
            )
        ]
    made = ensure_users(
        engine,
        data_dir,
        [
            ("reviewer", "county_reviewer", county),
            ("reviewer2", "county_reviewer", county),
            ("admin", "administrator", county),
            *((f"township{i + 1}", "township_caseworker", t) for i, t in enumerate(towns)),
        ],
    )
    params = _parameters(engine)
    history.settle(engine, county, towns, timeline, params)
    return made, _open_orders(engine, county, towns, timeline)


def _parameters(engine: Engine) -> ParameterSet:
    """The shipped files with the county's approved local values (the demo's own among them)."""
    with engine.connect() as conn:
        return parameters_for(conn, baseline())


def ensure_users(engine: Engine, data_dir: Path, wanted: list[tuple[str, str, str]]) -> list[DemoUser]:
    """The demo users (name, role, jurisdiction) not there yet, made with random passwords and
    added to `demo-users.txt` (mode 600): the desk's, and the local parameters' two administrators."""
    with engine.connect() as conn:
        existing = set(conn.execute(select(USERS.c.username)).scalars())
    made = []
    with engine.begin() as conn:
        for username, role, jurisdiction in wanted:
            if username in existing:
                continue
            password = generate_password()  # random, and passes the password rule
            create_user(conn, username, username, role, jurisdiction, password)
            made.append(DemoUser(username, role, jurisdiction, password))
    if made:
        path = data_dir / "demo-users.txt"
        with path.open("a", encoding="utf-8") as out:  # users made by an earlier step stay listed
            out.write("".join(f"{u.username}\t{u.role}\t{u.jurisdiction}\t{u.password}\n" for u in made))
        os.chmod(path, 0o600)
    return made


def _open_orders(engine: Engine, county: str, towns: list[str], timeline: DemoTimeline) -> int:
    reviewer = Principal("reviewer", "county_reviewer", county)
    with engine.connect() as conn:
        urgent = conn.execute(
            select(ALERTS.c.id, ALERTS.c.township, ALERTS.c.first_event)
            .where(ALERTS.c.county == county, ALERTS.c.status == "open", ALERTS.c.severity == "red")
            .order_by(ALERTS.c.township.in_(towns).desc(), ALERTS.c.first_event, ALERTS.c.id)
            .limit(ORDERS)
        ).all()
    params = _parameters(engine)
    rng = np.random.default_rng(2)
    opened: list[tuple[int, int, dt.date]] = []
    with UnitOfWork(engine, reviewer) as uow:
        for alert_id, township, first_event in urgent:
            lag = dt.timedelta(days=int(rng.integers(OPEN_AFTER_DAYS[0], OPEN_AFTER_DAYS[1] + 1)))
            day = min(first_event + lag, timeline.demo_date)
            order = orders.open_from_alert(uow, reviewer, alert_id, today=day, params=params)
            if township in towns:
                orders.assign(uow, reviewer, order, f"township{towns.index(township) + 1}", 1)
            opened.append((order, alert_id, day))
        uow.commit()
    with engine.begin() as conn:
        for order, alert_id, day in opened:
            history.redate_order(conn, order, alert_id, [day], closed=False)
    return len(urgent)
