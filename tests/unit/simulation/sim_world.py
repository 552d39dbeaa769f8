"""The synthetic county and scenarios the simulation tests share: the demo county, with its own
local values (`demo/local_parameters.yaml`) laid over the shipped files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from minsheng.demo.local_params import demo_parameters
from minsheng.rules.reforms import apply, parse_reform_text
from minsheng.simulation.outcomes import Scenario

DATE = dt.date(2026, 6, 1)
RAISE_5 = (Path(__file__).resolve().parents[3] / "examples" / "reforms" / "dibao_plus5.yaml").read_text(
    encoding="utf-8"
)


def scenarios(*reforms: str) -> list[Scenario]:
    base = demo_parameters()
    out = [Scenario("baseline", "现行政策", "baseline", base)]
    for text in reforms:
        reform = parse_reform_text(text, "reform.yaml", base)
        out.append(Scenario(reform.id, reform.label_zh, reform.label_en, apply(base, reform)))
    return out
