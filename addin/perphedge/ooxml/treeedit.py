"""A part edited as a tree: parsed with the safe parser (:mod:`.xmlparse`), changed element
by element, written back with the XML declaration it had. Prefixes, quoting, namespace
declarations, comments and every element not named stay as they were — never a regular
expression over XML text."""

from __future__ import annotations

from lxml import etree

from perphedge.ooxml.errors import PackageError
from perphedge.ooxml.xmlparse import parse


def parse_part(data: bytes, part: str) -> etree._Element:
    """The root element of a part (ValueError naming ``part`` if it is not XML)."""
    try:
        return parse(data, part)
    except PackageError as e:   # callers report a part not laid out as expected
        raise ValueError(str(e)) from None


def serialize(root: etree._Element) -> bytes:
    """The part's bytes: UTF-8 behind the declaration Excel writes (``standalone="yes"`` when
    the part said so), then the document as it stands."""
    tree = root.getroottree()
    standalone = ' standalone="yes"' if tree.docinfo.standalone is True else ""
    head = f'<?xml version="1.0" encoding="UTF-8"{standalone}?>\n'.encode()
    return head + etree.tostring(tree, encoding="UTF-8", xml_declaration=False)


def main_ns(root: etree._Element) -> str:
    """``{uri}`` of the root's namespace, as the part writes it ("" for none)."""
    ns = etree.QName(root).namespace
    return f"{{{ns}}}" if ns else ""


def insert_in_order(parent: etree._Element, element: etree._Element, order: tuple[str, ...]) -> None:
    """Insert ``element`` among ``parent``'s children where the schema's ``order`` (local
    names of the children, in sequence) puts it: before the first child that must come
    after it, else at the end."""
    rank = {name: i for i, name in enumerate(order)}
    mine = rank[etree.QName(element).localname]
    for child in parent:
        if isinstance(child.tag, str) and rank.get(etree.QName(child).localname, -1) > mine:
            child.addprevious(element)
            return
    parent.append(element)
