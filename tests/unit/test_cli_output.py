"""The CLI's shared output (cli/common.py): a table never cuts a cell, on a terminal (folded to its
width) or piped (printed at its natural width, whatever COLUMNS says)."""

from __future__ import annotations

import io

import pytest

from minsheng.cli import common
from minsheng.cli.common import Column, Output, WholeConsole, text

COLUMNS = [Column("列 column", text("column")), Column("原因 reason", text("reason"))]
ROW = {"column": "residence_division", "reason": "unknown division code (not in the division list, or retired)"}


def printed(monkeypatch: pytest.MonkeyPatch, terminal: bool) -> list[str]:
    file = io.StringIO()
    monkeypatch.setattr(
        common, "console", WholeConsole(file=file, width=40, force_terminal=terminal, color_system=None)
    )
    Output(as_json=False).table("errors", "错误 errors", COLUMNS, [ROW])
    return file.getvalue().splitlines()


def cells(lines: list[str], index: int) -> str:
    """A column's text read back from a drawn table: its pieces on every body line, joined."""
    return "".join(parts[index + 1].strip() for line in lines if len(parts := line.split("│")) == len(COLUMNS) + 2)


def test_on_a_terminal_a_long_cell_is_folded_not_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = printed(monkeypatch, terminal=True)
    assert all(len(line) <= 40 for line in lines) and "…" not in "".join(lines)
    assert cells(lines, 0) == ROW["column"]
    assert cells(lines, 1).replace(" ", "") == ROW["reason"].replace(" ", "")


def test_piped_a_table_keeps_its_natural_width(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = printed(monkeypatch, terminal=False)
    [row] = [line for line in lines if ROW["column"] in line]
    assert ROW["reason"] in row and len(row) > 40
