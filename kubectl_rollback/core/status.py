"""Rollout status of a Deployment in ``kubectl rollout status`` wording."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .api_objects import as_dict, as_int, as_list, dig
from .values import value

JSON = Any

_RS_IN_MESSAGE = re.compile(r'ReplicaSet "([^"]+)"')


@value
class RolloutStatus:
    """One observation of a rollout: finished, failed, and kubectl's message (no trailing newline).

    ``failed`` messages are printed by kubectl after ``error: ``.
    """

    done: bool
    failed: bool
    message: str


def rollout_status(
    deployment: Mapping[str, JSON], *, expect_replicaset: str | None = None
) -> RolloutStatus:
    """The status ``kubectl rollout status deployment/x`` would print, in the same order of checks.

    ``expect_replicaset``: ignore a ProgressDeadlineExceeded condition that names
    another ReplicaSet. Right after a rollback the condition may still describe
    the failed rollout we are leaving until the controller catches up; kubectl
    would report that stale failure, we wait for the new ReplicaSet instead.
    """
    name = str(dig(deployment, "metadata", "name") or "")
    generation = as_int(dig(deployment, "metadata", "generation"), 0)
    status = as_dict(deployment.get("status"))
    if generation > as_int(status.get("observedGeneration"), 0):
        return RolloutStatus(False, False, "Waiting for deployment spec update to be observed...")
    progressing = next(
        (
            as_dict(c)
            for c in as_list(status.get("conditions"))
            if as_dict(c).get("type") == "Progressing"
        ),
        {},
    )
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        match = _RS_IN_MESSAGE.search(str(progressing.get("message") or ""))
        if expect_replicaset is None or match is None or match.group(1) == expect_replicaset:
            return RolloutStatus(False, True, f'deployment "{name}" exceeded its progress deadline')
    prefix = f'Waiting for deployment "{name}" rollout to finish: '
    updated = as_int(status.get("updatedReplicas"))
    replicas = as_int(status.get("replicas"))
    available = as_int(status.get("availableReplicas"))
    spec_replicas = dig(deployment, "spec", "replicas")
    # kubectl skips this check when spec.replicas is unset (nil pointer).
    if isinstance(spec_replicas, int) and updated < spec_replicas:
        return RolloutStatus(
            False,
            False,
            f"{prefix}{updated} out of {spec_replicas} new replicas have been updated...",
        )
    if replicas > updated:
        return RolloutStatus(
            False, False, f"{prefix}{replicas - updated} old replicas are pending termination..."
        )
    if available < updated:
        return RolloutStatus(
            False, False, f"{prefix}{available} of {updated} updated replicas are available..."
        )
    return RolloutStatus(True, False, f'deployment "{name}" successfully rolled out')
