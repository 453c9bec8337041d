"""Screens: the main screen, dialogs (confirm, pick) and help."""
