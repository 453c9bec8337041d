"""Faults on the wire (the simulated cluster's --fault): a write is never resent, and what the
tool says after a lost answer is what the cluster holds.

Faults are added through `SimCluster.faults` (what `kubectl-rollback sim --fault SPEC` fills).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.sim.faults import FaultSpecError, parse_fault
from kubectl_rollback.sim.scenarios.bluegreen import COLOR
from tests.cli.cli_support import CliResult, history_of
from tests.clusters import running_clock

BLUEGREEN = pytest.mark.parametrize("sim", ["bluegreen"], indirect=True)
IMAGES = ["nginx:1.25.3", "nginx:1.26.0"]


def patches(sim: RunningCluster, plural: str) -> int:
    return sum(
        1 for method, path in sim.cluster.requests if method == "PATCH" and f"/{plural}/" in path
    )


def image(sim: RunningCluster, name: str = "web") -> str:
    return str(
        sim.cluster.get("deployments", "default", name)["spec"]["template"]["spec"]["containers"][
            0
        ]["image"]
    )


@pytest.fixture
def counted(sim: RunningCluster) -> RunningCluster:
    sim.cluster.count_requests = True
    return sim


def test_a_lost_answer_to_an_applied_rollback_is_reported_as_applied(
    counted: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(counted, "web", IMAGES)
    counted.cluster.faults.add("PATCH deployments/web lost")
    result = cli("deploy/web", "--yes", "--no-wait")
    assert result.code == 0, result.err
    assert (
        "deployment.apps/web rolled back (the server's answer was lost; read back, the rollback "
        "is applied)" in result.out
    )
    assert image(counted) == IMAGES[0]
    assert patches(counted, "deployments") == 1, "the PATCH was sent again"


def test_a_reset_before_the_rollback_applied_nothing_and_says_so(
    counted: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(counted, "web", IMAGES)
    before = counted.cluster.get("deployments", "default", "web")["metadata"]["resourceVersion"]
    counted.cluster.faults.add("PATCH deployments/web reset")
    result = cli("deploy/web", "--yes", "--no-wait")
    assert result.code == 1
    line = result.err.strip()
    assert len(line.splitlines()) == 1
    assert (
        "did not answer PATCH" in line
        and "read back, deployment.apps/web is unchanged: nothing was applied; run again" in line
    )
    assert (
        counted.cluster.get("deployments", "default", "web")["metadata"]["resourceVersion"]
        == before
    )
    assert patches(counted, "deployments") == 1, "the PATCH was sent again"


@pytest.mark.parametrize("kind", ["sts", "ds"])
def test_statefulsets_and_daemonsets_read_back_too(
    kind: str, counted: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    plural = {"sts": "statefulsets", "ds": "daemonsets"}[kind]
    for img in IMAGES:
        spec = {
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "c", "image": img}]},
            },
        }
        if kind == "sts":
            spec.update(replicas=2, serviceName="db")
        counted.cluster.apply_object(
            {
                "apiVersion": "apps/v1",
                "kind": {"sts": "StatefulSet", "ds": "DaemonSet"}[kind],
                "metadata": {"name": "db", "namespace": "default"},
                "spec": spec,
            }
        )
        counted.cluster.advance(60)
    counted.cluster.faults.add(f"PATCH {plural}/db lost")
    result = cli(f"{kind}/db", "--yes", "--no-wait")
    assert result.code == 0, result.err
    assert "read back, the rollback is applied" in result.out
    live = counted.cluster.get(plural, "default", "db")
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == IMAGES[0]
    assert patches(counted, plural) == 1


@BLUEGREEN
def test_a_switch_whose_answer_was_lost_is_finished_not_resent(
    counted: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    counted.cluster.faults.add("PATCH services/web lost")
    result = cli("svc/web", "--yes")
    assert result.code == 0, result.err
    selectors = {
        n: counted.cluster.get("services", "default", n)["spec"]["selector"][COLOR]
        for n in ("web", "web-stage")
    }
    assert selectors == {"web": "blue", "web-stage": "green"}
    assert "service/web switched from green to blue" in result.out
    assert patches(counted, "services") == 2


@BLUEGREEN
def test_a_switch_cut_before_the_second_service_puts_the_first_back(
    counted: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    before = {
        n: counted.cluster.get("services", "default", n)["spec"]["selector"][COLOR]
        for n in ("web", "web-stage")
    }
    counted.cluster.faults.add("PATCH services/web reset")
    result = cli("svc/web", "--yes")
    assert result.code == 1
    line = result.err.strip()
    assert len(line.splitlines()) == 1 and "did not move" in line and "was put back" in line, line
    after = {
        n: counted.cluster.get("services", "default", n)["spec"]["selector"][COLOR]
        for n in ("web", "web-stage")
    }
    assert after == before


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("PATCH deployments", "expected"),
        ("FETCH deployments 500", "verb must be one of"),
        ("PATCH Deployments 500", "resource must be a plural"),
        ("PATCH deployments 200", "a status must be 4xx or 5xx"),
        ("PATCH deployments cut", "cut applies to WATCH"),
        ("PATCH deployments delay=x", "delay=SECONDS"),
        ("PATCH deployments explode", "effect must be"),
    ],
)
def test_fault_specs_that_do_not_parse(spec: str, says: str) -> None:
    with pytest.raises(FaultSpecError, match=says):
        parse_fault(spec)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--port", "70000"], "invalid --port 70000"),
        (["--scenario", "nope"], "unknown --scenario 'nope'"),
        (
            ["--write-kubeconfig", "/nonexistent/dir/k"],
            "the folder /nonexistent/dir does not exist",
        ),
        (["--time-scale", "0"], "invalid --time-scale"),
        (["--fault", "PATCH deployments explode"], "effect must be"),
    ],
)
def test_sim_refuses_bad_arguments_before_starting(
    args: list[str], says: str, tmp_path: Path
) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kubectl_rollback", "sim", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2, out.stderr
    line = out.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in out.stderr and says in line, (
        out.stderr
    )


@pytest.mark.parametrize("effect", ["cut", "expire", "500", "reset"])
def test_a_broken_watch_is_resumed_from_a_fresh_get(
    effect: str, counted: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    import json

    history_of(counted, "web", IMAGES)
    counted.cluster.faults.add(f"WATCH deployments/web {effect} x2")

    def watches() -> int:
        return sum(
            1
            for m, p in list(counted.cluster.requests)
            if m == "GET" and "watch=true" in p and "/deployments" in p
        )

    # The rollout moves only once the two broken watches are behind (a third is open);
    # a watch cut after its first event needs events from the start.
    with running_clock(counted.cluster, None if effect == "cut" else lambda: watches() >= 3):
        result = cli("deploy/web", "--yes", "--wait", "--timeout", "5m", "-o", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["applied"] is True and doc["rollout"]["verdict"] == "success"
    assert 'deployment "web" successfully rolled out' in result.err
    assert image(counted) == IMAGES[0]
    assert watches() >= (2 if effect == "cut" else 3)


def test_a_429_on_the_rollback_is_sent_again_after_retry_after(
    counted: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(counted, "web", IMAGES)
    counted.cluster.faults.add("PATCH deployments/web 429 x2")
    result = cli("deploy/web", "--yes", "--no-wait")
    assert result.code == 0, result.err
    assert image(counted) == IMAGES[0]
    assert patches(counted, "deployments") == 3  # two refused (nothing done), one applied


def test_a_500_on_the_rollback_is_not_sent_again(
    counted: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(counted, "web", IMAGES)
    counted.cluster.faults.add("PATCH deployments/web 500")
    result = cli("deploy/web", "--yes", "--no-wait")
    assert result.code == 1
    assert image(counted) == IMAGES[1]
    assert patches(counted, "deployments") == 1


def test_reads_ride_out_a_few_503s(counted: RunningCluster, cli: Callable[..., CliResult]) -> None:
    history_of(counted, "web", IMAGES)
    counted.cluster.faults.add("GET deployments/web 503 x3")
    result = cli("history", "deploy/web")
    assert result.code == 0, result.err
    assert IMAGES[0] in result.out


def test_a_proxys_html_page_is_one_readable_line(
    counted: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    history_of(counted, "web", IMAGES)
    counted.cluster.faults.add("GET deployments/web 502 x0")
    result = cli("history", "deploy/web", "--request-timeout", "3s")
    assert result.code == 1
    line = result.err.strip()
    assert len(line.splitlines()) == 1 and "<" not in line, line
    assert "502 Bad Gateway (an HTML page, not an answer of the Kubernetes API" in line


def test_a_server_that_never_answers_is_given_up_on_after_the_request_timeout(
    counted: RunningCluster, tmp_path: Path
) -> None:
    history_of(counted, "web", IMAGES)
    counted.cluster.faults.add("GET deployments/web delay=120 x0")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "kubectl_rollback",
            "history",
            "deploy/web",
            "--kubeconfig",
            counted.kubeconfig,
            "--request-timeout",
            "2s",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    line = out.stderr.strip()
    assert len(line.splitlines()) == 1 and "timed out" in line, out.stderr
