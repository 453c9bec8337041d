"""Release records: written as Harness and Helm write them (sim), read back by the core."""

from __future__ import annotations

import base64
import copy
import gzip
import json
from collections.abc import Sequence
from typing import Any

import pytest
import yaml

from kubectl_rollback.core import release_records as rr
from kubectl_rollback.sim import release_records as fx

NS = "prod"
RELEASE = "release-8f3c2a"


def load_yaml(text: str) -> list[Any]:
    return list(yaml.safe_load_all(text))


def workload(kind: str, name: str, image: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name, "harness.io/release-name": RELEASE}},
            "spec": {"containers": [{"name": name, "image": image}]},
        },
    }
    if kind != "DaemonSet":
        spec["replicas"] = 2
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": NS},
        "spec": spec,
    }


SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web", "namespace": NS},
    "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
}
CONFIG = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-config"}, "data": {}}


def legacy_releases() -> list[dict[str, Any]]:
    """The example of release-records.md §1: release 4 failed, release 3 succeeded."""
    return [
        fx.legacy_release(
            3,
            "Succeeded",
            NS,
            [("Deployment", "web", 8), ("Deployment", "worker", 5)],
            resources=[
                ("ConfigMap", "web-config-3"),
                ("Deployment", "web"),
                ("Deployment", "worker"),
            ],
        ),
        fx.legacy_release(
            4,
            "Failed",
            NS,
            [("Deployment", "web", 9), ("Deployment", "worker", 6)],
            resources=[
                ("ConfigMap", "web-config-4"),
                ("Deployment", "web"),
                ("Deployment", "worker"),
            ],
        ),
    ]


def with_rv(obj: dict[str, Any], rv: str = "41") -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    obj["metadata"]["resourceVersion"] = rv
    return obj


def read_harness(
    configmaps: Sequence[Any] = (), secrets: Sequence[Any] = ()
) -> rr.ReleaseHistory | None:
    return rr.read_harness(RELEASE, NS, list(configmaps), list(secrets), load_yaml=load_yaml)


def read_helm(
    secrets: Sequence[Any] = (), configmaps: Sequence[Any] = ()
) -> rr.ReleaseHistory | None:
    return rr.read_helm("web", NS, list(secrets), list(configmaps), load_yaml=load_yaml)


# ---------------------------------------------------------------- the encodings themselves


def test_legacy_configmap_decodes_with_base64_and_gunzip() -> None:
    cm = fx.harness_legacy_configmap(RELEASE, NS, legacy_releases())
    assert cm["metadata"] == {"name": RELEASE, "namespace": NS}  # no labels
    assert cm["data"]["isReleaseHistoryCompressed"] == "true"
    raw = base64.b64decode(cm["data"]["releaseHistory"])
    # Java's GZIPOutputStream header: no flags, no mtime, XFL 0.
    assert raw[:9] == bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0])
    text = gzip.decompress(raw).decode()
    doc = yaml.safe_load(text)
    assert doc["version"] == "v1"
    assert [r["number"] for r in doc["releases"]] == [4, 3]  # newest first
    assert doc["releases"][0]["managedWorkloads"][0] == {
        "revision": "9",
        "workload": {"kind": "Deployment", "name": "web", "namespace": NS},
    }
    assert 'revision: "9"' in text  # a quoted string, as Harness writes it
    assert {"kind": "ConfigMap", "name": "web-config-4", "namespace": NS, "versioned": True} in (
        doc["releases"][0]["resources"]
    )


def test_legacy_secret_holds_gzip_bytes_and_the_flag_byte() -> None:
    secret = fx.harness_legacy_secret(RELEASE, NS, legacy_releases())
    assert base64.b64decode(secret["data"]["isReleaseHistoryCompressed"]) == b"\x01"
    assert secret["data"]["isReleaseHistoryCompressed"] == "AQ=="
    raw = base64.b64decode(secret["data"]["releaseHistory"])
    assert raw[:3] == b"\x1f\x8b\x08"
    assert yaml.safe_load(gzip.decompress(raw))["releases"][1]["number"] == 3


