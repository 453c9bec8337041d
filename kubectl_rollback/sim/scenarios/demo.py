"""A shop in namespace `shop` whose workloads show every history rollback cares about.

Deployments (all labelled app=<name>):

- `web`: healthy history of 4 revisions (nginx 1.25.3, 1.25.4, 1.26.0, 1.27.0), each with a
  `kubernetes.io/change-cause`.
- `checkout`: revision 1 (1.8.1) good; revision 2 (`broken-1.9.0`, image never pulls) hit
  ProgressDeadlineExceeded; revision 3 (`crash-1.9.1`, CrashLoopBackOff) is failing now.
  The last successful revision (1) is not the previous one (2). Its Harness-style release
  history is the ConfigMap `harness-release-checkout` (releases 1 Succeeded, 2 Failed,
  3 InProgress).
- `payments`: revisions 1 and 2 good, then paused, then its image set to 2.5.0, not rolled out.
  Revision 1 sets DB_PASSWORD from a literal value; revision 2 reads it from Secret `payments-db`.
- `catalog`: revisionHistoryLimit 3 after 6 rollouts: revisions 1 and 2 are gone.
- `cart`: a single revision.
- `search`: Recreate strategy, 2 revisions.
- `orders`: deployed by a pipeline that runs `kubectl rollback guard` after every deploy, so
  its history carries the guard's records: revisions 1 (1.0.0) and 2 (1.1.0) recorded as
  succeeded after settling 30 s; revision 3 (`flaky-1.2.0`: Ready, then crash-looping)
  recorded as failed while settling and rolled back by the guard to 1.1.0 (revision 2 is now
  4, recorded again). Compare `history deploy/orders` with `history deploy/web`, whose older
  revisions have no evidence.

Also StatefulSet `db` (3 ControllerRevisions), DaemonSet `node-agent` (2), Services `web`,
`checkout`, `payments`, ConfigMap `shop-config` (used via envFrom).

Blue/green (Harness style, see scenarios/bluegreen.py): Services `storefront` (primary) and
`storefront-stage`, Deployments `storefront-blue` (2.3.0, healthy) and `storefront-green`
(`crash-2.4.0`); the last release swapped primary and stage, so `storefront` routes to the
crashing green pods until `kubectl rollback svc/storefront` routes it back to blue.

The history spans about nine simulated days. The build first turns the clock back by that span,
so the scenario ends at the moment the cluster was created: ages look real to kubectl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..clock import rfc3339
from ..resources import BY_KIND
from ..store import clone
from .bluegreen import harness_deploy_green, harness_pair, harness_swap

if TYPE_CHECKING:
    from ..cluster import SimCluster

NAMESPACE = "shop"
CHANGE_CAUSE = "kubernetes.io/change-cause"
HOUR = 3600.0
ROLLOUT_SECONDS = 60.0
"""Simulated time given to a healthy rollout (pods start in 2 s; a few steps each)."""

REGISTRY = "registry.example.com/shop"
REVISION = "deployment.kubernetes.io/revision"
RECORD = "kubectl-rollback.io/"
SETTLED = 'deployment "orders" successfully rolled out; complete and Ready for 30s'
ORDERS = f"{REGISTRY}/orders"


def _container(name: str, image: str, port: int, **extra: Any) -> dict[str, Any]:
    container = {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": port}],
        "envFrom": [{"configMapRef": {"name": "shop-config"}}],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": "256Mi"},
        },
    }
    container.update(extra)
    return container


def _deployment(
    name: str,
    container: dict[str, Any],
    *,
    replicas: int = 3,
    cause: str | None = None,
    extra_labels: dict[str, str] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    labels = {"app": name}
    meta: dict[str, Any] = {
        "name": name,
        "namespace": NAMESPACE,
        "labels": {**labels, "app.kubernetes.io/part-of": "shop", **(extra_labels or {})},
    }
    if cause:
        meta["annotations"] = {CHANGE_CAUSE: cause}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
            **spec,
        },
    }


def _release_history(releases: list[tuple[int, str, int]]) -> str:
    """Harness's legacy `releaseHistory`: a YAML list of releases (written without PyYAML)."""
    lines = []
    for number, status, revision in releases:
        lines += [
            f"- number: {number}",
            f"  status: {status}",
            "  resources:",
            f"  - {NAMESPACE}/Deployment/checkout",
            f"  - {NAMESPACE}/Service/checkout",
            "  managedWorkloads:",
            "  - workload: Deployment/checkout",
            f"    revision: {revision}",
        ]
    return "\n".join(lines) + "\n"


