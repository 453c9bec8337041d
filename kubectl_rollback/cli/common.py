"""What every command does: connect to the cluster, name the workload, check -o, print
a result. The commands themselves are in commands.py (rollback and the terminal UI),
history.py, apply.py, services.py (blue/green) and releases.py."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..core.kinds import supported, supported_text
from ..core.model import WorkloadRef
from .args import fail, parse_duration, parse_workload
from .console import say
from .text import dump

if TYPE_CHECKING:  # blue/green rules and documents load only for a Service or -o json|yaml
    from ..core import bluegreen_service
    from ..core.rollback import RollbackResult


@contextlib.contextmanager
def gateway(
    kubeconfig: str | None,
    context: str | None,
    namespace: str | None,
    demo: bool,
    request_timeout: str = "30s",
) -> Iterator[Any]:
    """A connected KubeGateway; with `demo`, against a simulated cluster started for this run."""
    from ..kube.gateway import KubeGateway

    seconds = parse_duration(request_timeout, "--request-timeout")
    if not demo:
        gw = KubeGateway.connect(kubeconfig, context, namespace, request_timeout=seconds)
        try:
            yield gw
        finally:
            gw.close()
        return
    from ..sim import DEMO_NAMESPACE, run_demo

    with run_demo() as sim:
        gw = KubeGateway.connect(
            sim.kubeconfig, None, namespace or DEMO_NAMESPACE, request_timeout=seconds
        )
        try:
            yield gw
        finally:
            gw.close()


def workload_ref(workload: list[str], namespace: str) -> WorkloadRef:
    kind, name = parse_workload(workload)
    if kind in ("Service", "Release"):
        return WorkloadRef(kind, namespace, name)
    if not supported(kind):
        fail(
            f"{kind}s cannot be rolled back: kubectl rollback handles {supported_text()} "
            "(and blue/green Services)",
            2,
        )
    return WorkloadRef(kind, namespace, name)


def check_output(output: str | None) -> None:
    if output not in (None, "json", "yaml"):
        fail(
            f'unable to match a printer suitable for the output format "{output}", '
            "allowed formats are: json,yaml",
            2,
        )


def emit_result(
    result: RollbackResult | bluegreen_service.TrafficSwitchResult,
    output: str | None,
    info: Any,
    one_line: bool = False,
) -> None:
    if output:
        from ..core import documents
        from ..core.rollback import RollbackResult

        doc = (
            documents.rollback_result(result)
            if isinstance(result, RollbackResult)
            else documents.traffic_switch_result(result)
        )
        sys.stdout.write(dump(doc, output))
    else:
        say("; ".join(result.message.splitlines()) if one_line else result.message, info)


def unrecorded_warning(outcome: Any, what: str = "") -> str | None:
    """The ``warning:`` line of a followed rollout whose outcome could not be recorded on its
    revision (None: recorded, or nothing was due); ``what``: the workload, for a line among
    several."""
    if outcome is None or outcome.record_error is None:
        return None
    on = f" on {outcome.revision}" if outcome.revision else ""
    lead = f"{what}: " if what else ""
    return (
        f"warning: {lead}the rollout's {outcome.verdict.value} was not recorded{on}: "
        f"{outcome.record_error}"
    )
