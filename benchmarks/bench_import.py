"""Import benchmark: a synthetic county of N persons into SQLite and into PostgreSQL.

    python benchmarks/bench_import.py [--persons 1000000] [--backend sqlite|postgresql|both]

Each import runs in a child process so its peak memory (ru_maxrss) is its own.
Targets (issue 2, this 2-core machine): ≤ 90 s and ≤ 3 GB for 1,000,000 persons.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import uuid
from pathlib import Path

from child import run_in_child

PG_ADMIN = os.environ.get("MINSHENG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PERSONS_PER_HOUSEHOLD = 2.62  # the synthetic county's calibrated mean household size


def make_county(persons: int, out: Path) -> Path:
    from minsheng.demo.local_params import demo_parameters
    from minsheng.synth import SynthConfig, generate, write

    config = SynthConfig(county="110105", households=round(persons / PERSONS_PER_HOUSEHOLD), seed=1)
    write(generate(config, params=demo_parameters()), out)  # the demo county, with its own local values
    return out


def _child(url: str, folder: str) -> tuple[float, float, dict[str, int]]:
    import secrets

    from minsheng.db.store import open_engine
    from minsheng.privacy.personal_data import PersonalDataCipher
    from minsheng.registry.importer import import_files

    engine = open_engine(url)
    cipher = PersonalDataCipher.from_secret(secrets.token_bytes(32))  # encryption is part of the measured import
    started = time.perf_counter()
    outcome = import_files(engine, cipher, Path(folder) / "households.csv", Path(folder) / "persons.csv")
    seconds = time.perf_counter() - started
    rows = {s.kind: s.inserted for s in outcome.summaries}
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, rows


def _in_child(url: str, folder: Path) -> tuple[float, float, dict[str, int]]:
    return run_in_child(_child, url, str(folder))  # type: ignore[no-any-return]


def run(persons: int, backends: tuple[str, ...] = ("sqlite", "postgresql")) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_county(persons, Path(tmp) / "county")
        for backend in backends:
            if backend == "sqlite":
                seconds, gb, counts = _in_child(f"sqlite:///{Path(tmp) / 'bench.db'}", folder)
            else:
                from sqlalchemy import create_engine, text

                admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
                name = f"minsheng_bench_{uuid.uuid4().hex[:8]}"
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                try:
                    seconds, gb, counts = _in_child(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", folder)
                finally:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            rows.append(
                {
                    "what": f"import {counts.get('persons', 0):,} persons + {counts.get('households', 0):,} households "
                    f"into {backend}",
                    "seconds": seconds,
                    "peak_gb": gb,
                    "target": "≤ 90 s, ≤ 3 GB",
                    "ok": seconds <= 90 and gb <= 3,
                }
            )
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    chosen = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for row in run(args.persons, chosen):
        print(
            f"| {row['what']} | {row['seconds']:.1f} s | {row['peak_gb']:.2f} GB | {row['target']} | "
            f"{'pass' if row['ok'] else 'FAIL'} |"
        )
