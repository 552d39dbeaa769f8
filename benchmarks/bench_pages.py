"""Page benchmark: the dashboard and the 一户一档 household page rendered server-side over the
demo registry at 1,000,000 persons (SQLite, the embedded default).

    python benchmarks/bench_pages.py [--persons 1000000] [--requests 60] [--cache DIR]

Target (issue: the caseworker's desk): each page p95 ≤ 300 ms.

Not timed (setup): bench_monitoring's county and 100,000 department records, imported into
SQLite; then, in the measuring child on a copy of that registry, what `minsheng demo` does
after an import: ingest the records, a monitoring run (alerts, discovery) and the demo's desk
(users, work orders from the red alerts). So the dashboard counts a real registry with real
alerts and work orders.

Measured: in the same child, the FastAPI app in process (routing, the user's session, the
queries, the template; no network), as the county reviewer of the whole county: the dashboard
`requests` times, and the household page for `requests` households drawn at random, after three
warm-up requests each. Every request must answer 200.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_monitoring import DATE, SECRET, prepare
from child import run_in_child

TARGET_MS = 300.0
REQUESTS = 60
COUNTY = "110105"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _measure_child(url: str, feeds: str, data: str, requests: int) -> dict[str, Any]:
    import datetime as dt

    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from minsheng.bootstrap import App
    from minsheng.db.store import open_engine
    from minsheng.demo.desk import seed_desk
    from minsheng.feeds.ingest import ingest_feed
    from minsheng.monitoring.run import run_monitoring
    from minsheng.privacy.personal_data import PersonalDataCipher
    from minsheng.registry.tables import HOUSEHOLDS
    from minsheng.settings import Settings
    from minsheng.web.app import create_app

    engine = open_engine(url)
    cipher = PersonalDataCipher.from_secret(SECRET)
    for path in sorted(Path(feeds).glob("*.csv")):
        ingest_feed(engine, cipher, path, today=DATE)
    run_monitoring(engine, date=DATE)
    users, orders = seed_desk(engine, COUNTY, Path(data), today=dt.date.today())
    reviewer = next(u for u in users if u.username == "reviewer")
    with engine.connect() as conn:
        ids = list(conn.execute(select(HOUSEHOLDS.c.household_id)).scalars())
    client = TestClient(create_app(App(Settings(data=Path(data)), engine, cipher)))
    client.post("/login", data={"username": reviewer.username, "password": reviewer.password})
    rng = random.Random(1)
    timings: dict[str, list[float]] = {"dashboard": [], "household": []}
    for page, urls in (
        ("dashboard", ["/"] * (requests + 3)),
        ("household", [f"/households/{rng.choice(ids)}" for _ in range(requests + 3)]),
    ):
        for i, target in enumerate(urls):
            started = time.perf_counter()
            response = client.get(target)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{target} answered {response.status_code}")
            if i >= 3:  # three warm-up requests: templates compiled, parameters loaded
                timings[page].append(elapsed)
    return {"timings": timings, "households": len(ids), "work_orders": orders}


def run(persons: int = 1_000_000, requests: int = REQUESTS, cache: Path | None = None) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        folder = cache / f"monitoring-{persons}-100000" if cache else Path(tmp) / "setup"
        setup = prepare(persons, 100_000, folder, ("sqlite",))
        copy = Path(tmp) / "pages.db"
        shutil.copyfile(setup["bases"]["sqlite"], copy)
        data = Path(tmp) / "data"
        data.mkdir()
        m = run_in_child(_measure_child, f"sqlite:///{copy}", str(folder / "feeds"), str(data), requests)
    rows = []
    for page, label in (("dashboard", "dashboard"), ("household", "household page (一户一档)")):
        values = m["timings"][page]
        p95 = _percentile(values, 0.95)
        rows.append(
            {
                "what": f"{label}, server-side, {setup['persons']:,} persons, {m['work_orders']} work orders "
                f"(p50 {_percentile(values, 0.5):.0f} ms, p95 of {len(values)})",
                "seconds": p95 / 1000,
                "peak_gb": None,
                "target": f"p95 ≤ {TARGET_MS:.0f} ms",
                "ok": p95 <= TARGET_MS,
            }
        )
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--cache", type=Path, help="keep the setup here and reuse it on the next run")
    args = parser.parse_args()
    from run import table

    print(table(run(args.persons, args.requests, args.cache)))
