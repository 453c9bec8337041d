"""The blue/green panel's data: the adapter between the core's group detection and the UI.

``load_bluegreen_rows`` is the one place the TUI asks for blue/green groups. It
reads Services, Deployments and ReplicaSets of the namespace and hands them to
``kubectl_rollback.core.bluegreen.detect_groups`` (a gateway that cannot list
Services reports no groups). The rows carry only display text: every decision
(which side is live, whether a side can take traffic) is the core's.
"""

from __future__ import annotations

from ..core import errors
from ..core.ports import DEPLOYMENTS, REPLICASETS, SERVICES, ClusterGateway
from ..core.values import value


@value
class BlueGreenRow:
    """One group as the panel shows it."""

    name: str
    services: str
    primary: str
    """The primary Service: what the rapid rollback is asked for."""
    workloads: tuple[str, ...]
    live: str
    live_state: str
    live_ok: bool
    idle: str
    idle_state: str
    idle_ok: bool
    problems: tuple[str, ...] = ()


def load_bluegreen_rows(
    gw: ClusterGateway, namespace: str
) -> tuple[list[BlueGreenRow], str | None]:
    """(rows, note): the groups of ``namespace``; the note says why there are none when it is
    not obvious."""
    try:
        services = gw.list(SERVICES, namespace)
        if not services:
            return [], None
        deployments = gw.list(DEPLOYMENTS, namespace)
        replicasets = gw.list(REPLICASETS, namespace)
    except errors.Forbidden as exc:
        return [], f"Services not readable: {exc}"
    from ..core.bluegreen import detect_groups  # only for a namespace with Services

    groups = detect_groups(namespace, services, deployments, replicasets)
    rows = []
    for group in groups:
        live = group.live
        idle = group.idle[0] if group.idle else None
        rows.append(
            BlueGreenRow(
                name=group.name,
                services=group.service_names,
                primary=group.primary.name,
                workloads=tuple(w for side in group.sides for w in side.workloads),
                live=group.live_color or "none",
                live_state=live.state if live is not None else "-",
                live_ok=bool(live is not None and live.can_take_traffic),
                idle=idle.color if idle is not None else "none",
                idle_state=idle.state if idle is not None else "-",
                idle_ok=bool(idle is not None and idle.can_take_traffic),
                problems=tuple(group.problems),
            )
        )
    return rows, None
