"""Pure rollback rules: history, health evidence, target choice, plans and patches (no I/O)."""
