"""`@value`: a frozen dataclass, made without the `dataclasses` module and without compiling
anything at import (frozen unless told otherwise).

`@dataclass(frozen=True)` writes the source of six methods (`__init__`, `__repr__`, `__eq__`,
`__hash__`, `__setattr__`, `__delattr__`) and compiles each with `exec` when the class is
created: about 0.8 ms a class here, a sixth of a one-shot command's start-up over the core's
classes (and as much again for the terminal UI's messages and controllers). And importing
`dataclasses` imports `inspect` (with it `ast`, `dis`, `tokenize`, `linecache`): 13 to 18 ms
of every command's start, for nothing a command uses. `@value` reads the fields itself, as
dataclasses reads them (annotations in order, inherited from value base classes, a default
or `field(...)` per field, `ClassVar` left out), and gives the class:

- an `__init__` compiled the first time the class is instantiated (a class a command never
  instantiates never pays), with the signature and the behaviour dataclasses' would have
  (positional or keyword, defaults, `field(default_factory=...)`, `kw_only`, `__post_init__`
  last);
- `__repr__`, `__eq__` and `__hash__` shared by every value class, honouring `repr=False` and
  `compare=False` as dataclasses does; `__setattr__` and `__delattr__` refusing with
  `FrozenInstanceError` (an AttributeError, as dataclasses' is); `__match_args__`.

`@value(frozen=False)` is the mutable kind (`@dataclass`): assignable, equal by value and so
unhashable. `fields`, `replace` and `is_value` here are dataclasses' `fields`, `replace` and
`is_dataclass` for them; type checkers read them as dataclasses (`dataclass_transform`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""No default (dataclasses' MISSING)."""
_HAS_FACTORY = object()
"""The default an `__init__` argument gets when its field has a default_factory."""
_FIELDS = "__value_fields__"


class FrozenInstanceError(AttributeError):
    """Assigning to, or deleting, a field of a frozen value."""


class Field:
    """One field of a value class, as dataclasses' Field (the options `@value` honours)."""

    __slots__ = ("compare", "default", "default_factory", "init", "kw_only", "name", "repr")

    def __init__(
        self,
        default: Any = MISSING,
        default_factory: Any = MISSING,
        init: bool = True,
        repr: bool = True,  # noqa: A002 - dataclasses' own name for it
        compare: bool = True,
        kw_only: bool = False,
    ) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare
        self.kw_only = kw_only

    def __repr__(self) -> str:
        return (
            f"Field(name={self.name!r}, default={self.default!r}, "
            f"default_factory={self.default_factory!r}, init={self.init}, repr={self.repr}, "
            f"compare={self.compare}, kw_only={self.kw_only})"
        )


def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | Any = MISSING,
    init: bool = True,
    repr: bool = True,  # noqa: A002 - dataclasses' own name for it
    compare: bool = True,
    kw_only: bool = False,
) -> Any:
    """A field's options, as ``dataclasses.field``."""
    return Field(default, default_factory, init, repr, compare, kw_only)


def is_value(obj: object) -> bool:
    """Whether ``obj`` is a value class or an instance of one."""
    cls = obj if isinstance(obj, type) else type(obj)
    return hasattr(cls, _FIELDS)


def fields(class_or_instance: object) -> tuple[Field, ...]:
    """The fields in order, inherited ones first (``dataclasses.fields``)."""
    cls = class_or_instance if isinstance(class_or_instance, type) else type(class_or_instance)
    found: tuple[Field, ...] | None = getattr(cls, _FIELDS, None)
    if found is None:
        raise TypeError("must be called with a value class or an instance of one")
    return found


def replace(obj: _T, /, **changes: Any) -> _T:
    """A copy of ``obj`` with ``changes`` (``dataclasses.replace``): a new instance, so
    ``__post_init__`` runs again; a field that is not an ``__init__`` argument cannot change."""
    for f in fields(obj):
        if not f.init:
            if f.name in changes:
                raise ValueError(
                    f"field {f.name} is declared with init=False, it cannot be "
                    "specified with replace()"
                )
            continue
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return type(obj)(**changes)


def _is_class_var(annotation: object) -> bool:
    if isinstance(annotation, str):  # `from __future__ import annotations`: the text
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return getattr(annotation, "__origin__", annotation) is ClassVar


def _collect(cls: type) -> tuple[Field, ...]:
    """The class's fields, as dataclasses collects them: the value base classes' first, then
    its own annotations in order (a redefined field keeps its place); each default becomes
    the class attribute, as dataclasses leaves it."""
    found: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in base.__dict__.get(_FIELDS, ()):
            found[f.name] = f
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if _is_class_var(annotation):
            continue
        declared = cls.__dict__.get(name, MISSING)
        f = declared if isinstance(declared, Field) else Field(default=declared)
        f.name = name
        if type(f.default) in (list, dict, set):
            raise ValueError(
                f"mutable default {type(f.default)} for field {name} is not allowed: "
                "use default_factory"
            )
        if isinstance(declared, Field):
            if f.default is MISSING:
                type.__delattr__(cls, name)
            else:
                type.__setattr__(cls, name, f.default)
        found[name] = f  # a field redefined here keeps its place
    ordered = tuple(found.values())
    seen_default = False
    for f in ordered:
        if not f.init or f.kw_only:
            continue
        if f.default is not MISSING or f.default_factory is not MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
    return ordered


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


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
        names = tuple(f.name for f in fields(cls) if getattr(f, flag))
        type.__setattr__(cls, attribute, names)
    return names


def _compile_init(cls: type) -> Any:
    """The `__init__` dataclasses would write for ``cls``: the fields in order, defaults kept
    in the function's globals, factories called when their argument is not given."""
    namespace: dict[str, Any] = {"_set": object.__setattr__, "_HAS_FACTORY": _HAS_FACTORY}
    params, body = ["self"], []
    for f in fields(cls):
        # `initial`: the expression of the field's default; `marker`: the argument's default
        if f.default is not MISSING:
            namespace[f"_default_{f.name}"] = f.default
            initial = marker = f"_default_{f.name}"
        elif f.default_factory is not MISSING:
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


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def value(cls: type[_T] | None = None, /, *, frozen: bool = True) -> Any:
    """Make ``cls`` a value class without compiling anything now (see the module): frozen (and
    hashable), or with ``frozen=False`` mutable and unhashable, as ``@dataclass`` makes it."""

    def make(cls: type[_T]) -> type[_T]:
        own = dict(cls.__dict__)  # what the class defines itself stays, as with dataclasses
        collected = _collect(cls)
        type.__setattr__(cls, _FIELDS, collected)
        if not cls.__doc__:  # as dataclasses documents a class without one (no annotations)
            cls.__doc__ = f"{cls.__name__}({', '.join(f.name for f in collected)})"
        if "__match_args__" not in own:
            match_args = tuple(f.name for f in collected if f.init and not f.kw_only)
            type.__setattr__(cls, "__match_args__", match_args)
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
