"""An .xlsx checked before it is parsed: a small file must not be able to take the server's memory.

An .xlsx is a zip of XML. The parser (calamine, through fastexcel) inflates the shared
strings and the sheet in memory and copies a shared string into every cell that refers
to it, so a 1 MB file holding one 1 GB string, or a sheet of two million rows, exhausts
the machine. `inspect` refuses such a workbook first, looking at what the zip declares
and streaming through the parts the parser would read in 1 MiB pieces (never holding
more than one piece and one cell):

- the file, each part, and all parts together have a size limit, and a large part may
  not be inflated from a tiny one (compression ratio);
- the declared sizes are proved while streaming (Python's zip reader stops at the
  declared size and then checks the CRC, so a part that lies is refused, not trusted);
- each sheet's declared dimension, and the rows it really has, are within the limits;
- no shared string is longer than a cell may be, and the text the parser would copy
  into cells (shared-string references × longest shared string, or counted exactly
  when that product is too large) stays within a budget.

The limits admit a 100,000-row registry workbook with room to spare (benchmarks use
100,000 households; an .xlsx of the persons of a large county is over that and belongs
in CSV, which the message says).
"""

from __future__ import annotations

import re
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from minsheng.contract import limits
from minsheng.errors import ImportRejected

CHUNK = 1 << 20


@dataclass
class _Sheet:
    name: str
    rows: int = 0
    shared_refs: int = 0  # cells of type "s": each copies a shared string


def inspect(path: Path) -> None:
    """`ImportRejected` (without a file name: the caller adds it) when parsing `path` could
    take too much memory."""
    stat = path.stat()
    _inspect(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)  # one workbook is read once per kind it holds; inspect it once
def _inspect(path: str, size: int, _mtime: int) -> None:
    if size > limits.MAX_XLSX_BYTES:
        raise ImportRejected(
            f"Excel文件过大（{size / 1024**2:.0f} MB，上限 {limits.MAX_XLSX_BYTES // 1024**2} MB），请另存为CSV或按乡镇拆分",
            f"workbook too large ({size / 1024**2:.0f} MB, limit {limits.MAX_XLSX_BYTES // 1024**2} MB): "
            "save it as CSV or split it by township",
        )
    try:
        with zipfile.ZipFile(path) as book:
            _check_parts(book)
            strings = _shared_strings(book)
            sheets = [_sheet(book, info) for info in book.infolist() if _is_sheet(info.filename)]
    # What zipfile raises on a damaged or hostile archive: a bad or truncated zip, a Zip64 it
    # refuses, a compression method it does not implement (zipfile's own NotImplementedError, e.g.
    # method 99 of an encrypted member), a bad CRC or header (ValueError). Each is a file we refuse.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError) as exc:
        raise ImportRejected(
            f"不是有效的Excel（.xlsx）文件，或文件已损坏：{exc}",
            f"not a valid .xlsx workbook, or the file is damaged: {exc}",
        ) from None
    refs = sum(s.shared_refs for s in sheets)
    longest = max(strings, default=0)
    if refs * longest > limits.MAX_XLSX_CELL_TEXT_BYTES:  # the cheap bound failed: count what each cell copies
        with zipfile.ZipFile(path) as book:
            copied = sum(_copied_bytes(book, s.name, strings) for s in sheets)
        if copied > limits.MAX_XLSX_CELL_TEXT_BYTES:
            raise ImportRejected(
                f"Excel文件中的文字展开后过多（约{copied / 1024**2:,.0f} MB，上限 {limits.MAX_XLSX_CELL_TEXT_BYTES // 1024**2} MB）",
                f"the workbook's cells would hold too much text (about {copied / 1024**2:,.0f} MB, "
                f"limit {limits.MAX_XLSX_CELL_TEXT_BYTES // 1024**2} MB)",
            )


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml") and name.count("/") == 2


def _check_parts(book: zipfile.ZipFile) -> None:
    parts = book.infolist()
    if len(parts) > limits.MAX_XLSX_PARTS:
        raise ImportRejected(
            f"Excel文件的内部部件过多（{len(parts)}个，上限 {limits.MAX_XLSX_PARTS}）",
            f"the workbook has too many parts ({len(parts)}, limit {limits.MAX_XLSX_PARTS})",
        )
    total = 0
    for info in parts:
        total += info.file_size
        if info.file_size > limits.MAX_XLSX_PART_BYTES or total > limits.MAX_XLSX_TOTAL_BYTES:
            raise ImportRejected(
                f"Excel文件解压后过大（{info.filename}），上限 {limits.MAX_XLSX_PART_BYTES // 1024**2} MB/部件、"
                f"共 {limits.MAX_XLSX_TOTAL_BYTES // 1024**2} MB：请另存为CSV",
                f"the workbook is too large once inflated ({info.filename}); limits {limits.MAX_XLSX_PART_BYTES // 1024**2} MB "
                f"a part, {limits.MAX_XLSX_TOTAL_BYTES // 1024**2} MB in all: save it as CSV",
            )
        if info.file_size > limits.XLSX_RATIO_FROM_BYTES and info.file_size > limits.MAX_XLSX_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            raise ImportRejected(
                f"Excel文件的压缩比异常（{info.filename} 为 {ratio:,.0f} 倍，上限 {limits.MAX_XLSX_RATIO} 倍），疑似压缩炸弹，拒绝读取",
                f"the workbook's compression ratio is implausible ({info.filename}: {ratio:,.0f}x, "
                f"limit {limits.MAX_XLSX_RATIO}x); refused as a possible zip bomb",
            )


