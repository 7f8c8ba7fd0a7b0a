"""The add-in's settings file (``myaddin.conf``) in the format its VBA reads.

The VBA writes it with ``Write #`` and reads it with ``Input #``: one ``"key","value"``
line per setting, keys compared case-insensitively.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path


def parse(text: str) -> list[tuple[str, str]]:
    rows = []
    for rec in csv.reader(io.StringIO(text)):
        if rec and rec[0].strip():
            rows.append((rec[0].strip(), rec[1] if len(rec) > 1 else ""))
    return rows


def render(rows: list[tuple[str, str]]) -> str:
    return "".join(f'"{k}","{v}"\r\n' for k, v in rows)


def read(path: Path) -> list[tuple[str, str]]:
    return parse(path.read_text(encoding="utf-8", errors="replace")) if path.is_file() else []


def update(rows: list[tuple[str, str]], changes: dict[str, str | None]) -> list[tuple[str, str]]:
    """Set (or with None, remove) keys, case-insensitively, keeping other lines in order."""
    lower = {k.lower(): (k, v) for k, v in changes.items()}
    out, seen = [], set()
    for k, v in rows:
        if k.lower() in lower:
            key, new = lower[k.lower()]
            seen.add(k.lower())
            if new is not None:
                out.append((k, new))
        else:
            out.append((k, v))
    out += [(k, v) for k, v in changes.items() if k.lower() not in seen and v is not None]
    return out


def write(path: Path, rows: list[tuple[str, str]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render(rows), encoding="utf-8", newline="")
    os.replace(tmp, path)
