"""`@value`: a dataclass whose methods cost nothing at import (frozen unless told otherwise).

`@dataclass(frozen=True)` writes the source of six methods (`__init__`, `__repr__`, `__eq__`,
`__hash__`, `__setattr__`, `__delattr__`) and compiles each with `exec` when the class is
created: about 0.8 ms a class here, a sixth of a one-shot command's start-up over the core's
classes (and as much again for the terminal UI's messages and controllers). `@value` lets
`dataclasses` read the fields only (no code generated) and then gives the class:

- an `__init__` compiled the first time the class is instantiated (a class a command never
  instantiates never pays), with the signature and the behaviour dataclasses' would have
  (positional or keyword, defaults, `field(default_factory=...)`, `__post_init__` last);
- `__repr__`, `__eq__` and `__hash__` shared by every value class, honouring `repr=False` and
  `compare=False` as dataclasses does; `__setattr__` and `__delattr__` refusing with
  `dataclasses.FrozenInstanceError`.

`@value(frozen=False)` is the mutable kind (`@dataclass`): assignable, equal by value and so
unhashable. Either is a dataclass for `dataclasses.fields`, `replace`, `asdict` and
`is_dataclass`, and for type checkers (`dataclass_transform`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")
_MISSING = dataclasses.MISSING
_HAS_FACTORY = object()
"""The default an `__init__` argument gets when its field has a default_factory."""


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _repr(self: object) -> str:
    args = ", ".join(f"{name}={getattr(self, name)!r}" for name in _names(type(self), "repr"))
    return f"{type(self).__qualname__}({args})"


def _key(self: object) -> tuple[object, ...]:
    return tuple(getattr(self, name) for name in _names(type(self), "compare"))


def _eq(self: object, other: object) -> object:  # bool, or NotImplemented
    if other.__class__ is self.__class__:
        return _key(self) == _key(other)
    return NotImplemented


def _hash(self: object) -> int:
    return hash(_key(self))


def _names(cls: type, flag: str) -> tuple[str, ...]:
    """The fields shown in the repr ("repr") or compared and hashed ("compare"), cached on
    the class (a subclass that is not itself a value class reads its own)."""
    attribute = f"__value_{flag}__"
    names: tuple[str, ...] | None = cls.__dict__.get(attribute)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if getattr(f, flag))
        type.__setattr__(cls, attribute, names)
    return names


def _compile_init(cls: type) -> Any:
    """The `__init__` dataclasses would write for ``cls``: the fields in order, defaults kept
    in the function's globals, factories called when their argument is not given."""
    namespace: dict[str, Any] = {"_set": object.__setattr__, "_HAS_FACTORY": _HAS_FACTORY}
    params, body = ["self"], []
    for f in dataclasses.fields(cls):
        # `initial`: the expression of the field's default; `marker`: the argument's default
        if f.default is not _MISSING:
            namespace[f"_default_{f.name}"] = f.default
            initial = marker = f"_default_{f.name}"
        elif f.default_factory is not _MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            initial, marker = f"_factory_{f.name}()", "_HAS_FACTORY"
        else:
            initial = marker = ""
        if not f.init:  # not an argument: set to its default (left unset without one)
            if initial:
                body.append(f"_set(self, {f.name!r}, {initial})")
            continue
        if f.kw_only and "*" not in params:
            params.append("*")
        params.append(f"{f.name}={marker}" if marker else f.name)
        given = f"{initial} if {f.name} is _HAS_FACTORY else {f.name}"
        body.append(f"_set(self, {f.name!r}, {given if marker == '_HAS_FACTORY' else f.name})")
    if hasattr(cls, "__post_init__"):  # as dataclasses: called last (Textual's Message has one)
        body.append("self.__post_init__()")
    source = f"def __init__({', '.join(params)}):\n    " + ("\n    ".join(body) or "pass")
    exec(source, namespace)  # noqa: S102 - our own text, built from the class's field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _lazy_init(cls: type) -> Any:
    def __init__(self: object, *args: Any, **kwargs: Any) -> None:
        real = cls.__dict__["__init__"]
        if real is __init__:  # first instance: compile it and put it in place
            real = _compile_init(cls)
            type.__setattr__(cls, "__init__", real)
        real(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


@overload
def value(cls: type[_T], /) -> type[_T]: ...


@overload
def value(*, frozen: bool = True) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def value(cls: type[_T] | None = None, /, *, frozen: bool = True) -> Any:
    """Make ``cls`` a dataclass without compiling anything now (see the module): frozen (and
    hashable), or with ``frozen=False`` mutable and unhashable, as ``@dataclass`` makes it."""

    def make(cls: type[_T]) -> type[_T]:
        own = dict(cls.__dict__)  # what the class defines itself stays, as with dataclasses
        if not cls.__doc__:
            # dataclasses documents a class without a docstring by its signature: for these
            # classes (no __init__ yet) inspect parses object.__init__'s text signature, and
            # the first such class compiled tokenize's patterns (3-4 ms of the UI's start).
            fields = ", ".join(cls.__dict__.get("__annotations__", {}))
            cls.__doc__ = f"{cls.__name__}({fields})"
        cls = dataclasses.dataclass(cls, init=False, repr=False, eq=False)
        methods: list[tuple[str, Any]] = [
            ("__init__", _lazy_init(cls)),
            ("__repr__", _repr),
            ("__eq__", _eq),
        ]
        if frozen:
            methods += [
                ("__hash__", _hash),
                ("__setattr__", _frozen_setattr),
                ("__delattr__", _frozen_delattr),
            ]
        for name, method in methods:
            if own.get(name) is None:
                type.__setattr__(cls, name, method)
        if not frozen and "__hash__" not in own:
            type.__setattr__(cls, "__hash__", None)  # equal by value, so not hashable
        return cls

    return make if cls is None else make(cls)
