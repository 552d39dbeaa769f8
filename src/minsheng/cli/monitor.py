"""Monitoring commands: `minsheng monitor discover`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from minsheng.cli.common import (
    Column,
    DataOption,
    JsonOption,
    Output,
    app,
    count_column,
    friendly,
    settings_for,
    steps,
    text,
)

monitor_app = typer.Typer(help="动态监测 Monitoring.", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")


@monitor_app.command("discover")
@friendly
def discover(
    date: Annotated[str | None, typer.Option("--date", help="测算日期 YYYY-MM-DD (default: today)")] = None,
    division: Annotated[str, typer.Option(help="区划代码前缀 only this division")] = "",
    out: Annotated[Path, typer.Option(help="输出目录 output directory")] = Path("discovery"),
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """主动发现（按申报数据）Discovery on the registry as declared: eligible-but-not-enrolled, enrolled-but-no-longer-eligible, changed benefits. `monitor run` discovers on the population with department records applied."""
    from minsheng import assessment
    from minsheng.bootstrap import bootstrap
    from minsheng.localparams.store import for_run
    from minsheng.monitoring import discovery
    from minsheng.programmes.registry import baseline, model
    from minsheng.registry import population
    from minsheng.registry.counts import counties

    when = dt.date.fromisoformat(date) if date else dt.date.today()
    shown = Output(as_json)
    app_ = bootstrap(settings_for(data))
    with app_.engine.connect() as conn:  # the approved local values over the shipped files; what is still unset
        params, unset = for_run(conn, baseline(), [division[:6]] if division else counties(conn), when)
    shown.unset_parameters(unset)
    with steps(3, "主动发现 discover", shown.progress) as step:
        hh, pp = population.load(app_.engine, jurisdiction=division)
        enrolled = population.enrolments(app_.engine, jurisdiction=division)
        step("registry")
        result = assessment.assess(hh, pp, date=when, params=params)
        step("assess")
        found = discovery.discover(model(), result, enrolled, hh)
        out.mkdir(parents=True, exist_ok=True)
        from minsheng.contract.sheets import write_csv  # no cell runs as a formula in Excel; 0600

        write_csv(found, out / "discovery.csv")
        step("write")
    shown.value("date", when)
    title = f"主动发现 discovery {when}（missed 应保未保 · leaked 应退未退 · changed 待遇变化）"
    columns = [Column("项目 programme", text("programme")), Column("类别 kind", text("kind"))]
    columns.append(count_column("户 households", "households"))
    shown.table("counts", title, columns, discovery.counts(found).to_dicts())
    details = out / "discovery.csv"
    shown.value("details", str(details), f"明细 details: {details}（逐户原因：minsheng explain 家庭编号）")
    shown.done()


@monitor_app.command("run")
@friendly
def run(
    date: Annotated[str | None, typer.Option("--date", help="监测日期 YYYY-MM-DD (default: today)")] = None,
    division: Annotated[str, typer.Option(help="区划代码前缀 only this division")] = "",
    window_months: Annotated[int, typer.Option(help="部门数据回看月数 months of records to read")] = 12,
    out: Annotated[Path, typer.Option(help="主动发现明细输出目录 where discovery.csv goes")] = Path("discovery"),
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """监测运行 Warning rules over linked department records → graded alerts; then proactive discovery."""
    from minsheng.bootstrap import bootstrap
    from minsheng.localparams.store import for_run
    from minsheng.monitoring.run import run_monitoring
    from minsheng.programmes.registry import baseline
    from minsheng.registry.counts import counties
    from minsheng.security.audit import record_batch

    when = dt.date.fromisoformat(date) if date else dt.date.today()
    shown = Output(as_json)
    app_ = bootstrap(settings_for(data))
    with app_.engine.connect() as conn:  # the approved local values over the shipped files; what is still unset
        params, unset = for_run(conn, baseline(), [division[:6]] if division else counties(conn), when)
    shown.unset_parameters(unset)
    with steps(1, "监测 monitor", shown.progress) as step:
        outcome = run_monitoring(
            app_.engine, date=when, jurisdiction=division, window_months=window_months, params=params
        )
        step("done")
    record_batch(
        app_.engine,
        "monitor_run",
        {
            "date": when,
            "window_months": window_months,
            "records": outcome.records,
            "alerts": outcome.merged,
            "discovered": outcome.discovery.height,
        },
        division,
    )
    merged = outcome.merged
    shown.value("date", when)
    shown.value("records", outcome.records)
    shown.value("alerts", dataclasses.asdict(merged))
    title = (
        f"预警 alerts {when}：{outcome.records:,} 条部门记录 records，新增 opened {merged.opened:,}，"
        f"更新 updated {merged.updated:,}，未变 unchanged {merged.unchanged:,}"
    )
    shown.table("by_reason", title, REASON_COLUMNS, outcome.by_reason.to_dicts())
    shown.value("applied", outcome.applied)
    shown.value(
        "changed_households",
        outcome.changed_households,
        f"部门数据已比对 records applied: {outcome.applied:,}，"
        f"与申报不一致的家庭 households whose records differ from their declaration: {outcome.changed_households:,}",
    )
    found = dict(outcome.discovery.group_by("kind").agg(pl.len().alias("n")).sort("kind").iter_rows())
    shown.value("discovery", found, "主动发现 discovery: " + "，".join(f"{k} {n:,}" for k, n in found.items()))
    out.mkdir(parents=True, exist_ok=True)
    details = out / "discovery.csv"
    from minsheng.contract.sheets import write_csv  # no cell runs as a formula in Excel; 0600

    write_csv(outcome.discovery, details)
    shown.value("details", str(details), f"明细 details: {details}（含部门数据与申报的差异 with the observed changes）")
    shown.done()


REASON_COLUMNS = [
    Column("原因 reason", text("reason")),
    Column("方向 direction", text("direction")),
    count_column("户 households", "households"),
    count_column("红 red", "red"),
    count_column("橙 orange", "orange"),
    count_column("黄 yellow", "yellow"),
]
