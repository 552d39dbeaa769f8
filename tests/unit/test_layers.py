"""The layers of docs/architecture.md hold: no import runs from a lower layer to a higher one,
and no module grows past the size a newcomer can read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "minsheng"
MAX_LINES = 420  # "no module over ~400 lines" (issue 11 §0); data tables and migrations aside
EXEMPT = {"synth/names_data.py"}  # a table of names and their frequencies, not code


def test_no_import_runs_upward(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0


def test_every_package_is_in_a_layer() -> None:
    """A new package must be placed in the layers, or the contract would not see it."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    layered = {
        name.strip() for line in text.splitlines() if "minsheng." in line for name in line.strip(' ",').split("|")
    }
    packages = {f"minsheng.{p.name}" for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {f"minsheng.{p.stem}" for p in SRC.glob("*.py") if p.stem != "__init__"}
    assert packages | modules <= layered, sorted((packages | modules) - layered)


def test_no_module_is_too_long() -> None:
    long = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if "migrations/versions" in rel or rel in EXEMPT:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            long[rel] = lines
    assert not long, long


def test_the_database_layer_owns_no_module_tables() -> None:
    """Each module owns the definitions of its own tables; `db` holds only the shared base."""
    for path in (SRC / "db").rglob("*.py"):
        if "versions" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [
            t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
        ]
        assert "__tablename__" not in names, path