def test_declarative_secret_as_harness_writes_it() -> None:
    secret = fx.harness_declarative_secret(
        RELEASE, 5, "Succeeded", NS, [workload("Deployment", "web", "nginx:1.27"), SERVICE]
    )
    assert secret["type"] == "harness.io/release/v2"
    assert secret["metadata"]["name"] == f"harness.release.{RELEASE}.5"
    assert secret["metadata"]["labels"] == {
        "owner": "harness",
        "release": RELEASE,
        "release-number": "5",
        "status": "Succeeded",
        "harness.io/pruning-enabled": "false",
    }
    assert list(secret["data"]) == ["release"]
    # decode: base64 -d | gunzip
    text = gzip.decompress(base64.b64decode(secret["data"]["release"])).decode()
    assert text.startswith("---\napiVersion: apps/v1\n")
    assert text.count("---\n") == 2
    assert [d["kind"] for d in yaml.safe_load_all(text)] == ["Deployment", "Service"]


def test_helm_secret_decodes_with_base64_twice_and_gunzip() -> None:
    secret = fx.helm_secret("web", NS, 4, "deployed", [workload("Deployment", "web", "web:2.3.1")])
    assert secret["type"] == "helm.sh/release.v1"
    assert secret["metadata"]["name"] == "sh.helm.release.v1.web.v4"
    labels = secret["metadata"]["labels"]
    assert {k: labels[k] for k in ("name", "owner", "status", "version")} == {
        "name": "web",
        "owner": "helm",
        "status": "deployed",
        "version": "4",
    }
    # base64 -d | base64 -d | gunzip
    raw = base64.b64decode(base64.b64decode(secret["data"]["release"]))
    assert raw[:3] == b"\x1f\x8b\x08" and raw[8] == 2 and raw[9] == 255  # Go: BestCompression
    text = gzip.decompress(raw).decode()
    release = json.loads(text)
    assert list(release) == ["name", "info", "chart", "manifest", "version", "namespace"]
    assert release["info"]["deleted"] == "" and release["info"]["status"] == "deployed"
    assert release["manifest"].startswith("---\n# Source: web/templates/deployment.yaml\n")
    assert ", " not in text.split('"manifest"')[0]  # compact, as Go writes it
    assert yaml.safe_load(release["manifest"])["kind"] == "Deployment"


def test_helm_configmap_is_base64_once() -> None:
    cm = fx.helm_configmap("web", NS, 2, "superseded", [workload("Deployment", "web", "web:1")])
    assert "type" not in cm and cm["kind"] == "ConfigMap"
    release = json.loads(gzip.decompress(base64.b64decode(cm["data"]["release"])))
    assert release["version"] == 2 and release["name"] == "web"


def test_go_json_escapes_html_characters() -> None:
    assert fx.go_json({"a": "<&>"}) == '{"a":"\\u003c\\u0026\\u003e"}'


# ---------------------------------------------------------------- Harness legacy


@pytest.mark.parametrize("compressed", [True, False], ids=["compressed", "plain"])
def test_legacy_configmap_round_trips(compressed: bool) -> None:
    cm = fx.harness_legacy_configmap(RELEASE, NS, legacy_releases(), compressed=compressed)
    if not compressed:
        assert "isReleaseHistoryCompressed" not in cm["data"]
        assert cm["data"]["releaseHistory"].startswith("releases:\n")
    history = read_harness(configmaps=[cm])
    assert history is not None
    assert history.source == "harness-legacy"
    assert history.encoding == ("gzip" if compressed else "plain")
    assert [(r.number, r.status) for r in history.revisions] == [(4, "Failed"), (3, "Succeeded")]
    assert history.revisions[0].record == f"ConfigMap/{RELEASE}"
    assert history.revision(3) is not None
    assert history.revision(3).workloads == (  # type: ignore[union-attr]
        rr.RecordedWorkload("Deployment", "web", NS, 8, None),
        rr.RecordedWorkload("Deployment", "worker", NS, 5, None),
    )
    assert history.storage == (cm,)


