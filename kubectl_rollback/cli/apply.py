"""`kubectl rollback apply PLAN`: apply exactly a plan reviewed with `--dry-run -o json`,
or refuse, changing nothing, when what it covers changed since the review."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from ..core import documents, errors
from ..core import rollback as use_case
from ..core.kinds import kind_named, supported, supported_text
from ..core.model import WorkloadRef
from ..core.target import TargetSpec
from .args import fail, parse_duration
from .commands import carry_out
from .common import check_output, gateway


def apply(
    *,
    path: str,
    context: str | None,
    kubeconfig: str | None,
    output: str | None,
    wait: bool,
    timeout: str,
    request_timeout: str,
    quiet: bool = False,
) -> None:
    """Apply exactly a reviewed plan (`--dry-run -o json > plan.json`), or refuse, changing
    nothing."""
    check_output(output)
    timeout_seconds = parse_duration(timeout)
    parse_duration(request_timeout, "--request-timeout")
    reviewed = _read_plan(path)
    if reviewed["kind"] == "TrafficSwitchPlan":
        _apply_switch(
            reviewed, context, kubeconfig, output, request_timeout, timeout_seconds, quiet
        )
        return
    workload = reviewed["workload"]
    kind, namespace, name = str(workload["kind"]), str(workload["namespace"]), str(workload["name"])
    target = reviewed["to"].get(kind_named(kind).revision_json_key)
    with gateway(kubeconfig, context, namespace, False, request_timeout) as gw:
        ref = WorkloadRef(kind, namespace, name)
        now = datetime.now(UTC)
        hist = use_case.load(gw, ref, now=now)
        # Planned again from the cluster as it is now, for the reviewed target and by the
        # reviewed actor: the same plan exactly when nothing it covers has changed.
        plan = use_case.plan(
            hist,
            TargetSpec.replicaset(str(target)),
            actor=reviewed.get("actor"),
            now=now,
            show_secrets=bool(reviewed.get("showSecrets")),
        )
        if plan.resource_version != reviewed.get("resourceVersion"):
            raise errors.Conflict(
                f"{ref.display} changed since the plan was reviewed (resourceVersion "
                f"{reviewed.get('resourceVersion')} -> {plan.resource_version}): "
                "nothing was applied; make and review a new plan"
            )
        fresh = documents.rollback_plan(plan)
        for key, what in (
            ("patch", "the change it makes"),
            ("patchType", "the change it makes"),
            ("newRevisionNumber", "the revision number it creates"),
        ):
            if fresh.get(key) != reviewed.get(key):
                raise errors.Conflict(
                    f"the rollback of {ref.display} would now differ from the reviewed plan "
                    f"({what}): nothing was applied; make and review a new plan"
                )
        carry_out(
            gw,
            ref,
            plan,
            mode=None,
            output=output,
            yes=True,
            wait=wait,
            timeout_seconds=timeout_seconds,
            quiet=quiet,
        )


def _apply_switch(
    reviewed: dict[str, Any],
    context: str | None,
    kubeconfig: str | None,
    output: str | None,
    request_timeout: str,
    timeout_seconds: float,
    quiet: bool = False,
) -> None:
    """Apply exactly a reviewed traffic switch, or refuse when any Service it covers (or the
    side it scales) changed since the review, changing nothing."""
    from ..core import bluegreen_service
    from .services import carry_out_switch, untimed

    group = reviewed["group"]
    namespace, name = str(group["namespace"]), str(group["name"])
    with gateway(kubeconfig, context, namespace, False, request_timeout) as gw:
        plan = bluegreen_service.prepare_switch(
            gw,
            namespace,
            name,
            str(reviewed["to"]),
            now=datetime.now(UTC),
            actor=reviewed.get("actor"),
            force=bool(reviewed.get("force")),
            scale_up=reviewed.get("scaleUp") is not None,
        )
        fresh = documents.traffic_switch_plan(plan)

        def covered(doc: dict[str, Any]) -> tuple[Any, ...]:
            # What the switch writes and what it is guarded by; not the Ready pods of the
            # moment (a pod restart since the review is no change to the plan).
            changes = [
                (c.get("service"), c.get("resourceVersion"), untimed(c.get("patch")), c.get("to"))
                for c in doc.get("changes") or []
            ]
            scale = doc.get("scaleUp") or {}
            return (
                changes,
                (scale.get("workload"), scale.get("color"), scale.get("to")),
                doc.get("refusal"),
            )

        for index, what in enumerate(
            (
                "the Services it changes, their selectors and resourceVersions",
                "the scale-up it makes first",
                "whether it may run",
            )
        ):
            if covered(fresh)[index] != covered(reviewed)[index]:
                raise errors.Conflict(
                    f"the traffic switch of service/{name} would now differ from the reviewed "
                    f"plan ({what}): nothing was applied; make and review a new plan"
                )
        carry_out_switch(
            gw,
            plan,
            mode=None,
            output=output,
            yes=True,
            timeout_seconds=timeout_seconds,
            quiet=quiet,
        )


def _read_plan(path: str) -> dict[str, Any]:
    """A RollbackPlan document (or the RollbackResult of a dry run holding one); usage errors
    otherwise."""
    import json

    import yaml

    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
    except OSError as exc:
        fail(f"cannot read the plan {path}: {exc.strerror or exc}", 2)
    except UnicodeDecodeError:
        fail(f"the plan {path} is not UTF-8 text", 2)
    try:
        doc = json.loads(text)
    except ValueError:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            fail(f"the plan {path} is neither JSON nor YAML", 2)
    if isinstance(doc, dict) and doc.get("kind") == "RollbackResult":
        doc = doc.get("plan")
    if (
        not isinstance(doc, dict)
        or doc.get("kind") != "RollbackPlan"
        or doc.get("apiVersion") != documents.API_VERSION
    ):
        if isinstance(doc, dict) and doc.get("kind") == "TrafficSwitchResult":
            doc = doc.get("plan")
        if (
            isinstance(doc, dict)
            and doc.get("kind") == "TrafficSwitchPlan"
            and doc.get("apiVersion") == documents.API_VERSION
        ):
            group = doc.get("group")
            if not (
                isinstance(group, dict)
                and isinstance(group.get("name"), str)
                and isinstance(group.get("namespace"), str)
                and isinstance(doc.get("to"), str)
                and isinstance(doc.get("changes"), list)
            ):
                fail(f"the plan {path} is incomplete (group and target colour are required)", 2)
            return doc
        fail(
            f"the plan {path} is not a kubectl-rollback.io/v1 RollbackPlan "
            "(make one with kubectl rollback TYPE/NAME --dry-run -o json)",
            2,
        )
    workload, to = doc.get("workload"), doc.get("to")
    if not (
        isinstance(workload, dict)
        and all(isinstance(workload.get(k), str) for k in ("kind", "namespace", "name"))
        and isinstance(to, dict)
    ):
        fail(f"the plan {path} is incomplete (workload and target are required)", 2)
    if not supported(workload["kind"]):
        fail(
            f"the plan {path} names a {workload['kind']}: only {supported_text()}",
            2,
        )
    if not to.get(kind_named(workload["kind"]).revision_json_key):
        fail(f"the plan {path} is incomplete (workload and target are required)", 2)
    return doc
