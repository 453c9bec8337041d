"""Blue/green groups of the open namespace and the rapid rollback (route traffic back)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...core import errors
from ...core.values import field, value
from ...core.workloads import WorkloadSummary
from ..bluegreen import BlueGreenRow, load_bluegreen_rows
from ..cluster import Gateway
from .connection import ConnectionController
from .rollback import READ_ONLY, Notice


@value
class SwitchFailed:
    error: str
    title: str


def load(gw: Gateway, namespace: str) -> tuple[list[BlueGreenRow], str | None]:
    """(rows, note) of the namespace's groups (blocking; an error becomes the note)."""
    try:
        return load_bluegreen_rows(gw, namespace)
    except errors.RollbackError as exc:
        return [], str(exc)


def prepare(gw: Gateway, namespace: str, service_name: str, *, now: datetime) -> Any:
    """The switch plan for the group of ``service_name`` (blocking), or SwitchFailed."""
    from ...core import bluegreen_service

    try:
        return bluegreen_service.prepare_switch(gw, namespace, service_name, now=now)
    except errors.RollbackError as exc:
        return SwitchFailed(str(exc), "Cannot plan the traffic switch")


def switch(gw: Gateway, plan: Any, *, now: datetime) -> Any:
    """Route traffic as ``plan`` says (blocking); the result, or SwitchFailed."""
    from ...core import bluegreen_service

    try:
        return bluegreen_service.switch_traffic(gw, plan, dry_run=False, now=now)
    except errors.RollbackError as exc:
        return SwitchFailed(str(exc), "Traffic switch failed")


@value(frozen=False)
class BlueGreenController:
    rows: list[BlueGreenRow] = field(default_factory=list)

    def group(self, selected: WorkloadSummary | None) -> BlueGreenRow | None:
        """The group the switch key acts on: the selected workload's, else the only one."""
        if selected is not None:
            mine = [r for r in self.rows if selected.name in r.workloads]
            if mine:
                return mine[0]
        return self.rows[0] if len(self.rows) == 1 else None

    def unavailable(
        self,
        *,
        read_only: bool,
        connection: ConnectionController,
        selected: WorkloadSummary | None,
    ) -> str | None:
        """Why the blue/green rapid rollback is disabled now (None: it is enabled)."""
        if read_only:
            return READ_ONLY
        if connection.error is not None:
            return "not connected"
        if not self.rows:
            return "no blue/green group in this namespace"
        if self.group(selected) is None:
            return "select a workload of the blue/green group"
        return connection.refused("services")

    @staticmethod
    def planned(plan: Any) -> Notice | None:
        """What to say instead of asking to confirm the switch (None: ask)."""
        if plan.refusal is not None:
            return Notice(plan.refusal, "Refused", "error", 10)
        if plan.noop is not None:
            return Notice(plan.noop)
        return None