def test_legacy_secret_round_trips_and_is_tried_before_the_configmap() -> None:
    secret = fx.harness_legacy_secret(RELEASE, NS, legacy_releases())
    other = fx.harness_legacy_configmap(RELEASE, NS, [fx.legacy_release(1, "Succeeded", NS, [])])
    history = read_harness(configmaps=[other], secrets=[secret])
    assert history is not None
    assert history.revisions[0].record == f"Secret/{RELEASE}"
    assert [r.number for r in history.revisions] == [4, 3]
    # A Secret that cannot be read leaves the ConfigMap to be read, as Harness falls back.
    broken = copy.deepcopy(secret)
    broken["data"]["releaseHistory"] = "not base64!"
    fallback = read_harness(configmaps=[other], secrets=[broken])
    assert fallback is not None and fallback.revisions[0].record == f"ConfigMap/{RELEASE}"


def test_legacy_single_managed_workload_and_other_kinds() -> None:
    text = fx.to_yaml(
        {
            "releases": [
                {
                    "managedWorkload": {"kind": "StatefulSet", "name": "db", "namespace": NS},
                    "managedWorkloadRevision": "3",
                    "number": 2,
                    "status": "Succeeded",
                },
                {
                    "managedWorkloads": [
                        {"revision": "1", "workload": {"kind": "Rollout", "name": "x"}},
                        {"revision": "x", "workload": {"kind": "DaemonSet", "name": "agent"}},
                    ],
                    "number": 1,
                    "status": "Succeeded",
                },
            ],
            "version": "v1",
        }
    )
    cm = {"kind": "ConfigMap", "metadata": {"name": RELEASE}, "data": {"releaseHistory": text}}
    history = read_harness(configmaps=[cm])
    assert history is not None
    assert history.revisions[0].workloads == (
        rr.RecordedWorkload("StatefulSet", "db", NS, 3, None),
    )
    # Only Deployments, StatefulSets and DaemonSets; an unreadable revision is None.
    assert history.revisions[1].workloads == (
        rr.RecordedWorkload("DaemonSet", "agent", NS, None, None),
    )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"releaseHistory": None},
        {"releaseHistory": "::: not yaml [", "isReleaseHistoryCompressed": "false"},
        {"releaseHistory": "H4sIAAAA", "isReleaseHistoryCompressed": "true"},
        {
            "releaseHistory": base64.b64encode(b"\x1f\x8b\x08garbage").decode(),
            "isReleaseHistoryCompressed": "true",
        },
        {"releaseHistory": "- just\n- a list\n"},
        {"releaseHistory": "releases: 7\n"},
    ],
    ids=["no-data", "null", "not-yaml", "truncated", "bad-gzip", "list", "no-releases"],
)
def test_unreadable_legacy_history_is_none(data: dict[str, Any]) -> None:
    cm = {"kind": "ConfigMap", "metadata": {"name": RELEASE, "namespace": NS}, "data": data}
    assert read_harness(configmaps=[cm]) is None


def test_bad_releases_are_skipped_and_other_namespaces_ignored() -> None:
    text = "releases:\n- number: x\n  status: Succeeded\n- 7\n- number: 2\n  status: Succeeded\n"
    cm = {"kind": "ConfigMap", "metadata": {"name": RELEASE}, "data": {"releaseHistory": text}}
    history = read_harness(configmaps=[cm])
    assert history is not None and [r.number for r in history.revisions] == [2]
    elsewhere = fx.harness_legacy_configmap(RELEASE, "staging", legacy_releases())
    assert read_harness(configmaps=[elsewhere]) is None
    assert (
        read_harness(configmaps=[fx.harness_legacy_configmap("other", NS, legacy_releases())])
        is None
    )


