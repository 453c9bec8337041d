"""The simulated Kubernetes cluster: a loopback API server and the controllers rollback needs.

It is a product feature (`kubectl rollback --demo`, `kubectl-rollback sim`) and the cluster
every test runs against. The real `kubectl` (1.27 to 1.33) and the `kubernetes` Python
client work against it unchanged. Standard library only.

    from kubectl_rollback.sim import run_cluster

    with run_cluster("demo", time_scale=0) as sim:
        subprocess.run(["kubectl", "--kubeconfig", sim.kubeconfig, "get", "deploy", "-A"])
        sim.cluster.advance(30)   # move the simulated clock; controllers catch up

Pieces: `running` (build, serve and stop a cluster: what this package re-exports), `store`
(objects, resourceVersions, watch log), `strategy` (defaulting and validation on every
write), `controllers/` (Deployment, ReplicaSet, kubelet, ...), `server` (the HTTP API),
`patch` (JSON / merge / strategic merge / apply patches), `tables` (`kubectl get` columns),
`scenarios` (named starting states). No module here imports this package (no circles).

Where it differs from a real cluster: JSON only (no protobuf request bodies, so kubectl
1.32+ `create deployment|service|namespace` cannot work); server-side apply merges the
applied fields without managed-fields bookkeeping; apply patches must be JSON (the JSON
subset of YAML); deletion is immediate (no graceful termination or finalizers).
"""

from .cluster import SimCluster
from .running import (
    CONTEXT,
    DEMO_NAMESPACE,
    TOKEN,
    RunningCluster,
    build_cluster,
    kubeconfig_text,
    run_cluster,
    run_demo,
    serve_forever,
    start_cluster,
    write_kubeconfig,
)
from .server import SimServer

__all__ = [
    "CONTEXT",
    "DEMO_NAMESPACE",
    "RunningCluster",
    "SimCluster",
    "SimServer",
    "TOKEN",
    "build_cluster",
    "kubeconfig_text",
    "run_cluster",
    "run_demo",
    "serve_forever",
    "start_cluster",
    "write_kubeconfig",
]
