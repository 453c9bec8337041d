"""kubectl rollout status wording, branch by branch, in kubectl's order."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_rollback.core.status import RolloutStatus, rollout_status


def dep(
    *,
    generation: int = 2,
    observed: int = 2,
    spec: int | None = 3,
    updated: int = 3,
    replicas: int = 3,
    available: int = 3,
    reason: str = "NewReplicaSetAvailable",
    rs: str = "x-abc",
) -> dict[str, Any]:
    d: dict[str, Any] = {
        "metadata": {"name": "x", "generation": generation},
        "spec": {},
        "status": {
            "observedGeneration": observed,
            "updatedReplicas": updated,
            "replicas": replicas,
            "availableReplicas": available,
            "conditions": [
                {
                    "type": "Progressing",
                    "reason": reason,
                    "message": f'ReplicaSet "{rs}" is whatever.',
                }
            ],
        },
    }
    if spec is not None:
        d["spec"]["replicas"] = spec
    return d


@pytest.mark.parametrize(
    ("deployment", "expected"),
    [
        (
            dep(generation=3, observed=2, reason="ProgressDeadlineExceeded"),
            RolloutStatus(False, False, "Waiting for deployment spec update to be observed..."),
        ),
        (
            dep(reason="ProgressDeadlineExceeded", updated=1),
            RolloutStatus(False, True, 'deployment "x" exceeded its progress deadline'),
        ),
        (
            dep(updated=1, replicas=4),
            RolloutStatus(
                False,
                False,
                'Waiting for deployment "x" rollout to finish: 1 out of 3 new replicas have been '
                "updated...",
            ),
        ),
        (
            dep(updated=3, replicas=5),
            RolloutStatus(
                False,
                False,
                'Waiting for deployment "x" rollout to finish: 2 old replicas are pending '
                "termination...",
            ),
        ),
        (
            dep(available=1),
            RolloutStatus(
                False,
                False,
                'Waiting for deployment "x" rollout to finish: 1 of 3 updated replicas are '
                "available...",
            ),
        ),
        (dep(), RolloutStatus(True, False, 'deployment "x" successfully rolled out')),
        # kubectl skips the "new replicas updated" check when spec.replicas is nil.
        (
            dep(spec=None, updated=1, replicas=1, available=1),
            RolloutStatus(True, False, 'deployment "x" successfully rolled out'),
        ),
    ],
)
def test_rollout_status_wording(deployment: dict[str, Any], expected: RolloutStatus) -> None:
    assert rollout_status(deployment) == expected


def test_stale_deadline_of_another_replicaset_is_ignored_when_asked() -> None:
    d = dep(reason="ProgressDeadlineExceeded", rs="x-old", updated=1)
    assert rollout_status(d).failed
    assert not rollout_status(d, expect_replicaset="x-new").failed
    assert rollout_status(d, expect_replicaset="x-old").failed
