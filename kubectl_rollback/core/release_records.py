"""Release records as Harness and Helm write them: read into histories, and Harness's updates.

The formats are those of ``shared/docs/release-records.md`` (sources named there):

- Harness legacy history: a Secret (tried first, as Harness does) or a ConfigMap named after
  the release, data key ``releaseHistory``. ConfigMap: base64(gzip(YAML)) with
  ``isReleaseHistoryCompressed: "true"``, or plain YAML when the flag is absent or not true.
  Secret: the data value is base64 (by Kubernetes) of the gzip bytes, the flag ``AQ==``. The
  YAML is ``{version: v1, releases: [...]}``, newest first; a release has ``number``,
  ``status`` and ``managedWorkloads`` (``[{workload: {kind, name, namespace}, revision: "9"}]``)
  or the single ``managedWorkload`` + ``managedWorkloadRevision``.
- Harness declarative releases: Secrets ``harness.release.<name>.<n>`` of type
  ``harness.io/release/v2``, number and status as labels (``release-number``, ``status``), the
  key ``release`` holding gzip of the multi-document YAML of every rendered resource.
  They take precedence over a legacy history when present.
- Helm 3: ``sh.helm.release.v1.<name>.v<N>``; Secret (type ``helm.sh/release.v1``,
  ``data.release`` base64 twice: Kubernetes' and Helm's) or ConfigMap (base64 once) of
  gzip(JSON); gunzip is skipped when the gzip magic is absent, as Helm does. The JSON's
  ``manifest`` holds ``---\\n# Source: ...\\n<yaml>`` blocks.

Reading is tolerant: anything unparsable is skipped, a reader never raises. A record whose
labels say which release it is but whose payload cannot be read is kept, with no workloads
and a line in ``problems``. YAML is read with the injected ``load_yaml`` (the core imports
no YAML library); the legacy history is written back with :func:`emit_yaml`.
"""

from __future__ import annotations

import base64
import binascii
import copy
import gzip
import json
import math
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .api_objects import (
    HARNESS_COMPRESSED_FLAG_KEY,
    HARNESS_DECLARATIVE_PREFIX,
    HARNESS_RELEASE_HISTORY_KEY,
)
from .kinds import supported
from .values import value

LoadYaml = Callable[[str], list[Any]]
"""All documents of a YAML text (``lambda t: list(yaml.safe_load_all(t))``)."""


HARNESS_LEGACY = "harness-legacy"
HARNESS_DECLARATIVE = "harness-declarative"
HELM_SECRET = "helm-secret"
HELM_CONFIGMAP = "helm-configmap"

HARNESS_SUCCEEDED = "Succeeded"
HARNESS_FAILED = "Failed"
HELM_SUCCEEDED = ("deployed", "superseded")
# The two tools' status words do not overlap, so a revision knows it succeeded by its status.
SUCCEEDED_STATUSES = frozenset({HARNESS_SUCCEEDED, *HELM_SUCCEEDED})

SECRET_COMPRESSED_FLAG = base64.b64encode(b"\x01").decode()  # "AQ=="
DECLARATIVE_TYPE = "harness.io/release/v2"
HELM_PREFIX = "sh.helm.release.v1."
HELM_SECRET_TYPE = "helm.sh/release.v1"
GZIP_MAGIC = b"\x1f\x8b\x08"


@value
class RecordedWorkload:
    """A workload a release deployed, as its record names it."""

    kind: str
    name: str
    namespace: str
    revision: int | None
    """Harness legacy: the recorded rollout revision (``managedWorkloads[].revision``)."""
    template: Mapping[str, Any] | None
    """Harness declarative / Helm: ``spec.template`` of the workload in the manifests."""


