"""Every scenario file in this folder, run as one vectorised evaluation; one test per case."""

from __future__ import annotations

from pathlib import Path

import pytest

from minsheng.programmes.registry import baseline, model
from minsheng.rules.scenarios import CaseResult, load_cases, run

FILES = sorted(Path(__file__).parent.glob("*.yaml"))
CASES = load_cases(FILES)


@pytest.fixture(scope="module")
def results() -> dict[str, CaseResult]:
    return {r.case.id: r for r in run(model(), baseline(), CASES)}


@pytest.mark.parametrize("case_id", [c.id for c in CASES])
def test_scenario(results: dict[str, CaseResult], case_id: str) -> None:
    result = results[case_id]
    assert result.ok, f"{case_id} ({result.case.source}): " + "; ".join(result.problems)


def test_every_programme_has_scenarios() -> None:
    covered = {c.programme for c in CASES}
    assert set(model().programmes) - {"dibao_single"} <= covered
