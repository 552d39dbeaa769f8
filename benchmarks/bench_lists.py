"""List-page benchmark: the alert queue, the work-order list and the discovery list, each with
10,000 open rows, server-side paged, on SQLite and on PostgreSQL.

    python benchmarks/bench_lists.py [--persons 100000] [--rows 10000] [--requests 30]
                                     [--backend sqlite|postgresql|both]

Target (issue 12 §2): each list page p95 ≤ 300 ms at 10,000 open rows, on both databases.

Not timed (setup, one child process per backend): bench_import's synthetic county (`persons`)
imported; then, straight into the tables, `rows` open alerts, `rows` more alerts being checked
with a work order each (new or assigned, deadlines over ±60 days), and a discovery list of
`rows` entries in the data directory, all on distinct households of the county; one county
reviewer. Each alert names one department record as its evidence; the records themselves are
not made, so the figure's look-up runs but finds nothing (its cost is one indexed IN per page).

Measured: in the same child, the FastAPI app in process (routing, the session, the queries,
the template; no network), as the county reviewer of the whole county, `requests` times each
page after three warm-up requests: the first and the hundredth page of each list, a filter,
and the deadline order (the alert queue's, computed in working days over every open alert).
Every request must answer 200 and show the expected total.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench_import import PG_ADMIN, make_county
from bench_monitoring import SECRET, _pg, _pg_url
from child import run_in_child

TARGET_MS = 300.0
ROWS = 10_000
REQUESTS = 30
COUNTY = "110105"
TODAY = dt.date(2026, 6, 30)
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
USERNAME, PASSWORD = "bench-lists", "bench-lists-password"
PAGES = {
    "alert queue": ["/alerts", "/alerts?page=100", "/alerts?status=unfinished&severity=red", "/alerts?sort=deadline"],
    "work-order list": ["/work-orders", "/work-orders?page=100", "/work-orders?status=assigned&sort=grade"],
    "discovery list": ["/discovery", "/discovery?page=100", "/discovery?kind=missed&sort=deadline"],
}
EXPECTED = {"/alerts": ROWS, "/work-orders": ROWS, "/discovery": ROWS}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _seed(engine: Any, data: Path, rows: int) -> None:
    """The queues' rows, written straight into the tables (see the module docstring)."""
    import polars as pl
    from sqlalchemy import select

    from minsheng.casework.tables import WORK_ORDERS
    from minsheng.db.store import bulk_insert
    from minsheng.monitoring.tables import ALERTS
    from minsheng.registry.tables import HOUSEHOLDS

    rng = random.Random(1)
    with engine.connect() as conn:
        homes = conn.execute(
            select(HOUSEHOLDS.c.household_id, HOUSEHOLDS.c.residence_division).order_by(HOUSEHOLDS.c.household_id)
        ).all()
    if len(homes) < 2 * rows:
        raise SystemExit(f"{len(homes)} households: too few for {rows} open alerts and {rows} work orders")
    rng.shuffle(homes)
    grades = ("red", "orange", "yellow")
    reasons = ("unemployment", "medical_cost", "exit_wage")
    alerts = []
    for i, (household, division) in enumerate(homes[: 2 * rows]):
        first = TODAY - dt.timedelta(days=rng.randrange(0, 200))
        reason = reasons[i % 3]
        alerts.append(
            {
                "id": i + 1,
                "open_key": f"{household}:{reason}",
                "household_id": household,
                "reason": reason,
                "direction": "exit" if reason == "exit_wage" else "hardship",
                "severity": grades[rng.randrange(3)],
                "status": "open" if i < rows else "in_check",
                "first_event": first,
                "last_event": first,
                "evidence": f'["human_resources:B{i}"]',
                "county": division[:6],
                "township": division[:9],
                "version": 1,
            }
        )
    orders = [
        {
            "id": n + 1,
            "alert_id": a["id"],
            "household_id": a["household_id"],
            "county": a["county"],
            "township": a["township"],
            "reason": a["reason"],
            "severity": a["severity"],
            "status": ("new", "assigned")[n % 2],
            "assignee": None,
            "deadline": TODAY + dt.timedelta(days=rng.randrange(-60, 60)),
            "conflicts": "[]",
            "reopened": 0,
            "version": 1,
            "created_by": USERNAME,
        }
        for n, a in enumerate(alerts[rows:])
    ]
    with engine.begin() as conn:
        bulk_insert(conn, ALERTS, pl.DataFrame(alerts))
        bulk_insert(conn, WORK_ORDERS, pl.DataFrame(orders))
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("alerts", "work_orders"):
                conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
    found = pl.DataFrame(
        {
            "kind": [("missed", "changed")[i % 2] for i in range(rows)],
            "programme": ["dibao"] * rows,
            "household_id": [h for h, _d in homes[:rows]],
            "residence_division": [d for _h, d in homes[:rows]],
            "enrolled": [i % 2 == 1 for i in range(rows)],
            "eligible": [True] * rows,
            "current_benefit": [None if i % 2 == 0 else 500.0 for i in range(rows)],
            "computed_benefit": [800.0 + i % 300 for i in range(rows)],
            "failed_conditions": [""] * rows,
            "observed_changes": [""] * rows,
        }
    )
    (data / "discovery").mkdir(parents=True, exist_ok=True)
    found.write_csv(data / "discovery" / "discovery.csv")


