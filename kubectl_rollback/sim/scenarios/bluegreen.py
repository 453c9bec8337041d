"""Blue/green groups in namespace `default`: a Harness-style pair after a bad swap, a generic
pair, a broken one.

- Harness style `web`: Services `web` (`harness.io/primary-service: "true"`) and `web-stage`
  (`harness.io/stage-service: "true"`) selecting `app=web, harness.io/color=blue|green`;
  Deployments `web-blue` (nginx:1.25.3, 3 Ready pods) and `web-green` (`nginx:crash-1.27.0`,
  CrashLoopBackOff). The pipeline swapped primary and stage after deploying green: `web` now
  routes to the crashing green pods, `web-stage` to the healthy blue ones. A rapid rollback
  (`kubectl rollback svc/web`) swaps them back.
- Generic `color` style `api`: Service `api` selecting `app=api, color=green`; Deployments
  `api-green` (2 Ready pods, 2.0.0) and `api-blue` (1.9.0, scaled to 0 after the release). Going
  back to blue needs `--scale-up`.
- Half-configured `orders`: Service `orders` selects `app=orders, color=red`, but only
  `orders-blue` and `orders-green` exist: the selector matches nothing. Service `legacy` has no
  selector at all.

The builders (`harness_pair`, `harness_deploy_green`, `harness_swap`) take a namespace and a name so
the demo scenario reuses them for its own group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..resources import BY_KIND

if TYPE_CHECKING:
    from ..cluster import SimCluster

NAMESPACE = "default"
COLOR = "harness.io/color"
PRIMARY = "harness.io/primary-service"
STAGE = "harness.io/stage-service"


def _create(cluster: SimCluster, obj: dict[str, Any]) -> None:
    cluster.store.create(BY_KIND[obj["kind"]], obj)
    cluster.settle()


def _set_selector(cluster: SimCluster, namespace: str, name: str, key: str, value: str) -> None:
    """What a pipeline's "swap" does: change one key of a Service's selector."""

    def edit(obj: dict[str, Any]) -> None:
        obj["spec"]["selector"][key] = value

    cluster.store.mutate(BY_KIND["Service"], namespace, name, edit)
    cluster.settle()


def service(
    namespace: str,
    name: str,
    selector: dict[str, str] | None,
    *,
    port: int = 80,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"ports": [{"name": "http", "port": 80, "targetPort": port}]}
    if selector is not None:
        spec["selector"] = selector
    meta: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "labels": {"app": name.split("-")[0]},
    }
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


def side(
    namespace: str,
    name: str,
    app: str,
    key: str,
    color: str,
    image: str,
    *,
    replicas: int = 3,
    port: int = 80,
) -> dict[str, Any]:
    """A Deployment that is one side of a group: pods labelled app=<app>, <key>=<color>."""
    labels = {"app": app, key: color}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": app,
                            "image": image,
                            "ports": [{"name": "http", "containerPort": port}],
                        }
                    ]
                },
            },
        },
    }


def harness_pair(
    cluster: SimCluster, namespace: str, name: str, image: str, *, replicas: int = 3
) -> None:
    """Harness's first Blue/Green release: `<name>-blue` live behind `<name>`, `<name>-stage`
    idle."""
    _create(
        cluster,
        service(namespace, name, {"app": name, COLOR: "blue"}, annotations={PRIMARY: "true"}),
    )
    _create(
        cluster,
        service(
            namespace, f"{name}-stage", {"app": name, COLOR: "green"}, annotations={STAGE: "true"}
        ),
    )
    _create(cluster, side(namespace, f"{name}-blue", name, COLOR, "blue", image, replicas=replicas))


def harness_deploy_green(
    cluster: SimCluster, namespace: str, name: str, image: str, *, replicas: int = 3
) -> None:
    """The next release deploys `<name>-green` behind the stage Service."""
    _create(
        cluster, side(namespace, f"{name}-green", name, COLOR, "green", image, replicas=replicas)
    )


def harness_swap(cluster: SimCluster, namespace: str, name: str) -> None:
    """Harness's "Swap Primary with Stage" step: the two Services exchange their colours."""
    primary = cluster.store.peek(BY_KIND["Service"], namespace, name)
    stage = cluster.store.peek(BY_KIND["Service"], namespace, f"{name}-stage")
    assert primary is not None and stage is not None
    live, idle = primary["spec"]["selector"][COLOR], stage["spec"]["selector"][COLOR]
    _set_selector(cluster, namespace, name, COLOR, idle)
    _set_selector(cluster, namespace, f"{name}-stage", COLOR, live)


def build(cluster: SimCluster) -> None:
    ns = NAMESPACE
    harness_pair(cluster, ns, "web", "nginx:1.25.3")
    _create(
        cluster,
        side(
            ns,
            "api-blue",
            "api",
            "color",
            "blue",
            "registry.example.com/api:1.9.0",
            replicas=2,
            port=8080,
        ),
    )
    _create(cluster, service(ns, "api", {"app": "api", "color": "blue"}, port=8080))
    _create(
        cluster,
        side(
            ns,
            "orders-blue",
            "orders",
            "color",
            "blue",
            "registry.example.com/orders:3.0.0",
            replicas=1,
            port=8080,
        ),
    )
    _create(
        cluster,
        side(
            ns,
            "orders-green",
            "orders",
            "color",
            "green",
            "registry.example.com/orders:3.1.0",
            replicas=1,
            port=8080,
        ),
    )
    _create(cluster, service(ns, "orders", {"app": "orders", "color": "red"}, port=8080))
    _create(cluster, service(ns, "legacy", None, port=8080))
    cluster.advance(60)
    # api 2.0.0 goes out on green; traffic moves to it; blue is scaled away.
    _create(
        cluster,
        side(
            ns,
            "api-green",
            "api",
            "color",
            "green",
            "registry.example.com/api:2.0.0",
            replicas=2,
            port=8080,
        ),
    )
    cluster.advance(30)
    _set_selector(cluster, ns, "api", "color", "green")
    cluster.store.mutate(
        BY_KIND["Deployment"], ns, "api-blue", lambda d: d["spec"].update(replicas=0)
    )
    cluster.settle()
    harness_deploy_green(cluster, ns, "web", "nginx:crash-1.27.0")
    cluster.advance(10)
    harness_swap(cluster, ns, "web")
    cluster.advance(120)
