"""Replace a file all at once: a reader sees the old file or the new one, never half of one.

The new content goes to a temporary file in the target's own folder (so ``os.replace`` is a
rename on one file system), is flushed to disk, and is renamed over the target; the folder
is then flushed too where the OS allows it. On any failure the temporary file is removed
and the target is left exactly as it was.

Temporary files are named ``.<target name>.perphedge-<random>.tmp`` so that one left behind
by a killed process can be recognised (and only such files) — see :func:`leftover_temps`.

Imports nothing of ours: any part of the package can use it.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

TEMP_MARK = "perphedge"
TEMP_SUFFIX = ".tmp"
#: A leftover younger than this may belong to a write still going on.
LEFTOVER_AGE_S = 300.0


class AtomicWriteError(OSError):
    """The target could not be written; it is unchanged and no temporary file is left."""

    def __init__(self, target: Path, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror or str(cause), str(target))
        self.target = target

    def __str__(self) -> str:
        return f"could not write {self.target}: {self.strerror}"


class NotARegularFile(AtomicWriteError):
    """The target exists but is a symbolic link or not a regular file: writing there would
    overwrite whatever it points to, so nothing is written."""

    def __init__(self, target: Path) -> None:
        super().__init__(target, OSError(errno.ELOOP, "not a regular file"))

    def __str__(self) -> str:
        return (f"{self.target} is a symbolic link or not a regular file: nothing written; "
                "remove it or choose another path, and run again")


def _refuse_unless_regular(path: Path) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode):
        raise NotARegularFile(path)


def temp_name(target: str | Path) -> str:
    """A fresh temporary file name for ``target`` (the name only, no folder)."""
    return f".{Path(target).name}.{TEMP_MARK}-{secrets.token_hex(6)}{TEMP_SUFFIX}"


def _temp_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(re.escape(f".{target.name}.{TEMP_MARK}-") + r"[0-9a-f]{12}"
                      + re.escape(TEMP_SUFFIX))


def leftover_temps(target: str | Path, *, older_than_s: float = 0.0,
                   now: float | None = None) -> list[Path]:
    """Temporary files of an unfinished write of ``target`` (this target only), oldest
    first, last modified at least ``older_than_s`` seconds ago."""
    target = Path(target)
    folder = target.parent
    pattern = _temp_pattern(target)
    now = time.time() if now is None else now
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for e in entries:
        if not pattern.fullmatch(e.name):
            continue
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        if e.is_file(follow_symlinks=False) and now - st.st_mtime >= older_than_s:
            found.append((st.st_mtime, Path(e.path)))
    return [p for _, p in sorted(found)]


def remove_leftovers(target: str | Path, *, older_than_s: float = LEFTOVER_AGE_S) -> list[Path]:
    """Delete what :func:`leftover_temps` finds (old enough not to be a write in progress);
    returns the files removed. Files that cannot be removed are left quietly."""
    removed = []
    for p in leftover_temps(target, older_than_s=older_than_s):
        try:
            p.unlink()
            removed.append(p)
        except OSError:
            pass
    return removed


def _mode_for(target: Path, mode: int | None) -> int:
    if mode is not None:
        return mode
    try:
        return os.lstat(target).st_mode & 0o7777   # replacing a file keeps its permissions
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open folders; os.replace is durable enough there
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_target(path: str | Path, *, mode: int | None = None, follow_symlinks: bool = True,
                  before_replace: Callable[[], None] | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; write the new content there (by name).

    On leaving the block normally the temporary file is flushed to disk and renamed over
    ``path`` (a symbolic link is followed: the file it points to is replaced). If the block
    raises, or the rename fails, the temporary file is removed and ``path`` is unchanged.
    ``mode`` defaults to the replaced file's permissions, else the usual ones (umask).
    OS errors come out as :class:`AtomicWriteError` naming ``path``.

    With ``follow_symlinks=False`` a ``path`` that is a symbolic link or not a regular file
    is refused (:class:`NotARegularFile`), checked before writing and again just before the
    rename. The rename itself replaces the folder entry and never writes through a link, so
    a link made after the last check is replaced, not followed.

    ``before_replace`` is called just before the rename; whatever it raises aborts the write
    (e.g. the target changed since it was read).
    """
    if follow_symlinks:
        target = Path(os.path.realpath(path))
    else:
        target = Path(os.path.abspath(path))
        _refuse_unless_regular(target)
    tmp = target.with_name(temp_name(target))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
        os.close(fd)
    except OSError as e:
        raise AtomicWriteError(Path(path), e) from e
    try:
        yield tmp
        _fsync_file(tmp)
        os.chmod(tmp, _mode_for(target, mode))
        if not follow_symlinks:
            _refuse_unless_regular(target)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError) and not isinstance(e, AtomicWriteError):
            raise AtomicWriteError(Path(path), e) from e
        raise
    _fsync_dir(target.parent)


@contextmanager
def atomic_open(path: str | Path, mode: str = "wb", *, encoding: str | None = None,
                newline: str | None = None, file_mode: int | None = None,
                follow_symlinks: bool = True) -> Iterator[IO]:
    """An open file (``"wb"`` or ``"w"``) whose content replaces ``path`` on success."""
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    if mode == "w" and encoding is None:
        encoding = "utf-8"
    with atomic_target(path, mode=file_mode, follow_symlinks=follow_symlinks) as tmp:
        with open(tmp, mode, encoding=encoding, newline=newline) as f:
            yield f


def write_with(path: str | Path, writer: Callable[[IO[bytes]], None], *,
               file_mode: int | None = None, follow_symlinks: bool = True) -> Path:
    """Call ``writer(binary_file)`` and replace ``path`` with what it wrote."""
    with atomic_open(path, "wb", file_mode=file_mode, follow_symlinks=follow_symlinks) as f:
        writer(f)
    return Path(path)


def write_bytes_atomic(path: str | Path, data: bytes, *, file_mode: int | None = None,
                       follow_symlinks: bool = True) -> Path:
    with atomic_open(path, "wb", file_mode=file_mode, follow_symlinks=follow_symlinks) as f:
        f.write(data)
    return Path(path)


def write_text_atomic(path: str | Path, text: str, *, encoding: str = "utf-8",
                      newline: str | None = None, file_mode: int | None = None,
                      follow_symlinks: bool = True) -> Path:
    with atomic_open(path, "w", encoding=encoding, newline=newline, file_mode=file_mode,
                     follow_symlinks=follow_symlinks) as f:
        f.write(text)
    return Path(path)