def _measure_child(url: str, county: str, data: str, rows: int, requests: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from minsheng.bootstrap import App
    from minsheng.db.store import open_engine
    from minsheng.demo.local_params import seed_local_parameters
    from minsheng.privacy.personal_data import PersonalDataCipher
    from minsheng.registry.importer import import_files
    from minsheng.security.users import create_user
    from minsheng.settings import Settings
    from minsheng.web.api.deps import today
    from minsheng.web.app import create_app

    cipher = PersonalDataCipher.from_secret(SECRET)
    engine = open_engine(url, cipher)
    import_files(engine, cipher, Path(county) / "households.csv", Path(county) / "persons.csv")
    seed_local_parameters(engine, COUNTY, Path(data))  # the demo county's own values, approved
    with engine.begin() as conn:
        create_user(conn, USERNAME, "benchmark reviewer", "county_reviewer", COUNTY, PASSWORD)
    _seed(engine, Path(data), rows)
    web = create_app(App(Settings(data=Path(data)), engine, cipher))
    web.dependency_overrides[today] = lambda: TODAY
    client = TestClient(web)
    client.post("/login", data={"username": USERNAME, "password": PASSWORD})
    timings: dict[str, list[float]] = {}
    for name, urls in PAGES.items():
        timings[name] = []
        for target in urls:
            for i in range(requests + 3):
                started = time.perf_counter()
                response = client.get(target)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{target} answered {response.status_code}")
                if target in EXPECTED:
                    shown = int(re.search(r'<span id="total">(\d+)</span>', response.text).group(1))  # type: ignore[union-attr]
                    if shown != rows:
                        raise RuntimeError(f"{target} shows {shown} rows, not {rows}")
                if i >= 3:
                    timings[name].append(elapsed)
    engine.dispose()
    return {"timings": timings}


def run(
    persons: int = 100_000,
    rows: int = ROWS,
    requests: int = REQUESTS,
    backends: tuple[str, ...] = ("sqlite", "postgresql"),
) -> list[dict[str, Any]]:
    out = []
    with tempfile.TemporaryDirectory(prefix="bench-lists-") as tmp:
        county = make_county(persons, Path(tmp) / "county")
        for backend in backends:
            data = Path(tmp) / f"data-{backend}"
            if backend == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'lists.db'}"
                name = None
            else:
                name = f"minsheng_bench_lists_{uuid.uuid4().hex[:8]}"
                _pg(f'CREATE DATABASE "{name}"')
                url = _pg_url(name)
            try:
                m = run_in_child(_measure_child, url, str(county), str(data), rows, requests)
            finally:
                if name:
                    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for page, values in m["timings"].items():
                p95 = _percentile(values, 0.95)
                out.append(
                    {
                        "what": f"{page}, {NAMES[backend]}, {rows:,} open rows, {len(PAGES[page])} views "
                        f"(p50 {_percentile(values, 0.5):.0f} ms, max {max(values):.0f} ms, p95 of {len(values)})",
                        "seconds": p95 / 1000,
                        "peak_gb": None,
                        "target": f"p95 ≤ {TARGET_MS:.0f} ms",
                        "ok": p95 <= TARGET_MS,
                    }
                )
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    from run import table

    chosen = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(table(run(args.persons, args.rows, args.requests, chosen)))
    print(f"(PostgreSQL at {PG_ADMIN.rsplit('@', 1)[-1]})" if "postgresql" in chosen else "")
