"""The terminal UI end to end, in a real terminal (tmux), on both clusters.

The installed `kubectl-rollback` runs in tmux with KUBECONFIG pointing at the cluster; keys
roll the Harness case back; the real kubectl confirms the result from outside.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubectl_rollback.sim import run_cluster
from tests.clusters import SimTestCluster, TestCluster, deployment, roll_out, rollout_complete
from tests.stories.test_stories import harness_case, template_images
from tests.terminal import terminal

QUIT_HELP = ("q Quit  ? Help", "q Quit ? Help")
"""The footer's start (compact on a narrow terminal)."""
SCRIPT = Path(sys.executable).parent / "kubectl-rollback"

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None or not SCRIPT.exists(),
    reason="needs tmux and the installed kubectl-rollback script",
)


def test_rolling_back_the_harness_case_in_a_real_terminal(cluster: TestCluster) -> None:
    harness_case(cluster, "web")
    with cluster.clock(), terminal(f"KUBECONFIG={cluster.kubeconfig} {SCRIPT}") as term:
        # It opens on the namespace of the current context, web (its only workload) selected.
        term.wait(
            lambda s: "Workloads (1)" in s or "Workloads (" in s and "web" in s,
            "the workloads list",
            timeout=30,
        )
        term.wait(
            lambda s: (
                "kubectl rollout undo would pick revision 2" in s and "Preview: web 3 → 1" in s
            ),
            "web's history and preview",
            timeout=30,
        )
        term.keys("r")
        term.wait(lambda s: "Confirm rollback" in s, "the confirmation dialog")
        assert template_images(cluster.must("deployments", "web")) == ["nginx:crash-1"]
        term.keys("y")
        screen = term.wait(
            lambda s: "successfully rolled out" in s, "the rollout to finish", timeout=120
        )
        assert "Rolling back deployment.apps/web" in screen
        live = cluster.must("deployments", "web")
        assert template_images(live) == ["nginx:1.25.3"] and rollout_complete(live)
        out = cluster.kubectl().ok(
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
        )
        assert out == "4"
        term.keys("q")
        assert term.wait_gone(), "q did not quit the app"