class _Story:
    """Drives the cluster the way a user with kubectl would, with time passing in between."""

    def __init__(self, cluster: SimCluster) -> None:
        self.cluster = cluster
        self.store = cluster.store

    def create(self, obj: dict[str, Any]) -> None:
        self.store.create(BY_KIND[obj["kind"]], obj)
        self.cluster.settle()

    def wait(self, seconds: float) -> None:
        self.cluster.advance(seconds)

    def change(self, kind: str, name: str, edit: Any) -> None:
        self.store.mutate(BY_KIND[kind], NAMESPACE, name, edit)
        self.cluster.settle()

    def set_image(
        self, kind: str, name: str, image: str, cause: str | None = None, **container_fields: Any
    ) -> None:
        """`kubectl set image` (plus `kubectl annotate` of the change-cause, in one write)."""

        def edit(obj: dict[str, Any]) -> None:
            container = obj["spec"]["template"]["spec"]["containers"][0]
            container["image"] = image
            for key, value in container_fields.items():
                if value is None:
                    container.pop(key, None)
                else:
                    container[key] = clone(value)
            if cause:
                obj["metadata"].setdefault("annotations", {})[CHANGE_CAUSE] = cause

        self.change(kind, name, edit)

    def guard_record(self, name: str, outcome: str, reason: str, settled: int | None) -> None:
        """What `kubectl rollback guard` writes on the current ReplicaSet once it judged the
        rollout (the annotations README.md documents)."""
        deployment = self.store.get(BY_KIND["Deployment"], NAMESPACE, name)
        revision = deployment["metadata"]["annotations"][REVISION]
        current = next(
            rs
            for rs in self.cluster.list("replicasets", NAMESPACE, f"app={name}", "apps")
            if rs["metadata"]["annotations"].get(REVISION) == revision
        )
        rs_name = current["metadata"]["name"]

        def edit(obj: dict[str, Any]) -> None:
            annotations = obj["metadata"].setdefault("annotations", {})
            annotations.update(
                {
                    RECORD + "outcome": outcome,
                    RECORD + "outcome-reason": reason,
                    RECORD + "outcome-at": rfc3339(self.cluster.clock.now()),
                    RECORD + "outcome-by": "guard",
                    RECORD + "outcome-replicaset": rs_name,
                }
            )
            if settled is not None:
                annotations[RECORD + "outcome-settled"] = str(settled)
            else:
                annotations.pop(RECORD + "outcome-settled", None)

        self.store.mutate(BY_KIND["ReplicaSet"], NAMESPACE, rs_name, edit)

    def set_release_history(self, releases: list[tuple[int, str, int]]) -> None:
        def edit(obj: dict[str, Any]) -> None:
            obj["data"]["releaseHistory"] = _release_history(releases)

        self.change("ConfigMap", "harness-release-checkout", edit)


def build(cluster: SimCluster) -> None:
    story = _Story(cluster)
    steps = _steps(story)
    span = sum(gap for gap, _ in steps)
    cluster.clock.advance(-span)  # end the history at the moment the cluster was created
    for gap, step in steps:
        step()
        story.wait(gap)


