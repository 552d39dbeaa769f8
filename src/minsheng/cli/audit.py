"""Audit commands: `minsheng audit verify`, `minsheng audit anchor`."""

from __future__ import annotations

import dataclasses

import typer

from minsheng.cli.common import DataOption, JsonOption, Output, app, console, err_console, friendly, settings_for

audit_app = typer.Typer(help="审计日志 The audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _verify_and_anchor(data: DataOption, shown: Output | None = None) -> tuple[str, str]:
    """Verify, and anchor the chain's end when it is intact (a tampered chain exits 2);
    returns the anchor line and the public key that checks it. With `shown` under --json, the
    result is its JSON document instead of the sentences."""
    from minsheng.bootstrap import bootstrap
    from minsheng.security.audit import anchor_public_key, verify_and_anchor

    engine = bootstrap(settings_for(data)).engine
    result, line = verify_and_anchor(engine)
    if shown is not None and shown.as_json:
        shown.document.update(dataclasses.asdict(result), anchor=(line or "").rstrip("\n") or None)
        shown.done()
        if not result.ok:
            raise typer.Exit(2)
        return (line or "").rstrip("\n"), anchor_public_key(engine)
    if not result.ok:
        err_console.print(
            f"[bold red]审计日志被篡改[/] {result.reason_zh}\n[red]audit log tampered[/]: {result.reason_en}"
        )
        raise typer.Exit(2)
    console.print(
        f"审计日志完整 audit log intact: {result.rows:,} 条 entries, 对照 checked against {result.anchors:,} "
        f"个锚点 anchors; 链头 head hash {result.head_hash}",
        highlight=False,
    )
    return (line or "").rstrip("\n"), anchor_public_key(engine)


@audit_app.command("verify")
@friendly
def verify(data: DataOption = None, as_json: JsonOption = False) -> None:
    """校验审计日志 Check the keyed hash chain against the anchors; an intact chain gets a new anchor."""
    shown = Output(as_json)
    _verify_and_anchor(data, shown)
    shown.say("已签发新锚点 a new anchor is in audit-anchors.jsonl: copy that file off this machine too.")


@audit_app.command("anchor")
@friendly
def anchor(data: DataOption = None) -> None:
    """签发锚点 Verify, sign an anchor for the chain's end and print it, for the daily report."""
    line, public_key = _verify_and_anchor(data)
    console.print("请将下面一行抄送到本机以外 keep this line somewhere off this machine:")
    typer.echo(line)
    console.print(f"锚点签名公钥 the anchors' public key (Ed25519): {public_key}", highlight=False)
