"""Where Excel looks for start-up add-ins and for the add-in's user settings file.

Pure functions of (platform, environment, home folder) so both operating systems are
tested anywhere. ``myaddin`` is the template's fixed VBA ``PROJECT_NAME``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from perphedge.core.errors import PerphedgeError

PROJECT_NAME = "myaddin"
MAC_GROUP_STARTUP = ("Library/Group Containers/UBF8T346G9.Office/User Content.localized/"
                     "Startup.localized/Excel")
MAC_EXCEL_CONTAINER = "Library/Containers/com.microsoft.Excel/Data"
MAC_SCRIPTS = "Library/Application Scripts/com.microsoft.Excel"


class NoExcelHere(PerphedgeError):
    """No Excel start-up folder on this system (Linux, or a variable is missing)."""


def current_platform(sys_platform: str = sys.platform) -> str:
    if sys_platform.startswith("win"):
        return "win"
    if sys_platform == "darwin":
        return "mac"
    return "other"


def startup_folder(platform: str, environ: Mapping[str, str], home: Path) -> Path:
    """Excel's per-user start-up folder: files there open with Excel (add-ins hidden)."""
    if platform == "win":
        appdata = environ.get("APPDATA")
        if not appdata:
            raise NoExcelHere("APPDATA is not set, so Excel's XLSTART folder cannot be found; "
                              "pass --target DIR")
        return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"
    if platform == "mac":
        return home / MAC_GROUP_STARTUP
    raise NoExcelHere(
        "Excel is not available on this system (no Windows or macOS start-up folder). "
        "Use --target DIR to build the add-in into a folder of your choice, or use the "
        "command line: perphedge refresh / check / share.")


def user_config_file(platform: str, environ: Mapping[str, str], home: Path) -> Path | None:
    """The add-in's user-level settings file, as its VBA (GetConfigFilePath) computes it."""
    if platform == "win":
        profile = environ.get("USERPROFILE")
        return Path(profile) / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf" if profile else None
    if platform == "mac":
        # Excel is sandboxed: its $HOME is the container's Data folder
        return home / MAC_EXCEL_CONTAINER / f"{PROJECT_NAME}.conf"
    return None


def interpreter_keys(platform: str) -> tuple[str, ...]:
    """Settings keys naming the interpreter for Excel on this platform."""
    return {"win": ("Interpreter_Win",), "mac": ("Interpreter_Mac",)}.get(
        platform, ("Interpreter_Win", "Interpreter_Mac"))
