"""One Refresh prices at a time, across processes.

Each click on the button starts a new Python process (xlwings' RunPython), so a second
click while the first is still fetching would start a second refresh writing the same
table. The lock is the operating system's own file lock: it is released when its process
ends, however it ends, so a crashed refresh never leaves the button locked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from perphedge.core.errors import PerphedgeError


class RefreshBusy(PerphedgeError):
    """Another refresh holds the lock."""


def _try_lock(fd: int) -> bool:
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def held(path: Path) -> Iterator[None]:
    """Hold the refresh lock at ``path`` for the block, or raise :class:`RefreshBusy`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _try_lock(fd):
            raise RefreshBusy("another Refresh prices is still running; wait for it to finish "
                              "(its progress shows in the status bar), then click again")
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
