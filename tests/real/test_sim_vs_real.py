"""The simulated cluster held to the real one: the same scripted stories on both, compared after
each step.

Each story drives both clusters with the real kubectl (apply, set image, set env, patch,
scale, rollout undo) and with `kubectl rollback`, waits until both have settled, then
compares normalised objects: uids, timestamps, resourceVersions and managedFields dropped;
generated hashes mapped to H1, H2, ... in revision order, so names compare too. What is
compared: Deployment/ReplicaSet/ControllerRevision specs, revision annotations, generation
and conditions, pod counts and phases, and the text of `kubectl get` and `kubectl rollout
history`. Deliberate differences are listed in kubectl_rollback/sim/README.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kubectl_rollback.core.evidence import OUTCOME_AT_ANNOTATION
from kubectl_rollback.sim import run_cluster
from kubectl_rollback.sim.scenarios.bluegreen import COLOR, PRIMARY, STAGE, service, side
from tests.cli.cli_support import CliResult
from tests.clusters import (
    RealTestCluster,
    SimTestCluster,
    TestCluster,
    deployment,
    revision,
    selector_of,
    settle_deployment,
)

pytestmark = [pytest.mark.real, pytest.mark.xdist_group("real"), pytest.mark.kubectl]

NEWER_DEFAULTS = {
    # The simulated cluster follows the newest Kubernetes; defaults older servers do not set
    # are not differences there. Seen on v1.37.2, absent on v1.34.4 (MaxUnavailableStatefulSet).
    ".spec.updateStrategy.rollingUpdate.maxUnavailable": 37,
}

DROP_META = (
    "uid",
    "creationTimestamp",
    "resourceVersion",
    "managedFields",
    "selfLink",
    "deletionGracePeriodSeconds",
)


class Pair:
    """The two clusters of one story, and the hash -> H<n> maps that make names comparable."""

    def __init__(
        self,
        sim: SimTestCluster,
        real: RealTestCluster,
        rollback: Callable[[TestCluster, list[str]], CliResult],
    ) -> None:
        self.sim, self.real = sim, real
        self.both = (sim, real)
        self._rollback = rollback

    def kubectl(self, *args: str, input: str | None = None) -> None:
        for c in self.both:
            out = c.kubectl().run(*args, input=input)
            assert out.returncode == 0, f"{c.name}: kubectl {' '.join(args)}: {out.stderr}"

    def rollback(self, *args: str) -> None:
        for c in self.both:
            result = self._rollback(c, list(args))
            assert result.code == 0, f"{c.name}: kubectl rollback {' '.join(args)}: {result.err}"

    def settle(self, settled: Callable[[TestCluster], bool], what: str) -> None:
        """Wait until `settled` holds on both clusters."""
        for c in self.both:
            c.wait_for(lambda c=c: settled(c), f"{c.name}: {what}")

    def apply(self, obj: dict[str, Any]) -> None:
        self.kubectl("apply", "-f", "-", input=json.dumps(obj))

    def compare(self, step: str, view: Callable[[TestCluster], Any]) -> None:
        mine, theirs = view(self.sim), view(self.real)
        minor = int(self.real.cp.version.split(".")[1])
        differences = [
            d
            for d in diff(mine, theirs)
            if not any(
                d.split(":")[0].endswith(path) and minor < since
                for path, since in NEWER_DEFAULTS.items()
            )
        ]
        assert not differences, (
            f"after {step!r}, the simulated cluster differs from the real one "
            "(path: sim | real):\n" + "\n".join(differences[:40])
        )


def diff(a: Any, b: Any, path: str = "") -> Any:
    """Each difference between two JSON values, as `path: a | b`."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                left = json.dumps(a.get(key, "<absent>"))[:150]
                right = json.dumps(b.get(key, "<absent>"))[:150]
                yield f"{path}.{key}: {left} | {right}"
            else:
                yield from diff(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from diff(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: {json.dumps(a)[:150]} | {json.dumps(b)[:150]}"


def hash_map(cluster: TestCluster, owner: str, plural: str) -> dict[str, str]:
    """Generated hash -> H<revision>: ReplicaSets (pod-template-hash) or ControllerRevisions."""
    out: dict[str, str] = {}
    if plural == "replicasets":
        d = cluster.must("deployments", owner)
        for rs in cluster.list("replicasets", selector_of(d)):
            out[rs["metadata"]["labels"]["pod-template-hash"]] = f"H{revision(rs)}"
    else:
        for cr in cluster.list("controllerrevisions", f"app={owner}"):
            out[cr["metadata"]["name"].rsplit("-", 1)[1]] = f"H{cr['revision']}"
    return out


def scrub(value: Any, hashes: dict[str, str]) -> Any:
    # Our records name the kubeconfig's user, "sim" on one cluster and "admin" on the other.
    text = re.sub(r" by (sim|admin)\b", " by USER", json.dumps(value, sort_keys=True))
    for h, label in sorted(hashes.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(h, label)
    return json.loads(text)


def normal_meta(meta: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in meta.items() if k not in DROP_META and k != "namespace"}
    meta.pop("ownerReferences", None) if not meta.get("ownerReferences") else meta.update(
        ownerReferences=[
            {k: v for k, v in o.items() if k != "uid"} for o in meta["ownerReferences"]
        ]
    )
    annotations = {
        # When our record was written is the time the command ran: the two clusters' runs
        # are made one after the other, sometimes across a second's boundary.
        k: "<when the command ran>" if k == OUTCOME_AT_ANNOTATION else v
        for k, v in (meta.get("annotations") or {}).items()
        if k != "kubectl.kubernetes.io/last-applied-configuration"
    }
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    if not meta.get("labels"):
        meta.pop("labels", None)
    return meta


def conditions(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(
        (
            {k: c.get(k) for k in ("type", "status", "reason", "message")}
            for c in (obj.get("status") or {}).get("conditions") or []
        ),
        key=lambda c: c["type"],
    )


def deployment_view(name: str) -> Callable[[TestCluster], Any]:
    def view(c: TestCluster) -> Any:
        d = c.must("deployments", name)
        hashes = hash_map(c, name, "replicasets")
        status = d.get("status") or {}
        rss = []
        for rs in c.list("replicasets", selector_of(d)):
            # A ReplicaSet's generation counts the controller's scaling steps, which depend on
            # when each pod got Ready (real time on one cluster, one instant on the other).
            rss.append(
                {
                    "metadata": {
                        k: v for k, v in normal_meta(rs["metadata"]).items() if k != "generation"
                    },
                    "spec": rs["spec"],
                    "status": {
                        k: rs.get("status", {}).get(k, 0)
                        for k in ("replicas", "readyReplicas", "availableReplicas")
                    },
                }
            )
        pods: dict[str, list[str]] = {}
        for pod in c.list("pods", selector_of(d)):
            if pod["metadata"].get("deletionTimestamp"):
                continue
            h = pod["metadata"]["labels"].get("pod-template-hash", "")
            pods.setdefault(h, []).append(pod["status"].get("phase", ""))
        return scrub(
            {
                "metadata": normal_meta(d["metadata"]),
                "spec": d["spec"],
                "status": {
                    k: status.get(k, 0)
                    for k in (
                        "observedGeneration",
                        "replicas",
                        "updatedReplicas",
                        "readyReplicas",
                        "availableReplicas",
                        "unavailableReplicas",
                    )
                },
                "conditions": conditions(d),
                "replicasets": sorted(
                    rss,
                    key=lambda r: int(
                        r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                    ),
                ),
                "pods": {h: sorted(p) for h, p in pods.items()},
                "kubectl get": kubectl_text(c, "get", "deployment", name, "-o", "wide"),
                "rollout history": kubectl_text(c, "rollout", "history", f"deployment/{name}"),
            },
            hashes,
        )

    return view


def kubectl_text(c: TestCluster, *args: str) -> list[str]:
    """kubectl's table, the AGE column dropped (it is the only clock-dependent one)."""
    out = c.kubectl().ok(*args)
    rows = [line.split() for line in out.strip().splitlines()]
    if rows and "AGE" in rows[0]:
        i = rows[0].index("AGE")
        rows = [r[:i] + r[i + 1 :] for r in rows]
    return [" ".join(r) for r in rows]


def controller_view(plural: str, name: str) -> Callable[[TestCluster], Any]:
    kind = {"statefulsets": "sts", "daemonsets": "ds"}[plural]

    def view(c: TestCluster) -> Any:
        obj = c.must(plural, name)
        hashes = hash_map(c, name, "controllerrevisions")
        status = obj.get("status") or {}
        keep = (
            (
                "replicas",
                "readyReplicas",
                "currentReplicas",
                "updatedReplicas",
                "currentRevision",
                "updateRevision",
                "observedGeneration",
            )
            if plural == "statefulsets"
            else (
                "desiredNumberScheduled",
                "currentNumberScheduled",
                "numberReady",
                "updatedNumberScheduled",
                "numberAvailable",
                "observedGeneration",
            )
        )
        revisions = [
            {"metadata": normal_meta(r["metadata"]), "revision": r["revision"], "data": r["data"]}
            for r in c.list("controllerrevisions", f"app={name}")
        ]
        pods = sorted(
            (
                p["metadata"]["name"] if plural == "statefulsets" else "",
                p["spec"]["containers"][0]["image"],
                p["status"].get("phase", ""),
            )
            for p in c.list("pods", f"app={name}")
            if not p["metadata"].get("deletionTimestamp")
        )
        return scrub(
            {
                "metadata": normal_meta(obj["metadata"]),
                "spec": obj["spec"],
                "status": {k: status.get(k) for k in keep},
                "revisions": sorted(revisions, key=lambda r: r["revision"]),
                "pods": pods,
                "rollout history": kubectl_text(c, "rollout", "history", f"{kind}/{name}"),
            },
            hashes,
        )

    return view


@pytest.fixture
def pair(
    control_plane: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> Any:
    from kubectl_rollback.cli.entry import run

    def rollback(c: TestCluster, args: list[str]) -> CliResult:
        monkeypatch.setenv("KUBECONFIG", c.kubeconfig)
        capsys.readouterr()
        code = run(args)
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    namespace = "d-" + re.sub(r"[^a-z0-9]", "", request.node.name.lower())[:40]
    (tmp_path / "sim").mkdir()
    (tmp_path / "real").mkdir()
    with run_cluster("empty", time_scale=0) as running:
        sim = SimTestCluster(running, namespace, tmp_path / "sim")
        real = RealTestCluster(control_plane, namespace, tmp_path / "real")
        try:
            yield Pair(sim, real, rollback)
        finally:
            real.close()


def settle_both(p: Pair, name: str, expect: str = "complete") -> None:
    for c in p.both:
        settle_deployment(c, name, expect=expect)


PRODUCTION = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "shop",
        "labels": {"app": "shop", "tier": "web"},
        "annotations": {"team": "payments"},
    },
    "spec": {
        "replicas": 4,
        "revisionHistoryLimit": 3,
        "progressDeadlineSeconds": 15,
        "selector": {"matchLabels": {"app": "shop"}},
        "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}},
        "template": {
            "metadata": {
                "labels": {"app": "shop"},
                "annotations": {"prometheus.io/scrape": "true"},
            },
            "spec": {
                "initContainers": [
                    {
                        "name": "migrate",
                        "image": "shop:1.0.0",
                        "command": ["migrate"],
                        "resources": {"requests": {"cpu": 0.1, "memory": "64Mi"}},
                    }
                ],
                "containers": [
                    {
                        "name": "app",
                        "image": "shop:1.0.0",
                        "ports": [{"name": "http", "containerPort": 8080}],
                        "env": [
                            {
                                "name": "DB_PASSWORD",
                                "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}},
                            }
                        ],
                        "resources": {
                            "requests": {"cpu": 0.25, "memory": "1Gi"},
                            "limits": {"cpu": "1", "memory": "1024Mi"},
                        },
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
                        "livenessProbe": {"tcpSocket": {"port": 8080}, "initialDelaySeconds": 5},
                        "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
                    },
                    {
                        "name": "sidecar",
                        "image": "envoyproxy/envoy:v1.29.1",
                        "resources": {"requests": {"cpu": "50m", "memory": "0.5Gi"}},
                    },
                ],
                "volumes": [
                    {"name": "cache", "emptyDir": {"sizeLimit": "0.5Gi"}},
                    {"name": "config", "configMap": {"name": "shop", "defaultMode": 420}},
                ],
            },
        },
    },
}


def test_deployment_story(pair: Pair) -> None:
    view = deployment_view("shop")
    pair.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db"},
            "stringData": {"password": "x"},
        }
    )
    pair.apply(PRODUCTION)
    settle_both(pair, "shop")
    pair.compare("apply (production-like template)", view)

    pair.kubectl("set", "image", "deployment/shop", "app=shop:1.1.0")
    settle_both(pair, "shop")
    pair.compare("set image", view)

    pair.kubectl("set", "env", "deployment/shop", "-c", "app", "MODE=fast")
    settle_both(pair, "shop")
    pair.compare("set env", view)

    pair.kubectl(
        "patch",
        "deployment",
        "shop",
        "-p",
        json.dumps(
            {
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [{"name": "app", "resources": {"limits": {"cpu": "1.5"}}}]
                        }
                    }
                }
            }
        ),
    )
    settle_both(pair, "shop")
    pair.compare("strategic-merge patch of a quantity", view)

    pair.kubectl("scale", "deployment/shop", "--replicas=2")
    settle_both(pair, "shop")
    pair.compare("scale", view)

    pair.kubectl("set", "image", "deployment/shop", "app=shop:broken-2")
    settle_both(pair, "shop", "deadline")
    pair.compare("a broken rollout past its deadline", view)

    pair.kubectl("rollout", "undo", "deployment/shop")
    settle_both(pair, "shop")
    pair.compare("rollout undo (reuses the old ReplicaSet; revisionHistoryLimit trims)", view)

    pair.kubectl("set", "image", "deployment/shop", "app=shop:crash-3")
    settle_both(pair, "shop", "CrashLoopBackOff")
    settle_both(pair, "shop", "deadline")
    pair.compare("a crashing rollout past its deadline", view)

    pair.rollback("deploy/shop", "--yes", "--no-wait")
    settle_both(pair, "shop")
    pair.compare("kubectl rollback to the last successful revision", view)

    pair.apply(PRODUCTION)  # re-applying the first template brings revision 1 back by value
    settle_both(pair, "shop")
    pair.compare("re-apply of the first template", view)


