"""`kubectl rollback history TYPE/NAME`: a workload's revisions with the evidence of which
succeeded (a Service's blue/green group and switches, a release's records)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from ..core import errors
from ..core import rollback as use_case
from ..core.target import TargetChoice, choose_target
from .args import fail, parse_duration, parse_workload
from .common import check_output, gateway, workload_ref
from .console import print_lines
from .text import dump, history_lines, revision_detail_lines


def history(
    *,
    workload: list[str],
    namespace: str | None,
    context: str | None,
    kubeconfig: str | None,
    output: str | None,
    revision: int | None,
    show_secrets: bool,
    request_timeout: str = "30s",
    demo: bool = False,
) -> None:
    check_output(output)
    parse_workload(workload)  # usage errors before any connection
    parse_duration(request_timeout, "--request-timeout")
    with gateway(kubeconfig, context, namespace, demo, request_timeout) as gw:
        ref = workload_ref(workload, gw.namespace)
        now = datetime.now(UTC)
        if ref.kind == "Release":
            from .releases import release_history

            release_history(gw, ref.name, output)
            return
        if ref.kind == "Service":
            if revision is not None:
                fail(
                    "--revision does not apply to a Service: blue/green groups have no revisions", 2
                )
            from .services import service_history

            service_history(gw, ref, output)
            return
        hist = use_case.load(gw, ref, now=now, pods=True)
        choice: TargetChoice | None
        try:
            choice = choose_target(hist)
        except errors.TargetError:
            choice = None
        if revision is not None:
            rev = hist.revision(revision)
            if rev is None:
                raise errors.TargetNotFound(
                    f"unable to find the specified revision {revision} in history"
                )
            if output:
                from ..core import documents

                doc = documents.revision_history(hist, choice)
                doc["revisions"] = [r for r in doc["revisions"] if r["revision"] == revision]
                sys.stdout.write(dump(doc, output))
            else:
                print_lines(revision_detail_lines(hist, rev, show_secrets))
            return
        if output:
            from ..core import documents

            sys.stdout.write(dump(documents.revision_history(hist, choice), output))
        else:
            print_lines(history_lines(hist, choice, now))
