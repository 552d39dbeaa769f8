"""`minsheng simulate`: baseline and reforms, cost, recipients, poverty and inequality (issue 13)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from minsheng.cli.common import Column, DataOption, JsonOption, Output, app, friendly, settings_for, steps
from minsheng.cli.rules import LocalParamsOption, _date, _unset
from minsheng.errors import MinshengError


@app.command()
@friendly
def simulate(
    reform: Annotated[
        list[Path], typer.Option("--reform", help="改革方案 reform (.yaml/.json)，可多次给出 repeatable")
    ],
    date: Annotated[list[str], typer.Option("--date", help="测算日期 YYYY-MM-DD，可多次给出 repeatable")],
    households: Annotated[Path | None, typer.Option(help="家庭文件 households file (default: the registry)")] = None,
    persons: Annotated[Path | None, typer.Option(help="成员文件 persons file (with --households)")] = None,
    frame: Annotated[
        str | None,
        typer.Option(
            help="测算总体 representative（代表性总体：合成县或加权样本）| registry（登记库：仅申请和救助对象）"
            " (default: representative for files, registry for the registry)"
        ),
    ] = None,
    division: Annotated[str, typer.Option(help="区划代码前缀 only this division (registry)")] = "",
    out: Annotated[Path, typer.Option(help="输出目录 output directory")] = Path("simulation"),
    fmt: Annotated[str, typer.Option("--format", help="csv | xlsx | parquet")] = "csv",
    data: DataOption = None,
    as_json: JsonOption = False,
    local_params: LocalParamsOption = None,
    lang: Annotated[str, typer.Option("--lang", help="报告语言 report language: zh | en")] = "zh",
    weights: Annotated[
        Path | None,
        typer.Option(help="户权数文件 household weights of a sample (household_id, weight; CSV or .xlsx)"),
    ] = None,
) -> None:
    """改革测算与公平性评估 Simulate reforms against the baseline: cost, recipients, poverty, inequality."""
    from minsheng import assessment
    from minsheng.programmes.registry import model
    from minsheng.simulation import study
    from minsheng.simulation.report_files import write_report

    if (households is None) != (persons is None):
        raise MinshengError("--households 与 --persons 需同时给出", "give both --households and --persons, or neither")
    frame = frame or ("representative" if households is not None else "registry")
    if frame not in ("representative", "registry"):
        raise MinshengError(f"未知测算总体 {frame}", f"unknown frame {frame}; use representative or registry")
    if fmt not in study.FORMATS:
        raise MinshengError(f"不支持的格式 {fmt}", f"unknown format {fmt}; use csv, xlsx or parquet")
    dates = sorted({_date(d) for d in date})
    shown = Output(as_json)
    started = time.perf_counter()
    with steps(2 + 2 * len(dates) + 1, "改革测算 simulate", shown.progress) as step:
        params = assessment.parameters(None, local_params)
        if households is not None and persons is not None:
            hh, pp = assessment.population_from_files(households, persons)
        else:
            hh, pp, params = _registry(data, division, params)
        if weights is not None:
            from minsheng.simulation.weights import read_weights

            hh = read_weights(weights, hh)
        step("population")
        scenarios = study.scenarios_for(params, reform, model())  # a reform may replace formulas
        shown.unset_parameters(_unset(params, hh, dates[0]))
        step("reforms")
        result = study.run(model(), hh, pp, scenarios, dates, frame=frame, step=step)
        paths = study.write(result, out, fmt)
        for scenario in scenarios[1:]:  # one report per reform and date (公平性评估)
            for when in dates:
                paths |= write_report(result, params, scenario, when, out, lang="en" if lang == "en" else "zh")
        step("write")
    took = time.perf_counter() - started
    shown.value("frame", frame, _frame_sentence(frame))
    rows = _headline(result)
    title = f"改革测算 simulation（{hh.height:,} 户 / {pp.height:,} 人，{took:.1f} s）"
    shown.table("headline", title, HEADLINE_COLUMNS, rows)
    if "equity" in result.tables:
        shown.table(
            "equity",
            "贫困与不平等 poverty and inequality（人均，按人加权 per capita, person-weighted）",
            EQUITY_COLUMNS,
            result.tables["equity"].to_dicts(),
        )
    shown.value("outputs", {name: str(path) for name, path in paths.items()})
    for name, path in paths.items():
        shown.say(f"{name}: {path}")
    shown.done()


def _registry(data: Path | None, division: str, params: Any) -> tuple[Any, Any, Any]:
    from minsheng.bootstrap import bootstrap
    from minsheng.localparams.store import parameters_for
    from minsheng.registry import population
    from minsheng.security.audit import record_batch

    engine = bootstrap(settings_for(data)).engine
    with engine.connect() as conn:  # the county's approved local values over the shipped files
        params = parameters_for(conn, params)
    hh, pp = population.load(engine, jurisdiction=division)
    hh = population.with_enrolled(engine, hh, jurisdiction=division)  # take-up measured against it
    record_batch(engine, "simulate_registry", {"households": hh.height, "persons": pp.height}, division)
    return hh, pp, params


def _frame_sentence(frame: str) -> str:
    if frame == "registry":
        return "测算总体：登记库（以下数字均为“登记家庭中”；不计算全县贫困率和不平等指数）\nframe: registry (figures are among registered households; no county-wide poverty or inequality)"
    return "测算总体：代表性总体 frame: representative"


def _headline(result: Any) -> list[dict[str, Any]]:
    """Per date, reform and programme: the change in expected recipients and cost."""
    import polars as pl

    return result.tables["programmes"].filter(pl.col("scenario") != result.scenarios[0].id).to_dicts()


HEADLINE_COLUMNS = [
    Column("日期 date", lambda r: str(r["date"])),
    Column("方案 reform", lambda r: r["scenario"]),
    Column("项目 programme", lambda r: r["programme"]),
    Column("预期户数变化 Δ households (expected)", lambda r: f"{r['expected_households_change']:+,.1f}", True),
    Column(
        "预期月支出变化 Δ yuan/month (expected)", lambda r: f"{r['monthly_cost_expected_fen_change'] / 100:+,.2f}", True
    ),
    Column("年支出 yuan/year (expected)", lambda r: f"{r['annual_cost_expected_fen'] / 100:,.2f}", True),
]
EQUITY_COLUMNS = [
    Column("日期 date", lambda r: str(r["date"])),
    Column("收入 income", lambda r: r["income"]),
    Column("基尼系数 Gini", lambda r: f"{r['gini']:.4f}", True),
    Column("泰尔指数 Theil T", lambda r: f"{r['theil_t']:.4f}", True),
    Column("低保线下人口比例 P0 (dibao standard)", lambda r: f"{r['fgt0_dibao_standard']:.4%}", True),
    Column("贫困距 P1", lambda r: f"{r['fgt1_dibao_standard']:.5f}", True),
    Column("月缺口 gap yuan/month", lambda r: f"{r['gap_fen_dibao_standard'] / 100:,.2f}", True),
]


@app.command()
@friendly
def solve(
    parameter: Annotated[str, typer.Option(help="求解的参数 parameter to solve for, e.g. dibao.standard")],
    region: Annotated[str, typer.Option(help="区划代码 the region it is set for, e.g. 110105")],
    date: Annotated[str, typer.Option("--date", help="测算日期 YYYY-MM-DD")],
    low: Annotated[float, typer.Option(help="搜索下限 lowest value to try (yuan for money)")],
    high: Annotated[float, typer.Option(help="搜索上限 highest value to try")],
    households: Annotated[Path, typer.Option(help="家庭文件 households file")],
    persons: Annotated[Path, typer.Option(help="成员文件 persons file")],
    budget: Annotated[
        float | None, typer.Option(help="月预算（元）the highest value within this monthly budget, yuan")
    ] = None,
    coverage: Annotated[
        float | None, typer.Option(help="目标受助人数 the lowest value reaching this many expected recipients")
    ] = None,
    programme: Annotated[
        str, typer.Option(help="受助人数所指项目 programme whose recipients --coverage counts")
    ] = "dibao",
    as_json: JsonOption = False,
    local_params: LocalParamsOption = None,
) -> None:
    """标准测算器 Solve for a parameter's value under a budget or a coverage target."""
    from minsheng import assessment
    from minsheng.programmes.registry import model
    from minsheng.simulation.calculators import Problem, highest_within_budget, lowest_for_coverage

    if (budget is None) == (coverage is None):
        raise MinshengError("请给出 --budget 或 --coverage 之一", "give one of --budget or --coverage")
    params = assessment.parameters(None, local_params)
    if parameter not in params:
        raise MinshengError(f"未知参数 {parameter}", f"unknown parameter {parameter}")
    hh, pp = assessment.population_from_files(households, persons)
    problem = Problem(model(), hh, pp, params, parameter, region, _date(date))
    if budget is not None:
        answer = highest_within_budget(problem, round(budget * 100), low, high)
    else:
        assert coverage is not None
        answer = lowest_for_coverage(problem, programme, coverage, low, high)
    shown = Output(as_json)
    shown.value("constraint", {"zh": answer.constraint_zh, "en": answer.constraint_en})
    shown.value("value", answer.value, f"{parameter} @ {region} {answer.date}: {answer.value:,}")
    shown.say(f"约束 constraint：{answer.constraint_zh} / {answer.constraint_en}")
    rows = [{"at": "value", **answer.figures}, {"at": "one step further", **answer.one_step_further}]
    shown.table(
        "figures", "取值处与再进一步的结果 figures at the value and one step further", _solve_columns(answer), rows
    )
    shown.done()


def _solve_columns(answer: Any) -> list[Column]:
    """The programmes the answer moves: cost and expected recipients of each, at the value and beyond."""
    figures = answer.figures
    moved = sorted(
        {
            k.split(":")[0]
            for k, v in figures.items()
            if k.endswith((":monthly_cost_expected_fen", ":expected_persons")) and v
        }
    )
    columns = [Column("取值 at", lambda r: r["at"])]
    for p in moved:
        columns += [
            Column(f"{p} 预期月支出 yuan/month", _yuan(f"{p}:monthly_cost_expected_fen"), right=True),
            Column(f"{p} 预期人数 persons", _persons(f"{p}:expected_persons"), right=True),
        ]
    return columns


def _yuan(key: str) -> Callable[[dict[str, Any]], str]:
    return lambda row: f"{row[key] / 100:,.2f}"


def _persons(key: str) -> Callable[[dict[str, Any]], str]:
    return lambda row: f"{row[key]:,.1f}"
