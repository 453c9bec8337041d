"""Releases in namespace `shop` with their tools' own records: a Harness release of three
workloads whose last deploy failed, and a Helm release after two upgrades.

- Harness release `release-8f3c2a` (Rolling, legacy history): Deployment `storefront`,
  StatefulSet `orders-db` and DaemonSet `log-agent`, each with the pod-template label
  `harness.io/release-name: release-8f3c2a` (on the pod template only, as Harness puts it),
  deployed three times. Release 1 (storefront 3.1.0, postgres 16.1, fluent-bit 2.2.0) and
  release 2 (storefront 3.2.0, postgres 16.2, log-agent unchanged) Succeeded; release 3
  (storefront `crash-3.3.0`, postgres 16.3, fluent-bit 2.2.2) Failed: its StatefulSet and
  DaemonSet rolled out, `storefront`'s new pods are in CrashLoopBackOff. The history is the
  ConfigMap `release-8f3c2a` (compressed, newest first) written at each step as Harness writes
  it, revisions as `kubectl rollout history` numbered them then: release 3 Failed (storefront
  3, orders-db 3, log-agent 2), release 2 Succeeded (2, 2, 1). Release 1 was dropped by
  release 3's cleanup (Harness deletes the releases older than the last successful one).
- Helm release `payments` (chart payments, Secrets driver): Deployments `payments-api` and
  `payments-worker` and Service `payments-api`, annotated `meta.helm.sh/release-name` and
  `meta.helm.sh/release-namespace` and labelled `app.kubernetes.io/managed-by: Helm`.
  Revision 1 (1.4.0) installed, revision 2 (1.5.0) and revision 3 (api 1.6.0, worker
  `crash-1.6.0`) upgrades, without `--wait`: revision 3 is `deployed` while the worker's new pods
  crash, revisions 1 and 2 `superseded`. Records `sh.helm.release.v1.payments.v1`..`v3`, each
  with the manifest deployed at that revision.

The history spans about five simulated days and ends when the cluster was created.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..clock import rfc3339
from ..release_records import harness_legacy_configmap, helm_secret, legacy_release
from ..resources import BY_KIND
from ..store import clone

if TYPE_CHECKING:
    from ..cluster import SimCluster

NAMESPACE = "shop"
HOUR = 3600.0
REGISTRY = "registry.example.com/shop"

HARNESS_RELEASE = "release-8f3c2a"
HARNESS_LABEL = "harness.io/release-name"
STEADY_STATE_SECONDS = 5 * 60.0
"""How long a healthy release takes to reach steady state (the StatefulSet's ordered pods)."""
STEADY_STATE_TIMEOUT = 10 * 60.0
"""Harness's steady-state check gives up after ten minutes (its step timeout)."""

# Each Harness release: the images of storefront, orders-db and log-agent.
HARNESS_IMAGES: list[tuple[str, str, str]] = [
    (f"{REGISTRY}/storefront:3.1.0", "postgres:16.1", "fluent/fluent-bit:2.2.0"),
    (f"{REGISTRY}/storefront:3.2.0", "postgres:16.2", "fluent/fluent-bit:2.2.0"),
    (f"{REGISTRY}/storefront:crash-3.3.0", "postgres:16.3", "fluent/fluent-bit:2.2.2"),
]
HARNESS_WORKLOADS = [
    ("Deployment", "storefront"),
    ("StatefulSet", "orders-db"),
    ("DaemonSet", "log-agent"),
]
HARNESS_RESOURCES = [
    ("Service", "storefront"),
    ("Service", "orders-db"),
    *HARNESS_WORKLOADS,
]

HELM_RELEASE = "payments"
HELM_CHART = "payments"
# Each Helm revision: chart version, the images of payments-api and payments-worker.
HELM_REVISIONS: list[tuple[str, str, str]] = [
    ("0.4.0", "1.4.0", "1.4.0"),
    ("0.5.0", "1.5.0", "1.5.0"),
    ("0.6.0", "1.6.0", "crash-1.6.0"),
]
HELM_ANNOTATIONS = {
    "meta.helm.sh/release-name": HELM_RELEASE,
    "meta.helm.sh/release-namespace": NAMESPACE,
}
HELM_SOURCES = ["service.yaml", "api-deployment.yaml", "worker-deployment.yaml"]


# ---------------------------------------------------------------- manifests


def _pod_template(app: str, container: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    return {"metadata": {"labels": {"app": app, **labels}}, "spec": {"containers": [container]}}


def _storefront(image: str) -> dict[str, Any]:
    container = {
        "name": "storefront",
        "image": image,
        "ports": [{"name": "http", "containerPort": 8080}],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "storefront", "namespace": NAMESPACE, "labels": {"app": "storefront"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "storefront"}},
            "template": _pod_template("storefront", container, {HARNESS_LABEL: HARNESS_RELEASE}),
        },
    }