@value
class ReleaseRevision:
    """One release (Harness) or revision (Helm) of a release history."""

    number: int
    status: str
    """As recorded: InProgress|Succeeded|Failed (Harness); deployed|superseded|failed|... (Helm)."""
    workloads: tuple[RecordedWorkload, ...]
    """Deployments, StatefulSets and DaemonSets only, in stored order."""
    record: str
    """Where it was read: ``ConfigMap/release-8f3c2a``, ``Secret/sh.helm.release.v1.web.v4``."""
    description: str = ""
    """Helm's ``info.description`` (``Upgrade complete``, ``Rollback to 2``); empty for Harness."""
    problems: tuple[str, ...] = ()
    """What could not be read of this revision (its workloads are then unknown)."""

    @property
    def succeeded(self) -> bool:
        """Harness: ``Succeeded``; Helm: ``deployed`` or ``superseded``."""
        return self.status in SUCCEEDED_STATUSES


@value
class ReleaseHistory:
    """The revisions of one release, newest first, and the objects they were read from."""

    source: str
    """``harness-legacy`` | ``harness-declarative`` | ``helm-secret`` | ``helm-configmap``."""
    name: str
    namespace: str
    revisions: tuple[ReleaseRevision, ...]
    storage: tuple[Mapping[str, Any], ...]
    """The raw objects read (legacy: the one history object; otherwise one per revision)."""
    document: Mapping[str, Any] | None = None
    """Harness legacy: the decoded history document (what a record update rewrites)."""
    encoding: str = ""
    """Harness legacy: ``gzip`` or ``plain``, as the history was stored."""

    @property
    def current(self) -> ReleaseRevision | None:
        """The newest revision."""
        return self.revisions[0] if self.revisions else None

    def last_successful(self, before: int | None = None) -> ReleaseRevision | None:
        """The newest succeeded revision numbered below ``before`` (default: the current one).

        Harness's Rolling Rollback takes the first ``Succeeded`` release before the current
        one (legacy) or the highest other ``Succeeded`` release (declarative); Helm's
        revisions count as successful when ``deployed`` or ``superseded``.
        """
        if before is None:
            if self.current is None:
                return None
            before = self.current.number
        for revision in self.revisions:
            if revision.number < before and revision.succeeded:
                return revision
        return None

    def revision(self, number: int) -> ReleaseRevision | None:
        for revision in self.revisions:
            if revision.number == number:
                return revision
        return None


@value
class RecordUpdate:
    """A write that keeps a release record true after a rollback (a JSON merge patch)."""

    kind: str
    """``ConfigMap`` | ``Secret``."""
    name: str
    namespace: str
    body: dict[str, Any]
    """The merge patch body (application/merge-patch+json), resourceVersion-guarded."""
    description: str
    """One line for the plan."""


# ---------------------------------------------------------------- small readers


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _metadata(obj: Mapping[str, Any]) -> dict[str, Any]:
    return _dict(obj.get("metadata"))


def _name(obj: Mapping[str, Any]) -> str:
    name = _metadata(obj).get("name")
    return name if isinstance(name, str) else ""


def _labels(obj: Mapping[str, Any]) -> dict[str, str]:
    labels = _dict(_metadata(obj).get("labels"))
    return {str(k): str(v) for k, v in labels.items() if v is not None}


def _in_namespace(obj: Mapping[str, Any], namespace: str) -> bool:
    found = _metadata(obj).get("namespace")
    return not found or found == namespace


def _type_is(obj: Mapping[str, Any], expected: str) -> bool:
    found = obj.get("type")
    return not found or found == expected


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?[0-9]+\s*", value):
        return int(value)
    return None


def _b64(value: Any) -> bytes | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def _gunzip(data: bytes) -> bytes | None:
    """The gzip'd ``data`` decompressed, or ``data`` itself when it is not gzip (no magic)."""
    if data[:3] != GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        return None


