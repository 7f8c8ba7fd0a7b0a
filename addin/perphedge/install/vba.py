"""Read the add-in's VBA back (never edit it): module code, procedures, xlwings version.

The template's VBA loads ``xlwings64-<version>.dll`` from beside the interpreter, so the
add-in only works with the xlwings version its VBA names. oletools does the reading, so a
file's VBA is parsed the same way a security scanner would see it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from perphedge.core.errors import PerphedgeError

_VERSION_RE = re.compile(r'XLWINGS_VERSION\s+As\s+String\s*=\s*"([^"]+)"', re.IGNORECASE)
_PROJECT_RE = re.compile(r'PROJECT_NAME\s+As\s+String\s*=\s*"([^"]+)"', re.IGNORECASE)
_PROC_RE = re.compile(
    r"^\s*(?:Public\s+|Private\s+|Friend\s+)?(?:Static\s+)?(Sub|Function)\s+(\w+)\s*\(([^)]*)\)",
    re.IGNORECASE | re.MULTILINE,
)


class VbaError(PerphedgeError):
    """The add-in's VBA is missing or not what the xlwings template ships."""


@dataclass(frozen=True)
class Procedure:
    module: str
    name: str
    kind: str          # "Sub" or "Function"
    params: str        # the parameter list as written

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.name}"

    @property
    def is_ribbon_callback(self) -> bool:
        """A ribbon onAction needs ``Sub X(control As IRibbonControl)``."""
        return self.kind.lower() == "sub" and re.fullmatch(
            r"\s*(ByRef\s+|ByVal\s+)?\w+\s+As\s+IRibbonControl\s*", self.params, re.IGNORECASE
        ) is not None


def read_modules(path: str | Path) -> dict[str, str]:
    """Module name (without .bas/.cls) -> source code, from a .xlam/.xlsm or vbaProject.bin."""
    from oletools.olevba import VBA_Parser  # heavy; only the add-in commands need it

    parser = VBA_Parser(str(path))
    try:
        if not parser.detect_vba_macros():
            return {}
        return {
            name.rsplit(".", 1)[0]: code
            for (_f, _s, name, code) in parser.extract_macros()
        }
    finally:
        parser.close()


def procedures(modules: dict[str, str]) -> list[Procedure]:
    return [
        Procedure(module, m.group(2), m.group(1).capitalize(), m.group(3))
        for module, code in modules.items()
        for m in _PROC_RE.finditer(code)
    ]


def xlwings_version(modules: dict[str, str]) -> str:
    """The ``XLWINGS_VERSION`` constant of the add-in's VBA."""
    for code in modules.values():
        m = _VERSION_RE.search(code)
        if m:
            return m.group(1)
    raise VbaError("the add-in's VBA has no XLWINGS_VERSION constant: not an xlwings add-in")


def project_name(modules: dict[str, str]) -> str:
    """The ``PROJECT_NAME`` constant: the settings sheet and file are named after it."""
    for code in modules.values():
        m = _PROJECT_RE.search(code)
        if m:
            return m.group(1)
    raise VbaError("the add-in's VBA has no PROJECT_NAME constant: not an xlwings add-in")
