"""Pure builders of StatefulSet/DaemonSet, ControllerRevision and Pod dicts shaped like the real
API."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from tests.core.factory import NOW, ts

ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
HASH_LABEL = {
    "StatefulSet": "controller.kubernetes.io/hash",
    "DaemonSet": "controller-revision-hash",
}


def template(image: str, app: str = "db", env: dict[str, str] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": image, "imagePullPolicy": "IfNotPresent"}
    if env:
        container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    return {"metadata": {"labels": {"app": app}}, "spec": {"containers": [container]}}


def hash_of(tmpl: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(tmpl, sort_keys=True).encode()).hexdigest()
    return "".join(ALPHABET[int(c, 16) % 27] for c in digest[:9])


class Controller:
    """A StatefulSet or DaemonSet and its ControllerRevisions, evolving as the controller does."""

    def __init__(
        self, kind: str = "StatefulSet", name: str = "db", replicas: int = 3, **spec: Any
    ) -> None:
        self.kind = kind
        self.name = name
        self.uid = f"uid-{name}"
        self.revisions: list[dict[str, Any]] = []
        self.pods: list[dict[str, Any]] = []
        body: dict[str, Any] = {"selector": {"matchLabels": {"app": name}}, "template": {}, **spec}
        if kind == "StatefulSet":
            body = {"replicas": replicas, "serviceName": name, **body}
        self.workload: dict[str, Any] = {
            "apiVersion": "apps/v1",
            "kind": kind,
            "metadata": {
                "name": name,
                "namespace": "default",
                "uid": self.uid,
                "resourceVersion": "100",
                "generation": 1,
                "annotations": {},
            },
            "spec": body,
            "status": {"observedGeneration": 1},
        }

    def deploy(self, image: str, **env: str) -> str:
        """Set the template; reuse (and renumber) an identical revision or create one. Returns its
        name."""
        tmpl = template(image, self.name, env or None)
        self.workload["spec"]["template"] = copy.deepcopy(tmpl)
        self.workload["metadata"]["generation"] += 1
        self.workload["metadata"]["resourceVersion"] = str(
            int(self.workload["metadata"]["resourceVersion"]) + 1
        )
        self.workload["status"]["observedGeneration"] = self.workload["metadata"]["generation"]
        top = max((r["revision"] for r in self.revisions), default=0)
        for revision in self.revisions:
            if revision["data"]["spec"]["template"]["spec"] == {**tmpl["spec"]}:
                if revision["revision"] != top:
                    revision["revision"] = top + 1
                self._update(revision["metadata"]["name"])
                return str(revision["metadata"]["name"])
        value = hash_of(tmpl)
        data_tmpl = {**copy.deepcopy(tmpl), "$patch": "replace"}
        data_tmpl["metadata"] = {"creationTimestamp": None, **data_tmpl["metadata"]}
        revision = {
            "apiVersion": "apps/v1",
            "kind": "ControllerRevision",
            "metadata": {
                "name": f"{self.name}-{value}",
                "namespace": "default",
                "uid": f"uid-{value}",
                "creationTimestamp": ts(NOW),
                "labels": {"app": self.name, HASH_LABEL[self.kind]: value},
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": self.kind,
                        "name": self.name,
                        "uid": self.uid,
                        "controller": True,
                    }
                ],
            },
            "data": {"spec": {"template": data_tmpl}},
            "revision": top + 1,
        }
        self.revisions.append(revision)
        self._update(revision["metadata"]["name"])
        return str(revision["metadata"]["name"])

    def _update(self, name: str) -> None:
        self.workload["status"]["updateRevision"] = name

    def name_of(self, number: int) -> str:
        return str(next(r for r in self.revisions if r["revision"] == number)["metadata"]["name"])

    def revision(self, number: int) -> dict[str, Any]:
        return next(r for r in self.revisions if r["revision"] == number)

    def complete(self) -> None:
        """The rollout of the update revision finished: every pod on it and Ready."""
        name = self.workload["status"]["updateRevision"]
        self.pods = [self.pod(name, i) for i in range(3)]
        if self.kind == "StatefulSet":
            self.workload["status"].update(
                {
                    "currentRevision": name,
                    "replicas": 3,
                    "readyReplicas": 3,
                    "updatedReplicas": 3,
                    "currentReplicas": 3,
                    "availableReplicas": 3,
                }
            )
        else:
            self.workload["status"].update(
                {
                    "desiredNumberScheduled": 3,
                    "currentNumberScheduled": 3,
                    "updatedNumberScheduled": 3,
                    "numberReady": 3,
                    "numberAvailable": 3,
                }
            )

    def pod(
        self, revision_name: str, index: int, *, ready: bool = True, waiting: str | None = None
    ) -> dict[str, Any]:
        revision = next(r for r in self.revisions if r["metadata"]["name"] == revision_name)
        label = (
            revision_name
            if self.kind == "StatefulSet"
            else revision["metadata"]["labels"][HASH_LABEL[self.kind]]
        )
        status: dict[str, Any] = {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        }
        if waiting:
            status["containerStatuses"] = [
                {"name": "app", "state": {"waiting": {"reason": waiting}}}
            ]
        return {
            "metadata": {
                "name": f"{self.name}-{index}",
                "namespace": "default",
                "labels": {"app": self.name, "controller-revision-hash": label},
                "ownerReferences": [
                    {"kind": self.kind, "name": self.name, "uid": self.uid, "controller": True}
                ],
            },
            "status": status,
        }
