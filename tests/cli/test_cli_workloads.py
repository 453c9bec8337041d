"""StatefulSets and DaemonSets against the simulated cluster: differential with kubectl, default
target,
--wait, dry runs, conflicts, Events, history."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kubectl_rollback.core import errors, execution, rollback
from kubectl_rollback.core.evidence import OUTCOME_ANNOTATION
from kubectl_rollback.core.model import WorkloadRef
from kubectl_rollback.core.ports import DAEMONSETS, PatchType
from kubectl_rollback.core.target import TargetSpec
from kubectl_rollback.kube.gateway import KubeGateway
from kubectl_rollback.sim import RunningCluster, run_cluster
from tests.cli.cli_support import CliResult
from tests.clusters import running_clock
from tests.kubectl import Kubectl, kubectl_or_skip

IMAGES = ["nginx:1.25.3", "nginx:1.26.0", "nginx:1.27.0"]


def statefulset(name: str, image: str, *, replicas: int = 3, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
            **spec,
        },
    }


def daemonset(name: str, image: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
            **spec,
        },
    }


def history_of(
    sim: RunningCluster,
    build: Callable[..., dict[str, Any]],
    name: str,
    images: list[str],
    seconds: float = 60,
    **spec: Any,
) -> None:
    """One revision per image, each given time to roll out (or to get stuck)."""
    for image in images:
        sim.cluster.apply_object(build(name, image, **spec))
        sim.cluster.advance(seconds)


def revisions(sim: RunningCluster, name: str) -> dict[str, int]:
    """ControllerRevision name -> revision number."""
    return {
        r["metadata"]["name"]: r["revision"]
        for r in sim.cluster.list("controllerrevisions", "default", f"app={name}")
    }


def pod_images(sim: RunningCluster, name: str) -> dict[str, str]:
    return {
        p["metadata"]["name"]: p["spec"]["containers"][0]["image"]
        for p in sim.cluster.list("pods", "default", f"app={name}")
    }


def history_numbers(kubectl: Kubectl, resource: str) -> list[int]:
    out = kubectl.ok("rollout", "history", resource)
    return [int(m.group(1)) for m in re.finditer(r"^(\d+)\s", out, re.MULTILINE)]


# ------------------------------------------------------------- differential with kubectl


@pytest.mark.kubectl
@pytest.mark.parametrize("kind", ["sts", "ds"])
@pytest.mark.parametrize("target", [1, None], ids=["to-1", "default"])
def test_same_result_as_kubectl_rollout_undo(
    kind: str,
    target: int | None,
    sim: RunningCluster,
    kubectl: Kubectl,
    cli: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    build = statefulset if kind == "sts" else daemonset
    plural = "statefulsets" if kind == "sts" else "daemonsets"
    # Cluster B: kubectl rollout undo.  Cluster A (`sim`, used by `cli`): kubectl rollback.
    with run_cluster("empty", time_scale=0) as other:
        for cluster in (sim, other):
            history_of(cluster, build, "web", IMAGES)
        real = kubectl_or_skip(kubectl.version, other.kubeconfig, tmp_path / "cache-b")
        undo = ["rollout", "undo", f"{kind}/web"] + ([f"--to-revision={target}"] if target else [])
        assert "rolled back" in real.ok(*undo)
        ours = [f"{kind}/web", "--yes", "--no-wait"] + (
            ["--to-revision", str(target)] if target else []
        )
        result = cli(*ours)
        assert result.code == 0, result.err
        assert f"{plural[:-1]}.apps/web rolled back" in result.out
        for cluster in (sim, other):
            cluster.cluster.advance(120)

        mine = sim.cluster.get(plural, "default", "web")
        theirs = other.cluster.get(plural, "default", "web")
        assert mine["spec"]["template"] == theirs["spec"]["template"]
        assert revisions(sim, "web") == revisions(other, "web")
        assert len(revisions(sim, "web")) == 3
        numbers = [2, 3, 4] if target == 1 else [1, 3, 4]
        assert (
            history_numbers(kubectl, f"{kind}/web")
            == history_numbers(real, f"{kind}/web")
            == numbers
        )
        assert sorted(pod_images(sim, "web").values()) == sorted(pod_images(other, "web").values())
        expected = IMAGES[0] if target == 1 else IMAGES[1]
        assert set(pod_images(sim, "web").values()) == {expected}
        # The only difference: ours records the rollback on the workload.
        cause = mine["metadata"]["annotations"]["kubernetes.io/change-cause"]
        assert cause.startswith("kubectl-rollback: rolled back from revision 3 (nginx:1.27.0)")
        assert "kubernetes.io/change-cause" not in (theirs["metadata"].get("annotations") or {})


# ------------------------------------------------------------- target choice


def _crash_stuck_statefulset(sim: RunningCluster) -> None:
    """Revision 1 good; revision 2 crashes on db-2 (db-0, db-1 still serve revision 1);
    revision 3 asked for, but the controller waits for the crashing pod."""
    history_of(sim, statefulset, "db", ["postgres:15.4", "postgres:crash-15.5", "postgres:16.1"])


def test_default_target_skips_a_crashing_revision(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    _crash_stuck_statefulset(sim)
    result = cli("sts/db", "--dry-run=client", "-o", "json")
    assert result.code == 0, result.err
    plan = json.loads(result.out)["plan"]
    assert plan["to"]["revision"] == 1
    assert plan["to"]["controllerRevision"].startswith("db-")
    assert plan["kubectlWouldPick"]["revision"] == 2
    assert plan["kubectlWouldPick"]["health"] == "failure"
    assert any("revision 2 skipped: failure: 1 pod in CrashLoopBackOff" in w for w in plan["why"])
    assert plan["patchType"] == "strategic-merge"
    codes = [w["code"] for w in plan["warnings"]]
    assert "stuck-pods" in codes
    assert any("kubectl delete pod -n default db-2" in w["message"] for w in plan["warnings"])
    body = plan["patch"][0]
    assert body["spec"]["template"]["$patch"] == "replace"
    assert (
        body["metadata"]["resourceVersion"]
        == sim.cluster.get("statefulsets", "default", "db")["metadata"]["resourceVersion"]
    )
    # Client dry run: nothing changed.
    assert (
        sim.cluster.get("statefulsets", "default", "db")["spec"]["template"]["spec"]["containers"][
            0
        ]["image"]
        == "postgres:16.1"
    )


def test_explicit_targets_by_name_hash_and_image(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(sim, daemonset, "agent", IMAGES)
    names = {n: r for n, r in revisions(sim, "agent").items()}
    first = next(n for n, r in names.items() if r == 1)
    for to in (first, first.removeprefix("agent-"), IMAGES[0], f"cr:{first}"):
        result = cli("ds/agent", "--to", to, "--dry-run=client", "-o", "json")
        assert result.code == 0, (to, result.err)
        assert json.loads(result.out)["plan"]["to"]["revision"] == 1, to
    result = cli("ds/agent", "--to-revision", "9", "--dry-run=client")
    assert result.code == 1
    assert "unable to find specified revision 9 in history" in result.err


def test_no_last_revision(sim: RunningCluster, cli: Callable[..., CliResult]) -> None:
    history_of(sim, statefulset, "db", IMAGES[:1])
    result = cli("sts/db", "--yes")
    assert result.code == 1
    assert "error: no last revision to roll back to" in result.err


# ------------------------------------------------------------- execution


def test_rollback_records_change_cause_event_and_left_failure(
    sim: RunningCluster,
    cli: Callable[..., CliResult],
) -> None:
    _crash_stuck_statefulset(sim)
    before = revisions(sim, "db")
    result = cli("sts/db", "--yes", "--no-wait")
    assert result.code == 0, result.err
    assert "statefulset.apps/db rolled back" in result.out
    sts = sim.cluster.get("statefulsets", "default", "db")
    assert sts["spec"]["template"]["spec"]["containers"][0]["image"] == "postgres:15.4"
    assert sts["metadata"]["annotations"]["kubernetes.io/change-cause"].startswith(
        "kubectl-rollback: rolled back from revision 3 (postgres:16.1) to revision 1 "
        "(postgres:15.4)"
    )
    sim.cluster.settle()  # the controllers react to the patch in their own thread
    after = revisions(sim, "db")
    assert set(after) == set(before)  # no new ControllerRevision: revision 1 is renumbered 4
    assert sorted(after.values()) == [2, 3, 4]
    events = [
        e
        for e in sim.cluster.list("events", "default")
        if e["reason"] == "RolledBack" and e["involvedObject"]["kind"] == "StatefulSet"
    ]
    assert len(events) == 1 and events[0]["involvedObject"]["name"] == "db"
    # Kubernetes' forced rollback: the crashing pod must be deleted before the rollout moves.
    sim.cluster.advance(60)
    assert pod_images(sim, "db")["db-2"] == "postgres:crash-15.5"
    sim.cluster.store.delete(_pods_rt(), "default", "db-2")
    sim.cluster.advance(60)
    assert set(pod_images(sim, "db").values()) == {"postgres:15.4"}
    # The crashing revision was recorded while its pod showed it: still failed in the history.
    crash = next(
        r
        for r in sim.cluster.list("controllerrevisions", "default", "app=db")
        if "crash" in json.dumps(r["data"])
    )
    assert crash["metadata"]["annotations"][OUTCOME_ANNOTATION] == "failed"
    history = cli("history", "sts/db", "-o", "json")
    failed = [r for r in json.loads(history.out)["revisions"] if r["health"] == "failure"]
    assert [r["controllerRevision"] for r in failed] == [crash["metadata"]["name"]]


def _pods_rt() -> Any:
    from kubectl_rollback.sim.resources import BY_KIND

    return BY_KIND["Pod"]


def test_rollback_from_a_failing_current_revision_records_its_failure(
    sim: RunningCluster,
    cli: Callable[..., CliResult],
) -> None:
    history_of(sim, daemonset, "agent", ["busybox:1.36", "busybox:crash-1.37"])
    result = cli("ds/agent", "--yes", "--no-wait")
    assert result.code == 0, result.err
    crash = next(
        r
        for r in sim.cluster.list("controllerrevisions", "default", "app=agent")
        if "crash" in json.dumps(r["data"])
    )
    assert crash["metadata"]["annotations"][OUTCOME_ANNOTATION] == "failed"
    sim.cluster.advance(120)
    assert set(pod_images(sim, "agent").values()) == {"busybox:1.36"}


def test_dry_run_server_changes_nothing(sim: RunningCluster, cli: Callable[..., CliResult]) -> None:
    history_of(sim, statefulset, "db", IMAGES)
    before = sim.cluster.get("statefulsets", "default", "db")
    result = cli("sts/db", "--dry-run=server", "-o", "yaml")
    assert result.code == 0, result.err
    assert "outcome: ServerDryRun" in result.out and "dryRun: true" in result.out
    assert "applied: false" in result.out  # nothing is in the cluster after a dry run
    assert sim.cluster.get("statefulsets", "default", "db") == before


def test_conflict_between_plan_and_execute_applies_nothing(sim: RunningCluster) -> None:
    history_of(sim, statefulset, "db", IMAGES)
    gw = KubeGateway.connect(sim.kubeconfig, None, "default")
    try:
        now = datetime.now(UTC)
        plan = rollback.prepare(gw, WorkloadRef("StatefulSet", "default", "db"), now=now).plan(
            TargetSpec.revision(1), now=now
        )
        changed = statefulset("db", IMAGES[2])
        changed["metadata"]["labels"] = {"touched": "yes"}
        sim.cluster.apply_object(changed)
        with pytest.raises(errors.Conflict, match="changed since the plan was made"):
            execution.execute(gw, plan, dry_run=False)
    finally:
        gw.close()
    sts = sim.cluster.get("statefulsets", "default", "db")
    assert sts["spec"]["template"]["spec"]["containers"][0]["image"] == IMAGES[2]
    assert "kubernetes.io/change-cause" not in (sts["metadata"].get("annotations") or {})


def test_sim_refuses_a_stale_resource_version_in_a_strategic_merge_patch(
    sim: RunningCluster,
) -> None:
    history_of(sim, daemonset, "agent", IMAGES[:1])
    gw = KubeGateway.connect(sim.kubeconfig, None, "default")
    try:
        rv = gw.get(DAEMONSETS, "default", "agent")["metadata"]["resourceVersion"]
        labels = {"metadata": {"labels": {"a": "1"}}}
        gw.patch(DAEMONSETS, "default", "agent", labels, PatchType.STRATEGIC)
        with pytest.raises(errors.Conflict):
            gw.patch(
                DAEMONSETS,
                "default",
                "agent",
                {"metadata": {"resourceVersion": rv, "labels": {"a": "2"}}},
                PatchType.STRATEGIC,
            )
    finally:
        gw.close()
    assert sim.cluster.get("daemonsets", "default", "agent")["metadata"]["labels"] == {"a": "1"}


def test_on_delete_warns_and_has_no_rollout_to_wait_for(
    sim: RunningCluster,
    cli: Callable[..., CliResult],
) -> None:
    history_of(sim, statefulset, "db", IMAGES[:2], updateStrategy={"type": "OnDelete"})
    assert set(pod_images(sim, "db").values()) == {IMAGES[0]}  # OnDelete: never updated
    result = cli("sts/db", "--yes")
    assert "NOTHING is rolled back on the running pods until you delete them" in result.out
    assert "statefulset.apps/db rolled back" in result.out
    assert result.code == 4
    assert "rollout status is only available for RollingUpdate strategy type" in result.err
    sts = sim.cluster.get("statefulsets", "default", "db")
    assert sts["spec"]["template"]["spec"]["containers"][0]["image"] == IMAGES[0]


# ------------------------------------------------------------- --wait


def test_wait_statefulset_to_success(
    sim: RunningCluster,
    cli: Callable[..., CliResult],
    ticking: Callable[[], None],
) -> None:
    history_of(sim, statefulset, "db", IMAGES[:2])
    ticking()
    result = cli("sts/db", "--yes", "--wait", "--timeout", "60s")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "statefulset.apps/db rolled back" in lines
    assert "partitioned roll out complete: 3 new pods have been updated..." in lines
    assert any(
        re.fullmatch(
            r"Waiting for partitioned roll out to finish: \d out of 3 new pods have been "
            r"updated\.\.\.|Waiting for \d pods to be ready\.\.\.",
            line,
        )
        for line in lines
    )
    current = max(
        sim.cluster.list("controllerrevisions", "default", "app=db"), key=lambda r: r["revision"]
    )
    assert current["metadata"]["annotations"][OUTCOME_ANNOTATION] == "succeeded"
    assert current["metadata"]["annotations"]["kubectl-rollback.io/outcome-by"] == "wait"
    history = cli("history", "sts/db")
    assert "success (recorded): wait, " in history.out


def test_wait_daemonset_to_success(sim: RunningCluster, cli: Callable[..., CliResult]) -> None:
    history_of(sim, daemonset, "agent", IMAGES[:2])
    # The clock starts once the command, having read the DaemonSet after its PATCH, watches
    # it: running from the start, it could finish the rollout before the first read.
    requests = sim.cluster.requests
    requests.clear()
    sim.cluster.count_requests = True

    def watching() -> bool:
        return any("/daemonsets?watch=true" in path for _, path in list(requests))

    with running_clock(sim.cluster, begin_when=watching):
        result = cli("ds/agent", "--yes", "--wait", "--timeout", "60s")
    sim.cluster.count_requests = False
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert 'daemon set "agent" successfully rolled out' in lines
    assert any(
        line.startswith('Waiting for daemon set "agent" rollout to finish: ') for line in lines
    )


def test_wait_to_a_crashing_revision_times_out(
    sim: RunningCluster,
    cli: Callable[..., CliResult],
    ticking: Callable[[], None],
) -> None:
    history_of(sim, daemonset, "agent", ["busybox:crash-1", "busybox:1.36"])
    ticking()
    result = cli(
        "ds/agent", "--to-revision", "1", "--yes", "--wait", "--timeout", "2s", "-o", "json"
    )
    assert result.code == errors.EXIT_ROLLOUT_FAILED
    assert "error: timed out waiting for the condition: Waiting for daemon set" in result.err
    doc = json.loads(result.out)
    assert doc["applied"] is True
    assert doc["rollout"]["timedOut"] is True and doc["rollout"]["recordWritten"] is False


# ------------------------------------------------------------- history


def test_history_of_a_statefulset(sim: RunningCluster, cli: Callable[..., CliResult]) -> None:
    _crash_stuck_statefulset(sim)
    result = cli("history", "sts/db")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "statefulset.apps/db (namespace default)"
    assert "CONTROLLERREVISION" in lines[1]
    row = {
        line.split()[1] if line.split()[0] in "●★" else line.split()[0]: line for line in lines[2:5]
    }
    assert row["3"].startswith("●") and "postgres:16.1" in row["3"]
    assert row["2"].split()[0] == "2" and "✖ failure" in row["2"] and "CrashLoopBackOff" in row["2"]
    assert (
        row["1"].startswith("★")
        and "still serving 2 Ready pods while revision 2 is failing" in row["1"]
    )
    assert (
        "kubectl rollout undo would pick revision 2; kubectl rollback picks revision 1"
        in result.out
    )

    doc = json.loads(cli("history", "sts/db", "-o", "json").out)
    assert doc["workload"]["kind"] == "StatefulSet"
    assert [r["revision"] for r in doc["revisions"]] == [3, 2, 1]
    assert all(r["controllerRevision"].startswith("db-") for r in doc["revisions"])
    assert doc["defaultTarget"] == 1 and doc["kubectlWouldPick"] == 2

    detail = cli("history", "sts/db", "--revision", "2")
    assert detail.out.splitlines()[0] == "statefulset.apps/db with revision #2"
    assert "ControllerRevision: db-" in detail.out
    assert "image: postgres:crash-15.5" in detail.out


def test_the_use_case_takes_every_kind(sim: RunningCluster) -> None:
    """One use case (core.rollback) for Deployments, StatefulSets and DaemonSets; others refused."""
    history_of(sim, statefulset, "db", IMAGES[:2])
    history_of(sim, daemonset, "agent", IMAGES[:1])
    gw = KubeGateway.connect(sim.kubeconfig, None, "default")
    try:
        now = datetime.now(UTC)
        deploy = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "app", "image": IMAGES[0]}]},
                },
            },
        }
        sim.cluster.apply_object(deploy)
        assert (
            type(rollback.load(gw, WorkloadRef("Deployment", "default", "web"), now=now)).__name__
            == "DeploymentHistory"
        )
        assert rollback.load(gw, WorkloadRef("DaemonSet", "default", "agent"), now=now).revisions
        with pytest.raises(errors.UsageError):
            rollback.load(gw, WorkloadRef("ReplicaSet", "default", "web"), now=now)
        plan = rollback.prepare(gw, WorkloadRef("StatefulSet", "default", "db"), now=now).plan(
            now=now
        )
        result = execution.execute(gw, plan, dry_run=False)
        assert result.applied and result.message == "statefulset.apps/db rolled back"
        seen: list[str] = []
        outcome = execution.follow(
            gw,
            plan.ref,
            timeout_seconds=30,
            now_fn=lambda: (sim.cluster.advance(2), datetime.now(UTC))[1],
            on_status=lambda s: seen.append(s.message),
        )
    finally:
        gw.close()
    assert outcome.verdict.value == "success", seen
    assert seen[-1] == "partitioned roll out complete: 3 new pods have been updated..."
