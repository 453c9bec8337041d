"""Named scenarios: starting states for the simulated cluster, built by driving its controllers.

`load(name, cluster)` builds a scenario into a cluster made by `world.new_cluster()`;
`names()` lists them. Scenarios never write final objects by hand: they create and change
workloads through the store, as kubectl would, and advance the simulated clock so that the
controllers produce the ReplicaSets, revisions, pods, conditions and events a real cluster
would hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from . import bluegreen, demo, empty, releases

if TYPE_CHECKING:
    from ..cluster import SimCluster

_SCENARIOS: dict[str, Callable[[SimCluster], None]] = {
    "empty": empty.build,
    "demo": demo.build,
    "bluegreen": bluegreen.build,
    "releases": releases.build,
}


def names() -> list[str]:
    return sorted(_SCENARIOS)


def description(name: str) -> str:
    """The one-line description of a scenario: its module docstring's first paragraph."""
    module = {"empty": empty, "demo": demo, "bluegreen": bluegreen, "releases": releases}[name]
    return " ".join((module.__doc__ or "").strip().split("\n\n")[0].split())


def load(name: str, cluster: SimCluster) -> None:
    """Build scenario `name` into `cluster`; KeyError (listing the known names) if unknown."""
    try:
        build = _SCENARIOS[name]
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(names())}") from None
    build(cluster)
    cluster.settle()