def _text(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _documents(text: str | None, load_yaml: LoadYaml) -> list[Any] | None:
    if text is None:
        return None
    try:
        return list(load_yaml(text))
    except Exception:  # the injected parser's errors are not ours to know
        return None


def _workloads_from_manifests(docs: Sequence[Any], namespace: str) -> tuple[RecordedWorkload, ...]:
    found: list[RecordedWorkload] = []
    for doc in docs:
        if not isinstance(doc, dict) or not supported(str(doc.get("kind"))):
            continue
        metadata = _dict(doc.get("metadata"))
        name = metadata.get("name")
        template = _dict(doc.get("spec")).get("template")
        if not isinstance(name, str) or not isinstance(template, dict):
            continue
        ns = metadata.get("namespace")
        found.append(
            RecordedWorkload(
                kind=str(doc["kind"]),
                name=name,
                namespace=ns if isinstance(ns, str) and ns else namespace,
                revision=None,
                template=template,
            )
        )
    return tuple(found)


def _newest_first(
    pairs: list[tuple[ReleaseRevision, Mapping[str, Any]]],
) -> tuple[tuple[ReleaseRevision, ...], tuple[Mapping[str, Any], ...]]:
    pairs.sort(key=lambda pair: -pair[0].number)
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


# ---------------------------------------------------------------- Harness


def read_harness(
    release_name: str,
    namespace: str,
    configmaps: Sequence[Mapping[str, Any]],
    secrets: Sequence[Mapping[str, Any]],
    *,
    load_yaml: LoadYaml,
) -> ReleaseHistory | None:
    """The Harness history of ``release_name``: declarative Secrets if any, else the legacy one."""
    declarative = read_harness_declarative(release_name, namespace, secrets, load_yaml=load_yaml)
    if declarative is not None:
        return declarative
    return read_harness_legacy(release_name, namespace, configmaps, secrets, load_yaml=load_yaml)


def read_harness_legacy(
    release_name: str,
    namespace: str,
    configmaps: Sequence[Mapping[str, Any]],
    secrets: Sequence[Mapping[str, Any]],
    *,
    load_yaml: LoadYaml,
) -> ReleaseHistory | None:
    """The legacy history (Secret first, then ConfigMap, named ``release_name``), or None."""
    for kind, objects in (("Secret", secrets), ("ConfigMap", configmaps)):
        for obj in objects:
            if _name(obj) != release_name or not _in_namespace(obj, namespace):
                continue
            for text, encoding in _legacy_texts(kind, _dict(obj.get("data"))):
                docs = _documents(text, load_yaml)
                doc = docs[0] if docs else None
                revisions = _legacy_revisions(doc, f"{kind}/{release_name}", namespace)
                if revisions is None or not isinstance(doc, dict):
                    continue
                ordered, _ = _newest_first([(r, obj) for r in revisions])
                return ReleaseHistory(
                    source=HARNESS_LEGACY,
                    name=release_name,
                    namespace=namespace,
                    revisions=ordered,
                    storage=(obj,),
                    document=doc,
                    encoding=encoding,
                )
    return None


def _legacy_texts(kind: str, data: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """The candidate decodings of a history object's data, the likeliest first."""
    value = data.get(HARNESS_RELEASE_HISTORY_KEY)
    if not isinstance(value, str):
        return []
    if kind == "Secret":
        raw = _b64(value)
        if raw is None:
            return []
        encoding = "gzip" if raw[:3] == GZIP_MAGIC else "plain"
        return [(_text(_gunzip(raw)), encoding)]
    raw = _b64(value)
    gzipped = (_text(_gunzip(raw)) if raw is not None and raw[:3] == GZIP_MAGIC else None, "gzip")
    plain: tuple[str | None, str] = (value, "plain")
    flag = str(data.get(HARNESS_COMPRESSED_FLAG_KEY) or "").strip().lower() == "true"
    return [gzipped, plain] if flag else [plain, gzipped]


def _legacy_revisions(doc: Any, record: str, namespace: str) -> list[ReleaseRevision] | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("releases"), list):
        return None
    revisions: list[ReleaseRevision] = []
    for release in doc["releases"]:
        if not isinstance(release, dict):
            continue
        number = _int(release.get("number"))
        status = release.get("status")
        if number is None or not isinstance(status, str):
            continue
        revisions.append(
            ReleaseRevision(number, status, _legacy_workloads(release, namespace), record)
        )
    return revisions


def _legacy_workloads(release: Mapping[str, Any], namespace: str) -> tuple[RecordedWorkload, ...]:
    entries: list[tuple[Any, Any]] = [
        (_dict(item).get("workload"), _dict(item).get("revision"))
        for item in release.get("managedWorkloads") or ()
        if isinstance(item, dict)
    ]
    if not entries and release.get("managedWorkload") is not None:
        entries = [(release.get("managedWorkload"), release.get("managedWorkloadRevision"))]
    found: list[RecordedWorkload] = []
    for workload, revision in entries:
        workload = _dict(workload)
        kind, name, ns = workload.get("kind"), workload.get("name"), workload.get("namespace")
        if not supported(str(kind)) or not isinstance(name, str):
            continue
        found.append(
            RecordedWorkload(
                kind=str(kind),
                name=name,
                namespace=ns if isinstance(ns, str) and ns else namespace,
                revision=_int(revision),
                template=None,
            )
        )
    return tuple(found)


def read_harness_declarative(
    release_name: str,
    namespace: str,
    secrets: Sequence[Mapping[str, Any]],
    *,
    load_yaml: LoadYaml,
) -> ReleaseHistory | None:
    """The declarative releases (``harness.release.<name>.<n>`` Secrets), or None if none."""
    prefix = f"{HARNESS_DECLARATIVE_PREFIX}{release_name}."
    pairs: list[tuple[ReleaseRevision, Mapping[str, Any]]] = []
    for obj in secrets:
        name, labels = _name(obj), _labels(obj)
        named = name.startswith(prefix) and name[len(prefix) :].isdigit()
        labelled = labels.get("owner") == "harness" and labels.get("release") == release_name
        if not (named or labelled) or not _in_namespace(obj, namespace):
            continue
        if not _type_is(obj, DECLARATIVE_TYPE):
            continue
        number = _int(labels.get("release-number"))
        if number is None and named:
            number = int(name[len(prefix) :])
        if number is None:
            continue
        raw = _b64(_dict(obj.get("data")).get("release"))
        docs = _documents(_text(_gunzip(raw)) if raw is not None else None, load_yaml)
        problems = () if docs is not None else ("the release payload could not be read",)
        pairs.append(
            (
                ReleaseRevision(
                    number=number,
                    status=labels.get("status", ""),
                    workloads=_workloads_from_manifests(docs or [], namespace),
                    record=f"Secret/{name}",
                    problems=problems,
                ),
                obj,
            )
        )
    if not pairs:
        return None
    revisions, storage = _newest_first(pairs)
    return ReleaseHistory(HARNESS_DECLARATIVE, release_name, namespace, revisions, storage)


# ---------------------------------------------------------------- Helm


def read_helm(
    release_name: str,
    namespace: str,
    secrets: Sequence[Mapping[str, Any]],
    configmaps: Sequence[Mapping[str, Any]],
    *,
    load_yaml: LoadYaml,
) -> ReleaseHistory | None:
    """The Helm history of ``release_name`` (Secrets driver first, then ConfigMaps), or None."""
    pattern = re.compile(re.escape(f"{HELM_PREFIX}{release_name}.v") + r"([0-9]+)")
    drivers = ((HELM_SECRET, "Secret", secrets), (HELM_CONFIGMAP, "ConfigMap", configmaps))
    for source, kind, objects in drivers:
        pairs: list[tuple[ReleaseRevision, Mapping[str, Any]]] = []
        for obj in objects:
            match = pattern.fullmatch(_name(obj))
            labels = _labels(obj)
            if match is None or not _in_namespace(obj, namespace):
                continue
            if labels.get("owner", "helm") != "helm" or labels.get("name", release_name) != (
                release_name
            ):
                continue
            if kind == "Secret" and not _type_is(obj, HELM_SECRET_TYPE):
                continue
            found = _helm_revision(obj, kind, int(match.group(1)), labels, namespace, load_yaml)
            if found is not None:
                pairs.append((found, obj))
        if pairs:
            revisions, storage = _newest_first(pairs)
            return ReleaseHistory(source, release_name, namespace, revisions, storage)
    return None


def decode_helm_release(value: Any, *, twice: bool) -> dict[str, Any] | None:
    """Helm's release JSON from ``data.release`` (``twice``: a Secret's, base64 twice)."""
    raw = _b64(value)
    if raw is not None and twice:
        raw = _b64(raw)
    text = _text(_gunzip(raw)) if raw is not None else None
    if text is None:
        return None
    try:
        release = json.loads(text)
    except ValueError:
        return None
    return release if isinstance(release, dict) else None


def _helm_revision(
    obj: Mapping[str, Any],
    kind: str,
    name_version: int,
    labels: Mapping[str, str],
    namespace: str,
    load_yaml: LoadYaml,
) -> ReleaseRevision | None:
    record = f"{kind}/{_name(obj)}"
    release = decode_helm_release(_dict(obj.get("data")).get("release"), twice=kind == "Secret")
    if release is None:
        status = labels.get("status")
        if status is None:
            return None
        number = _int(labels.get("version"))
        problem = "the release data could not be read"
        return ReleaseRevision(
            number if number is not None else name_version, status, (), record, problems=(problem,)
        )
    info = _dict(release.get("info"))
    number = _int(release.get("version"))
    status = info.get("status") or labels.get("status") or ""
    manifest = release.get("manifest")
    docs = _documents(manifest, load_yaml) if isinstance(manifest, str) else []
    problems = () if docs is not None else ("the release manifest could not be read",)
    ns = release.get("namespace")
    description = info.get("description")
    return ReleaseRevision(
        number=number if number is not None else name_version,
        status=str(status),
        workloads=_workloads_from_manifests(
            docs or [], ns if isinstance(ns, str) and ns else namespace
        ),
        record=record,
        description=description if isinstance(description, str) else "",
        problems=problems,
    )


# ---------------------------------------------------------------- record updates


def harness_record_updates(
    history: ReleaseHistory,
    *,
    failed: int,
    target: int,
    new_revisions: Mapping[tuple[str, str], int],
) -> list[RecordUpdate]:
    """What Harness's Rolling Rollback writes afterwards (nothing for Helm).

    Legacy: release ``failed`` set to ``Failed`` and release ``target``'s recorded revisions
    replaced by ``new_revisions[(kind, name)]``, the history encoded exactly as it was read,
    as a merge patch of ``data`` guarded by the object's resourceVersion. Declarative: the
    ``failed`` release Secret's ``status`` label set to ``Failed``. Raises ValueError when
    ``failed`` or ``target`` is not a revision of the history.
    """
    if history.source not in (HARNESS_LEGACY, HARNESS_DECLARATIVE):
        return []
    for number in (failed, target):
        if history.revision(number) is None:
            raise ValueError(f"release {number} is not in the history of {history.name}")
    if history.source == HARNESS_DECLARATIVE:
        return _declarative_update(history, failed)
    return [_legacy_update(history, failed, target, new_revisions)]


def _guard(obj: Mapping[str, Any]) -> dict[str, Any]:
    version = _metadata(obj).get("resourceVersion")
    return {"resourceVersion": version} if version else {}


def _declarative_update(history: ReleaseHistory, failed: int) -> list[RecordUpdate]:
    for revision, obj in zip(history.revisions, history.storage, strict=True):
        if revision.number != failed:
            continue
        if revision.status == HARNESS_FAILED:
            return []
        metadata = {**_guard(obj), "labels": {"status": HARNESS_FAILED}}
        return [
            RecordUpdate(
                kind="Secret",
                name=_name(obj),
                namespace=history.namespace,
                body={"metadata": metadata},
                description=f"Secret/{_name(obj)}: release {failed} {HARNESS_FAILED}",
            )
        ]
    return []


def _legacy_update(
    history: ReleaseHistory,
    failed: int,
    target: int,
    new_revisions: Mapping[tuple[str, str], int],
) -> RecordUpdate:
    obj = history.storage[0]
    kind = "Secret" if history.revisions[0].record.startswith("Secret/") else "ConfigMap"
    doc = copy.deepcopy(dict(history.document or {}))
    changes: list[str] = []
    for release in doc.get("releases") or ():
        if not isinstance(release, dict):
            continue
        number = _int(release.get("number"))
        if number == failed:
            release["status"] = HARNESS_FAILED
        if number == target:
            changes = _rewrite_revisions(release, new_revisions)
    text = emit_yaml(doc).encode("utf-8")
    data: dict[str, Any]
    if history.encoding == "gzip":
        value = base64.b64encode(gzip.compress(text, compresslevel=9, mtime=0)).decode()
        flag = SECRET_COMPRESSED_FLAG if kind == "Secret" else "true"
        data = {HARNESS_RELEASE_HISTORY_KEY: value, HARNESS_COMPRESSED_FLAG_KEY: flag}
    elif kind == "Secret":
        data = {HARNESS_RELEASE_HISTORY_KEY: base64.b64encode(text).decode()}
    else:
        data = {HARNESS_RELEASE_HISTORY_KEY: text.decode("utf-8")}
    body: dict[str, Any] = {"data": data}
    if guard := _guard(obj):
        body = {"metadata": guard, "data": data}
    description = f"{kind}/{history.name}: release {failed} {HARNESS_FAILED}"
    if changes:
        description += f", release {target} revisions {', '.join(changes)}"
    return RecordUpdate(kind, history.name, history.namespace, body, description)


def _rewrite_revisions(
    release: dict[str, Any], new_revisions: Mapping[tuple[str, str], int]
) -> list[str]:
    """Set the recorded revisions of ``release`` to ``new_revisions``; say what changed."""
    changes: list[str] = []

    def rewrite(workload: Any, holder: dict[str, Any], key: str) -> None:
        workload = _dict(workload)
        new = new_revisions.get((str(workload.get("kind")), str(workload.get("name"))))
        if new is None:
            return
        changes.append(f"{workload.get('name')} {holder.get(key)}->{new}")
        holder[key] = str(new)  # Harness stores revisions as strings

    items = [item for item in release.get("managedWorkloads") or () if isinstance(item, dict)]
    for item in items:
        rewrite(item.get("workload"), item, "revision")
    if not items and release.get("managedWorkload") is not None:
        rewrite(release.get("managedWorkload"), release, "managedWorkloadRevision")
    return changes


# ---------------------------------------------------------------- YAML emitter

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}


