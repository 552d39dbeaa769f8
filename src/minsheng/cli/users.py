"""User commands: `minsheng users add`."""

from __future__ import annotations

from typing import Annotated

import typer

from minsheng.cli.common import DataOption, app, console, friendly, settings_for

users_app = typer.Typer(help="用户管理 Users.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
@friendly
def add(
    username: Annotated[str, typer.Argument(help="用户名 user name")],
    role: Annotated[
        str,
        typer.Option(
            help="角色 role: village_caseworker, township_caseworker, county_reviewer, "
            "city_analyst, province_analyst, administrator"
        ),
    ],
    jurisdiction: Annotated[str, typer.Option(help="辖区区划代码 jurisdiction (division code)")],
    name: Annotated[str, typer.Option(help="姓名 display name")] = "",
    password: Annotated[
        str,
        typer.Option(
            prompt="密码 password",
            hide_input=True,
            confirmation_prompt=True,
            help="密码（不带此项时交互输入）password (prompted when absent)",
        ),
    ] = "",
    data: DataOption = None,
) -> None:
    """添加用户 Add a user with a role and a jurisdiction (password hashed with argon2id)."""
    from minsheng.bootstrap import bootstrap
    from minsheng.security.audit import cli_actor, record
    from minsheng.security.users import ROLES, create_user

    engine = bootstrap(settings_for(data)).engine
    with engine.begin() as conn:
        who = create_user(conn, username, name or username, role, jurisdiction, password)
        record(conn, cli_actor(), "add_user", "user", username, {"role": role, "jurisdiction": who.jurisdiction})
    console.print(f"已添加用户 user added: {who.username}（{ROLES[who.role][0]} {who.role}，辖区 {who.jurisdiction}）")
