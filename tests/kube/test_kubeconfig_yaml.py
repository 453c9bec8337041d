"""The kubeconfig reader that needs no PyYAML: it reads exactly what PyYAML's C safe loader
reads, or declines (and PyYAML reads the file, as before).

PyYAML is the referee throughout: every text is also loaded with ``yaml.CSafeLoader`` and
the two values must be the same, types included (``True`` is not ``1``).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_rollback.kube import kubeconfig
from kubectl_rollback.kube.kubeconfig_yaml import DECLINED, read
from kubectl_rollback.sim import kubeconfig_text as sim_kubeconfig_text
from tests import kubectl
from tests.clusters import control_plane

LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class _Refused:
    def __repr__(self) -> str:
        return "<PyYAML refuses the text>"


REFUSED = _Refused()


def _pyyaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=LOADER)
    except Exception:  # YAMLError, or ValueError from a constructor
        return REFUSED


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same types, all the way down (key order included)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            _same(ka, kb) and _same(va, vb)
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _agrees(text: str) -> bool:
    """The reader declines `text` (False) or gives exactly PyYAML's value (True)."""
    ours = read(text)
    if ours is DECLINED:
        return False
    theirs = _pyyaml(text)
    assert theirs is not REFUSED, f"read {ours!r} where PyYAML refuses {text!r}"
    assert _same(ours, theirs), f"{text!r}: read {ours!r}, PyYAML {theirs!r}"
    return True


def _read_without_declining(text: str) -> Any:
    ours = read(text)
    assert ours is not DECLINED, text
    assert _same(ours, yaml.load(text, Loader=LOADER))
    return ours


# --- generated documents --------------------------------------------------------------------

# fmt: off
ODD = [
    "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
    "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", "tRue", "nULL",
    "~", "null", "Null", "NULL", "0x1F", "0o17", "017", "08", "09", "0b101", "1_000", "1:30",
    "190:20:30", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
    "1e5", "1.5", "1.", ".5", ".inf", "-.INF", ".NaN", "+1", "-0", "0", "00", "-", "<<", "=",
    "--", "--region", "...", "---", "?", ":", "x:", ":x", "@a", "`a", "%a", "&a", "*a", "!a",
    "!!str", "|", ">", "{a}", "[a]", "{}", "[]", "#x", "12345678901234567890",
    "123456789012345678901234567890", "1.2.3.4", "0.0.0.0:80", "- a", "a #b", "a# b", "a: b",
    "a:", "'q'", '"q"', "it's", 'say "hi"', "x\\y", "a, b", "a,b]", "é", "😀", "a\u00a0b",
    "line\nbreak", "two\n\nbreaks", "tab\there", "trailing ", " leading", "", "\u2028", "\x85",
    "\ufeff", "\x7f", "\x00", "\\", "https://127.0.0.1:6443",
    "arn:aws:eks:us-west-2:123456789012:cluster/web", "Mon, 27 Feb 2023 10:51:43 CET",
    "client.authentication.k8s.io/v1beta1", "/home/user/.minikube/ca.crt",
    "gke_project_europe-west1-b_web",
]
KEYS = [
    "apiVersion", "kind", "clusters", "cluster", "users", "user", "contexts", "context", "name",
    "server", "token", "current-context", "preferences", "namespace", "exec", "args", "env",
    "command", "extensions", "extension", "certificate-authority-data",
    "client-certificate-data", "client-key-data", "insecure-skip-tls-verify", "tls-server-name",
]
# fmt: on
text_values = st.text(
    alphabet=st.sampled_from(list("abyYnN01x:-_./# '\"\\,[]{}&*!|>%@`?\té\n\r\u2028")),
    max_size=12,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=True),
    st.sampled_from(ODD),
    text_values,
)
keys = st.one_of(
    st.sampled_from(KEYS), st.sampled_from(ODD), text_values, st.integers(-3, 3), st.booleans()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=12,
)
documents = st.dictionaries(keys, values, max_size=6)


