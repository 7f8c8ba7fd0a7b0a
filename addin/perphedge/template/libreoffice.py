"""Headless LibreOffice: recalculate a workbook (xlsx → xlsx) and render it (PDF, PNG).

Each run gets its own throw-away LibreOffice profile (``-env:UserInstallation``), so runs
never share or corrupt a user's profile and can go side by side; each is bounded by a
timeout. A missing ``soffice`` (Debian: ``libreoffice-calc-nogui``) or ``pdftoppm``
(``poppler-utils``) raises an error saying what to install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from perphedge.core.errors import PerphedgeError

DEFAULT_TIMEOUT_S = 180.0


class ToolMissing(PerphedgeError):
    """An external program the operation needs is not installed."""


class LibreOfficeFailed(PerphedgeError):
    """LibreOffice ran but produced no output (or timed out)."""


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _soffice() -> str:
    path = find_soffice()
    if path is None:
        raise ToolMissing("LibreOffice is not installed: soffice was not found on PATH "
                          "(Debian/Ubuntu: apt-get install libreoffice-calc-nogui)")
    return path


#: LibreOffice's own setting "Recalculation on file load: always" for Excel and ODF files.
#: Its default trusts a formula's cached value when the file says Excel wrote it (openpyxl
#: says so), so a wrong cached value would come back unchanged from a "recalculation".
_RECALC_ALWAYS = b"""<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


def _always_recalculate(profile: Path) -> None:
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_bytes(_RECALC_ALWAYS)


def _convert(src: Path, target: str, ext: str, timeout_s: float) -> bytes:
    """Run one conversion in a private temp dir; return the output file's bytes."""
    src = Path(src)
    if not src.is_file():
        raise FileNotFoundError(src)
    soffice = _soffice()
    with tempfile.TemporaryDirectory(prefix="perphedge-lo-") as tmp:
        work = Path(tmp)
        profile = work / "profile"
        outdir = work / "out"
        outdir.mkdir()
        _always_recalculate(profile)
        # Copy under a plain name: LibreOffice dislikes some characters in paths.
        staged = work / f"book{src.suffix}"
        shutil.copyfile(src, staged)
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
               "--norestore", "--nolockcheck", "--convert-to", target, "--outdir",
               str(outdir), str(staged)]
        env = dict(os.environ, HOME=str(work))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s,
                                  env=env, check=False)
        except subprocess.TimeoutExpired:
            raise LibreOfficeFailed(f"LibreOffice did not finish converting {src.name} "
                                    f"within {timeout_s:g} s") from None
        out = outdir / f"book.{ext}"
        if not out.exists():
            raise LibreOfficeFailed(f"LibreOffice produced no {ext} for {src.name} "
                                    f"(exit {proc.returncode}): {proc.stderr.strip()[:500]}")
        return out.read_bytes()


def recalculate(src: str | Path, dst: str | Path, timeout_s: float = DEFAULT_TIMEOUT_S) -> Path:
    """Open ``src`` in LibreOffice, recalculate every formula, save as xlsx at ``dst``
    (cached values readable with ``openpyxl.load_workbook(dst, data_only=True)``)."""
    data = _convert(Path(src), "xlsx:Calc MS Excel 2007 XML", "xlsx", timeout_s)
    target = Path(dst)
    target.write_bytes(data)
    return target


def render_pdf(src: str | Path, dst: str | Path, *, one_page_per_sheet: bool = False,
               timeout_s: float = DEFAULT_TIMEOUT_S) -> Path:
    """PDF as LibreOffice prints the workbook (its page setup), or one page per sheet."""
    target = "pdf:calc_pdf_Export"
    if one_page_per_sheet:
        target += ':{"SinglePageSheets":{"type":"boolean","value":"true"}}'
    data = _convert(Path(src), target, "pdf", timeout_s)
    out = Path(dst)
    out.write_bytes(data)
    return out


def _pdftoppm() -> str:
    path = shutil.which("pdftoppm")
    if path is None:
        raise ToolMissing("pdftoppm is not installed (Debian/Ubuntu: apt-get install poppler-utils)")
    return path


@dataclass(frozen=True)
class Box:
    """A crop rectangle in PDF points from the page's top-left corner."""

    x: float
    y: float
    width: float
    height: float


def pdf_page_to_png(pdf: str | Path, page: int, dst: str | Path, dpi: int = 110,
                    crop: Box | None = None, timeout_s: float = 60.0) -> Path:
    """Render one page (1-based) of ``pdf`` to ``dst`` (PNG), optionally cropped."""
    out = Path(dst)
    stem = out.with_suffix("")
    cmd = [_pdftoppm(), "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
    if crop:
        k = dpi / 72.0
        cmd += ["-x", str(round(crop.x * k)), "-y", str(round(crop.y * k)),
                "-W", str(round(crop.width * k)), "-H", str(round(crop.height * k))]
    subprocess.run(cmd + [str(pdf), str(stem)], check=True, timeout=timeout_s,
                   capture_output=True)
    return out


def find_text_box(pdf: str | Path, page: int, words: tuple[str, ...]) -> Box | None:
    """Bounding box of the first run of ``words`` on a page (pdftotext -bbox), in points."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise ToolMissing("pdftotext is not installed (Debian/Ubuntu: apt-get install poppler-utils)")
    proc = subprocess.run([tool, "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True, timeout=60)
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                       proc.stdout)
    texts = [w[4] for w in found]
    for i in range(len(texts) - len(words) + 1):
        if tuple(texts[i:i + len(words)]) == words:
            run = found[i:i + len(words)]
            x0 = min(float(w[0]) for w in run)
            y0 = min(float(w[1]) for w in run)
            x1 = max(float(w[2]) for w in run)
            y1 = max(float(w[3]) for w in run)
            return Box(x0, y0, x1 - x0, y1 - y0)
    return None


def page_sheets(pdf: str | Path) -> list[str]:
    """The sheet each page of a workbook's PDF prints, read from the footer every sheet
    carries (``<sheet> — page N of M``, styles.page_setup); '' where a page has none."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise ToolMissing("pdftotext is not installed (Debian/Ubuntu: apt-get install poppler-utils)")
    proc = subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=120)
    pages = proc.stdout.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    out = []
    for text in pages:
        m = re.search(r"(\S[^\n]*?) — page \d+ of \d+", text)
        out.append(m.group(1).strip().split("  ")[-1].strip() if m else "")
    return out
