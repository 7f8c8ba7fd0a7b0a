"""openpyxl: the template builder, headless refresh, share and check."""
