"""Time and peak memory of ``check`` and ``share`` on a large ordinary sheet and on a zip
bomb, the code at a given commit (OLD, default ba7bb35) beside this tree's, in one run.

Run: python benchmarks/bench_share.py [--old-commit ba7bb35] [--rows 100000]

The old code is checked out with ``git worktree add`` into a temporary folder and run with
``PYTHONPATH`` pointing at it; every measurement is a child process of its own (peak
memory is the child's ``ru_maxrss``), capped at 4 GiB of address space and 120 s so a
version that blows up says so instead of taking the machine down.

Inputs (synthetic, built once into a temporary folder): a 100,000-row x 17-column sheet of
numbers and short texts (openpyxl write-only), and a bomb: one sheet of ~300 MiB of
identical cells that deflates to a few MB. Targets: peak <= 300 MB on both inputs and
both commands, and ``check`` >= 3x faster on the 100,000-row sheet (the figure the old code
was measured by: 12 s, 1.1 GB). ``share``'s times are reported beside the old ones but not
held to a speed-up: the old share copied every worksheet byte for byte without reading it,
which is what made it unsafe; the new one reads every part it copies and checks the copy
before writing it. Exits non-zero if the new code misses a target.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_PEAK_MB = 300
TARGET_SPEEDUP = 3.0
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CAP_BYTES = 4 << 30
TIMEOUT_S = 120
BOMB_MIB = 300

CHILD = r"""
import sys, time
from pathlib import Path
op, src, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
t = time.perf_counter()
try:
    if op == "check":
        from perphedge.files.check import check_file
        found = check_file(src, max_age_hours=1e9)
        what = f"{len(found)} findings"
    else:
        from perphedge.files.share import share_file
        share_file(src, out)
        what = f"wrote {out.stat().st_size} bytes"
except MemoryError:
    what = "MemoryError"
except Exception as e:
    what = f"{type(e).__name__}: {str(e)[:80]}"
print(f"{time.perf_counter() - t:.2f}|{what}")
"""


def big_sheet(path: Path, rows: int) -> Path:
    if path.exists():
        return path
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append([f"col{c}" for c in range(17)])
    for r in range(rows):
        ws.append([r * 1.5 if c % 4 else f"row{r % 97}" for c in range(17)])
    wb.save(path)
    _declare_on_root(path, "xl/workbook.xml", {"r": NS_REL})
    return path


def _declare_on_root(path: Path, part: str, nsmap: dict[str, str]) -> None:
    """Move namespace declarations of ``part`` to its root element, the same XML written as
    Excel writes it: openpyxl declares ``r`` on each sheet element, which the old code
    cannot read ("unbound prefix"), so without this the old share would have no time."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename == part:
                root = etree.fromstring(data)
                etree.cleanup_namespaces(root, top_nsmap=nsmap)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            z.writestr(info, data)
    tmp.replace(path)


def bomb(path: Path) -> Path:
    if path.exists():
        return path
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>'))
        z.writestr("_rels/.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"))
        z.writestr("xl/workbook.xml", (
            f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets><sheet name="Bomb" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(f'<worksheet xmlns="{ns}"><sheetData>'.encode())
            cols = [chr(65 + c) for c in range(20)]
            written, r = 0, 0
            while written < BOMB_MIB << 20:
                r += 1
                row = (f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in cols)
                       + "</row>").encode()
                f.write(row)
                written += len(row)
            f.write(b"</sheetData></worksheet>")
    return path


def limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP_BYTES, CAP_BYTES))


def measure(pythonpath: Path, op: str, src: Path, out: Path) -> tuple[float, float, str]:
    """(seconds, peak MB, what happened) of one child process."""
    out.unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=str(pythonpath), PYTHONDONTWRITEBYTECODE="1")
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, op, str(src), str(out)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=limit)
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return TIMEOUT_S, float("nan"), f"did not finish in {TIMEOUT_S} s"
    wall = time.perf_counter() - t
    # the largest child so far: run_one gives each measurement a process of its own
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    line = (stdout.strip().splitlines() or [""])[-1]
    if "|" not in line:
        return wall, peak, (stderr.strip().splitlines() or ["died"])[-1][:80]
    seconds, what = line.split("|", 1)
    return float(seconds), peak, what


def run_one(pythonpath: Path, op: str, src: Path, out: Path) -> tuple[float, float, str]:
    """``measure`` in a fresh process, so its RUSAGE_CHILDREN peak is this child's alone."""
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_share as b; "
            f"from pathlib import Path; r = b.measure(Path({str(pythonpath)!r}), {op!r}, "
            f"Path({str(src)!r}), Path({str(out)!r})); import json; print(json.dumps(r))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=TIMEOUT_S + 60)
    try:
        seconds, peak, what = json.loads(res.stdout.strip().splitlines()[-1])
        return seconds, peak, what
    except (IndexError, ValueError):
        return float("nan"), float("nan"), (res.stderr.strip().splitlines() or ["failed"])[-1][:80]


def _finished(outcome: str) -> bool:
    return outcome.endswith("findings") or outcome.startswith("wrote ")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old-commit", default="ba7bb35")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "perphedge-bench-share")
    args = ap.parse_args()
    args.work.mkdir(exist_ok=True)
    old = args.work / f"old-{args.old_commit}"
    if not old.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old),
                        args.old_commit], check=True, capture_output=True)
    inputs = {f"{args.rows:,}-row sheet": big_sheet(args.work / f"rows{args.rows}-rootns.xlsx", args.rows),
              f"{BOMB_MIB} MiB bomb": bomb(args.work / "bomb.xlsx")}
    print(f"{'input':<20} {'op':<6} {'old s':>8} {'old MB':>8} {'new s':>8} {'new MB':>8} "
          f"{'speed-up':>8}  outcome old / new")
    failed = []
    for label, src in inputs.items():
        for op in ("check", "share"):
            o = run_one(old / "addin", op, src, args.work / "out-old.xlsx")
            n = run_one(ROOT / "addin", op, src, args.work / "out-new.xlsx")
            old_ok = _finished(o[2])
            speed = o[0] / n[0] if n[0] and old_ok else float("nan")
            shown = f"{speed:>7.1f}x" if old_ok else "   n/a "   # no time for a failed run
            print(f"{label:<20} {op:<6} {o[0]:>8.2f} {o[1]:>8.0f} {n[0]:>8.2f} {n[1]:>8.0f} "
                  f"{shown}  {o[2]} / {n[2]}", flush=True)
            if not _finished(n[2]):
                failed.append(f"{label} {op}: {n[2]}")
            if not n[1] <= TARGET_PEAK_MB:
                failed.append(f"{label} {op}: peak {n[1]:.0f} MB > {TARGET_PEAK_MB} MB")
            if "row" in label and op == "check" and old_ok and not speed >= TARGET_SPEEDUP:
                failed.append(f"{label} {op}: {speed:.1f}x < {TARGET_SPEEDUP}x")
    for f in failed:
        print("missed:", f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
