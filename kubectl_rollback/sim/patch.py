"""The API server's patch algorithms as pure functions over JSON-shaped values.

- `json_patch`: RFC 6902 (add, remove, replace, move, copy, test), as evanphx/json-patch.
- `merge_patch`: RFC 7386 JSON merge patch.
- `strategic_merge_patch`: the subset of Kubernetes' strategic merge patch the simulated
  cluster needs: maps merge, `null` deletes, lists merge by a merge key chosen from the
  field name (`containers` by `name`, container `ports` by `containerPort`, ...), other
  lists are replaced, and the directives `$patch` (replace / delete / merge),
  `$setElementOrder/<field>`, `$retainKeys` and `$deleteFromPrimitiveList/<field>`.
- `apply_patch`: server-side apply approximated as "merge the applied fields into the live
  object" (no managed fields, no removal of fields a manager stopped applying).

None of them mutates its inputs.
"""

from __future__ import annotations

import copy
from typing import Any

JSON = Any

# Field name -> merge key, for lists Kubernetes merges element by element (patchMergeKey).
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "imagePullSecrets": "name",
    "resourceClaims": "name",
    "schedulingGates": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "conditions": "type",
    "ownerReferences": "uid",
    "ports": "containerPort",  # container ports; Service ports use "port" (see _merge_key)
}
# Lists of scalars whose patch strategy is "merge" (union) rather than replace.
PRIMITIVE_MERGE_LISTS = frozenset({"finalizers"})

_SET_ORDER = "$setElementOrder/"
_DELETE_FROM = "$deleteFromPrimitiveList/"


class PatchError(Exception):
    """A patch that cannot be applied.

    `bad_request` is True when the patch itself is malformed (the API server answers 400),
    False when it is well-formed but does not apply to the object (422).
    """

    def __init__(self, message: str, *, bad_request: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.bad_request = bad_request


# --------------------------------------------------------------------------- RFC 6902
def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _split_pointer(path: Any) -> list[str]:
    if not isinstance(path, str):
        raise PatchError(f"path must be a string, got {path!r}", bad_request=True)
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f'JSON pointer must be empty or start with a "/": {path}')
    return [_unescape(t) for t in path[1:].split("/")]


def _index(container: list[Any], token: str, path: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise PatchError(f"invalid array index {token!r} in {path}")
    i = int(token)
    limit = len(container) if allow_end else len(container) - 1
    if i > limit:
        raise PatchError(f"Unable to access invalid index: {i}: invalid index referenced")
    return i


def _parent(doc: Any, tokens: list[str], path: str, op: str) -> Any:
    cur = doc
    for tok in tokens[:-1]:
        if isinstance(cur, dict) and tok in cur:
            cur = cur[tok]
        elif isinstance(cur, list) and tok.isdigit() and int(tok) < len(cur):
            cur = cur[int(tok)]
        else:
            raise PatchError(
                f'{op} operation does not apply: doc is missing path: "{path}": missing value'
            )
    return cur


def _get(doc: Any, path: Any, op: str) -> Any:
    tokens = _split_pointer(path)
    if not tokens:
        return doc
    parent = _parent(doc, tokens, path, op)
    last = tokens[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, path, allow_end=False)]
    raise PatchError(f"{op} operation does not apply: doc is missing key: {path}: missing value")


def _remove(doc: Any, path: Any, op: str = "remove") -> Any:
    tokens = _split_pointer(path)
    if not tokens:
        raise PatchError(f"{op} operation does not apply: cannot remove the document root")
    parent = _parent(doc, tokens, path, op)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(
                f'{op} operation does not apply: doc is missing path: "{path}": missing value'
            )
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, path, allow_end=False))
    raise PatchError(f'{op} operation does not apply: doc is missing path: "{path}": missing value')


def _add(doc: Any, path: Any, value: Any, *, replace: bool = False) -> Any:
    op = "replace" if replace else "add"
    tokens = _split_pointer(path)
    if not tokens:
        return value
    parent = _parent(doc, tokens, path, op)
    last = tokens[-1]
    if isinstance(parent, dict):
        if replace and last not in parent:
            raise PatchError(
                f"replace operation does not apply: doc is missing key: {path}: missing value"
            )
        parent[last] = value
    elif isinstance(parent, list):
        if replace:
            parent[_index(parent, last, path, allow_end=False)] = value
        else:
            parent.insert(_index(parent, last, path, allow_end=True), value)
    else:
        raise PatchError(
            f'{op} operation does not apply: doc is missing path: "{path}": missing value'
        )
    return doc


def _json_equal(a: JSON, b: JSON) -> bool:
    """JSON equality: unlike Python's ==, true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def json_patch(doc: JSON, operations: JSON) -> JSON:
    """Apply an RFC 6902 JSON patch (a list of operations) and return the new document."""
    if not isinstance(operations, list):
        raise PatchError(
            f"json: cannot unmarshal {type(operations).__name__} into Go value of type "
            "jsonpatch.Patch",
            bad_request=True,
        )
    result = copy.deepcopy(doc)
    for operation in operations:
        if not isinstance(operation, dict):
            raise PatchError(
                "json: cannot unmarshal into Go value of type jsonpatch.Operation", bad_request=True
            )
        op = operation.get("op")
        path = operation.get("path")
        if op in ("add", "replace", "test") and "value" not in operation:
            raise PatchError(f"{op} operation does not apply: missing value")
        if op == "add":
            result = _add(result, path, copy.deepcopy(operation["value"]))
        elif op == "replace":
            result = _add(result, path, copy.deepcopy(operation["value"]), replace=True)
        elif op == "remove":
            _remove(result, path)
        elif op == "move":
            value = _remove(result, operation.get("from"), "move")
            result = _add(result, path, value)
        elif op == "copy":
            value = copy.deepcopy(_get(result, operation.get("from"), "copy"))
            result = _add(result, path, value)
        elif op == "test":
            try:
                actual = _get(result, path, "test")
            except PatchError:
                actual = None
            if not _json_equal(actual, operation["value"]):
                raise PatchError(f"testing value {path} failed: test failed")
        else:
            raise PatchError(f"Unexpected kind: {op}")
    return result


# --------------------------------------------------------------------------- RFC 7386
def merge_patch(doc: JSON, patch: JSON) -> JSON:
    """Apply an RFC 7386 JSON merge patch and return the new document."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(doc) if isinstance(doc, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# ---------------------------------------------------------------- strategic merge patch