def test_statefulset_story(pair: Pair) -> None:
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db"},
        "spec": {
            "replicas": 2,
            "serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {
                    "containers": [
                        {
                            "name": "db",
                            "image": "postgres:15.4",
                            "resources": {"requests": {"memory": "0.25Gi"}},
                        }
                    ]
                },
            },
        },
    }
    view = controller_view("statefulsets", "db")

    def settled(c: TestCluster) -> bool:
        # The new generation observed (else the old status still looks settled), every pod on it.
        sts = c.must("statefulsets", "db")
        s = sts.get("status") or {}
        image = sts["spec"]["template"]["spec"]["containers"][0]["image"]
        pods = c.list("pods", "app=db")
        return (
            s.get("observedGeneration") == sts["metadata"]["generation"]
            and s.get("updateRevision") == s.get("currentRevision")
            and s.get("readyReplicas") == 2
            and len(pods) == 2
            and all(
                p["status"].get("phase") == "Running"
                and p["spec"]["containers"][0]["image"] == image
                for p in pods
            )
        )

    def settle() -> None:
        pair.settle(settled, "statefulset db settled")

    pair.apply(sts)
    settle()
    pair.compare("apply", view)
    pair.kubectl("set", "image", "sts/db", "db=postgres:16.1")
    settle()
    pair.compare("set image", view)
    pair.kubectl("rollout", "undo", "sts/db")
    settle()
    pair.compare("rollout undo", view)
    pair.rollback("sts/db", "--yes", "--no-wait", "--to-revision", "3")
    settle()
    pair.compare("kubectl rollback --to-revision", view)