def test_harness_last_successful_is_the_newest_succeeded_before_current() -> None:
    releases = [
        fx.legacy_release(2, "Succeeded", NS, [("Deployment", "web", 6)]),
        fx.legacy_release(3, "Succeeded", NS, [("Deployment", "web", 8)]),
        fx.legacy_release(4, "Failed", NS, [("Deployment", "web", 9)]),
        fx.legacy_release(5, "InProgress", NS, [("Deployment", "web", 10)]),
    ]
    history = read_harness(configmaps=[fx.harness_legacy_configmap(RELEASE, NS, releases)])
    assert history is not None
    assert history.current is not None and history.current.number == 5
    assert history.last_successful() == history.revision(3)
    assert history.last_successful(before=3) == history.revision(2)
    assert history.last_successful(before=2) is None
    # The current release succeeded: the target is still an older one.
    releases[3]["status"] = "Succeeded"
    done = read_harness(configmaps=[fx.harness_legacy_configmap(RELEASE, NS, releases)])
    assert done is not None and done.last_successful() == done.revision(3)
    empty = rr.ReleaseHistory("harness-legacy", RELEASE, NS, (), ())
    assert empty.current is None and empty.last_successful() is None


# ---------------------------------------------------------------- Harness declarative


def declarative_secrets() -> list[dict[str, Any]]:
    return [
        fx.harness_declarative_secret(
            RELEASE,
            n,
            status,
            NS,
            [
                CONFIG,
                workload("Deployment", "web", f"web:{n}"),
                workload("StatefulSet", "db", f"db:{n}"),
                SERVICE,
            ],
        )
        for n, status in ((4, "Succeeded"), (6, "Failed"), (5, "Succeeded"))
    ]


def test_declarative_secrets_round_trip_newest_first() -> None:
    history = read_harness(secrets=declarative_secrets())
    assert history is not None
    assert history.source == "harness-declarative"
    assert [(r.number, r.status) for r in history.revisions] == [
        (6, "Failed"),
        (5, "Succeeded"),
        (4, "Succeeded"),
    ]
    assert [rr_name(s) for s in history.storage] == [
        f"harness.release.{RELEASE}.{n}" for n in (6, 5, 4)
    ]
    five = history.revision(5)
    assert five is not None and five.record == f"Secret/harness.release.{RELEASE}.5"
    assert [(w.kind, w.name, w.namespace, w.revision) for w in five.workloads] == [
        ("Deployment", "web", NS, None),
        ("StatefulSet", "db", NS, None),
    ]
    assert five.workloads[0].template == workload("Deployment", "web", "web:5")["spec"]["template"]
    assert history.last_successful() == five


def rr_name(obj: Any) -> str:
    return str(obj["metadata"]["name"])


def test_declarative_secrets_take_precedence_over_legacy_history() -> None:
    cm = fx.harness_legacy_configmap(RELEASE, NS, legacy_releases())
    history = read_harness(configmaps=[cm], secrets=declarative_secrets())
    assert history is not None and history.source == "harness-declarative"
    legacy = rr.read_harness_legacy(RELEASE, NS, [cm], declarative_secrets(), load_yaml=load_yaml)
    assert legacy is not None and legacy.source == "harness-legacy"


def test_declarative_tolerates_garbage() -> None:
    good = declarative_secrets()[0]
    broken = copy.deepcopy(good)
    broken["metadata"]["name"] = f"harness.release.{RELEASE}.7"
    broken["metadata"]["labels"]["release-number"] = "7"
    broken["data"]["release"] = base64.b64encode(b"\x1f\x8b\x08nope").decode()
    wrong_type = copy.deepcopy(good)
    wrong_type["type"] = "Opaque"
    other_release = fx.harness_declarative_secret("release-other", 9, "Succeeded", NS, [])
    no_number = {
        "kind": "Secret",
        "metadata": {"name": "x", "labels": {"owner": "harness", "release": RELEASE}},
    }
    history = read_harness(
        secrets=[good, broken, wrong_type, other_release, no_number, {"kind": "Secret"}]
    )
    assert history is not None
    assert [r.number for r in history.revisions] == [7, 4]
    assert history.revisions[0].workloads == () and history.revisions[0].problems
    assert history.revisions[1].problems == ()
    # Plain (not gzip'd) payloads are read too.
    plain = copy.deepcopy(good)
    plain["data"]["release"] = base64.b64encode(
        fx.declarative_payload([workload("DaemonSet", "agent", "a:1")]).encode()
    ).decode()
    read = read_harness(secrets=[plain])
    assert read is not None and read.revisions[0].workloads[0].kind == "DaemonSet"


