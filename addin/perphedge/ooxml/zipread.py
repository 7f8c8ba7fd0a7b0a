"""Open a received file as a zip package without trusting it: what it is (an encrypted
workbook or an old .xls are OLE compound files, not zips), member names that could escape
the package or name a part twice, and member sizes checked against caps before anything
is inflated. Reading a member never inflates more than it declares."""

from __future__ import annotations

import io
import re
import zipfile
from typing import IO

from perphedge.ooxml.errors import (
    DuplicateMember,
    EncryptedWorkbook,
    LegacyXls,
    NotAZip,
    PartTooLarge,
    UnsafeMemberName,
)

#: The whole package may unpack to at most this much.
MAX_UNPACKED_BYTES = 1 << 30
#: One part read whole into memory (workbook, styles, shared strings, drawings ...).
MAX_PART_BYTES = 256 << 20
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")


def sniff(raw: bytes, name: str) -> None:
    """Refuse what is not a zip package, saying what it is."""
    if raw.startswith(_OLE_MAGIC):
        # stream names sit in the compound file's directory as UTF-16LE
        if "EncryptedPackage".encode("utf-16-le") in raw or \
                "EncryptionInfo".encode("utf-16-le") in raw:
            raise EncryptedWorkbook(
                f"{name} is a password-protected (encrypted) workbook: open it in Excel with "
                "its password and save it without one (File > Info > Protect Workbook > "
                "Encrypt with Password, cleared), then run again")
        raise LegacyXls(f"{name} is a legacy Excel 97-2003 (.xls) workbook, not an .xlsx: "
                        "open it in Excel or LibreOffice and save it as .xlsx, then run again")
    if not raw.startswith(b"PK"):
        raise NotAZip(f"{name} is not a readable Excel workbook (.xlsx/.xlsm): it is not a "
                      "zip package")


def unsafe(member: str) -> bool:
    parts = member.split("/")
    return (member.startswith("/") or "\\" in member or bool(_DRIVE.match(member))
            or ".." in parts or "\x00" in member)


def open_zip(raw: bytes, name: str) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The package's zip and its members, checked (names, duplicates, sizes)."""
    sniff(raw, name)
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise NotAZip(f"{name} is not a readable Excel workbook: {e}") from e
    seen: set[str] = set()
    total = 0
    for i in infos:
        if unsafe(i.filename):
            raise UnsafeMemberName(f"{name} has a member named {i.filename!r}, which would "
                                   "unpack outside the package: not a workbook to trust")
        low = i.filename.lower()
        if low in seen:
            raise DuplicateMember(f"{name} holds two members named {i.filename!r}: readers "
                                  "disagree on which one is the part, so it is refused")
        seen.add(low)
        total += i.file_size
    if total > MAX_UNPACKED_BYTES:
        raise PartTooLarge(f"{name} unpacks to {total / 2**20:.0f} MiB, more than the "
                           f"{MAX_UNPACKED_BYTES / 2**20:.0f} MiB a workbook here may hold")
    return z, infos


def read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str,
                cap: int = MAX_PART_BYTES) -> bytes:
    """A member's bytes, refused before inflating when it declares more than ``cap``, and
    never inflated beyond what it declares."""
    if info.file_size > cap:
        raise PartTooLarge(f"part {info.filename} of {name} unpacks to "
                           f"{info.file_size / 2**20:.0f} MiB, more than the "
                           f"{cap / 2**20:.0f} MiB one part may hold")
    try:
        with z.open(info) as f:
            out = _bounded(f, info, name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise NotAZip(f"part {info.filename} of {name} cannot be unpacked: {e}") from e
    except MemoryError:
        raise PartTooLarge(f"part {info.filename} of {name} is too large for the memory "
                           "available") from None
    return out


def _bounded(f: IO[bytes], info: zipfile.ZipInfo, name: str) -> bytes:
    buf = bytearray()
    while True:
        chunk = f.read(_CHUNK)
        if not chunk:
            return bytes(buf)
        buf += chunk
        if len(buf) > info.file_size:
            raise PartTooLarge(f"part {info.filename} of {name} unpacks to more than it "
                               "declares")


def open_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> IO[bytes]:
    """A member as a stream (zipfile stops at the declared size and checks the CRC)."""
    try:
        return z.open(info)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise NotAZip(f"part {info.filename} of {name} cannot be unpacked: {e}") from e
