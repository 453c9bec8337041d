"""The simulated Kubernetes cluster: a loopback API server and the controllers rollback needs."""
