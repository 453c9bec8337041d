"""Screens: the main screen, dialogs (confirm, pick) and help."""

DIALOGS_CSS = "dialogs.tcss"
"""The dialogs' stylesheet (next to this file): read when the first dialog opens, not with
app.tcss before the first frame."""