def _merge_key(field: str, *lists: list[Any]) -> str | None:
    key = MERGE_KEYS.get(field)
    if field == "ports":
        # Container ports merge on containerPort; Service ports on port.
        for items in lists:
            for item in items:
                if isinstance(item, dict) and "containerPort" in item:
                    return "containerPort"
                if isinstance(item, dict) and "port" in item:
                    return "port"
    return key


def _strip(value: Any) -> Any:
    """A patch value with its directives removed (for values added as a whole)."""
    if isinstance(value, dict):
        if value.get("$patch") == "delete":
            return {}
        return {k: _strip(v) for k, v in value.items() if not k.startswith("$") and v is not None}
    if isinstance(value, list):
        return [_strip(v) for v in value if not (isinstance(v, dict) and v.get("$patch"))]
    return value


def _merge_list(field: str, original: list[Any], patch: list[Any]) -> list[Any]:
    key = _merge_key(field, original, patch)
    if key is None or not all(isinstance(p, dict) for p in patch):
        if field in PRIMITIVE_MERGE_LISTS:
            return list(original) + [p for p in patch if p not in original]
        return list(_strip(patch))
    if any(p.get("$patch") == "replace" for p in patch):
        return list(_strip(patch))
    result = [copy.deepcopy(o) for o in original]
    for item in patch:
        if key not in item:
            raise PatchError(
                f"map: {item} does not contain declared merge key: {key}", bad_request=True
            )
        position = next(
            (i for i, o in enumerate(result) if isinstance(o, dict) and o.get(key) == item[key]),
            None,
        )
        if item.get("$patch") == "delete":
            if position is not None:
                result.pop(position)
        elif position is None:
            result.append(_strip(item))
        else:
            result[position] = _merge_map(result[position], item)
    return result


def _order(field: str, items: list[Any], order: list[Any]) -> list[Any]:
    """Apply `$setElementOrder/<field>`: listed elements first, in that order, then the rest."""
    key = _merge_key(field, items, order)

    def ident(item: Any) -> Any:
        if key is not None and isinstance(item, dict):
            return item.get(key)
        return item

    wanted = [ident(o) for o in order]
    rank = {k: i for i, k in enumerate(wanted) if isinstance(k, str | int | float | bool)}
    listed = sorted((it for it in items if ident(it) in rank), key=lambda it: rank[ident(it)])
    return listed + [it for it in items if ident(it) not in rank]


def _merge_map(original: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    directive = patch.get("$patch")
    if directive == "replace":
        return dict(_strip(patch))
    if directive == "delete":
        return {}
    if directive not in (None, "merge"):
        raise PatchError(f"Unknown patch type: {directive} in map: {patch}", bad_request=True)
    result = copy.deepcopy(original) if isinstance(original, dict) else {}
    retain = patch.get("$retainKeys")
    if retain is not None:
        if not isinstance(retain, list):
            raise PatchError("$retainKeys must be a list of field names", bad_request=True)
        result = {k: v for k, v in result.items() if k in retain}
    orders: dict[str, list[Any]] = {}
    for key, value in patch.items():
        if key.startswith(_DELETE_FROM):
            field = key[len(_DELETE_FROM) :]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = [v for v in result[field] if v not in value]
        elif key.startswith(_SET_ORDER) and isinstance(value, list):
            orders[key[len(_SET_ORDER) :]] = value
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge_map(result[key], value)
        elif isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _merge_list(key, result[key], value)
        else:
            result[key] = _strip(value)
    for field, order in orders.items():
        if isinstance(result.get(field), list):
            result[field] = _order(field, result[field], order)
    return result


def strategic_merge_patch(doc: JSON, patch: JSON) -> JSON:
    """Apply a strategic merge patch (the subset documented above) and return the new document."""
    if not isinstance(patch, dict):
        raise PatchError(
            f"json: cannot unmarshal {type(patch).__name__} into Go value of type "
            f"map[string]interface {{}}",
            bad_request=True,
        )
    return _merge_map(doc if isinstance(doc, dict) else {}, patch)


def apply_patch(doc: JSON, applied: JSON) -> JSON:
    """Server-side apply, approximated: merge the applied configuration into the object.

    Maps merge, keyed lists merge by their merge key, other lists are replaced. Unlike the
    real field manager, fields a manager applied earlier and no longer applies are kept.
    """
    if not isinstance(applied, dict):
        raise PatchError(
            "error decoding YAML: the applied configuration must be an object", bad_request=True
        )
    return _merge_map(doc if isinstance(doc, dict) else {}, applied)
