"""ControllerRevision history of StatefulSets and DaemonSets (pkg/controller/history).

A revision's `data` is the strategic-merge patch that restores its template,
`{"spec":{"template":{..., "$patch":"replace"}}}` as compact JSON with sorted keys, which is
exactly what `kubectl rollout undo` sends back for these kinds.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..errors import ApiError
from ..templates import canonical_template, template_hash
from .base import CONTROLLER_REVISIONS, Obj, owner_reference

if TYPE_CHECKING:
    from ..cluster import SimCluster


def revision_data(template: Obj) -> Obj:
    """The revision's data: a patch replacing the whole template (`getPatch`)."""
    # Kubernetes up to 1.33 serialised the template's zero creationTimestamp as null; since
    # 1.34 (omitzero) it is left out, as here (see sim/README.md).
    metadata = {
        k: v for k, v in (template.get("metadata") or {}).items() if k != "creationTimestamp"
    }
    patch = {"spec": {"template": {**template, "metadata": metadata, "$patch": "replace"}}}
    # Round-trip through compact sorted JSON, as the real controller stores raw bytes.
    data: dict[str, Any] = json.loads(json.dumps(patch, sort_keys=True, separators=(",", ":")))
    return data


def revision_template(revision: Obj) -> Obj:
    """The pod template a ControllerRevision records."""
    template = dict(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


def revision_number(revision: Obj) -> int:
    return int(revision.get("revision") or 0)


def sorted_revisions(revisions: list[Obj]) -> list[Obj]:
    return sorted(revisions, key=lambda r: (revision_number(r), r["metadata"]["name"]))


def sync_update_revision(
    cluster: SimCluster, owner: Obj, revisions: list[Obj], hash_label: str
) -> tuple[Obj | None, list[Obj]]:
    """The revision for the owner's current template, created or bumped as needed.

    Returns (update revision, all revisions sorted by number); the update revision is None
    when a hash collision was found (the owner's status.collisionCount is then bumped).
    """
    store = cluster.store
    ns = owner["metadata"]["namespace"]
    template = owner["spec"].get("template") or {}
    wanted = canonical_template(template)
    revisions = sorted_revisions(revisions)
    next_number = revision_number(revisions[-1]) + 1 if revisions else 1
    equal = [r for r in revisions if canonical_template(revision_template(r)) == wanted]
    if equal and equal[-1] is revisions[-1]:
        return revisions[-1], revisions
    if equal:

        def bump(obj: Obj) -> None:
            obj["revision"] = next_number

        bumped = store.mutate(CONTROLLER_REVISIONS, ns, equal[-1]["metadata"]["name"], bump)
        revisions = [bumped if r is equal[-1] else r for r in revisions]
        return bumped, sorted_revisions(revisions)
    collision_count = (owner.get("status") or {}).get("collisionCount")
    value = template_hash(None, collision_count, canonical=wanted)
    labels: dict[str, Any] = dict((template.get("metadata") or {}).get("labels") or {})
    labels[hash_label] = value
    revision: Obj = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": f"{owner['metadata']['name']}-{value}",
            "namespace": ns,
            "labels": labels,
            "ownerReferences": [owner_reference(owner)],
        },
        "data": revision_data(template),
        "revision": next_number,
    }
    if owner["metadata"].get("annotations"):
        revision["metadata"]["annotations"] = dict(owner["metadata"]["annotations"])
    try:
        created = store.create(CONTROLLER_REVISIONS, revision)
    except ApiError as err:
        if err.reason != "AlreadyExists":
            raise
        found = store.peek(CONTROLLER_REVISIONS, ns, revision["metadata"]["name"])
        if found is not None and canonical_template(revision_template(found)) == wanted:
            return found, revisions

        def collide(obj: Obj) -> None:
            obj.setdefault("status", {})["collisionCount"] = int(collision_count or 0) + 1

        store.mutate(
            _owner_type(owner), ns, owner["metadata"]["name"], collide, subresource="status"
        )
        return None, revisions
    return created, sorted_revisions([*revisions, created])


def truncate_history(cluster: SimCluster, owner: Obj, revisions: list[Obj], live: set[str]) -> None:
    """Delete the oldest revisions beyond revisionHistoryLimit, never a live one."""
    limit = int(owner["spec"].get("revisionHistoryLimit", 10))
    history = [r for r in sorted_revisions(revisions) if r["metadata"]["name"] not in live]
    for revision in history[: max(0, len(history) - limit)]:
        cluster.store.delete(
            CONTROLLER_REVISIONS, revision["metadata"]["namespace"], revision["metadata"]["name"]
        )


def _owner_type(owner: Obj) -> Any:
    from ..resources import BY_KIND

    return BY_KIND[owner["kind"]]
