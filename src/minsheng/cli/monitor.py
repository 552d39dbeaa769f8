"""Monitoring commands: `minsheng monitor discover`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from minsheng.cli.common import DataOption, app, console, friendly, settings_for, steps

monitor_app = typer.Typer(help="动态监测 Monitoring.", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")


@monitor_app.command("discover")
@friendly
def discover(
    date: Annotated[str | None, typer.Option("--date", help="测算日期 YYYY-MM-DD (default: today)")] = None,
    division: Annotated[str, typer.Option(help="区划代码前缀 only this division")] = "",
    out: Annotated[Path, typer.Option(help="输出目录 output directory")] = Path("discovery"),
    data: DataOption = None,
) -> None:
    """主动发现（按申报数据）Discovery on the registry as declared: eligible-but-not-enrolled, enrolled-but-no-longer-eligible, changed benefits. `monitor run` discovers on the population with department records applied."""
    from minsheng import assessment
    from minsheng.bootstrap import bootstrap
    from minsheng.monitoring import discovery
    from minsheng.programmes.registry import model
    from minsheng.registry import population

    when = dt.date.fromisoformat(date) if date else dt.date.today()
    app_ = bootstrap(settings_for(data))
    with steps(3, "主动发现 discover") as step:
        hh, pp = population.load(app_.engine, jurisdiction=division)
        enrolled = population.enrolments(app_.engine, jurisdiction=division)
        step("registry")
        result = assessment.assess(hh, pp, date=when)
        step("assess")
        found = discovery.discover(model(), result, enrolled, hh)
        out.mkdir(parents=True, exist_ok=True)
        found.write_csv(out / "discovery.csv", include_bom=True)
        step("write")
    table = Table(title=f"主动发现 discovery {when}（missed 应保未保 · leaked 应退未退 · changed 待遇变化）")
    for col in ("项目 programme", "类别 kind", "户 households"):
        table.add_column(col, justify="right")
    for row in discovery.counts(found).iter_rows(named=True):
        table.add_row(row["programme"], row["kind"], f"{row['households']:,}")
    console.print(table)
    console.print(f"明细 details: {out / 'discovery.csv'}（逐户原因：minsheng explain 家庭编号）")


@monitor_app.command("run")
@friendly
def run(
    date: Annotated[str | None, typer.Option("--date", help="监测日期 YYYY-MM-DD (default: today)")] = None,
    division: Annotated[str, typer.Option(help="区划代码前缀 only this division")] = "",
    window_months: Annotated[int, typer.Option(help="部门数据回看月数 months of records to read")] = 12,
    out: Annotated[Path, typer.Option(help="主动发现明细输出目录 where discovery.csv goes")] = Path("discovery"),
    data: DataOption = None,
) -> None:
    """监测运行 Warning rules over linked department records → graded alerts; then proactive discovery."""
    from minsheng.bootstrap import bootstrap
    from minsheng.monitoring.run import run_monitoring
    from minsheng.security.audit import record_batch

    when = dt.date.fromisoformat(date) if date else dt.date.today()
    app_ = bootstrap(settings_for(data))
    with steps(1, "监测 monitor") as step:
        outcome = run_monitoring(app_.engine, date=when, jurisdiction=division, window_months=window_months)
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
    table = Table(
        title=f"预警 alerts {when}：{outcome.records:,} 条部门记录 records，新增 opened {merged.opened:,}，"
        f"更新 updated {merged.updated:,}，未变 unchanged {merged.unchanged:,}"
    )
    for col in ("原因 reason", "方向 direction", "户 households", "红 red", "橙 orange", "黄 yellow"):
        table.add_column(col, justify="right")
    for row in outcome.by_reason.iter_rows(named=True):
        table.add_row(
            row["reason"],
            row["direction"],
            f"{row['households']:,}",
            f"{row['red']:,}",
            f"{row['orange']:,}",
            f"{row['yellow']:,}",
        )
    console.print(table)
    console.print(
        f"部门数据已比对 records applied: {outcome.applied:,}，"
        f"与申报不一致的家庭 households whose records differ from their declaration: {outcome.changed_households:,}"
    )
    found = outcome.discovery.group_by("kind").agg(pl.len().alias("n")).sort("kind")
    console.print("主动发现 discovery: " + "，".join(f"{k} {n:,}" for k, n in found.iter_rows()))
    out.mkdir(parents=True, exist_ok=True)
    outcome.discovery.write_csv(out / "discovery.csv", include_bom=True)
    console.print(f"明细 details: {out / 'discovery.csv'}（含部门数据与申报的差异 with the observed changes）")
