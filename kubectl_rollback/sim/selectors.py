"""Label and field selectors, parsed and matched the way the API server does."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .errors import bad_request

Matcher = Callable[[Mapping[str, str]], bool]

_SET_RE = re.compile(r"^\s*([^\s!=,()]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_KEY_RE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$")


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def _check_key(key: str, whole: str) -> str:
    if not _KEY_RE.match(key):
        raise bad_request(f'unable to parse requirement: invalid label key "{key}" in "{whole}"')
    return key


def _equals(key: str, value: str) -> Matcher:
    return lambda labels: key in labels and labels[key] == value


def _in(key: str, values: set[str]) -> Matcher:
    return lambda labels: labels.get(key) in values


def _exists(key: str) -> Matcher:
    return lambda labels: key in labels


def _not(matcher: Matcher) -> Matcher:
    return lambda labels: not matcher(labels)


def parse_label_selector(text: str | None) -> Matcher:
    """Parse `a=b,c!=d,e in (f,g),h notin (i),j,!k` into a predicate over a label map."""
    if not text:
        return lambda labels: True
    reqs: list[Matcher] = []
    for part in _split_top(text):
        m = _SET_RE.match(part)
        if m:
            key = _check_key(m.group(1), text)
            values = {v.strip() for v in m.group(3).split(",") if v.strip()}
            reqs.append(_in(key, values) if m.group(2) == "in" else _not(_in(key, values)))
            continue
        if "!=" in part:
            key, value = (s.strip() for s in part.split("!=", 1))
            _check_key(key, text)
            reqs.append(_not(_equals(key, value)))
        elif "==" in part or "=" in part:
            key, value = (s.strip() for s in re.split("==|=", part, maxsplit=1))
            _check_key(key, text)
            reqs.append(_equals(key, value))
        elif part.startswith("!"):
            key = _check_key(part[1:].strip(), text)
            reqs.append(_not(_exists(key)))
        else:
            key = _check_key(part, text)
            reqs.append(_exists(key))
    return lambda labels: all(r(labels) for r in reqs)


def label_equalities(text: str | None) -> list[tuple[str, str]]:
    """The `key=value` (and `key==value`) requirements of a label selector that
    `parse_label_selector` accepted: every object it matches carries these labels."""
    pairs = []
    for part in _split_top(text or ""):
        if _SET_RE.match(part) or "!=" in part or "=" not in part:
            continue
        key, value = (s.strip() for s in re.split("==|=", part, maxsplit=1))
        pairs.append((key, value))
    return pairs


def selector_to_string(selector: Mapping[str, Any] | None) -> str:
    """A metav1.LabelSelector (matchLabels/matchExpressions) as a label selector string."""
    if not selector:
        return ""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def match_selector(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Whether a metav1.LabelSelector matches; an empty selector matches everything."""
    return parse_label_selector(selector_to_string(selector))(labels)


def _field(obj: Mapping[str, Any], path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def _field_is(path: str, value: str, *, equal: bool) -> Callable[[Mapping[str, Any]], bool]:
    return lambda obj: (_field(obj, path) == value) is equal


def parse_field_selector(text: str | None) -> Callable[[Mapping[str, Any]], bool]:
    """Parse `metadata.name=x,involvedObject.uid!=y` into a predicate over an object."""
    if not text:
        return lambda obj: True
    reqs: list[Callable[[Mapping[str, Any]], bool]] = []
    for part in _split_top(text):
        if "!=" in part:
            path, value = (x.strip() for x in part.split("!=", 1))
            reqs.append(_field_is(path, value, equal=False))
        elif "=" in part:
            path, value = (x.strip() for x in re.split("==|=", part, maxsplit=1))
            reqs.append(_field_is(path, value, equal=True))
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
    return lambda obj: all(r(obj) for r in reqs)
