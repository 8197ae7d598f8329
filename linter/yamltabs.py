"""ruamel's pure-Python YAML scanner, taking tabs where YAML 1.2 (and libyaml) take them.

Used by linter/yamlnodes.py for the YAML 1.2 parser, which reads what libyaml refuses
(``{image: nginx:1.27}`` in flow style).
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def tab_scanner() -> type:
    """ruamel's pure scanner, taking tabs where YAML 1.2 (and libyaml) take them.

    In block context it refuses any tab between tokens: ``name: a<TAB># note`` fails
    ("found character '\\t' that cannot start any token"), so a file that also needs
    the pure parser (a flow mapping libyaml refuses) was IMG000 for both. A tab is
    separation after something on its line, before a comment or a line's end, after
    a block scalar's indicator, and white space inside a plain scalar (``a<TAB>b``);
    only as indentation is it refused, as before.
    """
    from ruamel.yaml.scanner import Scanner

    class TabScanner(Scanner):
        def scan_to_next_token(self) -> Any:
            found = super().scan_to_next_token()
            while self._separating_tab():
                while self.reader.peek() in " \t":
                    self.reader.forward()
                found = super().scan_to_next_token()
            return found

        def _separating_tab(self) -> bool:
            reader = self.reader
            if reader.peek() != "\t":
                return False
            if reader.buffer[reader.pointer - reader.column : reader.pointer].strip(" \t"):
                return True
            ahead = 0
            while reader.peek(ahead) in " \t":
                ahead += 1
            return bool(reader.peek(ahead) in "#\0\r\n\x85\u2028\u2029")

        def scan_plain_spaces(self, indent: Any, start_mark: Any) -> Any:
            # ruamel ends a plain scalar at a tab ("We just forbid them completely"), so
            # ``args: a<TAB>b`` was a syntax error; inside a line a tab is white space
            # of the scalar, as libyaml and YAML 1.2 read it (``'a\tb'``).
            reader = self.reader
            length = 0
            while reader.peek(length) in " \t":
                length += 1
            blanks = reader.prefix(length)
            if "\t" not in blanks:
                return super().scan_plain_spaces(indent, start_mark)
            reader.forward(length)
            if reader.peek() in "\0\r\n\x85\u2028\u2029":
                return super().scan_plain_spaces(indent, start_mark)
            return [blanks]

        def scan_block_scalar_indicators(self, start_mark: Any) -> Any:
            # ruamel wants a space after ``|``, ``>-`` or ``|2+``: a tab there is white
            # space too; it becomes a space in the buffer (same length, same marks).
            reader = self.reader
            length = 0
            while length < 2 and reader.peek(length) in "+-123456789":
                length += 1
            if reader.peek(length) == "\t":
                at = reader.pointer + length
                reader.buffer = reader.buffer[:at] + " " + reader.buffer[at + 1 :]
            return super().scan_block_scalar_indicators(start_mark)

        def scan_block_scalar_ignored_line(self, start_mark: Any) -> Any:
            # The rest of a block scalar's indicator line (``args: |<TAB># note``).
            while self.reader.peek() in " \t":
                self.reader.forward()
            return super().scan_block_scalar_ignored_line(start_mark)

    return TabScanner
