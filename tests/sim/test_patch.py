"""Unit tests of the API server's patch algorithms (kubectl_rollback.sim.patch)."""

from __future__ import annotations

import pytest

from kubectl_rollback.sim.patch import (
    PatchError,
    apply_patch,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)

POD = {
    "metadata": {"name": "p", "labels": {"a": "1", "b": "2"}, "finalizers": ["x"]},
    "spec": {
        "containers": [
            {
                "name": "app",
                "image": "nginx:1.25",
                "args": ["-a"],
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
            },
            {"name": "side", "image": "busybox"},
        ],
        "tolerations": [{"key": "k"}],
    },
}


# ------------------------------------------------------------------------ JSON patch
def test_json_patch_operations_and_inputs_untouched() -> None:
    ops = [
        {"op": "replace", "path": "/spec/containers/0/image", "value": "nginx:1.26"},
        {"op": "add", "path": "/metadata/labels/c", "value": "3"},
        {"op": "remove", "path": "/metadata/labels/a"},
        {"op": "add", "path": "/spec/tolerations/-", "value": {"key": "z"}},
        {"op": "copy", "from": "/metadata/name", "path": "/metadata/generateName"},
        {"op": "move", "from": "/metadata/labels/b", "path": "/metadata/labels/d~1e"},
        {"op": "test", "path": "/metadata/labels/c", "value": "3"},
    ]
    out = json_patch(POD, ops)
    assert out["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert out["metadata"]["labels"] == {"c": "3", "d/e": "2"}
    assert out["spec"]["tolerations"] == [{"key": "k"}, {"key": "z"}]
    assert out["metadata"]["generateName"] == "p"
    assert POD["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert POD["metadata"]["labels"] == {"a": "1", "b": "2"}


@pytest.mark.parametrize(
    "ops, message",
    [
        (
            [{"op": "test", "path": "/metadata/name", "value": "q"}],
            "testing value /metadata/name failed",
        ),
        ([{"op": "test", "path": "/spec/x", "value": True}], "testing value /spec/x failed"),
        (
            [{"op": "replace", "path": "/spec/missing", "value": 1}],
            "replace operation does not apply",
        ),
        ([{"op": "remove", "path": "/metadata/nothing"}], "remove operation does not apply"),
        ([{"op": "add", "path": "/no/such/parent", "value": 1}], "add operation does not apply"),
        ([{"op": "frobnicate", "path": "/"}], "Unexpected kind: frobnicate"),
    ],
)
def test_json_patch_failures_do_not_apply(ops: list[dict[str, object]], message: str) -> None:
    with pytest.raises(PatchError) as err:
        json_patch(POD, ops)
    assert message in err.value.message
    assert not err.value.bad_request


def test_json_patch_test_distinguishes_true_from_one() -> None:
    with pytest.raises(PatchError):
        json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": True}])
    assert json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": 1.0}]) == {"a": 1}


def test_json_patch_that_is_not_a_list_is_a_bad_request() -> None:
    with pytest.raises(PatchError) as err:
        json_patch(POD, {"op": "add"})
    assert err.value.bad_request


# ----------------------------------------------------------------------- merge patch
def test_merge_patch_rfc7386() -> None:
    doc = {"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]}
    patch = {"a": "z", "c": {"f": None}, "l": [3], "n": {"x": None, "y": 1}}
    assert merge_patch(doc, patch) == {"a": "z", "c": {"d": "e"}, "l": [3], "n": {"y": 1}}
    assert doc["c"] == {"d": "e", "f": "g"}


# ------------------------------------------------------------- strategic merge patch
def test_smp_merges_containers_by_name_and_replaces_plain_lists() -> None:
    patch = {
        "spec": {
            "containers": [{"name": "app", "image": "nginx:1.26", "args": ["-b"]}],
            "tolerations": [{"key": "t"}],
        }
    }
    out = strategic_merge_patch(POD, patch)
    app, side = out["spec"]["containers"]
    assert app["image"] == "nginx:1.26" and app["args"] == ["-b"]
    assert app["env"] == POD["spec"]["containers"][0]["env"]
    assert side == {"name": "side", "image": "busybox"}
    assert out["spec"]["tolerations"] == [{"key": "t"}]


def test_smp_null_deletes_and_set_element_order() -> None:
    patch = {
        "metadata": {"labels": {"a": None}},
        "spec": {
            "$setElementOrder/containers": [{"name": "side"}, {"name": "app"}],
            "containers": [{"name": "side", "image": "busybox:2"}],
        },
    }
    out = strategic_merge_patch(POD, patch)
    assert out["metadata"]["labels"] == {"b": "2"}
    assert [c["name"] for c in out["spec"]["containers"]] == ["side", "app"]
    assert out["spec"]["containers"][0]["image"] == "busybox:2"


def test_smp_patch_directives() -> None:
    delete_env = {
        "spec": {"containers": [{"name": "app", "env": [{"name": "A", "$patch": "delete"}]}]}
    }
    out = strategic_merge_patch(POD, delete_env)
    assert out["spec"]["containers"][0]["env"] == [{"name": "B", "value": "2"}]

    replace_list = {"spec": {"containers": [{"$patch": "replace"}, {"name": "only", "image": "x"}]}}
    assert strategic_merge_patch(POD, replace_list)["spec"]["containers"] == [
        {"name": "only", "image": "x"}
    ]

    replace_map = {"metadata": {"labels": {"$patch": "replace", "z": "9"}}}
    assert strategic_merge_patch(POD, replace_map)["metadata"]["labels"] == {"z": "9"}

    delete_map = {"metadata": {"labels": {"$patch": "delete"}}}
    assert strategic_merge_patch(POD, delete_map)["metadata"]["labels"] == {}


def test_smp_retain_keys_and_delete_from_primitive_list() -> None:
    deployment = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    assert strategic_merge_patch(deployment, patch)["spec"]["strategy"] == {"type": "Recreate"}

    out = strategic_merge_patch(POD, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}})
    assert out["metadata"]["finalizers"] == []
    out = strategic_merge_patch(POD, {"metadata": {"finalizers": ["y"]}})
    assert out["metadata"]["finalizers"] == ["x", "y"]  # finalizers merge, not replace


def test_smp_ports_merge_on_container_port_and_service_port() -> None:
    out = strategic_merge_patch(
        POD, {"spec": {"containers": [{"name": "app", "ports": [{"containerPort": 443}]}]}}
    )
    assert [p["containerPort"] for p in out["spec"]["containers"][0]["ports"]] == [80, 443]
    service = {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 81}]}}
    out = strategic_merge_patch(service, {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}})
    assert out["spec"]["ports"] == [{"port": 80, "targetPort": 9090}, {"port": 81}]


