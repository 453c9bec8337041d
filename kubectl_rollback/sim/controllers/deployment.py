"""The Deployment controller, following kube-controller-manager's pkg/controller/deployment.

One `sync` runs one reconcile step per Deployment, as the real controller does per work-queue
item: the rolling update advances in the same steps (scale the new ReplicaSet up within
maxSurge, then scale old ones down within maxUnavailable), so the states a client observes
between steps are the real ones. Differences from the real controller: no adoption or release
of ReplicaSets whose ownership does not match, no `rollbackTo` (deprecated extensions API).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..errors import ApiError
from ..store import clone
from ..templates import POD_TEMPLATE_HASH, canonical_template, template_hash
from .base import (
    DEPLOYMENTS,
    PODS,
    REPLICA_SETS,
    Obj,
    by_namespace,
    controller_uid,
    created_order,
    earliest,
    group_by_controller,
    int_or_percent,
    now_text,
    owner_reference,
    pod_is_active,
    selector_matches,
    sim_seconds_at,
)
from .events import EventRecorder

if TYPE_CHECKING:
    from ..cluster import SimCluster

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO = "deprecated.deployment.rollback.to"

ANNOTATIONS_NOT_COPIED = frozenset(
    {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO}
)
"""Deployment annotations the controller never copies to its ReplicaSets."""

MAX_REVISION_HISTORY_CHARS = 2000
NO_PROGRESS_DEADLINE = 2**31 - 1

# Progressing condition reasons (pkg/controller/deployment/util).
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"


# ------------------------------------------------------------------------------ small readers
def spec_replicas(obj: Obj) -> int:
    return int((obj.get("spec") or {}).get("replicas") or 0)


def status_count(obj: Obj | None, field: str) -> int:
    if obj is None:
        return 0
    return int((obj.get("status") or {}).get(field) or 0)


def annotations_of(obj: Obj) -> dict[str, str]:
    found: dict[str, str] = obj["metadata"].get("annotations") or {}
    return found


def revision_of(rs: Obj) -> int | None:
    """The ReplicaSet's revision number (missing = 0, unparsable = None)."""
    text = annotations_of(rs).get(REVISION)
    if text is None:
        return 0
    try:
        return int(text)
    except ValueError:
        return None


def max_revision(rss: list[Obj]) -> int:
    return max((r for r in map(revision_of, rss) if r is not None), default=0)


def is_rolling(d: Obj) -> bool:
    return ((d["spec"].get("strategy") or {}).get("type") or "RollingUpdate") == "RollingUpdate"


def fenceposts(d: Obj) -> tuple[int, int]:
    """`ResolveFenceposts`: (maxSurge, maxUnavailable) as numbers of pods."""
    rolling = (d["spec"].get("strategy") or {}).get("rollingUpdate") or {}
    replicas = spec_replicas(d)
    surge = int_or_percent(rolling.get("maxSurge", "25%"), replicas, True)
    unavailable = int_or_percent(rolling.get("maxUnavailable", "25%"), replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: Obj) -> int:
    return fenceposts(d)[0] if is_rolling(d) else 0


def max_unavailable(d: Obj) -> int:
    replicas = spec_replicas(d)
    if not is_rolling(d) or replicas == 0:
        return 0
    return min(fenceposts(d)[1], replicas)


def has_progress_deadline(d: Obj) -> bool:
    deadline = d["spec"].get("progressDeadlineSeconds")
    return deadline is not None and deadline != NO_PROGRESS_DEADLINE


def get_condition(status: dict[str, Any], type_: str) -> dict[str, Any] | None:
    cond: dict[str, Any]
    for cond in status.get("conditions") or ():
        if cond.get("type") == type_:
            return cond
    return None


