"""Run code under xlwings' Windows modules on any system, in a child process.

xlwings.udfs (the decorators, the VBA generator, Import Functions) imports pywin32's COM
modules at the top; here they are empty stand-ins, so xlwings' own Windows code runs
unchanged as long as nothing calls into COM. ``xw.func`` and friends are pointed at the
Windows decorators before the function module is imported, as on Windows. The COM objects
the code is handed are fakes that take only the parameters Excel's object model documents.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

PRELUDE = textwrap.dedent('''
    import sys, types
    for _name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        sys.modules[_name] = types.ModuleType(_name)
    sys.modules["pythoncom"].CoInitialize = lambda: None
    sys.modules["win32com.client"].Dispatch = None

    class com_error(Exception):
        """pywintypes.com_error"""

    sys.modules["pywintypes"].com_error = com_error
    import xlwings as xw
    import xlwings.udfs as xu
    xw.func, xw.sub, xw.arg, xw.ret = xu.xlfunc, xu.xlsub, xu.xlarg, xu.xlret

    class VBComponents:
        """Workbook.VBProject.VBComponents: Item (the default member), Remove, Import."""

        def __init__(self, log):
            self.log, self.names = log, []

        def __call__(self, Index):
            if Index not in self.names:
                raise com_error(-2147352565, "Subscript out of range", None, None)
            return Index

        def Remove(self, VBComponent):
            self.names.remove(VBComponent)
            self.log.append(("Remove", VBComponent))

        def Import(self, FileName):
            with open(FileName, encoding="utf-8") as fh:
                text = fh.read()
            self.names.append(text.split('"')[1])
            self.log.append(("Import", text))
            return text

    class Application:
        Version = "16.0"

        def __init__(self, log):
            self.log = log

        def Run(self, Macro, Arg1=None):
            self.log.append(("Run", Macro, Arg1))

        def MacroOptions(self, Macro=None, Description=None, HasMenu=None, MenuText=None,
                         HasShortcutKey=None, ShortcutKey=None, Category=None, StatusBar=None,
                         HelpContextID=None, HelpFile=None, ArgumentDescriptions=None):
            self.log.append(("MacroOptions", Macro, Description, Category, ArgumentDescriptions))

    class Workbook:
        def __init__(self, name="perphedge.xlam"):
            self.Name = name
            self.log = []
            self.VBProject = types.SimpleNamespace(VBComponents=VBComponents(self.log))
            self.Application = Application(self.log)

        def Save(self):
            self.log.append(("Save",))
''')


def run(code: str, env: dict[str, str] | None = None, cwd: str | None = None) -> object:
    """Run ``code`` after the prelude; it prints one JSON document, which is returned."""
    out = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code)], capture_output=True,
                         text=True, timeout=240, env={**os.environ, **(env or {})}, cwd=cwd)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])
