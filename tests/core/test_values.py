"""`@value` behaves as `@dataclass(frozen=True)` does (each test holds it to a dataclass
twin), compiles nothing at import, and needs no `dataclasses` import."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from dataclasses import dataclass
from typing import ClassVar

import pytest

from kubectl_rollback.core import values
from kubectl_rollback.core.values import FrozenInstanceError, field, fields, replace, value


def _astuple(obj: object) -> tuple[object, ...]:
    return tuple(getattr(obj, f.name) for f in fields(obj))


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
    tags: list[str] = dataclasses.field(default_factory=list)
    note: str = dataclasses.field(default="", compare=False, repr=False)


@value
class Child(Pair):
    extra: bool = False


def test_construction_matches_a_frozen_dataclass() -> None:
    for args, kwargs in (((1,), {}), ((1, 3), {}), ((), {"left": 1, "tags": ["a"]})):
        ours, theirs = Pair(*args, **kwargs), Twin(*args, **kwargs)
        assert _astuple(ours) == dataclasses.astuple(theirs)
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
    with pytest.raises(FrozenInstanceError):
        one.left = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):  # as dataclasses' FrozenInstanceError is
        del one.left  # type: ignore[misc]
    assert "note" not in repr(one)


def test_the_helpers_work_as_dataclasses_do() -> None:
    pair = Pair(1, tags=["x"])
    assert values.is_value(pair) and values.is_value(Pair) and not values.is_value(Twin(1))
    assert [f.name for f in fields(pair)] == [f.name for f in dataclasses.fields(Twin)]
    assert replace(pair, right=9) == Pair(1, 9, ["x"])
    assert pickle.loads(pickle.dumps(pair)) == pair
    assert Child(1, extra=True).extra and Child(1).right == 2
    assert repr(Child(1)) == "Child(left=1, right=2, tags=[], extra=False)"
    assert Pair.__match_args__ == Twin.__match_args__ == ("left", "right", "tags", "note")
    assert Pair.right == Twin.right == 2 and "tags" not in Pair.__dict__  # class defaults
    with pytest.raises(TypeError):
        fields(Twin(1))


def test_fields_are_collected_as_dataclasses_collects_them() -> None:
    @value
    class Base:
        a: int
        b: str = "b"
        limit: ClassVar[int] = 3  # not a field

    @value
    class Sub(Base):
        c: int = 0
        a: int = 1  # redefined: keeps its place, gains a default

    @dataclass(frozen=True)
    class BaseTwin:
        a: int
        b: str = "b"
        limit: ClassVar[int] = 3

    @dataclass(frozen=True)
    class SubTwin(BaseTwin):
        c: int = 0
        a: int = 1

    assert [f.name for f in fields(Sub)] == [f.name for f in dataclasses.fields(SubTwin)]
    assert repr(Sub()) == repr(SubTwin()).replace("SubTwin", "Sub")
    assert _astuple(Sub(5, "x", 2)) == dataclasses.astuple(SubTwin(5, "x", 2))
    assert Sub.limit == 3 and "limit" not in [f.name for f in fields(Base)]

    @value
    class Keyed:
        a: int = 0
        b: int = field(kw_only=True)
        c: int = field(default=2, init=False)

    assert Keyed(1, b=3) == Keyed(a=1, b=3) and Keyed(b=1).c == 2
    with pytest.raises(TypeError):
        Keyed(1, 2)  # type: ignore[misc]
    with pytest.raises(ValueError, match="init=False"):
        replace(Keyed(b=1), c=5)


def test_declarations_dataclasses_refuse_are_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @value
        class Order:
            a: int = 0
            b: int

    with pytest.raises(ValueError, match="mutable default"):

        @value
        class Shared:
            tags: list[str] = []  # noqa: RUF012

    with pytest.raises(ValueError, match="both default and default_factory"):
        field(default=1, default_factory=int)


def test_importing_the_value_types_imports_neither_dataclasses_nor_inspect() -> None:
    """`dataclasses` imports `inspect` (and ast, dis, tokenize): 13 to 18 ms of a command's
    start for nothing a command uses."""
    code = (
        "import sys\nimport kubectl_rollback.core.model, kubectl_rollback.core.plan\n"
        "print(sorted({'dataclasses', 'inspect', 'ast', 'tokenize'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


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
        log: list[str] = dataclasses.field(default_factory=list)

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
