"""Every scenario file in this folder, run as one vectorised evaluation; one test per case.

The cases of the demo county (110105) read its local values from the demo's own file, laid over
the shipped files as `minsheng rules test --local-params src/minsheng/demo/local_parameters.yaml`
lays them: the shipped files carry no county's own choices."""

from __future__ import annotations

from pathlib import Path

import pytest

from minsheng.demo.local_params import demo_parameters
from minsheng.programmes.registry import model
from minsheng.rules.scenarios import CaseResult, load_cases, run

FILES = sorted(Path(__file__).parent.glob("*.yaml"))
CASES = load_cases(FILES)


@pytest.fixture(scope="module")
def results() -> dict[str, CaseResult]:
    return {r.case.id: r for r in run(model(), demo_parameters(), CASES)}


@pytest.mark.parametrize("case_id", [c.id for c in CASES])
def test_scenario(results: dict[str, CaseResult], case_id: str) -> None:
    result = results[case_id]
    assert result.ok, f"{case_id} ({result.case.source}): " + "; ".join(result.problems)


def test_every_programme_has_scenarios() -> None:
    covered = {c.programme for c in CASES}
    assert set(model().programmes) - {"dibao_single"} <= covered
