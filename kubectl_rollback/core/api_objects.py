"""Reading raw Kubernetes API objects: metadata, timestamps, ownership, templates, selectors."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

JSON = Any

POD_TEMPLATE_HASH = "pod-template-hash"
POD_REVISION_LABEL = "controller-revision-hash"
"""On pods (both kinds) and on a DaemonSet's ControllerRevisions (controller_history.py)."""

HARNESS_RELEASE_HISTORY_KEY = "releaseHistory"
"""The data key of a Harness legacy release history (a ConfigMap or a Secret)."""
HARNESS_COMPRESSED_FLAG_KEY = "isReleaseHistoryCompressed"
HARNESS_DECLARATIVE_PREFIX = "harness.release."
"""The name of a Harness declarative release Secret: harness.release.<release>.<number>."""


def as_dict(value: JSON) -> dict[str, JSON]:
    """``value`` when it is a mapping, else an empty dict (API fields may be null or absent)."""
    return value if isinstance(value, dict) else {}


def as_list(value: JSON) -> list[JSON]:
    return value if isinstance(value, list) else []


def dig(obj: JSON, *path: str) -> JSON:
    """``obj[path[0]][path[1]]...`` or None as soon as a step is missing."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def as_int(value: JSON, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return default
    return default


def str_map(value: JSON) -> dict[str, str]:
    """A labels/annotations map with string values only."""
    return {str(k): str(v) for k, v in as_dict(value).items() if v is not None}


def name_of(obj: JSON) -> str:
    return str(dig(obj, "metadata", "name") or "")


def uid_of(obj: JSON) -> str:
    return str(dig(obj, "metadata", "uid") or "")


def labels_of(obj: JSON) -> dict[str, str]:
    return str_map(dig(obj, "metadata", "labels"))


def annotations_of(obj: JSON) -> dict[str, str]:
    return str_map(dig(obj, "metadata", "annotations"))


def parse_time(value: JSON) -> datetime | None:
    """An RFC 3339 timestamp as the API writes it (``2024-05-01T10:00:00Z``), tz-aware UTC."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_time(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` suffix and whole seconds, as the API writes it."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def controller_uid(obj: JSON) -> str | None:
    """The uid of the ownerReference marked ``controller: true``, if any."""
    for ref in as_list(dig(obj, "metadata", "ownerReferences")):
        if isinstance(ref, dict) and ref.get("controller") is True:
            uid = ref.get("uid")
            return str(uid) if uid else None
    return None


def strip_hash_label(template: JSON) -> dict[str, JSON]:
    """A deep copy of a pod template without the ``pod-template-hash`` label.

    Mirrors kubectl, which deletes the key and keeps an emptied labels map.
    """
    result = copy.deepcopy(as_dict(template))
    labels = dig(result, "metadata", "labels")
    if isinstance(labels, dict):
        labels.pop(POD_TEMPLATE_HASH, None)
    return result


def _normalised(value: JSON) -> JSON:
    # apimachinery's semantic equality treats nil and empty maps/lists alike,
    # and a template round-tripped by a client may gain or lose empty fields.
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            norm = _normalised(item)
            if norm is None or norm == {} or norm == []:
                continue
            out[key] = norm
        return out
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    return value


def _without_hash_label(template: JSON) -> dict[str, JSON]:
    """``strip_hash_label`` without the deep copy, for comparing: only the maps on the way
    to the label are new (``_normalised`` builds new values and changes none)."""
    result = as_dict(template)
    metadata = as_dict(result.get("metadata"))
    labels = metadata.get("labels")
    if isinstance(labels, dict) and POD_TEMPLATE_HASH in labels:
        labels = {k: v for k, v in labels.items() if k != POD_TEMPLATE_HASH}
        result = {**result, "metadata": {**metadata, "labels": labels}}
    return result


def templates_equal(a: JSON, b: JSON) -> bool:
    """Semantic equality of two pod templates, ignoring the pod-template-hash label."""
    return bool(_normalised(_without_hash_label(a)) == _normalised(_without_hash_label(b)))


def label_selector_string(selector: Mapping[str, JSON]) -> str:
    """Render a LabelSelector (matchLabels + matchExpressions) as a ``labelSelector`` query.

    Raises ValueError for an operator the API does not define.
    """
    parts = [f"{k}={v}" for k, v in sorted(str_map(selector.get("matchLabels")).items())]
    for expr in as_list(selector.get("matchExpressions")):
        expr = as_dict(expr)
        key = str(expr.get("key", ""))
        op = str(expr.get("operator", ""))
        values = ",".join(sorted(str(v) for v in as_list(expr.get("values"))))
        if op == "In":
            parts.append(f"{key} in ({values})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
        else:
            raise ValueError(f"unknown label selector operator {op!r}")
    return ",".join(parts)


def pod_spec_containers(template: JSON) -> Iterable[tuple[dict[str, JSON], bool]]:
    """(container, is_init) for every init container then every container of a pod template."""
    spec = as_dict(dig(template, "spec"))
    for item in as_list(spec.get("initContainers")):
        if isinstance(item, dict):
            yield item, True
    for item in as_list(spec.get("containers")):
        if isinstance(item, dict):
            yield item, False


def template_references(template: JSON) -> tuple[set[str], set[str]]:
    """Names of the ConfigMaps and Secrets a pod template needs (optional ones excluded).

    Looks at env valueFrom, envFrom, volumes (configMap, secret, projected) and
    imagePullSecrets.
    """
    configmaps: set[str] = set()
    secrets: set[str] = set()

    def add(target: set[str], ref: JSON, key: str = "name") -> None:
        ref = as_dict(ref)
        if ref.get("optional") is True:
            return
        name = ref.get(key)
        if isinstance(name, str) and name:
            target.add(name)

    for container, _init in pod_spec_containers(template):
        for env in as_list(container.get("env")):
            source = as_dict(as_dict(env).get("valueFrom"))
            add(configmaps, source.get("configMapKeyRef"))
            add(secrets, source.get("secretKeyRef"))
        for env_from in as_list(container.get("envFrom")):
            env_from = as_dict(env_from)
            add(configmaps, env_from.get("configMapRef"))
            add(secrets, env_from.get("secretRef"))
    spec = as_dict(dig(template, "spec"))
    for volume in as_list(spec.get("volumes")):
        volume = as_dict(volume)
        add(configmaps, volume.get("configMap"))
        add(secrets, volume.get("secret"), "secretName")
        for source in as_list(dig(volume, "projected", "sources")):
            source = as_dict(source)
            add(configmaps, source.get("configMap"))
            add(secrets, source.get("secret"))
    for pull in as_list(spec.get("imagePullSecrets")):
        add(secrets, pull)
    return configmaps, secrets


def may_be_harness_record(obj: JSON) -> bool:
    """Whether a ConfigMap or Secret could hold Harness release history (harness.py reads
    it): a release history key in its data or a declarative release Secret's name. The
    others are not worth loading the Harness rules for."""
    return HARNESS_RELEASE_HISTORY_KEY in as_dict(as_dict(obj).get("data")) or name_of(
        obj
    ).startswith(HARNESS_DECLARATIVE_PREFIX)
