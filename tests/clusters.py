"""One test, two clusters: the simulated one and a real control plane (scripts/control-plane).

The `cluster` fixture (tests/conftest.py) is parametrised over `sim` and `real`; both give a
`TestCluster` with the same methods, so a story is written once:

    cluster.apply(deployment("web", "nginx:1.25.3"))          # create or replace, like apply
    cluster.wait_for(lambda: rolled_out(cluster, "web"), "web rolled out")
    cluster.get("deployments", "web"); cluster.list("replicasets", "app=web")
    cluster.kubectl().ok("rollout", "undo", "deployment/web") # real kubectl on this cluster
    with cluster.clock(): ...                                  # time moves (for --wait)

Each test has a namespace of its own (`cluster.namespace`, the current context's namespace in
`cluster.kubeconfig`). On the simulated cluster time moves only when a test waits (the clock
jumps to what the controllers wait for); on the real one it is wall-clock time, so every wait
is a bounded wait-for, never a sleep.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

from kubectl_rollback.sim import RunningCluster
from tests.kubectl import Kubectl, kubectl_or_skip


def _load_control_plane() -> ModuleType:
    """scripts/control_plane.py (stdlib only, not in a package), loaded by path.

    Registered as `control_plane`, the name scripts/control-plane imports it by.
    """
    if "control_plane" in sys.modules:
        return sys.modules["control_plane"]
    path = Path(__file__).resolve().parent.parent / "scripts" / "control_plane.py"
    spec = importlib.util.spec_from_file_location("control_plane", path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    sys.modules["control_plane"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


control_plane = _load_control_plane()

Obj = dict[str, Any]

GROUPS = {
    "deployments": "apps",
    "replicasets": "apps",
    "statefulsets": "apps",
    "daemonsets": "apps",
    "controllerrevisions": "apps",
    "roles": "rbac.authorization.k8s.io",
    "rolebindings": "rbac.authorization.k8s.io",
}
KINDS = {
    "Deployment": "deployments",
    "ReplicaSet": "replicasets",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "ControllerRevision": "controllerrevisions",
    "Service": "services",
    "Pod": "pods",
    "ConfigMap": "configmaps",
    "Secret": "secrets",
    "Event": "events",
    "Namespace": "namespaces",
    "Endpoints": "endpoints",
    "Role": "roles",
    "RoleBinding": "rolebindings",
}
DEPLOYER_RULES = [
    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["patch"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create"]},
]
"""What the "deployer" may do besides reading: roll a Deployment back and say so in an
Event; not write its ReplicaSets (where the records go)."""
SIM_KUBECTL = "1.33"
"""The kubectl the simulated cluster is checked with (the real one uses the kubectl built with
it)."""


def namespaced_kubeconfig(source: str, namespace: str, target: Path) -> str:
    """A copy of a kubeconfig whose contexts all default to `namespace`."""
    import yaml

    doc = yaml.safe_load(Path(source).read_text())
    for ctx in doc.get("contexts") or []:
        ctx.setdefault("context", {})["namespace"] = namespace
    target.write_text(yaml.safe_dump(doc))
    target.chmod(0o600)
    return str(target)


@contextlib.contextmanager
def running_clock(sim: Any, begin_when: Callable[[], bool] | None = None) -> Iterator[None]:
    """Move a simulated cluster's clock in the background (2 s steps) while the block runs;
    with `begin_when`, only once that holds (checked every 10 ms)."""
    stop = threading.Event()

    def tick() -> None:
        while begin_when is not None and not stop.is_set() and not begin_when():
            time.sleep(0.01)
        while not stop.is_set():
            sim.advance(2)
            time.sleep(0.005)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


class TestCluster:
    """What both clusters offer a test (see the module docstring)."""

    name: str
    namespace: str
    kubeconfig: str
    workdir: Path

    def get(self, plural: str, name: str) -> Obj | None:
        raise NotImplementedError

    def list(self, plural: str, selector: str | None = None) -> list[Obj]:
        raise NotImplementedError

    def apply(self, obj: Obj) -> Obj:
        raise NotImplementedError

    def wait_for(self, predicate: Callable[[], Any], what: str, timeout: float = 120) -> Any:
        raise NotImplementedError

    @contextlib.contextmanager
    def clock(self, begin_when: Callable[[], bool] | None = None) -> Iterator[None]:
        """Let time pass while the block runs (a real cluster's always does); on the
        simulated one, with `begin_when`, only once that holds."""
        yield

    def kubectl(self) -> Kubectl:
        raise NotImplementedError

    def kubeconfig_as(self, user: str) -> str:
        """A kubeconfig (this namespace) whose current context is `user` (admin, admin-cert,
        viewer); "deployer": the viewer, granted DEPLOYER_RULES in this namespace."""
        raise NotImplementedError

    def must(self, plural: str, name: str) -> Obj:
        obj = self.get(plural, name)
        assert obj is not None, f"{plural}/{name} does not exist in {self.namespace}"
        return obj

    def _fill(self, obj: Obj) -> Obj:
        obj = json.loads(json.dumps(obj))
        if obj.get("kind") != "Namespace":
            obj.setdefault("metadata", {})["namespace"] = self.namespace
        return obj


class SimTestCluster(TestCluster):
    name = "sim"

    def __init__(self, running: RunningCluster, namespace: str, workdir: Path) -> None:
        self.running = running
        self.sim = running.cluster
        self.namespace = namespace
        self.workdir = workdir
        self.sim.apply_object(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
        )
        self.kubeconfig = namespaced_kubeconfig(
            running.kubeconfig, namespace, workdir / "kubeconfig"
        )

    def get(self, plural: str, name: str) -> Obj | None:
        from kubectl_rollback.sim.errors import ApiError

        try:
            return self.sim.get(
                plural,
                None if plural == "namespaces" else self.namespace,
                name,
                GROUPS.get(plural, ""),
            )
        except (ApiError, KeyError):
            return None

    def list(self, plural: str, selector: str | None = None) -> list[Obj]:
        return self.sim.list(plural, self.namespace, selector, GROUPS.get(plural, ""))

    def apply(self, obj: Obj) -> Obj:
        return self.sim.apply_object(self._fill(obj))

    def wait_for(self, predicate: Callable[[], Any], what: str, timeout: float = 120) -> Any:
        # `timeout` is in cluster seconds: the simulated clock jumps, so it costs no wall time.
        result: list[Any] = []

        def holds() -> bool:
            value = predicate()
            if value:
                result.append(value)
            return bool(value)

        if not self.sim.run_until(holds, max_seconds=max(timeout, 600)):
            raise AssertionError(f"{what}: not so after {max(timeout, 600):.0f} simulated seconds")
        return result[-1]

    def clock(
        self, begin_when: Callable[[], bool] | None = None
    ) -> contextlib.AbstractContextManager[None]:
        return running_clock(self.sim, begin_when)

    def kubectl(self) -> Kubectl:
        return kubectl_or_skip(SIM_KUBECTL, self.kubeconfig, self.workdir / "kubectl-cache")

    def kubeconfig_as(self, user: str) -> str:
        """The simulated cluster has one user: "viewer" makes it read-only from now on (for every
        client)."""
        if user in ("viewer", "deployer"):
            granted = DEPLOYER_RULES if user == "deployer" else []

            def authorizer(
                verb: str, group: str, plural: str, namespace: str | None, name: str | None
            ) -> bool:
                return verb in ("get", "list", "watch") or any(
                    group in rule["apiGroups"]
                    and plural in rule["resources"]
                    and verb in rule["verbs"]
                    and namespace == self.namespace
                    for rule in granted
                )

            self.sim.user = "viewer"
            self.sim.authorizer = authorizer
        elif user not in ("admin", "admin-cert"):
            raise ValueError(f"no user {user} on the simulated cluster")
        return self.kubeconfig


class RealTestCluster(TestCluster):
    name = "real"

    def __init__(self, cp: control_plane.ControlPlane, namespace: str, workdir: Path) -> None:
        self.cp = cp
        self.namespace = namespace
        self.workdir = workdir
        self.kubeconfig = namespaced_kubeconfig(
            str(cp.kubeconfig), namespace, workdir / "kubeconfig"
        )
        self._ssl = ssl.create_default_context(cafile=str(cp.creds.path("ca.crt")))
        self.request(
            "POST",
            "/api/v1/namespaces",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        )

    # ---- REST, as admin
    def request(
        self,
        method: str,
        path: str,
        body: Obj | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, Obj]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.cp.server + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.cp.creds.admin_token}",
                "Content-Type": content_type,
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(req, context=self._ssl, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                return exc.code, json.loads(payload)
            except ValueError:
                return exc.code, {"message": payload.decode(errors="replace")}

    def path(self, plural: str, name: str | None = None) -> str:
        group = GROUPS.get(plural)
        base = f"/apis/{group}/v1" if group else "/api/v1"
        if plural != "namespaces":
            base += f"/namespaces/{self.namespace}"
        base += f"/{plural}"
        return base + (f"/{quote(name)}" if name else "")

    def get(self, plural: str, name: str) -> Obj | None:
        code, obj = self.request("GET", self.path(plural, name))
        if code == 404:
            return None
        assert code == 200, f"GET {plural}/{name}: {code} {obj.get('message')}"
        return obj

    def list(self, plural: str, selector: str | None = None) -> list[Obj]:
        query = f"?labelSelector={quote(selector)}" if selector else ""
        code, obj = self.request("GET", self.path(plural) + query)
        assert code == 200, f"LIST {plural}: {code} {obj.get('message')}"
        return list(obj.get("items") or [])

    def apply(self, obj: Obj) -> Obj:
        obj = self._fill(obj)
        plural, name = KINDS[obj["kind"]], obj["metadata"]["name"]
        for _ in range(20):  # bounded: a conflict means a controller wrote in between
            existing = self.get(plural, name)
            if existing is None:
                code, out = self.request("POST", self.path(plural), obj)
            else:
                obj["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"]
                code, out = self.request("PUT", self.path(plural, name), obj)
            if code in (200, 201):
                return out
            assert code == 409, f"apply {plural}/{name}: {code} {out.get('message')}"
        raise AssertionError(f"apply {plural}/{name}: conflicts did not stop")

    def wait_for(self, predicate: Callable[[], Any], what: str, timeout: float = 120) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            dead = self.cp.dead()
            assert not dead, f"{what}: the control plane broke: {dead}"
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not so after {timeout:.0f}s")
            time.sleep(0.2)

    def kubectl(self) -> Kubectl:
        return Kubectl(
            self.cp.binaries.kubectl,
            self.cp.version,
            self.kubeconfig,
            self.workdir / "kubectl-cache",
            timeout=60,
        )

    def kubeconfig_as(self, user: str) -> str:
        import yaml

        if user == "deployer":
            user = "viewer"
            meta = {"name": "kubectl-rollback-deployer"}
            self.apply(
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "Role",
                    "metadata": meta,
                    "rules": DEPLOYER_RULES,
                }
            )
            self.apply(
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "RoleBinding",
                    "metadata": meta,
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", **meta},
                    "subjects": [
                        {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "viewer"}
                    ],
                }
            )
            # The authorizer reads roles through an informer: granted once it says so.
            kubectl = self.kubectl()
            self.wait_for(
                lambda: (
                    kubectl.run(
                        "--context",
                        "viewer",
                        "auth",
                        "can-i",
                        "patch",
                        "deployments",
                        "-n",
                        self.namespace,
                    ).stdout.strip()
                    == "yes"
                ),
                "the deployer's role to take effect",
                timeout=30,
            )
        doc = yaml.safe_load(Path(self.kubeconfig).read_text())
        doc["current-context"] = user
        target = self.workdir / f"kubeconfig-{user}"
        target.write_text(yaml.safe_dump(doc))
        target.chmod(0o600)
        return str(target)

    def close(self) -> None:
        self.request("DELETE", f"/api/v1/namespaces/{self.namespace}")


# ----------------------------------------------------------------------- story helpers


def deployment(
    name: str,
    image: str,
    *,
    replicas: int = 3,
    containers: list[Obj] | None = None,
    annotations: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    template_labels: dict[str, str] | None = None,
    **spec: Any,
) -> Obj:
    pod_labels = {"app": name, **(template_labels or {})}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "annotations": annotations or {}, "labels": labels or {}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name, **(template_labels or {})}},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {"containers": containers or [{"name": "app", "image": image}]},
            },
            **spec,
        },
    }


def revision(obj: Obj) -> int:
    return int(
        (obj["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", 0)
    )


def condition(obj: Obj, kind: str) -> Obj:
    return next(
        (c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind), {}
    )


def rollout_complete(d: Obj) -> bool:
    """kubectl rollout status's "successfully rolled out" for a Deployment."""
    s = d.get("status") or {}
    want = d["spec"].get("replicas", 1)
    return (
        s.get("observedGeneration", 0) >= d["metadata"]["generation"]
        and s.get("updatedReplicas", 0) == want
        and s.get("replicas", 0) == want
        and s.get("availableReplicas", 0) == want
    )


def pods_waiting(cluster: TestCluster, selector: str) -> list[str]:
    """The waiting reasons (ImagePullBackOff, CrashLoopBackOff, ...) of the pods matching
    `selector`."""
    reasons = []
    for pod in cluster.list("pods", selector):
        for status in (pod.get("status") or {}).get("containerStatuses") or []:
            reason = ((status.get("state") or {}).get("waiting") or {}).get("reason")
            if reason:
                reasons.append(reason)
    return reasons


def selector_of(obj: Obj) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(obj["spec"]["selector"]["matchLabels"].items()))


