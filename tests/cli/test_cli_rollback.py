"""`kubectl rollback deploy/x ...` against the simulated cluster: targets, waits, refusals."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import yaml

from kubectl_rollback.sim import RunningCluster
from tests.cli.cli_support import CliResult, deployment, history_of, roll_out


def _image(sim: RunningCluster, name: str = "web") -> str:
    d = sim.cluster.get("deployments", "default", name)
    return str(d["spec"]["template"]["spec"]["containers"][0]["image"])


def _revision(sim: RunningCluster, name: str = "web") -> str:
    d = sim.cluster.get("deployments", "default", name)
    return str(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"])


def harness_case(sim: RunningCluster) -> None:
    """Revision 1 good; 2 a `broken` image that exceeded its deadline; 3 a `crash` image."""
    roll_out(sim, deployment("web", "nginx:1.25.3"))
    roll_out(sim, deployment("web", "nginx:broken-1"), seconds=700)
    roll_out(sim, deployment("web", "nginx:crash-1"), seconds=120)


def test_harness_case_picks_last_successful_and_waits_until_healthy(
    sim: RunningCluster, cli: Callable[..., CliResult], ticking: Callable[[], None]
) -> None:
    harness_case(sim)
    plan = cli("deploy/web", "--dry-run", "-o", "json")
    assert plan.code == 0, plan.err
    doc = json.loads(plan.out)["plan"]
    assert doc["to"]["revision"] == 1 and doc["kubectlWouldPick"]["revision"] == 2
    assert any("newest revision before 3 with evidence of success" in line for line in doc["why"])

    text = cli("deploy/web", "--dry-run")
    assert "kubectl rollout undo would pick revision 2" in text.out
    assert "nginx:crash-1 -> nginx:1.25.3" in text.out
    assert _image(sim) == "nginx:crash-1", "a dry run changed the Deployment"

    ticking()
    done = cli("deploy/web", "--yes", "--wait", "--timeout", "5m")
    assert done.code == 0, done.err
    assert "deployment.apps/web rolled back" in done.out
    assert 'deployment "web" successfully rolled out' in done.out
    live = sim.cluster.get("deployments", "default", "web")
    assert _image(sim) == "nginx:1.25.3"
    assert live["status"]["availableReplicas"] == 3 == live["status"]["updatedReplicas"]
    events = [e for e in sim.cluster.list("events", "default") if e.get("reason") == "RolledBack"]
    assert len(events) == 1 and events[0]["involvedObject"]["name"] == "web"
    # The revision we left was crashing: its failure is recorded on its ReplicaSet,
    # and the success of the rollback is recorded on the revived one.
    outcomes = {
        rs["metadata"]["annotations"].get("deployment.kubernetes.io/revision"): rs["metadata"][
            "annotations"
        ].get("kubectl-rollback.io/outcome")
        for rs in sim.cluster.list("replicasets", "default", "app=web")
    }
    assert outcomes == {"2": None, "3": "failed", "4": "succeeded"}


def test_history_shows_revisions_health_and_former_numbers(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    harness_case(sim)
    assert cli("deploy/web", "--yes", "--no-wait").code == 0
    sim.cluster.advance(60)
    out = cli("history", "deploy/web")
    assert out.code == 0, out.err
    lines = out.out.splitlines()
    assert lines[0] == "deployment.apps/web (namespace default)"
    row4 = next(line for line in lines if "4 (was 1)" in line)
    assert "nginx:1.25.3" in row4 and "3/3" in row4 and "success" in row4 and row4.startswith("●")
    row3 = next(line for line in lines if line.split()[0:1] == ["3"] or " 3 " in line[:8])
    assert "failure" in row3 and "rolled back from" in row3
    doc = yaml.safe_load(cli("history", "deploy/web", "-o", "yaml").out)
    assert doc["kind"] == "RevisionHistory" and doc["currentRevision"] == 4
    rev4 = next(r for r in doc["revisions"] if r["revision"] == 4)
    assert rev4["formerRevisions"] == [1] and rev4["health"] == "success"
    detail = cli("history", "deploy/web", "--revision", "4")
    assert detail.out.startswith("deployment.apps/web with revision #4")
    assert "image: nginx:1.25.3" in detail.out


@pytest.mark.parametrize("how", [["--to", "nginx:1.26.0"], ["--to", "revision:2"]])
def test_explicit_targets(
    how: list[str], sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0", "nginx:1.27.0"])
    out = cli("deploy/web", *how, "--yes", "--no-wait")
    assert out.code == 0, out.err
    assert _image(sim) == "nginx:1.26.0"


def test_target_by_replicaset_name_and_hash(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0", "nginx:1.27.0"])
    rs = next(
        r
        for r in sim.cluster.list("replicasets", "default", "app=web")
        if r["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    )
    name, hash_ = rs["metadata"]["name"], rs["metadata"]["labels"]["pod-template-hash"]
    assert cli("deploy/web", "--to", name, "--yes", "--no-wait").code == 0
    sim.cluster.advance(60)
    assert _image(sim) == "nginx:1.25.3" and _revision(sim) == "4"
    assert (
        cli("deployment", "web", "--to", f"hash:{hash_}", "--yes", "--no-wait").code == 0
    )  # current now
    assert _revision(sim) == "4"


def test_paused_is_refused_with_kubectls_message_even_in_dry_run(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0"])
    roll_out(sim, deployment("web", "nginx:1.26.0", paused=True))
    before = sim.cluster.get("deployments", "default", "web")["metadata"]["resourceVersion"]
    for args in (["--yes"], ["--dry-run"], ["--dry-run=server"]):
        out = cli("deploy/web", *args)
        assert out.code == 1
        assert out.err == (
            "error: you cannot rollback a paused deployment; resume it first with "
            "'kubectl rollout resume' and try again\n"
        )
    assert sim.cluster.get("deployments", "default", "web")["metadata"]["resourceVersion"] == before


def test_template_already_current_is_skipped_with_exit_0(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0"])
    out = cli("deploy/web", "--to-revision", "2", "--yes")
    assert out.code == 0
    assert out.out.strip() == (
        "deployment.apps/web skipped rollback (current template already matches revision 2)"
    )


def test_target_trimmed_by_revision_history_limit(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(sim, "web", [f"nginx:1.2{i}.0" for i in range(5)], revisionHistoryLimit=2)
    out = cli("deploy/web", "--to-revision", "1", "--yes")
    assert out.code == 1
    assert out.err.startswith("error: unable to find specified revision 1 in history")
    # Revision 3 is the oldest of the two kept: the next rollout would garbage-collect it.
    warn = json.loads(cli("deploy/web", "--to-revision", "3", "--dry-run", "-o", "json").out)[
        "plan"
    ]
    assert "history-limit" in [w["code"] for w in warn["warnings"]]
    assert "history-limit" not in [
        w["code"]
        for w in json.loads(cli("deploy/web", "--dry-run", "-o", "json").out)["plan"]["warnings"]
    ]


def test_no_terminal_and_no_yes_changes_nothing(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0"])
    out = cli("deploy/web")
    assert out.code == 2
    assert "pass --yes" in out.err and out.err.count("\n") == 1
    assert _image(sim) == "nginx:1.26.0"


def test_server_dry_run_changes_nothing(sim: RunningCluster, cli: Callable[..., CliResult]) -> None:
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0"])
    out = cli("deploy/web", "--dry-run=server", "-o", "json")
    assert out.code == 0, out.err
    doc = json.loads(out.out)
    assert (
        doc["dryRun"] is True
        and doc["message"] == "deployment.apps/web rolled back (server dry run)"
    )
    assert _image(sim) == "nginx:1.26.0"


def test_wait_fails_on_progress_deadline(
    sim: RunningCluster, cli: Callable[..., CliResult], ticking: Callable[[], None]
) -> None:
    # Rolling back to a revision that was never proven good (forced by number) and is broken.
    history_of(sim, "web", ["nginx:broken-0", "nginx:1.26.0"], replicas=1)
    ticking()
    out = cli("deploy/web", "--to-revision", "1", "--yes", "--timeout", "2h")
    assert out.code == 4
    assert out.err.strip() == 'error: deployment "web" exceeded its progress deadline'


def test_secret_values_are_masked_unless_asked(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    for value, image in (("hunter2", "nginx:1.25.3"), ("s3cr3t", "nginx:1.26.0")):
        roll_out(sim, deployment("web", image, env=[{"name": "DB_PASSWORD", "value": value}]))
    masked = cli("deploy/web", "--dry-run")
    assert "hunter2" not in masked.out and "s3cr3t" not in masked.out and "***" in masked.out
    shown = cli("deploy/web", "--dry-run", "--show-secrets")
    assert "hunter2" in shown.out
