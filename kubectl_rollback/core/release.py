"""Release rollback: every workload deployed together, back to the last successful release.

The seed's Rolling Rollback step, composed of the one rollback use case (``rollback.py``)
for each workload, of any kind. A release is found by what the deploying tool left on the
workloads, in this order: Harness (pod-template label ``harness.io/release-name``), Helm
(annotation ``meta.helm.sh/release-name``), Argo CD (annotation
``argocd.argoproj.io/tracking-id``, else label ``app.kubernetes.io/instance``), Flux
(labels ``kustomize.toolkit.fluxcd.io/name`` / ``helm.toolkit.fluxcd.io/name``); any label
selector makes a group too.

The target is the last successful *release* where the tool keeps records (Harness's
release history, Helm's storage: ``release_records.py``), and through it each workload's
revision; without records, each workload's own last successful revision, with a warning.
Execution checks every patch first (server-side dry run), then patches in the release's
order, each with its precondition; if one fails, the workloads already patched are put
back (unless asked not to) and the true state of each is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from . import execution, rollback
from .api_objects import annotations_of, as_dict, dig, labels_of, name_of
from .errors import Conflict, NotFound, Refused, RollbackError, UsageError
from .history import images_of
from .kinds import KINDS, WorkloadHistory, kind_named
from .model import PlanWarning, Revision, WorkloadRef
from .plan import RollbackPlan
from .ports import CONFIGMAPS, SECRETS, ClusterGateway, PatchType, optional_read
from .release_records import (
    LoadYaml,
    RecordedWorkload,
    RecordUpdate,
    ReleaseHistory,
    ReleaseRevision,
    harness_record_updates,
    read_harness,
    read_helm,
)
from .target import TargetSpec
from .values import value

JSON = Any

HARNESS_RELEASE_LABEL = "harness.io/release-name"
HELM_RELEASE_ANNOTATION = "meta.helm.sh/release-name"
ARGO_TRACKING_ANNOTATION = "argocd.argoproj.io/tracking-id"
INSTANCE_LABEL = "app.kubernetes.io/instance"
FLUX_KUSTOMIZATION_LABEL = "kustomize.toolkit.fluxcd.io/name"
FLUX_HELMRELEASE_LABEL = "helm.toolkit.fluxcd.io/name"
TRACK_LABEL = "harness.io/track"
CANARY_SUFFIX = "-canary"

SOURCES = ("harness", "helm", "argocd", "flux-kustomization", "flux-helmrelease")
"""The order in which a release name is resolved."""

SAME_DEPLOY_SECONDS = 600
"""Target revisions created further apart than this are said not to be one deploy."""

NOT_ROLLED_BACK = (
    "ConfigMaps, Secrets, Services, Ingresses, CRDs and every other non-workload resource "
    "of the release: unchanged (a release rollback rolls back workloads only)"
)


@value
class Canary:
    """A ``<name>-canary`` workload with ``harness.io/track: canary`` of a Harness release."""

    ref: WorkloadRef
    resource_version: str
    pods: int


def is_canary(obj: Mapping[str, JSON]) -> bool:
    """What Harness's Canary step leaves: ``<name>-canary``, its pods tracked ``canary``."""
    labels = as_dict(dig(obj, "spec", "template", "metadata", "labels"))
    return name_of(obj).endswith(CANARY_SUFFIX) and labels.get(TRACK_LABEL) == "canary"


@value
class ReleaseGroup:
    """Workloads deployed together: a release of ``source`` named ``name``, or a selector."""

    name: str
    namespace: str
    source: str
    """harness, helm, argocd, flux-kustomization, flux-helmrelease, or selector."""
    clue: str
    """What put the workloads in it (``pod-template label harness.io/release-name=web``)."""
    workloads: tuple[WorkloadRef, ...]
    canaries: tuple[Canary, ...] = ()
    """Canary workloads a failed Harness canary left (not rolled back: deleted on request)."""

    @property
    def display(self) -> str:
        return f"release/{self.name}" if self.source != "selector" else f"-l {self.name}"


