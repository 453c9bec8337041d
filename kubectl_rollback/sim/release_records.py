"""Release records written as Harness and Helm write them: fixtures for the simulated cluster.

Each builder returns the raw API object (a dict as the API server serves it) of one record,
encoded the way the tool encodes it (``shared/docs/release-records.md`` names the sources):

- Harness legacy history (``harness_legacy_configmap``, ``harness_legacy_secret``): the YAML
  of ``{releases, version: v1}``, releases newest first, as yamlbeans writes it (indent 2,
  bean properties in alphabetical order, default values left out, revisions as quoted
  strings), gzip'd as Java's ``GZIPOutputStream`` at level 9 does (zlib's raw deflate, a
  10-byte header with no mtime). ConfigMap: base64 of that with
  ``isReleaseHistoryCompressed: "true"``, or the plain YAML (``compressed=False``, as older
  delegates wrote). Secret: the gzip bytes as Secret data (base64 once, by Kubernetes), the
  flag the single byte 0x01.
- Harness declarative release Secrets (``harness_declarative_secret``): type
  ``harness.io/release/v2``, labels ``owner``, ``release``, ``release-number``, ``status``,
  ``harness.io/pruning-enabled``; key ``release`` = gzip of every manifest preceded by
  ``---``.
- Helm 3 (``helm_secret``, ``helm_configmap``): ``sh.helm.release.v1.<name>.v<N>``, labels
  ``name``, ``owner: helm``, ``status``, ``version``, ``createdAt`` (``modifiedAt`` instead
  once Helm's ``Update`` rewrote it); the release as Go's
  ``encoding/json`` writes it (struct field order, no spaces, ``<``, ``>``, ``&`` escaped),
  gzip'd at BestCompression with Go's header (no mtime, XFL 2, OS 255), base64 once by
  Helm, and once more by Kubernetes for a Secret.

Not reproduced, and said so: the deflate bytes of Go's own compressor (Python's zlib is
used; every gzip reader gives back the same text), yamlbeans' exact whitespace and
property order (⚠ unverified in the sources), and the OS byte of Java's gzip header (0 up to
JDK 15, 255 from JDK 16; ``JAVA_GZIP_OS``). Standard library only, like the rest of the
simulated cluster; it shares nothing with the core's readers, which these fixtures test.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

JAVA_GZIP_OS = 255  # ⚠ JDK 16+ (JDK-8244706); 0 before

WorkloadEntry = tuple[str, str, int]
"""``(kind, name, revision)`` of a workload a Harness release manages."""


# ---------------------------------------------------------------- compression


def _gzip(data: bytes, *, xfl: int, os_byte: int) -> bytes:
    """A gzip member: the 10-byte header (no name, no mtime), raw deflate at 9, CRC and size."""
    header = bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, xfl, os_byte])
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = deflater.compress(data) + deflater.flush()
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    return header + body + trailer


def java_gzip(data: bytes) -> bytes:
    """``data`` gzip'd as Java's ``GZIPOutputStream`` with its deflater at level 9 (XFL 0)."""
    return _gzip(data, xfl=0, os_byte=JAVA_GZIP_OS)


def go_gzip(data: bytes) -> bytes:
    """``data`` gzip'd with Go's header at ``gzip.BestCompression`` (XFL 2, OS 255).

    Python's own ``gzip.compress`` writes the OS byte of the machine (3 on Unix); Go's
    writer leaves it at 255 (unknown).
    """
    return _gzip(data, xfl=2, os_byte=255)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# ---------------------------------------------------------------- YAML writer

_SAFE_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*")
_YAML_WORDS = frozenset(["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"])


def yaml_scalar(value: Any) -> str:
    """One scalar as YAML: strings a reader would take for another type are quoted."""
    if value is None:
        return "null"
    if value is True or value is False:
        return str(value).lower()
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        return _yaml_float(value)
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    text = str(value)
    if _SAFE_PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text)


def _yaml_float(value: float) -> str:
    """A float YAML 1.1 reads back as one (its exponent form needs a dot: ``1.0e-05``)."""
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    mantissa, e, exponent = repr(value).partition("e")
    if e and "." not in mantissa:
        mantissa += ".0"
    return mantissa + e + exponent


def to_yaml(value: Any) -> str:
    """Block-style YAML, indent 2, sequences under a key at the key's column."""
    return "".join(_yaml_lines(value, "")) or "{}\n"


def _nested(value: Any) -> bool:
    return isinstance(value, Mapping | list | tuple) and bool(value)


