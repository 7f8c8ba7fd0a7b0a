"""Install into temporary folders end to end; uninstall undoes exactly what install did."""

import hashlib
import os
import sys
from pathlib import Path

import pytest

from perphedge.cli import main
from perphedge.install import installer, locations, userconf, xlam


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest()
                                       if p.is_file() else "dir")
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setattr("platformdirs.user_data_path", lambda *a, **k: tmp_path / "state")
    (tmp_path / "cfg").mkdir()
    # a settings file the user already had: our keys are added, theirs kept, then restored
    (tmp_path / "cfg" / "myaddin.conf").write_text(
        '"Conda Env","base"\r\n"UDF Modules","old"\r\n"Show Console",#FALSE#\r\n', newline="")
    return tmp_path


def run(*args):
    return main(list(args))


def test_dry_run_writes_nothing(home, capsys):
    before = tree(home)
    assert run("addin", "install", "--target", str(home / "XLSTART"), "--config-dir",
               str(home / "cfg"), "--platform", "win", "--dry-run") == 0
    assert tree(home) == before
    out = capsys.readouterr().out
    assert "dry run" in out and str(home / "XLSTART" / "perphedge.xlam") in out


def test_install_status_uninstall_round_trip(home, capsys):
    before = tree(home)
    target = home / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART"
    args = ["--target", str(target), "--config-dir", str(home / "cfg"), "--platform", "win"]
    assert run("addin", "status", *args) == 1            # not installed yet
    assert run("addin", "install", *args) == 0
    addin = target / "perphedge.xlam"
    info = xlam.inspect_addin(addin)
    assert info.settings["Interpreter_Win"] == sys.executable
    assert info.settings["UDF Modules"] == "perphedge.excel.udfs"
    assert "Interpreter_Mac" not in info.settings       # platform win writes the Win key only
    conf = userconf.as_dict(userconf.read(home / "cfg" / "myaddin.conf"))
    assert conf == {"Conda Env": "base", "UDF Modules": "perphedge.excel.udfs",
                    "Show Console": "#FALSE#", "Interpreter_Win": sys.executable}
    capsys.readouterr()
    # installed on a system without Excel, the add-in's VBA declares no function yet
    assert run("addin", "status", *args) == 1
    out = capsys.readouterr().out
    assert str(addin) in out and "the add-in does not declare BASIS" in out
    assert "reinstall on Windows with Excel closed" in out
    # a second install refuses instead of silently overwriting; --replace upgrades
    assert run("addin", "install", *args) != 0
    installed = tree(home)
    assert run("addin", "install", *args, "--replace", "--dry-run") == 0
    assert tree(home) == installed
    assert run("addin", "install", *args, "--replace") == 0
    assert tree(home) == installed       # the same build: byte-identical files again
    # dry-run uninstall changes nothing
    installed = tree(home)
    assert run("addin", "uninstall", *args, "--dry-run") == 0
    assert tree(home) == installed
    assert run("addin", "uninstall", *args) == 0
    assert tree(home) == before                          # every file and folder as before


def test_status_reports_a_changed_or_mismatched_addin(home, capsys, monkeypatch):
    args = ["--target", str(home / "X"), "--platform", "mac"]
    assert run("addin", "install", *args) == 0
    # Excel saving the add-in after Import Functions is expected, not a problem
    with open(home / "X" / "perphedge.xlam", "ab") as f:
        f.write(b"\0")
    capsys.readouterr()
    assert run("addin", "status", *args) == 0
    assert "changed since install" in capsys.readouterr().out
    monkeypatch.setattr(xlam, "installed_xlwings_version", lambda: "9.9.9")
    capsys.readouterr()
    assert run("addin", "status", *args) == 1
    assert "reinstall" in capsys.readouterr().out
    assert run("addin", "uninstall", *args) == 0


def test_install_refuses_to_overwrite_a_foreign_addin(home):
    target = home / "X"
    target.mkdir()
    (target / "perphedge.xlam").write_bytes(b"someone else's")
    assert run("addin", "install", "--target", str(target)) != 0
    assert (target / "perphedge.xlam").read_bytes() == b"someone else's"


def test_real_locations_on_a_fake_windows_profile(home, monkeypatch):
    monkeypatch.setenv("APPDATA", str(home / "Roaming"))
    monkeypatch.setenv("USERPROFILE", str(home / "profile"))
    plan = installer.make_plan(platform="win")
    assert plan.addin == home / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "perphedge.xlam"
    # The settings go in the add-in's own sheet; the user-wide myaddin.conf, which every
    # add-in built from the same xlwings template shares, is left alone by default.
    assert plan.config_file is None
    before = tree(home)
    installer.install(plan)
    assert plan.addin.is_file()
    assert not (home / "profile" / ".myaddin").exists()
    settings = xlam.inspect_addin(plan.addin).settings
    assert settings["Interpreter_Win"] == sys.executable
    assert settings["UDF Modules"] == "perphedge.excel.udfs"
    installer.uninstall(plan)
    assert tree(home) == before


