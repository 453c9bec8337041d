"""Messages said once and fitting the evidence: refusals, conflicts (simulated cluster)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kubectl_rollback.sim import RunningCluster
from tests.cli.cli_support import CliResult, history_of


def test_a_release_refusal_is_the_one_error_line(
    sim: RunningCluster, cli: Callable[..., CliResult]
) -> None:
    labels = {"team": "shop"}
    history_of(sim, "api", ["nginx:1.25.3", "nginx:1.26.0"])
    history_of(sim, "web", ["nginx:1.25.3", "nginx:1.26.0"])
    for name in ("api", "web"):
        sim.cluster.store.mutate(
            __import__("kubectl_rollback.sim.store", fromlist=["resource"]).resource(
                "apps", "deployments"
            ),
            "default",
            name,
            lambda d, name=name: (
                d["metadata"].setdefault("labels", {}).update(labels),
                d["spec"].update(paused=name == "web"),
            ),
        )
    for args in (["--dry-run"], ["--yes"]):
        result = cli("-l", "team=shop", *args)
        assert result.code == 1, (args, result.err)
        assert len(result.err.strip().splitlines()) == 1, result.err
        assert "paused" in result.err, result.err
        assert "Release rollback plan" in result.out
        assert "Refused" not in result.out, result.out


@pytest.mark.parametrize("sim", ["bluegreen"], indirect=True)
def test_quiet_still_shows_the_whole_plan_before_a_question(
    sim: RunningCluster, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kubectl_rollback.cli import console

    asked: list[str] = []
    monkeypatch.setattr(console, "interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda q: asked.append(q) or "n")
    result = cli("svc/web", "-q")
    assert result.code == 1 and "rollback cancelled; nothing was changed" in result.err
    assert asked and "Route the traffic of service/web from green to blue?" in asked[0]
    assert "Blue/green rollback plan for service/web" in result.out
    assert "Selector changes" in result.out
    quiet = cli("svc/web", "-q", "--dry-run")
    assert quiet.out.splitlines() == [
        "service/web-stage switched from blue to green (dry run); "
        "service/web switched from green to blue (dry run)"
    ]
