"""The per-OS installer scripts call the one install command with paths that exist."""

import os
import subprocess
from pathlib import Path

INSTALLER = Path(__file__).resolve().parents[2] / "installer"



def test_windows_scripts_have_crlf_line_endings_and_call_addin_install():
    for name in ("install-windows.cmd", "uninstall-windows.cmd"):
        raw = (INSTALLER / name).read_bytes()
        assert raw.count(b"\n") == raw.count(b"\r\n"), name   # cmd.exe needs CRLF
    text = (INSTALLER / "install-windows.cmd").read_text()
    # the interpreter itself runs the command: no perphedge.exe launcher for Smart App
    # Control to block; the ribbon XML comes from the installed package
    assert '"%PERPHEDGE_VENV%\\Scripts\\python.exe" -m perphedge.cli addin install --replace %*' in text
    assert "perphedge.exe" not in text and "--ribbon" not in text
    assert text.index("-m perphedge.cli addin doctor") < text.index("-m perphedge.cli addin install --replace")
    assert "sys.version_info < (3, 11)" in text
    assert "WindowsApps" in text            # the Microsoft Store's Python is refused
    assert "isascii()" in text              # an accented user name moves the environment


def test_macos_scripts_are_executable_valid_sh_and_call_addin_install():
    for name in ("install-macos.command", "uninstall-macos.command"):
        path = INSTALLER / name
        assert os.access(path, os.X_OK), name
        assert path.read_text().startswith("#!/bin/sh\n")
        subprocess.run(["sh", "-n", str(path)], check=True)
    text = (INSTALLER / "install-macos.command").read_text()
    assert '"$VENV/bin/python" -m perphedge.cli addin install --replace "$@"' in text
    assert "bin/perphedge" not in text and "--ribbon" not in text
    # python.org's build before Homebrew's; never Apple's /usr/bin/python3 by default
    assert text.index("Python.framework") < text.index("/opt/homebrew/bin/python3")
    assert "/usr/bin/python3" not in text.replace("/usr/bin/python3 is", "")


def test_the_end_of_install_text_on_macos_names_no_windows_step():
    text = (INSTALLER / "install-macos.command").read_text()
    tail = text[text.index('echo "Done.'):]
    for windows_only in ("Import Functions", "trust", "Trust", "VBA"):
        assert windows_only not in tail


def test_macos_script_stops_with_a_message_when_python_is_too_old(tmp_path):
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\nexit 1\n")     # answers the version check with "too old"
    fake.chmod(0o755)
    env = {**os.environ, "PERPHEDGE_PYTHON": str(fake), "PERPHEDGE_VENV": str(tmp_path / "v")}
    r = subprocess.run(["sh", str(INSTALLER / "install-macos.command")], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "Python 3.11 or newer is needed" in r.stdout
    assert not (tmp_path / "v").exists()


def test_installer_readme_names_the_excel_only_steps():
    text = (INSTALLER / "README.md").read_text()
    flat = " ".join(text.split())
    for step in ("MyAddin (perphedge.xlam)", "File → Import File", "Grant Access",
                 "Privacy & Security → Automation", "Open Anyway", "addin status", "addin doctor",
                 "Block all Office applications from creating child processes"):
        assert step in flat
    # each step of both walks says what the user should see
    for system in ("## Windows", "## macOS"):
        walk = text.split(system, 1)[1].split("\n## ", 1)[0]
        steps = walk.split("\n3. ", 1)[1].split("\n\n**", 1)[0].split("\n4. ")
        steps = [steps[0], *steps[1].split("\n5. ")]
        assert len(steps) == 3 and all("should see" in " ".join(s.split()) for s in steps), system
    assert "ImportPythonUDFsToAddin" not in text      # the install imports the functions itself


def test_macos_scripts_default_to_one_environment_path_without_spaces():
    import re

    found = {re.search(r'VENV="\$\{PERPHEDGE_VENV:-([^}]*)\}"', (INSTALLER / n).read_text())
             .group(1) for n in ("install-macos.command", "uninstall-macos.command")}
    assert len(found) == 1 and " " not in found.pop()
