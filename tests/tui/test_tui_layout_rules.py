"""The rules of the terminal UI's layout and dialogs, without the app (controllers/layout.py,
controllers/confirm.py, the parting line, which workload the list opens on, sts/ds revisions)."""

from __future__ import annotations

import itertools

import pytest

from kubectl_rollback.cli.text import kept_line
from kubectl_rollback.core.model import WorkloadRef
from kubectl_rollback.core.workloads import WorkloadStatus, WorkloadSummary, newest_revisions
from kubectl_rollback.tui.controllers import confirm, layout, rollback
from kubectl_rollback.tui.controllers.confirm import Answer
from kubectl_rollback.tui.controllers.workloads import WorkloadsController

LONG = [
    "payments-reconciliation-worker-eu-west-1",
    "payments-reconciliation-worker-eu-west-2",
    "payments-a-reconciliation-worker",
    "payments-b-reconciliation-worker",
    "x" * 30 + "-a-" + "y" * 30,
    "x" * 30 + "-b-" + "y" * 30,
    "web",
]


@pytest.mark.parametrize("width", [6, 10, 16, 20, 27, 40, 64])
def test_names_cut_to_a_width_never_look_the_same_and_never_overflow(width: int) -> None:
    shown = layout.distinct_names(LONG, width)
    assert len(set(shown.values())) == len(LONG), shown
    assert all(len(text) <= width for text in shown.values())
    assert shown["web"] == "web"  # a name that fits is never touched


def test_a_long_name_is_cut_in_the_middle_keeping_its_end() -> None:
    assert layout.middle("payments-reconciliation-worker-eu-west-1", 20) == "payments-…-eu-west-1"
    assert layout.middle("short", 20) == "short"


@pytest.mark.parametrize(("width", "narrow"), [(80, True), (99, True), (100, False), (200, False)])
def test_below_100_columns_the_screen_shows_one_pane_at_a_time(width: int, narrow: bool) -> None:
    shape = layout.layout(width, 24, 40)
    assert shape.narrow is narrow
    assert shape.left_width == width if narrow else shape.left_width < width


def test_the_name_column_widens_with_the_terminal_up_to_the_longest_name() -> None:
    widths = [layout.layout(w, 40, 40).name_width for w in (120, 160, 200, 250)]
    assert widths == sorted(widths) and widths[0] < 40 and widths[-1] == 40
    assert layout.layout(250, 40, 10).name_width == layout.NAME_MIN  # no wider than needed


def test_narrow_panes_open_the_detail_and_esc_goes_back() -> None:
    panes = layout.Panes()
    assert panes.open_detail() and not panes.open_detail()
    assert not panes.back(narrow=False)  # wide: esc has nothing to go back to
    assert panes.back(narrow=True) and not panes.detail
    assert not panes.back(narrow=True)


@pytest.mark.parametrize(
    ("name", "typed", "changed", "submitted"),
    [
        ("web", "y", Answer.YES, Answer.YES),
        ("web", "n", Answer.NO, Answer.NO),
        ("web", "", None, Answer.NO),
        ("web", "we", None, Answer.AGAIN),
        ("web", "web", None, Answer.YES),
        ("nginx", "n", None, Answer.NO),  # could be the start of the name: wait for Enter
        ("nginx", "nginx", None, Answer.YES),
        ("yarn", "y", None, Answer.YES),
    ],
)
def test_what_the_confirmation_input_answers(
    name: str, typed: str, changed: Answer | None, submitted: Answer
) -> None:
    assert confirm.on_change(typed, name) is changed
    assert confirm.on_submit(typed, name) is submitted


def test_the_plan_of_a_dialog_gets_what_the_rest_leaves() -> None:
    assert confirm.body_rows(24, 12) == 12
    assert confirm.body_rows(45, 12) == 26  # at most what a plan needs to be read
    assert confirm.body_rows(10, 12) == 2  # never nothing


def _summary(name: str, status: WorkloadStatus, kind: str = "Deployment") -> WorkloadSummary:
    return WorkloadSummary(kind, name, "shop", status, 1, ("nginx",), 1, 1)


