"""The label keys that tell the sides of a blue/green group apart (see bluegreen.py).

A module of its own so that a Deployment rollback can tell, without importing the
blue/green rules, that its pod template carries no colour label and so cannot be a side.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

HARNESS_COLOR_KEY = "harness.io/color"
GENERIC_COLOR_KEYS = ("color", "colour", "slot", "track", "version")
"""Selector keys that tell the sides of a generic group apart (first match wins)."""
COLOR_KEYS = (HARNESS_COLOR_KEY, *GENERIC_COLOR_KEYS)


def has_colour_label(labels: Mapping[str, Any]) -> bool:
    """Whether pod labels carry a colour key (only then can the workload be a side)."""
    return any(key in labels for key in COLOR_KEYS)
