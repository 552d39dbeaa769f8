"""Monitoring benchmark: ingest 100,000 department records, apply them, alert and discover over a
registry of 1,000,000 persons, on SQLite and on PostgreSQL.

    python benchmarks/bench_monitoring.py [--persons 1000000] [--records 100000]
                                          [--backend sqlite|postgresql|both] [--cache DIR]

Target (issue: monitoring): the whole run ≤ 120 s on each backend, this 2-core machine.

Not timed (setup, one child process): the synthetic county (bench_import's county), its
import into each backend with one fixed key (linking needs the import's blind index), a
year of feeds (`generate_feeds`) of which `records` are kept at random, across kinds,
and written one file per kind (`write_feeds`). With `--cache DIR` the setup is kept there
and reused: the imported SQLite file is copied and the PostgreSQL database cloned
(CREATE DATABASE … TEMPLATE) for each measured run, so every run starts from the same registry.

Timed (a fresh child process per backend, so its peak memory is its own): `ingest_feed` for
each kind's file, then `run_monitoring` (apply the records, assess, warnings, alerts merge,
discovery). Ingest, run and their total are reported apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_import import PERSONS_PER_HOUSEHOLD, PG_ADMIN
from child import run_in_child

TARGET_SECONDS = 120.0
SECRET = b"minsheng benchmark key: not a secret, 32+ bytes"
FEED_START, MONTHS = dt.date(2025, 7, 1), 12
DATE = dt.date(2026, 6, 30)  # the last day of the feeds' window


def _pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def _pg(statement: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def _pg_exists(name: str) -> bool:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN)
    try:
        with admin.connect() as conn:
            return bool(conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))
    finally:
        admin.dispose()


def _setup_child(persons: int, records: int, folder: str, urls: dict[str, str]) -> dict[str, int]:
    """The county and its feeds written to `folder`, the county imported at each URL."""
    from dataclasses import replace

    import numpy as np
    import polars as pl
    from sqlalchemy import text

    from minsheng.db.store import open_engine
    from minsheng.demo.local_params import demo_parameters, seed_local_parameters
    from minsheng.privacy.personal_data import PersonalDataCipher
    from minsheng.registry.importer import import_files
    from minsheng.synth import SynthConfig, generate, write
    from minsheng.synth.feeds import FeedConfig, generate_feeds, write_feeds

    out = Path(folder)
    config = SynthConfig(county="110105", households=round(persons / PERSONS_PER_HOUSEHOLD), seed=1)
    pop = generate(config, params=demo_parameters())  # the demo county, with its own local values
    write(pop, out / "county")
    feeds = generate_feeds(pop, FeedConfig(start=FEED_START, months=MONTHS, seed=1))
    # Keep `records` of them at random across kinds, so the mix of kinds stays the year's.
    sizes = {kind: frame.height for kind, frame in feeds.records.items()}
    total = sum(sizes.values())
    keep = np.zeros(total, dtype=bool)
    keep[np.random.default_rng(1).choice(total, size=min(records, total), replace=False)] = True
    kept, offset = {}, 0
    for kind, frame in feeds.records.items():
        kept[kind] = frame.filter(pl.Series(keep[offset : offset + sizes[kind]]))
        offset += sizes[kind]
    write_feeds(replace(feeds, records=kept), out / "feeds")
    cipher = PersonalDataCipher.from_secret(SECRET)
    for url in urls.values():
        engine = open_engine(url)
        import_files(engine, cipher, out / "county" / "households.csv", out / "county" / "persons.csv")
        seed_local_parameters(engine, "110105", out)  # its values approved in the registry, as the demo does
        if url.startswith("sqlite"):
            with engine.connect() as conn:  # everything into the main file, which is what gets copied
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        engine.dispose()
    return {"persons": pop.persons.height, "households": pop.households.height, "records": int(keep.sum())}


def prepare(persons: int, records: int, folder: Path, backends: tuple[str, ...]) -> dict[str, Any]:
    """The setup in `folder`, reused when a previous run left it complete there."""
    return cached_setup(folder, backends, "monitoring", _setup_child, persons, records)


def cached_setup(
    folder: Path, backends: tuple[str, ...], name: str, setup_child: Callable[..., dict[str, Any]], *args: Any
) -> dict[str, Any]:
    """A benchmark's untimed setup, kept in `folder` and reused when a previous run left it
    complete there: `setup_child(*args, folder, urls)` runs in a child process and fills an
    SQLite file and/or a fresh PostgreSQL database (named after the benchmark) per backend."""
    marker = folder / "setup.json"
    if marker.exists():
        setup: dict[str, Any] = json.loads(marker.read_text())
        missing = [b for b in backends if b not in setup["bases"]]
        if not missing and all(_pg_exists(setup["bases"][b]) for b in backends if b == "postgresql"):
            return setup
        drop(setup)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    bases = {}
    for backend in backends:
        if backend == "sqlite":
            bases[backend] = str(folder / "base.db")
        else:
            bases[backend] = f"minsheng_bench_{name}_{uuid.uuid4().hex[:8]}"
            _pg(f'CREATE DATABASE "{bases[backend]}"')
    urls = {b: f"sqlite:///{base}" if b == "sqlite" else _pg_url(base) for b, base in bases.items()}
    try:
        counts = run_in_child(setup_child, *args, str(folder), urls)
    except BaseException:
        drop({"bases": bases})
        raise
    setup = {"bases": bases, **counts}
    marker.write_text(json.dumps(setup))
    return setup


def drop(setup: dict[str, Any]) -> None:
    if "postgresql" in setup["bases"]:
        _pg(f'DROP DATABASE IF EXISTS "{setup["bases"]["postgresql"]}" WITH (FORCE)')


def _timed_child(url: str, feeds: str) -> dict[str, Any]:
    from minsheng.db.store import open_engine
    from minsheng.feeds.ingest import ingest_feed
    from minsheng.monitoring.run import run_monitoring
    from minsheng.privacy.personal_data import PersonalDataCipher

    engine = open_engine(url)
    cipher = PersonalDataCipher.from_secret(SECRET)
    started = time.perf_counter()
    ingested = linked = 0
    for path in sorted(Path(feeds).glob("*.csv")):
        outcome = ingest_feed(engine, cipher, path, today=DATE)
        ingested += outcome.inserted
        linked += outcome.links.get("linked", 0)
    ingest_done = time.perf_counter()
    result = run_monitoring(engine, date=DATE)
    run_done = time.perf_counter()
    return {
        "ingest_seconds": ingest_done - started,
        "run_seconds": run_done - ingest_done,
        "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
        "ingested": ingested,
        "linked": linked,
        "applied": result.applied,
        "changed_households": result.changed_households,
        "alerts": result.merged.opened,
        "discovered": result.discovery.height,
    }


def measure(setup: dict[str, Any], folder: Path, backend: str) -> dict[str, Any]:
    """One timed run on a fresh copy of the imported registry."""
    base = setup["bases"][backend]
    if backend == "sqlite":
        copy = folder / "run.db"
        shutil.copyfile(base, copy)
        try:
            return run_in_child(_timed_child, f"sqlite:///{copy}", str(folder / "feeds"))  # type: ignore[no-any-return]
        finally:
            copy.unlink(missing_ok=True)
    name = f"minsheng_bench_monitoring_run_{uuid.uuid4().hex[:8]}"
    _pg(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
    try:
        return run_in_child(_timed_child, _pg_url(name), str(folder / "feeds"))  # type: ignore[no-any-return]
    finally:
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows_for(backend: str, setup: dict[str, Any], m: dict[str, Any]) -> list[dict[str, Any]]:
    total = m["ingest_seconds"] + m["run_seconds"]
    what = f"monitoring on {backend}, {setup['persons']:,} persons"
    return [
        {
            "what": f"{what}: ingest {m['ingested']:,} records ({m['linked']:,} linked)",
            "seconds": m["ingest_seconds"],
            "peak_gb": None,
            "target": "(part of the total)",
            "ok": True,
        },
        {
            "what": f"{what}: run — apply {m['applied']:,}, {m['changed_households']:,} households changed, "
            f"{m['alerts']:,} alerts, {m['discovered']:,} discovered",
            "seconds": m["run_seconds"],
            "peak_gb": None,
            "target": "(part of the total)",
            "ok": True,
        },
        {
            "what": f"{what}: total (ingest + run)",
            "seconds": total,
            "peak_gb": m["peak_gb"],
            "target": f"≤ {TARGET_SECONDS:.0f} s",
            "ok": total <= TARGET_SECONDS,
        },
    ]


def run(
    persons: int = 1_000_000,
    records: int = 100_000,
    backends: tuple[str, ...] = ("sqlite", "postgresql"),
    cache: Path | None = None,
) -> list[dict[str, Any]]:
    """The rows benchmarks/run.py prints (what, seconds, peak_gb, target, ok), per backend."""
    with tempfile.TemporaryDirectory(prefix="bench-monitoring-") as tmp:
        folder = cache / f"monitoring-{persons}-{records}" if cache else Path(tmp)
        setup = prepare(persons, records, folder, backends)
        try:
            return [row for backend in backends for row in rows_for(backend, setup, measure(setup, folder, backend))]
        finally:
            if cache is None:
                drop(setup)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--cache", type=Path, help="keep the setup here and reuse it on the next run")
    args = parser.parse_args()
    chosen = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    from run import table

    print(table(run(args.persons, args.records, chosen, args.cache)))
