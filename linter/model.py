"""The values that flow through imagepin: occurrences, resolutions, findings, edits, reports.

discover -> extract (Occurrence) -> resolve (Resolution) -> rules (Finding) -> fix (Edit) -> report

The records are ``linter.records.Record``s, not dataclasses: a dataclass compiles its
methods from source each time the program starts (docs/decisions.md).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

from linter.records import Record, last_field_not_compared
from linter.redact import scrub
from linter.reference import Reference


class Level(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Level:
        return cls[text.upper()]


class Form(enum.Enum):
    """How an image reference is written, which decides how it is fixed."""

    #: The whole scalar is the reference (``image: nginx:1.27``).
    SCALAR = "scalar"
    #: The literal default of a Compose ``${VAR:-default}``.
    VARIABLE_DEFAULT = "variable-default"
    #: A Kustomize ``images:`` entry; the fix writes its ``digest:`` field.
    KUSTOMIZE = "kustomize"
    #: Read from a Compose project's ``.env`` file; the fix writes there (``fix_path``).
    ENV_FILE = "env-file"


class Span(Record):
    """Character offsets ``[start, end)`` into the decoded file text (BOM included)."""

    start: int
    end: int


class KustomizeEntry(Record):
    """Where a Kustomize ``digest:`` goes: replace ``digest``, or insert at ``insert_at``.

    ``insert_prefix`` is everything to insert but the digest value itself, e.g.
    ``"\\n    digest: "`` for block style or ``", digest: "`` for flow style.
    """

    digest: Span | None
    insert_at: int
    insert_prefix: str
    insert_suffix: str = ""


class Occurrence(Record):
    """One place where a file names an image.

    ``raw`` is exactly ``text[start:end]`` of the YAML scalar (quotes included);
    ``image`` is the reference string that is checked (a variable's default, or
    the name and tag a Kustomize entry assembles). ``edit`` is the span of the
    characters that hold ``image`` in the file, or None when they cannot be
    rewritten in place (escapes, multi-line scalars).
    """

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int
    raw: str
    image: str
    yaml_path: str
    context: str = ""
    form: Form = Form.SCALAR
    edit: Span | None = None
    kustomize: KustomizeEntry | None = None
    #: Why this cannot be checked statically (IMG006), e.g. "${TAG}" or "{{ .Values.x }}".
    dynamic: str | None = None
    #: Extra words for messages, e.g. "a variable can override this default".
    note: str | None = None
    #: When fix cannot pin it: what would let it (the option to set).
    fix_hint: str | None = None
    #: Why the tool that reads this field refuses it although ``image`` parses (kustomize
    #: takes no number as ``newTag``): reported as an invalid reference (IMG003).
    invalid: str | None = None
    #: Why ``fix`` leaves this image to the author, when it does (shown when a pin is skipped).
    unfixable: str | None = None
    #: The file ``edit`` and ``kustomize`` point into (display path), when it is another
    #: one than ``path``: a Compose project's ``.env``.
    fix_path: str | None = None


class PlatformEntry(Record):
    """One child of an image index."""

    os: str
    architecture: str
    variant: str | None
    digest: str
    media_type: str = ""

    def __str__(self) -> str:
        text = f"{self.os}/{self.architecture}"
        return f"{text}/{self.variant}" if self.variant else text


class ErrorKind(enum.Enum):
    NOT_FOUND = "not-found"
    AUTH = "auth"
    UNREACHABLE = "unreachable"
    INVALID = "invalid"


class ResolveError(Record):
    kind: ErrorKind
    message: str
    registry: str


class SignatureState(enum.Enum):
    """What the registry holds to vouch for one digest (IMG010)."""

    #: No cosign or Notation signature at all.
    MISSING = "missing"
    #: Signatures exist; no ``signature-keys`` were configured to verify them.
    FOUND = "found"
    #: Signatures exist, and none verifies with the configured keys.
    UNVERIFIED = "unverified"
    #: A cosign signature verified with one of the configured keys.
    VERIFIED = "verified"


class Signature(Record):
    """One signature of a digest, as found in the registry."""

    #: ``cosign`` or ``notation``.
    kind: str
    #: Where it was found: ``referrers API``, ``tag sha256-<hex>``, ``tag sha256-<hex>.sig``.
    source: str
    #: The digest of the signature manifest.
    manifest: str
    #: Checked against the configured keys: True or False; None when not checked.
    verified: bool | None = None
    #: The key whose signature this is (when the cryptography verified), by file name.
    key: str | None = None
    reason: str = ""


class SignatureStatus(Record):
    """The signatures of ``digest`` and the verdict on them, with a one-line reason."""

    digest: str
    state: SignatureState
    signatures: tuple[Signature, ...] = ()
    reason: str = ""

    @property
    def key(self) -> str | None:
        """The key that verified, when one did."""
        return next((s.key for s in self.signatures if s.verified), None)


class Resolution(Record):
    """What the registry says about one unique reference.

    ``digest`` is what the tag resolves to now (the index digest, or one
    platform's manifest with ``--platform``); None for digest-only references.
    ``platforms`` lists the children of the index the tag (or the pinned digest)
    points to, when they were needed. ``pinned_exists`` answers, for references
    with a digest, whether that digest exists in the repository.

    The trust policy's facts are about the *deployed* digest: the pin when the
    reference has one, else ``digest`` (what ``fix`` writes). Each is filled only
    when its rule is configured: ``platform`` (IMG008) when the deployed digest is
    one platform's image (a single-platform image, or one child of an index),
    ``created`` (IMG012; for an index, its ``platform`` or linux/amd64 image's),
    ``signature`` (IMG010).
    """

    reference: Reference
    digest: str | None = None
    media_type: str | None = None
    platforms: tuple[PlatformEntry, ...] = ()
    pinned_exists: bool | None = None
    error: ResolveError | None = None
    platform: PlatformEntry | None = None
    created: datetime | None = None
    signature: SignatureStatus | None = None


@last_field_not_compared
class Finding(Record):
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    name: str
    level: Level
    message: str
    image: str
    reference: str | None = None
    suggestion: str | None = None
    #: The occurrence this finding is about; None for file-level findings (IMG000). Not
    #: part of what the finding says: left out of equality, hashing and repr (a finding
    #: read back from a JSON report has none).
    occurrence: Occurrence | None = None

    def __repr__(self) -> str:
        said = ", ".join(
            f"{name}={value!r}" for name, value in zip(self._fields[:-1], self[:-1], strict=True)
        )
        return f"Finding({said})"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)


class SourceText(Record):
    """A file that was read and extracted: what the rules saw and ``fix`` rewrites."""

    path: str
    #: As shown in findings: relative to the working directory, ``/``-separated.
    display: str
    text: str
    encoding: str
    occurrences: tuple[Occurrence, ...]
    #: The real directory ``fix`` may write it in (discovery.SourceFile.root).
    root: str


class Edit(Record):
    """Replace ``text[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: str


class FileError(Record):
    """A file that was not linted, and why (unreadable, not UTF-8, a directory, …)."""

    path: str
    message: str
    #: Where in the file, for a problem at one place (an image fix could not pin).
    line: int | None = None
    column: int | None = None

    @property
    def where(self) -> str:
        """``path:line:col``, as findings are located, or the path alone."""
        return f"{self.path}:{self.line}:{self.column}" if self.line else self.path


class Report(Record):
    findings: tuple[Finding, ...]
    files_scanned: int
    images: int
    errors: tuple[FileError, ...] = ()
    #: Registries that could not be reached or refused us, with a one-line reason each.
    registry_problems: tuple[str, ...] = ()
    #: Files rewritten by ``fix``.
    fixed_files: tuple[str, ...] = ()
    #: Files read but skipped without a finding, and why (a template; not YAML, and no
    #: image key in it; "disable-file": those are not counted in ``files_scanned``).
    skipped: tuple[FileError, ...] = ()
    #: Show info-level findings (``-v``).
    verbose: bool = False
    #: The directory paths are relative to (for SARIF ``%SRCROOT%`` and links).
    root: str = "."
    extra: Mapping[str, str] = {}

    def redacted(self) -> Report:
        """The report with every known secret taken out of its messages (linter.redact)."""
        findings = tuple(
            f if (m := scrub(f.message)) == f.message else f._replace(message=m)
            for f in self.findings
        )
        return self._replace(
            findings=findings,
            errors=tuple(e._replace(message=scrub(e.message)) for e in self.errors),
            registry_problems=tuple(scrub(problem) for problem in self.registry_problems),
            extra={key: scrub(value) for key, value in self.extra.items()},
        )

    def visible(self) -> tuple[Finding, ...]:
        """Findings to show: info ones only with -v."""
        if self.verbose:
            return self.findings
        return tuple(f for f in self.findings if f.level >= Level.WARNING)