def test_daemonset_story(pair: Pair) -> None:
    ds = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {
                    "containers": [
                        {
                            "name": "agent",
                            "image": "agent:1.0",
                            "resources": {"limits": {"cpu": 0.5}},
                        }
                    ]
                },
            },
        },
    }
    view = controller_view("daemonsets", "agent")

    def settled(c: TestCluster) -> bool:
        d = c.must("daemonsets", "agent")
        s = d.get("status") or {}
        want = s.get("desiredNumberScheduled", 0)
        image = d["spec"]["template"]["spec"]["containers"][0]["image"]
        pods = [
            p for p in c.list("pods", "app=agent") if not p["metadata"].get("deletionTimestamp")
        ]
        return (
            want > 0
            and s.get("updatedNumberScheduled") == want == s.get("numberAvailable")
            and s.get("observedGeneration") == d["metadata"]["generation"]
            and len(pods) == want
            and all(p["spec"]["containers"][0]["image"] == image for p in pods)
        )

    def settle() -> None:
        pair.settle(settled, "daemonset agent settled")

    pair.apply(ds)
    settle()
    pair.compare("apply", view)
    pair.kubectl("set", "image", "ds/agent", "agent=agent:1.1")
    settle()
    pair.compare("set image", view)
    pair.rollback("ds/agent", "--yes", "--no-wait")
    settle()
    pair.compare("kubectl rollback", view)


