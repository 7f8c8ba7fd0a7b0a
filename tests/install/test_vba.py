from perphedge.install import vba

MODULES = {
    "Ribbon": "Sub RunMain(control As IRibbonControl)\n  x\nEnd Sub\n"
              "Public Sub Other()\nEnd Sub\nPrivate Function F(a As String) As String\nEnd Function\n",
    "xlwings": 'Public Const XLWINGS_VERSION As String = "1.2.3"\n'
               'Public Const PROJECT_NAME As String = "proj"\n',
}


def test_procedures_and_ribbon_signature():
    procs = {p.qualified: p for p in vba.procedures(MODULES)}
    assert set(procs) == {"Ribbon.RunMain", "Ribbon.Other", "Ribbon.F"}
    assert procs["Ribbon.RunMain"].is_ribbon_callback
    assert not procs["Ribbon.Other"].is_ribbon_callback
    assert not procs["Ribbon.F"].is_ribbon_callback


def test_constants():
    assert vba.xlwings_version(MODULES) == "1.2.3"
    assert vba.project_name(MODULES) == "proj"
