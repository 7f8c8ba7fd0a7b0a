"""A file is replaced whole or not at all, and no temporary file outlives a write."""

from __future__ import annotations

import os
import stat
import sys
import time

import pytest

from perphedge import atomicfile as af


def names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_success_replaces_the_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"old")
    assert af.write_bytes_atomic(target, b"new") == target
    assert target.read_bytes() == b"new"
    assert names(tmp_path) == ["book.xlsx"]
    af.write_text_atomic(tmp_path / "a.conf", "k=\u00e9\r\n", newline="")
    assert (tmp_path / "a.conf").read_bytes() == "k=\u00e9\r\n".encode("utf-8")


def test_failure_leaves_the_original_untouched_and_no_temp(tmp_path):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"original")
    seen = []
    with pytest.raises(RuntimeError, match="boom"):
        with af.atomic_target(target) as tmp:
            tmp.write_bytes(b"half")
            seen.append(tmp)
            raise RuntimeError("boom")
    assert target.read_bytes() == b"original"
    assert names(tmp_path) == ["book.xlsx"]
    # the temp was beside the target, under a recognisable name
    assert seen[0].parent == tmp_path
    assert seen[0].name.startswith(".book.xlsx.perphedge-") and seen[0].name.endswith(".tmp")

    def writer(f):
        f.write(b"partial")
        raise ValueError("writer failed")
    with pytest.raises(ValueError):
        af.write_with(target, writer)
    assert target.read_bytes() == b"original" and names(tmp_path) == ["book.xlsx"]


def test_a_failing_rename_is_a_clear_error_naming_the_file(tmp_path, monkeypatch):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"original")

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(af.os, "replace", refuse)
    with pytest.raises(af.AtomicWriteError) as info:
        af.write_bytes_atomic(target, b"new")
    assert str(info.value) == f"could not write {target}: Permission denied"
    assert isinstance(info.value, PermissionError) or info.value.errno == 13
    assert target.read_bytes() == b"original" and names(tmp_path) == ["book.xlsx"]


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="needs a folder this user cannot write to (not root)")
def test_a_read_only_folder_is_a_clear_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "book.xlsx").write_bytes(b"original")
    folder.chmod(0o500)
    try:
        with pytest.raises(af.AtomicWriteError, match="could not write .*book.xlsx: Permission"):
            af.write_bytes_atomic(folder / "book.xlsx", b"new")
    finally:
        folder.chmod(0o700)
    assert (folder / "book.xlsx").read_bytes() == b"original"


def test_a_folder_that_is_not_there_is_a_clear_error(tmp_path):
    with pytest.raises(af.AtomicWriteError, match="could not write .*nowhere"):
        af.write_bytes_atomic(tmp_path / "nowhere" / "book.xlsx", b"x")


def test_permissions_of_the_replaced_file_are_kept(tmp_path):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o640)
    af.write_bytes_atomic(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    fresh = af.write_bytes_atomic(tmp_path / "new.xlsx", b"x", file_mode=0o644)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges")
def test_a_symbolic_link_keeps_pointing_at_the_replaced_file(tmp_path):
    real = tmp_path / "real.xlsx"
    real.write_bytes(b"old")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    af.write_bytes_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_leftovers_are_only_this_targets_temps_and_only_old_ones(tmp_path):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"x")
    old = tmp_path / af.temp_name(target)
    young = tmp_path / af.temp_name(target)
    other = tmp_path / af.temp_name(tmp_path / "other.xlsx")
    lookalikes = [tmp_path / ".book.xlsx.perphedge-notours.tmp", tmp_path / ".book.xlsx.abc.tmp",
                  tmp_path / "book.xlsx.tmp", tmp_path / ".book.xlsx.perphedge-0123456789ab.tmp.keep"]
    for p in [old, young, other, *lookalikes]:
        p.write_bytes(b"partial")
    hour_ago = time.time() - 3600
    for p in [old, other, *lookalikes]:
        os.utime(p, (hour_ago, hour_ago))
    assert af.leftover_temps(target) == [old, young]
    assert af.leftover_temps(target, older_than_s=af.LEFTOVER_AGE_S) == [old]
    assert af.remove_leftovers(target) == [old]
    assert not old.exists()
    assert all(p.exists() for p in [young, other, target, *lookalikes])


def test_without_following_links_a_link_or_folder_is_refused_and_nothing_written(tmp_path):
    real = tmp_path / "real.txt"
    real.write_bytes(b"old")
    link = tmp_path / "link.bak"
    link.symlink_to(real)
    with pytest.raises(af.NotARegularFile, match=r"link\.bak is a symbolic link"):
        af.write_bytes_atomic(link, b"new", follow_symlinks=False)
    (tmp_path / "folder.bak").mkdir()
    with pytest.raises(af.NotARegularFile, match="not a regular file"):
        af.write_bytes_atomic(tmp_path / "folder.bak", b"new", follow_symlinks=False)
    assert real.read_bytes() == b"old" and link.is_symlink()
    assert names(tmp_path) == ["folder.bak", "link.bak", "real.txt"]
    af.write_bytes_atomic(tmp_path / "plain.bak", b"new", follow_symlinks=False)
    assert (tmp_path / "plain.bak").read_bytes() == b"new"


def test_a_link_made_during_the_write_is_refused_before_the_rename(tmp_path):
    real = tmp_path / "real.txt"
    real.write_bytes(b"old")
    target = tmp_path / "out.bak"
    with pytest.raises(af.NotARegularFile):
        with af.atomic_target(target, follow_symlinks=False) as tmp:
            tmp.write_bytes(b"new")
            target.symlink_to(real)
    assert real.read_bytes() == b"old" and names(tmp_path) == ["out.bak", "real.txt"]


def test_before_replace_can_abort_the_write(tmp_path):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"old")

    def changed():
        raise RuntimeError("changed meanwhile")

    with pytest.raises(RuntimeError, match="changed meanwhile"):
        with af.atomic_target(target, before_replace=changed) as tmp:
            tmp.write_bytes(b"new")
    assert target.read_bytes() == b"old" and names(tmp_path) == ["book.xlsx"]
