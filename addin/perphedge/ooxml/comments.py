"""Add cell notes to a worksheet part as Excel stores them: a comments part (the text)
and a legacy VML drawing (one hidden note shape per cell), both tied to the sheet by its
relationships and a ``<legacyDrawing>`` element.

An existing comments part or VML drawing (notes, or form controls which share the VML) is
extended rather than replaced; a cell that already has a note gets the new text appended.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from perphedge.ooxml import NS_MAIN, NS_REL, Package, pkgedit, split_ref
from perphedge.ooxml.sheetxml import esc

REL_COMMENTS = NS_REL + "/comments"
REL_VML = NS_REL + "/vmlDrawing"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"

#: Worksheet children that come after <legacyDrawing> (ECMA-376 CT_Worksheet order).
_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                 "webPublishItems", "tableParts", "extLst")

_VML_HEAD = ('<xml xmlns:v="urn:schemas-microsoft-com:vml"\n'
             ' xmlns:o="urn:schemas-microsoft-com:office:office"\n'
             ' xmlns:x="urn:schemas-microsoft-com:office:excel">\n'
             ' <o:shapelayout v:ext="edit">\n  <o:idmap v:ext="edit" data="{block}"/>\n'
             ' </o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" '
             'o:spt="202"\n  path="m,l,21600r21600,l21600,xe">\n'
             '  <v:stroke joinstyle="miter"/>\n'
             '  <v:path gradientshapeok="t" o:connecttype="rect"/>\n </v:shapetype>')


def _shape(shape_id: int, row: int, col: int) -> str:
    """A hidden note box anchored beside the cell (row, col are 1-based)."""
    r0, c0 = row - 1, col - 1
    anchor = f"{c0 + 1}, 15, {max(r0 - 1, 0)}, 10, {c0 + 4}, 15, {max(r0 - 1, 0) + 5}, 4"
    return (f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style=\'position:absolute;'
            '\n  margin-left:59.25pt;margin-top:1.5pt;width:216pt;height:72pt;'
            f'z-index:{shape_id % 1024};'
            '\n  visibility:hidden\' fillcolor="#ffffe1" o:insetmode="auto">\n'
            '  <v:fill color2="#ffffe1"/>\n'
            '  <v:shadow on="t" color="black" obscured="t"/>\n'
            '  <v:path o:connecttype="none"/>\n'
            "  <v:textbox style='mso-direction-alt:auto'>\n"
            "   <div style='text-align:left'></div>\n  </v:textbox>\n"
            '  <x:ClientData ObjectType="Note">\n   <x:MoveWithCells/>\n   <x:SizeWithCells/>\n'
            f'   <x:Anchor>\n    {anchor}</x:Anchor>\n   <x:AutoFill>False</x:AutoFill>\n'
            f'   <x:Row>{r0}</x:Row>\n   <x:Column>{c0}</x:Column>\n  </x:ClientData>\n'
            ' </v:shape>')


def _top_level_insert(xml: str, element: str, before: tuple[str, ...]) -> str:
    """Insert ``element`` as a child of the root, before the first of ``before`` (or at
    the end), never inside a nested element (e.g. mc:AlternateContent, extLst)."""
    root = re.search(r"<(\w+:)?worksheet\b[^>]*>", xml)
    if root is None:
        raise ValueError("not a worksheet part")
    p = root.group(1) or ""
    depth, pos = 0, root.end()
    tag_re = re.compile(r"<(/?)([\w:]+)[^>]*?(/?)>|<!--.*?-->|<\?.*?\?>", re.S)
    while True:
        m = tag_re.search(xml, pos)
        if m is None:
            raise ValueError("worksheet part ends early")
        pos = m.end()
        if m.group(2) is None:
            continue
        closing, name, selfclose = m.group(1), m.group(2), m.group(3)
        if depth == 0 and not closing:
            local = name.split(":")[-1]
            if name.startswith(p) and name[len(p):] in before or \
                    (p == "" and ":" not in name and name in before):
                return xml[: m.start()] + element + xml[m.start():]
            if local == "sheetData" and not selfclose:
                end = xml.index(f"</{p}sheetData>", pos)
                pos = end + len(f"</{p}sheetData>")
                continue
        if closing:
            if depth == 0:   # the root's own end tag
                return xml[: m.start()] + element + xml[m.start():]
            depth -= 1
        elif not selfclose:
            depth += 1


def _new_comments(author: str, items: list[tuple[str, str]]) -> str:
    body = "".join(f'<comment ref="{ref}" authorId="0"><text><t xml:space="preserve">'
                   f"{esc(text)}</t></text></comment>" for ref, text in items)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments xmlns="{NS_MAIN}"><authors><author>{esc(author)}</author></authors>'
            f"<commentList>{body}</commentList></comments>")


def _extend_comments(xml: str, author: str, notes: dict[str, str]) -> tuple[str, set[str]]:
    """Append to an existing comments part; returns it and the refs that were new."""
    p = (re.search(r"<(\w+:)?comments\b", xml).group(1) or "")
    authors = re.findall(rf"<{p}author>(.*?)</{p}author>|<{p}author\s*/>", xml, re.S)
    if esc(author) in authors:
        aid = authors.index(esc(author))
    else:
        aid = len(authors)
        if re.search(rf"<{p}authors\s*/>", xml):
            xml = re.sub(rf"<{p}authors\s*/>", f"<{p}authors></{p}authors>", xml, count=1)
        xml = xml.replace(f"</{p}authors>", f"<{p}author>{esc(author)}</{p}author></{p}authors>", 1)
    new_refs = set()
    for ref, text in notes.items():
        m = re.search(rf'<{p}comment\b[^>]*\sref="{ref}"[^>]*>.*?</{p}comment>', xml, re.S)
        run = f'<{p}r><{p}t xml:space="preserve">\n{esc(text)}</{p}t></{p}r>'
        if m:
            old = m.group(0)
            at = old.rindex(f"</{p}text>")
            xml = xml[: m.start()] + old[:at] + run + old[at:] + xml[m.end():]
        else:
            new_refs.add(ref)
            item = (f'<{p}comment ref="{ref}" authorId="{aid}"><{p}text><{p}t xml:space='
                    f'"preserve">{esc(text)}</{p}t></{p}text></{p}comment>')
            if re.search(rf"<{p}commentList\s*/>", xml):
                xml = re.sub(rf"<{p}commentList\s*/>", f"<{p}commentList></{p}commentList>",
                             xml, count=1)
            xml = xml.replace(f"</{p}commentList>", item + f"</{p}commentList>", 1)
    return xml, new_refs


def _vml_blocks(pkg: Package) -> set[int]:
    used = set()
    for name, data in pkg.data.items():
        if name.lower().endswith(".vml"):
            for m in re.finditer(rb'idmap\b[^>]*\bdata="([\d,\s]+)"', data):
                used |= {int(x) for x in re.split(rb"[,\s]+", m.group(1)) if x}
    return used


def add_notes(pkg: Package, sheet_part: str, notes: Mapping[str, str], author: str) -> None:
    """Give each cell ``notes[ref]`` as its note on the sheet stored in ``sheet_part``."""
    if not notes:
        return
    notes = dict(sorted(notes.items(), key=lambda kv: split_ref(kv[0])))
    rels = pkg.relationships(sheet_part)
    com = next((r for r in rels if r.type == REL_COMMENTS and not r.external
                and r.target in pkg.data), None)
    vml = next((r for r in rels if r.type == REL_VML and not r.external
                and r.target in pkg.data), None)

    if com is not None:
        xml, new_refs = _extend_comments(pkg.data[com.target].decode("utf-8"), author, notes)
        pkg.replace(com.target, xml.encode("utf-8"))
    else:
        part = pkgedit.unique_part(pkg, "xl/comments{}.xml")
        pkg.replace(part, _new_comments(author, list(notes.items())).encode("utf-8"))
        pkgedit.set_override(pkg, part, CT_COMMENTS)
        pkgedit.add_relationship(pkg, sheet_part, REL_COMMENTS, part)
        new_refs = set(notes)
    if not new_refs:
        return

    cells = sorted(split_ref(ref) for ref in new_refs)
    if vml is not None:
        text = pkg.data[vml.target].decode("utf-8", "replace")
        ids = [int(x) for x in re.findall(r"_x0000_s(\d+)", text)]
        blocks = {int(x) for x in re.findall(r'idmap\b[^>]*\bdata="(\d+)', text)} or {1}
        first = max(ids + [min(blocks) * 1024]) + 1
        shapes = "".join(_shape(first + i, r, c) for i, (r, c) in enumerate(cells))
        if "_x0000_t202" not in text:
            head = _VML_HEAD.format(block=0)
            shapetype = head[head.index("<v:shapetype"):]
            shapes = shapetype + shapes
        at = text.rindex("</xml>")
        pkg.replace(vml.target, (text[:at] + shapes + text[at:]).encode("utf-8"))
        return
    block = max(_vml_blocks(pkg) | {0}) + 1
    part = pkgedit.unique_part(pkg, "xl/drawings/vmlDrawing{}.vml")
    shapes = "".join(_shape(block * 1024 + 1 + i, r, c) for i, (r, c) in enumerate(cells))
    pkg.replace(part, (_VML_HEAD.format(block=block) + shapes + "</xml>").encode("utf-8"))
    pkgedit.set_override(pkg, part, CT_VML)
    rid = pkgedit.add_relationship(pkg, sheet_part, REL_VML, part)
    sheet = pkg.data[sheet_part].decode("utf-8")
    p = (re.search(r"<(\w+:)?worksheet\b", sheet).group(1) or "")
    element = f'<{p}legacyDrawing xmlns:r="{NS_REL}" r:id="{rid}"/>'
    pkg.replace(sheet_part, _top_level_insert(sheet, element, _AFTER_LEGACY).encode("utf-8"))
