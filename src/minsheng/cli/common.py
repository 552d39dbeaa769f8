"""What every CLI module shares: the Typer app, consoles, output (tables or --json), error handling, progress."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from minsheng.errors import MinshengError

if TYPE_CHECKING:  # pydantic-settings is imported by the commands that read settings, not by every start
    from minsheng.settings import Settings

app = typer.Typer(
    help="民生 minsheng：社会救助对象库、规则即代码与动态监测。 Livelihood policy as software.",
    no_args_is_help=True,
    add_completion=False,
)
UNBOUNDED = 100_000  # a width no table reaches: to measure a table's natural width


class WholeConsole(Console):
    """Rich's console, except that output which is not a terminal (a pipe, a file, a log, a test
    runner) is never wrapped or cut to a width: a table is printed at its natural width and a
    line (a path, an error) is never broken, so what is piped or grepped is whole."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        if self.is_terminal:
            super().print(*objects, **kwargs)
            return
        kwargs.setdefault("soft_wrap", True)
        unbounded = self.options.update_width(UNBOUNDED)
        natural = max((self.measure(o, options=unbounded).maximum for o in objects if isinstance(o, Table)), default=0)
        if natural <= self.width:
            super().print(*objects, **kwargs)
            return
        # print() never renders wider than the console; widen it for this one call.
        chosen = self._width
        self.width = natural
        try:
            super().print(*objects, **kwargs)
        finally:
            self._width = chosen


console = WholeConsole()
err_console = WholeConsole(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

DataOption = Annotated[
    Path | None, typer.Option("--data", help="数据目录 data directory (default ./minsheng-data, or MINSHENG_DATA)")
]
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", help="输出JSON供程序读取（进度写到stderr）machine-readable JSON on stdout, progress on stderr"
    ),
]
Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    """A column of a table as people read it: its heading and how a row shows in it."""

    heading: str
    show: Callable[[Row], str]
    right: bool = False


def text(key: str) -> Callable[[Row], str]:
    return lambda row: "" if row[key] is None else str(row[key])


def count(key: str) -> Callable[[Row], str]:
    return lambda row: f"{row[key]:,}"


def count_column(heading: str, key: str) -> Column:
    return Column(heading, count(key), right=True)


class Output:
    """What a command prints: tables and sentences for people, or with --json one JSON document
    on stdout holding the same rows in full (numbers as numbers), for programs.

        out = Output(as_json)
        out.table("files", "导入完成 import finished", columns, rows)
        out.value("error_report", str(path), f"错误报告 error report: {path}")
        out.done()
    """

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.document: dict[str, Any] = {}

    @property
    def progress(self) -> Console:
        """Where progress goes: stderr when stdout carries the JSON document."""
        return err_console if self.as_json else console

    def table(
        self,
        key: str,
        title: str,
        columns: list[Column],
        rows: list[Row],
        *,
        limit: int | None = None,
        footer: Row | None = None,
        err: bool = False,
    ) -> None:
        """The rows under `key` in JSON; else a table of at most `limit` rows (and a bold footer,
        such as a total), which folds a long cell on a terminal and is never cut
        (overflow="fold": no "…" in a column name or a reason)."""
        if self.as_json:
            self.document[key] = rows
            return
        table = Table(title=title)
        for column in columns:
            table.add_column(column.heading, justify="right" if column.right else "left", overflow="fold")
        for row in rows[:limit]:
            table.add_row(*(column.show(row) for column in columns))
        if footer is not None:
            table.add_row(*(column.show(footer) for column in columns), style="bold")
        out = err_console if err else console
        out.print(table)
        if limit is not None and len(rows) > limit:
            more = len(rows) - limit
            out.print(f"…… 另有{more}处 and {more} more (see the report)")

    def value(self, key: str, value: Any, sentence: str | None = None, *, err: bool = False) -> None:
        """`value` under `key` in JSON; else the sentence, if there is one."""
        if self.as_json:
            self.document[key] = value
        elif sentence is not None:
            (err_console if err else console).print(sentence)

    def unset_parameters(self, unset: list[Any]) -> None:
        """Say up front which local parameters are not set (`programmes.local_choices.Missing`
        items), so a county without its own standard does not read a silent sea of unknowns."""
        if not unset:
            return
        from minsheng.programmes.local_choices import missing_summary

        self.value(
            "local_parameters_not_set",
            [{"division": m.division, "parameter": m.parameter} for m in unset],
            f"{missing_summary(unset)}\n{missing_summary(unset, 'en')}",
        )

    def say(self, sentence: str, *, err: bool = False) -> None:
        """A sentence for people only (what it says is in the JSON document elsewhere, or not needed)."""
        if not self.as_json:
            (err_console if err else console).print(sentence)

    def done(self) -> None:
        if self.as_json:
            typer.echo(json.dumps(self.document, ensure_ascii=False, indent=2, default=str))


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
    from minsheng.settings import get_settings

    settings = get_settings()
    return settings.model_copy(update={"data": data}) if data else settings


@contextmanager
def steps(total: int, title: str, out: Console | None = None) -> Iterator[Callable[[str], None]]:
    """A progress bar advanced by named steps (the use cases call it between stages), on `out`
    (default stdout; `Output.progress` under --json)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=out or console,
        transient=False,
    ) as progress:
        task = progress.add_task(title, total=total)

        def advance(name: str) -> None:
            progress.update(task, advance=1, description=f"{title}: {name}")

        yield advance
        progress.update(task, completed=total, description=f"{title}: done")
