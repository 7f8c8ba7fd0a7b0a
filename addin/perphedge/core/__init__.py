"""Pure hedge math and conventions. Standard library (+ numpy for regression) only:
importing this package must not load ccxt, xlwings, openpyxl or pandas."""
