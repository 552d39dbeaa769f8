"""API benchmark: 一户一档 household detail under 20 concurrent clients, over a registry of
1,000,000 persons, on SQLite and on PostgreSQL.

    python benchmarks/bench_api.py [--persons 1000000] [--clients 20] [--seconds 20]
                                   [--backend sqlite|postgresql|both] [--cache DIR]

Target (issue: API): household detail p95 ≤ 100 ms under 20 concurrent clients (a load tool
against 127.0.0.1), this 2-core machine; any answer other than 200 fails the row.

Not timed (setup, one child process): the synthetic county (bench_import's county), its import
into each backend with bench_monitoring's fixed key, and one county reviewer. With `--cache DIR`
the setup is kept there and reused; every measured run gets a fresh copy of the registry (the
SQLite file copied, the PostgreSQL database cloned), because every read appends to the audit log.

Measured: the real server (`minsheng serve`, uvicorn, one process) started on a free port of
127.0.0.1. The load tool is this process: `clients` asyncio clients (httpx2), each with its own
connection, log in once, then ask for random households of the registry one after another, no
pause, for a warm-up and then `seconds` seconds; every latency of the measured window is kept.
The row's figure is p95; p50, p99, requests per second and errors are in its name, the server's
peak memory (VmHWM; the clients' simultaneous logins, argon2 at 64 MB each, are most of it) in its
memory column.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench_import import make_county
from bench_monitoring import SECRET, _pg, _pg_url, cached_setup, drop

TARGET_MS = 100.0
CLIENTS = 20
WARMUP_SECONDS, MEASURE_SECONDS = 3.0, 20.0
COUNTY = "110105"
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
USERNAME, PASSWORD = "bench-reviewer", "bench-reviewer-password"


def _setup_child(persons: int, folder: str, urls: dict[str, str]) -> dict[str, int]:
    """The county written to `folder` and imported at each URL, with one county reviewer."""
    from sqlalchemy import func, select, text

    from minsheng.db.store import open_engine
    from minsheng.demo.local_params import seed_local_parameters
    from minsheng.privacy.personal_data import PersonalDataCipher
    from minsheng.registry.importer import import_files
    from minsheng.registry.tables import HOUSEHOLDS, PERSONS
    from minsheng.security.users import create_user

    county = make_county(persons, Path(folder) / "county")
    cipher = PersonalDataCipher.from_secret(SECRET)
    counts: dict[str, int] = {}
    for url in urls.values():
        engine = open_engine(url, cipher)
        import_files(engine, cipher, county / "households.csv", county / "persons.csv")
        seed_local_parameters(engine, COUNTY, Path(folder))  # the demo county's own values, approved
        with engine.begin() as conn:
            create_user(conn, USERNAME, "benchmark reviewer", "county_reviewer", COUNTY, PASSWORD)
            counts = {
                "persons": conn.scalar(select(func.count()).select_from(PERSONS)) or 0,
                "households": conn.scalar(select(func.count()).select_from(HOUSEHOLDS)) or 0,
            }
        if url.startswith("sqlite"):
            with engine.connect() as conn:  # everything into the main file, which is what gets copied
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        else:
            # The statistics autovacuum gathers a minute after an import (it is off on the test
            # server). Without them the planner guesses ~1,700 persons a household and checks the
            # row-level-security policy by scanning every household: 300 ms a read.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        engine.dispose()
    shutil.rmtree(county)  # the registry is what the benchmark needs, not its source files
    return counts


def prepare(persons: int, folder: Path, backends: tuple[str, ...]) -> dict[str, Any]:
    """The setup in `folder`, reused when a previous run left it complete there."""
    return cached_setup(folder, backends, "api", _setup_child, persons)


@contextmanager
def registry_copy(setup: dict[str, Any], folder: Path, backend: str) -> Iterator[str]:
    """A fresh copy of the imported registry for one measured run: its URL."""
    base = setup["bases"][backend]
    if backend == "sqlite":
        copy = folder / "run.db"
        shutil.copyfile(base, copy)
        try:
            yield f"sqlite:///{copy}"
        finally:
            for path in folder.glob("run.db*"):
                path.unlink()
        return
    name = f"minsheng_bench_api_run_{uuid.uuid4().hex[:8]}"
    _pg(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
    try:
        yield _pg_url(name)
    finally:
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def household_ids(url: str) -> list[str]:
    from sqlalchemy import create_engine, select

    from minsheng.registry.tables import HOUSEHOLDS

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(select(HOUSEHOLDS.c.household_id)))
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _peak_gb(pid: int) -> float | None:
    """The process's peak resident memory (Linux /proc), read before it stops."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return None


