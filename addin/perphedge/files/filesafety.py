"""What every writer of a user's workbook checks first and records after, stated once:
the refresh, the Positions writer and the commands' output policy use these.

- **Open elsewhere**: Excel keeps ``~$NAME`` beside an open workbook (for a long name ``~$``
  and the name without its first two characters), LibreOffice ``.~lock.NAME#``; a file
  replaced under either would be overwritten by its next save.
- **Read-only**: the mode bits too — root passes ``os.access`` on any file, but a file
  marked read-only was marked so on purpose.
- **Identity**: inode, size and modification time, compared just before a swap, so a save
  by another program in the meantime wins.
- **The refresh's record**: the SHA-256 of what the last refresh wrote
  (``.FILE.perphedge-refreshed``), so the next one can tell its own output from a version the
  user saved.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def open_in(path: Path) -> tuple[Path, str] | None:
    """(the lock file, the program) when ``path`` is open in Excel or LibreOffice."""
    name = path.name
    for lock, program in ((f"~${name}", "Excel"), (f"~${name[2:]}", "Excel"),
                          (f".~lock.{name}#", "LibreOffice")):
        if os.path.lexists(path.with_name(lock)):
            return path.with_name(lock), program
    return None


def is_read_only(path: Path) -> bool:
    return not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222


def identity(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_file(path: Path) -> Path:
    """What the last refresh wrote (its SHA-256): ``.FILE.perphedge-refreshed``."""
    return path.with_name("." + path.name + ".perphedge-refreshed")


def last_written(path: Path) -> str | None:
    """The digest the last refresh recorded for ``path`` (None: none, or unreadable)."""
    try:
        return record_file(path).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None
