"""Edit a package's plumbing as text: relationships, content types, whole parts.

Like :mod:`perphedge.ooxml.sheetxml`, every edit changes only the elements it names and
leaves the rest of each part's text as it was, so parts nobody meant to change stay
byte-identical and namespace prefixes survive.
"""

from __future__ import annotations

import posixpath
import re
from html import escape

from perphedge.ooxml import NS_PKG_REL, Package, PackageError, rels_part

CT_PART = "[Content_Types].xml"


def _elements(xml: str, tag: str) -> list[re.Match[str]]:
    """Every ``<tag .../>`` or ``<tag ...>...</tag>`` (any namespace prefix)."""
    return list(re.finditer(rf"<(?:\w+:)?{tag}\b[^>]*?(?:/>|>.*?</(?:\w+:)?{tag}\s*>)",
                            xml, re.S))


def attr(element: str, name: str) -> str | None:
    """Value of attribute ``name`` (``"r:id"`` style names match any prefix) in a tag."""
    local = name.split(":")[-1]
    pat = (rf'\s(?:\w+:){local}\s*=\s*"([^"]*)"' if ":" in name
           else rf'\s{local}\s*=\s*"([^"]*)"')
    m = re.search(pat, element[: element.index(">") + 1])
    return m.group(1) if m else None


def source_of(rels: str) -> str | None:
    """``xl/_rels/workbook.xml.rels`` -> ``xl/workbook.xml``; the package's own -> None."""
    d, f = posixpath.split(rels)
    if rels == "_rels/.rels":
        return None
    return posixpath.join(posixpath.dirname(d), f[: -len(".rels")])


def relative_target(source: str | None, target: str) -> str:
    if source is None:
        return target
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


# ----------------------------------------------------------------------------- relationships

def remove_relationships(pkg: Package, source: str | None, ids: set[str]) -> None:
    rp = "_rels/.rels" if source is None else rels_part(source)
    if not ids or rp not in pkg.data:
        return
    xml = pkg.data[rp].decode("utf-8")
    for m in reversed(_elements(xml, "Relationship")):
        if attr(m.group(0), "Id") in ids:
            xml = xml[: m.start()] + xml[m.end():]
    pkg.replace(rp, xml.encode("utf-8"))


def add_relationship(pkg: Package, source: str | None, rel_type: str, target: str) -> str:
    """Add a relationship from ``source`` to part ``target``; returns its new Id."""
    rp = "_rels/.rels" if source is None else rels_part(source)
    if rp in pkg.data:
        xml = pkg.data[rp].decode("utf-8")
    else:
        xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f'<Relationships xmlns="{NS_PKG_REL}"></Relationships>')
    taken = {attr(m.group(0), "Id") for m in _elements(xml, "Relationship")}
    n = 1
    while f"rIdPh{n}" in taken:
        n += 1
    rid = f"rIdPh{n}"
    new = (f'<Relationship Id="{rid}" Type="{escape(rel_type)}" '
           f'Target="{escape(relative_target(source, target))}"/>')
    m = re.search(r"</(\w+:)?Relationships\s*>", xml)
    if m is None:
        m2 = re.search(r"<(\w+:)?Relationships\b[^>]*/>", xml)
        if m2 is None:
            raise PackageError(f"part {rp} is not a relationships part")
        tag = m2.group(0)[:-2] + ">"
        close = f"</{m2.group(1) or ''}Relationships>"
        xml = xml[: m2.start()] + tag + new + close + xml[m2.end():]
    else:
        xml = xml[: m.start()] + new + xml[m.start():]
    pkg.replace(rp, xml.encode("utf-8"))
    return rid


# ----------------------------------------------------------------------------- content types

def _ct(pkg: Package) -> str:
    return pkg.data[CT_PART].decode("utf-8")


def overrides(pkg: Package) -> dict[str, str]:
    """Part name (no leading slash, lower case) -> content type."""
    out = {}
    for m in _elements(_ct(pkg), "Override"):
        name = (attr(m.group(0), "PartName") or "").lstrip("/").lower()
        out[name] = attr(m.group(0), "ContentType") or ""
    return out


def defaults(pkg: Package) -> dict[str, str]:
    return {(attr(m.group(0), "Extension") or "").lower(): attr(m.group(0), "ContentType") or ""
            for m in _elements(_ct(pkg), "Default")}


def content_type(pkg: Package, part: str) -> str | None:
    ov = overrides(pkg).get(part.lower())
    if ov is not None:
        return ov
    return defaults(pkg).get(posixpath.splitext(part)[1].lstrip(".").lower())


def remove_overrides(pkg: Package, parts: set[str]) -> None:
    wanted = {p.lower() for p in parts}
    xml = _ct(pkg)
    for m in reversed(_elements(xml, "Override")):
        if (attr(m.group(0), "PartName") or "").lstrip("/").lower() in wanted:
            xml = xml[: m.start()] + xml[m.end():]
    pkg.replace(CT_PART, xml.encode("utf-8"))


def remove_default(pkg: Package, extension: str) -> None:
    xml = _ct(pkg)
    for m in reversed(_elements(xml, "Default")):
        if (attr(m.group(0), "Extension") or "").lower() == extension.lower():
            xml = xml[: m.start()] + xml[m.end():]
    pkg.replace(CT_PART, xml.encode("utf-8"))


def set_override(pkg: Package, part: str, ctype: str) -> None:
    """Give ``part`` its own content type (replacing any Override it had)."""
    remove_overrides(pkg, {part})
    xml = _ct(pkg)
    m = re.search(r"</(\w+:)?Types\s*>", xml)
    if m is None:
        raise PackageError("[Content_Types].xml has no Types element")
    new = f'<Override PartName="/{escape(part)}" ContentType="{escape(ctype)}"/>'
    pkg.replace(CT_PART, (xml[: m.start()] + new + xml[m.start():]).encode("utf-8"))


# ----------------------------------------------------------------------------- parts

def unique_part(pkg: Package, template: str) -> str:
    """The first free name ``template.format(n)``, n = 1, 2, ... (case-insensitively)."""
    taken = {n.lower() for n in pkg.data}
    n = 1
    while template.format(n).lower() in taken:
        n += 1
    return template.format(n)


def _references(pkg: Package, gone: set[str]) -> dict[str, set[str]]:
    """Internal target part -> the parts (not in ``gone``) whose relationships name it."""
    refs: dict[str, set[str]] = {}
    for name in pkg.data:
        if not name.endswith(".rels"):
            continue
        src = source_of(name)
        if src is not None and src in gone:
            continue
        for r in pkg.relationships(src):
            if not r.external:
                refs.setdefault(r.target, set()).add(src or "")
    return refs


def remove_parts(pkg: Package, roots: set[str]) -> set[str]:
    """Remove ``roots`` and what only they lead to (their relationships' targets that no
    remaining part names), with their relationship parts and content-type Overrides.
    Relationships *to* the roots from remaining parts are the caller's to remove."""
    gone = {p for p in roots if p in pkg.data}
    while True:
        refs = _references(pkg, gone)
        more = set()
        for part in gone:
            for r in pkg.relationships(part):
                if r.external or r.target in gone or r.target not in pkg.data:
                    continue
                if not refs.get(r.target):
                    more.add(r.target)
        if not more:
            break
        gone |= more
    for part in gone:
        pkg.remove(part)
        pkg.remove(rels_part(part))
    remove_overrides(pkg, gone)
    return gone
