"""核对报告 as a PDF, drawn with `contract.pdf` (A4, the Chinese font embedded as a subset; see
that module for the font and the code point shown for a character no font has).

    data = render_pdf(view(report, translator("zh"), "zh"))
"""

from __future__ import annotations

from fpdf import FPDF

from minsheng.contract.pdf import document, heading, paragraph, table
from minsheng.verification.view import Table, View

# Column widths as fractions of the page width, per table.
WIDTHS = {
    "facts": (22, 78),
    "members": (30, 30, 40),
    "items": (9, 14, 11, 30, 11, 12, 7),
    "programmes": (18, 19, 19, 10, 34),
    "records": (12, 12, 14, 10, 52),
}


def render_pdf(shown: View, *, lang: str = "zh") -> bytes:
    with document(shown.title, shown.reference, lang=lang, page_label=shown.page_label) as pdf:
        _draw(pdf, shown)
        return bytes(pdf.output())


def _draw(pdf: FPDF, shown: View) -> None:
    pdf.add_page()
    heading(pdf, 16, 10, shown.title, align="C")
    pdf.ln(2)
    _table(pdf, Table(["", ""], [[k, v] for k, v in shown.facts]), "facts", headings=False)
    pdf.ln(1)
    paragraph(pdf, shown.summary)
    if shown.window_note:
        paragraph(pdf, shown.window_note)
    for key in ("members", "items", "programmes", "records"):
        pdf.ln(3)
        if pdf.will_page_break(30):  # a heading goes with at least the first rows of its table
            pdf.add_page()
        heading(pdf, 11, 7, shown.sections[key])
        _table(pdf, getattr(shown, key), key)
    pdf.ln(3)
    paragraph(pdf, shown.note, size=7.5, grey=True, height=4)


def _table(pdf: FPDF, shown: Table, key: str, *, headings: bool = True) -> None:
    table(pdf, shown.headings, shown.rows, WIDTHS[key], show_headings=headings)
