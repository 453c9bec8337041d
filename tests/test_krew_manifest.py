"""krew-manifest.yaml against krew's rules, and against the package and the bundle script.

krew itself is not installed here, so its checks are re-implemented from its source
(kubernetes-sigs/krew):
- internal/index/validation/validate.go, ValidatePlugin: apiVersion and kind, a safe plugin
  name equal to the index file's name, a one-line shortDescription, platforms, a semantic
  version with a leading 'v' (internal/installation/semver, k8s.io ParseSemantic); for each
  platform: uri, a sha256 of 64 lowercase hex digits, bin, `files` absent or non-empty with
  from/to set, a selector that is set, non-empty and uses only the keys os and arch;
- cmd/validate-krew-manifest/main.go: every platform selects at least one <os, arch> krew
  supports and no two select the same one; line lengths (80 for description and caveats, 70
  for shortDescription; krew warns, we fail); the install must extract a LICENSE file;
- internal/installation/move.go and install.go: each `to` is a clean path, and `bin` is a file
  the `files` operations put in the install directory.
The krew-index guidelines add https for homepage and uri. The project adds: the version is the
package's, each uri is the release URL the bundle script writes, named for its platform.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_rollback import __version__

REPO = Path(__file__).resolve().parents[1]
INDEX_NAME = "rollback"  # the manifest's file name in krew-index: plugins/rollback.yaml

API_VERSION = "krew.googlecontainertools.github.com/v1alpha2"
SAFE_NAME = re.compile(r"^[\w-]+$")
WINDOWS_FORBIDDEN = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}
SHA256 = re.compile(r"^[a-f0-9]{64}$")
# k8s.io/apimachinery/pkg/util/version ParseSemantic (after krew strips nothing: the 'v' is
# allowed).
SEMVER = re.compile(
    r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
SUPPORTED_PLATFORMS = [
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("darwin", "386"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
]
LICENSE_FILES = {
    "license",
    "license.txt",
    "license.md",
    "licenses",
    "licenses.txt",
    "licenses.md",
    "copying",
    "copying.txt",
}


def _load_bundle_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "build_bundle", REPO / "scripts" / "build_bundle.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def selector_matches(selector: dict[str, Any], os_name: str, arch: str) -> bool:
    """metav1.LabelSelectorAsSelector(selector).Matches({os, arch})."""
    labels = {"os": os_name, "arch": arch}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


def _too_long(text: str, limit: int) -> list[str]:
    """Lines over `limit` that are not a single word (validateLineLength)."""
    return [line for line in text.split("\n") if len(line) > limit and " " in line.strip()]


def _installed_names(files: list[dict[str, str]] | None) -> set[str]:
    """Top-level names the file operations create in the install directory (direct moves only)."""
    if files is None:
        return {"*"}
    names = set()
    for op in files:
        source, to = op["from"], op["to"]
        if any(c in source for c in "*?["):
            names.add(to.split("/")[0] if to != "." else "*")
        else:
            names.add(os.path.basename(source) if to == "." else to.split("/")[0])
    return names


def validate_platform(platform: dict[str, Any]) -> list[str]:
    errors = []
    if not platform.get("uri"):
        errors.append("`uri` has to be set")
    elif not str(platform["uri"]).startswith("https://"):
        errors.append("`uri` must be https")
    sha = platform.get("sha256")
    if not sha:
        errors.append("`sha256` sum has to be set")
    elif not SHA256.match(str(sha)):
        errors.append(f"`sha256` value {sha} is not valid")
    if not platform.get("bin"):
        errors.append("`bin` has to be set")
    files = platform.get("files")
    if files is not None:
        if len(files) == 0:
            errors.append("`files` has to be unspecified or non-empty")
        for op in files:
            if not op.get("from"):
                errors.append("`from` field has to be set")
            elif not op.get("to"):
                errors.append("`to` field has to be set")
            elif os.path.normpath(op["to"]) != op["to"]:
                errors.append(f"`to` {op['to']!r} is not a clean path")
    selector = platform.get("selector")
    if selector is None:
        errors.append("nil selector is not supported")
    else:
        labels, exprs = selector.get("matchLabels"), selector.get("matchExpressions")
        if labels is None and not exprs:
            errors.append("empty selector is not supported")
        keys = [*(labels or {}), *(e.get("key") for e in exprs or [])]
        errors += [f"key {k!r} not supported" for k in keys if k not in ("os", "arch")]
        if labels is not None and len(labels) == 0:
            errors.append("`matchLabels` specified but empty")
        if exprs is not None and len(exprs) == 0:
            errors.append("`matchExpressions` specified but empty")
    if platform.get("bin") and files:
        first = Path(platform["bin"]).parts[0]  # pathlib drops a leading "./"
        installed = _installed_names(files)
        if "*" not in installed and first not in installed:
            errors.append(
                f"`bin` {platform['bin']} is not among the installed files {sorted(installed)}"
            )
        if "*" not in installed and not {n.lower() for n in installed} & LICENSE_FILES:
            errors.append("no LICENSE (or alike) file is installed")
    return errors


def validate(manifest: dict[str, Any], name: str) -> list[str]:
    """Everything krew (and krew-index's CI) would reject in `manifest` filed as `name`.yaml."""
    errors: list[str] = []
    if manifest.get("apiVersion") != API_VERSION:
        errors.append(f"apiVersion={manifest.get('apiVersion')!r} is not supported")
    if manifest.get("kind") != "Plugin":
        errors.append(f"kind={manifest.get('kind')!r}, but only 'Plugin' is supported")
    if not SAFE_NAME.match(name) or name.lower() in WINDOWS_FORBIDDEN:
        errors.append(f"the plugin name {name!r} is not allowed")
    if (manifest.get("metadata") or {}).get("name") != name:
        errors.append(f"plugin should be named {name!r}")
    spec = manifest.get("spec") or {}
    short = spec.get("shortDescription") or ""
    if not short:
        errors.append("should have a short description")
    if "\n" in short or "\r" in short:
        errors.append("should not have line breaks in short description")
    platforms = spec.get("platforms") or []
    if not platforms:
        errors.append("should have a platform specified")
    version = spec.get("version") or ""
    if not version:
        errors.append("should have a version specified")
    elif not SEMVER.match(str(version)):
        errors.append(f"version {version!r} is not a semantic version with a leading 'v'")
    for index, platform in enumerate(platforms):
        errors += [f"platforms[{index}]: {e}" for e in validate_platform(platform)]
    if not str(spec.get("homepage") or "").startswith("https://"):
        errors.append("homepage must be an https URL")
    for field, limit in (("description", 80), ("caveats", 80), ("shortDescription", 70)):
        errors += [
            f"{field} line over {limit} characters: {line!r}"
            for line in _too_long(spec.get(field) or "", limit)
        ]
    for index, platform in enumerate(platforms):
        selector = platform.get("selector") or {}
        if not any(selector_matches(selector, o, a) for o, a in SUPPORTED_PLATFORMS):
            errors.append(f"platforms[{index}]'s selector doesn't match any supported platforms")
    for os_name, arch in SUPPORTED_PLATFORMS:
        hits = [
            i
            for i, p in enumerate(platforms)
            if selector_matches(p.get("selector") or {}, os_name, arch)
        ]
        if len(hits) > 1:
            errors.append(
                f"platforms {hits} have overlapping selectors that select {os_name}/{arch}"
            )
    return errors


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "krew-manifest.yaml").read_text())
    return loaded


