"""The demo's desk (演示工作台): users for the synthetic county and work orders from its alerts.

After the demo's monitoring pass, a county reviewer opens a work order for each of
the most urgent alerts and the township caseworkers of the two largest townships
get theirs assigned, so the demo opens with real work orders. The users' passwords
are random, printed once and written to `demo-users.txt` (mode 600) in the data
directory: the demo never ships a known password.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from minsheng.casework import orders
from minsheng.db.uow import UnitOfWork
from minsheng.monitoring.tables import ALERTS
from minsheng.programmes.registry import baseline
from minsheng.registry.tables import HOUSEHOLDS
from minsheng.security.tables import USERS
from minsheng.security.users import Principal, create_user, generate_password

ORDERS = 60  # the most urgent alerts get a work order


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    jurisdiction: str
    password: str


def seed_desk(engine: Engine, county: str, data_dir: Path, *, today: dt.date) -> tuple[list[DemoUser], int]:
    """Create the demo users (once) and open work orders; returns the users made now and the orders opened."""
    with engine.connect() as conn:
        towns = [
            t
            for t, _n in conn.execute(
                select(HOUSEHOLDS.c.township, func.count())
                .where(HOUSEHOLDS.c.county == county, HOUSEHOLDS.c.township.is_not(None))
                .group_by(HOUSEHOLDS.c.township)
                .order_by(func.count().desc())
                .limit(2)
            )
        ]
        existing = set(conn.execute(select(USERS.c.username)).scalars())
    wanted = [
        ("reviewer", "county_reviewer", county),
        ("reviewer2", "county_reviewer", county),
        ("admin", "administrator", county),
        *((f"township{i + 1}", "township_caseworker", t) for i, t in enumerate(towns)),
    ]
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
        path.write_text("".join(f"{u.username}\t{u.role}\t{u.jurisdiction}\t{u.password}\n" for u in made), "utf-8")
        os.chmod(path, 0o600)
    return made, _open_orders(engine, county, towns, today)


def _open_orders(engine: Engine, county: str, towns: list[str], today: dt.date) -> int:
    reviewer = Principal("reviewer", "county_reviewer", county)
    with engine.connect() as conn:
        urgent = conn.execute(
            select(ALERTS.c.id, ALERTS.c.township)
            .where(ALERTS.c.county == county, ALERTS.c.status == "open", ALERTS.c.severity == "red")
            .order_by(ALERTS.c.township.in_(towns).desc(), ALERTS.c.first_event, ALERTS.c.id)
            .limit(ORDERS)
        ).all()
    params = baseline()
    with UnitOfWork(engine, reviewer) as uow:
        for alert_id, township in urgent:
            order = orders.open_from_alert(uow, reviewer, alert_id, today=today, params=params)
            if township in towns:
                orders.assign(uow, reviewer, order, f"township{towns.index(township) + 1}", 1)
        uow.commit()
    return len(urgent)