@contextmanager
def server(url: str, data: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """`minsheng serve` on a free port of 127.0.0.1 until /healthz answers: its base URL, and a
    dict that holds the server's peak memory once the block ends."""
    import httpx2

    port = _free_port()
    env = {
        **os.environ,
        "MINSHENG_DATA": str(data),
        "MINSHENG_DATABASE_URL": url,
        "MINSHENG_DATA_KEY": base64.b64encode(SECRET).decode("ascii"),
    }
    command = [str(Path(sys.executable).parent / "minsheng"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    stats: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server stopped (exit code {proc.returncode}): see {data / 'server.log'}")
            try:
                if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer /healthz within 120 s: see {data / 'server.log'}")
            time.sleep(0.2)
        yield base, stats
        stats["peak_gb"] = _peak_gb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


async def _session(client: Any) -> dict[str, str]:
    """Log in once: the header every later request carries."""
    login = await client.post("/api/session", json={"username": USERNAME, "password": PASSWORD})
    login.raise_for_status()
    return {"Authorization": f"Bearer {login.json()['token']}"}


async def _client(
    client: Any,
    headers: dict[str, str],
    ids: list[str],
    seed: int,
    window: tuple[float, float],
    latencies: list[float],
    errors: list[str],
) -> None:
    """One client: household after household, no pause, until the window ends; the latencies of
    the requests that start and end inside the window."""
    import httpx2

    pick = random.Random(seed)
    start, stop = window
    while (started := time.perf_counter()) < stop:
        try:
            response = await client.get(f"/api/households/{pick.choice(ids)}", headers=headers)
            status = str(response.status_code)
        except httpx2.HTTPError as exc:
            status = type(exc).__name__
        done = time.perf_counter()
        if started < start or done > stop:
            continue  # the warm-up, and a request the window's end cut through
        latencies.append(done - started)
        if status != "200":
            errors.append(status)


async def _load(base: str, ids: list[str], clients: int, warmup: float, seconds: float) -> dict[str, Any]:
    """`clients` clients, each with its own connection, all logged in before the clock starts."""
    import httpx2

    latencies: list[float] = []
    errors: list[str] = []
    async with AsyncExitStack() as stack:
        connections = [
            await stack.enter_async_context(
                httpx2.AsyncClient(base_url=base, timeout=30, limits=httpx2.Limits(max_connections=1))
            )
            for _ in range(clients)
        ]
        sessions = await asyncio.gather(*(_session(c) for c in connections))
        now = time.perf_counter()
        window = (now + warmup, now + warmup + seconds)
        await asyncio.gather(
            *(
                _client(c, headers, ids, i, window, latencies, errors)
                for i, (c, headers) in enumerate(zip(connections, sessions, strict=True))
            )
        )
    return {"latencies": latencies, "errors": errors}


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0…100) of `values`."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def measure(
    setup: dict[str, Any], folder: Path, backend: str, clients: int, warmup: float, seconds: float
) -> dict[str, Any]:
    """One measured run on a fresh copy of the registry."""
    with registry_copy(setup, folder, backend) as url:
        ids = household_ids(url)
        data = folder / f"server-{backend}"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir()
        with server(url, data) as (base, stats):
            load = asyncio.run(_load(base, ids, clients, warmup, seconds))
    latencies = load["latencies"] or [float("inf")]
    return {
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "requests": len(load["latencies"]),
        "per_second": len(load["latencies"]) / seconds,
        "errors": len(load["errors"]),
        "error_kinds": sorted(set(load["errors"])),
        "peak_gb": stats.get("peak_gb"),
    }


def row_for(backend: str, setup: dict[str, Any], clients: int, m: dict[str, Any]) -> dict[str, Any]:
    errors = f"{m['errors']:,} errors" + (f" ({', '.join(m['error_kinds'])})" if m["errors"] else "")
    return {
        "what": f"API household detail, {clients} clients, {setup['persons']:,} persons ({NAMES[backend]}): p95 "
        f"(p50 {m['p50'] * 1000:.1f} ms, p99 {m['p99'] * 1000:.1f} ms, {m['per_second']:.0f} req/s, {errors})",
        "seconds": m["p95"],
        "peak_gb": m["peak_gb"],
        "target": f"p95 ≤ {TARGET_MS:.0f} ms, no errors",
        "ok": m["requests"] > 0 and m["errors"] == 0 and m["p95"] * 1000 <= TARGET_MS,
    }


def run(
    persons: int = 1_000_000,
    backends: tuple[str, ...] = ("sqlite", "postgresql"),
    cache: Path | None = None,
    clients: int = CLIENTS,
    warmup: float = WARMUP_SECONDS,
    seconds: float = MEASURE_SECONDS,
) -> list[dict[str, Any]]:
    """The rows benchmarks/run.py prints (what, seconds, peak_gb, target, ok), per backend."""
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        folder = cache / f"api-{persons}" if cache else Path(tmp)
        setup = prepare(persons, folder, backends)
        try:
            return [
                row_for(backend, setup, clients, measure(setup, folder, backend, clients, warmup, seconds))
                for backend in backends
            ]
        finally:
            if cache is None:
                drop(setup)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=MEASURE_SECONDS, help="the measured window")
    parser.add_argument("--warmup", type=float, default=WARMUP_SECONDS)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--cache", type=Path, help="keep the setup here and reuse it on the next run")
    args = parser.parse_args()
    chosen = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    from run import table

    print(table(run(args.persons, chosen, args.cache, args.clients, args.warmup, args.seconds)))
