"""`@value` behaves as `@dataclass(frozen=True)` does, and compiles nothing at import."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from kubectl_rollback.core.values import value


@value
class Pair:
    """Two numbers."""

    left: int
    right: int = 2
    tags: list[str] = field(default_factory=list)
    note: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class Twin:
    left: int
    right: int = 2
    tags: list[str] = field(default_factory=list)
    note: str = field(default="", compare=False, repr=False)


@value
class Child(Pair):
    extra: bool = False


def test_construction_matches_a_frozen_dataclass() -> None:
    for args, kwargs in (((1,), {}), ((1, 3), {}), ((), {"left": 1, "tags": ["a"]})):
        ours, theirs = Pair(*args, **kwargs), Twin(*args, **kwargs)
        assert dataclasses.astuple(ours) == dataclasses.astuple(theirs)
        assert repr(ours) == repr(theirs).replace("Twin", "Pair")
    assert Pair(1).tags is not Pair(1).tags  # a factory per instance, as dataclasses


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "missing 1 required positional argument: 'left'"),
        ((1, 2, [], "", 5), {}, "takes from 2 to 5 positional arguments but 6 were given"),
        ((1,), {"colour": "blue"}, "got an unexpected keyword argument 'colour'"),
        ((1,), {"left": 2}, "got multiple values for argument 'left'"),
    ],
)
def test_wrong_arguments_fail_as_a_dataclass_does(
    args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        Pair(*args, **kwargs)  # type: ignore[arg-type, call-arg]
    with pytest.raises(TypeError, match=message):
        Twin(*args, **kwargs)  # type: ignore[arg-type, call-arg]


def test_frozen_equal_and_hashable_with_compare_false_ignored() -> None:
    one, two = Pair(1, note="a"), Pair(1, note="b")
    assert one == two
    with pytest.raises(TypeError, match="unhashable type: 'list'"):
        hash(one)  # as a frozen dataclass with a list field
    assert hash(Child(1, tags=(), note="a")) == hash(Child(1, tags=(), note="b"))  # type: ignore[arg-type]
    assert Pair(1) != Pair(2) and Pair(1) != Twin(1) and Pair(1) != Child(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.left = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del one.left  # type: ignore[misc]
    assert "note" not in repr(one)


def test_dataclass_helpers_work() -> None:
    pair = Pair(1, tags=["x"])
    assert dataclasses.is_dataclass(pair)
    assert [f.name for f in dataclasses.fields(pair)] == ["left", "right", "tags", "note"]
    assert dataclasses.replace(pair, right=9) == Pair(1, 9, ["x"])
    assert dataclasses.asdict(pair) == {"left": 1, "right": 2, "tags": ["x"], "note": ""}
    assert pickle.loads(pickle.dumps(pair)) == pair
    assert Child(1, extra=True).extra and Child(1).right == 2
    assert repr(Child(1)) == "Child(left=1, right=2, tags=[], extra=False)"


def test_nothing_is_compiled_until_the_first_instance() -> None:
    @value
    class Late:
        a: int

    lazy = Late.__dict__["__init__"]
    assert Late.__dict__["__init__"] is lazy  # still the stub: nothing compiled yet
    assert Late(1).a == 1
    compiled = Late.__dict__["__init__"]
    assert compiled is not lazy
    assert Late(2).a == 2 and Late.__dict__["__init__"] is compiled


def test_a_mutable_value_class_is_one_as_a_dataclass_is() -> None:
    seen: list[str] = []

    @value(frozen=False)
    class Counter:
        name: str
        count: int = 0
        log: list[str] = field(default_factory=list)

        def __post_init__(self) -> None:
            seen.append(self.name)

    @dataclass
    class Twin:
        name: str
        count: int = 0
        log: list[str] = field(default_factory=list)

    counter = Counter("a")
    counter.count += 1
    assert counter == Counter("a", 1) and counter != Counter("a")
    assert repr(counter) == repr(Twin("a", 1)).replace("Twin", "Counter")
    assert seen == ["a", "a", "a"]  # __post_init__ after every __init__, as dataclasses
    assert Counter.__hash__ is None and Twin.__hash__ is None  # equal by value: unhashable


def test_a_textual_message_as_a_mutable_value_class_posts() -> None:
    """Textual's Message initialises itself in __post_init__: a @value(frozen=False) message
    gets it called, as a @dataclass one does."""
    from textual.message import Message

    @value(frozen=False)
    class Listed(Message):
        names: list[str]

    message = Listed(["web"])
    assert message.names == ["web"] and message.handler_name == "on_listed"
    assert message._stop_propagation is False and message._prevent == set()  # set up by it


def test_the_package_declares_its_data_types_with_value() -> None:
    """Outside sim/ (standard library only, it cannot use the core's helpers) every data type
    is a @value class: a @dataclass would put its compile cost back on every start-up."""
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "kubectl_rollback"
    found = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if path.parts[len(package.parts)] != "sim"
        and path.name != "values.py"
        and "@dataclass" in path.read_text()
    ]
    assert found == []
