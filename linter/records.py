"""What a record (a ``typing.NamedTuple``, docs/decisions.md) may need beyond a tuple's
own equality: a field that is not part of what it says."""

from __future__ import annotations

from typing import Any, TypeVar

R = TypeVar("R", bound=type[tuple[Any, ...]])


def last_field_not_compared(record: R) -> R:
    """``record`` with its last field left out of equality and hashing, as a dataclass's
    ``field(compare=False)``: how old an answer is, where a lookup went."""

    def __eq__(self: tuple[Any, ...], other: object) -> bool:
        return type(other) is record and self[:-1] == other[:-1]

    def __ne__(self: tuple[Any, ...], other: object) -> bool:
        return not __eq__(self, other)

    def __hash__(self: tuple[Any, ...]) -> int:
        return hash(self[:-1])

    for method in (__eq__, __ne__, __hash__):
        setattr(record, method.__name__, method)
    return record
