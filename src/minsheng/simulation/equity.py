"""The equity report's figures (公平性评估, issue 13 §1): poverty, inequality, deciles, winners and
losers, target efficiency — before transfers, at baseline and under each reform.

The unit is the person: each carries their household's income per capita (or, as a sensitivity
run, over the square root of its size) and their household's weight. Income "before" excludes
every simulated benefit; a scenario's income adds its benefits at expected take-up. Households
whose income is unknown are left out (`excluded_households`). On a `registry` frame (applicants
and recipients, not the whole county) no county-wide inequality or poverty rate is computed: the
figures that remain read "among registered households".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from minsheng.simulation import distribution as dist
from minsheng.simulation import inequality as ineq
from minsheng.simulation import poverty
from minsheng.simulation.household_types import TYPES
from minsheng.simulation.outcomes import Outcomes, col

SCALES = ("per_capita", "sqrt")
ATKINSON = (0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Units:
    """The households whose income is known, as arrays: income (monthly fen, household total)
    before and per scenario, size, weight, persons weight, the fixed lines, groups."""

    before: np.ndarray
    after: dict[str, np.ndarray]
    size: np.ndarray
    weight: np.ndarray
    line: np.ndarray  # NaN where the household's standard is unknown
    urban_rural: ineq.Groups
    township: ineq.Groups
    excluded: int

    @property
    def persons_weight(self) -> np.ndarray:
        return self.weight * self.size


def _known(out: Outcomes) -> pl.DataFrame:
    """The households the income figures are over: income known, weight above zero."""
    return out.households.filter(pl.col("income_before").is_not_null() & (pl.col("weight") > 0))


def units(out: Outcomes) -> Units:
    known = _known(out)
    f = lambda c: known.get_column(c).cast(pl.Float64).to_numpy()  # noqa: E731
    return Units(
        before=f("income_before"),
        after={s.id: f(f"{s.id}:income") for s in out.scenarios},
        size=f("size"),
        weight=f("weight"),
        line=known.get_column("poverty_line").cast(pl.Float64).fill_null(np.nan).to_numpy(),
        urban_rural=_groups(known.get_column("urban_rural").fill_null("unknown")),
        township=_groups(known.get_column("residence_division").str.slice(0, 9)),
        excluded=out.households.height - known.height,
    )


def _groups(labels: pl.Series) -> ineq.Groups:
    """Integer codes by Polars (a hash, not a sort of strings), made once for every income."""
    codes = labels.rank("dense").cast(pl.Int64) - 1
    names = labels.unique(maintain_order=False).sort()
    return ineq.Groups(codes.to_numpy(), tuple(names.to_list()))


def scaled(income: np.ndarray, size: np.ndarray, scale: str) -> np.ndarray:
    if scale == "per_capita":
        return income / size
    if scale == "sqrt":
        return income / np.sqrt(size)
    raise ValueError(f"scale must be one of {SCALES}")


def distribution_figures(u: Units, income: np.ndarray, scale: str, relative: dict[float, float]) -> dict[str, Any]:
    """Every poverty and inequality figure of one income vector (household totals, monthly fen)."""
    y, w = scaled(income, u.size, scale), u.persons_weight
    order = ineq.ranking(y)  # sorted once for the median, Gini, deciles and P90/P10
    theil = ineq.theil_t_by(y, w, u.urban_rural)
    ge0 = ineq.ge0_by(y, w, u.urban_rural)
    figures: dict[str, Any] = {
        "mean": ineq.mean(y, w),
        "median": float(ineq.quantile(y, w, 0.5, order=order)[0]),
        "gini": ineq.gini(y, w, order=order),
        "theil_t": theil.total,
        "theil_t_within_urban_rural": theil.within,
        "theil_t_between_urban_rural": theil.between,
        "theil_t_between_township": ineq.theil_t_by(y, w, u.township).between,
        "ge0": ge0.total,
        "ge0_within_urban_rural": ge0.within,
        "ge0_between_urban_rural": ge0.between,
        "ge0_between_township": ineq.ge0_by(y, w, u.township).between,
        "nonpositive_excluded": ge0.excluded,
        "palma": dist.palma(y, w, order=order),
        "p90_p10": ineq.p90_p10(y, w, order=order),
    }
    for eps in ATKINSON:
        figures[f"atkinson_{eps:g}"] = ineq.atkinson(y, w, eps).value
    lines = {
        "dibao_standard": u.line if scale == "per_capita" else None,
        **{f"median_{int(k * 100)}": v for k, v in relative.items()},
    }
    for name, line in lines.items():
        if line is None:
            continue  # a household's standard is per capita: no line on another scale
        p0, p1, p2, gap = poverty.fgt_all(y, w, line)
        figures |= {f"fgt0_{name}": p0, f"fgt1_{name}": p1, f"fgt2_{name}": p2, f"gap_fen_{name}": gap}
    return figures


def summary(out: Outcomes, scale: str = "per_capita") -> pl.DataFrame:
    """One row per income (before transfers, then each scenario) with every figure."""
    u = units(out)
    if out.frame == "registry":
        raise ValueError("a registry frame has no county-wide poverty or inequality: use `registered_figures`")
    relative = poverty.relative_lines(scaled(u.after[out.scenarios[0].id], u.size, scale), u.persons_weight)
    rows = [{"income": "before_transfers", **distribution_figures(u, u.before, scale, relative)}]
    for s in out.scenarios:
        rows.append({"income": s.id, **distribution_figures(u, u.after[s.id], scale, relative)})
    return pl.DataFrame(rows).with_columns(
        pl.lit(u.excluded).alias("excluded_households"), pl.lit(scale).alias("scale")
    )


def deciles_and_bands(out: Outcomes) -> pl.DataFrame:
    """Per reform and baseline decile (person-weighted, by baseline income per capita): mean income
    change and the persons in each winners/losers band."""
    u = units(out)
    base = out.scenarios[0].id
    decile = dist.deciles(u.after[base] / u.size, u.persons_weight)
    rows = []
    for s in out.scenarios[1:]:
        band = dist.bands(u.after[base], u.after[s.id])
        change = u.after[s.id] - u.after[base]
        for d in range(1, 11):
            at = decile == d
            w = u.persons_weight[at]
            row: dict[str, Any] = {
                "scenario": s.id,
                "decile": d,
                "persons": float(w.sum()),
                "mean_change_fen_per_person": float(np.dot(w, change[at] / u.size[at]) / w.sum()) if w.sum() else 0.0,
                "change_share": float(np.dot(w, change[at] / u.size[at]) / np.dot(w, u.after[base][at] / u.size[at]))
                if np.dot(w, u.after[base][at]) > 0
                else 0.0,
            }
            for i, name in enumerate(dist.BANDS):
                row[name] = float(w[band[at] == i].sum())
            rows.append(row)
    return pl.DataFrame(rows)


def target_efficiency(out: Outcomes) -> pl.DataFrame:
    """Per scenario: the share of expected spending that reaches persons poor before transfers
    (income per capita before transfers under the household's own dibao standard)."""
    u = units(out)
    known = _known(out)
    poor = (u.before / u.size) < np.nan_to_num(u.line, nan=-np.inf)
    rows = []
    for s in out.scenarios:
        spent = sum(
            known.get_column(col(s.id, p, "benefit")).cast(pl.Float64).to_numpy()
            * known.get_column(col(s.id, p, "take_up")).to_numpy()
            for p in out.paying
        )
        rows.append({"scenario": s.id, "target_efficiency": poverty.target_efficiency(spent, u.weight, poor)})
    return pl.DataFrame(rows)


def bands_by_type(out: Outcomes) -> pl.DataFrame:
    """Per reform and household type: the persons in each winners/losers band."""
    base = out.scenarios[0].id
    known = _known(out)
    persons = (known["weight"] * known["size"]).to_numpy()
    rows = []
    for s in out.scenarios[1:]:
        band = dist.bands(known[f"{base}:income"].to_numpy(), known[f"{s.id}:income"].to_numpy())
        for name in TYPES:
            at = known[name].to_numpy()
            row: dict[str, Any] = {"scenario": s.id, "household_type": name, "persons": float(persons[at].sum())}
            for i, b in enumerate(dist.BANDS):
                row[b] = float(persons[at & (band == i)].sum())
            rows.append(row)
    return pl.DataFrame(rows)
