"""Shared fixtures: the contract's sample files and a registry on each backend.

PostgreSQL tests use MINSHENG_TEST_PG_URL (default: the local server with
trust auth) and a fresh database per session. Without a server they skip,
except under CI=true, where a missing component is a failure.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from minsheng.db.store import open_engine

ROOT = Path(__file__).resolve().parents[1]
CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("MINSHENG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def missing(what: str) -> None:
    """Skip locally; fail under CI, where every component must be present."""
    if CI:
        pytest.fail(f"{what} (CI=true: a missing component is a failure)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def missing_component() -> Callable[[str], None]:
    """`missing(what)` for tests in other folders: skip locally, fail under CI."""
    return missing


FIXTURES = Path(os.environ.get("MINSHENG_CONTRACT_FIXTURES", ROOT.parent / "shared" / "contract-fixtures"))


@pytest.fixture(scope="session")
def contract_fixtures() -> Path:
    if not (FIXTURES / "expected.json").exists():
        missing(f"contract fixtures not found at {FIXTURES}")
    return FIXTURES


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`faulty_name` runs a test once per faulty sample file listed in expected.json."""
    if "faulty_name" in metafunc.fixturenames:
        expected = FIXTURES / "expected.json"
        names = sorted(json.loads(expected.read_text(encoding="utf-8"))) if expected.exists() else []
        metafunc.parametrize("faulty_name", names or ["(expected.json not found)"])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session; yields its URL."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"minsheng_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server, no driver, refused: all mean "not available here"
        missing(f"PostgreSQL not available at {PG_ADMIN_URL}: {exc.__class__.__name__}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_pg(url: str) -> Engine:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return open_engine(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty, migrated registry on each backend."""
    if request.param == "sqlite":
        eng = open_engine(f"sqlite:///{tmp_path / 'registry.db'}")
    else:
        eng = _reset_pg(request.getfixturevalue("pg_server"))
    yield eng
    eng.dispose()


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> object:
    """Two counties with alerts and users of every role (see tests/world.py), on each backend."""
    from world import build

    return build(engine, tmp_path)


@pytest.fixture
def pg_world(pg_server: str, tmp_path: Path) -> Iterator[object]:
    """The two-county world on PostgreSQL only (row-level security)."""
    from world import build

    engine = _reset_pg(pg_server)
    yield build(engine, tmp_path)
    engine.dispose()
