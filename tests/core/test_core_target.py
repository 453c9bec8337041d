"""Target parsing and choice: defaults, kubectl's pick, fallbacks, explicit targets and their
errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_rollback.core.errors import (
    AmbiguousTarget,
    NoHealthyTarget,
    NoHistory,
    TargetIsCurrent,
    TargetNotFound,
    UsageError,
)
from kubectl_rollback.core.evidence import outcome_record_patch
from kubectl_rollback.core.history import build_deployment_history
from kubectl_rollback.core.model import DeploymentHistory, Verdict
from kubectl_rollback.core.target import TargetSpec, choose_target, kubectl_default, parse_target
from tests.core.factory import NOW, Scenario, container, harness_configmap, pod_template


def history(s: Scenario, **kwargs: object) -> DeploymentHistory:
    return build_deployment_history(s.deployment, s.replicasets, s.pods, now=NOW, **kwargs)  # type: ignore[arg-type]


def record(s: Scenario, number: int, verdict: Verdict) -> None:
    annotations = outcome_record_patch(verdict, "followed", NOW, revision_object=s.rs_name(number))[
        "metadata"
    ]["annotations"]
    s.rs(number)["metadata"]["annotations"].update(annotations)


def harness_case() -> Scenario:
    s = Scenario()
    s.deploy("nginx:1.25")
    s.deploy("nginx:broken", outcome="deadline", waiting="ImagePullBackOff", stuck_pods=3)
    s.deploy("nginx:crash-1", outcome="stuck", waiting="CrashLoopBackOff")
    return s


# ------------------------------------------------------------------ parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, TargetSpec.default()),
        ("", TargetSpec.default()),
        ("3", TargetSpec.revision(3)),
        ("revision:7", TargetSpec.revision(7)),
        ("web-6d4b75cb6d", TargetSpec.replicaset("web-6d4b75cb6d")),
        ("rs:odd", TargetSpec.replicaset("odd")),
        ("6d4b75cb6d", TargetSpec.template_hash("6d4b75cb6d")),
        ("hash:245", TargetSpec.template_hash("245")),
        ("nginx:1.25", TargetSpec.image("nginx:1.25")),
        (
            "registry.example.com/team/app@sha256:abc",
            TargetSpec.image("registry.example.com/team/app@sha256:abc"),
        ),
        ("app=nginx:1.25", TargetSpec.image("nginx:1.25", "app")),
        ("image:nginx", TargetSpec.image("nginx")),
        ("nginx", TargetSpec.image("nginx")),
    ],
)
def test_parse_target(text: str | None, expected: TargetSpec) -> None:
    assert parse_target(text, deployment="web") == expected


def test_parse_target_rejects_bad_numbers() -> None:
    with pytest.raises(UsageError):
        parse_target("revision:x")
    with pytest.raises(UsageError, match="unable to find specified revision -1 in history"):
        parse_target("-1")


# ------------------------------------------------------------------ default


def test_harness_case_kubectl_picks_2_we_pick_1() -> None:
    s = harness_case()
    cm = harness_configmap(
        [
            {
                "number": 1,
                "status": "Succeeded",
                "managedWorkloads": [{"workload": "Deployment/web", "revision": 1}],
            },
            {
                "number": 2,
                "status": "Failed",
                "managedWorkloads": [{"workload": "Deployment/web", "revision": 2}],
            },
        ]
    )
    h = history(s, configmaps=[cm])
    choice = choose_target(h)
    assert choice.revision.number == 1
    assert choice.kubectl_would_pick is not None and choice.kubectl_would_pick.number == 2
    assert choice.why[0].startswith(
        f"revision 1 ({s.rs_name(1)}, nginx:1.25) is the newest revision before 3 "
        "with evidence of success: "
    )
    assert choice.why[1] == (
        "revision 2 skipped: failure: Harness release release-web #2 Failed: deployed revision 2, "
        "from ConfigMap release-web"
    )
    assert choice.warnings == ()


def test_harness_case_without_history_skips_2_for_lack_of_evidence() -> None:
    h = history(harness_case())
    choice = choose_target(h)
    assert choice.revision.number == 1
    assert choice.why == (
        f"revision 1 ({h.revision(1).object_name}, nginx:1.25) "  # type: ignore[union-attr]
        "is the newest revision before 3 with evidence "
        "of success: still serving 3 Ready pods while revision 3 is failing",
        "revision 2 skipped: no evidence of success",
    )


def test_kubectl_pick_is_none_when_same() -> None:
    s = Scenario()
    s.deploy("nginx:1.24")
    s.deploy("nginx:1.25")
    s.deploy("nginx:1.26")
    record(s, 2, Verdict.SUCCESS)
    choice = choose_target(history(s))
    assert choice.revision.number == 2 and choice.kubectl_would_pick is None
    assert kubectl_default(history(s)).number == 2  # type: ignore[union-attr]


def test_fallback_to_previous_with_kubectl_wording() -> None:
    s = Scenario()
    s.deploy("nginx:1.24")
    s.deploy("nginx:1.25")
    s.deploy("nginx:1.26")
    choice = choose_target(history(s))
    message = (
        "no revision before 3 has evidence of success; "
        "falling back to the previous revision 2, as kubectl rollout undo would"
    )
    assert choice.revision.number == 2
    assert choice.why[0] == message
    assert [(w.code, w.message) for w in choice.warnings] == [("fallback", message)]
    with pytest.raises(
        NoHealthyTarget, match="no revision before 3 of deployment.apps/web has evidence of success"
    ):
        choose_target(history(s), require_healthy=True)


def test_fallback_skips_failed_previous() -> None:
    s = Scenario()
    s.deploy("nginx:1.24")
    s.deploy("nginx:1.25")
    s.deploy("nginx:1.26")
    record(s, 2, Verdict.FAILURE)
    choice = choose_target(history(s))
    assert choice.revision.number == 1
    assert (
        "falling back to revision 1, the newest one without evidence of failure"
        in choice.warnings[0].message
    )
    record(s, 1, Verdict.FAILURE)
    with pytest.raises(NoHealthyTarget, match="every revision before 3"):
        choose_target(history(s))


def test_no_history() -> None:
    s = Scenario()
    s.deploy("nginx:1.25")
    with pytest.raises(NoHistory, match='^no rollout history found for deployment "web"$'):
        choose_target(history(s))


# ------------------------------------------------------------------ explicit


def test_explicit_targets_resolve() -> None:
    s = harness_case()
    h = history(s)
    assert choose_target(h, TargetSpec.revision(2)).revision.number == 2
    assert choose_target(h, TargetSpec.replicaset(s.rs_name(1))).revision.number == 1
    rs_hash = s.rs(2)["metadata"]["labels"]["pod-template-hash"]
    assert choose_target(h, TargetSpec.template_hash(rs_hash)).revision.number == 2
    assert choose_target(h, TargetSpec.template_hash(rs_hash[:6])).revision.number == 2
    assert choose_target(h, TargetSpec.image("nginx:1.25")).revision.number == 1
    assert choose_target(h, TargetSpec.image("nginx:1.25", "app")).revision.number == 1
    with pytest.raises(TargetNotFound):
        choose_target(h, TargetSpec.image("nginx:1.25", "sidecar"))


def test_explicit_failed_target_works_with_warning() -> None:
    s = Scenario()
    s.deploy("nginx:1.24")
    s.deploy("nginx:1.25")
    s.deploy("nginx:1.26")
    record(s, 1, Verdict.FAILURE)
    choice = choose_target(history(s), TargetSpec.revision(1))
    assert choice.revision.number == 1
    assert [w.code for w in choice.warnings] == ["target-failed"]
    assert choice.warnings[0].message.startswith(
        "revision 1 has evidence of failure (rollout followed, "
    )


def test_trimmed_history_uses_kubectl_wording() -> None:
    s = Scenario()
    for tag in ("1.23", "1.24", "1.25"):
        s.deploy(f"nginx:{tag}")
    s.replicasets.remove(s.rs(1))  # garbage-collected by revisionHistoryLimit
    with pytest.raises(TargetNotFound) as err:
        choose_target(history(s), TargetSpec.revision(1))
    assert str(err.value) == "unable to find specified revision 1 in history"


def test_renumbered_revision_hint() -> None:
    s = Scenario()
    s.deploy("nginx:1.24")
    s.deploy("nginx:1.25")
    s.deploy("nginx:1.24")
    with pytest.raises(TargetNotFound) as err:
        choose_target(history(s), TargetSpec.revision(1))
    assert (
        str(err.value) == "unable to find specified revision 1 in history "
        "(it was renumbered: it is now revision 3)"
    )


def test_ambiguous_and_current_targets() -> None:
    s = Scenario()
    sidecar = container("sidecar", image="envoy:1.30")
    s.deploy(template=pod_template(containers=[container(image="nginx:1.24"), sidecar]))
    s.deploy(template=pod_template(containers=[container(image="nginx:1.25"), sidecar]))
    s.deploy(
        template=pod_template(
            containers=[container(image="nginx:1.26"), container("sidecar", image="envoy:1.31")]
        )
    )
    h = history(s)
    with pytest.raises(AmbiguousTarget) as err:
        choose_target(h, TargetSpec.image("envoy:1.30"))
    assert str(err.value).startswith(
        'image "envoy:1.30" matches 2 revisions of deployment.apps/web: revision 2 ('
    )
    with pytest.raises(TargetIsCurrent, match="the current revision of deployment.apps/web"):
        choose_target(h, TargetSpec.image("envoy:1.31"))
    with pytest.raises(TargetIsCurrent):
        choose_target(h, TargetSpec.revision(3))
    assert choose_target(h, TargetSpec.revision(3), allow_current=True).revision.current


# ------------------------------------------------------------------ properties

verdicts = st.sampled_from(["succeeded", "failed", "none", "crash", "serving"])


@settings(max_examples=150, deadline=None)
@given(st.lists(verdicts, min_size=2, max_size=7), st.booleans())
def test_default_choice_properties(evidence: list[str], current_failing: bool) -> None:
    """Never the current revision, never one with failure evidence, never older than a newer
    success."""
    s = Scenario()
    for index in range(len(evidence)):
        s.deploy(f"app:{index + 1}")
    if current_failing:
        s.deploy("app:bad", outcome="stuck", waiting="CrashLoopBackOff")
    for number, kind in enumerate(evidence, start=1):
        rs = s.rs(number)
        if kind in ("succeeded", "failed"):
            record(s, number, Verdict.SUCCESS if kind == "succeeded" else Verdict.FAILURE)
        elif kind == "crash" and not rs["status"].get("readyReplicas"):
            from tests.core.factory import pod

            s.pods.append(pod(rs, 40 + number, waiting="CrashLoopBackOff"))
    h = history(s)
    current = h.current
    assert current is not None
    try:
        choice = choose_target(h)
    except NoHealthyTarget:
        below = [r for r in h.revisions if r.number < current.number]
        assert all(r.health is Verdict.FAILURE for r in below)
        return
    chosen = choice.revision
    assert not chosen.current and chosen.number < current.number
    assert chosen.health is not Verdict.FAILURE
    newer_successes = [
        r
        for r in h.revisions
        if chosen.number < r.number < current.number and r.health is Verdict.SUCCESS
    ]
    assert newer_successes == []
    if chosen.health is not Verdict.SUCCESS:
        assert all(
            r.health is not Verdict.SUCCESS for r in h.revisions if r.number < current.number
        )
        assert [w.code for w in choice.warnings] == ["fallback"]
