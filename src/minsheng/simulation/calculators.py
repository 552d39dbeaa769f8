"""Calculators for setting a standard (测算器, issue 13 §1): solve for one parameter's value under a
constraint, e.g. the highest dibao standard within a monthly budget, or the lowest consumption
ratio that reaches a coverage target.

The value is searched by bisection on the parameter's own grid (a fen for money, 0.0001 for a
ratio), with everything else as in the baseline and take-up held at the baseline's. The answer
states the constraint, the value found and the figures there, and the figures one step further,
which break the constraint: the proof that the value is the edge, not a guess. Bisection assumes
the figure moves one way with the value (a higher standard never costs less); the answer checks
both ends and refuses when the constraint cannot be met inside the range searched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from minsheng.errors import MinshengError
from minsheng.rules.model import Model
from minsheng.rules.parameters import ParameterSet
from minsheng.rules.reforms import apply, parse_reform_text
from minsheng.simulation.figures import programme_totals
from minsheng.simulation.outcomes import Scenario, TakeUp, simulate

GRID = {"money": 1, "ratio": 1e-4}  # the step of each kind, in stored units (fen; a ratio)


@dataclass(frozen=True)
class Answer:
    parameter: str
    region: str
    date: dt.date
    constraint_zh: str
    constraint_en: str
    value: float  # as people read it: yuan for money
    figures: dict[str, Any]  # at the value
    one_step_further: dict[str, Any]  # at the next value on the grid: breaks the constraint


@dataclass(frozen=True)
class Problem:
    model: Model
    households: pl.DataFrame
    persons: pl.DataFrame
    params: ParameterSet
    parameter: str
    region: str
    date: dt.date
    take_up: TakeUp | None = None


def highest_within_budget(
    problem: Problem, budget_fen: int, low: float, high: float, programmes: tuple[str, ...] | None = None
) -> Answer:
    """The highest value (between `low` and `high`, as people read it) whose expected monthly cost
    over `programmes` (default: every paying one) stays within `budget_fen`."""
    names = programmes or _paying(problem)

    def cost(figures: dict[str, Any]) -> int:
        return int(sum(figures[f"{p}:monthly_cost_expected_fen"] for p in names))

    zh = f"预期月支出（{'、'.join(names)}）不超过 {budget_fen / 100:,.2f} 元"
    en = f"expected monthly cost of {', '.join(names)} within {budget_fen / 100:,.2f} yuan"
    return _solve(problem, low, high, lambda f: cost(f) <= budget_fen, highest=True, constraint=(zh, en))


def lowest_for_coverage(problem: Problem, programme: str, target_persons: float, low: float, high: float) -> Answer:
    """The lowest value whose expected recipients (persons, weighted) of `programme` reach `target_persons`."""
    zh = f"{programme} 预期受助人数不少于 {target_persons:,.0f} 人"
    en = f"expected {programme} recipients of at least {target_persons:,.0f} persons"
    reached = lambda f: f[f"{programme}:expected_persons"] >= target_persons  # noqa: E731
    return _solve(problem, low, high, reached, highest=False, constraint=(zh, en))


def _paying(problem: Problem) -> tuple[str, ...]:
    return tuple(p for p, prog in problem.model.programmes.items() if prog.benefit)


def _solve(
    problem: Problem,
    low: float,
    high: float,
    holds: Callable[[dict[str, Any]], bool],
    *,
    highest: bool,
    constraint: tuple[str, str],
) -> Answer:
    param = problem.params[problem.parameter]
    if param.kind not in GRID:
        raise MinshengError(
            f"参数 {param.id} 不是金额或比例，无法求解", f"parameter {param.id} is not money or a ratio"
        )
    step = GRID[param.kind]
    scale = 100 if param.kind == "money" else 1  # stored units per unit people read
    lo, hi = round(low * scale / step), round(high * scale / step)  # grid indices
    digits = 2 if param.kind == "money" else 4
    value = lambda i: round(i * step / scale, digits)  # noqa: E731 - on the grid, without float residue
    figures = lambda i: _figures(problem, value(i))  # noqa: E731
    # highest: holds at lo, fails above the answer; lowest: fails below the answer, holds at hi
    edge_ok = holds(figures(lo)) if highest else holds(figures(hi))
    if not edge_ok:
        raise MinshengError(
            f"在 {low}–{high} 范围内无法满足：{constraint[0]}",
            f"cannot be met between {low} and {high}: {constraint[1]}",
        )
    if highest and holds(figures(hi)):
        raise MinshengError(
            f"到上限 {high} 仍满足约束，请提高上限", f"the constraint still holds at the upper bound {high}: raise it"
        )
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if holds(figures(mid)) == highest:
            lo = mid
        else:
            hi = mid
    found, beyond = (lo, hi) if highest else (hi, lo)
    return Answer(
        problem.parameter,
        problem.region,
        problem.date,
        constraint[0],
        constraint[1],
        value(found),
        figures(found),
        figures(beyond),
    )


def _figures(problem: Problem, value: float) -> dict[str, Any]:
    """Every programme's totals with the parameter at `value` (as people read it) in the region."""
    text = (
        f"reform: {{id: solve, label: {{zh: 求解, en: solve}}}}\n"
        f"parameters:\n  {problem.parameter}:\n    values:\n"
        f'      "{problem.region}":\n        {problem.date.isoformat()}: {{value: {value!r}}}\n'
    )
    reform = parse_reform_text(text, "calculator", problem.params)
    scenarios = [
        Scenario("baseline", "现行政策", "current policy", problem.params),
        Scenario("solve", "求解", "solve", apply(problem.params, reform)),
    ]
    out = simulate(
        problem.model, problem.households, problem.persons, scenarios, date=problem.date, take_up=problem.take_up
    )
    table = programme_totals(out).filter(pl.col("scenario") == "solve")
    return {f"{row['programme']}:{k}": v for row in table.iter_rows(named=True) for k, v in row.items()}
