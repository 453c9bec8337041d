"""What the right-hand pane says when there is no plan to preview: a failure, a workload that
is not there, one this tool cannot roll back."""

from __future__ import annotations

from rich.text import Text

from ...core.workloads import WorkloadSummary


def cannot_connect(error: str) -> Text:
    return Text.assemble(
        ("✖ cannot connect: ", "bold red"),
        error,
        "\n\n",
        ("ctrl+r tries again; c picks another context.", "dim"),
    )


def cannot_list(namespace: str, error: str) -> Text:
    return Text.assemble(
        ("✖ cannot list the workloads of namespace ", "bold red"),
        (namespace, "bold red"),
        "\n",
        error,
        "\n\n",
        ("ctrl+r tries again; n switches namespace.", "dim"),
    )


def cannot_load_history(name: str, error: str) -> Text:
    return Text.assemble(
        ("✖ cannot load the history of ", "bold red"), (name, "bold red"), "\n", error
    )


def not_found(missing: str) -> Text:
    """The workload asked for on the command line is not in the namespace."""
    return Text.assemble(
        (f"✖ {missing}", "bold red"),
        "\n\n",
        ("Pick a workload on the list (↑ ↓, Enter); n switches namespace.", "dim"),
    )


def unsupported(summary: WorkloadSummary) -> Text:
    """A workload listed but not rolled back by this tool, and why."""
    return Text.assemble(
        (f"{summary.kind} {summary.name}\n", "bold"),
        f"images  {summary.image_summary}\n",
        f"status  {summary.status.value}: {summary.message}\n\n",
        (summary.unsupported or "", "yellow"),
    )
