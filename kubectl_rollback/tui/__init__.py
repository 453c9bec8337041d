"""The Textual terminal UI of kubectl rollback (Textual is imported only when the UI starts).

``run_app`` is what ``kubectl rollback`` (no workload, in a terminal), ``kubectl
rollback deploy/NAME`` (or sts/NAME, ds/NAME; in a terminal, without --yes/--dry-run/-o) and
``kubectl rollback --demo`` call.

Test hook: with ``--demo``, when the environment variable
``KUBECTL_ROLLBACK_DEMO_KUBECONFIG`` names a file, the kubeconfig of the
in-process simulated cluster is written there, so that a test (or a curious
user) can point the real kubectl at the demo cluster while the UI runs. It
only ever describes the loopback simulated cluster, which ends with the process.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core.target import TargetSpec
    from .app import RollbackApp

DEMO_KUBECONFIG_ENV = "KUBECTL_ROLLBACK_DEMO_KUBECONFIG"


def run_app(
    *,
    namespace: str | None = None,
    context: str | None = None,
    kubeconfig: str | None = None,
    demo: bool = False,
    read_only: bool = False,
    workload: str | None = None,
    target: TargetSpec | None = None,
    workload_kind: str = "Deployment",
    request_timeout: float = 30.0,
) -> None:
    """Run the terminal UI until the user quits.

    ``request_timeout``: how long one request to the API server may take, retries included
    (seconds; 0: no limit), as ``--request-timeout`` says.
    SIGTERM or SIGINT ends the app cleanly (the terminal restored), then raises
    ``interrupts.Stopped`` saying what was left how (exit 143 / 130 from the CLI).
    """
    # Importing Textual makes some 300,000 objects that live as long as the app: collecting
    # among them while importing finds nothing to free, and the full collection they led to
    # (20-30 ms) came just before the first frame. Frozen once imported, the collector no
    # longer looks at them (what the app makes later is collected as before).
    # The collector stays off until the first frame is on the terminal: the app's start makes
    # tens of thousands of objects more (widgets, styles, the listing), and the young
    # collections they led to took 15-20 ms of it. Then its full collections wait for the
    # user to pause (collector.py).
    from .collector import Collector

    collector = Collector(enabled=gc.isenabled())
    gc.disable()
    try:
        from .cluster import Connector, Prefetch, PrefetchingConnector

        if not demo:
            # The cluster is asked for the workloads while the UI loads (see Prefetch).
            connector = Connector(kubeconfig, request_timeout=request_timeout)
            prefetch = Prefetch(connector, context, namespace)
        from .app import RollbackApp

        gc.freeze()
        if not demo:
            app = RollbackApp(
                connector=PrefetchingConnector(
                    kubeconfig, request_timeout=request_timeout, prefetch=prefetch
                ),
                namespace=namespace,
                context=context,
                read_only=read_only,
                workload=workload,
                target=target,
                workload_kind=workload_kind,
                handle_signals=True,
                collector=collector,
            )
            app.run()
            _raise_if_signalled(app)
            _say_goodbye(app)
            return
        from ..sim import DEMO_NAMESPACE, run_demo

        with run_demo() as sim:
            _share_demo_kubeconfig(sim.kubeconfig)
            app = RollbackApp(
                connector=Connector(sim.kubeconfig, request_timeout=request_timeout),
                namespace=namespace or DEMO_NAMESPACE,
                read_only=read_only,
                now_fn=sim.cluster.clock.now,
                workload=workload,
                target=target,
                workload_kind=workload_kind,
                handle_signals=True,
                demo=True,
                collector=collector,
            )
            app.run()
        _raise_if_signalled(app)
        _say_goodbye(app)
    finally:
        collector.stop()
        if collector.enabled:
            gc.enable()


def _say_goodbye(app: RollbackApp) -> None:
    """The parting line, on the terminal once the UI has closed: what is still rolling out and
    how to follow it."""
    if app.parting_line:
        print(app.parting_line, flush=True)


def _raise_if_signalled(app: RollbackApp) -> None:
    from ..interrupts import Stopped

    if app.stopped_by is not None:
        raise Stopped(app.stopped_by).saying(app.stop_message or "nothing was changed")


def _share_demo_kubeconfig(path: str) -> None:
    wanted: Any = os.environ.get(DEMO_KUBECONFIG_ENV)
    if wanted:
        target = Path(wanted)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(Path(path).read_text())
