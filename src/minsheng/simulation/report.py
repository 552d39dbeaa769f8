"""The equity report's words (公平性评估, issue 13 §2): what changed, and a plain-language summary
made from the numbers, in Chinese and English. `report_files` lays them out as .xlsx and PDF.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from minsheng.rules.parameters import ParameterSet
from minsheng.simulation.outcomes import Scenario
from minsheng.simulation.study import Study

DEFINITIONS = (
    (
        "收入：工资性、经营净、财产净、转移净收入及不计入救助收入的收入之和（国家统计局可支配收入的构成），按月；"
        "“转移支付前”不含任何测算的救助金，各方案的收入按预期申领率加上其救助金。",
        "Income: wage, business, property and transfer income plus disregarded income (the components of NBS "
        "disposable income), per month; 'before transfers' excludes every simulated benefit, a scenario adds its "
        "benefits at the expected take-up.",
    ),
    (
        "单位：人；每人带其家庭的人均收入和权数。另以平方根等价规模作敏感性分析。",
        "Unit: persons, each carrying the household's income per capita and weight; the square-root scale is a "
        "sensitivity run.",
    ),
    (
        "贫困线：各户的现行低保标准（人均月收入与之比较），以及基准方案人口加权中位数的40%、50%、60%（改革下保持不变）。"
        "FGT指数 Pα = Σw(1−y/z)^α·1[y<z]/Σw，α = 0、1、2。",
        "Poverty lines: each household's current dibao standard (income per capita per month against it), and 40 / "
        "50 / 60 % of the baseline's person-weighted median, held fixed under a reform. FGT Pα = Σw(1−y/z)^α·1[y<z]/Σw.",
    ),
    (
        "不平等：基尼系数（无小样本修正）、泰尔T指数与GE(0)（按城乡、乡镇分解为组内与组间，精确相加）、阿特金森指数"
        "（ε = 0.5、1、2；GE(0)与ε≥1只计正收入，剔除数另列）、帕尔马比值、P90/P10。",
        "Inequality: Gini (no small-sample correction), Theil T and GE(0) (split exactly within / between urban-rural "
        "and townships), Atkinson (ε = 0.5, 1, 2; GE(0) and ε ≥ 1 over positive incomes, the excluded count reported), "
        "Palma, P90/P10.",
    ),
    (
        "十分位按人加权、不拆分家庭（按基准方案人均收入排序）；收益与受损分五档：增加超过5%、增加0.1%–5%、基本不变"
        "（变化不足0.1%或每月不足1元）、减少0.1%–5%、减少超过5%；原收入为零的家庭按绝对变化归档。",
        "Deciles are person-weighted and never split a household (by baseline income per capita); winners and losers "
        "in five bands: gain > 5 %, gain 0.1–5 %, no change (< 0.1 % or < 1 yuan a month), loss 0.1–5 %, loss > 5 %; "
        "households with no income before are classed by the absolute change.",
    ),
    (
        "申领率：登记库中实际纳入÷符合条件，分项目、分城乡；改革后原符合者维持原状，新符合者按申领率计入（期望值），"
        "不再符合者退出。",
        "Take-up: enrolled ÷ eligible in the data, by programme and urban/rural; under a reform those eligible before "
        "keep their status, the newly eligible enter at the rate (an expected value), the newly ineligible leave.",
    ),
)


@dataclass(frozen=True)
class Change:
    """One parameter value a reform sets, beside the baseline's value on that date."""

    parameter: str
    label_zh: str
    label_en: str
    region: str
    effective: dt.date
    axis: str
    old: float | None
    new: float | None
    unit: str
    source: str


def changes(baseline: ParameterSet, scenario: Scenario) -> list[Change]:
    if scenario.reform is None:
        return []
    out = []
    for pid, entries in scenario.reform.changes.items():
        param = baseline[pid]
        for entry in entries:
            for axis in param.axis_values or ("",):
                old = baseline.value(pid, entry.region, entry.effective, axis or None)
                raw = None if entry.value is None else entry.value.get(axis)
                new = None if raw is None else param.to_display(raw)
                out.append(
                    Change(
                        pid,
                        param.label_zh,
                        param.label_en,
                        entry.region,
                        entry.effective,
                        axis,
                        old,
                        new,
                        param.unit,
                        entry.source.cite() or scenario.reform.file,
                    )
                )
    return out


