"""The add-in's settings file (``myaddin.conf``) in the format its VBA reads.

The VBA writes it with ``Write #`` and reads it with ``Input #``: one ``"key","value"``
line per setting, keys compared case-insensitively. Lines we do not change are written
back byte for byte (``Write #`` spells booleans ``#TRUE#``; re-quoting would change them).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from perphedge.atomicfile import write_text_atomic


@dataclass(frozen=True)
class Line:
    key: str
    value: str
    raw: str | None = None     # the original text, for lines left as they were

    def text(self) -> str:
        return self.raw if self.raw is not None else f'"{self.key}","{self.value}"'


def parse(text: str) -> list[Line]:
    out = []
    for raw in text.splitlines():
        rec = next(csv.reader(io.StringIO(raw)), [])
        if rec and rec[0].strip():
            out.append(Line(rec[0].strip(), rec[1] if len(rec) > 1 else "", raw))
    return out


def render(lines: list[Line]) -> str:
    return "".join(line.text() + "\r\n" for line in lines)


def read(path: Path) -> list[Line]:
    return parse(path.read_text(encoding="utf-8", errors="replace")) if path.is_file() else []


def as_dict(lines: list[Line]) -> dict[str, str]:
    return {line.key: line.value for line in lines}


def update(lines: list[Line], changes: dict[str, str | None]) -> list[Line]:
    """Set (or with None, remove) keys, case-insensitively, keeping other lines as they are."""
    lower = {k.lower(): (k, v) for k, v in changes.items()}
    out, seen = [], set()
    for line in lines:
        if line.key.lower() in lower:
            _key, new = lower[line.key.lower()]
            seen.add(line.key.lower())
            if new is not None:
                out.append(line if new == line.value and line.raw is not None
                           else Line(line.key, new))
        else:
            out.append(line)
    out += [Line(k, v) for k, v in changes.items() if k.lower() not in seen and v is not None]
    return out


def write(path: Path, lines: list[Line]) -> None:
    """Replace the file whole (a crash never leaves half a settings file); an OS error is
    an :class:`~perphedge.atomicfile.AtomicWriteError` naming the file."""
    write_text_atomic(path, render(lines), encoding="utf-8", newline="")