def _orders_db(image: str) -> dict[str, Any]:
    container = {
        "name": "postgres",
        "image": image,
        "ports": [{"name": "postgres", "containerPort": 5432}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "orders-db", "namespace": NAMESPACE, "labels": {"app": "orders-db"}},
        "spec": {
            "replicas": 3,
            "serviceName": "orders-db",
            "selector": {"matchLabels": {"app": "orders-db"}},
            "template": _pod_template("orders-db", container, {HARNESS_LABEL: HARNESS_RELEASE}),
        },
    }


def _log_agent(image: str) -> dict[str, Any]:
    container = {"name": "fluent-bit", "image": image}
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "log-agent", "namespace": NAMESPACE, "labels": {"app": "log-agent"}},
        "spec": {
            "selector": {"matchLabels": {"app": "log-agent"}},
            "template": _pod_template("log-agent", container, {HARNESS_LABEL: HARNESS_RELEASE}),
        },
    }


def _service(
    name: str, port: int, *, labels: dict[str, str] | None = None, headless: bool = False
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"app": name},
        "ports": [{"name": "http", "port": 80 if not headless else port, "targetPort": port}],
    }
    if headless:
        spec["clusterIP"] = "None"
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "labels": {"app": name, **(labels or {})},
        },
        "spec": spec,
    }


def harness_manifests(release: int) -> list[dict[str, Any]]:
    """What Harness applies for release `release` (1-based): the Services, then the workloads."""
    web, db, agent = HARNESS_IMAGES[release - 1]
    return [
        _service("storefront", 8080),
        _service("orders-db", 5432, headless=True),
        _storefront(web),
        _orders_db(db),
        _log_agent(agent),
    ]


def _helm_labels(app: str, chart_version: str, app_version: str) -> dict[str, str]:
    """The chart's standard labels (its `_helpers.tpl`)."""
    return {
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/instance": HELM_RELEASE,
        "app.kubernetes.io/version": app_version,
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": f"{HELM_CHART}-{chart_version}",
    }


def _helm_deployment(
    name: str, image: str, chart_version: str, app_version: str, replicas: int
) -> dict[str, Any]:
    selector = {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": HELM_RELEASE}
    container: dict[str, Any] = {
        "name": name.removeprefix("payments-"),
        "image": f"{REGISTRY}/{name}:{image}",
        "env": [{"name": "PAYMENTS_DB_HOST", "value": "orders-db.shop.svc"}],
    }
    if name == "payments-api":
        container["ports"] = [{"name": "http", "containerPort": 8080}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "labels": _helm_labels(name, chart_version, app_version),
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector},
            "template": {"metadata": {"labels": selector}, "spec": {"containers": [container]}},
        },
    }


def helm_manifests(revision: int) -> list[dict[str, Any]]:
    """The chart rendered for Helm revision `revision`, in Helm's install order."""
    chart_version, api, worker = HELM_REVISIONS[revision - 1]
    service: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "payments-api",
            "namespace": NAMESPACE,
            "labels": _helm_labels("payments-api", chart_version, api),
        },
        "spec": {
            "selector": {
                "app.kubernetes.io/name": "payments-api",
                "app.kubernetes.io/instance": HELM_RELEASE,
            },
            "ports": [{"name": "http", "port": 80, "targetPort": 8080}],
        },
    }
    return [
        service,
        _helm_deployment("payments-api", api, chart_version, api, 2),
        _helm_deployment("payments-worker", worker, chart_version, api, 1),
    ]


