"""Rules commands: assess, explain, and the rule-data checks (`rules check`, `rules test`)."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from minsheng.cli.common import (
    Column,
    DataOption,
    JsonOption,
    Output,
    app,
    console,
    count_column,
    friendly,
    settings_for,
    steps,
)
from minsheng.errors import MinshengError

if TYPE_CHECKING:
    import polars as pl

    from minsheng.programmes.local_choices import Missing
    from minsheng.rules.parameters import ParameterSet

rules_app = typer.Typer(help="规则数据检查与情景测试 Rule data checks and scenario tests.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

DateOption = Annotated[str | None, typer.Option("--date", help="测算日期 YYYY-MM-DD (default: today)")]
ReformOption = Annotated[
    Path | None, typer.Option("--reform", help="改革方案 reform: parameters and/or formulas (.yaml/.json)")
]
LocalParamsOption = Annotated[
    Path | None,
    typer.Option(
        "--local-params",
        help="本地参数文件（填好的模板 .xlsx 或 .yaml），叠加在随包参数之上 "
        "a local-parameters file (filled-in template or YAML) laid over the shipped files",
    ),
]


def _date(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise MinshengError(f"日期 {text} 格式错误，应为 YYYY-MM-DD", f"date {text!r} is not YYYY-MM-DD") from None


@app.command()
@friendly
def assess(
    households: Annotated[Path | None, typer.Option(help="家庭文件 households file (default: the registry)")] = None,
    persons: Annotated[Path | None, typer.Option(help="成员文件 persons file (with --households)")] = None,
    out: Annotated[Path, typer.Option(help="输出目录 output directory")] = Path("assessment"),
    fmt: Annotated[str, typer.Option("--format", help="csv | parquet | xlsx")] = "csv",
    date: DateOption = None,
    division: Annotated[str, typer.Option(help="区划代码前缀 only this division (registry)")] = "",
    reform: ReformOption = None,
    engine: Annotated[str, typer.Option(help="local | spark")] = "local",
    data: DataOption = None,
    as_json: JsonOption = False,
    local_params: LocalParamsOption = None,
) -> None:
    """测算全部救助项目 Assess every programme over the registry or over files."""
    from minsheng import assessment

    if fmt not in assessment.OUTPUT_FORMATS:
        raise MinshengError(f"不支持的格式 {fmt}", f"unknown format {fmt}; use csv, parquet or xlsx")
    if engine not in ("local", "spark"):
        raise MinshengError(f"未知引擎 {engine}", f"unknown engine {engine}; use local or spark")
    if (households is None) != (persons is None):
        raise MinshengError("--households 与 --persons 需同时给出", "give both --households and --persons, or neither")
    when = _date(date)
    shown = Output(as_json)
    started = time.perf_counter()
    with steps(4, "测算 assess", shown.progress) as step:
        rules, params = assessment.reformed(reform, local_params)  # a reform's formulas, too
        step("parameters")
        if households is not None and persons is not None:
            hh, pp = assessment.population_from_files(households, persons)
            unset = _unset(params, hh, when)
        else:
            # Imported here, not above: assessing files needs no database, and SQLAlchemy,
            # Alembic and the models cost a third of a second of start-up (issue 11 §5).
            from minsheng.bootstrap import bootstrap
            from minsheng.localparams.store import parameters_for
            from minsheng.registry import population
            from minsheng.security.audit import record_batch

            engine_ = bootstrap(settings_for(data)).engine
            with engine_.connect() as conn:  # the county's approved local values over the shipped files
                params = parameters_for(conn, params)
            hh, pp = population.load(engine_, jurisdiction=division)
            unset = _unset(params, hh, when)
            record_batch(
                engine_, "assess_registry", {"date": when, "households": hh.height, "persons": pp.height}, division
            )
        step("population")
        shown.unset_parameters(unset)
        result = assessment.assess(hh, pp, date=when, params=params, engine=engine, rules=rules)
        step("evaluate")
        paths = assessment.write_outputs(result, out, fmt)
        step("write")
    shown.value("date", when)
    shown.value("population", {"households": hh.height, "persons": pp.height})
    title = f"测算完成 assessment {when}（{hh.height:,} 户 / {pp.height:,} 人，{time.perf_counter() - started:.1f} s）"
    rows = assessment.summary(result).to_dicts()
    shown.table("programmes", title, SUMMARY_COLUMNS, rows)
    for row in rows:  # the totals leave unknown amounts out: say how many, beside them
        note = assessment.unknown_amounts_note(row)
        if note:
            shown.say(f"{row['label']} {row['programme']}：{note[0]} / {row['label_en']}: {note[1]}")
    shown.value("outputs", {name: str(path) for name, path in paths.items()})
    for name, path in paths.items():
        shown.say(f"{name}: {path}")
    shown.done()


def _unset(params: ParameterSet, households: pl.DataFrame, when: dt.date) -> list[Missing]:
    """The required local parameters not set for the counties the households live in."""
    from minsheng.programmes.local_choices import missing_local_parameters

    counties = households.get_column("residence_division").str.slice(0, 6).unique().drop_nulls().to_list()
    return missing_local_parameters(params, sorted(counties), when)


SUMMARY_COLUMNS = [
    Column("项目 programme", lambda r: f"{r['label']} {r['programme']}"),
    count_column("符合 eligible", "eligible"),
    count_column("不符合 ineligible", "ineligible"),
    count_column("无法判定 unknown", "unknown"),
    Column(
        "月发放（已知金额）yuan/month (known amounts)",
        lambda r: "" if r["monthly_benefit_yuan"] is None else f"{r['monthly_benefit_yuan']:,.2f}",
        right=True,
    ),
    Column(
        "金额未知 amounts unknown", lambda r: "" if r["unknown_amounts"] is None else f"{r['unknown_amounts']:,}", True
    ),
]


@app.command()
@friendly
def explain(
    household_id: Annotated[str, typer.Argument(help="家庭编号 household id")],
    date: DateOption = None,
    lang: Annotated[str, typer.Option("--lang", help="zh | en")] = "zh",
    as_json: Annotated[bool, typer.Option("--json", help="输出JSON（minsheng.explain/v1）")] = False,
    reform: ReformOption = None,
    data: DataOption = None,
) -> None:
    """解释测算结果 Explain every programme's result for one household."""
    from minsheng import assessment
    from minsheng.bootstrap import bootstrap
    from minsheng.localparams.store import parameters_for
    from minsheng.registry import population
    from minsheng.rules.explain_text import render
    from minsheng.security.audit import cli_actor, record_now

    app_ = bootstrap(settings_for(data))
    hh, pp = population.load(app_.engine, household_id=household_id)
    with app_.engine.connect() as conn:  # the county's approved local values, as `assess` uses them
        rules, params = assessment.reformed(reform)
        params = parameters_for(conn, params)
    result = assessment.explain(hh, pp, household_id, date=_date(date), params=params, rules=rules)
    record_now(app_.engine, cli_actor(), "read_household", "household", household_id, {"purpose": "explain"})
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(render(result, "en" if lang == "en" else "zh"))


@rules_app.command("check")
@friendly
def check() -> None:
    """校验参数与公式 Load every parameter file and check the formula graph."""
    from minsheng.programmes.registry import baseline, model

    params = baseline()
    console.print(
        f"参数 parameters: {len(params.params)}，公式节点 nodes: {len(model().nodes)}，"
        f"项目 programmes: {', '.join(model().programmes)} — OK"
    )


@rules_app.command("test")
@friendly
def test(
    files: Annotated[list[Path], typer.Argument(help="情景测试文件 scenario files (.yaml)")],
    reform: ReformOption = None,
    local_params: LocalParamsOption = None,
) -> None:
    """运行情景测试 Run scenario tests in one vectorised pass."""
    from minsheng import assessment
    from minsheng.rules.scenarios import load_cases, run

    rules, params = assessment.reformed(reform, local_params)
    results = run(rules, params, load_cases(files))
    failed = [r for r in results if not r.ok]
    for r in failed:
        console.print(f"[red]FAIL[/] {r.case.id}: " + "; ".join(r.problems))
    console.print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)
