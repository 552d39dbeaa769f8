"""The SQLite database and its -wal and -shm files are owner-only (0600) and the data directory
0700, whatever the umask: they hold names, incomes and ciphertexts of ID numbers."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from minsheng.bootstrap import bootstrap
from minsheng.db.store import open_engine
from minsheng.settings import Settings


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)  # files 0644, folders 0755 unless made otherwise
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_and_the_database_files_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app = bootstrap(Settings(data=data, env="development"))
    with app.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO import_batches (kind, file_name, sha256, rows, inserted, updated, unchanged, rejected) VALUES ('households', 'x.csv', 'x', 0, 0, 0, 0, 0)"
            )
        )
        files = sorted(data.glob("minsheng.db*"))
        assert {p.name for p in files} >= {"minsheng.db", "minsheng.db-wal", "minsheng.db-shm"}
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    app.engine.dispose()
    assert mode(data) == 0o700


def test_an_existing_readable_database_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    engine = open_engine(f"sqlite:///{db}")
    engine.dispose()
    for path in tmp_path.glob("old.db*"):
        path.chmod(0o644)
    os.umask(0o022)
    engine = open_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        assert {p.name: mode(p) for p in tmp_path.glob("old.db*")} == {p.name: 0o600 for p in tmp_path.glob("old.db*")}
    engine.dispose()


def test_a_folder_made_for_the_database_is_owner_only(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'new' / 'folder' / 'r.db'}")
    engine.dispose()
    assert mode(tmp_path / "new" / "folder") == 0o700 and mode(tmp_path / "new" / "folder" / "r.db") == 0o600
