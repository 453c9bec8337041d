"""Review, then apply: `kubectl rollback apply plan.json` applies exactly the reviewed plan, on both
clusters."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.clusters import TestCluster, deployment, roll_out, settle_deployment
from tests.stories.test_stories import IMAGES, template_images, unchanged


def review(rollback: Callable[..., Any], tmp_path: Path, *args: str) -> Path:
    result = rollback(*args, "--dry-run", "-o", "json")
    assert result.code == 0, result.err
    path = tmp_path / "plan.json"
    path.write_text(result.out)
    return path


def test_the_reviewed_plan_is_applied(
    cluster: TestCluster, rollback: Callable[..., Any], tmp_path: Path
) -> None:
    for image in IMAGES[:3]:
        roll_out(cluster, deployment("web", image))
    plan = review(rollback, tmp_path, "deploy/web", "--to-revision", "1")
    assert template_images(cluster.must("deployments", "web")) == [
        IMAGES[2]
    ]  # the review changed nothing
    result = rollback("apply", str(plan), "--no-wait")
    assert result.code == 0, result.err
    assert "deployment.apps/web rolled back" in result.out
    live = settle_deployment(cluster, "web")
    assert template_images(live) == [IMAGES[0]]
    reviewed = json.loads(plan.read_text())["plan"]
    assert live["metadata"]["annotations"]["kubernetes.io/change-cause"] == reviewed["changeCause"]


def test_a_plan_overtaken_by_a_rollout_is_refused_and_nothing_changes(
    cluster: TestCluster, rollback: Callable[..., Any], tmp_path: Path
) -> None:
    for image in IMAGES[:2]:
        roll_out(cluster, deployment("web", image))
    plan = review(rollback, tmp_path, "deploy/web")
    # A colleague rolls out meanwhile.
    cluster.kubectl().ok("set", "image", "deployment/web", f"app={IMAGES[3]}")
    settle_deployment(cluster, "web")
    before = cluster.must("deployments", "web")
    result = rollback("apply", str(plan), "--no-wait")
    assert result.code == 1
    line = result.err.strip()
    assert (
        len(line.splitlines()) == 1
        and "changed since the plan was reviewed" in line
        and "nothing was applied" in line
    )
    live = cluster.must("deployments", "web")
    assert unchanged(live, before) and template_images(live) == [IMAGES[3]]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "neither JSON nor YAML"),
        (
            '{"apiVersion": "v1", "kind": "Deployment"}',
            "is not a kubectl-rollback.io/v1 RollbackPlan",
        ),
        ('{"apiVersion": "kubectl-rollback.io/v1", "kind": "RollbackPlan"}', "is incomplete"),
        (
            '{"apiVersion": "kubectl-rollback.io/v1", "kind": "TrafficSwitchPlan"}',
            "is incomplete (group and target colour are required)",
        ),
    ],
)
def test_a_file_that_is_not_a_plan_is_a_usage_error(
    cluster: TestCluster, rollback: Callable[..., Any], tmp_path: Path, content: str, says: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content)
    result = rollback("apply", str(path))
    assert result.code == 2 and says in result.err and len(result.err.strip().splitlines()) == 1, (
        result.err
    )
    missing = rollback("apply", str(tmp_path / "nope.json"))
    assert missing.code == 2 and "cannot read the plan" in missing.err


def test_a_reviewed_traffic_switch_is_applied_exactly_or_refused(
    cluster: TestCluster, rollback: Callable[..., Any], tmp_path: Path
) -> None:
    """Review a blue/green switch (--dry-run -o json), then apply it; a Service changed since
    the review refuses the apply, changing nothing."""
    from kubectl_rollback.sim.scenarios.bluegreen import COLOR, PRIMARY, STAGE, service, side

    ns = cluster.namespace
    cluster.apply(service(ns, "web", {"app": "web", COLOR: "green"}, annotations={PRIMARY: "true"}))
    cluster.apply(
        service(ns, "web-stage", {"app": "web", COLOR: "blue"}, annotations={STAGE: "true"})
    )
    for colour, image in (("blue", "nginx:1.25.3"), ("green", "nginx:1.25.4")):
        cluster.apply(side(ns, f"web-{colour}", "web", COLOR, colour, image))
        settle_deployment(cluster, f"web-{colour}")
    reviewed = rollback("svc/web", "--dry-run", "-o", "json")
    assert reviewed.code == 0, reviewed.err
    plan = tmp_path / "switch.json"
    plan.write_text(reviewed.out)
    # A colleague touches the stage Service after the review: the apply refuses.
    stage = cluster.must("services", "web-stage")
    stage["metadata"].setdefault("annotations", {})["touched"] = "yes"
    cluster.apply(stage)
    refused = rollback("apply", str(plan))
    assert refused.code == 1, refused.err
    assert "would now differ from the reviewed plan" in refused.err
    assert "nothing was applied" in refused.err
    assert cluster.must("services", "web")["spec"]["selector"][COLOR] == "green"
    # Reviewed again (some minutes ago: the switch record the plan carries is dated then),
    # applied: exactly the reviewed switch, its record dated when it is made.
    reviewed = rollback("svc/web", "--dry-run", "-o", "json")
    doc = json.loads(reviewed.out)
    for change in doc["plan"]["changes"] if "plan" in doc else doc["changes"]:
        for op in change["patch"]:
            history = (op.get("value") or {}) if isinstance(op.get("value"), dict) else {}
            key = "kubectl-rollback.io/switch-history"
            if key in history:
                entries = json.loads(history[key])
                entries[-1]["at"] = "2020-01-01T00:00:00Z"
                history[key] = json.dumps(entries)
    plan.write_text(json.dumps(doc))
    done = rollback("apply", str(plan))
    assert done.code == 0, done.err
    assert "service/web switched from green to blue" in done.out
    assert cluster.must("services", "web")["spec"]["selector"][COLOR] == "blue"
    assert cluster.must("services", "web-stage")["spec"]["selector"][COLOR] == "green"