def test_the_manifest_passes_krews_validation(manifest: dict[str, Any]) -> None:
    assert validate(manifest, INDEX_NAME) == []


def test_the_manifest_version_is_the_package_version(manifest: dict[str, Any]) -> None:
    assert manifest["spec"]["version"] == f"v{__version__}"


def test_each_platform_points_at_the_release_archive_the_script_builds(
    manifest: dict[str, Any],
) -> None:
    script = _load_bundle_script()
    assert [p["selector"]["matchLabels"] for p in manifest["spec"]["platforms"]][0] == {
        "os": "linux",
        "arch": "amd64",
    }
    for platform in manifest["spec"]["platforms"]:
        labels = platform["selector"]["matchLabels"]
        assert platform["uri"] == script.release_uri(__version__, labels["os"], labels["arch"])
        assert platform["bin"] == "kubectl-rollback"
        assert platform["sha256"] != "0" * 64, "run scripts/build_bundle.py to fill in the sha256"


def _mutated(manifest: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(manifest)
    *parents, last = path.split(".")
    node: Any = broken
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is KeyError:
        del node[last]
    else:
        node[int(last) if isinstance(node, list) else last] = value
    return broken


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("apiVersion", "krew.googlecontainertools.github.com/v1alpha1", "apiVersion"),
        ("kind", "Plugins", "kind"),
        ("metadata.name", "kubectl-rollback", "should be named"),
        ("spec.version", "0.1.0", "leading 'v'"),
        ("spec.version", "v0.1", "leading 'v'"),
        ("spec.version", "v01.1.0", "leading 'v'"),
        ("spec.shortDescription", "", "short description"),
        ("spec.shortDescription", "two\nlines", "line breaks"),
        ("spec.shortDescription", "word " * 15, "over 70"),
        ("spec.description", "word " * 17, "over 80"),
        ("spec.homepage", "http://example.com", "https"),
        ("spec.platforms", [], "platform specified"),
        ("spec.platforms.0.uri", "", "`uri`"),
        ("spec.platforms.0.uri", "http://example.com/a.tar.gz", "https"),
        ("spec.platforms.0.sha256", "ABC", "`sha256`"),
        ("spec.platforms.0.sha256", "A" * 64, "`sha256`"),
        ("spec.platforms.0.bin", "", "`bin`"),
        ("spec.platforms.0.bin", "kubectl-rolback", "not among the installed files"),
        ("spec.platforms.0.files", [], "non-empty"),
        ("spec.platforms.0.files.0.to", "./", "clean"),
        ("spec.platforms.0.files.2", {"from": "kubectl-rollback/README", "to": "."}, "LICENSE"),
        ("spec.platforms.0.selector", KeyError, "nil selector"),
        ("spec.platforms.0.selector", {}, "empty selector"),
        ("spec.platforms.0.selector", {"matchLabels": {}}, "matchLabels"),
        (
            "spec.platforms.0.selector",
            {"matchLabels": {"os": "linux", "cpu": "amd64"}},
            "not supported",
        ),
        ("spec.platforms.0.selector", {"matchLabels": {"os": "plan9"}}, "doesn't match any"),
    ],
)
def test_the_validator_rejects_what_krew_rejects(
    manifest: dict[str, Any], path: str, value: Any, message: str
) -> None:
    errors = validate(_mutated(manifest, path, value), INDEX_NAME)
    assert any(message in e for e in errors), errors


def test_the_validator_rejects_overlapping_platforms(manifest: dict[str, Any]) -> None:
    broken = copy.deepcopy(manifest)
    broken["spec"]["platforms"].append(
        copy.deepcopy(broken["spec"]["platforms"][0])
        | {"selector": {"matchExpressions": [{"key": "os", "operator": "In", "values": ["linux"]}]}}
    )
    assert any("overlapping" in e for e in validate(broken, INDEX_NAME))
