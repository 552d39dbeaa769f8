"""Monitoring commands: `minsheng monitor discover`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

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
    """主动发现 List the eligible-but-not-enrolled, the enrolled-but-no-longer-eligible and changed benefits."""
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
