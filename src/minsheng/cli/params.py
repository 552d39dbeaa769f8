"""Local-parameter commands (本地参数): template, import, approve / reject, list, export, missing.

An administrator fills in the template and imports it (all-or-nothing, row errors in both
languages); another administrator or a county reviewer approves it, and only then does it take
effect. Both sign in with their password: the maker-checker rule is between people, not
operating-system accounts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from minsheng.cli.common import Column, DataOption, JsonOption, Output, app, friendly, settings_for, text
from minsheng.errors import ImportRejected, MinshengError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from minsheng.security.users import Principal

params_app = typer.Typer(
    help="本地参数：模板、导入、审批、导出、缺失检查 Local parameters: template, import, approve, export, missing.",
    no_args_is_help=True,
)
app.add_typer(params_app, name="params")

DivisionOption = Annotated[str, typer.Option("--division", help="区划代码 division code (county, city or province)")]
UserOption = Annotated[str, typer.Option("--user", help="用户名 your user name")]
PasswordOption = Annotated[
    str,
    typer.Option(
        prompt="密码 password", hide_input=True, help="密码（不带此项时交互输入）password (prompted when absent)"
    ),
]


def _division(code: str) -> str:
    from minsheng.codes.divisions import canonical, divisions
    from minsheng.errors import DivisionError

    try:
        canon = canonical(code)
        divisions().lookup_or_raise(canon)
    except DivisionError as exc:
        raise MinshengError(f"区划代码无效：{exc.zh}", f"invalid division: {exc.en}") from None
    return canon


def _signed_in(engine: Engine, user: str, password: str) -> Principal:
    from minsheng.security.users import authenticate

    with engine.begin() as conn:
        return authenticate(conn, user, password)


@params_app.command("template")
@friendly
def template(
    out: Annotated[Path, typer.Argument(help="模板文件 template file (.xlsx)")],
    division: DivisionOption,
) -> None:
    """生成本地参数模板 Write the template: every local choice, its national rule and an example."""
    from minsheng.localparams import workbook
    from minsheng.programmes.registry import baseline

    workbook.write(out, baseline(), _division(division))
    typer.echo(f"模板已生成 template written: {out}")


@params_app.command("import")
@friendly
def import_(
    file: Annotated[Path, typer.Argument(help="填好的模板 filled-in template (.xlsx)")],
    division: DivisionOption,
    user: UserOption,
    password: PasswordOption = "",
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """导入本地参数（待审批）Import a filled-in template as a pending submission (all-or-nothing)."""
    from minsheng.bootstrap import bootstrap
    from minsheng.localparams import store, workbook
    from minsheng.programmes.registry import baseline

    shown = Output(as_json)
    engine = bootstrap(settings_for(data)).engine
    who = _signed_in(engine, user, password)
    try:
        values = workbook.read(file, baseline(), _division(division))
    except ImportRejected as exc:
        rows = [e.__dict__ for e in exc.report or []]  # type: ignore[attr-defined]
        shown.table("errors", f"{exc.zh} / {exc.en}", ERROR_COLUMNS, rows, err=True)
        shown.done()
        raise typer.Exit(1) from None
    with engine.begin() as conn:
        batch = store.submit(conn, who, values, division=_division(division), source_file=file.name)
    shown.value(
        "submission",
        batch,
        f"已提交 submitted: {batch}（{len(values)} 项取值 values），待另一人审批 pending approval by another person",
    )
    shown.done()


ERROR_COLUMNS = [
    Column("行 row", lambda r: str(r["row"] or "")),
    Column("列 column", text("column")),
    Column("值 value", lambda r: r["value"] or ""),
    Column("原因", text("reason_zh")),
    Column("reason", text("reason_en")),
]


def _decide(batch: int, user: str, password: str, note: str, data: Path | None, approve: bool) -> None:
    from minsheng.bootstrap import bootstrap
    from minsheng.localparams import store

    engine = bootstrap(settings_for(data)).engine
    who = _signed_in(engine, user, password)
    with engine.begin() as conn:
        store.decide(conn, who, batch, approve=approve, note=note)
    typer.echo(
        f"提交 {batch} 已{'批准，即时生效' if approve else '退回'} submission {batch} {'approved' if approve else 'rejected'}"
    )


@params_app.command("approve")
@friendly
def approve(
    batch: Annotated[int, typer.Argument(help="提交编号 submission id")],
    user: UserOption,
    password: PasswordOption = "",
    note: Annotated[str, typer.Option(help="审批意见 comment")] = "",
    data: DataOption = None,
) -> None:
    """批准本地参数（须由另一人）Approve a submission: it takes effect (not by its submitter)."""
    _decide(batch, user, password, note, data, approve=True)


@params_app.command("reject")
@friendly
def reject(
    batch: Annotated[int, typer.Argument(help="提交编号 submission id")],
    user: UserOption,
    note: Annotated[str, typer.Option(help="退回理由 reason (required)")],
    password: PasswordOption = "",
    data: DataOption = None,
) -> None:
    """退回本地参数 Reject a submission, with a reason."""
    _decide(batch, user, password, note, data, approve=False)


@params_app.command("list")
@friendly
def list_(
    status: Annotated[str, typer.Option(help="pending | approved | rejected (default: all)")] = "",
    division: Annotated[str, typer.Option("--division", help="区划代码前缀 division prefix")] = "",
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """本地参数提交记录 List submissions and their status."""
    from minsheng.bootstrap import bootstrap
    from minsheng.localparams import store

    engine = bootstrap(settings_for(data)).engine
    with engine.connect() as conn:
        rows = store.batches(conn, jurisdiction=division, status=status or None)
    shown = Output(as_json)
    shown.table("submissions", "本地参数提交 local-parameter submissions", BATCH_COLUMNS, rows)
    shown.done()


STATUS_ZH = {"pending": "待审批", "approved": "已批准", "rejected": "已退回"}
BATCH_COLUMNS = [
    Column("编号 id", lambda r: str(r["id"]), right=True),
    Column("区划 division", text("division")),
    Column("状态 status", lambda r: f"{STATUS_ZH[r['status']]} {r['status']}"),
    Column("取值 values", lambda r: str(r["rows"]), right=True),
    Column("文件 file", text("source_file")),
    Column("提交人 by", text("submitted_by")),
    Column("审批人 decided by", lambda r: r["decided_by"] or ""),
]


@params_app.command("export")
@friendly
def export(
    out: Annotated[Path, typer.Argument(help="导出文件 output file (.xlsx)")],
    division: DivisionOption,
    data: DataOption = None,
) -> None:
    """导出生效的本地参数（与模板同格式）Export the approved values in force, as the template."""
    from minsheng.bootstrap import bootstrap
    from minsheng.localparams import store, workbook
    from minsheng.programmes.registry import baseline
    from minsheng.security.audit import record_batch

    code = _division(division)
    engine = bootstrap(settings_for(data)).engine
    with engine.connect() as conn:
        values = store.approved_values(conn, code)
    workbook.write(out, baseline(), code, values)
    record_batch(engine, "export_local_parameters", {"file": out.name, "values": len(values)}, code)
    typer.echo(f"已导出 exported: {out}（{len(values)} 项取值 values）")


@params_app.command("missing")
@friendly
def missing(
    division: Annotated[
        str, typer.Option("--division", help="区划代码 division (default: every county in the registry)")
    ] = "",
    date: Annotated[str | None, typer.Option("--date", help="日期 YYYY-MM-DD (default: today)")] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """列出未设置的本地参数 List the required local parameters that are not set."""
    from minsheng.bootstrap import bootstrap
    from minsheng.localparams import store
    from minsheng.programmes.local_choices import missing_local_parameters
    from minsheng.programmes.registry import baseline
    from minsheng.registry.counts import counties

    when = dt.date.fromisoformat(date) if date else dt.date.today()
    engine = bootstrap(settings_for(data)).engine
    with engine.connect() as conn:
        params = store.parameters_for(conn, baseline())
        places = [_division(division)] if division else counties(conn)
    found = missing_local_parameters(params, places, when)
    shown = Output(as_json)
    rows: list[dict[str, Any]] = [m.__dict__ for m in found]
    if not found:
        shown.value(
            "missing",
            [],
            f"{'、'.join(places) or '（登记库为空 registry empty）'}：本地参数已齐全 every required local parameter is set ({when})",
        )
    else:
        shown.table("missing", f"未设置的本地参数 local parameters not set（{when}）", MISSING_COLUMNS, rows)
    shown.done()


MISSING_COLUMNS = [
    Column("区划 division", text("division")),
    Column("参数 parameter", text("parameter")),
    Column("名称", text("label_zh")),
    Column("name", text("label_en")),
]