def emit_yaml(value: Any) -> str:
    """Block-style YAML of mappings, lists and scalars, deterministic (indent 2).

    Lists under a key sit at the key's column (``- item``), as yamlbeans writes them; a
    string is written plain only when no YAML reader could take it for anything else
    (so a revision ``"9"`` stays a quoted string), otherwise double-quoted.
    """
    lines: list[str] = []
    _emit(value, 0, lines)
    return "\n".join(lines) + "\n"


def _is_block(value: Any) -> bool:
    return isinstance(value, dict | list) and len(value) > 0


def _emit(value: Any, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict) and value:
        for key, item in value.items():
            head = f"{pad}{_scalar(str(key))}:"
            if not _is_block(item):
                lines.append(f"{head} {_scalar(item)}")
                continue
            lines.append(head)
            _emit(item, indent + 2 if isinstance(item, dict) else indent, lines)
    elif isinstance(value, list) and value:
        for item in value:
            if not _is_block(item):
                lines.append(f"{pad}- {_scalar(item)}")
                continue
            nested: list[str] = []
            _emit(item, indent + 2, nested)
            lines.append(f"{pad}- {nested[0][indent + 2 :]}")
            lines.extend(nested[1:])
    else:
        lines.append(pad + _scalar(value))


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        return text.replace("e", ".0e", 1) if "e" in text and "." not in text else text
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text).replace("\x7f", "\\x7f")
