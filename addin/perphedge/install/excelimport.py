"""Put the Excel functions into the add-in at install time (Windows), so the user never
runs *Import Functions*.

A hidden Excel of our own (started through xlwings) opens the freshly built add-in, and
xlwings' own import writes the declarations module and each function's help into it; the
add-in is saved and Excel quits. Writing into a VBA project needs *Trust access to the VBA
project object model*: it is switched on for this step only and put back as it was, even
when the step fails. Where company policy locks it, nothing is forced: the install goes on
without the functions and says how to import the ``.bas`` module by hand, which needs no
trust setting.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from perphedge.core.errors import PerphedgeError

#: Office 2016 and later (Microsoft 365 included) keep their settings under 16.0.
SECURITY_KEY = r"Software\Microsoft\Office\16.0\Excel\Security"
POLICY_KEY = r"Software\Policies\Microsoft\Office\16.0\Excel\Security"
ACCESS_VBOM = "AccessVBOM"
#: The VBA module xlwings' import writes the declarations into.
VBA_MODULE = "xlwings_udfs"


class ImportBlocked(PerphedgeError):
    """The functions could not be put into the add-in here."""


class Registry(Protocol):
    """The current user's registry values (DWORDs) under HKEY_CURRENT_USER."""

    def get(self, key: str, name: str) -> int | None: ...

    def set(self, key: str, name: str, value: int) -> None: ...

    def delete(self, key: str, name: str) -> None: ...


class WindowsRegistry:
    def get(self, key: str, name: str) -> int | None:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as k:
                return int(winreg.QueryValueEx(k, name)[0])
        except OSError:
            return None

    def set(self, key: str, name: str, value: int) -> None:
        import winreg

        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, key) as k:
            winreg.SetValueEx(k, name, 0, winreg.REG_DWORD, value)

    def delete(self, key: str, name: str) -> None:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key, 0, winreg.KEY_SET_VALUE) as k:
                winreg.DeleteValue(k, name)
        except OSError:
            pass


@contextmanager
def vba_project_access(registry: Registry) -> Iterator[None]:
    """Trust access to the VBA project object model for the block, then as it was."""
    if registry.get(POLICY_KEY, ACCESS_VBOM) == 0:
        raise ImportBlocked("your organisation's policy does not allow programs to write into "
                            "VBA projects (Trust access to the VBA project object model is locked)")
    before = registry.get(SECURITY_KEY, ACCESS_VBOM)
    registry.set(SECURITY_KEY, ACCESS_VBOM, 1)
    try:
        yield
    finally:
        if before is None:
            registry.delete(SECURITY_KEY, ACCESS_VBOM)
        else:
            registry.set(SECURITY_KEY, ACCESS_VBOM, before)


def _has_module(xl_workbook: Any, name: str) -> bool:
    try:
        xl_workbook.VBProject.VBComponents(name)
    except Exception:  # noqa: BLE001 - COM answers a missing component with com_error
        return False
    return True


def import_functions(addin: Path, import_into: Callable[[Any], None], *, xw: Any = None,
                     registry: Registry | None = None) -> list[str]:
    """Import the functions into ``addin`` (closed, not in use) and save it.

    ``import_into(workbook_com_object)`` is xlwings' import (see
    ``perphedge.excel.declarations.import_into``). Raises :class:`ImportBlocked` with the
    reason when the functions are not in the saved add-in."""
    xw = xw if xw is not None else importlib.import_module("xlwings")
    registry = registry if registry is not None else WindowsRegistry()
    with vba_project_access(registry):
        try:
            app = xw.App(visible=False, add_book=False)
        except Exception as e:  # noqa: BLE001 - COM/OS errors starting Excel
            raise ImportBlocked(f"Excel could not be started ({type(e).__name__}: {e})") from e
        try:
            app.display_alerts = False
            book = app.books.open(str(addin))
            try:
                import_into(book.api)
            except Exception as e:  # noqa: BLE001 - COM errors from the import
                raise ImportBlocked(f"Excel refused the import ({type(e).__name__}: {e})") from e
            # xlwings falls back to a macro that imports into the *active* workbook; only
            # the add-in's own project counts
            if not _has_module(book.api, VBA_MODULE):
                raise ImportBlocked(f"the import did not reach {addin.name}'s VBA project")
            book.api.Save()
            book.close()
        finally:
            app.quit()
    return [f"functions:        imported into {addin.name} (no Import Functions needed)"]