def _stream(book: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """The part's inflated bytes in pieces; stops at the declared size, CRC checked at the end."""
    with book.open(name) as part:
        while piece := part.read(CHUNK):
            yield piece


def _prefix(head: bytes, root: bytes) -> bytes:
    """`x:` when the part writes its elements with a namespace prefix (<x:worksheet …>)."""
    found = re.search(rb"<([A-Za-z_][\w.-]*:)?" + root + rb"[\s>/]", head)
    return found.group(1) or b"" if found else b""


def _shared_strings(book: zipfile.ZipFile) -> array[int]:
    """The byte length of each shared string (its <si> element); refuses one longer than a cell."""
    lengths: array[int] = array("Q")
    name = next((i.filename for i in book.infolist() if i.filename.lower() == "xl/sharedstrings.xml"), None)
    if name is None:
        return lengths
    tag = b""
    tail = b""  # the segment still open: the <sst> head at first, then the string being read
    in_head = True
    for piece in _stream(book, name):
        if not tag:
            tag = b"<" + _prefix(piece[:4096], b"sst") + b"si"
        segments = (tail + piece).split(tag)
        tail = segments.pop()
        if in_head and segments:
            in_head = False
            segments = segments[1:]
        lengths.extend(map(len, segments))
        if len(tail) > limits.MAX_XLSX_CELL_BYTES:
            _too_long()
    if not in_head:
        lengths.append(len(tail))  # the last string (and the closing </sst>)
    if max(lengths, default=0) > limits.MAX_XLSX_CELL_BYTES:
        _too_long()
    return lengths


def _too_long() -> None:
    raise ImportRejected(
        f"Excel文件中有超长的单元格（超过 {limits.MAX_CELL_CHARS:,} 个字符，Excel本身的上限）",
        f"the workbook has a cell longer than {limits.MAX_CELL_CHARS:,} characters (Excel's own limit)",
    )


def _sheet(book: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Sheet:
    """Rows (declared and counted) and shared-string references of one sheet, streamed."""
    sheet = _Sheet(info.filename)
    rows = b""
    refs = [b't="s']  # t="s" (and t="str", rarer: an upper bound is all that is needed)
    carry = b""
    for piece in _stream(book, info.filename):
        if not rows:
            prefix = _prefix(piece[:4096], b"worksheet")
            rows = b"<" + prefix + b"row"  # <row …> (and the one <rowBreaks> after the data)
            if b"='" in piece[:4096]:  # a writer that quotes attributes with '
                refs.append(b"t='s")
            _check_dimension(piece[:65536], prefix)
        text = carry + piece
        sheet.rows += _count_new(text, rows, len(carry))
        sheet.shared_refs += sum(_count_new(text, p, len(carry)) for p in refs)
        carry = piece[-16:]  # a tag cut between two pieces is found in the next one
        if sheet.rows - 1 > limits.MAX_XLSX_ROWS:
            _too_many_rows(sheet.rows - 1)
    return sheet


def _count_new(text: bytes, pattern: bytes, carried: int) -> int:
    """Occurrences of `pattern` in `text` not already counted in the carried bytes before it."""
    return text.count(pattern, max(0, carried - len(pattern) + 1))


_DIMENSION = rb"dimension\s+ref=[\"']([A-Z]{1,3})?([0-9]{0,7})(?::([A-Z]{1,3})([0-9]{1,7}))?[\"']"


def _check_dimension(head: bytes, prefix: bytes) -> None:
    """The sheet's declared extent (<dimension ref="A1:AA100001"/>): the parser sizes its grid by it."""
    found = re.search(rb"<" + re.escape(prefix) + _DIMENSION, head)
    if not found:
        return
    first_col, first_row, last_col, last_row = (g.decode() if g else "" for g in found.groups())
    if last_col and last_row:
        rows = int(last_row) - int(first_row or 1) + 1
        columns = _column_number(last_col) - _column_number(first_col or "A") + 1
    else:
        rows, columns = 1, 1
    if rows - 1 > limits.MAX_XLSX_ROWS:
        _too_many_rows(rows - 1)
    if columns > limits.MAX_COLUMNS:
        raise too_many_columns(columns)


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - ord("A") + 1
    return n


def _too_many_rows(rows: int) -> None:
    raise ImportRejected(
        f"Excel工作表行数过多（{rows:,}行，上限 {limits.MAX_XLSX_ROWS:,} 行）：请另存为CSV（CSV无此限制）或按乡镇拆分",
        f"too many rows in a sheet ({rows:,}, limit {limits.MAX_XLSX_ROWS:,}): save it as CSV (no such limit) "
        "or split it by township",
    )


def too_many_columns(columns: int) -> ImportRejected:
    return ImportRejected(
        f"列数过多（{columns:,}列，上限 {limits.MAX_COLUMNS} 列）：请只保留数据约定中的列",
        f"too many columns ({columns:,}, limit {limits.MAX_COLUMNS}): keep only the contract's columns",
    )


def _copied_bytes(book: zipfile.ZipFile, name: str, strings: array[int]) -> int:
    """The bytes of shared-string text a sheet's cells refer to, counted cell by cell (only for
    a workbook the cheap bound could not clear: long shared strings referred to very often)."""
    ref = re.compile(rb"""t=["']s["'][^>]*>\s*<(?:[\w.-]+:)?v>([0-9]+)<""")
    total = 0
    carry = b""
    for piece in _stream(book, name):
        text = carry + piece
        cut = text.rfind(b"c>") + 2  # after the last complete cell (</c> or </x:c>)
        if cut < 2 or len(text) - cut > CHUNK:
            cut = len(text)
        body, carry = text[:cut], text[cut:]
        for index in ref.findall(body):
            i = int(index)
            total += strings[i] if i < len(strings) else 0
        if total > limits.MAX_XLSX_CELL_TEXT_BYTES:
            break
    return total