def memberships(obj: Mapping[str, JSON]) -> list[tuple[str, str, str]]:
    """(source, release name, clue) of every release a workload object belongs to."""
    labels, annotations = labels_of(obj), annotations_of(obj)
    template_labels = {
        str(k): str(v)
        for k, v in as_dict(dig(obj, "spec", "template", "metadata", "labels")).items()
    }
    found: list[tuple[str, str, str]] = []
    harness = template_labels.get(HARNESS_RELEASE_LABEL)
    if harness:
        found.append(("harness", harness, f"pod-template label {HARNESS_RELEASE_LABEL}={harness}"))
    helm = annotations.get(HELM_RELEASE_ANNOTATION)
    if helm:
        found.append(("helm", helm, f"annotation {HELM_RELEASE_ANNOTATION}={helm}"))
    tracking = annotations.get(ARGO_TRACKING_ANNOTATION, "")
    if ":" in tracking:
        app = tracking.split(":", 2)[0]
        found.append(("argocd", app, f"annotation {ARGO_TRACKING_ANNOTATION}={tracking}"))
    elif labels.get(INSTANCE_LABEL) and labels.get("app.kubernetes.io/managed-by") != "Helm":
        app = labels[INSTANCE_LABEL]
        found.append(("argocd", app, f"label {INSTANCE_LABEL}={app}"))
    for source, key in (
        ("flux-kustomization", FLUX_KUSTOMIZATION_LABEL),
        ("flux-helmrelease", FLUX_HELMRELEASE_LABEL),
    ):
        if labels.get(key):
            found.append((source, labels[key], f"label {key}={labels[key]}"))
    return found


def find_releases(
    namespace: str, workloads: Sequence[tuple[str, Mapping[str, JSON]]]
) -> list[ReleaseGroup]:
    """Every release the ``(kind, object)`` workloads of a namespace belong to (pure)."""
    members: dict[tuple[str, str], list[WorkloadRef]] = {}
    canaries: dict[tuple[str, str], list[Canary]] = {}
    clues: dict[tuple[str, str], str] = {}
    for kind, obj in workloads:
        for source, name, clue in memberships(obj):
            ref = WorkloadRef(kind, namespace, name_of(obj))
            clues.setdefault((source, name), clue.rsplit("=", 1)[0] + f"={name}")
            if source == "harness" and is_canary(obj):
                rv = str(dig(obj, "metadata", "resourceVersion") or "")
                pods = int(dig(obj, "status", "replicas") or 0)
                canaries.setdefault((source, name), []).append(Canary(ref, rv, pods))
                continue
            members.setdefault((source, name), []).append(ref)
    order = {k.kind: i for i, k in enumerate(KINDS)}
    keys = sorted({*members, *canaries}, key=lambda key: (key[1], SOURCES.index(key[0])))
    return [
        ReleaseGroup(
            name,
            namespace,
            source,
            clues[(source, name)],
            tuple(sorted(members.get((source, name), ()), key=lambda r: (order[r.kind], r.name))),
            tuple(canaries.get((source, name), ())),
        )
        for source, name in keys
    ]


def list_workloads(
    gw: ClusterGateway, namespace: str, *, label_selector: str | None = None
) -> list[tuple[str, dict[str, JSON]]]:
    """(kind, object) of every workload of the namespace (one LIST per kind)."""
    found: list[tuple[str, dict[str, JSON]]] = []
    for kind in KINDS:
        found.extend(
            (kind.kind, obj)
            for obj in gw.list(kind.resource, namespace, label_selector=label_selector)
        )
    return found


def resolve(gw: ClusterGateway, namespace: str, name: str) -> ReleaseGroup:
    """The release ``name`` of a namespace: Harness first, then Helm, Argo CD, Flux."""
    found = find_releases(namespace, list_workloads(gw, namespace))
    groups = [g for g in found if g.name == name]
    if not groups:
        known = sorted({g.name for g in found})
        listed = f" (releases here: {', '.join(known)})" if known else " (no release found here)"
        raise NotFound(f'release "{name}" not found in namespace {namespace}{listed}')
    return min(groups, key=lambda g: SOURCES.index(g.source))