def _steps(story: _Story) -> list[tuple[float, Any]]:
    """(time to let pass after it, step) in the order they happen."""
    return [
        (ROLLOUT_SECONDS, lambda: _foundation(story)),
        (20 * HOUR, lambda: _workloads(story)),
        (
            0.0,
            lambda: harness_pair(
                story.cluster, NAMESPACE, "storefront", f"{REGISTRY}/storefront:2.3.0"
            ),
        ),
        (
            ROLLOUT_SECONDS,
            lambda: _web_and_orders_upgraded(story),
        ),
        (
            6 * HOUR,
            lambda: _orders_recorded_catalog_upgraded(story),
        ),
        (
            ROLLOUT_SECONDS,
            lambda: _db_and_orders_upgraded(story),
        ),
        (ROLLOUT_SECONDS, lambda: _orders_rolled_back(story)),
        (
            8 * HOUR - 2 * ROLLOUT_SECONDS,
            lambda: story.guard_record("orders", "succeeded", SETTLED, 30),
        ),
        (
            14 * HOUR,
            lambda: story.set_image(
                "Deployment",
                "payments",
                f"{REGISTRY}/payments:2.4.0",
                "payments 2.4.0: secrets from Secret",
                env=[
                    {
                        "name": "DB_PASSWORD",
                        "valueFrom": {"secretKeyRef": {"name": "payments-db", "key": "password"}},
                    }
                ],
            ),
        ),
        (9 * HOUR, lambda: story.set_image("Deployment", "catalog", f"{REGISTRY}/catalog:1.2.0")),
        (
            5 * HOUR,
            lambda: story.set_image("Deployment", "web", "nginx:1.26.0", "upgrade nginx to 1.26.0"),
        ),
        (11 * HOUR, lambda: story.set_image("Deployment", "search", f"{REGISTRY}/search:3.3.0")),
        (7 * HOUR, lambda: story.set_image("Deployment", "catalog", f"{REGISTRY}/catalog:1.3.0")),
        (
            16 * HOUR,
            lambda: story.set_image(
                "DaemonSet", "node-agent", "registry.example.com/platform/node-agent:0.9.1"
            ),
        ),
        (6 * HOUR, lambda: story.set_image("Deployment", "catalog", f"{REGISTRY}/catalog:1.4.0")),
        (10 * HOUR, lambda: story.set_image("StatefulSet", "db", "postgres:16.1")),
        (
            13 * HOUR,
            lambda: story.set_image("Deployment", "web", "nginx:1.27.0", "upgrade nginx to 1.27.0"),
        ),
        (8 * HOUR, lambda: story.set_image("Deployment", "catalog", f"{REGISTRY}/catalog:1.5.0")),
        (15 * 60.0, lambda: _checkout_broken(story)),
        (5 * HOUR, lambda: _checkout_failed(story)),
        (18 * HOUR, lambda: _payments_paused(story)),
        (
            10.0,
            lambda: harness_deploy_green(
                story.cluster, NAMESPACE, "storefront", f"{REGISTRY}/storefront:crash-2.4.0"
            ),
        ),
        (0.0, lambda: harness_swap(story.cluster, NAMESPACE, "storefront")),
        (20 * 60.0, lambda: _checkout_crash(story)),
    ]


def _foundation(story: _Story) -> None:
    story.create(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": NAMESPACE, "labels": {"team": "shop"}},
        }
    )
    story.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "shop-config", "namespace": NAMESPACE},
            "data": {
                "LOG_LEVEL": "info",
                "CURRENCY": "EUR",
                "CATALOG_URL": "http://catalog.shop.svc:8080",
            },
        }
    )
    story.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "payments-db", "namespace": NAMESPACE},
            "type": "Opaque",
            "data": {"password": "ZGVtby1wYXNzd29yZA=="},
        }
    )
    for name, port in (("web", 80), ("checkout", 8080), ("payments", 8080)):
        story.create(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": name}},
                "spec": {
                    "selector": {"app": name},
                    "ports": [{"name": "http", "port": 80, "targetPort": port}],
                },
            }
        )