def test_user_wide_settings_file_only_when_asked(home, monkeypatch):
    monkeypatch.setenv("APPDATA", str(home / "Roaming"))
    monkeypatch.setenv("USERPROFILE", str(home / "profile"))
    user_file = locations.user_config_file("win", os.environ, home)
    assert user_file == home / "profile" / ".myaddin" / "myaddin.conf"
    plan = installer.make_plan(platform="win", config_dir=user_file.parent)
    before = tree(home)
    installer.install(plan)
    assert plan.config_file == user_file and user_file.is_file()
    installer.uninstall(plan)
    assert tree(home) == before


def test_macos_install_copies_the_runpython_applescript(home, monkeypatch):
    import xlwings

    plan = installer.make_plan(platform="mac", home=home / "Users" / "ann")
    assert plan.applescript[1] == (home / "Users/ann/Library/Application Scripts/"
                                   "com.microsoft.Excel" / f"xlwings-{xlwings.__version__}.applescript")
    before = tree(home)
    installer.install(plan)
    assert plan.applescript[1].is_file() and plan.addin.is_file()
    assert "Interpreter_Mac" in xlam.inspect_addin(plan.addin).settings
    installer.uninstall(plan)
    assert tree(home) == before


def test_linux_without_target_is_a_clear_message(capsys, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert run("addin", "install") == 1
    assert "Excel is not available" in capsys.readouterr().err


def test_macos_interpreter_path_with_a_space_is_refused_before_anything_is_written(home):
    # xlwings' RunPython AppleScript puts the interpreter into a shell command unquoted
    import xlwings

    script = (Path(xlwings.__file__).parent /
              f"xlwings-{xlwings.__version__}.applescript").read_text()
    assert 'set ShellCommand to PythonInterpreter & " -B' in script
    spaced = str(home / "Users/ann/Library/Application Support/perphedge/venv/bin/python")
    plan = installer.make_plan(platform="mac", home=home / "Users" / "ann", interpreter=spaced)
    before = tree(home)
    with pytest.raises(installer.InstallError, match="space or shell character"):
        installer.install(plan)
    assert tree(home) == before
    assert installer.interpreter_problem("mac", "/Users/ann/Library/perphedge/venv/bin/python") is None
    # Windows quotes the interpreter itself ("C:\Users\Ann Lee\...\python.exe" works there)
    assert installer.interpreter_problem("win", r"C:\Users\Ann Lee\venv\Scripts\python.exe") is None


def test_dry_run_without_excel_lists_what_each_system_would_get_and_succeeds(home, capsys,
                                                                             monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    before = tree(home)
    assert run("addin", "install", "--dry-run") == 0
    out = capsys.readouterr().out
    assert tree(home) == before
    assert r"%APPDATA%\Microsoft\Excel\XLSTART\perphedge.xlam" in out
    assert ("~/Library/Group Containers/UBF8T346G9.Office/User Content.localized/"
            "Startup.localized/Excel/perphedge.xlam") in out
    assert "Interpreter_Win = " in out and "Interpreter_Mac = " in out
    assert "RunPython script: ~/Library/Application Scripts/com.microsoft.Excel/" in out


def test_a_folder_the_system_refuses_is_a_message_not_a_traceback(home, capsys, monkeypatch):
    # what macOS answers when the Terminal may not write into Office's group container
    def refuse(*a, **k):
        raise PermissionError(1, "Operation not permitted", str(home / "X"))

    monkeypatch.setattr(installer, "_mkdirs", refuse)
    assert run("addin", "install", "--target", str(home / "X"), "--platform", "mac") == 1
    err = capsys.readouterr().err
    assert f"could not write {home / 'X'}: Operation not permitted" in err
    assert "Traceback" not in err and "Privacy & Security" in err


def test_status_runs_the_pinned_interpreter_as_the_function_server_would(home, capsys, tmp_path):
    # a "Python" that starts but cannot import the package: status says so and fails
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho \"ModuleNotFoundError: No module named 'perphedge'\" >&2\nexit 1\n")
    broken.chmod(0o755)
    args = ["--target", str(home / "X"), "--platform", "mac"]
    plan = installer.make_plan(target=home / "X", platform="mac", interpreter=str(broken))
    installer.install(plan)
    assert run("addin", "status", *args) == 1
    out = capsys.readouterr().out
    assert "self-test:      failed" in out and "No module named 'perphedge'" in out
    installer.uninstall(plan)
    installer.install(installer.make_plan(target=home / "X", platform="mac"))
    capsys.readouterr()
    assert run("addin", "status", *args) == 0
    assert "self-test:      ok" in capsys.readouterr().out


def test_status_on_windows_looks_for_the_dll_where_the_addins_vba_loads_it(home, capsys, monkeypatch,
                                                                           tmp_path):
    import xlwings

    # a venv's Scripts\python.exe (here a wrapper that runs this Python), its root above
    venv = tmp_path / "venv"
    (venv / "Scripts").mkdir(parents=True)
    exe = venv / "Scripts" / "python.exe"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    exe.chmod(0o755)
    monkeypatch.setattr(locations, "current_platform", lambda *a: "win")
    plan = installer.make_plan(target=home / "X", platform="win", interpreter=str(exe))
    installer.install(plan)
    dll = f"xlwings64-{xlwings.__version__}.dll"
    assert any(f"{dll} is in neither" in p for p in installer.status(plan).problems)   # ARM64 wheel
    (venv / dll).write_bytes(b"MZ")                      # where pip puts it in a venv
    assert not any(dll in p for p in installer.status(plan).problems)
