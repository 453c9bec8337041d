"""Signals sent to the real process: an interrupted command says what it applied and exits 130 /
143.

The simulated cluster runs in this process with its clock stopped, so a rollout never
finishes by itself and `--wait` is still following it when the signal arrives.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.sim.scenarios.bluegreen import COLOR
from tests.cli.cli_support import history_of

CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
SIGNALS = pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"]
)


class Running:
    """`kubectl-rollback ARGS` as a subprocess whose output lines are read with a timeout."""

    def __init__(self, kubeconfig: str, *args: str, tty_input: bool = False) -> None:
        env = {**os.environ, "KUBECONFIG": kubeconfig, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kubectl_rollback", *args],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for_line(self, text: str, timeout: float = 30) -> list[str]:
        seen: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} (saw {seen})") from None
            seen.append(line)
            if text in line:
                return seen

    def stop(self, signum: int, timeout: float = 30) -> tuple[int, str, str]:
        self.proc.send_signal(signum)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("the process did not end after the signal") from None
        self.reader.join(timeout=10)  # every line of stdout is read
        assert self.proc.stderr is not None
        err = self.proc.stderr.read()
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        return self.proc.returncode, "".join(rest), err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@SIGNALS
def test_an_interrupted_wait_says_what_was_applied_and_that_the_rollout_goes_on(
    sim: RunningCluster, signum: int
) -> None:
    # Revision 1's ReplicaSet has no pods left: with the clock stopped its new pods never get
    # Ready, so the rollout is still going when the signal comes (rolling back to revision 2,
    # whose pods still serve, would finish at once: the test would race the controllers).
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.25.4", "nginx:crash-1"])
    running = Running(
        sim.kubeconfig, "deploy/web", "--yes", "--wait", "--timeout", "10m", "--to-revision", "1"
    )
    running.wait_for_line("deployment.apps/web rolled back")
    code, _, err = running.stop(signum)
    assert code == CODES[signum]
    line = one_line(err)
    assert "deployment.apps/web was rolled back to revision 1" in line
    assert (
        "the rollout goes on" in line and "kubectl rollout status deployment/web -n default" in line
    )
    live = sim.cluster.get("deployments", "default", "web")
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25.3"


def test_an_interrupted_wait_still_prints_its_document(sim: RunningCluster) -> None:
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.25.4", "nginx:crash-1"])  # as above
    running = Running(
        sim.kubeconfig, "deploy/web", "--yes", "--wait", "-o", "json", "--to-revision", "1"
    )
    assert running.proc.stderr is not None
    line = running.proc.stderr.readline()  # progress goes to stderr with -o json
    assert "rolled back" in line, line
    code, out, err = running.stop(signal.SIGINT)
    assert code == 130
    doc = json.loads(out)
    assert doc["applied"] is True and doc["rollout"]["verdict"] == "interrupted"
    assert "the rollout goes on" in one_line(err)


@pytest.mark.parametrize("sim", ["bluegreen"], indirect=True)
@SIGNALS
def test_a_switch_interrupted_while_scaling_up_switches_nothing(
    sim: RunningCluster, signum: int
) -> None:
    # api's blue side is scaled to 0; with the clock stopped its pods never get Ready.
    running = Running(sim.kubeconfig, "svc/api", "--yes", "--scale-up", "--timeout", "10m")
    running.wait_for_line("Waiting for")
    code, _, err = running.stop(signum)
    assert code == CODES[signum]
    line = one_line(err)
    assert "traffic was not switched" in line and "service/api routes to green" in line
    assert sim.cluster.get("services", "default", "api")["spec"]["selector"]["color"] == "green"


@pytest.mark.parametrize("sim", ["bluegreen"], indirect=True)
@SIGNALS
def test_a_signal_during_a_switch_never_leaves_it_half_done(
    sim: RunningCluster, signum: int
) -> None:
    # The signal arrives while the first Service's PATCH is being answered (the server
    # holds it), so it lands between the two writes of the switch.
    gate = threading.Event()
    arrived = threading.Event()
    store = sim.cluster.store
    original = store.update

    def slow_update(rt: Any, *args: Any, **kwargs: Any) -> Any:
        if rt.plural == "services" and not kwargs.get("dry_run") and not gate.is_set():
            arrived.set()
            gate.wait(20)
        return original(rt, *args, **kwargs)

    store.update = slow_update  # type: ignore[method-assign]
    try:
        running = Running(sim.kubeconfig, "svc/web", "--yes")
        assert arrived.wait(30), "the switch never wrote a Service"
        running.proc.send_signal(signum)
        gate.set()
        code, out, err = running.stop(signum)
    finally:
        store.update = original  # type: ignore[method-assign]
    assert code == CODES[signum]
    selectors = {
        n: sim.cluster.get("services", "default", n)["spec"]["selector"][COLOR]
        for n in ("web", "web-stage")
    }
    assert selectors == {"web": "blue", "web-stage": "green"}, "the switch was left half-done"
    line = one_line(err)
    assert "service/web routes to blue" in line and "service/web-stage routes to green" in line


def test_end_of_input_at_the_question_cancels(sim: RunningCluster) -> None:
    import pty

    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0"])
    before = sim.cluster.get("deployments", "default", "web")["metadata"]["resourceVersion"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal on both ends, so the y/N question is asked
        os.environ["KUBECONFIG"] = sim.kubeconfig
        os.execv(
            sys.executable,
            [sys.executable, "-m", "kubectl_rollback", "deploy/web", "-o", "json", "--no-wait"],
        )
    output = b""
    deadline = time.monotonic() + 30
    while b"[y/N]" not in output and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                output += os.read(fd, 4096)
            except OSError:
                break
    assert b"[y/N]" in output, output.decode(errors="replace")
    os.write(fd, b"\x04")  # Ctrl-D
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    text = output.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 1, text
    assert "Traceback" not in text and "rollback cancelled; nothing was changed" in text
    assert sim.cluster.get("deployments", "default", "web")["metadata"]["resourceVersion"] == before


def test_a_command_whose_stop_is_lost_still_ends_within_the_grace(tmp_path: Any) -> None:
    """The safety net: a Stopped swallowed somewhere (Python prints some exceptions as
    'ignored') cannot keep a signalled command running: it ends, exit 130, one line."""
    script = tmp_path / "swallow.py"
    script.write_text(
        "import sys, time\n"
        "from kubectl_rollback.interrupts import raising\n"
        "with raising():\n"
        "    try:\n"
        "        print('ready', flush=True)  # inside the try: the signal follows it\n"
        "        time.sleep(60)\n"
        "    except BaseException:\n"
        "        pass  # the Stopped is lost here\n"
        "    time.sleep(60)\n"
    )
    env = {**os.environ, "KUBECTL_ROLLBACK_STOP_GRACE": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the command did not end after the signal") from None
    assert proc.returncode == 130
    assert one_line(err).startswith("error: interrupted: the command did not stop cleanly")