def _workloads(story: _Story) -> None:
    story.create(
        _deployment(
            "web", _container("nginx", "nginx:1.25.3", 80), cause="initial release: nginx 1.25.3"
        )
    )
    story.create(
        _deployment(
            "orders",
            _container("orders", f"{ORDERS}:1.0.0", 8080),
            replicas=2,
            cause="orders 1.0.0",
        )
    )
    # Harness labels the workloads it deploys; its release history is the ConfigMap below.
    story.create(
        _deployment(
            "checkout",
            _container("checkout", f"{REGISTRY}/checkout:1.8.1", 8080),
            extra_labels={"harness.io/release-name": "checkout"},
        )
    )
    story.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "harness-release-checkout",
                "namespace": NAMESPACE,
                "labels": {"owner": "harness"},
            },
            "data": {"releaseHistory": _release_history([(1, "Succeeded", 1)])},
        }
    )
    story.create(
        _deployment(
            "payments",
            _container(
                "payments",
                f"{REGISTRY}/payments:2.3.0",
                8080,
                env=[{"name": "DB_PASSWORD", "value": "s3cr3t-demo"}],
            ),
            replicas=2,
            cause="payments 2.3.0",
        )
    )
    story.create(
        _deployment(
            "catalog",
            _container("catalog", f"{REGISTRY}/catalog:1.0.0", 8080),
            replicas=2,
            revisionHistoryLimit=3,
        )
    )
    story.create(
        _deployment("cart", _container("cart", f"{REGISTRY}/cart:4.2.0", 8080), replicas=2)
    )
    story.create(
        _deployment(
            "search",
            _container("search", f"{REGISTRY}/search:3.2.0", 9200),
            replicas=2,
            strategy={"type": "Recreate"},
        )
    )
    story.create(
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": NAMESPACE, "labels": {"app": "db"}},
            "spec": {
                "replicas": 3,
                "serviceName": "db",
                "selector": {"matchLabels": {"app": "db"}},
                "template": {
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "postgres",
                                "image": "postgres:15.4",
                                "ports": [{"name": "postgres", "containerPort": 5432}],
                                "env": [
                                    {
                                        "name": "POSTGRES_PASSWORD",
                                        "valueFrom": {
                                            "secretKeyRef": {
                                                "name": "payments-db",
                                                "key": "password",
                                            }
                                        },
                                    }
                                ],
                            }
                        ]
                    },
                },
            },
        }
    )
    story.create(
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {
                "name": "node-agent",
                "namespace": NAMESPACE,
                "labels": {"app": "node-agent"},
            },
            "spec": {
                "selector": {"matchLabels": {"app": "node-agent"}},
                "template": {
                    "metadata": {"labels": {"app": "node-agent"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "agent",
                                "image": "registry.example.com/platform/node-agent:0.9.0",
                            }
                        ]
                    },
                },
            },
        }
    )


def _web_and_orders_upgraded(story: _Story) -> None:
    story.set_image("Deployment", "web", "nginx:1.25.4", "upgrade nginx to 1.25.4 (CVE fixes)")
    story.guard_record("orders", "succeeded", SETTLED, 30)
    story.set_image("Deployment", "orders", f"{ORDERS}:1.1.0", "orders 1.1.0")


def _orders_recorded_catalog_upgraded(story: _Story) -> None:
    story.guard_record("orders", "succeeded", SETTLED, 30)
    story.set_image("Deployment", "catalog", f"{REGISTRY}/catalog:1.1.0")


def _db_and_orders_upgraded(story: _Story) -> None:
    story.set_image("StatefulSet", "db", "postgres:15.5")
    story.set_image("Deployment", "orders", f"{ORDERS}:flaky-1.2.0", "orders 1.2.0")


def _orders_rolled_back(story: _Story) -> None:
    """The guard saw 1.2.0 complete, then crash while settling: failure recorded, rolled back."""
    story.guard_record(
        "orders",
        "failed",
        "was complete and Ready, then 2 pods in CrashLoopBackOff after 17s (--settle 30s)",
        None,
    )
    story.set_image(
        "Deployment",
        "orders",
        f"{ORDERS}:1.1.0",
        f"kubectl-rollback: rolled back from revision 3 ({ORDERS}:flaky-1.2.0) to revision 2 "
        f"({ORDERS}:1.1.0) by guard",
    )


def _checkout_broken(story: _Story) -> None:
    story.set_image("Deployment", "checkout", f"{REGISTRY}/checkout:broken-1.9.0")
    story.set_release_history([(1, "Succeeded", 1), (2, "InProgress", 2)])


def _checkout_failed(story: _Story) -> None:
    """The pipeline gave up on release 2 after the progress deadline (the clock is past it)."""
    story.set_release_history([(1, "Succeeded", 1), (2, "Failed", 2)])


def _payments_paused(story: _Story) -> None:
    story.change("Deployment", "payments", lambda d: d["spec"].update(paused=True))
    story.set_image("Deployment", "payments", f"{REGISTRY}/payments:2.5.0", "payments 2.5.0")


def _checkout_crash(story: _Story) -> None:
    story.set_image("Deployment", "checkout", f"{REGISTRY}/checkout:crash-1.9.1")
    story.set_release_history([(1, "Succeeded", 1), (2, "Failed", 2), (3, "InProgress", 3)])