# ---------------------------------------------------------------- Helm


def helm_history(make: Any) -> list[dict[str, Any]]:
    def workloads(v: int) -> list[dict[str, Any]]:
        return [
            SERVICE,
            workload("Deployment", "web", f"web:{v}"),
            workload("Deployment", "api", f"api:{v}"),
        ]

    return [
        make("web", NS, 1, "superseded", workloads(1)),
        make("web", NS, 2, "failed", workloads(2)),
        make("web", NS, 3, "deployed", workloads(3), description="Rollback to 1"),
        make("web", NS, 4, "pending-upgrade", workloads(4)),
    ]


@pytest.mark.parametrize(
    ("make", "source", "kind"),
    [(fx.helm_secret, "helm-secret", "Secret"), (fx.helm_configmap, "helm-configmap", "ConfigMap")],
    ids=["secret", "configmap"],
)
def test_helm_drivers_round_trip(make: Any, source: str, kind: str) -> None:
    objects = helm_history(make)
    history = read_helm(secrets=objects) if kind == "Secret" else read_helm(configmaps=objects)
    assert history is not None
    assert history.source == source
    assert [(r.number, r.status) for r in history.revisions] == [
        (4, "pending-upgrade"),
        (3, "deployed"),
        (2, "failed"),
        (1, "superseded"),
    ]
    three = history.revision(3)
    assert three is not None
    assert three.record == f"{kind}/sh.helm.release.v1.web.v3"
    assert three.description == "Rollback to 1"
    assert [w.name for w in three.workloads] == ["web", "api"]  # the Service is not a workload
    assert three.workloads[1].template == workload("Deployment", "api", "api:3")["spec"]["template"]
    # Helm: the newest deployed/superseded revision before the current one.
    assert history.last_successful() == three
    assert history.last_successful(before=3) == history.revision(1)
    assert not history.revision(2).succeeded  # type: ignore[union-attr]


def test_helm_prefers_the_secrets_driver() -> None:
    history = read_helm(
        secrets=helm_history(fx.helm_secret)[:1], configmaps=helm_history(fx.helm_configmap)
    )
    assert history is not None and history.source == "helm-secret" and len(history.revisions) == 1


def test_helm_reads_uncompressed_release_data() -> None:
    release = fx.helm_release("web", NS, 1, "deployed", [workload("Deployment", "web", "w:1")])
    once = base64.b64encode(fx.go_json(release).encode()).decode()  # no gzip magic
    secret = fx.helm_secret("web", NS, 1, "deployed", [])
    secret["data"]["release"] = base64.b64encode(once.encode()).decode()
    history = read_helm(secrets=[secret])
    assert history is not None and history.revisions[0].workloads[0].name == "web"


def test_helm_tolerates_garbage() -> None:
    good = fx.helm_secret("web", NS, 2, "deployed", [workload("Deployment", "web", "w:2")])
    broken = fx.helm_secret("web", NS, 3, "failed", [])
    broken["data"]["release"] = "%%%"
    bad_manifest = fx.helm_secret("web", NS, 1, "superseded", [])
    release = fx.helm_release("web", NS, 1, "superseded", [])
    release["manifest"] = "key: [unclosed"
    bad_manifest["data"]["release"] = base64.b64encode(fx.helm_encode(release).encode()).decode()
    unlabelled = copy.deepcopy(broken)
    del unlabelled["metadata"]["labels"]
    unlabelled["metadata"]["name"] = "sh.helm.release.v1.web.v9"
    others = [
        fx.helm_secret("webapp", NS, 5, "deployed", []),
        {**fx.helm_secret("web", NS, 6, "deployed", []), "type": "Opaque"},
        fx.helm_secret("web", "staging", 7, "deployed", []),
    ]
    history = read_helm(secrets=[good, broken, bad_manifest, unlabelled, *others])
    assert history is not None
    assert [(r.number, r.status, bool(r.problems)) for r in history.revisions] == [
        (3, "failed", True),
        (2, "deployed", False),
        (1, "superseded", True),
    ]
    assert read_helm(secrets=[unlabelled]) is None
    assert read_helm() is None


