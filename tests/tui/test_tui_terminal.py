"""End to end in a real terminal: tmux runs the installed `kubectl-rollback --demo`, keys roll
checkout back.

The demo's simulated cluster lives inside that process; the documented hook
KUBECTL_ROLLBACK_DEMO_KUBECONFIG makes it write its kubeconfig so that the real
kubectl can confirm the rollback from outside.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kubectl import Kubectl, kubectl_or_skip
from tests.terminal import Terminal
from tests.terminal import terminal as open_terminal

SCRIPT = Path(sys.executable).parent / "kubectl-rollback"
CHECKOUT_GOOD = "registry.example.com/shop/checkout:1.8.1"

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None or not SCRIPT.exists(),
    reason="needs tmux and the installed kubectl-rollback script",
)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    kubeconfig = tmp_path / "demo.kubeconfig"
    with open_terminal(f"KUBECTL_ROLLBACK_DEMO_KUBECONFIG={kubeconfig} {SCRIPT} --demo") as term:
        yield term, kubeconfig


def test_rolling_back_checkout_in_a_real_terminal(
    terminal: tuple[Terminal, Path], tmp_path: Path
) -> None:
    term, kubeconfig = terminal
    term.wait(lambda s: "Workloads (" in s and "checkout" in s, "the workloads list")
    assert kubeconfig.exists()
    kubectl: Kubectl = kubectl_or_skip("1.33", str(kubeconfig), tmp_path / "kubectl-cache")
    image = [
        "get",
        "deploy",
        "checkout",
        "-n",
        "shop",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]
    assert kubectl.ok(*image).endswith("crash-1.9.1")

    term.keys("/")
    term.wait(lambda s: "filter: name, kind" in s, "the filter box")
    term.keys("-l", "checkout")
    term.wait(lambda s: "(1 of " in s and "filter: checkout)" in s, "the filtered list")
    term.keys("Enter")  # keeps the filter, closes the box: the keys go to the list again
    term.wait(lambda s: "▔▔▔" not in s, "the filter box to close")
    term.wait(
        lambda s: "kubectl rollout undo would pick 2" in s and "Preview: checkout 3 → 1" in s,
        "checkout's history and preview",
    )
    term.keys("r")
    term.wait(lambda s: "Confirm rollback" in s, "the confirmation dialog")
    assert kubectl.ok(*image).endswith("crash-1.9.1")
    term.keys("y")
    screen = term.wait(lambda s: "successfully rolled out" in s, "the rollout to finish")
    assert "Rolling back deployment.apps/checkout" in screen
    assert kubectl.ok(*image) == CHECKOUT_GOOD
    revision = kubectl.ok(
        "get",
        "deploy",
        "checkout",
        "-n",
        "shop",
        "-o",
        "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
    )
    assert revision == "4"

    term.keys("q")
    assert term.wait_gone(), "q did not quit the app"
