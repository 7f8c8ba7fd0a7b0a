"""Builds perphedge.xlam from xlwings' own add-in template and installs it."""
