"""Result documents say plainly what happened, in one schema for a workload, a traffic switch
and a release: `outcome`, and `applied` true only when the change is in the cluster (both
clusters; the cluster's state is the referee)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from kubectl_rollback.core.documents import OUTCOMES
from kubectl_rollback.sim.scenarios.bluegreen import service, side
from tests.clusters import TestCluster, deployment, roll_out, settle_deployment

KEYS = ("outcome", "applied", "dryRun", "noop")


def _says(rollback: Callable[..., Any], *args: str) -> tuple[Any, ...]:
    result = rollback(*args, "-o", "json")
    assert result.code == 0, (args, result.err)
    doc = json.loads(result.out)
    assert doc["outcome"] in OUTCOMES
    assert list(doc)[2:6] == list(KEYS), list(doc)  # the same keys, in the same place
    return tuple(doc[k] for k in KEYS)


def _image(cluster: TestCluster, name: str) -> str:
    return str(
        cluster.must("deployments", name)["spec"]["template"]["spec"]["containers"][0]["image"]
    )


STEPS = [
    (["--dry-run"], ("ClientDryRun", False, True, False)),
    (["--dry-run=server"], ("ServerDryRun", False, True, False)),
    (["--yes", "--no-wait"], ("Applied", True, False, False)),
]


@pytest.mark.parametrize("what", ["deployment", "release"])
def test_workload_and_release_results_say_what_happened(
    what: str, cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    for image in ("nginx:1.25.3", "nginx:1.26.0"):
        roll_out(cluster, deployment("web", image, replicas=1, labels={"team": "shop"}))
    target = ["deploy/web", "--to", "nginx:1.25.3"] if what == "deployment" else ["-l", "team=shop"]
    for args, expected in STEPS:
        before = _image(cluster, "web")
        assert _says(rollback, *target, *args) == expected, args
        assert (_image(cluster, "web") != before) is expected[1], args  # applied: it changed
    settle_deployment(cluster, "web")
    if what == "deployment":  # already there: nothing to do, in a dry run or not
        assert _says(rollback, *target, "--yes") == ("NothingToDo", False, False, True)
        assert _says(rollback, *target, "--dry-run") == ("NothingToDo", False, True, True)


def test_traffic_switch_results_say_what_happened(
    cluster: TestCluster, rollback: Callable[..., Any]
) -> None:
    ns = cluster.namespace
    for colour, image in (("blue", "nginx:1.25.3"), ("green", "nginx:1.26.0")):
        cluster.apply(side(ns, f"api-{colour}", "api", "color", colour, image, replicas=1))
        settle_deployment(cluster, f"api-{colour}")
    cluster.apply(service(ns, "api", {"app": "api", "color": "green"}))
    for args, expected in STEPS:
        before = cluster.must("services", "api")["spec"]["selector"]
        assert _says(rollback, "svc/api", "--to", "blue", *args) == expected, args
        after = cluster.must("services", "api")["spec"]["selector"]
        assert (after != before) is expected[1], args
    for args, dry in ((["--yes"], False), (["--dry-run"], True), (["--dry-run=server"], True)):
        assert _says(rollback, "svc/api", "--to", "blue", *args) == (
            "NothingToDo",
            False,
            dry,
            True,
        ), args
