"""核对报告 as a PDF (fpdf2), the Chinese font embedded as a subset.

    data = render_pdf(view(report, translator("zh"), "zh"))

The font comes from a Debian package the project installs (`.ci/run`): `fonts-wqy-zenhei`,
WenQuanYi Zen Hei, TrueType outlines in a collection (.ttc; fpdf2 2.8.6 and later picks the
face). TrueType on purpose: fpdf2 embeds it as a CIDFontType2 subset with Identity-H, which
every viewer and text extractor reads. Noto Sans CJK (`fonts-noto-cjk`, CFF outlines) renders
too, but fpdf2 writes it with an embedded encoding CMap from which pdfminer.six extracts
nothing and pypdf garbles the text: a report must stay searchable and copyable. Without the
font the PDF is refused with a sentence that names the package, never drawn in boxes.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from minsheng.errors import ConfigError
from minsheng.verification.view import Table, View

# TrueType collections and the index of the regular face in each (fc-query FILE lists them)
FONTS: tuple[tuple[Path, int], ...] = (
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),  # WenQuanYi Zen Hei (1: Mono, 2: Sharp)
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),  # WenQuanYi Micro Hei
)
FAMILY = "cjk"
BODY_PT = 8.5
GREY = (90, 90, 90)
HEADING_FILL = (235, 235, 235)
# Column widths as fractions of the page width, per table.
WIDTHS = {
    "facts": (22, 78),
    "members": (30, 30, 40),
    "items": (9, 14, 11, 30, 11, 12, 7),
    "programmes": (18, 19, 19, 10, 34),
    "records": (12, 12, 14, 10, 52),
}


def font_face() -> tuple[Path, int]:
    """The first installed font: (collection file, face index)."""
    for path, face in FONTS:
        if path.exists():
            return path, face
    raise ConfigError(
        "找不到生成PDF所需的中文字体：请安装 Debian 软件包 fonts-wqy-zenhei",
        "no Chinese font for the PDF: install the Debian package fonts-wqy-zenhei",
    )


class _Report(FPDF):
    page_label = "{n}/{nb}"
    reference = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=7.5)
        self.set_text_color(*GREY)
        label = self.page_label.format(n=self.page_no(), nb="{nb}")
        self.cell(0, 5, f"{self.reference} · {label}", align="C")


def render_pdf(shown: View, *, lang: str = "zh") -> bytes:
    path, face = font_face()
    pdf = _Report(orientation="portrait", unit="mm", format="A4")
    pdf.page_label, pdf.reference = shown.page_label, shown.reference
    pdf.set_title(f"{shown.title} · {shown.reference}")
    pdf.set_lang("zh-CN" if lang == "zh" else "en")
    pdf.set_creator("minsheng")
    pdf.add_font(FAMILY, "", str(path), collection_font_number=face)
    # The font has no bold face: headings are drawn filled and outlined (faux bold, _heading).
    pdf.add_font(FAMILY, "B", str(path), collection_font_number=face)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    _heading(pdf, 16, 10, shown.title, align="C")
    pdf.ln(2)
    _table(pdf, Table(["", ""], [[k, v] for k, v in shown.facts]), "facts", headings=False)
    pdf.ln(1)
    pdf.set_font(FAMILY, size=BODY_PT)
    pdf.multi_cell(0, 5, shown.summary, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for key in ("members", "items", "programmes", "records"):
        pdf.ln(3)
        if pdf.will_page_break(30):  # a heading goes with at least the first rows of its table
            pdf.add_page()
        _heading(pdf, 11, 7, shown.sections[key])
        _table(pdf, getattr(shown, key), key)
    pdf.ln(3)
    pdf.set_font(FAMILY, size=7.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 4, shown.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _heading(pdf: FPDF, size: float, height: float, text: str, *, align: str = "L") -> None:
    """A heading in faux bold: the glyphs filled and stroked with a hairline of their colour
    (text rendering mode 2), which reads as bold and extracts as plain text."""
    pdf.set_font(FAMILY, "B", size)
    with pdf.local_context(text_mode="FILL_STROKE", line_width=size * 0.012):
        pdf.cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: FPDF, table: Table, key: str, *, headings: bool = True) -> None:
    pdf.set_font(FAMILY, size=BODY_PT)
    pdf.set_text_color(0, 0, 0)
    with pdf.table(
        col_widths=WIDTHS[key],
        text_align="LEFT",
        # Break at spaces, so an amount stays whole; a run of Chinese (no spaces) breaks anywhere.
        wrapmode=WrapMode.WORD,
        line_height=4.2,
        padding=1,
        first_row_as_headings=headings,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
    ) as out:
        if headings:
            out.row(table.headings)
        for row in table.rows:
            out.row(row)
