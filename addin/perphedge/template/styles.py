"""The workbook's look: fonts, fills, borders and the helpers that apply them.

One palette for every sheet: dark slate headings, pale yellow for cells a person types
into, no fill for computed cells, amber/red for what needs attention.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

FONT_NAME = "Calibri"

INK = "1F2A37"
MUTED = "5B6B7C"
ACCENT = "1F4E79"
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
SETTING_FILL = PatternFill("solid", fgColor="FFF2B3")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
SECTION_FILL = PatternFill("solid", fgColor="DCE6F1")
WARN_FILL = PatternFill("solid", fgColor="FCE4C4")
BAD_FILL = PatternFill("solid", fgColor="F8CBAD")
GOOD_FILL = PatternFill("solid", fgColor="E2EFDA")

TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True, color=ACCENT)
SUBTITLE_FONT = Font(name=FONT_NAME, size=10, italic=True, color=MUTED)
HEADING_FONT = Font(name=FONT_NAME, size=11, bold=True, color=ACCENT)
HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True, color="FFFFFF")
BODY_FONT = Font(name=FONT_NAME, size=10, color=INK)
BOLD_FONT = Font(name=FONT_NAME, size=10, bold=True, color=INK)
LABEL_FONT = Font(name=FONT_NAME, size=10, color=MUTED)
WARN_FONT = Font(name=FONT_NAME, size=10, color="9C4A00")
RED_FONT = Font(name=FONT_NAME, size=10, color="C00000")

THIN = Side(style="thin", color="B7C3D0")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP_RULE = Border(top=Side(style="medium", color=ACCENT))

HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center")
MIDDLE = Alignment(vertical="center")
CENTER = Alignment(horizontal="center", vertical="center")
RIGHT = Alignment(horizontal="right", vertical="center")
TEXT_MIDDLE = Alignment(horizontal="left", vertical="center", indent=1)
WRAP_MIDDLE = Alignment(vertical="center", wrap_text=True, indent=1)

TABLE_STYLE = "TableStyleLight9"

# Chart axis number formats: a chart engine picks the tick values, so an axis format must read
# right at any scale (a money axis of 0 … 1 must not read $0, $0, $1, $1). Stated here once.
#: Money in the quote currency (treated as USD): whole dollars from $1,000 up, every digit the
#: tick has below that ($0.2, $0.25), negatives with a minus and cents.
AXIS_MONEY = '[>=1000]"$"#,##0;[<0]-"$"#,##0.00;"$"General'
#: Fractions shown as percent with one or two decimals (a funding APR of 0.5 % reads 0.5%).
AXIS_PERCENT = "0.0#%;-0.0#%"
#: Whole percent for an axis of round shocks (−50 % … +50 % in steps of 10 %).
AXIS_SHOCK = "0%"
#: Date axes name the day: a month alone repeats when two ticks fall in the same month.
AXIS_DATE = "yyyy-mm-dd"


def title(ws: Worksheet, text: str, subtitle: str | None = None) -> None:
    ws["A1"] = text
    ws["A1"].font = TITLE_FONT
    ws.row_dimensions[1].height = 24
    if subtitle:
        ws["A2"] = subtitle
        ws["A2"].font = SUBTITLE_FONT


def wrap_across(ws: Worksheet, ref: str, last_col: str, width_chars: float) -> None:
    """Fit the text of ``ref`` within the printed width: merged from its column to
    ``last_col`` (about ``width_chars`` characters wide), wrapped, the row tall enough for
    its lines. A long line left to spill over empty cells is cut at the page's edge."""
    cell = ws[ref]
    text = str(cell.value or "")
    col, row = ref.rstrip("0123456789"), int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    ws.merge_cells(f"{col}{row}:{last_col}{row}")
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    fit_row(ws, row, text, width_chars)


def fit_row(ws: Worksheet, row: int, text: str, width_chars: float) -> None:
    """Make ``row`` tall enough for ``text`` wrapped in a column ``width_chars`` wide (never
    lower than it is): a file shows and prints the height it was given, so the lines of a
    wrapped text are counted here."""
    lines = max(1, -(-len(text) // max(int(width_chars * 1.1), 1)))  # small fonts: ~1.1 per width unit
    if lines > 1 or ws.row_dimensions[row].height:
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, 13.0 * lines + 2)


def header_row(ws: Worksheet, row: int, first_col: int, headers: tuple[str, ...] | list[str],
               height: float = 30) -> None:
    for i, text in enumerate(headers):
        c = ws.cell(row=row, column=first_col + i, value=text)
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
        c.alignment = HEADER_ALIGN
    ws.row_dimensions[row].height = height


def page_setup(ws: Worksheet, print_area: str, landscape: bool = True,
               title_rows: str | None = None, pages_wide: int = 1,
               title_cols: str | None = None) -> None:
    """Landscape, fit to ``pages_wide`` pages across, print area, repeated titles."""
    ws.print_area = print_area
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = pages_wide
    if title_cols:
        ws.print_title_cols = title_cols
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "&A — page &P of &N"
    ws.oddFooter.center.size = 8
