"""Install-time import of the functions through a hidden Excel, with fakes: the xlwings
objects bind every call to the installed xlwings' own signatures, the COM objects take only
the parameters Excel's object model documents, the registry is a dictionary."""

from __future__ import annotations

import inspect
import sys
import types

import pytest
import xlwings.main as xwm

from perphedge.install import excelimport, installer
from perphedge.install.excelimport import ACCESS_VBOM, POLICY_KEY, SECURITY_KEY


class Registry:
    def __init__(self, values=None):
        self.values = dict(values or {})
        self.seen_during_import = None

    def get(self, key, name):
        return self.values.get((key, name))

    def set(self, key, name, value):
        self.values[(key, name)] = value

    def delete(self, key, name):
        self.values.pop((key, name), None)


class ComError(Exception):
    """pywintypes.com_error"""


class VBComponents:
    def __init__(self):
        self.names = ["xlwings", "RibbonMyAddin", "ThisWorkbook"]

    def __call__(self, Index):              # VBComponents.Item, the default member
        if Index not in self.names:
            raise ComError(-2147352565, "Subscript out of range")
        return Index


class Workbook:
    """Excel's Workbook COM object: VBProject and Save()."""

    def __init__(self, path):
        self.path = path
        self.VBProject = types.SimpleNamespace(VBComponents=VBComponents())
        self.saved = False

    def Save(self):
        self.saved = True


def bound(cls_name, method, *args, **kwargs):
    inspect.signature(getattr(getattr(xwm, cls_name), method)).bind(None, *args, **kwargs)


class Excel:
    """The xlwings side: App(...), app.books.open(...), book.close(), app.quit()."""

    def __init__(self, fail_start=None):
        self.apps, self.fail_start, self.opened = [], fail_start, []
        outer = self

        class App:
            def __init__(self, *args, **kwargs):
                bound("App", "__init__", *args, **kwargs)
                if outer.fail_start:
                    raise outer.fail_start
                self.kwargs, self.quit_called, self._alerts = kwargs, False, True
                outer.apps.append(self)
                self.books = types.SimpleNamespace(open=self._open)

            @property
            def display_alerts(self):
                return self._alerts

            @display_alerts.setter
            def display_alerts(self, v):
                assert inspect.getattr_static(xwm.App, "display_alerts").fset is not None
                self._alerts = v

            def _open(self, *args, **kwargs):
                bound("Books", "open", *args, **kwargs)
                book = types.SimpleNamespace(api=Workbook(args[0] if args else kwargs["fullname"]),
                                             closed=False)

                def close(*a, **k):
                    bound("Book", "close", *a, **k)
                    book.closed = True
                book.close = close
                outer.opened.append(book)
                return book

            def quit(self, *a, **k):
                bound("App", "quit", *a, **k)
                self.quit_called = True

        self.module = types.SimpleNamespace(App=App)


def importing(registry):
    """What xlwings' import does to the add-in's project (after the trust check)."""
    def run(wb):
        registry.seen_during_import = registry.get(SECURITY_KEY, ACCESS_VBOM)
        wb.VBProject.VBComponents.names.append("xlwings_udfs")
    return run


@pytest.mark.parametrize("before", [None, 0, 1])
def test_the_import_runs_in_a_hidden_excel_with_trust_on_for_that_step_only(tmp_path, before):
    reg = Registry({} if before is None else {(SECURITY_KEY, ACCESS_VBOM): before})
    excel = Excel()
    lines = excelimport.import_functions(tmp_path / "perphedge.xlam", importing(reg), xw=excel.module,
                                         registry=reg)
    assert reg.seen_during_import == 1
    assert reg.values == ({} if before is None else {(SECURITY_KEY, ACCESS_VBOM): before})
    [app] = excel.apps
    assert app.kwargs == {"visible": False, "add_book": False} and app.display_alerts is False
    [book] = excel.opened
    assert book.api.path == str(tmp_path / "perphedge.xlam")
    assert book.api.saved and book.closed and app.quit_called
    assert "imported into perphedge.xlam" in lines[0]


def test_an_import_that_lands_in_another_workbook_is_refused_and_trust_restored(tmp_path):
    reg = Registry({(SECURITY_KEY, ACCESS_VBOM): 0})
    excel = Excel()
    # xlwings' fallback after automation error 440 imports into the active workbook
    with pytest.raises(excelimport.ImportBlocked, match="did not reach perphedge.xlam"):
        excelimport.import_functions(tmp_path / "perphedge.xlam", lambda wb: None, xw=excel.module,
                                     registry=reg)
    assert reg.values == {(SECURITY_KEY, ACCESS_VBOM): 0}
    assert not excel.opened[0].api.saved and excel.apps[0].quit_called


def test_a_com_error_in_the_import_is_a_reason_and_excel_still_quits(tmp_path):
    reg = Registry()

    def refuse(wb):
        raise ComError(-2146827284, "Programmatic access to Visual Basic Project is not trusted")

    excel = Excel()
    with pytest.raises(excelimport.ImportBlocked, match="Programmatic access"):
        excelimport.import_functions(tmp_path / "a.xlam", refuse, xw=excel.module, registry=reg)
    assert reg.values == {} and excel.apps[0].quit_called


def test_a_policy_lock_is_respected_and_nothing_started(tmp_path):
    reg = Registry({(POLICY_KEY, ACCESS_VBOM): 0})
    excel = Excel()
    with pytest.raises(excelimport.ImportBlocked, match="policy"):
        excelimport.import_functions(tmp_path / "a.xlam", importing(reg), xw=excel.module, registry=reg)
    assert excel.apps == [] and reg.values == {(POLICY_KEY, ACCESS_VBOM): 0}


def test_excel_that_cannot_start_is_a_reason(tmp_path):
    reg = Registry()
    excel = Excel(fail_start=OSError("Excel is not installed"))
    with pytest.raises(excelimport.ImportBlocked, match="Excel could not be started"):
        excelimport.import_functions(tmp_path / "a.xlam", importing(reg), xw=excel.module, registry=reg)
    assert reg.values == {}


def test_install_goes_on_without_the_functions_and_says_how_to_import_them(tmp_path, monkeypatch):
    monkeypatch.setattr("platformdirs.user_data_path", lambda *a, **k: tmp_path / "state")
    plan = installer.make_plan(target=tmp_path / "X", platform="win", interpreter=sys.executable)

    def blocked(addin):
        assert addin.name == "perphedge.xlam" and addin.parent != plan.target   # the scratch build
        raise excelimport.ImportBlocked("your organisation's policy does not allow it")

    lines = installer.install(plan, declarations='Attribute VB_Name = "xlwings_udfs"\n',
                              import_functions=blocked)
    assert plan.addin.is_file() and plan.declarations.is_file()
    assert "functions:        not imported: your organisation's policy does not allow it" in lines
    assert any(str(plan.declarations) in line and "File -> Import File" in line for line in lines)
    installer.uninstall(plan)
    assert not plan.declarations.exists()
