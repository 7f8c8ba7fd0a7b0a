"""``perphedge addin doctor``: the traps between an install and working functions, explained.

Every check is a pure function of :class:`Facts`, the one seam: :func:`gather` reads them
from this system (the interpreter, Windows' registry, the process list, and a run of the
function server's own import line from a neutral folder); tests build them by hand, one
trap at a time. A finding is a *problem* (the add-in will not work: install refuses,
doctor exits 1) or a *note* (it may not; what to do is said).
"""

from __future__ import annotations

import os
import platform as _platform
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from perphedge.install import locations, xlam


@dataclass(frozen=True)
class Finding:
    severity: str       # "problem" or "note"
    check: str
    text: str


@dataclass(frozen=True)
class Facts:
    """What the checks need to know about the system (one place tests replace)."""

    platform: str                       # "win", "mac" or "other"
    interpreter: str                    # the Python the add-in will start
    base_prefix: str                    # sys.base_prefix of that Python
    conda: bool                         # it is (or is a venv of) a conda Python
    machine: str                        # platform.machine(): AMD64, ARM64, x86, arm64 ...
    pointer_bits: int                   # 64 or 32
    implementation: str                 # sys.implementation.name
    xlwings_version: str
    files_beside_interpreter: frozenset[str]   # lower-case names in its folder and the one above
    addin_folder: str                   # where the add-in goes (Excel's start-up folder)
    excel_running: bool | None          # None: cannot tell
    excel_path: str | None              # Windows: excel.exe as registered (App Paths)
    smart_app_control: str | None       # Windows: "on", "evaluation", "off" or None
    import_error: str | None            # the function server's import line: None when it works


_STORE_MARKS = ("\\windowsapps\\", "pythonsoftwarefoundation.python")
_APPLE_PYTHONS = ("/usr/bin/python3", "/Library/Developer/CommandLineTools/",
                  "/Applications/Xcode.app/")


def dll_name(version: str) -> str:
    """The DLL the add-in's VBA loads on 64-bit Office (XLPyDLLName)."""
    return f"xlwings64-{version}.dll"


def findings(f: Facts) -> list[Finding]:
    out: list[Finding] = []

    def problem(check: str, text: str) -> None:
        out.append(Finding("problem", check, text))

    def note(check: str, text: str) -> None:
        out.append(Finding("note", check, text))

    interp_l = f.interpreter.replace("/", "\\").lower()
    base_l = f.base_prefix.replace("/", "\\").lower()
    if f.platform == "win":
        if any(m in interp_l or m in base_l for m in _STORE_MARKS):
            problem("store-python", f"{f.interpreter} is the Microsoft Store's Python: it keeps what it "
                    "writes under %LOCALAPPDATA% and XLSTART in a private copy Excel never sees. Install "
                    "Python from https://www.python.org/downloads/windows/ and run the installer again")
        if f.implementation != "cpython" or f.pointer_bits != 64 or f.machine.upper() not in ("AMD64", "X86_64"):
            problem("x64-cpython", f"this Python is {f.implementation} {f.pointer_bits}-bit on {f.machine}; "
                    f"xlwings ships its DLL for 64-bit (x64) CPython only, so every function would say "
                    f"'Could not load {dll_name(f.xlwings_version)}'. Install the 64-bit python.org "
                    "Python (on an ARM PC too: Excel there runs x64 code)")
        elif dll_name(f.xlwings_version) not in f.files_beside_interpreter:
            problem("xlwings-dll", f"{dll_name(f.xlwings_version)} is not beside {f.interpreter} or in the "
                    "folder above it, where the add-in looks; reinstall xlwings "
                    f"({sys.executable} -m pip install --force-reinstall xlwings=={f.xlwings_version})")
        for what, path in (("the Python environment", f.interpreter), ("Excel's start-up folder", f.addin_folder)):
            if not path.isascii():
                problem("ascii-path", f"{what} {path} has characters outside ASCII; xlwings loads its DLL "
                        "and starts Python through ANSI-only Windows calls, which cannot reach it. Use an "
                        r"environment under an ASCII folder: set PERPHEDGE_VENV=C:\perphedge\venv and run "
                        "the installer again")
        if f.excel_path and "\\windowsapps\\" in f.excel_path.replace("/", "\\").lower():
            note("store-office", f"Excel comes from the Microsoft Store ({f.excel_path}); it may read its "
                 "start-up folder from a private copy. If no Perpetual Hedge tab appears, add the add-in "
                 "with File -> Options -> Add-ins -> Manage Excel Add-ins -> Browse")
        if f.smart_app_control in ("on", "evaluation"):
            note("smart-app-control", f"Smart App Control is {f.smart_app_control}: it blocks unsigned "
                 "programs such as pip's perphedge.exe launcher, so the installers run python.exe "
                 "-m perphedge.cli instead; use that form yourself too")
    if f.conda:
        problem("conda", f"{f.interpreter} is a conda Python; the add-in starts it without activating "
                "conda, so numpy and pandas cannot load their DLLs. Use a python.org Python (the "
                "installer makes its own environment from it)")
    if f.platform == "mac":
        if f.interpreter.startswith(_APPLE_PYTHONS):
            problem("apple-python", f"{f.interpreter} is Apple's Python (too old, or the Command Line "
                    "Tools stub); install Python from https://www.python.org/downloads/macos/")
        from perphedge.install.installer import interpreter_problem

        shell = interpreter_problem("mac", f.interpreter)
        if shell:
            problem("mac-shell-path", shell)
    if f.excel_running:
        note("excel-running", "Excel is running: quit it before installing (the install puts the "
             "functions into the add-in with a hidden Excel of its own, and Excel holds the add-in "
             "open while it runs)")
    if f.import_error is not None:
        problem("import", f"the function server's import line fails with {f.interpreter} from a "
                f"neutral folder: {f.import_error}")
    return out


