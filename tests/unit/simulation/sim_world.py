"""The synthetic county and scenarios the simulation tests share."""

from __future__ import annotations

import datetime as dt

from minsheng.programmes.registry import baseline
from minsheng.rules.reforms import apply, parse_reform_text
from minsheng.simulation.outcomes import Scenario

DATE = dt.date(2026, 6, 1)
RAISE_5 = """
reform:
  id: plus5
  label: {zh: 低保标准提高5%, en: dibao standard +5 %}
parameters:
  dibao.standard:
    values:
      "110105":
        2026-01-01: {value: 1596}
"""


def scenarios(*reforms: str) -> list[Scenario]:
    base = baseline()
    out = [Scenario("baseline", "现行政策", "baseline", base)]
    for text in reforms:
        reform = parse_reform_text(text, "reform.yaml", base)
        out.append(Scenario(reform.id, reform.label_zh, reform.label_en, apply(base, reform)))
    return out