def test_the_list_opens_on_the_first_failing_then_progressing_workload() -> None:
    healthy = [_summary(n, WorkloadStatus.HEALTHY) for n in ("a", "b")]
    rolling = _summary("c", WorkloadStatus.PROGRESSING)
    failing = _summary("d", WorkloadStatus.FAILED, "StatefulSet")
    controller = WorkloadsController()
    for order in itertools.permutations([*healthy, rolling, failing]):
        assert controller.opening(order) == ("StatefulSet", "d")
    assert controller.opening([*healthy, rolling]) == ("Deployment", "c")
    assert controller.opening(healthy) is None  # the first of the list
    asked = WorkloadsController(focus=("Deployment", "b"))
    assert asked.opening([*healthy, failing]) == ("Deployment", "b")


def test_the_parting_line_names_what_rolls_out_and_how_to_follow_it() -> None:
    web = WorkloadRef("Deployment", "shop", "web")
    db = WorkloadRef("StatefulSet", "shop", "db")
    assert rollback.parting_line([], demo=False) is None
    assert rollback.parting_line([web], demo=False) == (
        "deployment.apps/web is still rolling out in the cluster; follow with: "
        "kubectl rollout status deployment/web -n shop"
    )
    both = rollback.parting_line([web, db], demo=False)
    assert both is not None and "are still rolling out" in both
    assert "kubectl rollout status statefulset/db -n shop" in both
    demo = rollback.parting_line([web], demo=True)
    assert demo is not None and "the demo cluster stops with the UI" in demo


def test_sts_and_ds_revisions_come_from_their_newest_controllerrevision() -> None:
    def revision(owner: str, number: int) -> dict[str, object]:
        refs = [{"controller": True, "uid": owner, "kind": "StatefulSet", "name": owner}]
        return {"metadata": {"ownerReferences": refs}, "revision": number}

    objects = [revision("u1", 1), revision("u1", 4), revision("u1", 3), revision("u2", 2)]
    assert newest_revisions(objects) == {"u1": 4, "u2": 2}


class _History:
    def __init__(self, current: int, old: int, limit: int) -> None:
        class Rev:
            def __init__(self, is_current: bool) -> None:
                self.current = is_current

        self.revisions = [Rev(True)] * current + [Rev(False)] * old
        self.revision_history_limit = limit


def test_kept_says_kept_and_limit_and_why_it_can_exceed_it() -> None:
    assert kept_line(_History(1, 2, 10)) == "3 revision(s) kept, revisionHistoryLimit 10"  # type: ignore[arg-type]
    assert kept_line(_History(1, 3, 3)) == (  # type: ignore[arg-type]
        "4 revision(s) kept, revisionHistoryLimit 3 (the limit counts old revisions, not the "
        "current one)"
    )
    assert "old ones still running pods are not deleted" in kept_line(_History(1, 4, 3))  # type: ignore[arg-type]


def test_what_the_cursor_landing_on_a_workload_does() -> None:
    from kubectl_rollback.tui.controllers.workloads import Highlight

    web = _summary("web", WorkloadStatus.HEALTHY)
    controller = WorkloadsController()
    controller.missing = 'deployments.apps "nonexist" not found in namespace shop'
    # The first landing after a workload asked for was not found: say so, load nothing.
    assert controller.highlight(web, following=False, shown=lambda: False) is Highlight.MISSING
    assert controller.selected is None and controller.missing is None
    # The list redrawn under the cursor (a watch event) lands on the same row: still nothing.
    assert controller.highlight(web, following=False, shown=lambda: False) is Highlight.KEEP
    assert controller.selected is None
    # The user moves to another row: it opens; so does the first one when chosen (Enter).
    api = _summary("api", WorkloadStatus.HEALTHY)
    assert controller.highlight(api, following=False, shown=lambda: False) is Highlight.LOAD
    controller.missing = 'deployments.apps "nonexist" not found in namespace shop'
    assert controller.highlight(web, following=False, shown=lambda: False) is Highlight.MISSING
    controller.parked = None  # what MainScreen does on Enter
    assert controller.highlight(web, following=False, shown=lambda: False) is Highlight.LOAD
    assert controller.highlight(web, following=False, shown=lambda: True) is Highlight.KEEP
    assert controller.highlight(None, following=False, shown=lambda: True) is Highlight.NOTHING
    assert controller.highlight(web, following=True, shown=lambda: False) is Highlight.KEEP
    odd = WorkloadSummary(
        "Deployment", "odd", "shop", WorkloadStatus.HEALTHY, 1, (), 1, 1, unsupported="why"
    )
    assert controller.highlight(odd, following=False, shown=lambda: False) is Highlight.UNSUPPORTED
