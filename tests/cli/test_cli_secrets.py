"""One masking rule on every output path: no secret value reaches a terminal, a document or an
Event."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from kubectl_rollback.sim import RunningCluster
from tests.cli.cli_support import CliResult
from tests.kubectl import Kubectl

SECRETS = [f"hunter{i}" for i in range(2, 10)]


def web(n: int) -> dict[str, object]:
    """A Deployment whose secrets sit where people put them: env names, URLs, flags."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": f"nginx:1.2{n}.0",
                            "env": [
                                {"name": "DB_PASS", "value": f"hunter2-{n}"},
                                {"name": "MYSQL_PWD", "value": f"hunter3-{n}"},
                                {
                                    "name": "DATABASE_URL",
                                    "value": f"postgres://app:hunter4-{n}@db:5432/shop",
                                },
                                {"name": "MODE", "value": f"mode-{n}"},
                            ],
                            "args": [
                                f"--password=hunter5-{n}",
                                "--api-token",
                                f"hunter6-{n}",
                                f"--upstream=https://svc:hunter7-{n}@up.example.com",
                                "--verbose",
                            ],
                        }
                    ]
                },
            },
        },
    }


@pytest.fixture
def applied(sim: RunningCluster, kubectl: Kubectl) -> RunningCluster:
    for n in (5, 6):  # kubectl apply: the last-applied annotation carries every value in clear
        kubectl.ok("apply", "-f", "-", input=json.dumps(web(n)))
        sim.cluster.advance(60)
    return sim


def leaked(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.mark.kubectl
@pytest.mark.parametrize(
    "args",
    [
        ["deploy/web", "--dry-run"],
        ["deploy/web", "--dry-run", "-o", "json"],
        ["deploy/web", "--dry-run", "-o", "yaml"],
        ["deploy/web", "--dry-run=server", "-o", "json"],
        ["history", "deploy/web"],
        ["history", "deploy/web", "--revision", "1"],
        ["history", "deploy/web", "-o", "json"],
        ["deploy/web", "--yes", "--no-wait", "-o", "json"],
        ["deploy/web", "--yes", "--no-wait"],
    ],
    ids=lambda a: " ".join(a),
)
def test_no_output_path_shows_a_secret(
    applied: RunningCluster, cli: Callable[..., CliResult], args: list[str]
) -> None:
    result = cli(*args)
    assert result.code == 0, result.err
    assert leaked(result.out + result.err) == []
    if "-o" in args and args[0] != "history":
        doc = json.loads(result.out) if args[-1] == "json" else None
        if doc is not None:
            plan = doc.get("plan", doc)
            assert plan["secretsMasked"] is True
            assert "mode-5" in json.dumps(plan["patch"])  # what is not secret is shown as is
    events = [
        e["message"]
        for e in applied.cluster.list("events", "default")
        if e.get("reason") == "RolledBack"
    ]
    assert leaked(" ".join(events)) == []


@pytest.mark.kubectl
def test_what_changed_still_shows_without_the_values(
    applied: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    text = cli("deploy/web", "--dry-run").out
    assert "DB_PASS" in text and "*** (changed)" in text
    assert "postgres://app:***@db:5432/shop" in text
    shown = cli("history", "deploy/web", "--revision", "1").out
    assert (
        "--password=***" in shown
        and "--api-token" in shown
        and "https://svc:***@up.example.com" in shown
    )


@pytest.mark.kubectl
@pytest.mark.parametrize(
    "args",
    [
        ["deploy/web", "--dry-run", "--show-secrets"],
        ["history", "deploy/web", "--revision", "1", "--show-secrets"],
    ],
)
def test_show_secrets_shows_them(
    applied: RunningCluster, cli: Callable[..., CliResult], args: list[str]
) -> None:
    out = cli(*args).out
    assert "hunter2-5" in out and "hunter4-5" in out
