"""Known secrets, and text with them taken out: the second line of defence of every output.

The first line is that no message is ever made with a secret in it. This one
catches what slips through (an exception's text, a library's message quoting a
header): every secret imagepin learns is remembered here as it is read -- a
password, an identity or registry token, a config file's base64 ``auth``, a
credential helper's secret, a bearer token a token server granted, the GitHub
token -- and :func:`scrub` replaces each, as written or escaped the way an output
format escapes it, with ``***``. The report is scrubbed when it is made
(``Report.redacted``), and the command line writes every byte of standard output
and error, ``--output`` files, the step summary and the PR comment through
:func:`scrub` (linter/cli.py, linter/commands/common.py).

Secrets shorter than MIN_LENGTH characters are not scrubbed: replacing every
``abc`` in a report would garble it, and they are never printed in the first place.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, cast

MIN_LENGTH = 6
MASK = "***"

_known: set[str] = set()
#: The known forms, longest first: a secret that contains another is masked whole.
_ordered: tuple[str, ...] = ()


def remember(*secrets: str) -> None:
    """Scrub ``secrets`` (and the ways outputs escape them) from every output from now on."""
    global _ordered
    forms = {form for secret in secrets for form in _forms(secret) if len(form) >= MIN_LENGTH}
    if forms - _known:
        _known.update(forms)
        # Not an alternation compiled into one pattern: a run granted a token per
        # repository recompiled every token's seven forms at each grant (a third of
        # the CPU of a 200-image run). One assignment: a thread scrubbing meanwhile
        # uses the old tuple or the new one.
        _ordered = tuple(sorted(_known, key=len, reverse=True))


def remember_basic(username: str, password: str) -> None:
    """A password and the ``Authorization: Basic`` value made with it."""
    import base64

    remember(password, base64.b64encode(f"{username}:{password}".encode()).decode("ascii"))


def scrub(text: str) -> str:
    """``text`` with every known secret replaced by ``***``."""
    for form in _ordered:
        if form in text:
            text = text.replace(form, MASK)
    return text


def forget_all() -> None:
    """For tests: start again with nothing known."""
    global _ordered
    _known.clear()
    _ordered = ()


def _forms(secret: str) -> set[str]:
    """``secret`` as outputs may show it: as is, escaped by repr, JSON, URLs, GitHub's
    workflow commands and Markdown, and each line of it."""
    import json
    from urllib.parse import quote

    if not secret:
        return set()
    forms = {
        secret,
        repr(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        secret.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"),
        re.sub(r"([\\`*_\[\]<>|~#])", r"\\\1", secret),
    }
    # Outputs that print one line per message split a secret holding a line break.
    forms.update(part for part in re.split(r"[\r\n]+", secret) if part)
    return forms


class ScrubbingStream:
    """A text stream that scrubs what is written to it before passing it on."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(scrub(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@contextlib.contextmanager
def scrubbing_standard_streams() -> Iterator[None]:
    """Standard output and error scrubbed for the block (the command line's whole run)."""
    saved = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, ScrubbingStream(saved[0]))
    sys.stderr = cast(TextIO, ScrubbingStream(saved[1]))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