def _yaml_lines(value: Any, pad: str) -> list[str]:
    out: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if _nested(item):
                child = pad + "  " if isinstance(item, Mapping) else pad
                out += [f"{pad}{yaml_scalar(str(key))}:\n", *_yaml_lines(item, child)]
            else:
                out.append(f"{pad}{yaml_scalar(str(key))}: {yaml_scalar(item)}\n")
        return out
    if isinstance(value, list | tuple):
        for item in value:
            if not _nested(item):
                out.append(f"{pad}- {yaml_scalar(item)}\n")
                continue
            inner = _yaml_lines(item, pad + "  ")
            out += [f"{pad}- {inner[0][len(pad) + 2 :]}", *inner[1:]]
        return out
    return [f"{pad}{yaml_scalar(value)}\n"]


# ---------------------------------------------------------------- Harness legacy


def legacy_release(
    number: int,
    status: str,
    namespace: str,
    workloads: Sequence[WorkloadEntry],
    *,
    resources: Sequence[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """One ``K8sLegacyRelease`` as yamlbeans writes its bean: properties alphabetically.

    ``resources`` (``(kind, name)``) defaults to the workloads; a resource whose name ends
    in ``-<number>`` is a versioned ConfigMap/Secret (``versioned: true``).
    """

    def resource_id(kind: str, name: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"kind": kind, "name": name, "namespace": namespace}
        if kind in ("ConfigMap", "Secret") and name.endswith(f"-{number}"):
            entry["versioned"] = True
        return entry

    listed = resources if resources is not None else [(k, n) for k, n, _ in workloads]
    return {
        "managedWorkloads": [
            {"revision": str(revision), "workload": resource_id(kind, name)}
            for kind, name, revision in workloads
        ],
        "number": number,
        "resources": [resource_id(kind, name) for kind, name in listed],
        "status": status,
    }


def harness_legacy_yaml(releases: Sequence[Mapping[str, Any]]) -> str:
    """The ``ReleaseHistory`` YAML: releases newest first (Harness inserts at index 0)."""
    ordered = sorted(releases, key=lambda release: -int(release["number"]))
    return to_yaml({"releases": ordered, "version": "v1"})


def _metadata(name: str, namespace: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = dict(labels)
    return metadata


def harness_legacy_configmap(
    name: str,
    namespace: str,
    releases: Sequence[Mapping[str, Any]],
    *,
    compressed: bool = True,
) -> dict[str, Any]:
    """The legacy history ConfigMap (no labels), compressed as today's delegates write it."""
    text = harness_legacy_yaml(releases)
    if compressed:
        data = {
            "isReleaseHistoryCompressed": "true",
            "releaseHistory": b64(java_gzip(text.encode("utf-8"))),
        }
    else:
        data = {"releaseHistory": text}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(name, namespace),
        "data": data,
    }


def harness_legacy_secret(
    name: str, namespace: str, releases: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The legacy history Secret (written when a release has custom workloads)."""
    text = harness_legacy_yaml(releases)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": _metadata(name, namespace),
        "data": {
            "isReleaseHistoryCompressed": b64(b"\x01"),
            "releaseHistory": b64(java_gzip(text.encode("utf-8"))),
        },
    }


# ---------------------------------------------------------------- Harness declarative


def declarative_payload(manifests: Sequence[Mapping[str, Any]]) -> str:
    """``ManifestHelper.toYaml``: every resource's YAML, each preceded by ``---``."""
    return "".join(f"---\n{to_yaml(manifest)}" for manifest in manifests)


def harness_declarative_secret(
    release: str,
    number: int,
    status: str,
    namespace: str,
    manifests: Sequence[Mapping[str, Any]],
    *,
    pruning: bool = False,
    annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ``harness.release.<release>.<number>`` Secret of a declarative-rollback release."""
    labels = {
        "owner": "harness",
        "release": release,
        "release-number": str(number),
        "status": status,
        "harness.io/pruning-enabled": "true" if pruning else "false",
    }
    metadata = _metadata(f"harness.release.{release}.{number}", namespace, labels)
    if annotations:
        metadata["annotations"] = dict(annotations)
    payload = java_gzip(declarative_payload(manifests).encode("utf-8"))
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "harness.io/release/v2",
        "metadata": metadata,
        "data": {"release": b64(payload)},
    }


# ---------------------------------------------------------------- Helm


def helm_manifest(
    chart: str, manifests: Sequence[Mapping[str, Any]], sources: Sequence[str] | None = None
) -> str:
    """The release's ``manifest``: ``---\\n# Source: <chart>/templates/<f>\\n<yaml>\\n`` blocks.

    ``sources`` names each manifest's template file (default ``<kind>.yaml``, lower case).
    """
    files = sources or [f"{str(m.get('kind', 'resource')).lower()}.yaml" for m in manifests]
    return "".join(
        f"---\n# Source: {chart}/templates/{source}\n{to_yaml(manifest).rstrip(chr(10))}\n"
        for source, manifest in zip(files, manifests, strict=True)
    )


def go_json(value: Any) -> str:
    """JSON as Go's ``json.Marshal`` writes it: compact, UTF-8, HTML characters escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def helm_release(
    name: str,
    namespace: str,
    version: int,
    status: str,
    manifests: Sequence[Mapping[str, Any]],
    *,
    chart: str = "web",
    chart_version: str = "1.0.0",
    app_version: str = "1.0.0",
    description: str | None = None,
    config: Mapping[str, Any] | None = None,
    first_deployed: str = "2024-05-01T10:00:00Z",
    last_deployed: str | None = None,
    sources: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Helm's ``release.Release`` in its struct field order (``omitempty`` fields left out).

    ``sources`` names each manifest's template file, as in :func:`helm_manifest`.
    """
    manifest = helm_manifest(chart, manifests, sources)
    files = sources or [f"{str(m.get('kind', 'resource')).lower()}.yaml" for m in manifests]
    default_description = "Install complete" if version == 1 else "Upgrade complete"
    info: dict[str, Any] = {
        "first_deployed": first_deployed,
        "last_deployed": last_deployed or first_deployed,
        "deleted": "",
        "description": description if description is not None else default_description,
        "status": status,
    }
    release: dict[str, Any] = {
        "name": name,
        "info": info,
        "chart": {
            "metadata": {
                "name": chart,
                "version": chart_version,
                "apiVersion": "v2",
                "appVersion": app_version,
            },
            "lock": None,
            "templates": [
                {"name": f"templates/{f}", "data": b64(to_yaml(m).encode("utf-8"))}
                for f, m in zip(files, manifests, strict=True)
            ],
            "values": {},
            "schema": None,
            "files": [],
        },
    }
    if config:
        release["config"] = dict(config)
    release.update({"manifest": manifest, "version": version, "namespace": namespace})
    return release


def helm_encode(release: Mapping[str, Any]) -> str:
    """``encodeRelease``: JSON, gzip at BestCompression, base64."""
    return b64(go_gzip(go_json(release).encode("utf-8")))


def _helm_record(
    kind: str,
    name: str,
    namespace: str,
    version: int,
    status: str,
    manifests: Sequence[Mapping[str, Any]],
    created_at: str,
    modified_at: str | None,
    release: Mapping[str, Any],
) -> dict[str, Any]:
    encoded = helm_encode(helm_release(name, namespace, version, status, manifests, **release))
    labels = {"name": name, "owner": "helm", "status": status, "version": str(version)}
    # Create sets createdAt; Update writes the object anew with modifiedAt instead.
    if modified_at is None:
        labels["createdAt"] = created_at
    else:
        labels["modifiedAt"] = modified_at
    record: dict[str, Any] = {"apiVersion": "v1", "kind": kind}
    if kind == "Secret":
        record["type"] = "helm.sh/release.v1"
        # Helm stores the base64 text as the Secret's bytes: Kubernetes encodes it again.
        data = b64(encoded.encode("ascii"))
    else:
        data = encoded
    record["metadata"] = _metadata(f"sh.helm.release.v1.{name}.v{version}", namespace, labels)
    record["data"] = {"release": data}
    return record


def helm_secret(
    name: str,
    namespace: str,
    version: int,
    status: str,
    manifests: Sequence[Mapping[str, Any]],
    *,
    created_at: str = "1714557600",
    modified_at: str | None = None,
    **release: Any,
) -> dict[str, Any]:
    """A Helm Secrets-driver record; ``data.release`` is base64 twice (Helm's, Kubernetes').

    ``release`` takes :func:`helm_release`'s keywords (``chart``, ``description``, ...).
    ``modified_at`` (Unix seconds): the record as Helm's ``Update`` writes it (a status
    change: ``pending-upgrade`` to ``deployed``, ``deployed`` to ``superseded``), labelled
    ``modifiedAt`` and no longer ``createdAt``.
    """
    return _helm_record(
        "Secret", name, namespace, version, status, manifests, created_at, modified_at, release
    )


def helm_configmap(
    name: str,
    namespace: str,
    version: int,
    status: str,
    manifests: Sequence[Mapping[str, Any]],
    *,
    created_at: str = "1714557600",
    modified_at: str | None = None,
    **release: Any,
) -> dict[str, Any]:
    """A Helm ConfigMap-driver record (``HELM_DRIVER=configmap``): base64 once, no type."""
    return _helm_record(
        "ConfigMap", name, namespace, version, status, manifests, created_at, modified_at, release
    )
