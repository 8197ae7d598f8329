"""Configured extractors (``regex-extractors``): a regular expression whose named group
``image`` is a reference, in the files its globs name.

In the spirit of Renovate's regex manager, with two keys instead of its many: the
group's characters are the reference as written and the fix's span. The pattern
runs in MULTILINE mode (``^`` and ``$`` at each line) over the whole text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache

from linter.config import RegexExtractor
from linter.discovery import Excluder
from linter.extract.occurrence import TextScan, dynamic_part
from linter.model import Occurrence, Span


def applies(path: str, extractors: Sequence[RegexExtractor]) -> bool:
    """Whether one of ``extractors`` reads the file at display path ``path``."""
    return any(_matcher(extractor.files)(path) for extractor in extractors)


def extract(scan: TextScan, extractors: Sequence[RegexExtractor]) -> Iterator[Occurrence]:
    """The ``image`` groups of every extractor whose globs name the file, in written order."""
    for index, extractor in enumerate(extractors):
        if not _matcher(extractor.files)(scan.path):
            continue
        where = f"regex-extractors[{index}]"
        for match in extractor.compiled.finditer(scan.text):
            start, end = match.span("image")
            if start == end:  # the group did not take part, or took nothing
                continue
            image = match.group("image")
            dynamic = dynamic_part(image)
            span = Span(start, end)
            yield scan.occurrence(
                span,
                image=image,
                yaml_path=where,
                context=where,
                edit=span if dynamic is None else None,
                dynamic=dynamic,
            )


@cache
def _matcher(globs: tuple[str, ...]) -> Excluder:
    return Excluder(globs)
