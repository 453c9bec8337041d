"""The command line of kubectl rollback (Typer), one module per concern, imported one way.

- entry.py: the console script's entry (`run()`): everyday lines read without Typer.
- spec.py: every command's arguments, options, help and action, as data.
- help.py: a command's --help page drawn from spec.py, as Typer would draw it.
- app.py: the Typer app built from spec.py and its dispatch (help, completion, usage errors);
  `complete_main()`. Imports a command's module only when it runs (`--help` stays fast).
- ending.py: how a command ends (exit codes, one error line).
- commands.py: the rollback command (connect, call the core, print; the TUI without a
  workload); history.py, apply.py, services.py (blue/green), releases.py, guard.py: the
  other commands, one module each, loaded only when it runs; common.py: what they share.
- completion.py: shell completion and kubectl's plugin completion (given app.py's group).
- args.py: argument parsing (kind aliases, TYPE/NAME, durations) and usage errors.
- text.py: the human text the commands share, a rollback plan's, JSON/YAML dumps (the TUI
  uses some of them too); release_text.py: releases' text (the TUI's Releases screen too).

Imports run entry -> app -> spec -> the commands -> common -> args, text and
app -> completion -> args; never back up (pyproject.toml's import contracts).
This package's own module imports nothing, so `kubectl_rollback.cli.text` is cheap to import.
"""