def test_smp_rollout_pause_resume_and_restart_patches() -> None:
    deployment = {"spec": {"template": {"metadata": {"labels": {"app": "x"}}}}}
    paused = strategic_merge_patch(deployment, {"spec": {"paused": True}})
    assert paused["spec"]["paused"] is True
    assert "paused" not in strategic_merge_patch(paused, {"spec": {"paused": None}})["spec"]
    restart = {
        "spec": {
            "template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "now"}}}
        }
    }
    meta = strategic_merge_patch(deployment, restart)["spec"]["template"]["metadata"]
    assert meta == {
        "labels": {"app": "x"},
        "annotations": {"kubectl.kubernetes.io/restartedAt": "now"},
    }


def test_smp_body_must_be_an_object() -> None:
    with pytest.raises(PatchError) as err:
        strategic_merge_patch(POD, [1])
    assert err.value.bad_request


def test_apply_patch_merges_applied_fields() -> None:
    out = apply_patch(
        POD,
        {
            "metadata": {"labels": {"c": "3"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
        },
    )
    assert out["metadata"]["labels"] == {"a": "1", "b": "2", "c": "3"}
    assert out["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert out["spec"]["containers"][0]["env"] == POD["spec"]["containers"][0]["env"]
    assert len(out["spec"]["containers"]) == 2
