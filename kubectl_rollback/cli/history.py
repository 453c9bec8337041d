"""`kubectl rollback history TYPE/NAME`: a workload's revisions with the evidence of which
succeeded (a Service's blue/green group and switches, a release's records)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..core import errors
from ..core import rollback as use_case
from ..core.kinds import kind_named
from ..core.target import TargetChoice, choose_target
from .args import fail, parse_duration, parse_workload
from .common import check_output, gateway, workload_ref
from .console import print_lines
from .text import SYMBOL, age, dump, kept_line, revision_label, table

if TYPE_CHECKING:
    from ..core.kinds import WorkloadHistory
    from ..core.model import Revision


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


def history_lines(
    history: WorkloadHistory, choice: TargetChoice | None, now: datetime
) -> list[str]:
    """The `history` command's table, markers for the current revision and the default target."""
    target = choice.revision.number if choice else None
    rows = [
        [
            "",
            "REVISION",
            _object_column(history),
            "IMAGES",
            "AGE",
            "READY",
            "HEALTH",
            "CHANGE-CAUSE",
            "EVIDENCE",
        ]
    ]
    for rev in history.revisions:
        mark = "●" if rev.current else ("★" if rev.number == target else "")
        evidence = "; ".join(e.line for e in rev.evidence) or "no evidence"
        rows.append(
            [
                mark,
                revision_label(rev),
                rev.object_name,
                rev.image_summary,
                age(rev.created, now),
                f"{rev.ready}/{rev.desired}",
                f"{SYMBOL[rev.health]} {rev.health.value}",
                rev.change_cause or "<none>",  # as kubectl rollout history prints it
                evidence,
            ]
        )
    lines = [f"{history.ref.display} (namespace {history.ref.namespace})", *table(rows)]
    lines.append(f"● current  ★ default rollback target   {kept_line(history)}")
    if choice is not None:
        if choice.kubectl_would_pick is not None:
            lines.append(
                f"kubectl rollout undo would pick revision {choice.kubectl_would_pick.number}; "
                f"kubectl rollback picks revision {choice.revision.number}"
            )
        lines.extend(f"warning: {w.message}" for w in choice.warnings)
    return lines


def _object_column(history: WorkloadHistory) -> str:
    """The history table's column of revision objects: REPLICASET or CONTROLLERREVISION."""
    return kind_named(history.ref.kind).revision_resource.kind.upper()


def revision_detail_lines(
    history: WorkloadHistory, revision: Revision, show_secrets: bool = False
) -> list[str]:
    """`history --revision N`: kubectl's heading, then the template and evidence."""
    from ..core.rendering import mask_template, to_yaml

    lines = [f"{history.ref.display} with revision #{revision.number}"]
    if revision.former_numbers:
        lines.append(f"Formerly revision(s): {', '.join(str(n) for n in revision.former_numbers)}")
    lines.append(f"{revision.object_kind + ':':<13} {revision.object_name}")
    lines.append(f"Change-cause: {revision.change_cause or '<none>'}")
    lines.append(f"Health:       {SYMBOL[revision.health]} {revision.health.value}")
    lines.extend(f"  - {e.line}" for e in revision.evidence)
    lines.append("Pod Template:")
    template = dict(revision.template) if show_secrets else mask_template(dict(revision.template))
    lines.extend("  " + line for line in to_yaml(template).splitlines())
    return lines
