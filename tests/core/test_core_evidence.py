"""Health evidence: rollout condition, pods, records, Harness release history (its YAML subset)."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kubectl_rollback.core.evidence import (
    OUTCOME_ANNOTATION,
    OUTCOME_AT_ANNOTATION,
    OUTCOME_REASON_ANNOTATION,
    OUTCOME_REPLICASET_ANNOTATION,
    outcome_record_patch,
)
from kubectl_rollback.core.harness import parse_yaml_subset, releases_from_objects
from kubectl_rollback.core.history import build_deployment_history
from kubectl_rollback.core.model import DeploymentHistory, Verdict
from tests.core.factory import NOW, Scenario, harness_configmap, secret


def lines(h: DeploymentHistory, number: int) -> list[str]:
    revision = h.revision(number)
    assert revision is not None
    return [e.line for e in revision.evidence]


def test_completed_rollout_is_success_for_the_current_revision_only() -> None:
    s = Scenario()
    s.deploy("nginx:1.24")
    s.deploy("nginx:1.25")
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert lines(h, 2) == [
        "success (rollout): completed: Progressing=NewReplicaSetAvailable, 3/3 available"
    ]
    # Revision 1 was fully available once, but that is not observable: no evidence.
    assert lines(h, 1) == []


def test_progress_deadline_is_failure_only_for_the_named_current_replicaset() -> None:
    s = Scenario()
    s.deploy("nginx:1.25")
    s.deploy("nginx:broken", outcome="deadline", waiting="ImagePullBackOff", stuck_pods=2)
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert lines(h, 2) == [
        "failure (rollout): progress deadline exceeded: Progressing=ProgressDeadlineExceeded "
        "after 600s, 3/3 available",
        "failure (pods): 2 pods in ImagePullBackOff",
    ]
    assert lines(h, 1) == ["success (pods): still serving 3 Ready pods while revision 2 is failing"]
    # The condition names revision 2's ReplicaSet: it says nothing once another RS is current.
    condition = s.deployment["status"]["conditions"][1]
    condition["message"] = f'ReplicaSet "{s.rs_name(1)}" has timed out progressing.'
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert all(e.source != "rollout" for e in h.revision(2).evidence)  # type: ignore[union-attr]
    assert all(e.source != "rollout" for e in h.revision(1).evidence)  # type: ignore[union-attr]


def test_pod_failure_counts_per_reason() -> None:
    s = Scenario()
    s.deploy("nginx:1.25")
    s.deploy("nginx:crash", outcome="stuck", waiting="CrashLoopBackOff", stuck_pods=3)
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert "failure (pods): 3 pods in CrashLoopBackOff" in lines(h, 2)
    s.pods[-1]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] = "ErrImagePull"
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert "failure (pods): 2 pods in CrashLoopBackOff, 1 pod in ErrImagePull" in lines(h, 2)


def test_terminating_pods_are_ignored() -> None:
    s = Scenario()
    s.deploy("nginx:1.25")
    s.deploy("nginx:crash", outcome="stuck", waiting="CrashLoopBackOff", stuck_pods=1)
    s.pods[-1]["metadata"]["deletionTimestamp"] = "2024-05-01T11:00:00Z"
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert lines(h, 2) == []
    assert lines(h, 1) == []  # no newer revision is failing any more


def test_outcome_record_patch_and_reading_it_back() -> None:
    patch = outcome_record_patch(
        Verdict.SUCCESS, 'deployment "web"\nsuccessfully rolled out', NOW, revision_object="web-abc"
    )
    assert patch == {
        "metadata": {
            "annotations": {
                OUTCOME_ANNOTATION: "succeeded",
                OUTCOME_REASON_ANNOTATION: 'deployment "web" successfully rolled out',
                OUTCOME_AT_ANNOTATION: "2024-05-01T12:00:00Z",
                OUTCOME_REPLICASET_ANNOTATION: "web-abc",
            }
        }
    }
    assert (
        outcome_record_patch(Verdict.FAILURE, "x", NOW)["metadata"]["annotations"][
            OUTCOME_ANNOTATION
        ]
        == "failed"
    )
    with pytest.raises(ValueError):
        outcome_record_patch(Verdict.UNKNOWN, "x", NOW)

    s = Scenario()
    s.deploy("nginx:1.24")
    s.deploy("nginx:1.25")
    s.deploy("nginx:1.26")
    s.rs(1)["metadata"]["annotations"].update(
        outcome_record_patch(Verdict.FAILURE, "exceeded", NOW, revision_object=s.rs_name(1))[
            "metadata"
        ]["annotations"]
    )
    # A record copied from another ReplicaSet (plain kubectl undo + controller copy) is ignored.
    s.rs(2)["metadata"]["annotations"].update(
        outcome_record_patch(Verdict.SUCCESS, "ok", NOW, revision_object="web-other")["metadata"][
            "annotations"
        ]
    )
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW)
    assert lines(h, 1) == ["failure (recorded): rollout followed, 2024-05-01 12:00: exceeded"]
    assert lines(h, 2) == []


def _harness_case(**kwargs: object) -> DeploymentHistory:
    s = Scenario()
    s.deploy("nginx:1.25")
    s.deploy("nginx:broken", outcome="deadline", waiting="ImagePullBackOff", stuck_pods=3)
    s.deploy("nginx:crash-1", outcome="stuck", waiting="CrashLoopBackOff")
    return build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW, **kwargs)  # type: ignore[arg-type]


RELEASES = [
    {
        "number": 1,
        "status": "Succeeded",
        "managedWorkloads": [{"workload": "Deployment/web", "revision": 1}],
    },
    {
        "number": 2,
        "status": "Failed",
        "managedWorkloads": [{"workload": "deployment/web", "revision": 2}],
    },
    {
        "number": 3,
        "status": "InProgress",
        "managedWorkloads": [{"workload": "Deployment/web", "revision": 3}],
    },
    {
        "number": 9,
        "status": "Succeeded",
        "managedWorkloads": [{"workload": "Deployment/api", "revision": 2}],
    },
]


@pytest.mark.parametrize("as_yaml", [True, False])
def test_harness_legacy_configmap(as_yaml: bool) -> None:
    h = _harness_case(configmaps=[harness_configmap(RELEASES, as_yaml=as_yaml)])
    assert (
        "success (harness): Harness release release-web #1 Succeeded: deployed revision 1, from "
        "ConfigMap release-web" in lines(h, 1)
    )
    assert lines(h, 2) == [
        "failure (harness): Harness release release-web #2 Failed: deployed revision 2, from "
        "ConfigMap release-web"
    ]
    assert all(e.source != "harness" for e in h.revision(3).evidence)  # type: ignore[union-attr]


def test_harness_legacy_secret_is_base64() -> None:
    cm = harness_configmap(RELEASES)
    encoded = base64.b64encode(cm["data"]["releaseHistory"].encode()).decode()
    h = _harness_case(secrets=[secret("release-web", {"releaseHistory": encoded})])
    assert lines(h, 2) == [
        "failure (harness): Harness release release-web #2 Failed: deployed revision 2, from "
        "Secret release-web"
    ]


def test_harness_declarative_secrets() -> None:
    body = json.dumps(
        {
            "number": 2,
            "managedWorkloads": [
                {"workload": {"kind": "Deployment", "name": "web"}, "revision": "2"}
            ],
        }
    )
    data = {"release": base64.b64encode(gzip.compress(body.encode())).decode()}
    labels = {"owner": "harness", "release-number": "2", "status": "Failed"}
    no_body = secret(
        "harness.release.web.1",
        {},
        {"owner": "harness", "release-number": "1", "status": "Succeeded"},
    )
    h = _harness_case(secrets=[secret("harness.release.web.2", data, labels), no_body])
    assert lines(h, 2) == [
        "failure (harness): Harness release web #2 Failed: deployed revision 2, from Secret "
        "harness.release.web.2"
    ]
    assert all(e.source != "harness" for e in h.revision(1).evidence)  # type: ignore[union-attr]


def test_harness_revision_follows_renumbering() -> None:
    s = Scenario()
    s.deploy("nginx:1.24")
    s.deploy("nginx:1.25")
    s.deploy("nginx:1.24")  # rolled back: revision 1 is now 3
    cm = harness_configmap(
        [
            {
                "number": 1,
                "status": "Succeeded",
                "managedWorkloads": [{"workload": "Deployment/web", "revision": 1}],
            }
        ]
    )
    h = build_deployment_history(s.deployment, s.replicasets, s.pods, configmaps=[cm], now=NOW)
    assert (
        "success (harness): Harness release release-web #1 Succeeded: deployed revision 1 (now "
        "revision 3), from ConfigMap release-web" in lines(h, 3)
    )


def test_broken_release_history_is_skipped() -> None:
    cm = harness_configmap(RELEASES)
    cm["data"]["releaseHistory"] = "releases:\n  - number: |\n    x\n\tbad"
    assert releases_from_objects([cm], []) == ()


def test_yaml_subset_reads_what_harness_writes() -> None:
    text = """\
version: v1
releases:
- number: 1   # first
  status: "Succeeded"
  resources:
  - kind: Deployment
    name: web
    versioned: false
  managedWorkloads:
    - workload: {kind: Deployment, name: web, namespace: default}
      revision: '1'
  bgEnvironment: ~
  tags: [a, "b c"]
"""
    assert parse_yaml_subset(text) == yaml.safe_load(text)


scalars = st.one_of(
    st.integers(-1000, 1000),
    st.booleans(),
    st.none(),
    st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=12),
)
keys = st.text("abcdefghijklmnopqrstuvwxyzABC_-", min_size=1, max_size=8)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=4),
        st.dictionaries(keys, children, min_size=1, max_size=4),
    ),
    max_leaves=20,
)


@given(st.dictionaries(keys, documents, min_size=1, max_size=4))
def test_yaml_subset_round_trips_block_yaml(document: dict[str, object]) -> None:
    text = yaml.safe_dump(document, default_flow_style=False, sort_keys=False)
    assert parse_yaml_subset(text) == document
