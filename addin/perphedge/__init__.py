"""perphedge: size, stress-test, cost and monitor perpetual-futures hedges of spot crypto.

Importing the package loads nothing heavy; Excel imports it on every button click and
UDF call, so the sub-packages are imported where they are used.
"""

__version__ = "0.1.0"


def main() -> None:
    """Ribbon entry point: refresh the active workbook's Market table in Excel.

    The xlwings ribbon template runs ``import perphedge; perphedge.main()`` because the
    add-in file is named ``perphedge.xlam``.
    """
    from perphedge.excel.ribbon import refresh_active_workbook

    refresh_active_workbook()