def wait_for_file(path: Path, timeout: float) -> str:
    """The contents of ``path`` once it exists (bounded)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} was not written within {timeout}s")
        time.sleep(0.05)
    return path.read_text()


@pytest.fixture
def stopped_clock(tmp_path: Path) -> Iterator[SimTestCluster]:
    """The simulated cluster with its clock stopped: a rollout started in it stays in progress."""
    with run_cluster("empty", time_scale=0) as running:
        yield SimTestCluster(running, "signals", tmp_path)


@pytest.mark.parametrize(
    ("signum", "status", "word"),
    [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")],
    ids=["SIGTERM", "SIGINT"],
)
def test_a_signal_during_a_rollout_ends_the_ui_cleanly_and_says_the_rollout_goes_on(
    stopped_clock: SimTestCluster, tmp_path: Path, signum: int, status: int, word: str
) -> None:
    cluster = stopped_clock
    # Three healthy revisions: revision 2's pods are gone, so rolling back to it starts new
    # pods, which wait for the stopped clock.
    for image in ("nginx:1.25.3", "nginx:1.25.4", "nginx:1.26.0"):
        roll_out(cluster, deployment("web", image), expect="complete")
    pid_file, status_file = tmp_path / "tui.pid", tmp_path / "tui.status"
    # The inner sh writes its pid and becomes the TUI (exec): the signal goes to the real
    # process. The outer sh writes its exit status (tmux may take long to report a dead
    # pane's status on a busy machine).
    wrapper = tmp_path / "run.sh"
    wrapper.write_text(
        f"sh -c 'echo $$ > {pid_file}; exec {SCRIPT}'\necho $? > {status_file}.tmp\n"
        f"mv {status_file}.tmp {status_file}\n"
    )
    command = f"KUBECONFIG={cluster.kubeconfig} sh {wrapper}"
    with terminal(command, keep=True) as term:
        term.wait(
            lambda s: "Preview: web 3 → 2" in s and "as kubectl rollout undo would" in s,
            "web's history and preview",
            timeout=30,
        )
        term.keys("r")
        term.wait(lambda s: "Confirm rollback" in s, "the confirmation dialog")
        term.keys("y")
        term.wait(
            lambda s: "Rolling back deployment.apps/web" in s and "rollout to finish" in s,
            "the rollout in progress",
            timeout=30,
        )
        assert not rollout_complete(cluster.must("deployments", "web"))  # the clock is stopped
        os.kill(int(pid_file.read_text()), signum)
        assert wait_for_file(status_file, timeout=30).strip() == str(status)
        assert term.pane("alternate_on") == "0", "the Textual screen was left on the terminal"
        shown = term.everything()
    # Every line the program left (tmux adds its own "Pane is dead" line under it).
    lines = [line for line in shown.splitlines() if line.strip() and "Pane is dead" not in line]
    assert "Traceback" not in shown and "Workloads (" not in shown, shown
    assert lines == [
        f"error: {word}: deployment.apps/web was rolled back to revision 2 (nginx:1.25.4); "
        "the rollout goes on in the cluster (kubectl rollout status deployment/web -n signals)"
    ], shown
    # The rollback is whole in the cluster: revision 2's template as the new revision 4.
    live = cluster.must("deployments", "web")
    assert template_images(live) == ["nginx:1.25.4"]
    assert live["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "4"


def _footer(screen: str) -> str:
    lines = [line for line in screen.splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def test_at_80x24_one_pane_at_a_time_opens_on_the_failing_workload_and_quitting_mid_rollout_says_how_to_follow_it(  # noqa: E501
    cluster: TestCluster,
) -> None:
    # api is healthy and listed first; worker crash-loops (rolling out, its deadline far
    # away); web's revision 1 is an image that can never be pulled: a rollout back to it
    # cannot end while the test looks, on either cluster.
    roll_out(cluster, deployment("api", "nginx:1.25.3"), expect="complete")
    roll_out(
        cluster,
        deployment("worker", "nginx:crash-1", progressDeadlineSeconds=600),
        expect="CrashLoopBackOff",
    )
    roll_out(
        cluster,
        deployment("web", "nginx:broken-1", progressDeadlineSeconds=600),
        expect="ImagePullBackOff",
    )
    roll_out(cluster, deployment("web", "nginx:1.25.3"), expect="complete")
    namespace = cluster.namespace
    with terminal(f"KUBECONFIG={cluster.kubeconfig} {SCRIPT}", 80, 24) as term:
        screen = term.wait(
            lambda s: "Workloads (3)" in s and _footer(s).startswith(QUIT_HELP),
            "the workloads list, quit and help first in the footer",
            timeout=30,
        )
        assert "REVISIONS" not in screen.upper().replace("REV ", "")  # the list alone
        term.keys("Enter")  # opens the workload the cursor started on: the crash-looping one
        screen = term.wait(
            lambda s: "deployment.apps/worker" in s, "worker's revisions", timeout=30
        )
        assert "Workloads (3)" not in screen and _footer(screen).startswith(QUIT_HELP)
        term.keys("Escape")
        term.wait(lambda s: "Workloads (3)" in s, "back to the list")
        term.keys("q")
        assert term.wait_gone(), "q did not quit the app"
    with terminal(
        f"KUBECONFIG={cluster.kubeconfig} {SCRIPT} deploy/web --to-revision 1", 80, 24, keep=True
    ) as term:
        # Asked for by name: its revisions and preview at once, even at 80 columns.
        term.wait(lambda s: "Preview: web 2 → 1" in s, "web's preview", timeout=30)
        term.keys("r")
        screen = term.wait(lambda s: "No, keep it" in s, "the confirmation dialog")
        for part in ("Type web and Enter to roll back", "No, keep it", "Roll back", "Warnings"):
            assert part in screen, screen
        assert template_images(cluster.must("deployments", "web")) == ["nginx:1.25.3"]
        term.keys("-l", "web")  # at once: the input has the focus
        term.keys("Enter")
        term.wait(lambda s: "Rolling back deployment.apps/web" in s, "the rollout view", timeout=30)
        assert template_images(cluster.must("deployments", "web")) == ["nginx:broken-1"]
        term.keys("q")
        # Read with the scrollback: tmux restores the cursor of the main screen where it
        # pleases (seen at its last row, the line's start then scrolled off by "Pane is dead").
        term.wait(
            lambda _: "still rolling out" in " ".join(term.everything().split()),
            "the parting line after the UI",
            timeout=30,
        )
        assert term.pane("alternate_on") == "0"
        shown = term.everything()
    lines = [line for line in shown.splitlines() if line.strip() and "Pane is dead" not in line]
    assert "Traceback" not in shown and lines == [
        "deployment.apps/web is still rolling out in the cluster; follow with: "
        f"kubectl rollout status deployment/web -n {namespace}"
    ], shown


def test_quitting_the_demo_mid_rollout_says_the_demo_cluster_stops_with_it() -> None:
    # checkout's revision 2 is an image that can never be pulled: its rollout never ends.
    command = f"{SCRIPT} --demo deploy/checkout --to-revision 2"
    with terminal(command, 80, 24, keep=True) as term:
        term.wait(lambda s: "Preview: checkout 3 → 2" in s, "checkout's preview", timeout=30)
        term.keys("r")
        term.wait(lambda s: "Confirm rollback" in s, "the confirmation dialog")
        term.keys("y")
        term.wait(lambda s: "Rolling back deployment.apps/checkout" in s, "the rollout view")
        term.keys("q")
        # Read with the scrollback, as above (the line's start may have scrolled off).
        term.wait(
            lambda _: "still rolling out" in " ".join(term.everything().split()),
            "the parting line",
            timeout=30,
        )
        shown = term.everything()
    lines = [line for line in shown.splitlines() if line.strip() and "Pane is dead" not in line]
    assert lines == [
        "deployment.apps/checkout is still rolling out: the demo cluster stops with the UI, "
        "so the rollout ends here"
    ], shown
