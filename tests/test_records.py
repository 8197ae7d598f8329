"""linter.records.Record: declared as a NamedTuple, made without compiling, and behaving
as one wherever imagepin uses a record."""

from __future__ import annotations

import pickle
from typing import NamedTuple

import pytest

from linter.records import Record, last_field_not_compared


class Point(Record):
    """A docstring stays the class's."""

    x: int
    y: int
    label: str | None = None

    def moved(self, dx: int) -> Point:
        return self._replace(x=self.x + dx)

    @property
    def far(self) -> bool:
        return abs(self.x) > 10


class Twin(NamedTuple):
    x: int
    y: int
    label: str | None = None


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((1, 2), {}),
        ((1, 2, "a"), {}),
        ((1,), {"y": 2}),
        ((), {"x": 1, "y": 2, "label": "a"}),
        ((), {"label": "a", "y": 2, "x": 1}),
        ((1,), {"label": "a", "y": 2}),
    ],
)
def test_made_as_a_namedtuple_is(args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    point, twin = Point(*args, **kwargs), Twin(*args, **kwargs)  # type: ignore[arg-type]
    assert tuple(point) == tuple(twin)
    assert repr(point) == repr(twin).replace("Twin", "Point")
    assert point._asdict() == twin._asdict()
    assert tuple(point) == twin and hash(point) == hash(twin)  # as tuples, as NamedTuples are


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((1,), {}, "missing argument 'y'"),
        ((1, 2, "a", 4), {}, "takes 3 arguments"),
        ((1, 2), {"z": 3}, "unexpected 'z'"),
        ((1, 2), {"x": 3}, "unexpected 'x'"),  # given by position too
    ],
)
def test_wrong_arguments_are_refused(
    args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        Point(*args, **kwargs)  # type: ignore[arg-type]


def test_what_imagepin_uses_of_a_namedtuple() -> None:
    point = Point(1, 2)
    assert (point.x, point.y, point.label) == (1, 2, None)
    assert point.moved(20) == Point(21, 2) and point.moved(20).far and not point.far
    assert type(point.moved(1)) is Point
    assert Point._fields == ("x", "y", "label") and Point._field_defaults == {"label": None}
    assert Point.__match_args__ == ("x", "y", "label")
    assert Point.__doc__ == "A docstring stays the class's."
    assert Point._make([3, 4]) == Point(3, 4)
    assert pickle.loads(pickle.dumps(point)) == point
    with pytest.raises(AttributeError):
        point.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        point.z = 5  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="no field 'z'"):
        point._replace(z=1)  # type: ignore[call-arg]


def test_a_class_derived_from_a_record_adds_no_field() -> None:
    """As with a NamedTuple: a subclass's annotations are attributes, not fields."""

    class Recording(Point):
        heard: list[str]

    recording = Recording(1, 2)
    recording.heard = ["x"]
    assert Recording._fields == Point._fields and recording == Point(1, 2)


def test_a_field_without_a_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="without a default follows one with"):

        class Wrong(Record):
            x: int = 0
            y: int  # type: ignore[misc]


def test_the_last_field_can_stay_out_of_equality() -> None:
    @last_field_not_compared
    class Answer(Record):
        digest: str
        age: float

    assert Answer("a", 1.0) == Answer("a", 2.0) and hash(Answer("a", 1.0)) == hash(Answer("a", 2.0))
    assert Answer("a", 1.0) != Answer("b", 1.0)
