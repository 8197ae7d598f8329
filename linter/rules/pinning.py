"""Helpers shared by the pinning rules (IMG001, IMG002, IMG005)."""

from linter.model import Form
from linter.reference import DEFAULT_TAG, Reference, pinned
from linter.rules import Subject


def is_latest(ref: Reference) -> bool:
    return ref.tag is None or ref.tag == DEFAULT_TAG


def suggestion(subject: Subject) -> str | None:
    """The pinned string to write in place of the image, when the tag was resolved."""
    resolution = subject.resolution
    if resolution is None or resolution.error is not None or resolution.digest is None:
        return None
    return pinned(subject.occurrence.image, resolution.digest)


def variable_note(subject: Subject) -> str:
    if subject.occurrence.form is Form.VARIABLE_DEFAULT:
        return " (this is a variable's default: the variable can override it)"
    if subject.occurrence.form is Form.ENV_FILE:
        # Which .env line the image comes from: the finding is at the Compose line.
        return f" ({subject.occurrence.note})"
    return ""