def selector_group(gw: ClusterGateway, namespace: str, selector: str) -> ReleaseGroup:
    """The workloads a label selector picks, as one group (no records: each its own target)."""
    refs = [
        WorkloadRef(kind, namespace, name_of(obj))
        for kind, obj in list_workloads(gw, namespace, label_selector=selector)
    ]
    if not refs:
        raise NotFound(
            f"no Deployment, StatefulSet or DaemonSet in {namespace} matches -l {selector}"
        )
    return ReleaseGroup(selector, namespace, "selector", f"label selector {selector}", tuple(refs))


# ---------------------------------------------------------------------------------- plan


@value
class WorkloadStep:
    """One workload of a release plan: what was read, and its plan."""

    history: WorkloadHistory
    plan: RollbackPlan
    recorded: RecordedWorkload | None
    """The workload as the target release recorded it (None: no record)."""
    how: str
    """How its target was chosen (``release 3 recorded revision 8, now revision 10``...)."""

    @property
    def ref(self) -> WorkloadRef:
        return self.plan.ref


@value
class ReleasePlan:
    """Everything a release rollback will do, shown before it is done and executed as is."""

    group: ReleaseGroup
    records: ReleaseHistory | None
    from_release: ReleaseRevision | None
    to_release: ReleaseRevision | None
    steps: tuple[WorkloadStep, ...]
    """In execution order: the target release's stored order, then any others."""
    warnings: tuple[PlanWarning, ...]
    not_rolled_back: tuple[str, ...]
    record_updates: tuple[RecordUpdate, ...]
    actor: str | None
    created_at: datetime
    refusal: str | None = None
    delete_canaries: tuple[Canary, ...] = ()
    """Canary workloads deleted after the workloads are rolled back (asked for)."""

    @property
    def changing(self) -> tuple[WorkloadStep, ...]:
        """The steps that change something (the others are at their target already)."""
        return tuple(s for s in self.steps if s.plan.noop is None)

    @property
    def noop(self) -> str | None:
        if self.changing or self.delete_canaries:
            return None
        return f"{self.group.display}: every workload is already at its target; nothing to do"


def _revision_for(
    history: WorkloadHistory, recorded: RecordedWorkload
) -> tuple[Revision | None, str]:
    """The revision of today's history a record names: by number (through renumbering) or
    by the template the release deployed (its containers' images)."""
    if recorded.revision is not None:
        for revision in history.revisions:
            if revision.number == recorded.revision:
                return revision, f"recorded revision {recorded.revision}"
        for revision in history.revisions:
            if recorded.revision in revision.former_numbers:
                return revision, (
                    f"recorded revision {recorded.revision}, renumbered: now revision "
                    f"{revision.number}"
                )
        return None, f"recorded revision {recorded.revision} is no longer in the history"
    if recorded.template is not None:
        wanted = _images(recorded.template)
        for revision in history.revisions:  # newest first
            if _images(revision.template) == wanted:
                return (
                    revision,
                    f"its template matches revision {revision.number} ({revision.image_summary})",
                )
        shown = ", ".join(f"{c}={i}" for c, i in sorted(wanted.items()))
        return None, f"the template it deployed ({shown}) no longer exists in the history"
    return None, "the record names no revision"


def _images(template: Mapping[str, JSON]) -> dict[str, str]:
    """container -> image of a pod template's (non-init) containers."""
    return {i.container: i.image for i in images_of(template) if not i.init}


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 86400:
        return f"{seconds // 86400}d{seconds % 86400 // 3600}h"
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60}m"
    return f"{seconds // 60}m"


def read_records(
    gw: ClusterGateway, group: ReleaseGroup, *, load_yaml: LoadYaml
) -> ReleaseHistory | None:
    """The tool's own release history for a Harness or Helm release (None: no records)."""
    if group.source not in ("harness", "helm", "flux-helmrelease"):
        return None
    configmaps = optional_read(lambda: gw.list(CONFIGMAPS, group.namespace)) or []
    secrets = optional_read(lambda: gw.list(SECRETS, group.namespace)) or []
    if group.source == "harness":
        return read_harness(group.name, group.namespace, configmaps, secrets, load_yaml=load_yaml)
    return read_helm(group.name, group.namespace, secrets, configmaps, load_yaml=load_yaml)