def test_service_switch_story(pair: Pair) -> None:
    for c in pair.both:
        ns = c.namespace
        c.apply(service(ns, "web", {"app": "web", COLOR: "blue"}, annotations={PRIMARY: "true"}))
        c.apply(
            service(ns, "web-stage", {"app": "web", COLOR: "green"}, annotations={STAGE: "true"})
        )
        c.apply(side(ns, "web-blue", "web", COLOR, "blue", "nginx:1.25.3", replicas=2))
        c.apply(side(ns, "web-green", "web", COLOR, "green", "nginx:1.26.0", replicas=2))
        settle_deployment(c, "web-blue")
        settle_deployment(c, "web-green")

    def view(c: TestCluster) -> Any:
        out = {}
        for name in ("web", "web-stage"):
            svc = c.must("services", name)
            ep = c.get("endpoints", name) or {}
            ready = sorted(
                a["targetRef"]["name"].rsplit("-", 2)[0]
                for s in ep.get("subsets") or ()
                for a in s.get("addresses") or ()
            )
            spec = {k: v for k, v in svc["spec"].items() if k not in ("clusterIP", "clusterIPs")}
            out[name] = {"metadata": normal_meta(svc["metadata"]), "spec": spec, "endpoints": ready}
        for value in out.values():
            ann = value["metadata"].get("annotations") or {}
            if "kubectl-rollback.io/switch-history" in ann:
                ann["kubectl-rollback.io/switch-history"] = [
                    # `by` is the kubeconfig's user name, which differs by design (sim / admin).
                    {k: v for k, v in h.items() if k not in ("at", "by")}
                    for h in json.loads(ann["kubectl-rollback.io/switch-history"])
                ]
        return out

    def endpoints_follow(c: TestCluster, colour: str) -> bool:
        ep = c.get("endpoints", "web") or {}
        names = [
            a["targetRef"]["name"]
            for s in ep.get("subsets") or ()
            for a in s.get("addresses") or ()
        ]
        return len(names) == 2 and all(n.startswith(f"web-{colour}-") for n in names)

    for c in pair.both:
        c.wait_for(lambda c=c: endpoints_follow(c, "blue"), f"{c.name}: endpoints")
    pair.compare("two sides up", view)
    pair.rollback("svc/web", "--yes", "--to", "green")
    for c in pair.both:
        c.wait_for(
            lambda c=c: endpoints_follow(c, "green"), f"{c.name}: endpoints follow the switch"
        )
    pair.compare("switch to green", view)


