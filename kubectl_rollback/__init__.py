"""kubectl-rollback: roll Kubernetes workloads back to their last successful revision."""

__version__ = "0.1.0"
