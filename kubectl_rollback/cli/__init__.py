"""The command line of kubectl rollback (Typer), one module per concern, imported one way.

- entry.py: the console script's entry (`run()`): everyday lines read without Typer.
- spec.py: every command's arguments, options, help and action, as data.
- help.py: a command's --help page drawn from spec.py, as Typer would draw it.
- app.py: the Typer app built from spec.py and its dispatch (help, completion, usage errors);
  `complete_main()`. Imports commands.py only when a command runs (`--help` stays fast).
- ending.py: how a command ends (exit codes, one error line).
- commands.py: what each command does (connect, call the core, print).
- completion.py: shell completion and kubectl's plugin completion (given app.py's group).
- args.py: argument parsing (kind aliases, TYPE/NAME, durations) and usage errors.
- text.py: the human text and JSON/YAML renderings (the TUI uses some of them too).

Imports run entry -> app -> spec -> commands -> args, text and app -> completion -> args;
never back up.
This package's own module imports nothing, so `kubectl_rollback.cli.text` is cheap to import.
"""
