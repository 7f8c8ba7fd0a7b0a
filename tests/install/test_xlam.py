"""The built add-in is a valid package whose ribbon only calls VBA that exists."""

import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xlwings
from oletools.olevba import VBA_Parser

from perphedge.install import xlam

REPO = Path(__file__).resolve().parents[2]
RIBBON = REPO / "addin" / "perphedge" / "data" / "customUI.xml"
# Office accepts either type for the 2006 customUI schema; the template uses the 2007 one
UI_RELS = ("http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
           "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility")
CUSTOMUI_NS = "{http://schemas.microsoft.com/office/2006/01/customui}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return xlam.build_addin(tmp_path_factory.mktemp("addin"))


def _vba_code(path):
    p = VBA_Parser(str(path))
    try:
        return {name: code for (_f, _s, name, code) in p.extract_macros()}
    finally:
        p.close()


def test_file_name_makes_the_template_button_call_perphedge_main(built):
    # RunMain runs "import <workbook name without extension>; <that>.main()"
    assert built.name == "perphedge.xlam"
    run_main = _vba_code(built)["RibbonMyAddin.bas"]
    assert "ThisWorkbook.Name" in run_main and '".main()"' in run_main


def test_customui_is_referenced_from_package_rels_and_well_formed(built):
    with zipfile.ZipFile(built) as z:
        assert z.testzip() is None
        rels = ET.fromstring(z.read("_rels/.rels"))
        targets = [r.get("Target") for r in rels if r.get("Type") in UI_RELS]
        assert len(targets) == 1
        ui = ET.fromstring(z.read(targets[0].lstrip("/")))
        assert z.read(targets[0].lstrip("/")) == RIBBON.read_bytes()
    tab = ui.find(f"{CUSTOMUI_NS}ribbon/{CUSTOMUI_NS}tabs/{CUSTOMUI_NS}tab")
    assert tab.get("label") == "Perpetual Hedge"
    buttons = [b for b in ui.iter(f"{CUSTOMUI_NS}button") if b.get("label") == "Refresh prices"]
    assert len(buttons) == 1 and buttons[0].get("size") == "large"


def test_every_onaction_names_a_ribbon_callback_in_the_addins_vba(built):
    with zipfile.ZipFile(built) as z:
        ui = ET.fromstring(z.read("customUI/customUI.xml"))
    actions = [el.get("onAction") for el in ui.iter() if el.get("onAction")]
    assert actions, "the ribbon must have at least one button bound to VBA"
    code = _vba_code(built)
    for action in actions:
        module, proc = action.split(".")
        src = code[module + ".bas"]
        # a ribbon onAction needs exactly this signature
        assert f"Sub {proc}(control As IRibbonControl)" in src, action


def test_vba_is_the_installed_xlwings_template_unchanged(built):
    with zipfile.ZipFile(built) as z, zipfile.ZipFile(xlam.template_path()) as t:
        assert z.read("xl/vbaProject.bin") == t.read("xl/vbaProject.bin")
    xlwings_bas = _vba_code(built)["xlwings.bas"]
    assert f'XLWINGS_VERSION As String = "{xlwings.__version__}"' in xlwings_bas
    assert f"xlwings64-{xlwings.__version__}.dll" in xlwings_bas
    assert xlam.inspect_addin(built).xlwings_version == xlwings.__version__


def test_settings_sheet_is_enabled_and_names_the_udf_module(built):
    with zipfile.ZipFile(built) as z:
        wb = z.read("xl/workbook.xml").decode()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    # the VBA reads the add-in's own "myaddin.conf" sheet; "_myaddin.conf" is ignored
    assert 'name="myaddin.conf"' in wb and "_myaddin.conf" not in wb
    assert ">UDF Modules<" in sheet and ">perphedge.excel.udfs<" in sheet
    info = xlam.inspect_addin(built)
    assert info.settings["UDF Modules"] == "perphedge.excel.udfs"
    assert info.settings["ADD_WORKBOOK_TO_PYTHONPATH"] is False
    assert info.settings["PYTHONPATH"] == "" and info.settings["TEMP DIR"] == "%TEMP%"


def test_every_key_the_vba_reads_is_pinned_in_the_addin(built, tmp_path):
    """GetConfig returns the add-in sheet's value when the key is there (even empty), so a
    myaddin.conf file beside a received workbook can set none of these. The keys are taken
    from the add-in's own VBA, so a new xlwings with a new key fails this test."""
    import re

    vba_text = "\n".join(_vba_code(built).values())
    read = {k.upper() for k in re.findall(r'GetConfig\("([A-Za-z_ ]+)"', vba_text)}
    assert {"PYTHONPATH", "CONDA PATH", "UDF MODULES", "INTERPRETER_WIN"} <= read
    pinned = {k.upper() for k in xlam.inspect_addin(built).settings}
    assert read - pinned == {"INTERPRETER_WIN", "INTERPRETER_MAC", "INTERPRETER"}
    # install pins the interpreter of the platform too (the legacy key is then never read)
    out = xlam.build_addin(tmp_path, settings=(("Interpreter_Win", r"C:\py\python.exe"),))
    assert read - {k.upper() for k in xlam.inspect_addin(out).settings} == {
        "INTERPRETER_MAC", "INTERPRETER"}


