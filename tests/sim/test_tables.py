"""Unit tests of the server-side printers (kubectl_rollback.sim.tables)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kubectl_rollback.sim.tables import human_duration, pod_status_reason, table

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "seconds, text",
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (150, "2m30s"),
        (600, "10m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 60, "3h1m"),
        (30 * 3600, "30h"),
        (49 * 3600, "2d1h"),
        (10 * 86400, "10d"),
        (800 * 86400, "2y70d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_human_duration_matches_apimachinery(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def _pod(
    state: dict[str, object], ready: bool = False, restarts: int = 0, **status: object
) -> dict[str, object]:
    return {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c"}]},
        "status": {
            "phase": "Pending",
            **status,
            "containerStatuses": [
                {"name": "c", "ready": ready, "restartCount": restarts, "state": state}
            ],
        },
    }


@pytest.mark.parametrize(
    "pod, expected",
    [
        (_pod({"waiting": {"reason": "ContainerCreating"}}), ("ContainerCreating", 0, 1, 0)),
        (_pod({"waiting": {"reason": "ImagePullBackOff"}}), ("ImagePullBackOff", 0, 1, 0)),
        (
            _pod({"waiting": {"reason": "CrashLoopBackOff"}}, restarts=4),
            ("CrashLoopBackOff", 0, 1, 4),
        ),
        (_pod({"running": {"startedAt": "x"}}, ready=True, phase="Running"), ("Running", 1, 1, 0)),
        (_pod({"terminated": {"exitCode": 2}}, phase="Failed"), ("ExitCode:2", 0, 1, 0)),
    ],
)
def test_pod_status_column_uses_the_waiting_reason(
    pod: dict[str, object], expected: tuple[object, ...]
) -> None:
    assert pod_status_reason(pod) == expected


def test_terminating_pod() -> None:
    pod = _pod({"running": {}}, ready=True, phase="Running")
    pod["metadata"] = {"name": "p", "deletionTimestamp": "2025-01-01T00:00:00Z"}
    assert pod_status_reason(pod)[0] == "Terminating"


def test_cached_rows_recompute_only_the_age() -> None:
    created = (NOW - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rs = {
        "metadata": {
            "name": "r",
            "namespace": "d",
            "resourceVersion": "7",
            "creationTimestamp": created,
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"a": "b"}},
            "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}},
        },
        "status": {"replicas": 1, "readyReplicas": 1},
    }
    cache: dict = {}
    first = table("ReplicaSet", [rs], NOW, cache=cache)["rows"][0]["cells"]
    later = table("ReplicaSet", [rs], NOW + timedelta(minutes=5), cache=cache)["rows"][0]["cells"]
    assert first == ["r", 2, 1, 1, "30s", "c", "i", "a=b"]
    assert later == ["r", 2, 1, 1, "5m30s", "c", "i", "a=b"]
