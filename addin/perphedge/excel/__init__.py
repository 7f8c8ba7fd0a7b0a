"""The xlwings surface: thin wrappers over ``core`` and ``market``."""
