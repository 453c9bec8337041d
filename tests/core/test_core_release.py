"""Which workloads make a release: the marks Harness, Helm, Argo CD and Flux leave (pure)."""

from __future__ import annotations

from typing import Any

from kubectl_rollback.core.release import SOURCES, find_releases, is_canary, memberships


def workload(name: str, **meta: Any) -> dict[str, Any]:
    template_labels = meta.pop("template_labels", {})
    return {
        "metadata": {"name": name, **meta},
        "spec": {"template": {"metadata": {"labels": {"app": name, **template_labels}}}},
    }


def test_each_tool_is_recognised_by_the_mark_it_leaves() -> None:
    harness = workload("web", template_labels={"harness.io/release-name": "rel"})
    helm = workload(
        "api",
        annotations={"meta.helm.sh/release-name": "shop"},
        labels={"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "shop"},
    )
    argo = workload(
        "ui", annotations={"argocd.argoproj.io/tracking-id": "front:apps/Deployment:ns/ui"}
    )
    argo_label = workload("cart", labels={"app.kubernetes.io/instance": "front"})
    flux = workload("bus", labels={"kustomize.toolkit.fluxcd.io/name": "infra"})
    assert [m[:2] for m in memberships(harness)] == [("harness", "rel")]
    # Helm's own instance label is not an Argo CD application.
    assert [m[:2] for m in memberships(helm)] == [("helm", "shop")]
    assert [m[:2] for m in memberships(argo)] == [("argocd", "front")]
    assert [m[:2] for m in memberships(argo_label)] == [("argocd", "front")]
    assert [m[:2] for m in memberships(flux)] == [("flux-kustomization", "infra")]
    # Harness marks the pod template only: the same label on the workload is no mark.
    assert memberships(workload("x", labels={"harness.io/release-name": "rel"})) == []


def test_groups_list_workloads_by_kind_then_name_and_set_canaries_apart() -> None:
    mark = {"harness.io/release-name": "rel"}
    canary = workload("web-canary", template_labels={**mark, "harness.io/track": "canary"})
    canary["metadata"]["resourceVersion"] = "7"
    found = find_releases(
        "prod",
        [
            ("DaemonSet", workload("agent", template_labels=mark)),
            ("Deployment", workload("web", template_labels=mark)),
            ("StatefulSet", workload("db", template_labels=mark)),
            ("Deployment", canary),
        ],
    )
    [group] = found
    assert (group.name, group.source) == ("rel", "harness")
    assert [(r.kind, r.name) for r in group.workloads] == [
        ("Deployment", "web"),
        ("StatefulSet", "db"),
        ("DaemonSet", "agent"),
    ]
    assert [(c.ref.name, c.resource_version) for c in group.canaries] == [("web-canary", "7")]
    assert is_canary(canary) and not is_canary(workload("web-canary"))


def test_one_name_in_two_tools_is_two_releases_harness_first() -> None:
    both = find_releases(
        "prod",
        [
            ("Deployment", workload("a", template_labels={"harness.io/release-name": "shop"})),
            ("Deployment", workload("b", annotations={"meta.helm.sh/release-name": "shop"})),
        ],
    )
    assert [(g.name, g.source) for g in both] == [("shop", "harness"), ("shop", "helm")]
    assert SOURCES[0] == "harness" and SOURCES[1] == "helm"
