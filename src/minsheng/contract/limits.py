"""How large an input file may be, in one place: what `contract.files` and
`contract.workbooks` refuse before they parse anything.

The sizes the project really handles: the import benchmark reads a 1,000,000-person
registry as CSV (about 185 MB); the web desk takes uploads of up to 200 MB; a
100,000-row, 27-column persons sheet is a 22 MB .xlsx whose sheet inflates to 110 MB
and whose shared strings to 16 MB (ratio 5–10). Every limit leaves room over that and
stops well short of what would take the server's memory.
"""

from __future__ import annotations

MAX_FILE_BYTES = 2 * 1024**3  # any input file; beyond this a county should split it, said clearly
MAX_COLUMNS = 300  # the contract has under 60 columns; extra ones are ignored, but not a million
MAX_HEADER_BYTES = 1024**2  # a header line of MAX_COLUMNS long names is a few tens of KB
MAX_ROWS = 10_000_000  # CSV and Parquet: ten times the largest registry the project imports

# .xlsx (a zip of XML, inflated in memory by the parser)
MAX_XLSX_BYTES = 512 * 1024**2  # the file as stored
MAX_XLSX_PART_BYTES = 1024**3  # one part inflated
MAX_XLSX_TOTAL_BYTES = 2 * 1024**3  # all parts inflated
MAX_XLSX_PARTS = 2_000
MAX_XLSX_RATIO = 100  # inflated / compressed for a part over XLSX_RATIO_FROM_BYTES (Apache POI's default too)
XLSX_RATIO_FROM_BYTES = 1024**2
MAX_XLSX_ROWS = 200_000  # data rows of one sheet; a county's persons beyond that come as CSV
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_XLSX_CELL_BYTES = MAX_CELL_CHARS * 8  # one cell's XML with every character escaped (&#12345;) at worst
MAX_XLSX_CELL_TEXT_BYTES = 1024**3  # shared-string text the parser would copy into cells, all cells together
