"""The legacy VML drawing Excel keeps cell notes' boxes in: one hidden note shape per cell.
VML is not an Office Open XML schema Excel validates (it is read by its own old parser), so
the drawing is written from this fixed text with only numbers put in."""

from __future__ import annotations

VML_HEAD = ('<xml xmlns:v="urn:schemas-microsoft-com:vml"\n'
             ' xmlns:o="urn:schemas-microsoft-com:office:office"\n'
             ' xmlns:x="urn:schemas-microsoft-com:office:excel">\n'
             ' <o:shapelayout v:ext="edit">\n  <o:idmap v:ext="edit" data="{block}"/>\n'
             ' </o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" '
             'o:spt="202"\n  path="m,l,21600r21600,l21600,xe">\n'
             '  <v:stroke joinstyle="miter"/>\n'
             '  <v:path gradientshapeok="t" o:connecttype="rect"/>\n </v:shapetype>')


def note_shape(shape_id: int, row: int, col: int) -> str:
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
