"""The Releases view's controller without the app: listing, planning, executing, following."""

from __future__ import annotations

from kubectl_rollback.core.model import WorkloadRef
from kubectl_rollback.core.release import ReleaseGroup, ReleasePlan, ReleaseResult
from kubectl_rollback.sim import RunningCluster
from kubectl_rollback.tui.cluster import Connector
from kubectl_rollback.tui.controllers import releases
from kubectl_rollback.tui.controllers.connection import ConnectionController
from kubectl_rollback.tui.controllers.releases import (
    NO_RELEASE,
    PLAN_LOADING,
    ExecuteFailed,
    PlanFailed,
    ReleasesController,
)
from kubectl_rollback.tui.controllers.rollback import READ_ONLY, FollowEnd
from tests.tui.tui_helpers import (
    RELEASE,
    RELEASE_IMAGES,
    harness_release,
    set_image,
    template_image,
)


def _plan(demo: RunningCluster) -> ReleasePlan:
    gw = Connector(demo.kubeconfig).connect(None, "shop")
    try:
        [row] = releases.load(gw, "shop").rows
        plan = releases.prepare(gw, row.group, now=demo.cluster.clock.now())
    finally:
        gw.close()
    assert isinstance(plan, ReleasePlan)
    return plan


def test_the_releases_of_a_namespace_with_their_workloads_and_last_successful_release(
    demo: RunningCluster,
) -> None:
    gw = Connector(demo.kubeconfig).connect(None, "shop")
    try:
        assert releases.load(gw, "shop").rows == ()  # the demo's workloads belong to no release
        harness_release(demo)
        [row] = releases.load(gw, "shop").rows
    finally:
        gw.close()
    assert (row.group.name, row.group.source, row.records) == (RELEASE, "harness", "harness-legacy")
    assert row.last_successful == 1 and row.last_text == "1"
    assert row.workloads_text == "deployment/api healthy, statefulset/ledger healthy"
    assert row.key == f"harness/{RELEASE}"


def test_the_plan_is_the_command_lines_and_a_failure_is_one_line(demo: RunningCluster) -> None:
    harness_release(demo)
    plan = _plan(demo)
    lines = releases.plan_lines(plan)
    assert lines[0] == f"Release rollback plan for release/{RELEASE} (namespace shop)"
    assert [s.plan.to_revision.number for s in plan.changing] == [1, 1]
    gone = ReleaseGroup(
        "gone",
        "shop",
        "selector",
        "label selector app=gone",
        (WorkloadRef("Deployment", "shop", "gone"),),
    )
    gw = Connector(demo.kubeconfig).connect(None, "shop")
    try:
        failed = releases.prepare(gw, gone, now=demo.cluster.clock.now())
    finally:
        gw.close()
    assert isinstance(failed, PlanFailed)
    assert "gone" in failed.error and "\n" not in failed.error


def test_why_the_release_rollback_key_is_unavailable(demo: RunningCluster) -> None:
    harness_release(demo)
    conn = ConnectionController(Connector(demo.kubeconfig))
    control = ReleasesController()

    def why(read_only: bool = False) -> str | None:
        return control.unavailable(read_only=read_only, connection=conn)

    assert why() == PLAN_LOADING
    assert why(read_only=True) == READ_ONLY
    control.listed_now(releases.ReleaseListing("shop", ()))
    assert why() == NO_RELEASE
    gw = Connector(demo.kubeconfig).connect(None, "shop")
    try:
        row = control.listed_now(releases.load(gw, "shop"))
    finally:
        gw.close()
    assert row is not None and control.highlight(row.key) is row
    assert why() == PLAN_LOADING
    assert not control.planned("helm/other", PlanFailed(_plan(demo).group, "stale"))
    assert control.planned(f"harness/{RELEASE}", PlanFailed(_plan(demo).group, "cannot plan"))
    assert why() == "cannot plan"
    plan = _plan(demo)
    assert control.planned(f"harness/{RELEASE}", plan)
    assert why() is None and control.before_confirming(plan) is None
    control.send(plan)
    assert why() is not None and why().startswith("a release rollback is being sent")