def prepare_release(
    gw: ClusterGateway,
    group: ReleaseGroup,
    *,
    now: datetime,
    load_yaml: LoadYaml,
    to_release: int | None = None,
    delete_canaries: bool = False,
) -> ReleasePlan:
    """Read the release's records and every workload, choose the target, plan each workload.

    Canary workloads a failed Harness canary left are never rolled back; they are named in a
    warning, and deleted after the rollback only when ``delete_canaries`` asks for it.
    """
    records = read_records(gw, group, load_yaml=load_yaml)
    warnings: list[PlanWarning] = []
    current = records.current if records else None
    target: ReleaseRevision | None = None
    if records is not None:
        if to_release is not None:
            target = records.revision(to_release)
            if target is None:
                numbers = ", ".join(str(r.number) for r in records.revisions)
                raise UsageError(
                    f"{group.display} has no release {to_release} (recorded: {numbers or 'none'})"
                )
        else:
            target = records.last_successful()
            if target is None:
                warnings.append(
                    PlanWarning(
                        "no-successful-release",
                        f"the {records.source} history of {group.display} records no successful "
                        "release before the current one: each workload goes back to its own "
                        "last successful revision",
                    )
                )
    elif to_release is not None:
        raise UsageError(
            f"--to-release needs release records; {group.display} has none ({group.clue})"
        )
    recorded = {(w.kind, w.name): w for w in (target.workloads if target else ())}
    order = [(w.kind, w.name) for w in (target.workloads if target else ())]
    refs = sorted(
        group.workloads,
        key=lambda r: order.index((r.kind, r.name)) if (r.kind, r.name) in order else len(order),
    )
    actor = gw.whoami()
    steps: list[WorkloadStep] = []
    for ref in refs:
        prepared = rollback.prepare(gw, ref, now=now, actor=actor)
        record = recorded.get((ref.kind, ref.name))
        spec: TargetSpec | None = None
        if record is not None and target is not None:
            revision, why = _revision_for(prepared.history, record)
            if revision is None:
                raise Conflict(
                    f"release {target.number} of {group.display}: {ref.display}: {why}; "
                    "it cannot be rolled back to that release"
                )
            spec = TargetSpec.revision(revision.number)
            how = f"release {target.number}: {why}"
        elif target is not None:
            how = f"not in release {target.number}: its own last successful revision"
            warnings.append(
                PlanWarning(
                    "not-in-release",
                    f"{ref.display} is not recorded in release {target.number}: it goes back "
                    "to its own last successful revision",
                )
            )
        else:
            how = "no release record: its own last successful revision"
        plan = prepared.plan(spec, now=now)
        steps.append(WorkloadStep(prepared.history, plan, record, how))
    if records is None:
        created = [
            when
            for st in steps
            if st.plan.noop is None
            and (revision := st.history.revision(st.plan.to_revision.number)) is not None
            and (when := revision.created) is not None
        ]
        spread = max(created) - min(created) if len(created) > 1 else None
        apart = (
            f"; their target revisions were created {_duration(spread)} apart"
            if spread is not None and spread.total_seconds() > SAME_DEPLOY_SECONDS
            else ""
        )
        warnings.append(
            PlanWarning(
                "no-release-records",
                f"{group.display} ({group.clue}) keeps no release records: each workload goes "
                "back to its own last successful revision, which may not come from the same "
                f"deploy{apart}",
            )
        )
    gitops = {
        "argocd": (
            f"Argo CD application {group.name} may sync the workloads back to Git: pause its "
            "auto-sync (spec.syncPolicy.automated) or roll back in Git"
        ),
        "flux-kustomization": (
            f"Flux Kustomization {group.name} reapplies what Git says: suspend it "
            "(flux suspend kustomization) or roll back in Git"
        ),
        "flux-helmrelease": (
            f"Flux HelmRelease {group.name} reconciles the chart again: suspend it "
            "(flux suspend helmrelease) or roll back the chart version"
        ),
    }.get(group.source)
    if gitops is not None:
        warnings.append(PlanWarning("gitops", gitops))
    if records is not None and records.source.startswith("helm"):
        number = target.number if target else "N"
        warnings.append(
            PlanWarning(
                "helm-storage",
                f"Helm's own records are not changed: the next helm upgrade starts from Helm's "
                f"current release; helm rollback {group.name} {number} is the Helm-native "
                "alternative",
            )
        )
    updates: list[RecordUpdate] = []
    if (
        records is not None
        and records.source.startswith("harness")
        and current is not None
        and target is not None
        and current.number != target.number
        and any(st.plan.noop is None for st in steps)
    ):
        new_revisions = {
            (s.ref.kind, s.ref.name): s.plan.new_revision_number
            for s in steps
            if s.recorded is not None
        }
        updates = harness_record_updates(
            records, failed=current.number, target=target.number, new_revisions=new_revisions
        )
    for canary in group.canaries:
        if not delete_canaries:
            warnings.append(
                PlanWarning(
                    "canary-left",
                    f"{canary.ref.display} ({canary.pods} pods) was left by a failed canary of "
                    f"{group.display}: it is not rolled back; --delete-canary deletes it after "
                    "the rollback",
                )
            )
    refusals = [f"{s.ref.display}: {s.plan.refusal}" for s in steps if s.plan.refusal]
    return ReleasePlan(
        group,
        records,
        current,
        target,
        tuple(steps),
        tuple(warnings),
        (NOT_ROLLED_BACK,),
        tuple(updates),
        actor,
        now,
        "; ".join(refusals) or None,
        group.canaries if delete_canaries else (),
    )


