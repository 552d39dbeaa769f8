"""Lists as .xlsx downloads, written in memory (no copy left on the server's disk).

A title above the table, headers in the page's language, amounts as numbers rounded to the
fen and shown with two decimals, a filter button on every header, frozen header, A4 landscape
fitted to the page width: a caseworker can sort, filter, sum and print it as is. Every string
is written as text (`contract.sheets.workbook`): a name or id typed as `=HYPERLINK(…)` is
shown, never run.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl
from fastapi.responses import Response

from minsheng.contract import sheets

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
A4 = 9  # xlsxwriter's paper index for A4


def workbook(frame: pl.DataFrame, sheet: str, *, title: str, notes: Sequence[str] = ()) -> bytes:
    """One sheet: the title in A1, the table from A3, then the notes one per row below it."""
    frame = frame.with_columns(pl.col(pl.Float32, pl.Float64).round(2))  # yuan: to the fen
    buffer = io.BytesIO()
    with sheets.workbook(buffer, {"in_memory": True}) as book:
        ws = book.add_worksheet(sheet[:31])
        ws.write(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
        ws.set_paper(A4)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2)  # the header on every printed page
        frame.write_excel(
            book,
            ws,
            position=(2, 0),
            autofit=True,
            freeze_panes=(3, 0),
            **sheets.TABLE_OPTIONS,
            header_format={"bold": True, "bg_color": "#EEF2F6", "border": 1},
        )
        for i, note in enumerate(notes):
            ws.write(frame.height + 4 + i, 0, note)
    return buffer.getvalue()


def download(data: bytes, filename: str) -> Response:
    """An attachment the browser saves; never cached (it names people)."""
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