def test_a_release_is_executed_then_every_workload_followed_to_one_outcome(
    demo: RunningCluster,
) -> None:
    harness_release(demo)
    plan = _plan(demo)
    control = ReleasesController()
    control.send(plan)
    gw = Connector(demo.kubeconfig).connect(None, "shop")
    try:
        result = releases.execute(gw, plan, now=demo.cluster.clock.now())
        assert isinstance(result, ReleaseResult)
        for (kind, name), images in RELEASE_IMAGES.items():
            assert template_image(demo, kind, name) == images[0]
        steps = control.applied(result)
        assert [s.ref.name for s, _ in steps] == ["api", "ledger"]
        assert control.following
        demo.cluster.advance(300)
        ends = [
            releases.follow(gw, s, stop, now_fn=demo.cluster.clock.now, on_status=lambda s: None)
            for s, stop in steps
        ]
    finally:
        gw.close()
    assert control.ended(steps[0][0].ref, ends[0]) is None  # one still followed
    notice = control.ended(steps[1][0].ref, ends[1])
    assert notice is not None and notice.severity == "information"
    assert notice.message == f"release/{RELEASE} rolled back to release 1 and rolled out"
    assert [mark for mark, _ in control.follow_lines()] == ["✔", "✔"]
    assert not control.following


def test_stopping_or_a_failed_rollout_is_said_plainly(demo: RunningCluster) -> None:
    harness_release(demo)
    plan = _plan(demo)
    control = ReleasesController()
    rolled = [step.ref for step in plan.steps]
    result = ReleaseResult(
        plan,
        True,
        False,
        tuple(releases.WorkloadOutcome(ref, "rolled back", "rolled back") for ref in rolled),
    )
    steps = control.applied(result)
    assert control.stop_following()
    assert all(stop.stopped for _, stop in steps)
    control.ended(rolled[0], FollowEnd(None, cancelled=True))
    notice = control.ended(rolled[1], FollowEnd(None, error="watch lost"))
    assert notice is not None and notice.severity == "error"
    assert notice.message == (
        f"release/{RELEASE} was rolled back, but the rollout of statefulset.apps/ledger did not "
        "succeed"
    )
    assert [mark for mark, _ in control.follow_lines()] == ["⏹", "✖"]


def test_a_change_after_planning_refuses_before_any_write(demo: RunningCluster) -> None:
    harness_release(demo)
    plan = _plan(demo)
    set_image(demo, "api", "nginx:1.27.0")  # someone deploys api after the plan was made
    before = demo.cluster.get("statefulsets", "shop", "ledger")["metadata"]["resourceVersion"]
    gw = Connector(demo.kubeconfig).connect(None, "shop")
    try:
        failed = releases.execute(gw, plan, now=demo.cluster.clock.now())
    finally:
        gw.close()
    assert isinstance(failed, ExecuteFailed)
    assert failed.nothing_applied and failed.head == "release rollback failed: nothing was applied"
    assert "deployment.apps/api would not roll back" in failed.message
    assert (
        demo.cluster.get("statefulsets", "shop", "ledger")["metadata"]["resourceVersion"] == before
    )
    assert template_image(demo, "Deployment", "api") == "nginx:1.27.0"
    control = ReleasesController()
    control.send(plan)
    notice = control.failed(failed)
    assert notice.severity == "error" and not control.following


def test_what_the_user_is_told_when_a_signal_ends_the_app_during_a_release_rollback(
    demo: RunningCluster,
) -> None:
    harness_release(demo)
    plan = _plan(demo)
    control = ReleasesController()
    assert control.stopped_line() is None
    control.send(plan)
    assert "was sent and not answered" in (control.stopped_line() or "")
    result = ReleaseResult(
        plan,
        True,
        False,
        tuple(releases.WorkloadOutcome(s.ref, "rolled back", "rolled back") for s in plan.steps),
    )
    control.applied(result)
    assert control.stopped_line() == (
        f"release/{RELEASE} was rolled back; its rollouts go on in the cluster"
    )