# ------------------------------------------------------------------------------- execute


@value
class WorkloadOutcome:
    """Where one workload of a release stands after the execution."""

    ref: WorkloadRef
    state: str
    """rolled back | already at target | not rolled back | put back | not put back | checked"""
    message: str
    result: rollback.RollbackResult | None = None


@value
class ReleaseResult:
    """What ``execute_release`` did, per workload, in order."""

    plan: ReleasePlan
    applied: bool
    dry_run: bool
    workloads: tuple[WorkloadOutcome, ...]
    records_written: tuple[str, ...] = ()
    record_errors: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return "\n".join(f"{w.ref.display}: {w.message}" for w in self.workloads)


class ReleaseFailed(RollbackError):
    """A workload's patch failed; the message says where every workload of the release stands."""

    def __init__(self, message: str, *, nothing_applied: bool, outcomes: Sequence[WorkloadOutcome]):
        super().__init__(message)
        self.nothing_applied = nothing_applied
        self.outcomes = tuple(outcomes)


def execute_release(
    gw: ClusterGateway,
    plan: ReleasePlan,
    *,
    dry_run: bool,
    restore: bool = True,
    now: datetime | None = None,
    on_step: Callable[[WorkloadOutcome], None] = lambda outcome: None,
) -> ReleaseResult:
    """Check every patch first, then patch in order; put back what was patched if one fails.

    The check is a server-side dry run of every workload's patch (its precondition
    included): any refusal stops the rollback before anything is written. Then each patch
    is sent in the plan's order; when one fails, the workloads already patched are put
    back (``restore``) to exactly the template they had, each guarded by its
    resourceVersion, and ReleaseFailed reports every workload's state. After a complete
    rollback the release records are kept true (Harness: the failed release marked
    Failed, the target's revisions renumbered), each write guarded; a refused record write
    is reported, not fatal.
    """
    if plan.refusal is not None:
        raise Refused(plan.refusal)
    for step in plan.changing:
        try:
            execution.execute(gw, step.plan, dry_run=True, now=now)
        except RollbackError as exc:
            raise ReleaseFailed(
                f"{plan.group.display}: {step.ref.display} would not roll back ({exc.cause}); "
                "nothing was applied to any workload",
                nothing_applied=True,
                outcomes=(),
            ) from exc
    for canary in plan.delete_canaries:
        try:
            _delete_canary(gw, canary, dry_run=True)
        except RollbackError as exc:
            raise ReleaseFailed(
                f"{plan.group.display}: {canary.ref.display} could not be deleted ({exc.cause}); "
                "nothing was applied to any workload",
                nothing_applied=True,
                outcomes=(),
            ) from exc
    outcomes: list[WorkloadOutcome] = []
    if dry_run:
        for step in plan.steps:
            state = "checked" if step.plan.noop is None else "already at target"
            outcomes.append(
                WorkloadOutcome(step.ref, state, step.plan.noop or "server dry run passed")
            )
        return ReleaseResult(plan, True, True, tuple(outcomes))
    applied: list[tuple[WorkloadStep, rollback.RollbackResult]] = []
    for index, step in enumerate(plan.steps):
        if step.plan.noop is not None:
            outcome = WorkloadOutcome(step.ref, "already at target", step.plan.noop)
            outcomes.append(outcome)
            on_step(outcome)
            continue
        try:
            result = execution.execute(gw, step.plan, dry_run=False, now=now)
        except RollbackError as exc:
            failed = WorkloadOutcome(step.ref, "not rolled back", str(exc))
            raise _failed(gw, plan, step, exc, applied, outcomes, failed, index, restore) from exc
        applied.append((step, result))
        outcome = WorkloadOutcome(
            step.ref,
            "rolled back",
            f"rolled back to revision {step.plan.to_revision.number} "
            f"({step.plan.to_revision.images})",
            result,
        )
        outcomes.append(outcome)
        on_step(outcome)
    for canary in plan.delete_canaries:
        try:
            _delete_canary(gw, canary, dry_run=False)
            outcome = WorkloadOutcome(canary.ref, "deleted", "canary deleted")
        except RollbackError as exc:
            outcome = WorkloadOutcome(canary.ref, "not deleted", f"canary not deleted ({exc})")
        outcomes.append(outcome)
        on_step(outcome)
    written, errors = _write_records(gw, plan)
    return ReleaseResult(plan, True, False, tuple(outcomes), written, errors)


