"""Deterministic YAML-like rendering of templates, secret masking, and unified diffs (what a
plan shows); making text safe for a terminal is terminal.py."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

from .api_objects import as_dict, as_list, pod_spec_containers

JSON = Any

MASK = "***"
MASK_CHANGED = "*** (changed)"
SECRET_NAME_PARTS = (
    "PASS",  # PASSWORD, PASSWD, PASSPHRASE, DB_PASS
    "PWD",  # MYSQL_PWD
    "TOKEN",
    "SECRET",
    "KEY",
    "CREDENTIAL",
    "PRIVATE",
    "AUTH",
    "CERT",
)
"""Substrings (case-insensitive) of env var names whose values are masked.
API_KEY is covered by KEY."""


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return any(part in upper for part in SECRET_NAME_PARTS)


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_URL_CREDENTIALS = re.compile(
    r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):(?P<secret>[^@/\s]+)@"
)
_SECRET_FLAG = re.compile(r"^(?P<flag>--?[A-Za-z0-9_.-]+)(?P<eq>=)(?P<value>.*)$", re.DOTALL)


def mask_value(name: str | None, value: JSON) -> JSON:
    """The one masking rule, for every output path (text, JSON/YAML, the UI).

    A secret-looking name (``is_secret_name``) masks the whole value; any other string
    keeps its text with the password of ``scheme://user:password@host`` masked.
    """
    if not isinstance(value, str):
        return value
    if name is not None and is_secret_name(name):
        return MASK
    return _URL_CREDENTIALS.sub(lambda m: f"{m['head']}:{MASK}@", value)


def mask_args(args: JSON) -> JSON:
    """Container args/command: ``--password=x`` and ``--token x`` masked, URL credentials too."""
    if not isinstance(args, list):
        return args
    out: list[JSON] = []
    hide_next = False
    for arg in args:
        if not isinstance(arg, str):
            out.append(arg)
            hide_next = False
            continue
        if hide_next:
            out.append(MASK)
            hide_next = False
            continue
        flag = _SECRET_FLAG.match(arg)
        if flag and is_secret_name(flag["flag"]):
            out.append(f"{flag['flag']}={MASK}")
        elif arg.startswith("-") and "=" not in arg and is_secret_name(arg):
            out.append(arg)
            hide_next = True
        else:
            out.append(mask_value(None, arg))
    return out


def mask_object(value: JSON) -> JSON:
    """A copy of any JSON value with the rule applied wherever it holds env, args or strings."""
    if isinstance(value, dict):
        out: dict[str, JSON] = {}
        for key, item in value.items():
            if key == "env" and isinstance(item, list):
                out[key] = [
                    {**e, "value": mask_value(str(e.get("name", "")), e["value"])}
                    if isinstance(e, dict) and "value" in e
                    else mask_object(e)
                    for e in item
                ]
            elif key in ("args", "command"):
                out[key] = mask_args(item)
            elif key == "annotations" and isinstance(item, dict):
                out[key] = mask_annotations(item)
            else:
                out[key] = mask_object(item)
        return out
    if isinstance(value, list):
        return [mask_object(v) for v in value]
    return mask_value(None, value)


def mask_annotation(key: str, value: JSON) -> JSON:
    """An annotation's value: the last-applied configuration is a whole object (masked inside)."""
    if key != LAST_APPLIED or not isinstance(value, str):
        return (
            mask_value(key, value)
            if isinstance(value, str) and is_secret_name(key)
            else mask_value(None, value)
        )
    try:
        applied = json.loads(value)
    except ValueError:
        return MASK
    return json.dumps(mask_object(applied), separators=(",", ":"), sort_keys=True) + "\n"


def mask_annotations(annotations: Mapping[str, JSON]) -> dict[str, JSON]:
    return {k: mask_annotation(k, v) for k, v in annotations.items()}


