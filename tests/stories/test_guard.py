"""The guard and its records, on both clusters: good -> good -> broken with `guard` after
each deploy, as a pipeline runs it.

The good revisions are recorded as succeeded; the broken one is recorded as failed and
rolled back to the second good one automatically (exit 3); afterwards `kubectl rollback
--dry-run` picks the first good one *by its record* where plain kubectl picks the broken
one. Time: the guard measures `--settle` and `--grace` on the wall clock; the simulated
cluster's clock runs (fast) while it follows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from kubectl_rollback.core.evidence import (
    OUTCOME_ANNOTATION,
    OUTCOME_BY_ANNOTATION,
    OUTCOME_REASON_ANNOTATION,
    OUTCOME_REPLICASET_ANNOTATION,
    OUTCOME_SETTLED_ANNOTATION,
)
from tests.clusters import TestCluster, deployment
from tests.stories.test_stories import controller_settled, daemonset, statefulset, unchanged

pytestmark = pytest.mark.kubectl

SETTLE = "2s"
GRACE = "3s"
FLAKY_SETTLE = {"sim": "3s", "real": "30s"}
"""Long enough to see a `flaky` container crash: 15 simulated seconds after it is Ready (the
simulated clock runs ~400x while the guard follows), about 10 s on the real control plane."""

KINDS = {
    "deploy": (deployment, "deployments", "replicasets"),
    "sts": (statefulset, "statefulsets", "controllerrevisions"),
    "ds": (daemonset, "daemonsets", "controllerrevisions"),
}


def guard(
    cluster: TestCluster,
    rollback: Callable[..., Any],
    target: str,
    *extra: str,
    settle: str = SETTLE,
) -> Any:
    with cluster.clock():
        return rollback(
            "guard", target, "--settle", settle, "--grace", GRACE, "--timeout", "3m", *extra
        )


def record_on(cluster: TestCluster, plural: str, name: str) -> dict[str, str]:
    annotations = cluster.must(plural, name)["metadata"].get("annotations") or {}
    return {k: v for k, v in annotations.items() if k.startswith("kubectl-rollback.io/")}


def images_of(obj: dict[str, Any]) -> list[str]:
    return [c["image"] for c in obj["spec"]["template"]["spec"]["containers"]]


@pytest.mark.parametrize("kind", ["deploy", "sts", "ds"])
def test_guard_records_good_rollouts_and_rolls_a_broken_one_back(
    kind: str, cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    build, plural, revisions = KINDS[kind]
    key = "replicaSet" if kind == "deploy" else "controllerRevision"
    good: list[str] = []
    for image in ("nginx:1.25.3", "nginx:1.26.0"):
        cluster.apply(build("web", image))
        done = guard(cluster, rollback, f"{kind}/web", "-o", "json")
        assert done.code == 0, done.err
        doc = json.loads(done.out)
        assert doc["kind"] == "GuardResult" and doc["outcome"] == "healthy"
        followed = doc["rollouts"][0]
        assert followed["images"] == image and followed["recorded"] is True
        good.append(followed[key])
        record = record_on(cluster, revisions, followed[key])
        assert record[OUTCOME_ANNOTATION] == "succeeded"
        assert record[OUTCOME_BY_ANNOTATION] == "guard"
        assert record[OUTCOME_REPLICASET_ANNOTATION] == followed[key]
        assert int(record[OUTCOME_SETTLED_ANNOTATION]) >= 2
        assert "guard: " in done.err  # progress lines on stderr

    cluster.apply(build("web", "nginx:broken-1"))
    done = guard(cluster, rollback, f"{kind}/web", "-o", "json")
    assert done.code == 3, (done.out, done.err)
    doc = json.loads(done.out)
    assert doc["outcome"] == "rolled-back" and doc["exitCode"] == 3
    broken, back = doc["rollouts"]
    assert broken["verdict"] == "failure" and broken["images"] == "nginx:broken-1"
    assert back["verdict"] == "success" and back["images"] == "nginx:1.26.0"
    assert back[key] == good[1]
    (made,) = doc["rollbacks"]
    assert made["applied"] is True and made["plan"]["to"]["revision"] == 2
    failed = record_on(cluster, revisions, broken[key])
    assert failed[OUTCOME_ANNOTATION] == "failed" and failed[OUTCOME_BY_ANNOTATION] == "guard"
    assert OUTCOME_SETTLED_ANNOTATION not in failed
    assert record_on(cluster, revisions, good[1])[OUTCOME_ANNOTATION] == "succeeded"
    live = cluster.wait_for(
        lambda: (
            controller_settled(cluster, plural, "web")
            if kind != "deploy"
            else cluster.must(plural, "web")
        ),
        "rolled back",
    )
    assert images_of(live) == ["nginx:1.26.0"]

    # The next rollback picks the first good revision by its record, not kubectl's pick.
    plan = rollback(f"{kind}/web", "--dry-run", "-o", "json")
    assert plan.code == 0, plan.err
    picked = json.loads(plan.out)["plan"]
    assert picked["to"]["revision"] == 1 and picked["to"][key] == good[0]
    assert picked["to"]["health"] == "success"
    assert "guard" in picked["to"]["healthReason"]
    assert picked["kubectlWouldPick"]["revision"] == 3
    text = rollback("history", f"{kind}/web")
    assert "success (recorded): guard, " in text.out and ", settled " in text.out
    assert "failure (recorded): guard, " in text.out


def test_guard_no_rollback_changes_nothing_but_the_record(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    cluster.apply(deployment("web", "nginx:1.25.3"))
    assert guard(cluster, rollback, "deploy/web").code == 0
    cluster.apply(deployment("web", "nginx:broken-1"))
    cluster.wait_for(
        lambda: (
            (cluster.must("deployments", "web").get("status") or {}).get("observedGeneration") == 2
        ),
        "the broken rollout began",
    )
    before = cluster.must("deployments", "web")
    done = guard(cluster, rollback, "deploy/web", "--no-rollback")
    assert done.code == 5, (done.out, done.err)
    assert done.err.count("error: ") == 1 and "Traceback" not in done.err
    assert "deployment.apps/web revision 2 (nginx:broken-1) failed" in done.err
    assert "--no-rollback: not rolled back" in done.err
    assert unchanged(cluster.must("deployments", "web"), before)
    new = [r for r in cluster.list("replicasets", "app=web") if "broken" in images_of(r)[0]]
    assert record_on(cluster, "replicasets", new[0]["metadata"]["name"])[OUTCOME_ANNOTATION] == (
        "failed"
    )


def test_a_rollout_that_falls_over_while_settling_is_not_recorded_as_success(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    cluster.apply(deployment("web", "nginx:1.25.3"))
    assert guard(cluster, rollback, "deploy/web").code == 0
    cluster.apply(deployment("web", "nginx:flaky-1"))
    done = guard(cluster, rollback, "deploy/web", "-o", "json", settle=FLAKY_SETTLE[cluster.name])
    assert done.code == 3, (done.out, done.err)
    doc = json.loads(done.out)
    flaky = doc["rollouts"][0]
    assert flaky["images"] == "nginx:flaky-1" and flaky["verdict"] == "failure"
    assert "CrashLoopBackOff" in flaky["message"] or "restarted" in flaky["message"]
    assert record_on(cluster, "replicasets", flaky["replicaSet"])[OUTCOME_ANNOTATION] == "failed"
    assert images_of(cluster.must("deployments", "web")) == ["nginx:1.25.3"]


def test_with_no_successful_revision_the_guard_does_not_guess(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    # Recreate: revision 1's pods are gone before revision 2's start, and nobody ever judged
    # revision 1, so a failure of revision 2 has no revision proven good to go back to.
    recreate = {"strategy": {"type": "Recreate"}}
    cluster.apply(deployment("web", "nginx:1.25.3", **recreate))
    cluster.wait_for(
        lambda: (
            (cluster.must("deployments", "web").get("status") or {}).get("availableReplicas") == 3
        ),
        "web available",
    )
    cluster.apply(deployment("web", "nginx:crash-1", **recreate))
    done = guard(cluster, rollback, "deploy/web", "-o", "json")
    assert done.code == 5, (done.out, done.err)
    doc = json.loads(done.out)
    assert doc["outcome"] == "failed" and doc["rollbacks"] == []
    assert doc["notRolledBack"].startswith("not rolled back: ")
    assert "evidence of success" in doc["notRolledBack"]
    assert images_of(cluster.must("deployments", "web")) == ["nginx:crash-1"]


def test_record_marks_the_current_revision_and_masks_secrets(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    cluster.apply(deployment("web", "nginx:1.25.3"))
    done = rollback("record", "deploy/web", "--success", "--reason", "smoke ok; token=s3cr3t-value")
    assert done.code == 0, done.err
    assert "recorded as succeeded" in done.out and "s3cr3t" not in done.out
    (rs,) = cluster.list("replicasets", "app=web")
    record = record_on(cluster, "replicasets", rs["metadata"]["name"])
    assert record[OUTCOME_ANNOTATION] == "succeeded" and record[OUTCOME_BY_ANNOTATION] == "record"
    assert record[OUTCOME_REASON_ANNOTATION] == "smoke ok; token=***"
    history = rollback("history", "deploy/web")
    assert "success (recorded): record, " in history.out and "token=***" in history.out
    usage = rollback("record", "deploy/web")
    assert usage.code == 2 and "--success or --failure" in usage.err
    missing = rollback("record", "deploy/nope", "--failure")
    assert missing.code == 1 and "not found" in missing.err


def test_guard_release_rolls_the_whole_release_back_when_one_workload_fails(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    ns = cluster.namespace

    def shop(web: str, api: str) -> None:
        for name, image in (("web", web), ("api", api)):
            tracking = {"argocd.argoproj.io/tracking-id": f"shop:apps/Deployment:{ns}/{name}"}
            cluster.apply(deployment(name, image, annotations=tracking))

    shop("nginx:1.25.3", "httpd:2.4.58")
    first = guard(cluster, rollback, "release/shop")
    assert first.code == 0, first.err
    assert "release/shop: every workload is healthy" in first.out
    shop("nginx:1.25.4", "httpd:2.4.59")
    assert guard(cluster, rollback, "release/shop").code == 0
    shop("nginx:1.25.4", "httpd:broken-2.4.60")  # one workload of the release breaks
    done = guard(cluster, rollback, "release/shop", "-o", "json")
    assert done.code == 3, (done.out, done.err)
    doc = json.loads(done.out)
    assert doc["kind"] == "GuardResult" and doc["outcome"] == "rolled-back"
    verdicts = {(r["workload"]["name"], r["images"]): r["verdict"] for r in doc["rollouts"]}
    assert verdicts[("api", "httpd:broken-2.4.60")] == "failure"
    assert verdicts[("web", "nginx:1.25.4")] == "success"
    assert verdicts[("api", "httpd:2.4.59")] == "success"  # the rollback, guarded too
    assert images_of(cluster.must("deployments", "api")) == ["httpd:2.4.59"]
    assert images_of(cluster.must("deployments", "web")) == ["nginx:1.25.4"]


def test_guard_selector_rolls_every_workload_it_picks_back_when_one_fails(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    # guard -l: the workloads of a label selector guarded at once, and rolled back together
    # (as kubectl rollback -l ... --yes) when one fails; one outside the selector untouched.
    def shop(web: str, api: str, other: str = "redis:7.2.3") -> None:
        for name, image in (("web", web), ("api", api)):
            cluster.apply(deployment(name, image, labels={"part-of": "shop"}))
        cluster.apply(deployment("cache", other))

    shop("nginx:1.25.3", "httpd:2.4.58")
    first = guard(cluster, rollback, "--selector=part-of=shop")
    assert first.code == 0, first.err
    assert "-l part-of=shop: every workload is healthy" in first.out
    shop("nginx:1.25.4", "httpd:2.4.59", other="redis:7.2.4")
    assert guard(cluster, rollback, "--selector=part-of=shop").code == 0
    shop("nginx:1.25.5", "httpd:broken-2.4.60", other="redis:7.2.4")
    done = guard(cluster, rollback, "--selector=part-of=shop")
    assert done.code == 3, (done.out, done.err)
    assert (
        "-l part-of=shop: deployment.apps/api failed; every workload it picks was rolled back "
        "and is healthy"
    ) in done.out, done.out
    # Both go back to what was proven together; cache, not picked, keeps its new image.
    assert images_of(cluster.must("deployments", "api")) == ["httpd:2.4.59"]
    assert images_of(cluster.must("deployments", "web")) == ["nginx:1.25.4"]
    assert images_of(cluster.must("deployments", "cache")) == ["redis:7.2.4"]
    named = rollback("guard", "deploy/web", "-l", "part-of=shop")
    assert named.code == 2 and "name no TYPE/NAME" in named.err
    watching = rollback("guard", "-l", "part-of=shop", "--watch-namespace", cluster.namespace)
    assert watching.code == 2 and len(watching.err.strip().splitlines()) == 1
    nothing = rollback("guard", "-l", "part-of=nothing")
    assert nothing.code == 1 and "matches -l part-of=nothing" in nothing.err


def test_a_rollback_records_the_healthy_revision_it_leaves_and_the_one_it_follows(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    from tests.clusters import roll_out

    for image in ("nginx:1.25.3", "nginx:1.26.0"):
        roll_out(cluster, deployment("web", image))
    leaving = {
        images_of(rs)[0]: rs["metadata"]["name"] for rs in cluster.list("replicasets", "app=web")
    }
    # The simulated clock starts once the revision left carries its record: written while the
    # controllers scale it down, the record's precondition could lose every race with their
    # status writes when the clock runs 400 times faster than real time on a loaded machine.
    with cluster.clock(
        begin_when=lambda: (
            OUTCOME_ANNOTATION in record_on(cluster, "replicasets", leaving["nginx:1.26.0"])
        )
    ):
        done = rollback("deploy/web", "--to-revision", "1", "--yes", "--timeout", "2m")
    assert done.code == 0, done.err
    left = record_on(cluster, "replicasets", leaving["nginx:1.26.0"])
    assert left[OUTCOME_ANNOTATION] == "succeeded" and left[OUTCOME_BY_ANNOTATION] == "rollback"
    assert left[OUTCOME_REASON_ANNOTATION].startswith("healthy when rolled back from: completed")
    followed = record_on(cluster, "replicasets", leaving["nginx:1.25.3"])
    assert followed[OUTCOME_ANNOTATION] == "succeeded" and followed[OUTCOME_BY_ANNOTATION] == "wait"
    # Both records are evidence now: the next default target is revision 2 by its record.
    plan = json.loads(rollback("deploy/web", "--dry-run", "-o", "json").out)["plan"]
    assert plan["to"]["replicaSet"] == leaving["nginx:1.26.0"]
    assert plan["to"]["healthReason"].startswith("rollback, ")


def test_watching_a_namespace_forces_a_stuck_statefulsets_rollback(
    cluster: TestCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    # --watch-namespace --auto-rollback: a StatefulSet (OrderedReady) whose new revision
    # crash-loops on db-2 is rolled back, and db-2, which its controller would wait for
    # forever, is deleted once the reverted template is observed (as `guard sts/db` does).
    import threading

    from kubectl_rollback.cli.watch import watch_namespace
    from kubectl_rollback.core.guard import GuardSettings
    from kubectl_rollback.kube.gateway import KubeGateway

    def pods() -> dict[str, str]:
        return {
            p["metadata"]["name"]: p["spec"]["containers"][0]["image"]
            for p in cluster.list("pods", "app=db")
            if not p["metadata"].get("deletionTimestamp")
        }

    cluster.apply(statefulset("db", "nginx:1.25.3", replicas=3))
    cluster.wait_for(
        lambda: (cluster.must("statefulsets", "db").get("status") or {}).get("readyReplicas") == 3,
        "db rolled out",
    )
    gw = KubeGateway.connect(cluster.kubeconfig, None, cluster.namespace)
    settings = GuardSettings(settle_seconds=2, grace_seconds=3, timeout_seconds=180)
    finished: list[Any] = []

    def follow() -> None:
        finished.extend(
            watch_namespace(
                gw,
                cluster.namespace,
                settings,
                auto_rollback=True,
                notify_url=None,
                notify_format="json",
                until=lambda done: len(done) >= 2,
            )
        )

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    try:
        cluster.apply(statefulset("db", "nginx:crash-1.26.0", replicas=3))
        with cluster.clock():
            thread.join(240)
    finally:
        gw.close()
    assert not thread.is_alive(), "the namespace guard did not see both outcomes"
    failed, rollback = finished[:2]
    assert failed.judgement.phase.value == "failed" and failed.rolled_back_to == 1, failed.line
    assert rollback.judgement.phase.value == "healthy", rollback.line
    out = capsys.readouterr().out
    assert f"statefulset.apps/db -n {cluster.namespace}: deleted pod db-2 " in out, out
    assert pods() == {f"db-{i}": "nginx:1.25.3" for i in range(3)}
