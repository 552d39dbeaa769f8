"""Scenarios under local parameter choices: each `local/<name>.yaml` runs with the reform
`local/<name>.reform.yaml` laid over the shipped parameters (the same YAML as a county's own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from minsheng.programmes.registry import baseline, model
from minsheng.rules.reforms import apply, load_reform
from minsheng.rules.scenarios import load_cases, run

LOCAL = Path(__file__).parent / "local"
FILES = sorted(p for p in LOCAL.glob("*.yaml") if not p.name.endswith(".reform.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_local_scenarios(path: Path) -> None:
    reform = path.with_name(f"{path.stem}.reform.yaml")
    params = apply(baseline(), load_reform(reform, baseline()))
    results = run(model(), params, load_cases([path]))
    problems = [f"{r.case.id}: " + "; ".join(r.problems) for r in results if not r.ok]
    assert results and not problems, "\n".join(problems)