def _env_values(template: JSON) -> dict[tuple[str, bool, str], JSON]:
    values: dict[tuple[str, bool, str], JSON] = {}
    for container, init in pod_spec_containers(template):
        for env in as_list(container.get("env")):
            env = as_dict(env)
            if "value" in env:
                values[(str(container.get("name", "")), init, str(env.get("name", "")))] = env[
                    "value"
                ]
    return values


def mask_template(
    template: Mapping[str, JSON], reference: Mapping[str, JSON] | None = None
) -> dict[str, JSON]:
    """A copy of a pod template with secret-looking env values replaced by ``***``.

    With ``reference`` (the other side of a diff), a value that differs from the
    reference's becomes ``*** (changed)`` so that a diff still shows that it changed.
    """
    masked = copy.deepcopy(dict(template))
    other = _env_values(reference) if reference is not None else {}
    for container, init in pod_spec_containers(masked):
        for field in ("args", "command"):
            if field in container:
                container[field] = mask_args(container[field])
        for env in as_list(container.get("env")):
            if not isinstance(env, dict) or "value" not in env:
                continue
            name = str(env.get("name", ""))
            shown = mask_value(name, env["value"])
            if shown == env["value"]:
                continue
            key = (str(container.get("name", "")), init, name)
            changed = reference is not None and key in other and other[key] != env["value"]
            if changed and shown == mask_value(name, other[key]):
                shown = MASK_CHANGED if shown == MASK else f"{shown} (changed)"
            env["value"] = shown
    meta = masked.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
        meta["annotations"] = mask_annotations(meta["annotations"])
    return masked


# ---------------------------------------------------------------- YAML emitter

_PLAIN_RE = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_ ./:=+@-]*$")
_RESERVED = {
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "NO",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    "y",
    "Y",
    "n",
    "N",
}
_NUMBER_RE = re.compile(r"^[-+]?(\.?[0-9]|0x|0o|\.inf|\.nan)", re.IGNORECASE)


def _scalar(value: JSON) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if not text.isprintable():
        return _double_quoted(text)
    needs_quotes = (
        text in _RESERVED
        or not _PLAIN_RE.match(text)
        or bool(_NUMBER_RE.match(text))
        or text != text.strip()
        or ": " in text
        or text.endswith(":")
        or " #" in text
    )
    if needs_quotes:
        return "'" + text.replace("'", "''") + "'"
    return text


def _double_quoted(text: str) -> str:
    # YAML double-quoted escapes: printable characters as themselves, the rest
    # as \xNN / \uNNNN / \UNNNNNNNN (JSON's surrogate pairs are not YAML).
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _key(key: JSON) -> str:
    return _scalar(str(key))


def _emit(value: JSON, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            item = value[key]
            if isinstance(item, dict) and item:
                lines.append(f"{pad}{_key(key)}:")
                _emit(item, indent + 2, lines)
            elif isinstance(item, list) and item:
                lines.append(f"{pad}{_key(key)}:")
                _emit(item, indent, lines)
            else:
                lines.append(f"{pad}{_key(key)}: {_inline(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item:
                sub: list[str] = []
                _emit(item, indent + 2, sub)
                first = sub[0][indent + 2 :]
                lines.append(f"{pad}- {first}")
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {_inline(item)}")
    else:
        lines.append(f"{pad}{_inline(value)}")


def _inline(value: JSON) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def to_yaml(value: JSON) -> str:
    """Block-style YAML with sorted keys, strings quoted where YAML would misread them.

    Deterministic (same input, same text), so diffs between two renderings show
    only real differences. Lists inside mappings are written at the key's
    indentation, as kubectl does.
    """
    lines: list[str] = []
    _emit(value, 0, lines)
    return "\n".join(lines) + "\n" if lines else ""


def unified_diff(before: JSON, after: JSON, *, before_name: str, after_name: str) -> str:
    """A unified diff (difflib) of the YAML renderings of two values; empty when equal."""
    import difflib  # plans only: history and the error lines load rendering too

    return "".join(
        difflib.unified_diff(
            to_yaml(before).splitlines(keepends=True),
            to_yaml(after).splitlines(keepends=True),
            fromfile=before_name,
            tofile=after_name,
        )
    )
