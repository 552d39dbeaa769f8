"""Registry commands: synth, import, export, template, summary, serve, demo, db."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from minsheng.cli.common import DataOption, app, console, err_console, friendly, settings_for, steps
from minsheng.errors import ImportRejected, MinshengError


@app.command()
@friendly
def synth(
    county: Annotated[str, typer.Option(help="区县代码 county code (GB/T 2260), e.g. 110105")] = "110105",
    households: Annotated[int, typer.Option(help="户数 number of households")] = 100_000,
    seed: Annotated[int, typer.Option(help="随机种子 random seed")] = 1,
    out: Annotated[Path, typer.Option(help="输出目录 output directory")] = Path("synth-out"),
    feeds_months: Annotated[int, typer.Option(help="部门比对数据月数 months of department feeds (0: none)")] = 12,
    feeds_start: Annotated[str, typer.Option(help="部门数据起始日期 first day of the feeds")] = "2025-07-01",
    noise: Annotated[
        bool,
        typer.Option(
            "--noise/--no-noise",
            help="部门录入误差（同音字、错位号码等，真值写入links.parquet） department input errors, with the truth",
        ),
    ] = True,
) -> None:
    """生成合成区县 Generate a synthetic county: households, persons, department feeds, ground truth, calibration."""
    import datetime as dt

    from minsheng.synth import SynthConfig, generate, write
    from minsheng.synth.feeds import FeedConfig, generate_feeds, write_feeds
    from minsheng.synth.feeds_noise import NoiseConfig

    started = time.perf_counter()
    with steps(13, "合成 synth") as step:
        pop = generate(SynthConfig(county=county, households=households, seed=seed), progress=step)
        paths = write(pop, out)
        if feeds_months > 0:
            step("feeds")
            config = FeedConfig(
                start=dt.date.fromisoformat(feeds_start),
                months=feeds_months,
                seed=seed,
                noise=NoiseConfig(seed=seed) if noise else None,
            )
            paths |= {f"feeds/{k}": v for k, v in write_feeds(generate_feeds(pop, config), out / "feeds").items()}
    seconds = time.perf_counter() - started
    table = Table(title=f"合成区县 synthetic county {county}（{seconds:.1f} s）")
    table.add_column("文件 file")
    table.add_column("路径 path")
    for name, path in paths.items():
        table.add_row(name, str(path))
    console.print(table)
    console.print(f"户 households: {pop.households.height:,}  人 persons: {pop.persons.height:,}")
    _print_calibration(pop.calibration)


def _print_calibration(calibration: Any) -> None:
    table = Table(title="校准 calibration (generated vs target)")
    for col in ("statistic", "group", "target", "generated", "rel_diff"):
        table.add_column(col)
    for row in calibration.head(14).iter_rows(named=True):
        table.add_row(
            str(row["statistic"]),
            str(row["group"]),
            f"{row['target']:,.3f}",
            f"{row['generated']:,.3f}",
            f"{row['rel_diff']:+.2%}" if row["rel_diff"] is not None else "",
        )
    console.print(table)


@app.command("import")
@friendly
def import_(
    files: Annotated[list[Path], typer.Argument(help="households/persons 文件 (.csv .xlsx .parquet)", exists=False)],
    valid_only: Annotated[
        bool, typer.Option("--valid-only", help="只导入正确的行，错误行写入可修改后重新导入的文件")
    ] = False,
    report_dir: Annotated[Path | None, typer.Option(help="错误报告目录 where error reports go")] = None,
    data: DataOption = None,
) -> None:
    """导入家庭及成员 Import households and persons (all or nothing unless --valid-only)."""
    from minsheng.bootstrap import bootstrap
    from minsheng.contract.files import sort_by_kind
    from minsheng.registry.importer import ImportOutcome, import_files
    from minsheng.security.audit import record_batch

    settings = settings_for(data)
    report_dir = report_dir or settings.data / "reports"
    started = time.perf_counter()
    kinds = sort_by_kind(files)
    app_ = bootstrap(settings)
    try:
        with steps(3, "导入 import") as step:
            outcome = import_files(
                app_.engine,
                app_.cipher,
                kinds.get("households"),
                kinds.get("persons"),
                valid_only=valid_only,
                report_dir=report_dir,
                progress=step,
            )
    except ImportRejected as exc:
        report = exc.report
        if isinstance(report, ImportOutcome):
            _print_errors(report.errors)
            if report.error_report:
                err_console.print(f"错误报告 error report: {report.error_report}")
        raise
    record_batch(app_.engine, "import_registry", {"files": outcome.summaries, "valid_only": valid_only})
    table = Table(title=f"导入完成 import finished（{time.perf_counter() - started:.1f} s）")
    for col in (
        "文件 file",
        "类别 kind",
        "编码 encoding",
        "行 rows",
        "新增 inserted",
        "更新 updated",
        "未变 unchanged",
        "拒绝 rejected",
    ):
        table.add_column(col, justify="right")
    for s in outcome.summaries:
        table.add_row(
            s.file,
            s.kind,
            s.encoding,
            f"{s.rows:,}",
            f"{s.inserted:,}",
            f"{s.updated:,}",
            f"{s.unchanged:,}",
            f"{s.rejected:,}",
        )
    console.print(table)
    if not outcome.ok:
        _print_errors(outcome.errors)
        console.print(f"错误报告 error report: {outcome.error_report}")
        for kind, path in outcome.rejects.items():
            console.print(f"被拒绝的{kind}行（修改后可重新导入）rejected rows to fix and re-import: {path}")


def _print_errors(errors: Any, limit: int = 15) -> None:
    table = Table(title=f"错误 errors（{errors.height}）", show_lines=False)
    for col in ("文件 file", "行 row", "列 column", "值 value", "原因 reason"):
        table.add_column(col)
    for row in errors.head(limit).iter_rows(named=True):
        table.add_row(
            row["file"],
            str(row["row"] or ""),
            row["column"] or "",
            row["value"] or "",
            f"{row['reason_zh']}\n{row['reason_en']}",
        )
    err_console.print(table)
    if errors.height > limit:
        err_console.print(f"…… 另有{errors.height - limit}处 and {errors.height - limit} more (see the report)")


@app.command()
@friendly
def export(
    out: Annotated[Path, typer.Option(help="输出目录 output directory")] = Path("export"),
    fmt: Annotated[str, typer.Option("--format", help="csv | gb18030 | xlsx | parquet")] = "csv",
    division: Annotated[str | None, typer.Option(help="只导出该区划 only this division (code prefix)")] = None,
    mask: Annotated[bool, typer.Option(help="隐藏身份号码和电话 mask ID and phone numbers")] = False,
    zh_headers: Annotated[bool, typer.Option("--zh-headers", help="中文表头 Chinese headers")] = False,
    data: DataOption = None,
) -> None:
    """导出对象库 Export the registry in the contract's format (re-importable)."""
    from minsheng.bootstrap import bootstrap
    from minsheng.registry.exporter import FORMATS, export_registry

    if fmt not in FORMATS:
        raise MinshengError(
            f"不支持的格式{fmt}，可选：{'、'.join(FORMATS)}", f"unknown format {fmt}; use {', '.join(FORMATS)}"
        )
    from minsheng.security.audit import cli_actor, record_now

    app_ = bootstrap(settings_for(data))
    with steps(1, "导出 export") as step:
        results = export_registry(
            app_.engine,
            out,
            fmt,
            cipher=None if mask else app_.cipher,
            division_prefix=division,
            chinese_headers=zh_headers,
        )
        # Every export is audited; one with clear ID numbers says so.
        record_now(
            app_.engine,
            cli_actor(),
            "export_registry",
            "division",
            division or "*",
            {"format": fmt, "clear_personal_data": not mask, "rows": {r.kind: r.rows for r in results}},
        )
        step("written")
    table = Table(title="导出完成 export finished")
    table.add_column("类别 kind")
    table.add_column("行 rows", justify="right")
    table.add_column("文件 file")
    for r in results:
        table.add_row(r.kind, f"{r.rows:,}", str(r.path))
    console.print(table)


