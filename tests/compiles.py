"""Who compiles source while imagepin runs: Python code to run first in a fresh process.

A record type made by ``typing.NamedTuple`` or ``collections.namedtuple`` compiles a
``__new__`` from source, a dataclass its methods, a string annotation a ForwardRef;
the first compile of a process also builds Python's AST types (~10 M instructions).
The audit hook hears each ``compile`` and charges it to the innermost frame that is a
module's body or code of ours: a library's import (urllib.parse's namedtuples, h11's
dataclasses) is the library's; a record of ours is ours. The import system compiling
a module it has no ``.pyc`` for is neither. ``ours()`` lists our modules that compiled
anything.
"""

RECORDER = """\
import sys
_compiled = set()
def _heard(event, args):
    if event != 'compile':
        return
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get('__name__', '')
        if name.startswith('importlib._bootstrap'):
            return  # a module's own source, without a .pyc to load
        if name.split('.')[0] == 'linter' or frame.f_code.co_name == '<module>':
            _compiled.add(name)
            return
        frame = frame.f_back
sys.addaudithook(_heard)
def ours():
    return sorted(name for name in _compiled if name.split('.')[0] == 'linter')
"""
