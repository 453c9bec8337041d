"""The rollback use case, for every workload kind: read (prepare, load) and plan; what a
dry run and ``history`` need. Carrying a plan out (execute, follow, restore, records) is
the other half, ``execution.py``, loaded only once a plan is applied.

Both front ends (and the release and guard features built on them) call these two modules
and nothing else of the core to roll a workload back; a kind adds only its strategy
(``core/kinds/``). All I/O goes through a ClusterGateway passed in; time comes in as
``now`` / ``now_fn``.

Exit codes (the CLI's contract, defined in errors.py): 0 rolled back, dry run, or
"skipped rollback" (the target is already current, as kubectl exits 0 there; a result
says ``noop``); 1 any error; 2 bad command line; 4 the rollback was applied but the
followed rollout failed or did not finish in time; 130/143 interrupted by SIGINT/SIGTERM.

Reads of ``prepare`` for one workload: GET it; one LIST of its revision objects
(ReplicaSets, ControllerRevisions) scoped by its selector; one LIST of pods with the same
selector when the kind says pods add evidence now; one LIST of ConfigMaps when some
revision references one or the workload carries Harness's marks (on its pod template, where
Harness puts them: its legacy release history); one LIST of Secrets when some revision
references Secrets or Harness marked it (its declarative releases, or a legacy history kept
in a Secret); one LIST of HPAs for kinds an
HPA scales; for a Deployment with a colour label, the Services (and Deployments) of the
namespace for the blue/green warning. Each optional read degrades to "not checked" on 403.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .api_objects import as_dict, dig, label_selector_string, template_references
from .colour_keys import has_colour_label
from .errors import (
    NoHistory,
    NotFound,
    Refused,
)
from .kinds import WorkloadHistory, kind_named
from .model import PlanWarning, WorkloadRef
from .ports import (
    CONFIGMAPS,
    HPAS,
    PODS,
    SECRETS,
    ClusterGateway,
    optional_read,
)
from .ports import WatchEvent as WatchEvent
from .target import TargetSpec, choose_target
from .values import replace, value

if TYPE_CHECKING:  # planning and blue/green rules load when a plan or a colour needs them
    from .bluegreen import GroupWarning
    from .plan import RollbackPlan

JSON = Any

HARNESS_PREFIX = "harness.io/"


def harness_marked(workload: Mapping[str, JSON]) -> bool:
    """Harness deployed it: ``harness.io/release-name`` (and friends) on the pod template,
    where Harness puts it, or on the workload itself."""
    meta = as_dict(workload.get("metadata"))
    template_labels = as_dict(dig(workload, "spec", "template", "metadata", "labels"))
    keys = [*as_dict(meta.get("labels")), *as_dict(meta.get("annotations")), *template_labels]
    return any(key.startswith(HARNESS_PREFIX) for key in keys)


def get_workload(gw: ClusterGateway, ref: WorkloadRef) -> dict[str, JSON]:
    """GET the workload ``ref`` names (UsageError for a kind this tool does not roll back)."""
    return gw.get(kind_named(ref.kind).resource, ref.namespace, ref.name)


def load(
    gw: ClusterGateway,
    ref: WorkloadRef,
    *,
    now: datetime,
    pods: bool | None = None,
    references: bool = True,
    harness: bool = True,
    hpas: bool = True,
) -> WorkloadHistory:
    """Read one workload and what its history needs (see the module docstring).

    ``pods``: None lets the kind decide (a Deployment lists pods only when they add
    evidence), True/False force it. ``references``, ``harness``, ``hpas`` turn optional
    reads off.
    """
    kind = kind_named(ref.kind)
    ns = ref.namespace
    workload = gw.get(kind.resource, ns, ref.name)
    selector = label_selector_string(as_dict(dig(workload, "spec", "selector")))
    revisions = gw.list(kind.revision_resource, ns, label_selector=selector)
    owned = kind.owned_revisions(workload, revisions)
    want_pods = kind.pods_needed(workload, owned) if pods is None else pods
    pod_list = (
        optional_read(lambda: gw.list(PODS, ns, label_selector=selector)) if want_pods else None
    )
    # Lists that cannot change the plan are not requested. An empty list then means
    # "nothing relevant exists", None "not allowed to look".
    templates = [kind.revision_template(r) for r in owned]
    cm_refs = any(template_references(t)[0] for t in templates)
    secret_refs = any(template_references(t)[1] for t in templates)
    marked = harness and harness_marked(workload)
    configmaps: list[dict[str, JSON]] | None = []
    secrets: list[dict[str, JSON]] | None = []
    if (references and cm_refs) or marked:
        configmaps = optional_read(lambda: gw.list(CONFIGMAPS, ns))
    if references and secret_refs:
        secrets = optional_read(lambda: gw.list(SECRETS, ns))
    elif marked:
        # Harness's history: declarative release Secrets (owner=harness) or a legacy
        # history Secret named after the release, which carries no labels: all of them.
        secrets = optional_read(lambda: gw.list(SECRETS, ns))
    hpa_list: list[dict[str, JSON]] = []
    if hpas and kind.lists_autoscalers:
        with contextlib.suppress(NotFound):  # a cluster without autoscaling/v2 has none
            hpa_list = optional_read(lambda: gw.list(HPAS, ns)) or []
    return kind.build_history(
        workload,
        revisions,
        pod_list,
        configmaps=configmaps,
        secrets=secrets,
        hpas=hpa_list,
        now=now,
    )


def plan(
    history: WorkloadHistory,
    spec: TargetSpec | None = None,
    *,
    actor: str | None,
    now: datetime,
    require_healthy: bool = False,
    show_secrets: bool = False,
    warnings: tuple[PlanWarning, ...] = (),
) -> RollbackPlan:
    """Choose the target and plan the rollback (pure).

    A target that is the current revision gives a "skipped rollback" plan (as ``kubectl
    rollout undo --to-revision=<current>`` does) rather than an error. ``warnings`` read
    from around the workload (the blue/green group it belongs to) are added to a plan that
    changes something; a skipped rollback redeploys nothing, so they do not apply to it.
    """
    kind = kind_named(history.ref.kind)
    choice = choose_target(history, spec, require_healthy=require_healthy, allow_current=True)
    planned = kind.plan(history, choice, actor=actor, now=now, show_secrets=show_secrets)
    if warnings and planned.noop is None:
        planned = replace(planned, warnings=(*planned.warnings, *warnings))
    return planned


@value
class Prepared:
    """A workload read for a rollback: its history, who acts, and the warnings from around it.

    ``plan`` may be called again for another target (the TUI's revision picker) without
    reading the cluster again.
    """

    history: WorkloadHistory
    actor: str | None
    warnings: tuple[PlanWarning, ...] = ()

    def plan(
        self,
        spec: TargetSpec | None = None,
        *,
        now: datetime,
        require_healthy: bool = False,
        show_secrets: bool = False,
    ) -> RollbackPlan:
        """The plan (pure). A blue/green side with no revision to go back to says where
        the rollback is instead: the Service switch."""
        try:
            return plan(
                self.history,
                spec,
                actor=self.actor,
                now=now,
                require_healthy=require_healthy,
                show_secrets=show_secrets,
                warnings=self.warnings,
            )
        except NoHistory as exc:
            group = self.group_warning
            if group is None:
                raise
            raise NoHistory(f"{exc}; {group.no_history_hint}") from None

    @property
    def group_warning(self) -> GroupWarning | None:
        """The blue/green group the Deployment is a side of (its warning), if any."""
        if not self.warnings:  # no blue/green rules were needed to make them: none loaded now
            return None
        from .bluegreen import GroupWarning

        return next((w for w in self.warnings if isinstance(w, GroupWarning)), None)


def prepare(
    gw: ClusterGateway,
    ref: WorkloadRef,
    *,
    now: datetime,
    actor: str | None = None,
    pods: bool | None = None,
) -> Prepared:
    """``load``, who acts (``gw.whoami()`` unless given), and the blue/green warning."""
    history = load(gw, ref, now=now, pods=pods)
    group = _blue_green_warning(gw, history) if kind_named(ref.kind).blue_green_side else None
    return Prepared(
        history,
        actor if actor is not None else gw.whoami(),
        (group,) if group is not None else (),
    )


def _blue_green_warning(gw: ClusterGateway, history: WorkloadHistory) -> PlanWarning | None:
    """The blue/green warning; the blue/green rules load only for a template with a colour."""
    if not has_colour_label(as_dict(dig(history.template, "metadata", "labels"))):
        return None
    from .bluegreen_service import deployment_warning

    return deployment_warning(gw, history)


# ------------------------------------------------------------------------- dry-run result


@value
class RollbackResult:
    """What ``execute`` did. ``message`` is kubectl's line (``deployment.apps/web rolled back``)."""

    plan: RollbackPlan
    applied: bool
    dry_run: bool
    noop: bool
    message: str
    resource_version: str | None = None
    event_recorded: bool = False
    event_error: str | None = None
    workload: Mapping[str, JSON] | None = None
    """The workload as the PATCH answered (or as read back after a lost answer)."""


def client_dry_run(plan: RollbackPlan) -> RollbackResult:
    """What a client-side dry run reports: the plan, nothing sent."""
    if plan.refusal is not None:
        raise Refused(plan.refusal)
    if plan.noop is not None:
        return RollbackResult(plan, applied=False, dry_run=True, noop=True, message=plan.noop)
    return RollbackResult(
        plan,
        applied=False,
        dry_run=True,
        noop=False,
        message=f"{plan.ref.display} rolled back (dry run)",
    )
