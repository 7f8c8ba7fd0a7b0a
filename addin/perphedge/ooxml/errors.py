"""Why a file cannot be read as a workbook, one type per cause, so a message can say what
the file is (a password-protected workbook, an old .xls, Strict Open XML ...) rather than
what a library tripped over."""

from __future__ import annotations

from perphedge.core.errors import PerphedgeError


class PackageError(PerphedgeError):
    """The file is not a workbook we can read (not a zip, a part missing, bad XML)."""


class NotAZip(PackageError):
    """Neither a zip package nor an OLE compound file."""


class EncryptedWorkbook(PackageError):
    """An OLE compound file holding EncryptionInfo/EncryptedPackage: a workbook saved with a
    password to open."""


class LegacyXls(PackageError):
    """An OLE compound file without an encrypted package: a legacy binary (.xls) workbook."""


class StrictOpenXml(PackageError):
    """A workbook saved as "Strict Open XML Spreadsheet" (ISO 29500 strict namespaces)."""


class UnsafeMemberName(PackageError):
    """A zip member named so that unpacking it could land outside the package
    (``../``, an absolute path, a backslash or a drive letter)."""


class DuplicateMember(PackageError):
    """Two zip members with the same name (case-insensitively): readers disagree on which
    one is the part."""


class PartTooLarge(PackageError):
    """A part (or the whole package) unpacks to more than a workbook here may hold."""