class _IndentedSequences(yaml.SafeDumper):
    """Sequences indented under their key (kubectl's style has them at the key's level)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


@st.composite
def dumped(draw: st.DrawFn, docs: st.SearchStrategy[Any] = documents) -> str:
    """A document dumped by PyYAML (several styles) or by json."""
    doc = draw(docs)
    style = draw(st.sampled_from(["block", "indented", "flow", "quoted", "json"]))
    if style == "json":
        return json.dumps(
            doc,
            indent=draw(st.sampled_from([None, 2, 4])),
            ensure_ascii=draw(st.booleans()),
        )
    options: dict[str, Any] = {
        "default_flow_style": None if style == "flow" else False,
        "sort_keys": False,
        "allow_unicode": draw(st.booleans()),
        "explicit_start": draw(st.booleans()),
        "width": draw(st.sampled_from([20, 80, 10**6])),
        "indent": draw(st.sampled_from([2, 3, 4])),
    }
    if style == "quoted":
        options["default_style"] = draw(st.sampled_from(['"', "'"]))
    dumper = _IndentedSequences if style == "indented" else yaml.SafeDumper
    return yaml.dump(doc, Dumper=dumper, **options)


def _render_scalar(draw: st.DrawFn, value: Any) -> str:
    """One way of writing `value` (not always valid YAML for it: PyYAML says what it is)."""
    if isinstance(value, str):
        how = draw(st.sampled_from(["plain", "single", "double", "json"]))
        if how == "single":
            return "'" + value.replace("'", "''") + "'"
        if how == "double":
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if how == "json":
            return json.dumps(value, ensure_ascii=draw(st.booleans()))
        return value
    if value is None:
        return draw(st.sampled_from(["", "~", "null", "Null", "NULL"]))
    if isinstance(value, bool):
        words = ["true", "yes", "On"] if value else ["false", "No", "OFF"]
        return draw(st.sampled_from(words))
    if isinstance(value, int):
        return draw(st.sampled_from([str(value), hex(value), f"{value:_}", f"+{value}"]))
    if isinstance(value, float):
        return repr(value)
    raise AssertionError(value)


@st.composite
def hand_written(draw: st.DrawFn, docs: st.SearchStrategy[Any] = documents) -> str:
    """A document written by hand: quotes, comments, blank lines, odd indents, CRLF."""
    step = draw(st.sampled_from([1, 2, 3, 4]))
    indented_sequences = draw(st.booleans())
    comment = st.sampled_from(["", "", " # a comment", " #", "  # : - x"])
    lines: list[str] = []

    def emit(line: str) -> None:
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "   ", "# comment", "  #x: 1"])))
        lines.append(line + draw(st.sampled_from(["", "", " "])))

    def key_text(key: Any) -> str:
        return _render_scalar(draw, key) if not isinstance(key, str) or key else "''"

    def block(value: Any, pad: str, first: str | None = None) -> None:
        """`value` (a dict or list) at `pad`; `first` is the prefix of its first line."""
        prefix = first
        entries = list(value.items()) if isinstance(value, dict) else list(value)
        for entry in entries:
            lead = prefix if prefix is not None else pad
            prefix = None
            if isinstance(value, dict):
                key, item = entry
                head = f"{lead}{key_text(key)}:"
                inner = pad + " " * step
                seq_pad = inner if indented_sequences else pad
            else:
                item = entry
                head = f"{lead}-"
                inner = pad + " " * step
                seq_pad = inner
            if isinstance(item, dict) and item:
                if isinstance(value, list) and draw(st.booleans()):
                    block(item, pad + " " * (len(head) - len(pad) + 1), first=head + " ")
                    continue
                emit(head + draw(comment))
                block(item, inner)
            elif isinstance(item, list) and item:
                emit(head + draw(comment))
                block(item, seq_pad if isinstance(value, dict) else inner)
            elif isinstance(item, (dict, list)):
                emit(f"{head} {'{}' if isinstance(item, dict) else '[]'}{draw(comment)}")
            else:
                rendered = _render_scalar(draw, item)
                emit(f"{head} {rendered}{draw(comment)}" if rendered else head)

    doc = draw(docs)
    if draw(st.booleans()):
        lines.append("---" + draw(comment))
    block(doc, " " * draw(st.sampled_from([0, 0, 1])))
    end = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return end.join(lines) + draw(st.sampled_from([end, ""]))


FRAGMENTS = [
    "a", "b", "key", "- ", "-", ":", ": ", " ", "  ", "    ", "\n", "\n", "\n", "\r\n", "#",
    " #", "'", "''", '"', "\\", "\\n", "\\x4", "\\u00e9", "{}", "[]", "{", "]", "yes", "~",
    "1", "0x1", "012", "1.5", "2001-12-14", "&a", "*a", "!t", "|", ">", "---", "...", "%Y",
    "? ", "<<", "=", "\t", "é", "\u2028", "\x85", "\ufeff",
]  # fmt: skip


@settings(
    max_examples=int(os.environ.get("KC_EXAMPLES", 400)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.one_of(dumped(), hand_written()))
def test_a_generated_document_is_declined_or_read_as_pyyaml_reads_it(text: str) -> None:
    _agrees(text)


@settings(max_examples=int(os.environ.get("KC_EXAMPLES", 400)), deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_any_text_is_declined_or_read_as_pyyaml_reads_it(text: str) -> None:
    _agrees(text)


# Kubeconfig-shaped documents whose every scalar a kubeconfig reader must read itself.
certain_strings = st.from_regex(r"[a-zA-Z/][a-zA-Z0-9_./:@-]{0,40}", fullmatch=True).filter(
    lambda s: _pyyaml(s) == s and not s.endswith(":")
)
base64_data = st.binary(min_size=1, max_size=600).map(lambda b: base64.b64encode(b).decode())
certain_scalars = st.one_of(
    certain_strings, base64_data, st.booleans(), st.none(), st.integers(-(10**9), 10**9)
)
named = st.fixed_dictionaries(
    {"name": certain_strings},
    optional={
        "cluster": st.dictionaries(st.sampled_from(KEYS), certain_scalars, max_size=4),
        "user": st.dictionaries(
            st.sampled_from(KEYS),
            certain_scalars | st.lists(certain_strings, max_size=4) | st.builds(dict),
            max_size=4,
        ),
    },
)
kubeconfigs = st.fixed_dictionaries(
    {
        "apiVersion": st.just("v1"),
        "kind": st.just("Config"),
        "clusters": st.lists(named, max_size=3),
        "users": st.lists(named, max_size=3),
        "contexts": st.lists(named, max_size=3),
        "current-context": certain_strings,
        "preferences": st.builds(dict),
    }
)


@settings(max_examples=int(os.environ.get("KC_EXAMPLES", 200)), deadline=None)
@given(st.data())
def test_kubeconfigs_as_the_tools_write_them_are_read_without_declining(data: Any) -> None:
    doc = data.draw(kubeconfigs)
    writers = {
        "kubectl and PyYAML": yaml.safe_dump(doc, sort_keys=False, width=10**6),
        "indented sequences": yaml.dump(
            doc, Dumper=_IndentedSequences, sort_keys=False, width=10**6
        ),
        "json": json.dumps(doc, indent=data.draw(st.sampled_from([None, 2, 4]))),
    }
    for how, text in writers.items():
        assert _same(_read_without_declining(text), doc), how


# --- the kubeconfigs this project and the tools write -------------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return control_plane.make_credentials(tmp_path_factory.mktemp("pki"))


def test_the_real_control_planes_kubeconfig_is_read_without_declining(pki: Any) -> None:
    text = control_plane.kubeconfig_text("https://127.0.0.1:6443", pki)
    doc = _read_without_declining(text)
    assert doc["users"][1]["user"]["client-key-data"] == pki.data("admin.key")


def test_the_simulated_clusters_kubeconfig_is_read_without_declining() -> None:
    doc = _read_without_declining(sim_kubeconfig_text("http://127.0.0.1:41234", namespace="dev"))
    assert doc["contexts"][0]["context"]["namespace"] == "dev"
    assert doc["preferences"] == {}


def kind_kubeconfig(pki: Any) -> str:
    """What `kind create cluster` writes (client-go's clientcmd.Write), certificates inline."""
    return (
        "apiVersion: v1\n"
        "clusters:\n"
        "- cluster:\n"
        f"    certificate-authority-data: {pki.data('ca.crt')}\n"
        "    server: https://127.0.0.1:39315\n"
        "  name: kind-kind\n"
        "contexts:\n"
        "- context:\n"
        "    cluster: kind-kind\n"
        "    user: kind-kind\n"
        "  name: kind-kind\n"
        "current-context: kind-kind\n"
        "kind: Config\n"
        "preferences: {}\n"
        "users:\n"
        "- name: kind-kind\n"
        "  user:\n"
        f"    client-certificate-data: {pki.data('admin.crt')}\n"
        f"    client-key-data: {pki.data('admin.key')}\n"
    )


def _minikube_extension(name: str) -> str:
    """The extension minikube adds to its cluster and its context (client-go writes it)."""
    return (
        "    extensions:\n"
        "    - extension:\n"
        "        last-update: Mon, 27 Feb 2023 10:51:43 CET\n"
        "        provider: minikube.sigs.k8s.io\n"
        "        version: v1.29.0\n"
        f"      name: {name}\n"
    )


CLOUD_KUBECONFIGS = {
    "minikube": f"""\
apiVersion: v1
clusters:
- cluster:
    certificate-authority: /home/user/.minikube/ca.crt
{_minikube_extension("cluster_info")}    server: https://192.168.49.2:8443
  name: minikube
contexts:
- context:
    cluster: minikube
{_minikube_extension("context_info")}    namespace: default
    user: minikube
  name: minikube
current-context: minikube
kind: Config
preferences: {{}}
users:
- name: minikube
  user:
    client-certificate: /home/user/.minikube/profiles/minikube/client.crt
    client-key: /home/user/.minikube/profiles/minikube/client.key
""",
    "eks (aws eks update-kubeconfig)": """\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com
  name: arn:aws:eks:us-west-2:123456789012:cluster/web
contexts:
- context:
    cluster: arn:aws:eks:us-west-2:123456789012:cluster/web
    user: arn:aws:eks:us-west-2:123456789012:cluster/web
  name: arn:aws:eks:us-west-2:123456789012:cluster/web
current-context: arn:aws:eks:us-west-2:123456789012:cluster/web
kind: Config
preferences: {}
users:
- name: arn:aws:eks:us-west-2:123456789012:cluster/web
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - --region
      - us-west-2
      - eks
      - get-token
      - --cluster-name
      - web
      - --output
      - json
      command: aws
      env: null
      interactiveMode: IfAvailable
      provideClusterInfo: false
""",
    "aks (az aks get-credentials)": """\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
    server: https://web-dns-12345678.hcp.westeurope.azmk8s.io:443
  name: web
contexts:
- context:
    cluster: web
    user: clusterUser_rg_web
  name: web
current-context: web
kind: Config
preferences: {}
users:
- name: clusterUser_rg_web
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --login
      - azurecli
      command: kubelogin
      env: null
      provideClusterInfo: false
""",
    "gke (gcloud container clusters get-credentials)": """\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
    server: https://34.78.1.2
  name: gke_project_europe-west1-b_web
contexts:
- context:
    cluster: gke_project_europe-west1-b_web
    user: gke_project_europe-west1-b_web
  name: gke_project_europe-west1-b_web
current-context: gke_project_europe-west1-b_web
kind: Config
preferences: {}
users:
- name: gke_project_europe-west1-b_web
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      installHint: Install gke-gcloud-auth-plugin for use with kubectl by following
        https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin
      provideClusterInfo: true
""",
    "k3s": """\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t
""",
}


def test_kind_style_kubeconfig_with_inline_certificates_is_read_without_declining(
    pki: Any,
) -> None:
    doc = _read_without_declining(kind_kubeconfig(pki))
    assert doc["clusters"][0]["cluster"]["certificate-authority-data"] == pki.data("ca.crt")


@pytest.mark.parametrize("tool", sorted(CLOUD_KUBECONFIGS))
def test_the_cloud_tools_kubeconfigs_are_read_without_declining(tool: str) -> None:
    text = CLOUD_KUBECONFIGS[tool]
    _read_without_declining(text)
    _read_without_declining(text.replace("\n", "\r\n"))


@pytest.mark.kubectl
def test_what_kubectl_config_writes_is_read_without_declining(pki: Any, tmp_path: Path) -> None:
    path = kubectl.binary(kubectl.VERSIONS[-1])
    if path is None:
        pytest.skip("kubectl is not installed")
    config = tmp_path / "config"
    env = {**os.environ, "KUBECONFIG": str(config), "KUBECACHEDIR": str(tmp_path / "cache")}
    for args in (
        ["set-cluster", "c", "--server=https://127.0.0.1:6443", "--embed-certs",
         f"--certificate-authority={pki.path('ca.crt')}", "--tls-server-name=api.local"],
        ["set-cluster", "insecure", "--server=http://127.0.0.1:8080",
         "--insecure-skip-tls-verify=true"],
        ["set-credentials", "u", "--embed-certs", f"--client-certificate={pki.path('admin.crt')}",
         f"--client-key={pki.path('admin.key')}"],
        ["set-credentials", "t", "--token=abc.def-123"],
        ["set-credentials", "e", "--exec-command=aws",
         "--exec-api-version=client.authentication.k8s.io/v1",
         "--exec-arg=eks", "--exec-arg=--region", "--exec-arg=us-west-2", "--exec-env=A=yes"],
        ["set-context", "c", "--cluster=c", "--user=u", "--namespace=prod"],
        ["set-context", "true", "--cluster=insecure", "--user=t", "--namespace=0123"],
        ["use-context", "c"],
        ["set", "users.t.username", "yes"],
    ):  # fmt: skip
        subprocess.run([str(path), "config", *args], env=env, check=True, capture_output=True)
    doc = _read_without_declining(config.read_text())
    assert {c["name"] for c in doc["contexts"]} == {"c", "true"}
    viewed = subprocess.run(
        [str(path), "config", "view", "--raw", "--flatten"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert _same(_read_without_declining(viewed), doc)
    as_json = subprocess.run(
        [str(path), "config", "view", "--raw", "-o", "json"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    _read_without_declining(as_json)


# --- what it declines ----------------------------------------------------------------------

DECLINES = {
    "anchor and alias": "a: &x v\nb: *x\n",
    "tag": "a: !!str 1\n",
    "local tag": "a: !thing v\n",
    "literal block scalar": "a: |\n  text\n",
    "folded block scalar": "a: >-\n  text\n",
    "flow mapping": "a: {b: 1}\n",
    "flow sequence": "a: [1, 2]\n",
    "flow collection with spaces": "a: { }\n",
    "multi-line plain scalar after a blank line": "a: one\n\n  two\n",
    "multi-line plain scalar after a comment line": "a: one\n  # c\n  two\n",
    "multi-line plain scalar after a comment": "a: one # c\n  two\n",
    "multi-line plain scalar going on with an indicator": "a: one\n  - two\n",
    "multi-line plain scalar going on with a key": "a: one\n  b: two\n",
    "multi-line plain scalar folded into a timestamp": "a: 2001-12-14\n  21:59:43.10 -5\n",
    "multi-line scalar after a quoted one": "a: 'one'\n  two\n",
    "multi-line plain scalar in a sequence": "- one\n  two\n",
    "multi-line double-quoted scalar": 'a: "one\n  two"\n',
    "escaped line break": 'a: "one\\\n  two"\n',
    "multi-line single-quoted scalar": "a: 'one\n  two'\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "two empty documents": "---\n---\n",
    "content on the document start line": "--- a: 1\n",
    "document end": "a: 1\n...\n",
    "directive": "%YAML 1.1\n---\na: 1\n",
    "tag directive": "%TAG ! tag:example.com,2000:\n---\na: 1\n",
    "tab in indentation": "a:\n\tb: 1\n",
    "tab after a key": "a:\t1\n",
    "merge key": "a: {}\nb:\n  <<: {}\n",
    "merge key with alias": "base: &b\n  x: 1\nc:\n  <<: *b\n",
    "duplicate key": "a: 1\na: 2\n",
    "duplicate key equal as values": "1: a\ntrue: b\n",
    "complex key": "? a\n: b\n",
    "float": "a: 1.5\n",
    "exponent float": "a: 1.0e+3\n",
    "infinity": "a: .inf\n",
    "not a number": "a: .NaN\n",
    "hexadecimal int": "a: 0x1F\n",
    "leading-zero octal": "a: 017\n",
    "underscored int": "a: 1_000\n",
    "sexagesimal int": "a: 1:30\n",
    "sexagesimal float": "a: 1:30.5\n",
    "binary int": "a: 0b101\n",
    "timestamp": "a: 2001-12-14\n",
    "timestamp with time": "a: 2001-12-14 21:59:43.10 -5\n",
    "value key": "a: =\n",
    "lone CR line break": "a: 1\rb: 2\r",
    "next line character": "a: x\x85y\n",
    "line separator": "a: x\u2028y\n",
    "byte-order mark": "\ufeffa: 1\n",
    "control character": "a: x\x7fy\n",
    "reserved indicator": "a: @x\n",
    "scalar alone on a line": "a:\n  just text\n",
    "mapping value on the line of a key's value": "a: b: c\n",
    "sequence in a sequence on one line": "- - a\n",
    "nothing but a scalar": "text\n",
    "JSON float": '{"a": 1.5}',
    "JSON exponent": '{"a": 1e5}',
    "JSON NaN": '{"a": NaN}',
    "JSON duplicate key": '{"a": 1, "a": 2}',
    "JSON escaped surrogate pair": '{"a": "\\ud83d\\ude00"}',
    "JSON followed by a comment": '{"a": 1} # c\n',
    "JSON with a tab": '{\t"a": 1}',
    "JSON key and colon on two lines": '{"a"\n: 1}',
    "JSON key far from its colon": '{"a"' + " " * 1100 + ": 1}",
    "JSON key too long for YAML": '{"' + "k" * 1100 + '": 1}',
}


@pytest.mark.parametrize("construct", sorted(DECLINES))
def test_it_declines(construct: str) -> None:
    assert read(DECLINES[construct]) is DECLINED


def test_a_declined_kubeconfig_is_read_by_pyyaml(tmp_path: Path) -> None:
    """Anchors (which the reader declines) resolve as before, through PyYAML."""
    config = tmp_path / "config"
    config.write_text(
        "clusters:\n- name: k\n  cluster: &c\n    server: https://a:1\n"
        "- name: k2\n  cluster: *c\n"
        "contexts:\n- name: x\n  context: {cluster: k2}\ncurrent-context: x\n"
    )
    assert read(config.read_text()) is DECLINED
    access = kubeconfig.resolve(str(config), None)
    assert access is not None and access.server == "https://a:1"
