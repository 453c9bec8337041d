"""The command line takes kubectl's ways, on both clusters: global flags before or after the
subcommand, and `history` with kubectl's CHANGE-CAUSE column (kubectl is the referee)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.clusters import TestCluster, deployment, roll_out
from tests.stories.test_stories import controller_settled, statefulset

pytestmark = pytest.mark.kubectl

CAUSES = ["first release", "kubectl set image deployment/web app=nginx:1.26.0", ""]


def _web(cluster: TestCluster) -> None:
    for image, cause in zip(["nginx:1.25.3", "nginx:1.26.0", "nginx:1.27.0"], CAUSES, strict=True):
        annotations = {"kubernetes.io/change-cause": cause} if cause else {}
        roll_out(cluster, deployment("web", image, replicas=1, annotations=annotations))


def _context(kubeconfig: str) -> str:
    return str(yaml.safe_load(Path(kubeconfig).read_text())["current-context"])


def test_global_flags_work_before_or_after_the_subcommand(
    cluster: TestCluster, rollback: Callable[..., Any], tmp_path: Path
) -> None:
    _web(cluster)
    ns, ctx, config = cluster.namespace, _context(cluster.kubeconfig), cluster.kubeconfig
    missing = str(tmp_path / "no-kubeconfig")  # only the flag can find the cluster
    lines = [
        ["-n", ns, "history", "deploy/web"],
        ["history", "-n", ns, "deploy/web"],
        ["history", "deploy/web", "-n", ns],
        [f"--namespace={ns}", "history", "deploy/web"],
        [f"-n{ns}", "history", "deploy/web"],
        ["--context", ctx, "--kubeconfig", config, "history", "deploy/web"],
        [f"--kubeconfig={config}", "--request-timeout", "20s", "history", "deploy/web"],
        ["--kubeconfig", config, "-n", ns, "rollback", "deploy/web", "--dry-run"],
        ["--kubeconfig", config, "-n", ns, "deploy/web", "--dry-run"],
    ]
    for args in lines:
        kubeconfig = missing if "--kubeconfig" in " ".join(args) else None
        result = rollback(*args, kubeconfig=kubeconfig)
        assert result.code == 0, (args, result.err)
        assert "nginx:1.26.0" in result.out, (args, result.out)
        assert result.err == "" or "--dry-run" in args, (args, result.err)
    # The flag is used, not dropped: another namespace, another context are looked up.
    elsewhere = rollback("-n", "elsewhere", "history", "deploy/web")
    assert elsewhere.code == 1 and "elsewhere" in elsewhere.err, elsewhere.err
    assert len(elsewhere.err.strip().splitlines()) == 1
    nosuch = rollback("--context", "nosuch", "history", "deploy/web")
    assert nosuch.code == 1 and "nosuch" in nosuch.err, nosuch.err
    as_json = rollback("-o", "json", "-n", ns, "history", "deploy/web")
    assert as_json.code == 0, as_json.err
    doc = json.loads(as_json.out)
    assert doc["kind"] == "RevisionHistory" and doc["currentRevision"] == 3
    # A flag the subcommand does not take is refused, wherever it is typed (usage, exit 2).
    for args in (["--demo", "apply", "plan.json"], ["apply", "--demo", "plan.json"]):
        refused = rollback(*args)
        assert refused.code == 2 and "--demo" in refused.err, (args, refused.err)


def _kubectl_causes(out: str) -> dict[int, str]:
    """`kubectl rollout history` -> {revision: change-cause}."""
    causes = {}
    for line in out.splitlines():
        match = re.match(r"^(\d+)\s+(.*)$", line)
        if match:
            causes[int(match.group(1))] = match.group(2).strip()
    return causes


def _our_causes(out: str) -> dict[int, str]:
    """`kubectl rollback history` -> {revision: CHANGE-CAUSE column}."""
    lines = out.splitlines()
    header = lines[1]
    start, end = header.index("CHANGE-CAUSE"), header.index("EVIDENCE")
    number = header.index("REVISION")
    causes = {}
    for line in lines[2:]:
        if line.startswith("● current"):
            break
        causes[int(line[number:].split()[0])] = line[start:end].strip()
    return causes


def test_history_shows_the_change_cause_kubectl_shows(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    _web(cluster)
    theirs = _kubectl_causes(cluster.kubectl().ok("rollout", "history", "deployment/web"))
    ours = rollback("history", "deploy/web")
    assert ours.code == 0, ours.err
    assert _our_causes(ours.out) == theirs
    assert theirs[1] == "first release" and theirs[3] == "<none>", theirs
    # After a rollback: the cause this tool recorded, as kubectl shows it too.
    done = rollback("deploy/web", "--to-revision", "1", "--yes", "--no-wait")
    assert done.code == 0, done.err
    cluster.wait_for(
        lambda: (
            len(_kubectl_causes(cluster.kubectl().ok("rollout", "history", "deployment/web"))) == 3
            and "kubectl-rollback"
            in _kubectl_causes(cluster.kubectl().ok("rollout", "history", "deployment/web")).get(
                4, ""
            )
        ),
        "revision 4 with the rollback's change-cause",
    )
    theirs = _kubectl_causes(cluster.kubectl().ok("rollout", "history", "deployment/web"))
    ours = rollback("history", "deploy/web")
    assert _our_causes(ours.out) == theirs, ours.out


def test_statefulset_history_shows_the_change_cause_kubectl_shows(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    for image, cause in (("nginx:1.25.3", "first"), ("nginx:1.26.0", "second")):
        obj = statefulset("db", image, replicas=1)
        obj["metadata"]["annotations"] = {"kubernetes.io/change-cause": cause}
        cluster.apply(obj)
        cluster.wait_for(lambda: controller_settled(cluster, "statefulsets", "db"), "db settled")
    theirs = _kubectl_causes(cluster.kubectl().ok("rollout", "history", "statefulset/db"))
    ours = rollback("history", "sts/db")
    assert ours.code == 0, ours.err
    assert _our_causes(ours.out) == theirs
    assert set(theirs.values()) == {"first", "second"}, theirs


def _one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_quiet_prints_only_the_result_line(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    _web(cluster)
    dry = rollback("deploy/web", "--dry-run", "-q")
    assert dry.code == 0 and dry.err == "", dry.err
    assert _one_line(dry.out) == "deployment.apps/web rolled back (dry run)"
    loud = rollback("deploy/web", "--dry-run")
    assert "Rollback plan for deployment.apps/web" in loud.out  # without -q, the whole plan
    with cluster.clock():
        done = rollback("deploy/web", "--yes", "-q", "--timeout", "2m")
    assert done.code == 0 and done.err == "", done.err
    assert _one_line(done.out) == (
        'deployment.apps/web rolled back; deployment "web" successfully rolled out'
    )
    assert (
        cluster.must("deployments", "web")["spec"]["template"]["spec"]["containers"][0]["image"]
        == "nginx:1.26.0"
    )
    # An error is still the one line on stderr, and nothing on stdout.
    paused = cluster.must("deployments", "web")
    paused["spec"]["paused"] = True
    cluster.apply(paused)
    refused = rollback("deploy/web", "--yes", "-q")
    assert refused.code == 1 and refused.out == "", refused.out
    assert "paused" in _one_line(refused.err)


def test_quiet_release_and_switch_print_one_line(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    from kubectl_rollback.sim.scenarios.bluegreen import service, side
    from tests.clusters import settle_deployment

    ns = cluster.namespace
    for image in ("nginx:1.25.3", "nginx:1.26.0"):
        roll_out(cluster, deployment("web", image, replicas=1, labels={"team": "shop"}))
    release = rollback("-l", "team=shop", "--yes", "-q", "--no-wait")
    assert release.code == 0 and release.err == "", release.err
    assert _one_line(release.out) == "-l team=shop: deployment.apps/web rolled back"
    for colour, image in (("blue", "nginx:1.25.3"), ("green", "nginx:1.26.0")):
        cluster.apply(side(ns, f"api-{colour}", "api", "color", colour, image, replicas=1))
        settle_deployment(cluster, f"api-{colour}")
    cluster.apply(service(ns, "api", {"app": "api", "color": "green"}))
    switch = rollback("svc/api", "--yes", "-q")
    assert switch.code == 0 and switch.err == "", switch.err
    assert _one_line(switch.out) == "service/api switched from green to blue"
