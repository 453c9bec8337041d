"""The YAML emitter is deterministic and valid YAML; masking covers the documented names."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kubectl_rollback.core.rendering import is_secret_name, mask_template, to_yaml, unified_diff

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**12), 10**12),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=15),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=25,
)


@given(json_values)
def test_to_yaml_round_trips_through_a_real_yaml_parser(value: Any) -> None:
    text = to_yaml({"v": value})
    assert yaml.safe_load(text) == {"v": value}
    assert to_yaml({"v": value}) == text


def test_to_yaml_sorts_keys_and_quotes_ambiguous_strings() -> None:
    assert to_yaml({"b": "yes", "a": "1.0", "c": "plain", "d": [], "e": {}}) == (
        "a: '1.0'\nb: 'yes'\nc: plain\nd: []\ne: {}\n"
    )


@pytest.mark.parametrize(
    "name",
    [
        "DB_PASSWORD",
        "passwd",
        "GITHUB_TOKEN",
        "client_secret",
        "API_KEY",
        "AWS_CREDENTIALS",
        "PRIVATE_PEM",
        "basic_auth",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["LOG_LEVEL", "PORT", "HOME"])
def test_plain_names(name: str) -> None:
    assert not is_secret_name(name)


def test_mask_template_marks_changes_and_keeps_refs() -> None:
    def t(value: str) -> dict[str, Any]:
        return {
            "spec": {
                "containers": [
                    {
                        "name": "a",
                        "env": [
                            {"name": "TOKEN", "value": value},
                            {
                                "name": "FROM_SECRET_KEY",
                                "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}},
                            },
                        ],
                    }
                ]
            }
        }

    masked = mask_template(t("new"), t("old"))
    assert masked["spec"]["containers"][0]["env"][0]["value"] == "*** (changed)"
    assert mask_template(t("same"), t("same"))["spec"]["containers"][0]["env"][0]["value"] == "***"
    assert masked["spec"]["containers"][0]["env"][1]["valueFrom"] == {
        "secretKeyRef": {"name": "s", "key": "k"}
    }
    assert unified_diff({"a": 1}, {"a": 1}, before_name="x", after_name="y") == ""
