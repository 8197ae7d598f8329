"""Regular expressions compiled on first use.

``re`` parses and compiles a pattern in Python: 0.2 to 1 M instructions each, paid at
every start-up by a module-level ``re.compile`` even when the run never needs the
pattern. The patterns made here serve only some files (a ``.env`` beside a Compose
file, a marker or suppression comment, a document of a data kind, GitLab's inputs).
"""

import re
from collections.abc import Callable
from functools import cache, partial


def on_first_use(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A function that returns ``pattern`` compiled, compiling it the first time only."""
    return cache(partial(re.compile, pattern, flags))