def test_helm_history_has_no_record_updates() -> None:
    history = read_helm(secrets=helm_history(fx.helm_secret))
    assert history is not None
    assert rr.harness_record_updates(history, failed=4, target=3, new_revisions={}) == []


# ---------------------------------------------------------------- record updates


def apply_merge_patch(obj: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = apply_merge_patch(out[key], value)
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def expected_after_rollback() -> dict[str, Any]:
    """What Harness stores: release 4 Failed, release 3's revisions the new rollout numbers."""
    releases = legacy_releases()
    releases[1]["status"] = "Failed"
    releases[0]["managedWorkloads"][0]["revision"] = "10"
    releases[0]["managedWorkloads"][1]["revision"] = "7"
    return dict(yaml.safe_load(fx.harness_legacy_yaml(releases)))


@pytest.mark.parametrize(
    ("build", "compressed"),
    [
        (lambda: fx.harness_legacy_configmap(RELEASE, NS, legacy_releases()), True),
        (
            lambda: fx.harness_legacy_configmap(RELEASE, NS, legacy_releases(), compressed=False),
            False,
        ),
        (lambda: fx.harness_legacy_secret(RELEASE, NS, legacy_releases()), True),
    ],
    ids=["configmap-compressed", "configmap-plain", "secret"],
)
def test_legacy_record_update_decodes_to_what_harness_stores(build: Any, compressed: bool) -> None:
    obj = with_rv(build())
    kind = obj["kind"]
    history = read_harness(**({"secrets": [obj]} if kind == "Secret" else {"configmaps": [obj]}))
    assert history is not None
    updates = rr.harness_record_updates(
        history,
        failed=4,
        target=3,
        new_revisions={("Deployment", "web"): 10, ("Deployment", "worker"): 7},
    )
    assert len(updates) == 1
    update = updates[0]
    assert (update.kind, update.name, update.namespace) == (kind, RELEASE, NS)
    assert update.body["metadata"] == {"resourceVersion": "41"}
    assert set(update.body) == {"metadata", "data"}
    assert update.description == (
        f"{kind}/{RELEASE}: release 4 Failed, release 3 revisions web 8->10, worker 5->7"
    )
    after = apply_merge_patch(obj, update.body)
    data = after["data"]
    if kind == "Secret":
        assert data["isReleaseHistoryCompressed"] == "AQ=="
        text = gzip.decompress(base64.b64decode(data["releaseHistory"])).decode()
    elif compressed:
        assert data["isReleaseHistoryCompressed"] == "true"
        text = gzip.decompress(base64.b64decode(data["releaseHistory"])).decode()
    else:
        assert "isReleaseHistoryCompressed" not in data
        text = data["releaseHistory"]
    assert yaml.safe_load(text) == expected_after_rollback()
    assert 'revision: "10"' in text
    # ... and our reader reads it back with the new numbers.
    reread = read_harness(**({"secrets": [after]} if kind == "Secret" else {"configmaps": [after]}))
    assert reread is not None and reread.encoding == history.encoding
    assert [(r.number, r.status) for r in reread.revisions] == [(4, "Failed"), (3, "Succeeded")]
    assert [w.revision for w in reread.revision(3).workloads] == [10, 7]  # type: ignore[union-attr]


def test_legacy_record_update_of_a_single_managed_workload() -> None:
    text = (
        "releases:\n"
        "- managedWorkload: {kind: Deployment, name: web}\n"
        "  managedWorkloadRevision: '4'\n"
        "  number: 2\n"
        "  status: Succeeded\n"
        "- number: 3\n"
        "  status: InProgress\n"
        "version: v1\n"
    )
    cm = {
        "kind": "ConfigMap",
        "metadata": {"name": RELEASE, "resourceVersion": "7"},
        "data": {"releaseHistory": text},
    }
    history = read_harness(configmaps=[cm])
    assert history is not None
    (update,) = rr.harness_record_updates(
        history, failed=3, target=2, new_revisions={("Deployment", "web"): 6}
    )
    doc = yaml.safe_load(update.body["data"]["releaseHistory"])
    assert doc["releases"][0]["managedWorkloadRevision"] == "6"
    assert doc["releases"][1]["status"] == "Failed"
    assert update.description.endswith("release 2 revisions web 4->6")


def test_declarative_record_update_marks_the_current_secret_failed() -> None:
    secrets = [with_rv(s, f"10{i}") for i, s in enumerate(declarative_secrets())]
    secrets[1]["metadata"]["labels"]["status"] = "InProgress"  # release 6, the current one
    history = read_harness(secrets=secrets)
    assert history is not None
    (update,) = rr.harness_record_updates(
        history, failed=6, target=5, new_revisions={("Deployment", "web"): 3}
    )
    assert (update.kind, update.name) == ("Secret", f"harness.release.{RELEASE}.6")
    assert update.body == {"metadata": {"resourceVersion": "101", "labels": {"status": "Failed"}}}
    assert update.description == f"Secret/harness.release.{RELEASE}.6: release 6 Failed"
    after = apply_merge_patch(secrets[1], update.body)
    assert after["metadata"]["labels"]["status"] == "Failed"
    assert after["metadata"]["labels"]["owner"] == "harness" and after["data"] == secrets[1]["data"]


def test_record_updates_refuse_unknown_releases() -> None:
    history = read_harness(configmaps=[fx.harness_legacy_configmap(RELEASE, NS, legacy_releases())])
    assert history is not None
    with pytest.raises(ValueError, match="release 9"):
        rr.harness_record_updates(history, failed=9, target=3, new_revisions={})
    update = rr.harness_record_updates(history, failed=4, target=3, new_revisions={})[0]
    assert "metadata" not in update.body  # no resourceVersion was read: none to guard with


# ---------------------------------------------------------------- the core's YAML emitter


@pytest.mark.parametrize(
    "value",
    [
        {"a": "9", "b": 9, "c": "yes", "d": "", "e": None, "f": True, "g": "1.5", "h": "x: y"},
        {"list": [[1, 2], [], {}, {"k": [{"deep": "2024-01-01"}]}], "empty": {}},
        {"weird": "line\nbreak", "unicode": "héllo \u2028", "tab": "\t", "del": "\x7f", "~": "~"},
        {"floats": [1.5, 1e-05, 1e20, float("inf")], "keys": {"1": "one", "true": "t"}},
        [{"a": 1, "b": [{"c": 2}]}, "plain", "-dash", "#hash", "@at", "/path/x"],
        legacy_releases(),
    ],
)
def test_emit_yaml_round_trips_through_a_yaml_reader(value: Any) -> None:
    text = rr.emit_yaml(value)
    assert yaml.safe_load(text) == value
    assert fx.to_yaml(value) == text or yaml.safe_load(fx.to_yaml(value)) == value


def test_emit_yaml_writes_the_legacy_shape_as_the_fixture_writer_does() -> None:
    text = fx.harness_legacy_yaml(legacy_releases())
    assert rr.emit_yaml(yaml.safe_load(text)) == text
    assert text.startswith('releases:\n- managedWorkloads:\n  - revision: "9"\n    workload:\n')


# ---------------------------------------------------------------- core.harness (evidence)


@pytest.mark.parametrize(
    "build",
    [
        lambda: fx.harness_legacy_configmap(RELEASE, NS, legacy_releases()),
        lambda: fx.harness_legacy_configmap(RELEASE, NS, legacy_releases(), compressed=False),
        lambda: fx.harness_legacy_secret(RELEASE, NS, legacy_releases()),
    ],
    ids=["configmap-compressed", "configmap-plain", "secret"],
)
def test_evidence_reader_reads_the_real_legacy_history(build: Any) -> None:
    from kubectl_rollback.core import harness

    obj = build()
    configmaps, secrets = ([], [obj]) if obj["kind"] == "Secret" else ([obj], [])
    releases = harness.releases_from_objects(configmaps, secrets)
    assert [(r.number, r.status) for r in releases] == [(4, "Failed"), (3, "Succeeded")]
    assert releases[1].revision_of("Deployment", NS, "web") == 8
