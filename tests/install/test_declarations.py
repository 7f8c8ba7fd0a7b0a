"""The functions' declarations module is the one xlwings' own Import Functions writes."""

from __future__ import annotations

from perphedge import catalogue
from perphedge.install import installer, xlam
from tests.install import windows

UDF_MODULE = "perphedge.excel.udfs"


def test_the_bas_is_what_xlwings_import_functions_imports_and_install_writes_it(tmp_path):
    got = windows.run(f"""
        import json
        from perphedge.cli import main
        from perphedge.excel.declarations import declarations_bas, import_into
        wb = Workbook()
        import_into(wb, {UDF_MODULE!r})          # xlwings.udfs.import_udfs, as Excel runs it
        imported = [e[1] for e in wb.log if e[0] == "Import"]
        options = [e[1:] for e in wb.log if e[0] == "MacroOptions"]
        rc = main(["addin", "install", "--target", {str(tmp_path / "XLSTART")!r}, "--platform", "win"])
        print(json.dumps({{"imported": imported, "bas": declarations_bas({UDF_MODULE!r}, "perphedge.xlam"),
                          "options": options, "rc": rc}}))
    """, env={"XDG_DATA_HOME": str(tmp_path / "data")})
    [imported] = got["imported"]
    assert got["bas"] == imported
    assert got["rc"] == 0
    # written beside the install's record (not in XLSTART, where Excel opens every file),
    # with the CRLF lines the VBA editor expects
    [bas] = (tmp_path / "data" / "perphedge").glob("addin-*-functions.bas")
    raw = bas.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") and raw.decode("ascii").replace("\r\n", "\n") == imported
    assert not list((tmp_path / "XLSTART").glob("*.bas"))
    # every catalogue function is declared, for the add-in (ActiveWorkbook), with its help
    assert imported.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    for spec in catalogue.FUNCTIONS:
        assert f'XLPy.CallUDF("{UDF_MODULE}", "{spec.name}", ' in imported
    assert "ThisWorkbook, Application.Caller" not in imported
    described = {macro: (doc, cat, args) for macro, doc, cat, args in got["options"]}
    for spec in catalogue.FUNCTIONS:
        doc, cat, args = described[f"'perphedge.xlam'!{spec.name}"]
        assert doc == spec.doc and cat == catalogue.CATEGORY
        assert args == ([a.doc for a in spec.args] or None)


def test_status_reads_the_functions_back_from_the_addins_vba(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("platformdirs.user_data_path", lambda *a, **k: tmp_path / "state")
    bas = windows.run(f"""
        import json
        from perphedge.excel.declarations import declarations_bas
        print(json.dumps(declarations_bas({UDF_MODULE!r}, "perphedge.xlam")))
    """)
    plan = installer.make_plan(target=tmp_path / "X", platform="win")
    installer.install(plan)
    st = installer.status(plan)
    assert f"Excel functions:  0 of {len(catalogue.FUNCTIONS)} declared in the add-in's VBA" in st.lines
    assert any("does not declare BASIS, CONTRACT_SPEC" in p and "#NAME?" in p for p in st.problems)

    # the add-in as Excel saves it after the import: its VBA gains the xlwings_udfs module
    from perphedge.install import vba

    real = vba.read_modules
    monkeypatch.setattr(vba, "read_modules",
                        lambda path: {**real(path), "xlwings_udfs": bas.split("\n", 1)[1]})
    st = installer.status(plan)
    assert f"Excel functions:  {len(catalogue.FUNCTIONS)} of {len(catalogue.FUNCTIONS)} declared in " \
           "the add-in's VBA" in st.lines
    assert st.problems == [] and xlam.inspect_addin(plan.addin).functions == tuple(
        sorted(catalogue.function_names()))