# ---------------------------------------------------------------- the tools


def _apply(
    cluster: SimCluster,
    obj: dict[str, Any],
    annotations: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> None:
    """`kubectl apply` of one manifest: create it, or change its spec, labels and annotations
    (`annotations` and `labels` are added to the object's own)."""
    manifest = clone(obj)
    meta = manifest["metadata"]
    if annotations:
        meta.setdefault("annotations", {}).update(annotations)
    if labels:
        meta.setdefault("labels", {}).update(labels)
    rt = BY_KIND[manifest["kind"]]
    if cluster.store.peek(rt, NAMESPACE, meta["name"]) is None:
        cluster.store.create(rt, manifest)
    else:

        def edit(live: dict[str, Any]) -> None:
            live["spec"] = clone(manifest["spec"])
            for key in ("labels", "annotations"):
                if meta.get(key):
                    live["metadata"].setdefault(key, {}).update(meta[key])

        cluster.store.mutate(rt, NAMESPACE, meta["name"], edit)
    cluster.settle()


def _latest_revision(cluster: SimCluster, kind: str, name: str) -> int:
    """What `kubectl rollout history <kind>/<name>` lists last (Harness's getLatestRevision)."""
    live = cluster.store.get(BY_KIND[kind], NAMESPACE, name)
    if kind == "Deployment":
        return int(live["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
    uid = live["metadata"]["uid"]
    return max(
        int(cr["revision"])
        for cr in cluster.store.all_of(BY_KIND["ControllerRevision"], NAMESPACE)
        if any(ref.get("uid") == uid for ref in cr["metadata"].get("ownerReferences") or ())
    )


class _Harness:
    """A Harness Rolling deployment of the release, with its legacy history ConfigMap."""

    def __init__(self, cluster: SimCluster) -> None:
        self.cluster = cluster
        self.releases: list[dict[str, Any]] = []

    def _save(self) -> None:
        record = harness_legacy_configmap(HARNESS_RELEASE, NAMESPACE, self.releases)
        rt = BY_KIND["ConfigMap"]
        if self.cluster.store.peek(rt, NAMESPACE, HARNESS_RELEASE) is None:
            self.cluster.store.create(rt, record)
        else:

            def edit(live: dict[str, Any]) -> None:
                live["data"] = record["data"]

            self.cluster.store.mutate(rt, NAMESPACE, HARNESS_RELEASE, edit)
        self.cluster.settle()

    def _record(self, number: int, status: str) -> dict[str, Any]:
        revisions = [
            (kind, name, _latest_revision(self.cluster, kind, name))
            for kind, name in HARNESS_WORKLOADS
        ]
        return legacy_release(number, status, NAMESPACE, revisions, resources=HARNESS_RESOURCES)

    def _set(self, release: dict[str, Any]) -> None:
        self.releases = [r for r in self.releases if r["number"] != release["number"]]
        self.releases.insert(0, release)
        self._save()

    def deploy(self, number: int) -> None:
        """Cleanup, then the release InProgress, apply, the release saved with its revisions."""
        succeeded = [r["number"] for r in self.releases if r["status"] == "Succeeded"]
        last_successful = max(succeeded, default=0)
        self.releases = [
            r for r in self.releases if r["number"] >= last_successful and r["status"] != "Failed"
        ]
        self._set(legacy_release(number, "InProgress", NAMESPACE, [], resources=[]))
        for manifest in harness_manifests(number):
            _apply(self.cluster, manifest)
        self._set(self._record(number, "InProgress"))

    def finish(self, number: int, status: str) -> None:
        """After the steady-state check: revisions refreshed, Succeeded or Failed."""
        self._set(self._record(number, status))


_HELM_DESCRIPTIONS = {
    (True, True): "Initial install underway",
    (True, False): "Preparing upgrade",
    (False, True): "Install complete",
    (False, False): "Upgrade complete",
}
"""Helm's `info.description` by (pending, first revision)."""


class _Helm:
    """`helm install` / `helm upgrade` (no --wait) of `payments`, Secrets driver.

    Each revision's record is created `pending-install`/`pending-upgrade`, the manifests are
    applied (Helm adds its ownership annotations and label to the objects, not to the stored
    manifest), then the previous revision is updated to `superseded` and this one to
    `deployed`; an update relabels a record `modifiedAt` instead of `createdAt`.
    """

    def __init__(self, cluster: SimCluster) -> None:
        self.cluster = cluster
        self.deployed_at: dict[int, str] = {}

    def _record(
        self, revision: int, status: str, created_at: str, modified_at: str | None = None
    ) -> dict[str, Any]:
        chart_version, api, _ = HELM_REVISIONS[revision - 1]
        return helm_secret(
            HELM_RELEASE,
            NAMESPACE,
            revision,
            status,
            helm_manifests(revision),
            created_at=created_at,
            modified_at=modified_at,
            chart=HELM_CHART,
            chart_version=chart_version,
            app_version=api,
            description=_HELM_DESCRIPTIONS[status.startswith("pending"), revision == 1],
            config={"image": {"tag": api}},
            first_deployed=self.deployed_at[1],
            last_deployed=self.deployed_at[revision],
            sources=HELM_SOURCES,
        )

    def _write(self, record: dict[str, Any]) -> None:
        rt = BY_KIND["Secret"]
        name = record["metadata"]["name"]
        if self.cluster.store.peek(rt, NAMESPACE, name) is None:
            self.cluster.store.create(rt, record)
        else:

            def edit(live: dict[str, Any]) -> None:
                live["metadata"]["labels"] = record["metadata"]["labels"]
                live["data"] = record["data"]

            self.cluster.store.mutate(rt, NAMESPACE, name, edit)
        self.cluster.settle()

    def deploy(self, revision: int) -> None:
        now = self.cluster.clock.now()
        self.deployed_at[revision] = rfc3339(now)
        unix = str(int(now.timestamp()))
        pending = "pending-install" if revision == 1 else "pending-upgrade"
        self._write(self._record(revision, pending, unix))
        for manifest in helm_manifests(revision):
            _apply(
                self.cluster, manifest, HELM_ANNOTATIONS, {"app.kubernetes.io/managed-by": "Helm"}
            )
        if revision > 1:
            self._write(self._record(revision - 1, "superseded", unix, unix))
        self._write(self._record(revision, "deployed", unix, unix))


# ---------------------------------------------------------------- the story


def build(cluster: SimCluster) -> None:
    steps = _steps(cluster)
    span = sum(gap for gap, _ in steps)
    cluster.clock.advance(-span)  # end the history at the moment the cluster was created
    for gap, step in steps:
        step()
        cluster.advance(gap)


def _steps(cluster: SimCluster) -> list[tuple[float, Callable[[], None]]]:
    """(time to let pass after it, step) in the order they happen."""
    harness = _Harness(cluster)
    helm = _Helm(cluster)
    return [
        (60.0, lambda: _namespace(cluster)),
        (STEADY_STATE_SECONDS, lambda: harness.deploy(1)),
        (30 * HOUR, lambda: harness.finish(1, "Succeeded")),
        (26 * HOUR, lambda: helm.deploy(1)),
        (STEADY_STATE_SECONDS, lambda: harness.deploy(2)),
        (20 * HOUR, lambda: harness.finish(2, "Succeeded")),
        (18 * HOUR, lambda: helm.deploy(2)),
        (22 * HOUR, lambda: helm.deploy(3)),
        (STEADY_STATE_TIMEOUT, lambda: harness.deploy(3)),
        (40 * 60.0, lambda: harness.finish(3, "Failed")),
    ]


def _namespace(cluster: SimCluster) -> None:
    cluster.store.create(
        BY_KIND["Namespace"],
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": NAMESPACE, "labels": {"team": "shop"}},
        },
    )
    cluster.settle()
