"""核对报告 as a PDF (fpdf2), the Chinese font embedded as a subset.

    data = render_pdf(view(report, translator("zh"), "zh"))

The font comes with the install: the PyPI package `paperang-p2-fonts-cjk` ships WenQuanYi Micro
Hei 0.2.0-beta (Apache-2.0 per the font's own name table), found through importlib.resources, so
no system font is needed. It covers every character of GBK (all 20,902 CJK Unified Ideographs),
in TrueType outlines in a collection (.ttc; fpdf2 2.8.6 and later picks the face). TrueType on
purpose: fpdf2 embeds it as a CIDFontType2 subset with Identity-H, which every viewer and text
extractor reads. Noto Sans CJK (`fonts-noto-cjk`, CFF outlines) renders too, but fpdf2 writes it
with an embedded encoding CMap from which pdfminer.six extracts nothing and pypdf garbles the
text: a report must stay searchable and copyable.

Micro Hei has 2 of the 6,592 characters of CJK Extension A, where rare characters of names
(生僻字) live; Debian's WenQuanYi Zen Hei (`fonts-wqy-zenhei`) has 6,582 of them. So where that
font is installed it is a per-glyph fallback: never needed, used for what the packaged font lacks.
A character that no loaded font has is never dropped silently (fpdf2 would only log it): the
report shows its code point instead, 〔U+36C3〕, so a reader sees that a name holds a character
the font cannot draw and can look it up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from importlib.resources import as_file, files
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from minsheng.errors import ConfigError
from minsheng.verification.view import Table, View

# The packaged font (a dependency in pyproject.toml) and the index of its regular face
# (fc-query FILE lists them; 1 is Micro Hei Mono).
FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_RESOURCE = ("fonts", "wqy-microhei.ttc")
FONT_FACE = 0
# Per-glyph fallbacks, used when installed (CJK Extension A, see the module docstring).
FALLBACK_FACES: tuple[tuple[Path, int], ...] = ((Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),)
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


@contextmanager
def font_face() -> Iterator[tuple[Path, int]]:
    """The packaged font as a file: (collection file, face index). A file on disk for an
    ordinary install; extracted for the duration of the block if the package is zipped."""
    try:
        resource = files(FONT_PACKAGE).joinpath(*FONT_RESOURCE)
    except ModuleNotFoundError:
        resource = None
    if resource is None or not resource.is_file():
        raise ConfigError(
            "找不到生成PDF所需的中文字体：请重新安装 minsheng（依赖 paperang-p2-fonts-cjk）",
            "no Chinese font for the PDF: reinstall minsheng (it depends on paperang-p2-fonts-cjk)",
        )
    with as_file(resource) as path:
        yield path, FONT_FACE


def fallback_faces() -> list[tuple[Path, int]]:
    """The installed per-glyph fallbacks, in order."""
    return [(path, face) for path, face in FALLBACK_FACES if path.exists()]


class _Report(FPDF):
    page_label = "{n}/{nb}"
    reference = ""

    def normalize_text(self, text: str) -> str:
        """Every character some loaded font can draw, else its code point (never a silent gap)."""
        covered = [font.cmap for font in self.fonts.values() if hasattr(font, "cmap")]
        if not covered:
            return super().normalize_text(text)
        return super().normalize_text(
            "".join(
                c if c.isspace() or any(ord(c) in cmap for cmap in covered) else f"〔U+{ord(c):04X}〕" for c in text
            )
        )

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=7.5)
        self.set_text_color(*GREY)
        label = self.page_label.format(n=self.page_no(), nb="{nb}")
        self.cell(0, 5, f"{self.reference} · {label}", align="C")


def render_pdf(shown: View, *, lang: str = "zh") -> bytes:
    pdf = _Report(orientation="portrait", unit="mm", format="A4")
    pdf.page_label, pdf.reference = shown.page_label, shown.reference
    pdf.set_title(f"{shown.title} · {shown.reference}")
    pdf.set_lang("zh-CN" if lang == "zh" else "en")
    pdf.set_creator("minsheng")
    with ExitStack() as stack:
        # fpdf2 reads the font files here (add_font) and subsets them at output(), below.
        faces = [(FAMILY, stack.enter_context(font_face()))]
        faces += [(f"{FAMILY}{n}", found) for n, found in enumerate(fallback_faces(), start=1)]
        for family, (path, face) in faces:
            pdf.add_font(family, "", str(path), collection_font_number=face)
            # No face is bold: headings are drawn filled and outlined (faux bold, _heading).
            pdf.add_font(family, "B", str(path), collection_font_number=face)
        pdf.set_fallback_fonts([family for family, _ in faces[1:]])
        _draw(pdf, shown)
        return bytes(pdf.output())


def _draw(pdf: FPDF, shown: View) -> None:
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    _heading(pdf, 16, 10, shown.title, align="C")
    pdf.ln(2)
    _table(pdf, Table(["", ""], [[k, v] for k, v in shown.facts]), "facts", headings=False)
    pdf.ln(1)
    pdf.set_font(FAMILY, size=BODY_PT)
    pdf.multi_cell(0, 5, shown.summary, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if shown.window_note:
        pdf.multi_cell(0, 5, shown.window_note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
