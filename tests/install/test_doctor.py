"""The doctor's findings, one simulated trap at a time (the system's facts are built by
hand through the one seam, ``doctor.Facts``), and the facts this system really gives."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest

from perphedge.cli import main
from perphedge.install import doctor

V = "0.37.8"
PY = r"C:\Users\ann\AppData\Local\perphedge\venv\Scripts\python.exe"

#: A Windows machine on which the add-in works: python.org's 64-bit CPython in a venv whose
#: root holds the xlwings DLL (where pip puts it), Excel closed, Smart App Control off.
GOOD_WINDOWS = doctor.Facts(
    platform="win", interpreter=PY, base_prefix=r"C:\Users\ann\AppData\Local\Programs\Python\Python312",
    conda=False, machine="AMD64", pointer_bits=64, implementation="cpython", xlwings_version=V,
    files_beside_interpreter=frozenset({"python.exe", "pythonw.exe", f"xlwings64-{V}.dll", "lib"}),
    addin_folder=r"C:\Users\ann\AppData\Roaming\Microsoft\Excel\XLSTART", excel_running=False,
    excel_path=r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE", smart_app_control="off",
    import_error=None)
GOOD_MAC = replace(GOOD_WINDOWS, platform="mac", interpreter="/Users/ann/Library/perphedge/venv/bin/python",
                   base_prefix="/Library/Frameworks/Python.framework/Versions/3.12", machine="arm64",
                   files_beside_interpreter=frozenset({"python"}), excel_path=None, smart_app_control=None,
                   addin_folder="/Users/ann/Library/Group Containers/UBF8T346G9.Office/User Content.localized/"
                                "Startup.localized/Excel")


def checks(facts):
    return {(f.severity, f.check) for f in doctor.findings(facts)}


def test_a_working_system_has_no_finding():
    assert doctor.findings(GOOD_WINDOWS) == [] and doctor.findings(GOOD_MAC) == []


@pytest.mark.parametrize("facts, expected", [
    # the Store's python.exe and a venv made from it
    (replace(GOOD_WINDOWS, interpreter=r"C:\Users\ann\AppData\Local\Microsoft\WindowsApps\python.exe"),
     ("problem", "store-python")),
    (replace(GOOD_WINDOWS, base_prefix=r"C:\Program Files\WindowsApps\PythonSoftwareFoundation.Python.3.12"
                                       r"_3.12.2800.0_x64__qbz5n2kfra8p0"), ("problem", "store-python")),
    (replace(GOOD_WINDOWS, conda=True, base_prefix=r"C:\Users\ann\anaconda3"), ("problem", "conda")),
    (replace(GOOD_WINDOWS, machine="ARM64"), ("problem", "x64-cpython")),
    (replace(GOOD_WINDOWS, pointer_bits=32, machine="x86"), ("problem", "x64-cpython")),
    (replace(GOOD_WINDOWS, implementation="pypy"), ("problem", "x64-cpython")),
    (replace(GOOD_WINDOWS, files_beside_interpreter=frozenset({"python.exe"})), ("problem", "xlwings-dll")),
    (replace(GOOD_WINDOWS, interpreter=r"C:\Users\Zoë\AppData\Local\perphedge\venv\Scripts\python.exe"),
     ("problem", "ascii-path")),
    (replace(GOOD_WINDOWS, addin_folder=r"C:\Users\Jürgen\AppData\Roaming\Microsoft\Excel\XLSTART"),
     ("problem", "ascii-path")),
    (replace(GOOD_WINDOWS, excel_running=True), ("note", "excel-running")),
    (replace(GOOD_WINDOWS, excel_path=r"C:\Program Files\WindowsApps\Microsoft.Office.Desktop.Excel_16051."
                                      r"x64__8wekyb3d8bbwe\Office16\EXCEL.EXE"), ("note", "store-office")),
    (replace(GOOD_WINDOWS, smart_app_control="on"), ("note", "smart-app-control")),
    (replace(GOOD_WINDOWS, smart_app_control="evaluation"), ("note", "smart-app-control")),
    (replace(GOOD_WINDOWS, import_error="ModuleNotFoundError: No module named 'perphedge'"),
     ("problem", "import")),
    (replace(GOOD_MAC, interpreter="/usr/bin/python3"), ("problem", "apple-python")),
    (replace(GOOD_MAC, interpreter="/Library/Developer/CommandLineTools/usr/bin/python3"),
     ("problem", "apple-python")),
    (replace(GOOD_MAC, interpreter="/Users/ann/Library/Application Support/venv/bin/python"),
     ("problem", "mac-shell-path")),
], ids=lambda x: x[1] if isinstance(x, tuple) else "")
def test_each_trap_is_found_and_only_that_one(facts, expected):
    assert checks(facts) == {expected}
    [finding] = doctor.findings(facts)
    assert "\n" not in finding.text and len(finding.text) > 60       # says what to do


def test_the_dll_check_follows_the_addins_own_two_folders():
    # the VBA (XLPyLoadDLL) tries the interpreter's folder, then the one above (a venv's root)
    text = next(f.text for f in doctor.findings(
        replace(GOOD_WINDOWS, files_beside_interpreter=frozenset())))
    assert f"xlwings64-{V}.dll" in text and f"xlwings=={V}" in text


def test_this_pythons_import_line_works_from_a_neutral_folder_even_beside_a_hijacker(tmp_path,
                                                                                        monkeypatch):
    # a file that would stand in for xlwings if the current folder were on the path
    (tmp_path / "xlwings.py").write_text("raise SystemExit('hijacked')\n")
    monkeypatch.chdir(tmp_path)
    assert doctor.run_import_line(sys.executable) is None
    assert "No module named" in doctor.run_import_line(sys.executable, "perphedge.no_such_module")
    assert "FileNotFoundError" in doctor.run_import_line(str(tmp_path / "missing" / "python"))


def test_gather_reads_this_system(tmp_path):
    facts = doctor.gather(sys.executable, tmp_path, "other")
    assert facts.interpreter == sys.executable and facts.import_error is None
    assert facts.pointer_bits in (32, 64) and facts.implementation == sys.implementation.name
    assert facts.excel_running is None and facts.smart_app_control is None


def test_doctor_command_exit_code_follows_problems(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "gather", lambda *a: replace(GOOD_WINDOWS, machine="ARM64"))
    assert main(["addin", "doctor", "--platform", "win", "--target", "."]) == 1
    out = capsys.readouterr().out
    assert "problem: [x64-cpython]" in out
    monkeypatch.setattr(doctor, "gather", lambda *a: GOOD_WINDOWS)
    assert main(["addin", "doctor", "--platform", "win", "--target", "."]) == 0


def test_install_on_the_system_it_is_for_stops_at_a_problem_before_writing(tmp_path, monkeypatch, capsys):
    from perphedge.install import locations

    monkeypatch.setattr("platformdirs.user_data_path", lambda *a, **k: tmp_path / "state")
    monkeypatch.setattr(locations, "current_platform", lambda *a: "win")
    monkeypatch.setattr(doctor, "gather", lambda *a: replace(GOOD_WINDOWS, excel_running=True))
    assert main(["addin", "install", "--target", str(tmp_path / "X"), "--platform", "win"]) == 1
    assert "[excel-running]" in capsys.readouterr().err
    assert not (tmp_path / "X").exists() and not (tmp_path / "state").exists()
