"""The TUI's rules, without Textual: what to load, what to show, what to tell the user.

``MainScreen`` owns widgets, keys and thread workers; each worker calls one
controller method (which may block) and posts its answer back as a message.
Every call into ``kubectl_rollback.core`` and the gateway the main screen needs
is made here, once, so that the screen never speaks to the cluster itself:

- ``connection``: connect, switch namespace or context, the RBAC answers cache.
- ``workloads``: the listing, its watches, which workload is selected or asked for.
- ``preview``: a workload's history and plans (with the blue/green warning).
- ``rollback``: whether the key may roll back, execute, follow, what to say after.
- ``bluegreen``: the groups, the switch plan and its execution.
"""
