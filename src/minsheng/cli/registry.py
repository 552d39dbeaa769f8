"""Registry commands: synth, import, export, template, summary, serve, demo, db."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path
from typing import Annotated, Any

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
    text,
)
from minsheng.cli.rules import LocalParamsOption
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
    reference_date: Annotated[
        str, typer.Option(help="登记现状日期 the day the registry describes (default: the day before the feeds)")
    ] = "",
    noise: Annotated[
        bool,
        typer.Option(
            "--noise/--no-noise",
            help="部门录入误差（同音字、错位号码等，真值写入links.parquet） department input errors, with the truth",
        ),
    ] = True,
    noise_profile: Annotated[
        str,
        typer.Option(
            help="录入误差配置 noise profile: default, harsh (30% no ID, 15% no birth date, county code only)"
        ),
    ] = "default",
    as_json: JsonOption = False,
    local_params: LocalParamsOption = None,
) -> None:
    """生成合成区县 Generate a synthetic county: households, persons, department feeds, ground truth, calibration."""
    from minsheng import assessment
    from minsheng.synth import SynthConfig, generate, write
    from minsheng.synth.feeds import FeedConfig, generate_feeds, write_feeds
    from minsheng.synth.feeds_noise import NoiseConfig

    shown = Output(as_json)
    started = time.perf_counter()
    with steps(13, "合成 synth", shown.progress) as step:
        status_quo = (
            dt.date.fromisoformat(reference_date)
            if reference_date
            else dt.date.fromisoformat(feeds_start) - dt.timedelta(days=1)
        )
        # eligibility and today's payments follow the county's own values, as its assessment will
        params = assessment.parameters(None, local_params, county)
        config = SynthConfig(county=county, households=households, seed=seed, reference_date=status_quo)
        pop = generate(config, progress=step, params=params)
        paths = write(pop, out)
        if feeds_months > 0:
            step("feeds")
            feed_config = FeedConfig(
                start=dt.date.fromisoformat(feeds_start),
                months=feeds_months,
                seed=seed,
                noise=NoiseConfig.profile(noise_profile, seed) if noise else None,
            )
            feeds = generate_feeds(pop, feed_config)
            paths |= {f"feeds/{k}": v for k, v in write_feeds(feeds, out / "feeds").items()}
    seconds = time.perf_counter() - started
    files = [{"name": name, "path": str(path)} for name, path in paths.items()]
    title = f"合成区县 synthetic county {county}（{seconds:.1f} s）"
    shown.table("files", title, [Column("文件 file", text("name")), Column("路径 path", text("path"))], files)
    sizes = {"households": pop.households.height, "persons": pop.persons.height}
    shown.value("counts", sizes, f"户 households: {sizes['households']:,}  人 persons: {sizes['persons']:,}")
    title = "校准 calibration (generated vs target)"
    shown.table("calibration", title, CALIBRATION_COLUMNS, pop.calibration.to_dicts(), limit=14)
    shown.done()


CALIBRATION_COLUMNS = [
    Column("statistic", text("statistic")),
    Column("group", text("group")),
    Column("target", lambda r: f"{r['target']:,.3f}", right=True),
    Column("generated", lambda r: f"{r['generated']:,.3f}", right=True),
    Column("rel_diff", lambda r: "" if r["rel_diff"] is None else f"{r['rel_diff']:+.2%}", right=True),
]


@app.command("import")
@friendly
def import_(
    files: Annotated[list[Path], typer.Argument(help="households/persons 文件 (.csv .xlsx .parquet)", exists=False)],
    valid_only: Annotated[
        bool, typer.Option("--valid-only", help="只导入正确的行，错误行写入可修改后重新导入的文件")
    ] = False,
    report_dir: Annotated[Path | None, typer.Option(help="错误报告目录 where error reports go")] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """导入家庭及成员 Import households and persons (all or nothing unless --valid-only)."""
    from minsheng.bootstrap import bootstrap
    from minsheng.contract.files import sort_by_kind
    from minsheng.registry.importer import ImportOutcome, import_files
    from minsheng.security.audit import record_batch

    settings = settings_for(data)
    report_dir = report_dir or settings.data / "reports"
    out = Output(as_json)
    started = time.perf_counter()
    kinds = sort_by_kind(files)
    app_ = bootstrap(settings)
    try:
        with steps(3, "导入 import", out.progress) as step:
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
            out.value("ok", False)
            _show_errors(out, report.errors)
            sentence = f"错误报告 error report: {report.error_report}" if report.error_report else None
            out.value("error_report", report.error_report, sentence, err=True)
            out.done()  # under --json the document; the sentence follows on stderr (friendly)
        raise
    record_batch(app_.engine, "import_registry", {"files": outcome.summaries, "valid_only": valid_only})
    out.value("ok", outcome.ok)
    title = f"导入完成 import finished（{time.perf_counter() - started:.1f} s）"
    out.table("files", title, IMPORT_COLUMNS, [dataclasses.asdict(s) for s in outcome.summaries])
    if not outcome.ok:
        _show_errors(out, outcome.errors)
        out.value("error_report", outcome.error_report, f"错误报告 error report: {outcome.error_report}")
        out.value("rejects", {kind: str(path) for kind, path in outcome.rejects.items()})
        for kind, path in outcome.rejects.items():
            out.say(f"被拒绝的{kind}行（修改后可重新导入）rejected rows to fix and re-import: {path}")
    out.done()


IMPORT_COLUMNS = [
    Column("文件 file", text("file")),
    Column("类别 kind", text("kind")),
    Column("编码 encoding", text("encoding")),
    count_column("行 rows", "rows"),
    count_column("新增 inserted", "inserted"),
    count_column("更新 updated", "updated"),
    count_column("未变 unchanged", "unchanged"),
    count_column("拒绝 rejected", "rejected"),
]
ERROR_COLUMNS = [
    Column("文件 file", text("file")),
    Column("行 row", text("row")),
    Column("列 column", text("column")),
    Column("值 value", text("value")),
    Column("原因 reason", lambda r: f"{r['reason_zh']}\n{r['reason_en']}"),
]


def _show_errors(out: Output, errors: Any) -> None:
    """Every row error whole: its file, row, column and reason are never cut (see Output.table);
    its value masked, as on the import page (ID and phone numbers keep only their ends)."""
    from minsheng.registry.report import masked

    rows = masked(errors).to_dicts()
    out.table("errors", f"错误 errors（{len(rows)}）", ERROR_COLUMNS, rows, limit=15, err=True)


@app.command()
@friendly
def export(
    out: Annotated[Path, typer.Option(help="输出目录 output directory")] = Path("export"),
    fmt: Annotated[str, typer.Option("--format", help="csv | gb18030 | xlsx | parquet")] = "csv",
    division: Annotated[str | None, typer.Option(help="只导出该区划 only this division (code prefix)")] = None,
    mask: Annotated[bool, typer.Option(help="隐藏身份号码和电话 mask ID and phone numbers")] = False,
    zh_headers: Annotated[bool, typer.Option("--zh-headers", help="中文表头 Chinese headers")] = False,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """导出对象库 Export the registry in the contract's format (re-importable)."""
    from minsheng.bootstrap import bootstrap
    from minsheng.registry.exporter import FORMATS, export_registry

    if fmt not in FORMATS:
        raise MinshengError(
            f"不支持的格式{fmt}，可选：{'、'.join(FORMATS)}", f"unknown format {fmt}; use {', '.join(FORMATS)}"
        )
    from minsheng.security.audit import cli_actor, record_now

    shown = Output(as_json)
    app_ = bootstrap(settings_for(data))
    with steps(1, "导出 export", shown.progress) as step:
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
    columns = [Column("类别 kind", text("kind")), count_column("行 rows", "rows"), Column("文件 file", text("path"))]
    files = [{"kind": r.kind, "rows": r.rows, "path": str(r.path)} for r in results]
    shown.table("files", "导出完成 export finished", columns, files)
    shown.done()


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
    as_json: JsonOption = False,
) -> None:
    """对象库概况 Households and persons by township and urban/rural."""
    from minsheng.bootstrap import bootstrap
    from minsheng.registry.queries import summary as registry_summary

    result = registry_summary(bootstrap(settings_for(data)).engine, division)
    out = Output(as_json)
    out.value("jurisdiction", result.jurisdiction)
    rows = [{**dataclasses.asdict(t), "persons": t.persons} for t in result.townships]
    total = {key: sum(row[key] for row in rows) for key in SUMMED}
    out.value("total", {**total, "households": result.households})
    title = f"对象库概况 registry summary {result.jurisdiction or '(all)'}"
    out.table("townships", title, SUMMARY_COLUMNS, rows, footer={"name": "合计 total", "township": None, **total})
    out.done()


