"""Install, inspect and remove the add-in; every change recorded in a manifest.

Install builds ``perphedge.xlam`` straight into Excel's start-up folder with the running
Python as interpreter in the add-in's own settings sheet, writes the same settings to the
user-level ``myaddin.conf`` (keeping any other lines and remembering what it replaced),
and on macOS copies xlwings' AppleScript that RunPython needs. The manifest lives outside
the start-up folder (Excel would try to open any file placed there) and lets uninstall
undo exactly what install did.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from perphedge import catalogue
from perphedge.core.errors import PerphedgeError
from perphedge.install import doctor, locations, userconf, xlam


class InstallError(PerphedgeError):
    """Install/uninstall refused: something there is not ours, or versions do not match."""


# xlwings' RunPython on macOS (xlwings-<version>.applescript) starts Python with
# ``PythonInterpreter & " -B -u ..."`` in a shell command: the interpreter path is not
# quoted, so a space or shell character in it breaks every Refresh prices.
_MAC_SHELL_UNSAFE = re.compile(r"""[\s'"\\$`&;|<>()*?\[\]{}!#~^]""")


def interpreter_problem(platform: str, interpreter: str) -> str | None:
    """Why Excel could not start ``interpreter`` on ``platform``, or None."""
    if platform == "mac" and _MAC_SHELL_UNSAFE.search(interpreter):
        return (f"the interpreter {interpreter!r} has a space or shell character in its path; "
                "xlwings' RunPython on macOS passes it to the shell unquoted, so Excel could "
                "not start it. Use a Python environment in a folder without spaces "
                "(install-macos.command: PERPHEDGE_VENV=$HOME/Library/perphedge/venv)")
    return None


@dataclass(frozen=True)
class Plan:
    platform: str
    target: Path                     # the start-up folder (or --target)
    addin: Path
    config_file: Path | None
    applescript: tuple[Path, Path] | None   # (source, destination), macOS only
    manifest: Path
    interpreter: str
    settings: tuple[tuple[str, str], ...]
    #: Windows: the functions' declarations module (.bas) for a manual VBE File -> Import.
    #: Kept with the manifest, not in the start-up folder, where Excel opens every file.
    declarations: Path | None = None

    def describe(self, *, with_manifest: bool = True) -> list[str]:
        lines = [f"add-in:           {self.addin}",
                 f"interpreter:      {self.interpreter}"]
        lines += [f"setting:          {k} = {v}" for k, v in self.settings]
        none = "(none: the settings sheet inside the add-in holds them)"
        lines.append(f"settings file:    {self.config_file or none}")
        if self.applescript:
            lines.append(f"RunPython script: {self.applescript[1]}")
        if self.declarations:
            lines.append(f"functions module: {self.declarations}")
        if with_manifest:
            lines.append(f"manifest:         {self.manifest}")
        return lines


@dataclass
class Status:
    installed: bool
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def state_dir() -> Path:
    """Where installs record what they wrote (the platform's user data directory)."""
    import platformdirs

    return platformdirs.user_data_path("perphedge", appauthor=False)


def make_plan(*, target: str | Path | None = None, config_dir: str | Path | None = None,
              platform: str | None = None, environ: Mapping[str, str] = os.environ,
              home: Path | None = None, interpreter: str = sys.executable) -> Plan:
    platform = platform or locations.current_platform()
    home = home or Path.home()
    target_dir = Path(target) if target else locations.startup_folder(platform, environ, home)
    # The settings live in the add-in's own myaddin.conf sheet, which its VBA reads before
    # any user-wide file. The user-wide file is shared by every add-in built from the
    # same xlwings template, so it is written only when asked for (--config-dir).
    config_file = (Path(config_dir) / f"{locations.PROJECT_NAME}.conf"
                   if config_dir is not None else None)
    settings = tuple((k, interpreter) for k in locations.interpreter_keys(platform))
    settings += (("UDF Modules", xlam.UDF_MODULE),)
    applescript = None
    if platform == "mac" and target is None:
        import xlwings

        name = f"xlwings-{xlwings.__version__}.applescript"
        applescript = (Path(xlwings.__file__).parent / name, home / locations.MAC_SCRIPTS / name)
    key = hashlib.sha256(str(target_dir.resolve()).encode()).hexdigest()[:12]
    state = state_dir()
    return Plan(platform, target_dir, target_dir / xlam.ADDIN_NAME, config_file, applescript,
                state / f"addin-{key}.json", interpreter, settings,
                state / f"addin-{key}-functions.bas" if platform == "win" else None)


#: Where an install would write on each system, shown by a dry run where Excel is not
#: available: the folders as the user knows them, not as this machine would spell them.
_ELSEWHERE = (("win", "on Windows", {"APPDATA": "%APPDATA%"}, Path("%USERPROFILE%"),
               r"%LOCALAPPDATA%\perphedge\venv\Scripts\python.exe"),
              ("mac", "on macOS", {}, Path("~"), "~/Library/perphedge/venv/bin/python"))


def describe_elsewhere() -> list[str]:
    """A dry run on a system without Excel: what an install writes on Windows and macOS."""
    lines = ["dry run: nothing written; Excel is not available on this system. "
             "'perphedge addin install' would write:"]
    for platform, label, environ, home, interpreter in _ELSEWHERE:
        plan = make_plan(platform=platform, environ=environ, home=home, interpreter=interpreter)
        if plan.declarations is not None:   # in that system's user data folder, not this one's
            plan = replace(plan, declarations=Path("%LOCALAPPDATA%/perphedge") / plan.declarations.name)
        lines.append(f"{label}:")
        for line in plan.describe(with_manifest=False):
            lines.append("  " + (line.replace("/", "\\") if platform == "win" else line))
    lines.append("Here, 'perphedge addin build' writes the add-in into a folder of your choice.")
    return lines


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mkdirs(path: Path, created: list[str]) -> None:
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir()
        created.append(str(d))


def install(plan: Plan, *, ribbon: str | Path | None = None, dry_run: bool = False,
            replace: bool = False, declarations: str | None = None,
            import_functions: Callable[[Path], list[str]] | None = None) -> list[str]:
    """Carry out the plan (or, with dry_run, only say what would be done).

    ``replace``: an earlier perphedge install there is uninstalled first (an upgrade).
    ``declarations``: the text of the functions' ``.bas`` module (Windows), written to
    ``plan.declarations``. ``import_functions(addin)``: puts the functions into the freshly
    built add-in before it is copied into place and returns what it did (see
    :mod:`perphedge.install.excelimport`).
    """
    pre: list[str] = []
    problem = interpreter_problem(plan.platform, plan.interpreter)
    if problem:
        raise InstallError(problem)
    if plan.manifest.exists():
        if not replace:
            raise InstallError(f"perphedge is already installed in {plan.target} (manifest "
                               f"{plan.manifest}); use --replace, or 'perphedge addin "
                               "uninstall' first")
        if dry_run:
            return (uninstall(plan, dry_run=True) +
                    ["then install:"] + plan.describe())
        pre = uninstall(plan)
    if plan.addin.exists():
        raise InstallError(f"{plan.addin} exists and was not installed by perphedge; "
                           "remove it or choose another --target")
    lines = plan.describe()
    if dry_run:
        return ["dry run: nothing written; would install:"] + lines
    # build into a scratch folder first: a failed build leaves the target untouched
    import tempfile

    dirs: list[str] = []
    manifest: dict = {"platform": plan.platform, "target": str(plan.target), "files": [],
                      "dirs": dirs, "config": None}
    done: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        built = xlam.build_addin(tmp, settings=plan.settings, ribbon=ribbon)
        if import_functions is not None:
            try:
                done += import_functions(built)
            except PerphedgeError as e:
                # the add-in still works (the button, the workbook formulas); the
                # functions wait for a manual import, which status keeps pointing at
                done.append(f"functions:        not imported: {e}")
                if plan.declarations is not None and declarations is not None:
                    done.append(f"  import {plan.declarations} by hand: in Excel press Alt+F11, select "
                                "perphedge.xlam on the left, File -> Import File..., then Ctrl+S")
        _mkdirs(plan.target, dirs)
        shutil.copyfile(built, plan.addin)
    manifest["files"].append({"path": str(plan.addin), "sha256": _sha(plan.addin)})
    if plan.declarations is not None and declarations is not None:
        _mkdirs(plan.declarations.parent, manifest.setdefault("state_dirs", []))
        # the VBA editor reads a .bas as ANSI text with CRLF lines; the declarations are
        # names and module paths only, so anything else is a defect to stop at
        plan.declarations.write_bytes(declarations.replace("\r\n", "\n").replace("\n", "\r\n")
                                      .encode("ascii"))
        manifest["files"].append({"path": str(plan.declarations), "sha256": _sha(plan.declarations)})

    if plan.config_file is not None:
        existed = plan.config_file.is_file()
        before = userconf.read(plan.config_file)
        before_keys = {ln.key.lower(): (ln.key, ln.value) for ln in before}
        _mkdirs(plan.config_file.parent, dirs)
        userconf.write(plan.config_file, userconf.update(before, dict(plan.settings)))
        manifest["config"] = {
            "path": str(plan.config_file), "existed": existed,
            "previous": {k: before_keys.get(k.lower(), (k, None))[1] for k, _ in plan.settings}}
    if plan.applescript:
        src, dst = plan.applescript
        if not dst.exists():
            _mkdirs(dst.parent, dirs)
            shutil.copyfile(src, dst)
            manifest["files"].append({"path": str(dst), "sha256": _sha(dst)})
    _mkdirs(plan.manifest.parent, manifest.setdefault("state_dirs", []))
    plan.manifest.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return pre + ["installed:"] + lines + done


def uninstall(plan: Plan, *, dry_run: bool = False) -> list[str]:
    if not plan.manifest.is_file():
        raise InstallError(f"perphedge is not installed in {plan.target} (no manifest at "
                           f"{plan.manifest}); nothing to remove")
    m = json.loads(plan.manifest.read_text(encoding="utf-8"))
    lines = []
    for f in m["files"]:
        p = Path(f["path"])
        note = "" if p.is_file() and _sha(p) == f["sha256"] else " (changed since install)"
        lines.append(f"remove {p}{note}")
        if not dry_run and p.exists():
            p.unlink()
    cfg = m.get("config")
    if cfg:
        p = Path(cfg["path"])
        if not cfg["existed"]:
            rest = userconf.update(userconf.read(p), {k: None for k in cfg["previous"]})
            lines.append(f"remove {p}" if not rest else f"remove perphedge settings from {p}")
            if not dry_run and p.exists():
                if rest:
                    userconf.write(p, rest)
                else:
                    p.unlink()
        else:
            lines.append(f"restore previous settings in {p}")
            if not dry_run and p.exists():
                userconf.write(p, userconf.update(userconf.read(p), cfg["previous"]))
    for d in reversed(m["dirs"]):
        lines.append(f"remove folder {d} (if empty)")
        if not dry_run:
            try:
                Path(d).rmdir()
            except OSError:
                pass
    lines.append(f"remove {plan.manifest}")
    if not dry_run:
        plan.manifest.unlink()
        for d in reversed(m.get("state_dirs", [])):
            try:
                Path(d).rmdir()
            except OSError:
                pass
    return (["dry run: nothing removed; would:"] if dry_run else ["uninstalled:"]) + lines


def status(plan: Plan) -> Status:
    st = Status(installed=plan.addin.is_file())
    if not st.installed:
        st.lines.append(f"not installed: no {xlam.ADDIN_NAME} in {plan.target}")
        st.problems.append("not installed")
        return st
    info = xlam.inspect_addin(plan.addin)
    installed = xlam.installed_xlwings_version()
    st.lines.append(f"add-in:           {plan.addin}")
    st.lines.append(f"add-in xlwings:   {info.xlwings_version} (installed: {installed})")
    if info.xlwings_version != installed:
        st.problems.append(f"the add-in's VBA is xlwings {info.xlwings_version} but "
                           f"{installed} is installed: reinstall the add-in")
    for key in locations.interpreter_keys(plan.platform):
        value = info.settings.get(key)
        st.lines.append(f"{key + ':':<18}{value}")
        if not value or not Path(str(value)).exists():
            st.problems.append(f"{key} {value!r} does not exist")
        elif key == "Interpreter_Mac" and interpreter_problem("mac", str(value)):
            st.problems.append(str(interpreter_problem("mac", str(value))))
        else:
            if str(value) != plan.interpreter:
                st.lines.append(f"  (this command runs {plan.interpreter})")
            # the add-in's own Python, started the way its function server starts it
            failed = doctor.run_import_line(str(value))
            st.lines.append(f"  self-test:      {'ok' if failed is None else 'failed'} "
                            f"(imports {xlam.UDF_MODULE} from a neutral folder)")
            if failed is not None:
                st.problems.append(f"{value} cannot import {xlam.UDF_MODULE}: {failed}")
            if key == "Interpreter_Win" and locations.current_platform() == "win":
                # the VBA loads the DLL from the interpreter's folder or the one above; the
                # wheels for ARM64 and 32-bit Python carry none, and Python imports fine
                dll = doctor.dll_name(info.xlwings_version)
                exe = Path(str(value))
                if not any((d / dll).is_file() for d in (exe.parent, exe.parent.parent)):
                    st.problems.append(f"{dll} is in neither {exe.parent} nor {exe.parent.parent}: every "
                                       f"function would say 'Could not load {dll}' (run "
                                       "'addin doctor' for why)")
    st.lines.append(f"Excel functions:  {len(info.functions)} of {len(catalogue.function_names())} "
                    "declared in the add-in's VBA")
    missing = sorted(catalogue.function_names() - set(info.functions))
    if missing and plan.platform == "win":
        how = (f"import {plan.declarations} in the VBA editor (Alt+F11, select perphedge.xlam, "
               "File -> Import File, then Ctrl+S), or reinstall with Excel closed"
               if plan.declarations and plan.declarations.is_file()
               else "reinstall on Windows with Excel closed")
        st.problems.append(f"the add-in does not declare {', '.join(missing)}: these functions show "
                           f"#NAME? in Excel; {how}")
    elif missing:
        st.lines.append("  (the Excel functions are a Windows feature of xlwings; on macOS the "
                        "workbook's own formulas and Refresh prices work)")
    udf = info.settings.get("UDF Modules")
    st.lines.append(f"UDF Modules:      {udf}")
    if udf != xlam.UDF_MODULE:
        st.problems.append(f"UDF Modules is {udf!r}, expected {xlam.UDF_MODULE!r}")
    if plan.manifest.is_file():
        m = json.loads(plan.manifest.read_text(encoding="utf-8"))
        for f in m["files"]:
            p = Path(f["path"])
            if not p.is_file():
                st.problems.append(f"{p} is missing")
            elif _sha(p) != f["sha256"]:
                # Excel rewrites the add-in when functions are imported into it and saved
                st.lines.append(f"note: {p.name} changed since install (expected after "
                                "importing the functions in Excel)")
        st.lines.append(f"manifest:         {plan.manifest}")
    else:
        st.problems.append(f"no install manifest at {plan.manifest}: not installed by perphedge")
    st.lines += [f"problem: {p}" for p in st.problems] or ["status: ok"]
    return st