def new_condition(type_: str, status: str, reason: str, message: str, now: str) -> dict[str, Any]:
    return {
        "type": type_,
        "status": status,
        "lastUpdateTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def remove_condition(status: dict[str, Any], type_: str) -> None:
    status["conditions"] = [c for c in status.get("conditions") or () if c.get("type") != type_]
    if not status["conditions"]:
        del status["conditions"]


def set_condition(status: dict[str, Any], cond: dict[str, Any]) -> None:
    """`SetDeploymentCondition`: unchanged status and reason leave the condition alone."""
    current = get_condition(status, cond["type"])
    if (
        current
        and current.get("status") == cond["status"]
        and current.get("reason") == cond["reason"]
    ):
        return
    if current and current.get("status") == cond["status"]:
        cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    others = [c for c in status.get("conditions") or () if c.get("type") != cond["type"]]
    status["conditions"] = [*others, cond]


def deployment_complete(d: Obj, status: dict[str, Any]) -> bool:
    replicas = spec_replicas(d)
    return (
        int(status.get("updatedReplicas") or 0) == replicas
        and int(status.get("replicas") or 0) == replicas
        and int(status.get("availableReplicas") or 0) == replicas
        and int(status.get("observedGeneration") or 0) >= d["metadata"].get("generation", 0)
    )


def deployment_progressing(d: Obj, new: dict[str, Any]) -> bool:
    old = d.get("status") or {}

    def count(status: dict[str, Any], field: str) -> int:
        return int(status.get(field) or 0)

    return (
        count(new, "updatedReplicas") > count(old, "updatedReplicas")
        or count(new, "replicas") - count(new, "updatedReplicas")
        < count(old, "replicas") - count(old, "updatedReplicas")
        or count(new, "readyReplicas") > count(old, "readyReplicas")
        or count(new, "availableReplicas") > count(old, "availableReplicas")
    )


def round_half_away(value: float) -> int:
    """Go's `math.Round`."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def copy_annotations_to_rs(d: Obj, rs_annotations: dict[str, str]) -> bool:
    """Copy the Deployment's annotations (except the skipped ones); adds or overwrites only."""
    changed = False
    for key, value in annotations_of(d).items():
        if key in ANNOTATIONS_NOT_COPIED or rs_annotations.get(key) == value:
            continue
        rs_annotations[key] = value
        changed = True
    return changed


def append_revision_history(history: str, former: str) -> str | None:
    """The revision-history annotation with `former` appended, trimmed from the front."""
    if not history:
        return former
    parts = history.split(",")
    total = len(history) + len(former) + 1
    start = 0
    while total > MAX_REVISION_HISTORY_CHARS and start < len(parts):
        total -= len(parts[start]) + 1
        start += 1
    if total > MAX_REVISION_HISTORY_CHARS:
        return None
    return ",".join([*parts[start:], former])


# ------------------------------------------------------------------------------ the controller
class DeploymentController:
    """Deployments -> ReplicaSets (see the module docstring)."""

    name = "deployment"

    def __init__(self) -> None:
        self.events = EventRecorder("deployment-controller")
        self._canonical: dict[tuple[str, str], str] = {}

    def canonical(self, obj: Obj) -> str:
        """The canonical pod template of a stored object, cached per resourceVersion."""
        meta = obj["metadata"]
        key = (meta.get("uid", ""), meta.get("resourceVersion", ""))
        found = self._canonical.get(key)
        if found is None:
            if len(self._canonical) > 200_000:
                self._canonical.clear()
            found = self._canonical[key] = canonical_template(obj["spec"].get("template"))
        return found

    def sync(self, cluster: SimCluster, namespaces: set[str] | None) -> float | None:
        due: float | None = None
        for ns, deployments in by_namespace(cluster, DEPLOYMENTS, namespaces):
            owned = group_by_controller(cluster.store.all_of(REPLICA_SETS, ns))
            for d in deployments:
                rollout = _Rollout(self, cluster, d, owned.get(d["metadata"]["uid"], []))
                due = earliest(due, rollout.run())
        return due


class _Rollout:
    """One reconcile of one Deployment (`syncDeployment`), over fresh copies of what it writes."""

    def __init__(
        self, controller: DeploymentController, cluster: SimCluster, d: Obj, owned: list[Obj]
    ) -> None:

        self.controller = controller
        self.cluster = cluster
        self.store = cluster.store
        self.d = d
        self.ns = d["metadata"]["namespace"]
        selector = d["spec"].get("selector")
        self.rss: dict[str, Obj] = {
            rs["metadata"]["name"]: rs
            for rs in owned
            if selector_matches(selector, rs["metadata"].get("labels") or {})
        }
        self.due: float | None = None
        self._now = now_text(cluster)

    # -------------------------------------------------------------- entry
    def run(self) -> float | None:
        d = self.d
        if d["metadata"].get("deletionTimestamp"):
            return None
        self.check_paused_conditions()
        if d["spec"].get("paused"):
            self.sync_scaling()
            return None
        if self.is_scaling_event():
            self.sync_scaling()
            return None
        if is_rolling(d):
            self.rollout_rolling()
        else:
            self.rollout_recreate()
        return self.due

    # -------------------------------------------------------------- writes
    def write_status(self, status: dict[str, Any], revision: str | None = None) -> None:
        def change(obj: Obj) -> None:
            obj["status"] = status
            if revision is not None:
                obj["metadata"].setdefault("annotations", {})[REVISION] = revision

        self.d = self.store.mutate(
            DEPLOYMENTS, self.ns, self.d["metadata"]["name"], change, subresource="status"
        )

    def write_rs(
        self,
        rs: Obj,
        replicas: int | None,
        rs_annotations: dict[str, str],
        min_ready_seconds: int | None = None,
    ) -> Obj:
        def change(obj: Obj) -> None:
            if replicas is not None:
                obj["spec"]["replicas"] = replicas
            if min_ready_seconds:
                obj["spec"]["minReadySeconds"] = min_ready_seconds
            elif min_ready_seconds is not None:
                obj["spec"].pop("minReadySeconds", None)  # Go omits the zero value
            obj["metadata"]["annotations"] = rs_annotations

        updated = self.store.mutate(REPLICA_SETS, self.ns, rs["metadata"]["name"], change)
        self.rss[updated["metadata"]["name"]] = updated
        return updated

    def status_copy(self) -> dict[str, Any]:
        """A copy of the status whose top level may be changed (nested values are replaced, not
        edited)."""
        return dict(self.d.get("status") or {})

    # -------------------------------------------------------------- paused
    def check_paused_conditions(self) -> None:
        d = self.d
        if not has_progress_deadline(d):
            return
        status = self.status_copy()
        cond = get_condition(status, "Progressing")
        if cond and cond.get("reason") == TIMED_OUT:
            return
        paused_cond = cond is not None and cond.get("reason") == PAUSED
        if d["spec"].get("paused") and not paused_cond:
            set_condition(
                status,
                new_condition("Progressing", "Unknown", PAUSED, "Deployment is paused", self._now),
            )
        elif not d["spec"].get("paused") and paused_cond:
            set_condition(
                status,
                new_condition(
                    "Progressing", "Unknown", RESUMED, "Deployment is resumed", self._now
                ),
            )
        else:
            return
        self.write_status(status)

    # -------------------------------------------------------------- replica sets
    def split(self) -> tuple[Obj | None, list[Obj]]:
        """`FindNewReplicaSet` / `FindOldReplicaSets`: the oldest RS with the current template."""
        wanted = self.controller.canonical(self.d)
        ordered = sorted(self.rss.values(), key=created_order)
        new = next((rs for rs in ordered if self.controller.canonical(rs) == wanted), None)
        return new, [rs for rs in ordered if rs is not new]

    def get_all(self, create: bool) -> tuple[Obj | None, list[Obj]]:
        """`getAllReplicaSetsAndSyncRevision`."""
        existing, old = self.split()
        return self.get_new_rs(existing, old, create), old

    def set_new_rs_annotations(
        self, rs_annotations: dict[str, str], new_revision: int, exists: bool
    ) -> bool:
        changed = copy_annotations_to_rs(self.d, rs_annotations)
        former = rs_annotations.get(REVISION)
        try:
            former_number = int(former) if former is not None else 0
        except ValueError:
            return False
        if former_number < new_revision:
            rs_annotations[REVISION] = str(new_revision)
            changed = True
            if former is not None:
                history = append_revision_history(rs_annotations.get(REVISION_HISTORY, ""), former)
                if history is not None:
                    rs_annotations[REVISION_HISTORY] = history
        if not exists and self.set_replicas_annotations(rs_annotations):
            changed = True
        return changed

    def set_replicas_annotations(self, rs_annotations: dict[str, str]) -> bool:
        desired = str(spec_replicas(self.d))
        maximum = str(spec_replicas(self.d) + max_surge(self.d))
        if (
            rs_annotations.get(DESIRED_REPLICAS) == desired
            and rs_annotations.get(MAX_REPLICAS) == maximum
        ):
            return False
        rs_annotations[DESIRED_REPLICAS] = desired
        rs_annotations[MAX_REPLICAS] = maximum
        return True

    def get_new_rs(self, existing: Obj | None, old: list[Obj], create: bool) -> Obj | None:
        """`getNewReplicaSet`: sync the new RS's annotations, or create it."""
        d = self.d
        new_revision = max_revision(old) + 1
        if existing is not None:
            rs_annotations = dict(annotations_of(existing))
            changed = self.set_new_rs_annotations(rs_annotations, new_revision, exists=True)
            min_ready = int(d["spec"].get("minReadySeconds") or 0)
            if changed or int(existing["spec"].get("minReadySeconds") or 0) != min_ready:
                return self.write_rs(existing, None, rs_annotations, min_ready)
            status = self.status_copy()
            revision = annotations_of(existing).get(REVISION, "")
            needs_update = annotations_of(d).get(REVISION) != revision
            if has_progress_deadline(d) and get_condition(status, "Progressing") is None:
                set_condition(
                    status,
                    new_condition(
                        "Progressing",
                        "True",
                        FOUND_NEW_RS,
                        f'Found new replica set "{existing["metadata"]["name"]}"',
                        self._now,
                    ),
                )
                needs_update = True
            if needs_update:
                self.write_status(status, revision)
            return existing
        if not create:
            return None
        return self.create_new_rs(old, new_revision)

    def create_new_rs(self, old: list[Obj], new_revision: int) -> Obj | None:
        d = self.d
        name = d["metadata"]["name"]
        collision_count = (d.get("status") or {}).get("collisionCount")
        pod_hash = template_hash(None, collision_count, canonical=self.controller.canonical(d))
        template = clone(d["spec"]["template"])
        template.setdefault("metadata", {}).setdefault("labels", {})[POD_TEMPLATE_HASH] = pod_hash
        selector = clone(d["spec"]["selector"])
        selector.setdefault("matchLabels", {})[POD_TEMPLATE_HASH] = pod_hash
        rs: Obj = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{name}-{pod_hash}",
                "namespace": self.ns,
                "labels": dict(template["metadata"]["labels"]),
                "ownerReferences": [owner_reference(d)],
            },
            "spec": {
                "replicas": 0,
                "selector": selector,
                "template": template,
            },
        }
        if d["spec"].get("minReadySeconds"):
            rs["spec"]["minReadySeconds"] = int(d["spec"]["minReadySeconds"])
        replicas = self.new_rs_new_replicas([*old, rs], rs)
        rs["spec"]["replicas"] = replicas
        rs_annotations: dict[str, str] = {}
        self.set_new_rs_annotations(rs_annotations, new_revision, exists=False)
        rs["metadata"]["annotations"] = rs_annotations
        already_exists = False
        try:
            created = self.store.create(REPLICA_SETS, rs)
        except ApiError as err:
            if err.reason != "AlreadyExists":
                raise
            found = self.store.peek(REPLICA_SETS, self.ns, rs["metadata"]["name"])
            if (
                found is not None
                and controller_uid(found) == d["metadata"]["uid"]
                and self.controller.canonical(found) == self.controller.canonical(d)
            ):
                created, already_exists = found, True
            else:
                status = self.status_copy()
                status["collisionCount"] = int(collision_count or 0) + 1
                self.write_status(status)
                return None
        self.rss[created["metadata"]["name"]] = created
        if not already_exists and replicas > 0:
            self.controller.events.record(
                self.cluster,
                d,
                "ScalingReplicaSet",
                f"Scaled up replica set {created['metadata']['name']} to {replicas}",
            )
        status = self.status_copy()
        needs_update = annotations_of(d).get(REVISION) != str(new_revision)
        if not already_exists and has_progress_deadline(d):
            set_condition(
                status,
                new_condition(
                    "Progressing",
                    "True",
                    NEW_RS_CREATED,
                    f'Created new replica set "{created["metadata"]["name"]}"',
                    self._now,
                ),
            )
            needs_update = True
        if needs_update:
            self.write_status(status, str(new_revision))
        return created

    def new_rs_new_replicas(self, all_rss: list[Obj], new: Obj) -> int:
        """`NewRSNewReplicas`: how far the new RS may be scaled up now."""
        d = self.d
        replicas = spec_replicas(d)
        if not is_rolling(d):
            return replicas
        current = sum(spec_replicas(rs) for rs in all_rss)
        max_total = replicas + max_surge(d)
        if current >= max_total:
            return spec_replicas(new)
        scale_up = min(max_total - current, replicas - spec_replicas(new))
        return spec_replicas(new) + scale_up

    # -------------------------------------------------------------- scaling
    def scale_rs_and_record(self, rs: Obj, new_scale: int) -> bool:
        rs = self.rss[rs["metadata"]["name"]]
        if spec_replicas(rs) == new_scale:
            return False
        operation = "up" if spec_replicas(rs) < new_scale else "down"
        return self.scale_rs(rs, new_scale, operation)

    def scale_rs(self, rs: Obj, new_scale: int, operation: str) -> bool:
        """`scaleReplicaSet`: new size and desired/max-replicas annotations, one event."""
        rs = self.rss[rs["metadata"]["name"]]
        old_scale = spec_replicas(rs)
        rs_annotations = dict(annotations_of(rs))
        annotations_changed = self.set_replicas_annotations(rs_annotations)
        if old_scale == new_scale and not annotations_changed:
            return False
        self.write_rs(rs, new_scale, rs_annotations)
        if old_scale != new_scale:
            self.controller.events.record(
                self.cluster,
                self.d,
                "ScalingReplicaSet",
                f"Scaled {operation} replica set {rs['metadata']['name']} to {new_scale} from "
                f"{old_scale}",
            )
            return True
        return False

    def is_scaling_event(self) -> bool:
        new, old = self.get_all(create=False)
        for rs in [*old, *([new] if new else [])]:
            rs = self.rss[rs["metadata"]["name"]]
            if spec_replicas(rs) == 0:
                continue
            desired = annotations_of(rs).get(DESIRED_REPLICAS)
            if desired is None:
                continue
            try:
                if int(desired) != spec_replicas(self.d):
                    return True
            except ValueError:
                continue
        return False

    def sync_scaling(self) -> None:
        """`sync`: scale proportionally (paused Deployments, scaling events), clean up, status."""
        new, old = self.get_all(create=False)
        self.scale(new, old)
        if self.d["spec"].get("paused"):
            self.cleanup(old)
        self.sync_status(self.fresh(new))

    def fresh(self, rs: Obj | None) -> Obj | None:
        return None if rs is None else self.rss[rs["metadata"]["name"]]

    def scale(self, new: Obj | None, old: list[Obj]) -> None:
        d = self.d
        replicas = spec_replicas(d)
        if new is None and not old:
            return
        everyone = [self.rss[rs["metadata"]["name"]] for rs in [*old, *([new] if new else [])]]
        active = [rs for rs in everyone if spec_replicas(rs) > 0]
        if len(active) <= 1:  # `FindActiveOrLatest`
            target = active[0] if active else (new or sorted(old, key=created_order)[-1])
            self.scale_rs_and_record(target, replicas)
            return
        if new is not None and self.is_saturated(new):
            for rs in old:
                if spec_replicas(rs) > 0:
                    self.scale_rs_and_record(rs, 0)
            return
        if not is_rolling(d):
            return
        current_total = sum(spec_replicas(rs) for rs in active)
        allowed = replicas + max_surge(d) if replicas > 0 else 0
        to_add = allowed - current_total
        operation = ""
        if to_add > 0:
            # Larger first; among equals, newer first when scaling up.
            active.sort(key=created_order, reverse=True)
            active.sort(key=spec_replicas, reverse=True)
            operation = "up"
        elif to_add < 0:
            active.sort(key=created_order)
            active.sort(key=spec_replicas, reverse=True)
            operation = "down"
        added = 0
        sizes: dict[str, int] = {}
        for rs in active:
            name = rs["metadata"]["name"]
            if to_add != 0:
                proportion = self.proportion(rs, to_add, added)
                sizes[name] = spec_replicas(rs) + proportion
                added += proportion
            else:
                sizes[name] = spec_replicas(rs)
        for i, rs in enumerate(active):
            name = rs["metadata"]["name"]
            if i == 0 and to_add != 0:
                sizes[name] = max(0, sizes[name] + to_add - added)
            self.scale_rs(rs, sizes[name], operation)

    def is_saturated(self, rs: Obj) -> bool:
        replicas = spec_replicas(self.d)
        return (
            annotations_of(rs).get(DESIRED_REPLICAS) == str(replicas)
            and spec_replicas(rs) == replicas
            and status_count(rs, "availableReplicas") == replicas
        )

    def proportion(self, rs: Obj, to_add: int, added: int) -> int:
        """`GetProportion`: this RS's share of the replicas being added or removed."""
        if spec_replicas(rs) == 0 or to_add == 0 or to_add == added:
            return 0
        d = self.d
        if spec_replicas(d) == 0:
            fraction = -spec_replicas(rs)
        else:
            total = spec_replicas(d) + max_surge(d)
            try:
                annotated = int(annotations_of(rs)[MAX_REPLICAS])
            except (KeyError, ValueError):
                annotated = status_count(d, "replicas")
            fraction = (
                round_half_away(spec_replicas(rs) * total / annotated) - spec_replicas(rs)
                if annotated
                else 0
            )
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    # -------------------------------------------------------------- rolling update
    def rollout_rolling(self) -> None:
        new, old = self.get_all(create=True)
        if new is None:
            return
        if self.reconcile_new_rs(new):
            self.sync_rollout_status(new)
            return
        if self.reconcile_old_rss(new, old):
            self.sync_rollout_status(new)
            return
        if deployment_complete(self.d, self.d.get("status") or {}):
            self.cleanup(old)
        self.sync_rollout_status(new)

    def reconcile_new_rs(self, new: Obj) -> bool:
        new = self.rss[new["metadata"]["name"]]
        replicas = spec_replicas(self.d)
        if spec_replicas(new) == replicas:
            return False
        if spec_replicas(new) > replicas:
            return self.scale_rs_and_record(new, replicas)
        target = self.new_rs_new_replicas(list(self.rss.values()), new)
        return self.scale_rs_and_record(new, target)

    def reconcile_old_rss(self, new: Obj, old: list[Obj]) -> bool:
        new = self.rss[new["metadata"]["name"]]
        old_active = [self.rss[rs["metadata"]["name"]] for rs in old]
        old_active = [rs for rs in old_active if spec_replicas(rs) > 0]
        if not old_active:
            return False
        all_pods = sum(spec_replicas(rs) for rs in self.rss.values())
        min_available = spec_replicas(self.d) - max_unavailable(self.d)
        new_unavailable = spec_replicas(new) - status_count(new, "availableReplicas")
        max_scaled_down = all_pods - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        cleaned = self.cleanup_unhealthy(old_active, max_scaled_down)
        scaled = self.scale_down_old_for_rolling_update(
            [self.rss[rs["metadata"]["name"]] for rs in old_active], new
        )
        return cleaned + scaled > 0

    def cleanup_unhealthy(self, old_active: list[Obj], max_cleanup: int) -> int:
        """Scale down old replicas that are not available first, oldest RS first."""
        total = 0
        for rs in sorted(old_active, key=created_order):
            if total >= max_cleanup:
                break
            replicas = spec_replicas(rs)
            available = status_count(rs, "availableReplicas")
            if replicas == 0 or replicas == available:
                continue
            count = min(max_cleanup - total, replicas - available)
            self.scale_rs_and_record(rs, replicas - count)
            total += count
        return total

    def scale_down_old_for_rolling_update(self, old_active: list[Obj], new: Obj) -> int:
        min_available = spec_replicas(self.d) - max_unavailable(self.d)
        available = sum(status_count(rs, "availableReplicas") for rs in [*old_active, new])
        if available <= min_available:
            return 0
        to_scale_down = available - min_available
        total = 0
        for rs in sorted(old_active, key=created_order):
            if total >= to_scale_down:
                break
            replicas = spec_replicas(rs)
            if replicas == 0:
                continue
            count = min(replicas, to_scale_down - total)
            self.scale_rs_and_record(rs, replicas - count)
            total += count
        return total

    # -------------------------------------------------------------- recreate
    def rollout_recreate(self) -> None:
        new, old = self.get_all(create=False)
        scaled = False
        for rs in old:
            if spec_replicas(self.rss[rs["metadata"]["name"]]) != 0:
                scaled = self.scale_rs_and_record(rs, 0) or scaled
        if scaled or self.old_pods_running(old):
            self.sync_rollout_status(self.fresh(new))
            return
        if new is None:
            new, old = self.get_all(create=True)
            if new is None:
                return
        self.scale_rs_and_record(new, spec_replicas(self.d))
        if deployment_complete(self.d, self.d.get("status") or {}):
            self.cleanup(old)
        self.sync_rollout_status(self.fresh(new))

    def old_pods_running(self, old: list[Obj]) -> bool:
        if sum(status_count(self.rss[rs["metadata"]["name"]], "replicas") for rs in old) > 0:
            return True
        old_uids = {rs["metadata"]["uid"] for rs in old}
        return any(
            controller_uid(pod) in old_uids and pod_is_active(pod)
            for pod in self.store.all_of(PODS, self.ns)
        )

    # -------------------------------------------------------------- cleanup
    def cleanup(self, old: list[Obj]) -> None:
        """Delete the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit."""
        limit = self.d["spec"].get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [
            self.rss[rs["metadata"]["name"]] for rs in old if rs["metadata"]["name"] in self.rss
        ]
        alive = [rs for rs in alive if not rs["metadata"].get("deletionTimestamp")]
        diff = len(alive) - int(limit)
        if diff <= 0:
            return
        alive.sort(key=lambda rs: (revision_of(rs) or 0, *created_order(rs)))
        for rs in alive[:diff]:
            if (
                status_count(rs, "replicas") != 0
                or spec_replicas(rs) != 0
                or rs["metadata"].get("generation", 0) > status_count(rs, "observedGeneration")
            ):
                continue
            self.store.delete(REPLICA_SETS, self.ns, rs["metadata"]["name"])
            del self.rss[rs["metadata"]["name"]]

    # -------------------------------------------------------------- status
    def calculate_status(self, new: Obj | None) -> dict[str, Any]:
        d = self.d
        everyone = list(self.rss.values())
        available = sum(status_count(rs, "availableReplicas") for rs in everyone)
        total = sum(spec_replicas(rs) for rs in everyone)
        counts = {
            "observedGeneration": d["metadata"].get("generation", 0),
            "replicas": sum(status_count(rs, "replicas") for rs in everyone),
            "updatedReplicas": status_count(self.fresh(new), "replicas"),
            "readyReplicas": sum(status_count(rs, "readyReplicas") for rs in everyone),
            "availableReplicas": available,
            "unavailableReplicas": max(0, total - available),
        }
        status: dict[str, Any] = {k: v for k, v in counts.items() if v}  # omitempty
        old_status = d.get("status") or {}
        if old_status.get("conditions"):
            status["conditions"] = list(old_status["conditions"])
        if "collisionCount" in old_status:
            status["collisionCount"] = old_status["collisionCount"]
        if available >= spec_replicas(d) - max_unavailable(d):
            set_condition(
                status,
                new_condition(
                    "Available",
                    "True",
                    MIN_AVAILABLE,
                    "Deployment has minimum availability.",
                    self._now,
                ),
            )
        else:
            set_condition(
                status,
                new_condition(
                    "Available",
                    "False",
                    MIN_UNAVAILABLE,
                    "Deployment does not have minimum availability.",
                    self._now,
                ),
            )
        return status

    def sync_status(self, new: Obj | None) -> None:
        """`syncDeploymentStatus`."""
        status = self.calculate_status(new)
        if status != (self.d.get("status") or {}):
            self.write_status(status)

    def sync_rollout_status(self, new: Obj | None) -> None:
        """`syncRolloutStatus`: counts plus the Progressing condition, and when to look again."""
        d = self.d
        status = self.calculate_status(new)
        new_name = new["metadata"]["name"] if new else None
        if not has_progress_deadline(d):
            remove_condition(status, "Progressing")
        current = get_condition(d.get("status") or {}, "Progressing")
        complete_rollout = (
            int(status.get("replicas") or 0) == int(status.get("updatedReplicas") or 0)
            and current is not None
            and current.get("reason") == NEW_RS_AVAILABLE
        )
        if has_progress_deadline(d) and not complete_rollout:
            if deployment_complete(d, status):
                message = (
                    f'ReplicaSet "{new_name}" has successfully progressed.'
                    if new_name
                    else f'Deployment "{d["metadata"]["name"]}" has successfully progressed.'
                )
                set_condition(
                    status,
                    new_condition("Progressing", "True", NEW_RS_AVAILABLE, message, self._now),
                )
            elif deployment_progressing(d, status):
                message = (
                    f'ReplicaSet "{new_name}" is progressing.'
                    if new_name
                    else f'Deployment "{d["metadata"]["name"]}" is progressing.'
                )
                cond = new_condition("Progressing", "True", RS_UPDATED, message, self._now)
                if current is not None:
                    if current.get("status") == "True":
                        cond["lastTransitionTime"] = current.get("lastTransitionTime")
                    remove_condition(status, "Progressing")
                set_condition(status, cond)
            elif self.timed_out(status):
                message = (
                    f'ReplicaSet "{new_name}" has timed out progressing.'
                    if new_name
                    else f'Deployment "{d["metadata"]["name"]}" has timed out progressing.'
                )
                set_condition(
                    status, new_condition("Progressing", "False", TIMED_OUT, message, self._now)
                )
        if status != (d.get("status") or {}):
            self.write_status(status)
            return
        self.due = self.stuck_recheck_at(status)

    def timed_out(self, status: dict[str, Any]) -> bool:
        cond = get_condition(status, "Progressing")
        if cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
            return False
        if cond.get("reason") == TIMED_OUT:
            return True
        deadline = int(self.d["spec"]["progressDeadlineSeconds"])
        last = sim_seconds_at(self.cluster.clock, cond["lastUpdateTime"])
        return last + deadline < self.cluster.clock.seconds()

    def stuck_recheck_at(self, status: dict[str, Any]) -> float | None:
        """`requeueStuckDeployment`: when the progress deadline will have passed."""
        cond = get_condition(self.d.get("status") or {}, "Progressing")
        if not has_progress_deadline(self.d) or cond is None:
            return None
        if deployment_complete(self.d, status) or cond.get("reason") in (
            TIMED_OUT,
            NEW_RS_AVAILABLE,
        ):
            return None
        clock = self.cluster.clock
        deadline = sim_seconds_at(clock, cond["lastUpdateTime"]) + int(
            self.d["spec"]["progressDeadlineSeconds"]
        )
        return deadline + 1.0 if deadline + 1.0 > clock.seconds() else None
