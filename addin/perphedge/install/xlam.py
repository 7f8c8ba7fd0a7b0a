"""Build ``perphedge.xlam`` from the installed xlwings' ribbon add-in template.

The template's VBA is copied unchanged (so it matches the installed xlwings exactly); we
only swap in our ribbon (``perphedge/data/customUI.xml``, shipped inside the package) and enable the add-in's own
settings sheet with the settings perphedge needs. Its ribbon callback
``RibbonMyAddin.RunMain`` runs ``import <file name>; <file name>.main()``, hence the file
name ``perphedge.xlam`` and ``perphedge.main()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from perphedge import catalogue, ooxml
from perphedge.core.errors import PerphedgeError
from perphedge.install import vba
from perphedge.ooxml.sheetxml import cell_element
from perphedge.ooxml.treeedit import main_ns, parse_part, serialize

ADDIN_NAME = "perphedge.xlam"
TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
RIBBON_NAME = "customUI.xml"
UDF_MODULE = "perphedge.excel.udfs"
NS_CUSTOMUI = ("http://schemas.microsoft.com/office/2006/01/customui",
               "http://schemas.microsoft.com/office/2009/07/customui")

#: Settings every build carries in the add-in's ``myaddin.conf`` sheet. The VBA reads this
#: sheet before a ``myaddin.conf`` file beside the active workbook and stops at the first
#: layer that has a key, even with an empty value; so every key the VBA reads is pinned
#: here and a folder someone sends can choose none of them: not the Python path, not the
#: workbook's folder on it (a ``perphedge.py`` there cannot stand in for the package), not
#: a conda activation script, not where the error log is written (a network share would
#: leak the user's Windows login). The interpreter keys are pinned by ``addin install``,
#: which knows the machine's Python. (A settings *sheet* inside the active workbook still
#: comes first; that is VBA we do not edit, and ``perphedge check`` reports such a sheet.)
BASE_SETTINGS: tuple[tuple[str, object], ...] = (
    ("UDF Modules", UDF_MODULE),
    ("ADD_WORKBOOK_TO_PYTHONPATH", False),
    ("PYTHONPATH", ""),
    ("Conda Path", ""),
    ("Conda Env", ""),
    ("LICENSE_KEY", ""),
    ("TEMP DIR", "%TEMP%"),
    ("Use UDF Server", False),
    ("Debug UDFs", False),
    ("Show Console", False),
    ("SHOW_ERROR_POPUPS", True),
    ("ONEDRIVE_CONSUMER_WIN", ""),
    ("ONEDRIVE_COMMERCIAL_WIN", ""),
    ("SHAREPOINT_WIN", ""),
    ("ONEDRIVE_CONSUMER_MAC", ""),
    ("ONEDRIVE_COMMERCIAL_MAC", ""),
    ("SHAREPOINT_MAC", ""),
)


class BuildError(PerphedgeError):
    """The add-in cannot be built as asked (template missing, versions differ, bad ribbon)."""


@dataclass(frozen=True)
class AddinInfo:
    """What an add-in file holds, read back from the file itself."""

    path: Path
    xlwings_version: str
    project_name: str
    settings_sheet: str | None          # name of the enabled settings sheet, if any
    settings: dict[str, object]
    ribbon_xml: bytes | None
    ribbon_actions: tuple[str, ...]
    ribbon_callbacks: tuple[str, ...]   # Module.Sub with the IRibbonControl signature
    functions: tuple[str, ...] = ()     # the catalogue's functions its VBA declares


def installed_xlwings_version() -> str:
    import xlwings

    return xlwings.__version__


def template_path() -> Path:
    import xlwings

    path = Path(xlwings.__file__).parent / TEMPLATE_NAME
    if not path.is_file():
        raise BuildError(f"xlwings {xlwings.__version__} has no add-in template at {path}")
    return path


def default_ribbon_path() -> Path:
    """The ribbon XML shipped inside the package (``perphedge/data/customUI.xml``), so an
    installed environment builds the add-in without a checkout."""
    from importlib import resources

    path = Path(str(resources.files("perphedge").joinpath("data", RIBBON_NAME)))
    if not path.is_file():
        raise BuildError(f"the package's ribbon XML is missing at {path}: reinstall perphedge, "
                         "or pass --ribbon PATH/TO/customUI.xml")
    return path


def ribbon_actions(ribbon_xml: bytes) -> tuple[str, ...]:
    try:
        root = parse_part(ribbon_xml, "customUI")
    except ValueError as e:
        raise BuildError(f"ribbon XML is not well-formed: {e}") from e
    if root.tag.split("}")[0].lstrip("{") not in NS_CUSTOMUI or not root.tag.endswith("customUI"):
        raise BuildError(f"ribbon XML root must be customUI, got {root.tag}")
    return tuple(el.get("onAction") for el in root.iter() if isinstance(el.tag, str) and el.get("onAction"))


def check_ribbon_against_vba(ribbon_xml: bytes, modules: dict[str, str]) -> None:
    callbacks = {p.qualified.lower() for p in vba.procedures(modules) if p.is_ribbon_callback}
    callbacks |= {p.name.lower() for p in vba.procedures(modules) if p.is_ribbon_callback}
    missing = [a for a in ribbon_actions(ribbon_xml) if a.lower() not in callbacks]
    if missing:
        raise BuildError(
            f"ribbon onAction {', '.join(missing)} has no matching "
            f"Sub(control As IRibbonControl) in the add-in's VBA")


def build_addin(out_dir: str | Path, *, settings: tuple[tuple[str, object], ...] = (),
                ribbon: str | Path | None = None, template: str | Path | None = None,
                name: str = ADDIN_NAME) -> Path:
    """Write ``out_dir/perphedge.xlam`` and return its path.

    ``settings`` are added to :data:`BASE_SETTINGS` in the add-in's settings sheet (e.g.
    the interpreter, written by ``perphedge addin install``); a key already there takes
    the new value (see :func:`merge_settings`).
    """
    template = Path(template) if template else template_path()
    ribbon_xml = Path(ribbon or default_ribbon_path()).read_bytes()
    modules = vba.read_modules(template)
    version = vba.xlwings_version(modules)
    installed = installed_xlwings_version()
    if version != installed:
        raise BuildError(
            f"the add-in template's VBA is xlwings {version} but xlwings {installed} is "
            f"installed; the VBA loads xlwings64-{version}.dll, so they must match")
    check_ribbon_against_vba(ribbon_xml, modules)
    project = vba.project_name(modules)

    pkg = ooxml.Package.read(template)
    _put_ribbon(pkg, ribbon_xml)
    _enable_settings_sheet(pkg, project, merge_settings(BASE_SETTINGS, tuple(settings)))

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / name
    pkg.save(out)
    return out


def merge_settings(base: tuple[tuple[str, object], ...],
                   changes: tuple[tuple[str, object], ...]) -> tuple[tuple[str, object], ...]:
    """``base`` with ``changes`` applied, one row per key. The VBA (GetConfigFromSheet)
    adds every row to a dictionary under ``UCase(key)``, and a key seen twice is run-time
    error 457 on every settings lookup: the add-in would not run at all. So a key in
    ``changes`` replaces the same key of ``base`` (case-insensitively) where it stands."""
    rows: dict[str, tuple[str, object]] = {}
    for key, value in base + changes:
        k = key.upper()
        rows[k] = (rows[k][0] if k in rows else key, value)
    return tuple(rows.values())


def _put_ribbon(pkg: ooxml.Package, ribbon_xml: bytes) -> None:
    rels = pkg.relationships(None)
    ui = [r for r in rels if r.type in (ooxml.REL_UI, ooxml.REL_UI_2010)]
    if ui:
        pkg.replace(ui[0].target, ribbon_xml)
        return
    part = "customUI/customUI.xml"
    pkg.replace(part, ribbon_xml)
    root = parse_part(pkg.data["_rels/.rels"], "_rels/.rels")
    etree.SubElement(root, main_ns(root) + "Relationship", Id="rIdPerphedgeUI",
                     Type=ooxml.REL_UI, Target=part)
    pkg.replace("_rels/.rels", serialize(root))


def _enable_settings_sheet(pkg: ooxml.Package, project: str,
                           settings: tuple[tuple[str, object], ...]) -> None:
    disabled, enabled = f"_{project}.conf", f"{project}.conf"
    sheets = {s.name: s for s in pkg.sheets()}
    sheet = sheets.get(disabled) or sheets.get(enabled)
    if sheet is None:
        raise BuildError(f"the template has no {disabled} sheet")
    wb_part = pkg.workbook_part()
    wb = parse_part(pkg.data[wb_part], wb_part)
    m = main_ns(wb)
    for el in wb.iterfind(f"{m}sheets/{m}sheet"):
        if el.get("name") == disabled:
            el.set("name", enabled)
    pkg.replace(wb_part, serialize(wb))

    # The VBA reads keys from A1 down to the first blank, so rows are contiguous. A key
    # present with an empty value still hides the same key in any settings file, which is
    # how the empty ones are pinned.
    root = parse_part(pkg.data[sheet.part], sheet.part)
    m = main_ns(root)
    data = root.find(m + "sheetData")
    if data is None:
        raise BuildError(f"the template's {disabled} sheet has no cell data")
    for row in list(data):
        data.remove(row)
    for i, (key, value) in enumerate(settings, start=1):
        row = etree.SubElement(data, m + "row", r=str(i))
        row.append(cell_element(m, f"A{i}", key, "1"))
        row.append(cell_element(m, f"B{i}", value, "1"))
    dim = root.find(m + "dimension")
    if dim is not None:
        dim.set("ref", f"A1:B{max(len(settings), 1)}")
    pkg.replace(sheet.part, serialize(root))


def read_settings_sheet(pkg: ooxml.Package, sheet_name: str) -> dict[str, object]:
    """Key -> value of a settings sheet, as the VBA reads it (A1 down to the first blank)."""
    sheet = pkg.sheet(sheet_name)
    grid = {(c.row, c.col): c.value for c in pkg.cells(sheet.part)}
    out: dict[str, object] = {}
    row = 1
    while grid.get((row, 1)) not in (None, ""):
        out[str(grid[(row, 1)])] = grid.get((row, 2))
        row += 1
    return out


def inspect_addin(path: str | Path) -> AddinInfo:
    path = Path(path)
    modules = vba.read_modules(path)
    if not modules:
        raise BuildError(f"{path} has no VBA project: not an xlwings add-in")
    project = vba.project_name(modules)
    pkg = ooxml.Package.read(path)
    names = {s.name for s in pkg.sheets()}
    sheet = f"{project}.conf" if f"{project}.conf" in names else None
    settings = read_settings_sheet(pkg, sheet) if sheet else {}
    ui = [r for r in pkg.relationships(None) if r.type in (ooxml.REL_UI, ooxml.REL_UI_2010)]
    ribbon = pkg.data.get(ui[0].target) if ui else None
    procs = vba.procedures(modules)
    return AddinInfo(
        path=path, xlwings_version=vba.xlwings_version(modules), project_name=project,
        settings_sheet=sheet, settings=settings, ribbon_xml=ribbon,
        ribbon_actions=ribbon_actions(ribbon) if ribbon else (),
        ribbon_callbacks=tuple(p.qualified for p in procs if p.is_ribbon_callback),
        functions=tuple(sorted({p.name.upper() for p in procs if p.kind == "Function"}
                               & catalogue.function_names())))