def _delete_canary(gw: ClusterGateway, canary: Canary, *, dry_run: bool) -> None:
    """Delete a canary workload as listed (a change since the plan is a Conflict)."""
    resource = kind_named(canary.ref.kind).resource
    gw.delete(
        resource,
        canary.ref.namespace,
        canary.ref.name,
        resource_version=canary.resource_version,
        dry_run=dry_run,
    )


def _failed(
    gw: ClusterGateway,
    plan: ReleasePlan,
    step: WorkloadStep,
    exc: RollbackError,
    applied: list[tuple[WorkloadStep, rollback.RollbackResult]],
    outcomes: list[WorkloadOutcome],
    failed: WorkloadOutcome,
    index: int,
    restore: bool,
) -> ReleaseFailed:
    """Put back what was applied (newest first) and say where every workload stands."""
    states = {o.ref: o for o in outcomes}
    states[step.ref] = failed
    for done, result in reversed(applied):
        if not restore:
            break
        try:
            execution.restore(gw, done.history, result)
            states[done.ref] = WorkloadOutcome(
                done.ref, "put back", "put back to the template it had (the rollback undone)"
            )
        except RollbackError as restore_exc:
            states[done.ref] = WorkloadOutcome(
                done.ref,
                "not put back",
                f"still rolled back: putting it back failed ({restore_exc})",
                result,
            )
    for later in plan.steps[index + 1 :]:
        states[later.ref] = WorkloadOutcome(later.ref, "not rolled back", "not attempted")
    ordered = [states[s.ref] for s in plan.steps if s.ref in states]
    left = [o for o in ordered if o.state in ("rolled back", "not put back")]
    summary = "; ".join(
        f"{o.ref.display} {o.state}" + (f": {o.message}" if o.state == "not put back" else "")
        for o in ordered
    )
    how = (
        "no workload is left rolled back"
        if not left
        else "the release is partly rolled back: " + ", ".join(o.ref.display for o in left)
    )
    return ReleaseFailed(
        f"{plan.group.display}: {step.ref.display} failed ({exc.cause}); {how} ({summary})",
        nothing_applied=not left and exc.nothing_applied,
        outcomes=ordered,
    )


def _write_records(
    gw: ClusterGateway, plan: ReleasePlan
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    written: list[str] = []
    errors: list[str] = []
    for update in plan.record_updates:
        resource = CONFIGMAPS if update.kind == "ConfigMap" else SECRETS
        try:
            gw.patch(resource, update.namespace, update.name, update.body, PatchType.MERGE)
            written.append(update.description)
        except RollbackError as exc:
            errors.append(f"{update.kind}/{update.name}: not updated ({exc})")
    return tuple(written), tuple(errors)