def new_replicaset(cluster: TestCluster, name: str) -> Obj | None:
    """The ReplicaSet holding the Deployment's current revision, once the controller made it."""
    d = cluster.must("deployments", name)
    want = revision(d)
    for rs in cluster.list("replicasets", selector_of(d)):
        if revision(rs) == want and want:
            return rs
    return None


def settle_deployment(
    cluster: TestCluster, name: str, *, expect: str = "complete", timeout: float = 120
) -> Obj:
    """Wait until the Deployment's current revision is rolled out, or visibly failing.

    expect: "complete"; "deadline" (Progressing=False ProgressDeadlineExceeded); or a pod
    waiting reason ("ImagePullBackOff", "CrashLoopBackOff") seen on the new revision's pods.
    """

    def settled() -> Obj | None:
        d = cluster.must("deployments", name)
        if (d.get("status") or {}).get("observedGeneration", 0) < d["metadata"]["generation"]:
            return None
        if expect == "complete":
            return d if rollout_complete(d) else None
        if expect == "deadline":
            return (
                d
                if condition(d, "Progressing").get("reason") == "ProgressDeadlineExceeded"
                else None
            )
        rs = new_replicaset(cluster, name)
        if rs is None:
            return None
        hash_ = rs["metadata"]["labels"].get("pod-template-hash")
        return (
            d
            if expect in pods_waiting(cluster, f"{selector_of(d)},pod-template-hash={hash_}")
            else None
        )

    return cluster.wait_for(settled, f"deployment {name} {expect}", timeout)


def roll_out(
    cluster: TestCluster, *objs: Obj, expect: str = "complete", timeout: float = 120
) -> Obj:
    """Apply Deployments together, then wait until each has settled (see settle_deployment)."""
    for obj in objs:
        cluster.apply(obj)
    return [
        settle_deployment(cluster, o["metadata"]["name"], expect=expect, timeout=timeout)
        for o in objs
    ][-1]


def env_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")
