"""Scenarios under local parameter choices: each `local/<name>.yaml` runs with the reform
`local/<name>.reform.yaml` laid over the shipped parameters and the demo county's own values
(`demo/local_parameters.yaml`, set here for 110105 and for 110101 alike), as a county's reform
would be laid over its approved values."""

from __future__ import annotations

from pathlib import Path

import pytest

from minsheng.demo.local_params import demo_parameters
from minsheng.programmes.registry import model
from minsheng.rules.reforms import apply, load_reform
from minsheng.rules.scenarios import load_cases, run

LOCAL = Path(__file__).parent / "local"
FILES = sorted(p for p in LOCAL.glob("*.yaml") if not p.name.endswith(".reform.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_local_scenarios(path: Path) -> None:
    reform = path.with_name(f"{path.stem}.reform.yaml")
    base = demo_parameters("110101", demo_parameters())
    params = apply(base, load_reform(reform, base))
    results = run(model(), params, load_cases([path]))
    problems = [f"{r.case.id}: " + "; ".join(r.problems) for r in results if not r.ok]
    assert results and not problems, "\n".join(problems)
