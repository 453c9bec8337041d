"""Pure builders of Deployment/ReplicaSet/Pod dicts shaped like the real API, evolving like the
controller."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
SKIPPED_ANNOTATIONS = {
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
}


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def template_hash(template: dict[str, Any]) -> str:
    digest = int(hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:8], 16)
    return "".join(ALPHABET[ord(c) % 27] for c in str(digest))


def container(
    name: str = "app", image: str = "nginx:1.25", env: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    if env:
        c["env"] = [{"name": k, "value": v} for k, v in env.items()]
    c.update(extra)
    return c


def pod_template(
    image: str = "nginx:1.25",
    *,
    app: str = "web",
    containers: list[dict[str, Any]] | None = None,
    env: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    **spec_extra: Any,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"labels": {"app": app}}
    if annotations:
        meta["annotations"] = dict(annotations)
    spec: dict[str, Any] = {
        "containers": containers if containers is not None else [container(image=image, env=env)],
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
    }
    spec.update(spec_extra)
    return {"metadata": meta, "spec": spec}


def pod(
    rs: dict[str, Any],
    index: int,
    *,
    ready: bool = True,
    waiting: str | None = None,
    owner: bool = True,
) -> dict[str, Any]:
    template = rs["spec"]["template"]
    name = f"{rs['metadata']['name']}-{ALPHABET[index % 27]}{ALPHABET[(index * 7) % 27]}x{index}q"
    statuses = []
    for c in template["spec"]["containers"]:
        state: dict[str, Any] = {"running": {"startedAt": ts(NOW)}}
        if waiting:
            state = {"waiting": {"reason": waiting, "message": f"{waiting} for {c['image']}"}}
        statuses.append(
            {
                "name": c["name"],
                "image": c["image"],
                "imageID": "",
                "ready": ready and not waiting,
                "restartCount": 3 if waiting == "CrashLoopBackOff" else 0,
                "started": ready and not waiting,
                "state": state,
            }
        )
    is_ready = ready and not waiting
    meta: dict[str, Any] = {
        "name": name,
        "namespace": rs["metadata"]["namespace"],
        "uid": f"uid-{name}",
        "labels": dict(template["metadata"]["labels"]),
        "generateName": f"{rs['metadata']['name']}-",
        "creationTimestamp": rs["metadata"]["creationTimestamp"],
    }
    if owner:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": rs["metadata"]["name"],
                "uid": rs["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": copy.deepcopy(template["spec"]),
        "status": {
            "phase": "Running" if is_ready else "Pending",
            "conditions": [
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "True" if is_ready else "False"},
                {"type": "ContainersReady", "status": "True" if is_ready else "False"},
                {"type": "PodScheduled", "status": "True"},
            ],
            "containerStatuses": statuses,
        },
    }


@dataclass
class Scenario:
    """A Deployment and its ReplicaSets/pods, evolved by ``deploy`` the way the controller would."""

    name: str = "web"
    namespace: str = "default"
    replicas: int = 3
    uid: str = "uid-deploy-web"
    deployment: dict[str, Any] = field(default_factory=dict)
    replicasets: list[dict[str, Any]] = field(default_factory=list)
    pods: list[dict[str, Any]] = field(default_factory=list)
    clock: datetime = NOW - timedelta(hours=5)
    rv: int = 100

    def __post_init__(self) -> None:
        if not self.deployment:
            self.deployment = {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": self.name,
                    "namespace": self.namespace,
                    "uid": self.uid,
                    "resourceVersion": str(self.rv),
                    "generation": 1,
                    "creationTimestamp": ts(self.clock),
                    "labels": {"app": self.name},
                    "annotations": {},
                },
                "spec": {
                    "replicas": self.replicas,
                    "selector": {"matchLabels": {"app": self.name}},
                    "template": pod_template(app=self.name),
                    "strategy": {
                        "type": "RollingUpdate",
                        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                    },
                    "revisionHistoryLimit": 10,
                    "progressDeadlineSeconds": 600,
                },
                "status": {},
            }

    # -------------------------------------------------------------- helpers

    def _bump(self) -> str:
        self.rv += 1
        return str(self.rv)

    def rs(self, number: int) -> dict[str, Any]:
        for rs in self.replicasets:
            if rs["metadata"]["annotations"].get("deployment.kubernetes.io/revision") == str(
                number
            ):
                return rs
        raise KeyError(number)

    def rs_name(self, number: int) -> str:
        return str(self.rs(number)["metadata"]["name"])

    def _strip(self, template: dict[str, Any]) -> dict[str, Any]:
        t = copy.deepcopy(template)
        t["metadata"].get("labels", {}).pop("pod-template-hash", None)
        return t

    def _find_rs(self, template: dict[str, Any]) -> dict[str, Any] | None:
        for rs in self.replicasets:
            if self._strip(rs["spec"]["template"]) == template:
                return rs
        return None

    def _max_revision(self, exclude: dict[str, Any] | None = None) -> int:
        numbers = [
            int(rs["metadata"]["annotations"].get("deployment.kubernetes.io/revision", "0"))
            for rs in self.replicasets
            if rs is not exclude
        ]
        return max(numbers, default=0)

    def _set_rs_scale(self, rs: dict[str, Any], replicas: int, ready: int) -> None:
        rs["spec"]["replicas"] = replicas
        rs["status"] = {
            "replicas": replicas,
            "fullyLabeledReplicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": 1,
        }
        if ready == 0:
            del rs["status"]["readyReplicas"]
            del rs["status"]["availableReplicas"]

    # -------------------------------------------------------------- evolution

    def deploy(
        self,
        image: str | None = None,
        *,
        template: dict[str, Any] | None = None,
        outcome: str = "complete",
        waiting: str = "CrashLoopBackOff",
        stuck_pods: int = 1,
        change_cause: str | None = None,
    ) -> dict[str, Any]:
        """Change the template and let the controller run. outcome: complete | stuck | deadline.

        complete: the new RS has all pods Ready, old ones are at 0.
        stuck: the new RS has ``stuck_pods`` pods waiting with ``waiting``; the
        RS that was serving keeps its Ready pods; other old RSs are scaled to 0.
        deadline: like stuck, and Progressing=ProgressDeadlineExceeded.
        """
        self.clock += timedelta(minutes=10)
        meta = self.deployment["metadata"]
        if change_cause is not None:
            meta["annotations"]["kubernetes.io/change-cause"] = change_cause
        if template is None:
            template = pod_template(image or "nginx:1.25", app=self.name)
        self.deployment["spec"]["template"] = copy.deepcopy(template)
        meta["generation"] += 1
        existing = self._find_rs(template)
        if existing is None:
            h = template_hash(template)
            rs_template = copy.deepcopy(template)
            rs_template["metadata"].setdefault("labels", {})["pod-template-hash"] = h
            rs_name = f"{self.name}-{h}"
            rs = {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": rs_name,
                    "namespace": self.namespace,
                    "uid": f"uid-{rs_name}",
                    "resourceVersion": self._bump(),
                    "generation": 1,
                    "creationTimestamp": ts(self.clock),
                    "labels": {**template["metadata"].get("labels", {}), "pod-template-hash": h},
                    "annotations": {},
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "Deployment",
                            "name": self.name,
                            "uid": self.uid,
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                },
                "spec": {
                    "replicas": 0,
                    "selector": {
                        "matchLabels": {
                            **self.deployment["spec"]["selector"]["matchLabels"],
                            "pod-template-hash": h,
                        }
                    },
                    "template": rs_template,
                },
                "status": {"replicas": 0},
            }
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = str(
                self._max_revision() + 1
            )
            self.replicasets.append(rs)
        else:
            rs = existing
            annotations = rs["metadata"]["annotations"]
            old = annotations.get("deployment.kubernetes.io/revision", "0")
            new = self._max_revision(exclude=rs) + 1
            if str(new) != old:
                history = annotations.get("deployment.kubernetes.io/revision-history")
                annotations["deployment.kubernetes.io/revision-history"] = (
                    f"{history},{old}" if history else old
                )
                annotations["deployment.kubernetes.io/revision"] = str(new)
        self._copy_annotations(rs)
        serving = [
            r for r in self.replicasets if r is not rs and r["status"].get("readyReplicas", 0) > 0
        ]
        serving_rs = (
            max(serving, key=lambda r: r["status"].get("readyReplicas", 0)) if serving else None
        )
        self.pods = [
            p
            for p in self.pods
            if p["metadata"]["ownerReferences"][0]["uid"] != rs["metadata"]["uid"]
        ]
        if outcome == "complete":
            for other in self.replicasets:
                if other is not rs:
                    self._set_rs_scale(other, 0, 0)
            self.pods = [pod(rs, i) for i in range(self.replicas)]
            self._set_rs_scale(rs, self.replicas, self.replicas)
        else:
            for other in self.replicasets:
                if other is not rs and other is not serving_rs:
                    self._set_rs_scale(other, 0, 0)
            keep = [
                p
                for p in self.pods
                if serving_rs
                and p["metadata"]["ownerReferences"][0]["uid"] == serving_rs["metadata"]["uid"]
            ]
            self.pods = keep + [pod(rs, i, waiting=waiting) for i in range(stuck_pods)]
            self._set_rs_scale(rs, stuck_pods, 0)
        self._observe(rs, outcome)
        return rs

    def _copy_annotations(self, rs: dict[str, Any]) -> None:
        for key, value in self.deployment["metadata"]["annotations"].items():
            if key not in SKIPPED_ANNOTATIONS:
                rs["metadata"]["annotations"][key] = value
        rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = str(
            self.replicas
        )
        rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] = str(
            self.replicas + 1
        )

    def _observe(self, rs: dict[str, Any], outcome: str) -> None:
        meta = self.deployment["metadata"]
        meta["annotations"]["deployment.kubernetes.io/revision"] = rs["metadata"]["annotations"][
            "deployment.kubernetes.io/revision"
        ]
        meta["resourceVersion"] = self._bump()
        total = sum(r["status"].get("replicas", 0) for r in self.replicasets)
        ready = sum(r["status"].get("readyReplicas", 0) for r in self.replicasets)
        updated = rs["status"].get("replicas", 0)
        rs_name = rs["metadata"]["name"]
        progressing = {
            "complete": (
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{rs_name}" has successfully progressed.',
            ),
            "stuck": ("True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.'),
            "deadline": (
                "False",
                "ProgressDeadlineExceeded",
                f'ReplicaSet "{rs_name}" has timed out progressing.',
            ),
        }[outcome]
        self.deployment["status"] = {
            "observedGeneration": meta["generation"],
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "unavailableReplicas": max(
                0, sum(r["spec"]["replicas"] for r in self.replicasets) - ready
            ),
            "conditions": [
                {
                    "type": "Available",
                    "status": "True" if ready >= self.replicas - 0 else "False",
                    "reason": "MinimumReplicasAvailable",
                    "message": "Deployment has minimum availability.",
                    "lastUpdateTime": ts(self.clock),
                    "lastTransitionTime": ts(self.clock),
                },
                {
                    "type": "Progressing",
                    "status": progressing[0],
                    "reason": progressing[1],
                    "message": progressing[2],
                    "lastUpdateTime": ts(self.clock),
                    "lastTransitionTime": ts(self.clock),
                },
            ],
        }


def harness_configmap(
    releases: list[dict[str, Any]], *, name: str = "release-web", as_yaml: bool = True
) -> dict[str, Any]:
    """A legacy Harness release-history ConfigMap (data.releaseHistory)."""
    if as_yaml:
        lines = ["version: v1", "releases:"]
        for rel in releases:
            lines.append(f"- number: {rel['number']}")
            lines.append(f"  status: {rel['status']}")
            lines.append("  resources:")
            lines.append("  - kind: Deployment")
            lines.append("    name: web")
            lines.append("  managedWorkloads:")
            for w in rel["managedWorkloads"]:
                lines.append(f"  - workload: {w['workload']}")
                lines.append(f'    revision: "{w["revision"]}"')
        text = "\n".join(lines) + "\n"
    else:
        text = json.dumps({"version": "v1", "releases": releases})
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
        "data": {"releaseHistory": text},
    }


def configmap(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": {},
    }


def secret(
    name: str, data: dict[str, str] | None = None, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if labels:
        meta["labels"] = labels
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta,
        "type": "Opaque",
        "data": data or {},
    }


def hpa(name: str, target: str, *, api_version: str = "autoscaling/v2") -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": 2,
            "maxReplicas": 10,
        },
    }
