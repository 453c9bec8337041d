"""Release rollback stories, on both clusters: every workload of a group back together.

Groups without release records here (a label selector, an Argo CD application): each
workload goes back to its own last successful revision. The records of Harness and Helm
have their own stories (test_release_records_*).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from kubectl_rollback.core import errors
from kubectl_rollback.core import release as releases
from kubectl_rollback.core.ports import DEPLOYMENTS
from kubectl_rollback.kube.gateway import KubeGateway
from tests.clusters import TestCluster, deployment, roll_out, rollout_complete
from tests.stories.test_stories import template_images

WEB = ["nginx:1.25.3", "nginx:1.25.4"]
API = ["httpd:2.4.58", "httpd:2.4.59"]


def _shop(cluster: TestCluster, **metadata: Any) -> None:
    """Two Deployments of one group (label team=shop), two revisions each."""
    for web, api in zip(WEB, API, strict=True):
        roll_out(
            cluster,
            deployment("web", web, labels={"team": "shop"}, **metadata),
            deployment("api", api, labels={"team": "shop"}, **metadata),
        )


def _images(cluster: TestCluster) -> dict[str, list[str]]:
    return {name: template_images(cluster.must("deployments", name)) for name in ("web", "api")}


def test_a_selector_group_rolls_back_together(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    _shop(cluster)
    planned = rollback("-l", "team=shop", "--dry-run", "-o", "json")
    assert planned.code == 0, planned.err
    doc = json.loads(planned.out)
    assert doc["kind"] == "ReleaseResult" and doc["plan"]["kind"] == "ReleasePlan"
    steps = {w["plan"]["workload"]["name"]: w["plan"] for w in doc["plan"]["workloads"]}
    assert {name: p["to"]["revision"] for name, p in steps.items()} == {"api": 1, "web": 1}
    assert "no-release-records" in [w["code"] for w in doc["plan"]["warnings"]]
    assert _images(cluster) == {"web": [WEB[1]], "api": [API[1]]}  # a dry run changes nothing
    with cluster.clock():
        done = rollback("-l", "team=shop", "--yes", "--wait", "--timeout", "2m")
    assert done.code == 0, done.err
    assert _images(cluster) == {"web": [WEB[0]], "api": [API[0]]}
    for name in ("web", "api"):
        assert rollout_complete(cluster.must("deployments", name))
    assert "deployment.apps/web: rolled back to revision 1" in done.out


def test_an_argo_cd_application_is_a_release(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    ns = cluster.namespace
    for web, api in zip(WEB, API, strict=True):
        roll_out(
            cluster,
            deployment(
                "web",
                web,
                annotations={"argocd.argoproj.io/tracking-id": f"shop:apps/Deployment:{ns}/web"},
            ),
            deployment(
                "api",
                api,
                annotations={"argocd.argoproj.io/tracking-id": f"shop:apps/Deployment:{ns}/api"},
            ),
        )
    listed = rollback("releases", "-o", "json")
    assert listed.code == 0, listed.err
    [item] = json.loads(listed.out)["items"]
    assert (item["name"], item["source"]) == ("shop", "argocd")
    assert sorted(w["name"] for w in item["workloads"]) == ["api", "web"]
    planned = rollback("release/shop", "--dry-run", "-o", "json")
    assert planned.code == 0, planned.err
    assert "gitops" in [w["code"] for w in json.loads(planned.out)["plan"]["warnings"]]
    history = rollback("history", "release/shop")
    assert history.code == 0, history.err
    assert "No release records" in history.out
    missing = rollback("release/nope", "--dry-run")
    assert missing.code == 1
    assert missing.err.strip() == (
        f'error: release "nope" not found in namespace {ns} (releases here: shop)'
    )


def _gateway(cluster: TestCluster) -> KubeGateway:
    return KubeGateway.connect(cluster.kubeconfig, None, cluster.namespace)


def test_a_change_to_the_second_workload_refuses_before_any_write(cluster: TestCluster) -> None:
    _shop(cluster)
    gw = _gateway(cluster)
    try:
        group = releases.selector_group(gw, cluster.namespace, "team=shop")
        plan = releases.prepare_release(gw, group, now=datetime.now(UTC), load_yaml=lambda text: [])
        assert [s.ref.name for s in plan.steps] == ["api", "web"]
        # Someone edits the second workload between the plan and its execution.
        cluster.kubectl().ok("set", "env", "deployment/web", "MODE=edited")
        before = _images(cluster)
        with pytest.raises(releases.ReleaseFailed) as failed:
            releases.execute_release(gw, plan, dry_run=False)
    finally:
        gw.close()
    assert failed.value.nothing_applied
    assert "deployment.apps/web would not roll back" in str(failed.value)
    assert "nothing was applied to any workload" in str(failed.value)
    assert str(failed.value).count("nothing was applied") == 1, str(failed.value)  # said once
    assert _images(cluster) == before  # api was not patched either


class FailingSecondPatch:
    """A gateway whose real (not dry-run) PATCH of one Deployment fails as a server would."""

    def __init__(self, gw: KubeGateway, name: str) -> None:
        self._gw, self._name = gw, name

    def patch(
        self,
        resource: Any,
        namespace: str,
        name: str,
        body: Any,
        patch_type: Any,
        *,
        dry_run: bool = False,
    ) -> Any:
        if resource is DEPLOYMENTS and name == self._name and not dry_run:
            raise errors.Invalid("Internal error occurred: injected failure")
        return self._gw.patch(resource, namespace, name, body, patch_type, dry_run=dry_run)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._gw, attr)


def test_a_failed_second_patch_puts_the_first_back(cluster: TestCluster) -> None:
    _shop(cluster)
    before = {n: cluster.must("deployments", n) for n in ("web", "api")}
    real = _gateway(cluster)
    gw = FailingSecondPatch(real, "web")
    try:
        group = releases.selector_group(real, cluster.namespace, "team=shop")
        plan = releases.prepare_release(
            gw,
            group,
            now=datetime.now(UTC),
            load_yaml=lambda text: [],  # type: ignore[arg-type]
        )
        with pytest.raises(releases.ReleaseFailed) as failed:
            releases.execute_release(gw, plan, dry_run=False)  # type: ignore[arg-type]
    finally:
        real.close()
    message = str(failed.value)
    assert "deployment.apps/web failed" in message and "no workload is left rolled back" in message
    assert [(o.ref.name, o.state) for o in failed.value.outcomes] == [
        ("api", "put back"),
        ("web", "not rolled back"),
    ]
    for name in ("web", "api"):
        live = cluster.must("deployments", name)
        assert live["spec"]["template"] == before[name]["spec"]["template"]
        annotations = live["metadata"].get("annotations") or {}
        assert annotations.get("kubernetes.io/change-cause") == (
            before[name]["metadata"].get("annotations") or {}
        ).get("kubernetes.io/change-cause")
