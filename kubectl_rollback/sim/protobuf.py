"""Just enough of the protobuf wire format for the few places clients insist on it.

Encoding builds the gnostic OpenAPI v2 document kubectl 1.27 downloads; decoding reads the
Kubernetes protobuf envelope (`k8s\\x00` + runtime.Unknown) that kubectl 1.33 uses for
SelfSubjectAccessReviews. No schema compiler: callers name field numbers.
"""

from __future__ import annotations

from typing import Any

K8S_MAGIC = b"k8s\x00"
PROTOBUF_TYPE = "application/vnd.kubernetes.protobuf"


class ProtobufError(ValueError):
    """Bytes that are not the protobuf the caller expected."""


# ---------------------------------------------------------------------------- encoding
def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def message(number: int, payload: bytes) -> bytes:
    """A length-delimited field (embedded message or bytes)."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def string(number: int, text: str) -> bytes:
    return message(number, text.encode())


# ---------------------------------------------------------------------------- decoding
def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(data: bytes) -> dict[int, list[Any]]:
    """Field number -> values (ints for varints, bytes for length-delimited fields)."""
    out: dict[int, list[Any]] = {}
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, pos = _read_varint(data, pos)
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos : pos + 4], pos + 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        out.setdefault(number, []).append(value)
    return out


def text(values: dict[int, list[Any]], number: int) -> str:
    """The last string value of a field, "" when absent."""
    found = values.get(number)
    return found[-1].decode() if found else ""


def submessage(values: dict[int, list[Any]], number: int) -> dict[int, list[Any]] | None:
    found = values.get(number)
    return fields(found[-1]) if found else None


def unwrap(body: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw object bytes) of a Kubernetes protobuf envelope."""
    if not body.startswith(K8S_MAGIC):
        raise ProtobufError("missing the k8s protobuf prefix")
    unknown = fields(body[len(K8S_MAGIC) :])
    type_meta = submessage(unknown, 1) or {}
    raw = unknown.get(2, [b""])[-1]
    return text(type_meta, 1), text(type_meta, 2), raw


def self_subject_access_review(raw: bytes) -> dict[str, Any]:
    """authorization.k8s.io/v1 SelfSubjectAccessReview (generated.proto) as its JSON form."""
    review = fields(raw)
    spec = submessage(review, 2) or {}
    out_spec: dict[str, Any] = {}
    resource = submessage(spec, 1)
    if resource is not None:
        names = ("namespace", "verb", "group", "version", "resource", "subresource", "name")
        out_spec["resourceAttributes"] = {
            n: text(resource, i) for i, n in enumerate(names, 1) if text(resource, i)
        }
    non_resource = submessage(spec, 2)
    if non_resource is not None:
        out_spec["nonResourceAttributes"] = {
            "path": text(non_resource, 1),
            "verb": text(non_resource, 2),
        }
    return {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "metadata": {},
        "spec": out_spec,
    }
