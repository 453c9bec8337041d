"""kubectl-rollback: roll Kubernetes workloads back to their last successful revision."""

__version__ = "0.1.0"


def version_line() -> str:
    """What ``kubectl rollback --version`` prints."""
    return f"kubectl-rollback {__version__}"
