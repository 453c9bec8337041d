"""End to end in a real terminal: tmux runs the installed `kubectl-rollback --demo`, keys roll checkout back.

The demo's simulated cluster lives inside that process; the documented hook
KUBECTL_ROLLBACK_DEMO_KUBECONFIG makes it write its kubeconfig so that the real
kubectl can confirm the rollback from outside.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kubectl import Kubectl, kubectl_or_skip

SCRIPT = Path(sys.executable).parent / "kubectl-rollback"
CHECKOUT_GOOD = "registry.example.com/shop/checkout:1.8.1"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None or not SCRIPT.exists(),
                                reason="needs tmux and the installed kubectl-rollback script")


class Terminal:
    """One tmux session: send keys, read the screen."""

    def __init__(self, name: str) -> None:
        self.name = name

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "-L", self.name, "send-keys", "-t", self.name, *keys], check=True)

    def screen(self) -> str:
        out = subprocess.run(["tmux", "-L", self.name, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return out.stdout

    def alive(self) -> bool:
        return subprocess.run(["tmux", "-L", self.name, "has-session", "-t", self.name], capture_output=True).returncode == 0

    def wait(self, predicate: Callable[[str], bool], what: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{self.screen()}")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    name = f"kubectl-rollback-e2e-{uuid.uuid4().hex[:8]}"
    kubeconfig = tmp_path / "demo.kubeconfig"
    # COLUMNS/LINES (pytest's own terminal) would override the window size for the app.
    command = (f"env -u COLUMNS -u LINES KUBECTL_ROLLBACK_DEMO_KUBECONFIG={kubeconfig} TERM=xterm-256color COLORTERM=truecolor "
               f"{SCRIPT} --demo")
    # A private tmux server (-L) with no user configuration (-f /dev/null) keeps the size we ask for.
    subprocess.run(["tmux", "-L", name, "-f", "/dev/null", "new-session", "-d", "-s", name,
                    "-x", "160", "-y", "48", command], check=True)
    term = Terminal(name)
    try:
        yield term, kubeconfig
    finally:
        subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True)


def test_rolling_back_checkout_in_a_real_terminal(terminal: tuple[Terminal, Path], tmp_path: Path) -> None:
    term, kubeconfig = terminal
    term.wait(lambda s: "Workloads (" in s and "checkout" in s, "the workloads list")
    assert kubeconfig.exists()
    kubectl: Kubectl = kubectl_or_skip("1.33", str(kubeconfig), tmp_path / "kubectl-cache")
    image = ["get", "deploy", "checkout", "-n", "shop", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]
    assert kubectl.ok(*image).endswith("crash-1.9.1")

    term.keys("/")
    term.wait(lambda s: "filter: name, kind" in s, "the filter box")
    term.keys("-l", "checkout")
    term.keys("Enter")
    term.wait(lambda s: "kubectl rollout undo would pick 2" in s and "Preview: checkout 3 → 1" in s,
              "checkout's history and preview")
    term.keys("r")
    term.wait(lambda s: "Confirm rollback" in s, "the confirmation dialog")
    assert kubectl.ok(*image).endswith("crash-1.9.1")
    term.keys("y")
    screen = term.wait(lambda s: "successfully rolled out" in s, "the rollout to finish")
    assert "Rolling back deployment.apps/checkout" in screen
    assert kubectl.ok(*image) == CHECKOUT_GOOD
    revision = kubectl.ok("get", "deploy", "checkout", "-n", "shop", "-o",
                          "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}")
    assert revision == "4"

    term.keys("q")
    deadline = time.monotonic() + 10
    while term.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not term.alive(), "q did not quit the app"
