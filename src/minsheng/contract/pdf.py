"""Every PDF minsheng writes (fpdf2): A4, the Chinese font embedded as a subset, a character no
font has shown as its code point; headings, tables and a page footer drawn one way.

    with document("报告", "reference", lang="zh") as pdf:
        heading(pdf, 16, 10, "标题")
        table(pdf, ["列"], [["值"]], (100,))
    data = bytes(pdf.output())

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

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from importlib.resources import as_file, files
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from minsheng.errors import ConfigError

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


class Document(FPDF):
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


@contextmanager
def document(title: str, reference: str, *, lang: str = "zh", page_label: str = "{n}/{nb}") -> Iterator[Document]:
    """An A4 portrait document with the fonts loaded; fpdf2 reads the font files at `add_font`
    and subsets them at `output()`, which must be called inside the block."""
    pdf = Document(orientation="portrait", unit="mm", format="A4")
    pdf.page_label, pdf.reference = page_label, reference
    pdf.set_title(f"{title} · {reference}")
    pdf.set_lang("zh-CN" if lang == "zh" else "en")
    pdf.set_creator("minsheng")
    with ExitStack() as stack:
        faces = [(FAMILY, stack.enter_context(font_face()))]
        faces += [(f"{FAMILY}{n}", found) for n, found in enumerate(fallback_faces(), start=1)]
        for family, (path, face) in faces:
            # The regular face only: no face is bold, and headings are drawn filled and outlined
            # (faux bold, `heading`). Registering the file again as "B" parsed it twice: a second a PDF.
            pdf.add_font(family, "", str(path), collection_font_number=face)
        pdf.set_fallback_fonts([family for family, _ in faces[1:]])
        pdf.set_margins(15, 15, 15)
        pdf.set_auto_page_break(auto=True, margin=16)
        yield pdf


def heading(pdf: FPDF, size: float, height: float, text: str, *, align: str = "L") -> None:
    """A heading in faux bold: the glyphs filled and stroked with a hairline of their colour
    (text rendering mode 2), which reads as bold and extracts as plain text."""
    pdf.set_font(FAMILY, "", size)
    with pdf.local_context(text_mode="FILL_STROKE", line_width=size * 0.012):
        pdf.cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def paragraph(pdf: FPDF, text: str, *, size: float = BODY_PT, grey: bool = False, height: float = 5) -> None:
    pdf.set_font(FAMILY, size=size)
    pdf.set_text_color(*(GREY if grey else (0, 0, 0)))
    # left-aligned: justified text spreads a formula's spaces and a run of Chinese unevenly
    pdf.multi_cell(0, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)


def table(
    pdf: FPDF,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    show_headings: bool = True,
    size: float = BODY_PT,
    line_height: float = 4.2,
) -> None:
    """A table whose column widths are fractions of the page width; numbers keep whole (it breaks
    at spaces), a run of Chinese breaks anywhere."""
    pdf.set_font(FAMILY, size=size)
    pdf.set_text_color(0, 0, 0)
    with pdf.table(
        col_widths=tuple(widths),
        text_align="LEFT",
        wrapmode=WrapMode.WORD,
        line_height=line_height,
        padding=1,
        first_row_as_headings=show_headings,
        headings_style=FontFace(fill_color=HEADING_FILL),  # set apart by the fill (there is no bold face)
    ) as out:
        if show_headings:
            out.row(list(headings))
        for row in rows:
            out.row(list(row))
