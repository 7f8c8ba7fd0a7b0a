"""Real third-party workbooks (tests/fixtures/corpus/README.md gives their source, commit
and licence): each hazard is reported by check and absent from the copy; a file that cannot
be trusted is refused with a message saying what it is; copies keep their values and open
in LibreOffice; check on each copy is clean."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from perphedge.files import check as ck
from perphedge.files.share import ShareError, share_file

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
OTHER = {"error-cell", "stale-market", "config-file"}

# file -> (finding kind check must report, what must be absent from the copy's members)
CASES = {
    "WithEmbeded.xlsx": ("part", ("xl/embeddings/",)),
    "link-external-workbook-b.xlsx": ("external-link", ("xl/externalLinks/",)),
    "TwoSheetsOneHidden.xlsx": ("hidden-sheet", ()),
    "hyperlinks.xlsx": ("external-link", ()),
    "vba.xlsm": ("macros", ("xl/vbaProject.bin",)),
    "nonstandard-xml-ns-prefix.xlsx": (None, ()),
    "shared_formula_reversed.xlsx": (None, ()),
}


def copy_of(tmp_path, name):
    src = tmp_path / name
    src.write_bytes((CORPUS / name).read_bytes())
    return src


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_files_are_reported_and_the_copy_is_clean(tmp_path, name):
    kind, absent = CASES[name]
    src = copy_of(tmp_path, name)
    found = {f.kind for f in ck.check_file(src, max_age_hours=1e9)} - OTHER
    assert (kind in found) if kind else found <= {"element"}, found
    out = tmp_path / "out.xlsx"
    res = share_file(src, out)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
    assert not [n for n in names for a in absent if n.startswith(a)]
    assert {f.kind for f in ck.check_file(out, max_age_hours=1e9)} - OTHER == set()
    kept = set(openpyxl.load_workbook(out).sheetnames) - {"Shared copy"}
    a, b = openpyxl.load_workbook(src, data_only=True), openpyxl.load_workbook(out, data_only=True)
    assert kept == set(a.sheetnames) - set(res.sheets_removed)
    for title in kept:
        want = {c.coordinate: c.value for r in a[title].iter_rows() for c in r if c.value is not None}
        got = {c.coordinate: c.value for r in b[title].iter_rows() for c in r if c.value is not None}
        assert got == want, title


def test_the_hidden_sheet_is_gone_and_the_hyperlinks_to_files_too(tmp_path):
    out = tmp_path / "out.xlsx"
    share_file(copy_of(tmp_path, "TwoSheetsOneHidden.xlsx"), out)
    assert openpyxl.load_workbook(out).sheetnames == ["Shared copy", "Sheet2"]
    share_file(copy_of(tmp_path, "hyperlinks.xlsx"), out)
    with zipfile.ZipFile(out) as z:
        rels = b"".join(z.read(n) for n in z.namelist() if n.endswith(".rels"))
    assert b"file:" not in rels and b"Book2" not in rels


@pytest.mark.parametrize("name, words", [("pass_protected.xlsx", "password-protected"),
                                         ("duplicate-filename.xlsx", "two members")])
def test_files_that_cannot_be_trusted_are_refused_with_what_they_are(tmp_path, name, words):
    src = copy_of(tmp_path, name)
    [finding] = [f for f in ck.check_file(src) if f.kind == "unreadable"]
    assert words in finding.detail
    with pytest.raises(ShareError, match=words):
        share_file(src, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_copies_of_the_real_files_open_in_libreoffice(tmp_path):
    from perphedge.template.libreoffice import recalculate
    from tests.conftest import require_libreoffice

    require_libreoffice()
    for name in ("WithEmbeded.xlsx", "link-external-workbook-b.xlsx", "shared_formula_reversed.xlsx"):
        out = tmp_path / f"{name}.out.xlsx"
        share_file(copy_of(tmp_path, name), out)
        back = recalculate(out, tmp_path / f"{name}.lo.xlsx")
        assert "Shared copy" in openpyxl.load_workbook(back).sheetnames
