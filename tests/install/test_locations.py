from pathlib import Path

import pytest

from perphedge.install import locations


def test_windows_startup_folder_and_user_settings():
    env = {"APPDATA": "/x/AppData/Roaming", "USERPROFILE": "/x"}
    assert locations.startup_folder("win", env, Path("/h")) == Path(
        "/x/AppData/Roaming/Microsoft/Excel/XLSTART")
    # the VBA: Environ("USERPROFILE") & "\.myaddin\myaddin.conf"
    assert locations.user_config_file("win", env, Path("/h")) == Path("/x/.myaddin/myaddin.conf")


def test_macos_startup_folder_and_sandboxed_user_settings():
    home = Path("/Users/ann")
    assert locations.startup_folder("mac", {}, home) == Path(
        "/Users/ann/Library/Group Containers/UBF8T346G9.Office/User Content.localized/"
        "Startup.localized/Excel")
    assert locations.user_config_file("mac", {}, home) == Path(
        "/Users/ann/Library/Containers/com.microsoft.Excel/Data/myaddin.conf")


def test_no_excel_on_linux_is_a_clear_message():
    with pytest.raises(locations.NoExcelHere, match="Excel is not available"):
        locations.startup_folder("other", {}, Path("/h"))


def test_platform_detection():
    assert locations.current_platform("win32") == "win"
    assert locations.current_platform("darwin") == "mac"
    assert locations.current_platform("linux") == "other"
