"""What every CLI module shares: the Typer app, consoles, error handling, progress."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from minsheng.errors import MinshengError
from minsheng.settings import Settings, get_settings

app = typer.Typer(
    help="民生 minsheng：社会救助对象库、规则即代码与动态监测。 Livelihood policy as software.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

DataOption = Annotated[
    Path | None, typer.Option("--data", help="数据目录 data directory (default ./minsheng-data, or MINSHENG_DATA)")
]


def friendly(func: F) -> F:
    """Show a MinshengError as its message in both languages and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MinshengError as exc:
            err_console.print(f"[bold red]错误[/]：{exc.zh}\n[red]error[/]: {exc.en}")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def settings_for(data: Path | None) -> Settings:
    settings = get_settings()
    return settings.model_copy(update={"data": data}) if data else settings


@contextmanager
def steps(total: int, title: str) -> Iterator[Callable[[str], None]]:
    """A progress bar advanced by named steps (the use cases call it between stages)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(title, total=total)

        def advance(name: str) -> None:
            progress.update(task, advance=1, description=f"{title}: {name}")

        yield advance
        progress.update(task, completed=total, description=f"{title}: done")