QUANTITIES = [
    "0.25",
    0.25,
    "250m",
    "1",
    2,
    "1000m",
    "1000",
    "1.5",
    "0.1234567891",
    "1e3",
    "1.5e3",
    "12e-1",
    "1024Mi",
    "1536Mi",
    "1.5Gi",
    "0.5Ki",
    "1Ki",
    "100Mi",
    "1Gi",
    "0",
    "0Mi",
    "10G",
    "1500k",
    "+1",
    ".5",
    "1500u",
    "0.5Gi",
    "2.5Mi",
    "123456789",
    "0.001",
    "1.0",
    "0.0001",
    "1E3",
    "007",
]


def test_quantities_are_stored_as_the_api_server_stores_them(pair: Pair) -> None:
    containers = [
        {
            "name": f"c{i}",
            "image": "nginx:1.25.3",
            "resources": {"requests": {"cpu": q, "memory": q}, "limits": {"ephemeral-storage": q}},
        }
        for i, q in enumerate(QUANTITIES)
    ]
    d = deployment("quantities", "nginx:1.25.3", replicas=0, containers=containers)
    # A single quantity (not a resource list) is canonicalised but not rounded to milli units.
    d["spec"]["template"]["spec"]["volumes"] = [
        {"name": f"v{i}", "emptyDir": {"sizeLimit": q}} for i, q in enumerate(QUANTITIES)
    ]
    pair.apply(d)

    def view(c: TestCluster) -> Any:
        spec = c.must("deployments", "quantities")["spec"]["template"]["spec"]
        return {
            str(q): [s["resources"], v["emptyDir"]["sizeLimit"]]
            for q, s, v in zip(QUANTITIES, spec["containers"], spec["volumes"], strict=True)
        }

    pair.compare("create with quantities in every form", view)
    assert view(pair.sim)["0.25"][0]["requests"] == {"cpu": "250m", "memory": "250m"}
    assert view(pair.sim)["0.1234567891"][1] == "123456790n"