@app.command()
@friendly
def template(
    out: Annotated[Path, typer.Argument(help="模板文件 .xlsx")] = Path("minsheng-import-template.xlsx"),
    english: Annotated[bool, typer.Option("--english", help="英文表头 English headers")] = False,
) -> None:
    """写出Excel导入模板 Write the Excel import template (both header languages, code lists)."""
    from minsheng.registry.template import write_template

    console.print(f"模板 template: {write_template(out, english_headers=english)}")


@app.command()
@friendly
def summary(
    division: Annotated[str, typer.Option(help="区划代码前缀 division prefix")] = "",
    data: DataOption = None,
) -> None:
    """对象库概况 Households and persons by township and urban/rural."""
    from minsheng.bootstrap import bootstrap
    from minsheng.registry.queries import summary as registry_summary

    _print_summary(registry_summary(bootstrap(settings_for(data)).engine, division))


def _print_summary(result: Any) -> None:
    table = Table(title=f"对象库概况 registry summary {result.jurisdiction or '(all)'}")
    for col in ("乡镇 township", "代码 code", "城镇户", "农村户", "城镇人", "农村人", "人 persons"):
        table.add_column(col, justify="right")
    for t in result.townships:
        table.add_row(
            t.name,
            t.township or "",
            f"{t.urban_households:,}",
            f"{t.rural_households:,}",
            f"{t.urban_persons:,}",
            f"{t.rural_persons:,}",
            f"{t.persons:,}",
        )
    table.add_row(
        "合计 total",
        "",
        f"{sum(t.urban_households for t in result.townships):,}",
        f"{sum(t.rural_households for t in result.townships):,}",
        f"{sum(t.urban_persons for t in result.townships):,}",
        f"{sum(t.rural_persons for t in result.townships):,}",
        f"{result.persons:,}",
        style="bold",
    )
    console.print(table)