def _row(table: pl.DataFrame, **match: Any) -> dict[str, Any]:
    found = table.filter(pl.all_horizontal(pl.col(k) == v for k, v in match.items()))
    return found.row(0, named=True) if found.height else {}


def summary_text(study: Study, scenario: Scenario, date: dt.date) -> tuple[str, str]:
    """The plain-language paragraph for one reform on one date, from the study's own tables."""
    paying = study.tables["programmes"].filter((pl.col("scenario") == scenario.id) & (pl.col("date") == date))
    cost = float(paying["monthly_cost_expected_fen_change"].sum()) / 100
    households = float(paying.filter(pl.col("programme") == "dibao")["expected_households_change"].sum())
    persons = float(paying.filter(pl.col("programme") == "dibao")["expected_persons_change"].sum())
    zh = [
        f"{scenario.label_zh}：按{date.isoformat()}的政策参数测算，预计每月救助支出{_more('zh', cost)}{abs(cost):,.2f}元"
        f"（全年{abs(cost) * 12:,.2f}元），低保预期受助家庭{_more('zh', households)}{abs(households):,.1f}户"
        f"（{abs(persons):,.1f}人）。"
    ]
    en = [
        f"{scenario.label_en}: on the parameters of {date.isoformat()}, expected monthly assistance spending "
        f"{_more('en', cost)} {abs(cost):,.2f} yuan ({abs(cost) * 12:,.2f} a year), and expected dibao recipients "
        f"{_more('en', households, plural=True)} {abs(households):,.1f} households ({abs(persons):,.1f} persons)."
    ]
    if "equity" in study.tables:
        eq = study.tables["equity"].filter(pl.col("date") == date)
        base, new = _row(eq, income=study.scenarios[0].id), _row(eq, income=scenario.id)
        gap = (new["gap_fen_dibao_standard"] - base["gap_fen_dibao_standard"]) / 100
        zh.append(
            f"按各户低保标准衡量，标准以下人口比例由{base['fgt0_dibao_standard']:.2%}变为{new['fgt0_dibao_standard']:.2%}，"
            f"每月贫困缺口{_more('zh', gap)}{abs(gap):,.2f}元；基尼系数由{base['gini']:.4f}变为{new['gini']:.4f}。"
        )
        en.append(
            f"Against each household's dibao standard, the share of persons below it goes from "
            f"{base['fgt0_dibao_standard']:.2%} to {new['fgt0_dibao_standard']:.2%}, and the monthly poverty gap "
            f"{_more('en', gap)} {abs(gap):,.2f} yuan; the Gini goes from {base['gini']:.4f} to {new['gini']:.4f}."
        )
    else:
        zh.append("测算总体为登记库：以上数字均为登记家庭中的情况，不反映全县贫困率和收入差距。")
        en.append("The frame is the registry: the figures are among registered households, not the whole county.")
    deciles = study.tables["deciles"].filter((pl.col("scenario") == scenario.id) & (pl.col("date") == date))
    if deciles.height:
        first = _row(deciles, decile=1)["mean_change_fen_per_person"] / 100
        gain = float(deciles.select(pl.sum("gain_under_5") + pl.sum("gain_over_5")).item())
        lose = float(deciles.select(pl.sum("loss_under_5") + pl.sum("loss_over_5")).item())
        zh.append(
            f"收入最低的十分之一人口人均每月{_more('zh', first)}{abs(first):,.2f}元；"
            f"{gain:,.0f}人收入增加，{lose:,.0f}人收入减少。"
        )
        en.append(
            f"The poorest tenth of persons {'gain' if first >= 0 else 'lose'} {abs(first):,.2f} yuan a month each on "
            f"average; {gain:,.0f} persons gain and {lose:,.0f} lose."
        )
    return "".join(zh), " ".join(en)


def _more(lang: str, x: float, *, plural: bool = False) -> str:
    if lang == "zh":
        return "增加" if x >= 0 else "减少"
    verb = "rise" if x >= 0 else "fall"
    return f"{verb} by" if plural else f"{verb}s by"
