"""SQLite during working hours: an import (or a feed delivery) succeeds while people read.

Every audited read is a write (its audit entry), so on SQLite readers and an import take
turns on one write lock. The import must not fail with "database is locked", and a reader
that cannot have its turn in time answers 503 "busy, try again" (zh + en), never 500.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from minsheng.bootstrap import App
from minsheng.db.store import open_engine
from minsheng.registry.importer import import_files
from minsheng.registry.tables import HOUSEHOLDS
from minsheng.settings import Settings
from minsheng.synth import SynthConfig, generate, write
from minsheng.web.app import create_app
from world import CIPHER, PASSWORD, build


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    engine = open_engine(f"sqlite:///{tmp_path / 'minsheng.db'}")
    build(engine, tmp_path)
    return engine


def _readers(
    engine: Engine,
    tmp_path: Path,
    stop: threading.Event,
    reading: threading.Barrier,
    statuses: Counter[int],
    bodies: list[dict[str, Any]],
) -> None:
    client = TestClient(create_app(App(Settings(data=tmp_path), engine, CIPHER)), raise_server_exceptions=False)
    token = client.post("/api/session", json={"username": "township_a", "password": PASSWORD}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/households/A1", headers=auth).status_code == 200
    reading.wait()
    while not stop.is_set():
        response = client.get("/api/households/A1", headers=auth)  # an audited read: a write
        statuses[response.status_code] += 1
        if response.status_code != 200:
            bodies.append(response.json())


def _import_while_reading(
    engine: Engine, tmp_path: Path, work: Callable[[], object]
) -> tuple[Counter[int], list[dict[str, Any]]]:
    """Run `work` while three readers read in a loop; the statuses of the reads made meanwhile."""
    stop, reading = threading.Event(), threading.Barrier(4)
    statuses: Counter[int] = Counter()
    bodies: list[dict[str, Any]] = []
    args = (engine, tmp_path, stop, reading, statuses, bodies)
    threads = [threading.Thread(target=_readers, args=args) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        reading.wait(timeout=120)  # every reader is reading
        work()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    return statuses, bodies


@pytest.mark.parametrize("importer", ["same process", "another process"])
def test_a_registry_import_succeeds_while_people_read(sqlite_engine: Engine, tmp_path: Path, importer: str) -> None:
    county = tmp_path / "county"
    write(generate(SynthConfig(county="110108", households=3000, seed=5)), county)
    # Another process (`minsheng registry import` beside the web server) has an engine of its own.
    engine = sqlite_engine if importer == "same process" else open_engine(str(sqlite_engine.url))

    statuses, bodies = _import_while_reading(
        sqlite_engine, tmp_path, lambda: import_files(engine, CIPHER, county / "households.csv", county / "persons.csv")
    )
    with sqlite_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(HOUSEHOLDS)) == 3 + 3000
    assert sum(statuses.values()) > 0  # people did read during the import
    assert set(statuses) <= {200, 503}, statuses  # never a server error
    for body in bodies:
        assert body["error"]["type"] == "busy" and body["error"]["zh"] and "try again" in body["error"]["en"]


@pytest.mark.parametrize("writer", ["same process", "another process"])
def test_a_reader_that_cannot_have_its_turn_answers_503(sqlite_engine: Engine, tmp_path: Path, writer: str) -> None:
    """A writer holding the lock longer than a reader may wait: the reader says busy, bounded."""
    url = str(sqlite_engine.url)
    engine = open_engine(url, busy_seconds=0.3)
    client = TestClient(create_app(App(Settings(data=tmp_path), engine, CIPHER)), raise_server_exceptions=False)
    token = client.post("/api/session", json={"username": "township_a", "password": PASSWORD}).json()["token"]
    # an import's open transaction: of this process (it holds the writer turn), or of another
    holder = engine if writer == "same process" else open_engine(url)
    with holder.begin() as conn:
        conn.execute(HOUSEHOLDS.update().where(HOUSEHOLDS.c.household_id == "B1").values(vehicles=1))
        start = time.monotonic()
        response = client.get("/api/households/A1", headers={"Authorization": f"Bearer {token}"})
        waited = time.monotonic() - start
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["type"] == "busy" and "请稍后再试" in error["zh"] and "try again" in error["en"]
    assert response.headers["retry-after"]
    assert waited < 10  # bounded: it did not wait for the writer to finish
    assert client.get("/api/households/A1", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    engine.dispose()