@app.command()
@friendly
def serve(
    host: Annotated[str, typer.Option(help="监听地址 bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 port")] = 8000,
    data: DataOption = None,
) -> None:
    """启动网页 Serve the web pages on this machine."""
    import os

    import uvicorn

    from minsheng.bootstrap import bootstrap
    from minsheng.web.app import configure_logging, create_app

    settings = settings_for(data)
    app_ = bootstrap(settings)  # here, once: the schema is brought up to date before any worker starts
    workers = settings.resolved_web_workers()
    console.print(f"打开 open http://{host}:{port}/ （{workers} 个进程 process(es)）")
    configure_logging()
    if workers == 1:
        uvicorn.run(create_app(app_), host=host, port=port, log_level="warning", access_log=False)
        return
    app_.engine.dispose()
    # Each worker process builds its own app from the environment: pass on what the command line chose.
    os.environ["MINSHENG_DATA"] = str(settings.data.resolve())
    uvicorn.run(
        "minsheng.web.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )


@app.command()
@friendly
def demo(
    county: Annotated[str, typer.Option(help="区县代码 county code")] = "110105",
    households: Annotated[int, typer.Option(help="户数 households")] = 100_000,
    seed: Annotated[int, typer.Option(help="随机种子 seed")] = 1,
    host: Annotated[str, typer.Option(help="监听地址 bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 port")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="不启动网页 stop after the summary")] = False,
    data: DataOption = None,
) -> None:
    """演示：合成区县 → 导入 → 部门数据 → 比对 → 测算 → 预警 → 主动发现 → 网页 The whole pipeline on a synthetic county."""
    from minsheng.cli.rules import assess

    settings = settings_for(data)
    out = settings.data / "synth"
    synth(county=county, households=households, seed=seed, out=out, noise=True)
    import_(files=[out / "households.csv", out / "persons.csv"], valid_only=False, report_dir=None, data=settings.data)
    summary(division=county, data=settings.data)
    from minsheng.cli.feeds import import_feeds

    import_feeds(files=sorted((out / "feeds").glob("*.csv")), kind=None, data=settings.data)
    from minsheng.cli.feeds import link

    link(data=settings.data)  # every record a typo kept from an exact link, wherever it says it lives
    assess(
        households=None,
        persons=None,
        out=settings.data / "assessment",
        fmt="csv",
        date=None,
        division=county,
        reform=None,
        engine="local",
        data=settings.data,
    )
    from minsheng.cli.monitor import run

    # Monitoring on the last day of the synthetic feeds' year, so the demo opens with real alerts.
    run(date="2026-06-30", division=county, window_months=12, out=settings.data / "discovery", data=settings.data)
    from minsheng.bootstrap import bootstrap
    from minsheng.demo.desk import seed_desk

    made, opened = seed_desk(bootstrap(settings).engine, county, settings.data, today=dt.date.today())
    console.print(f"已建核查工单 work orders opened from red alerts: {opened}")
    if made:
        console.print(
            "演示用户（密码仅显示一次，另存于 demo-users.txt）demo users (passwords shown once, also in demo-users.txt):"
        )
        for user in made:
            console.print(f"  {user.username:<10} {user.role:<20} {user.jurisdiction:<12} {user.password}")
    if not no_serve:
        serve(host=host, port=port, data=settings.data)


@app.command()
@friendly
def db(
    action: Annotated[str, typer.Argument(help="upgrade")] = "upgrade",
    data: DataOption = None,
) -> None:
    """数据库迁移 Bring the database schema up to date."""
    from minsheng.bootstrap import bootstrap

    if action != "upgrade":
        raise MinshengError(f"未知操作{action}", f"unknown action {action}; use upgrade")
    app_ = bootstrap(settings_for(data))
    console.print(f"数据库已是最新 schema up to date: {app_.engine.url.render_as_string(hide_password=True)}")