# -- reading the facts of this system ---------------------------------------------------------

def import_line(module: str = xlam.UDF_MODULE) -> str:
    """The import the add-in's function server runs at start (xlwings' VBA XLPyCommand,
    without ``xlwings.serve``, which needs Excel), then the UDF module it loads."""
    return ('import sys, os;import xlwings.utils;xlwings.utils.prepare_sys_path("");'
            f"import xlwings;import {module}")


def run_import_line(interpreter: str, module: str = xlam.UDF_MODULE) -> str | None:
    """None when ``interpreter`` imports the UDF module the way the function server does,
    from a folder holding nothing (so no file beside a workbook can stand in); else why not."""
    with tempfile.TemporaryDirectory() as neutral:
        try:
            r = subprocess.run([interpreter, "-B", "-c", import_line(module)], cwd=neutral,
                               capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.SubprocessError) as e:
            return f"{type(e).__name__}: {e}"
    if r.returncode != 0:
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        return lines[-1] if lines else f"exit code {r.returncode}"
    return None


def _excel_running(platform: str) -> bool | None:
    try:
        if platform == "win":
            r = subprocess.run(["tasklist", "/FI", "IMAGENAME eq EXCEL.EXE", "/NH"], capture_output=True,
                               text=True, timeout=30)
            return "excel.exe" in r.stdout.lower()
        if platform == "mac":
            r = subprocess.run(["pgrep", "-x", "Microsoft Excel"], capture_output=True, timeout=30)
            return r.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return None
    return None


def _registry(hive: str, key: str, value: str) -> object | None:
    try:
        import winreg  # Windows only
    except ImportError:
        return None
    try:
        with winreg.OpenKey(getattr(winreg, hive), key) as k:
            return winreg.QueryValueEx(k, value)[0]
    except OSError:
        return None


def gather(interpreter: str, addin_folder: Path, platform: str | None = None) -> Facts:
    """The facts of this system, for the Python the add-in will start."""
    platform = platform or locations.current_platform()
    import xlwings

    exe = Path(interpreter)
    names: set[str] = set()
    for folder in (exe.parent, exe.parent.parent):
        try:
            names |= {p.name.lower() for p in folder.iterdir()}
        except OSError:
            pass
    base = sys.base_prefix
    sac = {0: "off", 1: "on", 2: "evaluation"}.get(_registry(  # type: ignore[arg-type]
        "HKEY_LOCAL_MACHINE", r"SYSTEM\CurrentControlSet\Control\CI\Policy",
        "VerifiedAndReputablePolicyState"))
    excel = _registry("HKEY_LOCAL_MACHINE",
                      r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\excel.exe", "")
    return Facts(
        platform=platform, interpreter=interpreter, base_prefix=base,
        conda=os.path.isdir(os.path.join(base, "conda-meta")) or os.path.isdir(
            os.path.join(sys.prefix, "conda-meta")),
        machine=_platform.machine(), pointer_bits=struct.calcsize("P") * 8,
        implementation=sys.implementation.name, xlwings_version=xlwings.__version__,
        files_beside_interpreter=frozenset(names), addin_folder=str(addin_folder),
        excel_running=_excel_running(platform), excel_path=str(excel) if excel else None,
        smart_app_control=sac, import_error=run_import_line(interpreter))


def report(found: list[Finding]) -> list[str]:
    if not found:
        return ["doctor: nothing found that would stop the add-in"]
    return [f"{f.severity}: [{f.check}] {f.text}" for f in found]
