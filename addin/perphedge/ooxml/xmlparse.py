"""One way to parse a part: lxml with entities, DTDs and the network off and no huge-tree
allowance, whole (small parts) or streamed element by element (worksheets)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from lxml import etree

from perphedge.ooxml.errors import PackageError

_OPTIONS = dict(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                dtd_validation=False)


def parser() -> etree.XMLParser:
    # a fresh parser per document: lxml parsers keep state and are not thread-safe
    return etree.XMLParser(remove_blank_text=False, **_OPTIONS)


def parse(data: bytes, part: str) -> etree._Element:
    """The root element of ``data``; :class:`PackageError` naming ``part`` if it is not
    well-formed XML."""
    try:
        root = etree.fromstring(data, parser())
    except etree.XMLSyntaxError as e:
        raise PackageError(f"part {part} is not well-formed XML: {e}") from e
    except MemoryError:
        raise PackageError(f"part {part} is too large to read in the memory available") from None
    if root is None:
        raise PackageError(f"part {part} is empty")
    return root


def iterparse(stream: IO[bytes], part: str, tag: str | tuple[str, ...] | None = None,
              events: tuple[str, ...] = ("end",)) -> Iterator[tuple[str, etree._Element]]:
    """(event, element) pairs of ``stream``; errors as :class:`PackageError`. The caller
    clears elements it is done with, so memory follows one element, not the part."""
    try:
        yield from etree.iterparse(stream, events=events, tag=tag, **_OPTIONS)
    except etree.XMLSyntaxError as e:
        raise PackageError(f"part {part} is not well-formed XML: {e}") from e
    except MemoryError:
        raise PackageError(f"part {part} is too large to read in the memory available") from None