SUMMED = ("urban_households", "rural_households", "urban_persons", "rural_persons", "persons")
SUMMARY_COLUMNS = [
    Column("乡镇 township", text("name")),
    Column("代码 code", text("township")),
    count_column("城镇户", "urban_households"),
    count_column("农村户", "rural_households"),
    count_column("城镇人", "urban_persons"),
    count_column("农村人", "rural_persons"),
    count_column("人 persons", "persons"),
]


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
    from minsheng.demo.local_params import DEMO_FILE, seed_local_parameters
    from minsheng.demo.timeline import DemoTimeline

    settings = settings_for(data)
    out = settings.data / "synth"
    timeline = DemoTimeline.ending(dt.date.today())  # everything the demo shows happened before today
    synth(
        county=county,
        households=households,
        seed=seed,
        out=out,
        feeds_months=timeline.months,
        feeds_start=timeline.feeds_start.isoformat(),
        reference_date=timeline.reference_date.isoformat(),
        noise=True,
        local_params=DEMO_FILE,  # the county's values, as the registry will have them approved below
    )
    import_(files=[out / "households.csv", out / "persons.csv"], valid_only=False, report_dir=None, data=settings.data)
    summary(division=county, data=settings.data)
    from minsheng.bootstrap import bootstrap

    # The county's local choices, as a county sets them: one administrator submits, another approves.
    seeded = seed_local_parameters(bootstrap(settings).engine, county, settings.data)
    if seeded.batch is not None:
        console.print(
            f"本地参数 {seeded.values} 项：admin 提交、admin2 批准（提交 {seeded.batch}）"
            f" local parameters: {seeded.values} values submitted by admin, approved by admin2"
        )
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

    # Monitoring on the demo date, the last day of the synthetic feeds' year.
    run(
        date=timeline.demo_date.isoformat(),
        division=county,
        window_months=timeline.months,
        out=settings.data / "discovery",
        data=settings.data,
    )
    from minsheng.demo.desk import seed_desk

    made, opened = seed_desk(
        bootstrap(settings).engine, county, settings.data, today=timeline.demo_date, feeds_start=timeline.feeds_start
    )
    console.print(f"已建核查工单 work orders opened from red alerts: {opened}")
    made = [*seeded.users, *made]
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
