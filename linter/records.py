"""Records: the immutable values imagepin passes along (docs/decisions.md).

``class Span(Record)`` declares one as a ``typing.NamedTuple`` is declared, and the type
checker sees a NamedTuple. At run time the class is made here instead, at a fraction of
the cost: ``typing.NamedTuple`` type-checks every annotation and has
``collections.namedtuple`` compile a ``__new__`` from source for each class, about
0.65 M instructions a class, 20 M of a one-file check that makes 31. Here the fields
are the annotations' names (never evaluated: the modules postpone them) and one
``__new__`` serves every record. The instances are the same: tuples, compared and
hashed in C, fields read by index in C, ``_replace``, ``_asdict``, the same ``repr``.

Also what a record may need beyond a tuple's own equality: a field that is not part
of what it says (``last_field_not_compared``).
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["Record", "last_field_not_compared"]

R = TypeVar("R", bound=type[tuple[Any, ...]])

#: A field read by index, in C: what collections.namedtuple uses (a property elsewhere).
_field: Callable[[int, None], Any] = collections._tuplegetter  # type: ignore[attr-defined]


class _RecordType(type):
    """Makes ``class Name(Record)`` a tuple whose fields are its annotations."""

    def __new__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> _RecordType:
        if len(bases) != 1 or not isinstance(bases[0], _RecordType) or "_fields" in vars(bases[0]):
            # The base of all records, or a class derived from a record.
            return super().__new__(cls, name, bases, namespace)
        try:
            fields = tuple(namespace["__annotations__"])
        except KeyError:  # Python 3.14 makes them on demand unless postponed
            raise TypeError(
                f"record {name}: its module must postpone annotations "
                "(from __future__ import annotations)"
            ) from None
        defaults = {field: namespace.pop(field) for field in fields if field in namespace}
        if tuple(defaults) != fields[len(fields) - len(defaults) :]:
            raise TypeError(f"record {name}: a field without a default follows one with")
        namespace.update(__slots__=(), _fields=fields, _field_defaults=defaults)
        namespace["__match_args__"] = fields
        for index, field in enumerate(fields):
            namespace[field] = _field(index, None)
        return super().__new__(cls, name, bases, namespace)


class _Record(tuple[Any, ...], metaclass=_RecordType):
    __slots__ = ()
    _fields: tuple[str, ...]
    _field_defaults: dict[str, Any]

    def __new__(cls: type[_R], *values: Any, **named: Any) -> _R:
        if named or len(values) != len(cls._fields):
            values = _bound(cls, values, named)
        return tuple.__new__(cls, values)

    @classmethod
    def _make(cls: type[_R], iterable: Iterable[Any]) -> _R:
        return cls(*iterable)

    def _replace(self: _R, **changes: Any) -> _R:
        values = tuple(map(changes.pop, self._fields, self))
        if changes:
            raise TypeError(f"{type(self).__name__} has no field {next(iter(changes))!r}")
        return tuple.__new__(type(self), values)

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))

    def __repr__(self) -> str:
        shown = (f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True))
        return f"{type(self).__name__}({', '.join(shown)})"

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)


_R = TypeVar("_R", bound=_Record)


def _bound(cls: type[_Record], values: tuple[Any, ...], named: dict[str, Any]) -> tuple[Any, ...]:
    """The fields' values in order, from arguments given by name or left to defaults."""
    fields = cls._fields
    if len(values) > len(fields):
        raise TypeError(f"{cls.__name__}() takes {len(fields)} arguments")
    bound = list(values)
    for field in fields[len(values) :]:
        if field in named:
            bound.append(named.pop(field))
        elif field in cls._field_defaults:
            bound.append(cls._field_defaults[field])
        else:
            raise TypeError(f"{cls.__name__}() missing argument {field!r}")
    if named:  # a name that is no field, or one given by position too
        raise TypeError(f"{cls.__name__}() got an unexpected {next(iter(named))!r}")
    return tuple(bound)


if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    Record = _Record


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
