"""Harness release history: read from ConfigMaps/Secrets into releases that name workload revisions.

What is supported:

- Legacy mode: any ConfigMap or Secret whose data has the key ``releaseHistory``
  (Secret data base64-encoded; a ConfigMap's is base64 of gzip when its
  ``isReleaseHistoryCompressed`` is ``"true"``, as Harness writes it, plain
  otherwise). The value is JSON or the YAML subset Harness writes: block mappings
  and sequences, nested, plain/quoted scalars, simple flow collections
  (``{kind: Deployment, name: web}``, ``[]``). The document is either a list of
  releases or a mapping with a ``releases`` list.
- A release: ``number``, ``status`` (InProgress | Succeeded | Failed) and
  ``managedWorkloads``: a list of ``{workload, revision}`` where workload is
  ``Kind/name``, ``namespace/Kind/name`` or a mapping ``{kind, name, namespace}``.
  The older single-workload fields ``managedWorkload`` + ``managedWorkloadRevision``
  are read too.
- Declarative mode: Secrets named ``harness.release.<name>.<number>`` labelled
  ``owner=harness`` (labels ``release-number``, ``status``). Such a Secret only
  says which workloads a release touched when its data carries a release
  document (key ``release`` or ``releaseHistory``; JSON or the YAML subset,
  optionally gzip-compressed) with ``managedWorkloads``. Without one the release
  cannot be tied to a revision and is ignored (Harness's declarative rollback
  re-applies manifests and records no revision numbers).

Anything unparsable is skipped: a broken release history must not stop a rollback.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from .api_objects import (
    HARNESS_COMPRESSED_FLAG_KEY,
    HARNESS_DECLARATIVE_PREFIX,
    HARNESS_RELEASE_HISTORY_KEY,
    as_dict,
    as_int,
    as_list,
    labels_of,
    name_of,
)
from .values import value

JSON = Any


@value
class WorkloadRevision:
    """A workload a release deployed, and the revision it had afterwards."""

    kind: str
    name: str
    namespace: str | None
    revision: int


@value
class HarnessRelease:
    """One release of a Harness release history."""

    release_name: str
    number: int
    status: str
    workloads: tuple[WorkloadRevision, ...]
    source: str
    """Where it was read, e.g. ``ConfigMap release-web``."""

    def revision_of(self, kind: str, namespace: str, name: str) -> int | None:
        for w in self.workloads:
            if w.kind.lower().split(".")[0] != kind.lower():
                continue
            if w.name != name or (w.namespace not in (None, "", namespace)):
                continue
            return w.revision
        return None


class YamlSubsetError(ValueError):
    """The text is outside the YAML subset this parser reads."""


# ---------------------------------------------------------------- YAML subset


def parse_yaml_subset(text: str) -> JSON:
    """Parse the YAML subset Harness writes (see module docstring); JSON is accepted too."""
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(stripped)
        except ValueError:
            pass  # maybe a YAML flow collection; fall through
    lines: list[tuple[int, str]] = []
    for raw in text.splitlines():
        content = _strip_comment(raw.rstrip())
        if not content.strip() or content.strip() in ("---", "..."):
            continue
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise YamlSubsetError("tabs in indentation")
        indent = len(content) - len(content.lstrip(" "))
        lines.append((indent, content.strip()))
    if not lines:
        return None
    value, index = _parse_block(lines, 0, lines[0][0])
    if index != len(lines):
        raise YamlSubsetError(f"unexpected content: {lines[index][1]!r}")
    return value


def _strip_comment(line: str) -> str:
    quote: str | None = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def _is_seq_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


def _parse_block(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[JSON, int]:
    if _is_seq_item(lines[i][1]):
        return _parse_sequence(lines, i, indent)
    return _parse_mapping(lines, i, indent)


def _parse_sequence(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[JSON, int]:
    items: list[JSON] = []
    while i < len(lines) and lines[i][0] == indent and _is_seq_item(lines[i][1]):
        rest = lines[i][1][1:].lstrip(" ")
        if not rest:
            i += 1
            if i < len(lines) and lines[i][0] > indent:
                value, i = _parse_block(lines, i, lines[i][0])
            else:
                value = None
            items.append(value)
            continue
        if _split_key(rest) is not None or _is_seq_item(rest):
            # "- key: value" opens a mapping whose keys sit at the column of "key".
            column = indent + (len(lines[i][1]) - len(rest))
            lines[i] = (column, rest)
            value, i = _parse_block(lines, i, column)
            items.append(value)
            continue
        items.append(_scalar(rest))
        i += 1
    return items, i


def _parse_mapping(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[JSON, int]:
    result: dict[str, JSON] = {}
    while i < len(lines) and lines[i][0] == indent and not _is_seq_item(lines[i][1]):
        split = _split_key(lines[i][1])
        if split is None:
            raise YamlSubsetError(f"expected 'key: value', got {lines[i][1]!r}")
        key, rest = split
        i += 1
        if rest:
            if rest[0] in "|>":
                raise YamlSubsetError("block scalars are not supported")
            result[key] = _scalar(rest)
        elif i < len(lines) and lines[i][0] > indent:
            result[key], i = _parse_block(lines, i, lines[i][0])
        elif i < len(lines) and lines[i][0] == indent and _is_seq_item(lines[i][1]):
            # YAML lets a sequence under a key sit at the key's own indentation.
            result[key], i = _parse_sequence(lines, i, indent)
        else:
            result[key] = None
    if i < len(lines) and lines[i][0] > indent:
        raise YamlSubsetError(f"bad indentation at {lines[i][1]!r}")
    return result, i


def _split_key(content: str) -> tuple[str, str] | None:
    """Split ``key: rest`` at the first colon outside quotes followed by space or end."""
    quote: str | None = None
    for index, ch in enumerate(content):
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"" and index == 0:
            quote = ch
        elif ch in "{[" and index == 0:
            return None
        elif ch == ":" and (index + 1 == len(content) or content[index + 1] == " "):
            key = content[:index].strip()
            parsed = _scalar(key)
            return (str(parsed) if parsed is not None else key), content[index + 1 :].strip()
    return None


_INT_RE = re.compile(r"^[-+]?[0-9]+$")
_FLOAT_RE = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")


def _scalar(text: str) -> JSON:
    text = text.strip()
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        try:
            return json.loads(text)
        except ValueError as exc:
            raise YamlSubsetError(f"bad double-quoted string {text!r}") from exc
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    if text.startswith("{") and text.endswith("}"):
        result: dict[str, JSON] = {}
        for part in _split_flow(text[1:-1]):
            split = _split_key(part)
            if split is None:
                raise YamlSubsetError(f"bad flow mapping entry {part!r}")
            result[split[0]] = _scalar(split[1]) if split[1] else None
        return result
    if text.startswith("[") and text.endswith("]"):
        return [_scalar(part) for part in _split_flow(text[1:-1])]
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT_RE.match(text):
        return int(text)
    if _FLOAT_RE.match(text):
        return float(text)
    return text


def _split_flow(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    quote: str | None = None
    current: list[str] = []
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


# ---------------------------------------------------------------- releases


def _workload(entry: JSON, revision: JSON) -> WorkloadRevision | None:
    number = as_int(revision, -1)
    if number < 0:
        return None
    if isinstance(entry, str):
        parts = entry.split("/")
        if len(parts) == 2:
            return WorkloadRevision(parts[0], parts[1], None, number)
        if len(parts) == 3:
            return WorkloadRevision(parts[1], parts[2], parts[0], number)
        return None
    entry = as_dict(entry)
    kind, name = entry.get("kind"), entry.get("name")
    if isinstance(kind, str) and isinstance(name, str):
        namespace = entry.get("namespace")
        return WorkloadRevision(
            kind, name, namespace if isinstance(namespace, str) else None, number
        )
    return None


def _release(
    doc: JSON, release_name: str, source: str, fallback: dict[str, str]
) -> HarnessRelease | None:
    doc = as_dict(doc)
    number = as_int(doc.get("number", fallback.get("number")), -1)
    status = str(doc.get("status") or fallback.get("status") or "")
    workloads: list[WorkloadRevision] = []
    for item in as_list(doc.get("managedWorkloads")):
        item = as_dict(item)
        found = _workload(item.get("workload"), item.get("revision"))
        if found:
            workloads.append(found)
    if not workloads and doc.get("managedWorkload") is not None:
        found = _workload(doc.get("managedWorkload"), doc.get("managedWorkloadRevision"))
        if found:
            workloads.append(found)
    if number < 0 or not status:
        return None
    return HarnessRelease(release_name, number, status, tuple(workloads), source)


def _decode(value: JSON, *, base64_encoded: bool) -> str | None:
    if not isinstance(value, str):
        return None
    data = value.encode()
    if base64_encoded:
        try:
            data = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return None
    if data[:2] == b"\x1f\x8b":
        import gzip  # compressed release histories only (a Deployment rollback reads none)

        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _document(text: str | None) -> JSON:
    if text is None:
        return None
    try:
        return parse_yaml_subset(text)
    except YamlSubsetError:
        return None


def releases_from_objects(
    configmaps: list[dict[str, JSON]], secrets: list[dict[str, JSON]]
) -> tuple[HarnessRelease, ...]:
    """Every Harness release found in ``configmaps`` and ``secrets`` (raw API dicts)."""
    releases: list[HarnessRelease] = []
    for kind, objects, encoded in (("ConfigMap", configmaps, False), ("Secret", secrets, True)):
        for obj in objects:
            name = name_of(obj)
            data = as_dict(obj.get("data"))
            source = f"{kind} {name}"
            if HARNESS_RELEASE_HISTORY_KEY in data and not name.startswith(
                HARNESS_DECLARATIVE_PREFIX
            ):
                # A ConfigMap flagged isReleaseHistoryCompressed holds base64(gzip(YAML)).
                compressed = (
                    str(data.get(HARNESS_COMPRESSED_FLAG_KEY) or "").strip().lower() == "true"
                )
                doc = _document(
                    _decode(data[HARNESS_RELEASE_HISTORY_KEY], base64_encoded=encoded or compressed)
                )
                items = (
                    as_list(as_dict(doc).get("releases")) if isinstance(doc, dict) else as_list(doc)
                )
                for item in items:
                    found = _release(item, name, source, {})
                    if found:
                        releases.append(found)
            elif kind == "Secret" and name.startswith(HARNESS_DECLARATIVE_PREFIX):
                found = _declarative(obj, name, data, source)
                if found:
                    releases.append(found)
    return tuple(releases)


def _declarative(
    obj: dict[str, JSON], name: str, data: dict[str, JSON], source: str
) -> HarnessRelease | None:
    labels = labels_of(obj)
    if labels.get("owner") != "harness":
        return None
    # harness.release.<name>.<number>; the release name may itself contain dots.
    release_name, _, number = name[len(HARNESS_DECLARATIVE_PREFIX) :].rpartition(".")
    fallback = {"number": labels.get("release-number", number), "status": labels.get("status", "")}
    doc: JSON = None
    for key in ("release", HARNESS_RELEASE_HISTORY_KEY):
        if key in data:
            doc = _document(_decode(data[key], base64_encoded=True))
            break
    if isinstance(doc, list):
        doc = doc[0] if doc else None
    found = _release(doc if isinstance(doc, dict) else {}, release_name or name, source, fallback)
    if found and labels.get("status"):
        # The label is what Harness updates when a release ends; trust it over the body.
        found = HarnessRelease(
            found.release_name, found.number, labels["status"], found.workloads, source
        )
    return found
