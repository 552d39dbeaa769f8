"""Audit commands: `minsheng audit verify`."""

from __future__ import annotations

import typer

from minsheng.cli.common import DataOption, app, console, err_console, friendly, settings_for

audit_app = typer.Typer(help="审计日志 The audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
@friendly
def verify(data: DataOption = None) -> None:
    """校验审计日志 Check the hash chain: any altered, inserted or deleted entry is reported."""
    from minsheng.bootstrap import bootstrap
    from minsheng.security.audit import verify as verify_chain

    with bootstrap(settings_for(data)).engine.connect() as conn:
        result = verify_chain(conn)
    if result.ok:
        console.print(f"审计日志完整 audit log intact: {result.rows:,} 条 entries; 链头 head hash {result.head_hash}")
        console.print("请在别处保存链头哈希 keep the head hash elsewhere too: it anchors the chain.")
        return
    err_console.print(f"[bold red]审计日志被篡改[/] {result.reason_zh}\n[red]audit log tampered[/]: {result.reason_en}")
    raise typer.Exit(2)