def test_install_settings_go_into_the_sheet_as_contiguous_rows(tmp_path):
    out = xlam.build_addin(tmp_path, settings=(("Interpreter_Win", r"C:\py\python.exe"),))
    s = xlam.inspect_addin(out).settings
    assert s["Interpreter_Win"] == r"C:\py\python.exe"
    assert list(s)[:2] == ["UDF Modules", "ADD_WORKBOOK_TO_PYTHONPATH"]
    assert list(s)[-1] == "Interpreter_Win"


def test_ribbon_calling_a_missing_procedure_is_refused(tmp_path):
    bad = tmp_path / "customUI.xml"
    bad.write_text(RIBBON.read_text().replace("RibbonMyAddin.RunMain", "RibbonMyAddin.Nope"))
    with pytest.raises(xlam.BuildError, match="RibbonMyAddin.Nope"):
        xlam.build_addin(tmp_path / "out", ribbon=bad)
    assert not (tmp_path / "out" / "perphedge.xlam").exists()


def test_version_mismatch_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(xlam, "installed_xlwings_version", lambda: "0.0.1")
    with pytest.raises(xlam.BuildError, match="must match"):
        xlam.build_addin(tmp_path)


def test_malformed_ribbon_is_refused(tmp_path):
    bad = tmp_path / "customUI.xml"
    bad.write_text("<customUI><ribbon>")
    with pytest.raises(xlam.BuildError, match="well-formed"):
        xlam.build_addin(tmp_path / "out", ribbon=bad)


def _vba_sheet_config(path):
    """The add-in's settings sheet read the way GetConfigFromSheet reads it: A1 down to the
    first blank, each key added under UCase(key) to a Scripting.Dictionary, whose Add
    raises run-time error 457 for a key it already holds."""
    from perphedge import ooxml

    pkg = ooxml.Package.read(path)
    grid = {(c.row, c.col): c.value for c in pkg.cells(pkg.sheet("myaddin.conf").part)}
    config, row = {}, 1
    while grid.get((row, 1)) not in (None, ""):
        key = str(grid[(row, 1)]).upper()
        if key in config:
            raise AssertionError(f"run-time error 457: {key} is already associated (row {row})")
        config[key] = grid.get((row, 2))
        row += 1
    return config


def test_install_settings_never_repeat_a_key_the_sheet_already_has(tmp_path):
    # addin install passes the UDF module and the interpreter; the base rows hold the UDF
    # module already. A repeated key makes every GetConfig of the add-in fail in VBA.
    from perphedge.install import installer

    plan = installer.make_plan(target=tmp_path / "t", platform="win",
                               interpreter=r"C:\Py\python.exe", environ={})
    assert any(k.upper() == "UDF MODULES" for k, _ in plan.settings)
    out = xlam.build_addin(tmp_path / "a", settings=plan.settings + (
        ("udf modules", "other.module"),))
    config = _vba_sheet_config(out)
    assert config["UDF MODULES"] == "other.module"      # the last value given wins
    assert config["INTERPRETER_WIN"] == r"C:\Py\python.exe"
    assert config["ADD_WORKBOOK_TO_PYTHONPATH"] is False


def test_addin_build_command_pins_the_interpreter(tmp_path, capsys):
    # An add-in without an interpreter in its own sheet would let a myaddin.conf file
    # beside a received workbook choose which Python runs.
    from perphedge.cli import main

    assert main(["addin", "build", "--out", str(tmp_path / "a")]) == 0
    settings = xlam.inspect_addin(tmp_path / "a" / "perphedge.xlam").settings
    assert settings["Interpreter_Win"] == sys.executable
    assert settings["Interpreter_Mac"] == sys.executable  # this machine is neither: both pinned
    assert main(["addin", "build", "--out", str(tmp_path / "b"),
                 "--interpreter", r"C:\Python311\python.exe"]) == 0
    assert xlam.inspect_addin(tmp_path / "b" / "perphedge.xlam").settings["Interpreter_Win"] == \
        r"C:\Python311\python.exe"


def test_the_ribbon_offers_no_recalculation_that_looks_like_a_refresh(built):
    # Calculate Now beside Refresh prices would read as "fetch again"; it fetches nothing
    # (the live functions are not volatile), so the tab does not offer it
    with zipfile.ZipFile(built) as z:
        ui = ET.fromstring(z.read("customUI/customUI.xml"))
    builtins = {el.get("idMso") for el in ui.iter() if el.get("idMso")}
    assert builtins.isdisjoint({"CalculateNow", "CalculateSheet", "CalculateFull"})
    assert "NameManager" in builtins
