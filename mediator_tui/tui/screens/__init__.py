"""Screens of the app: dashboard, configuration, logs, help and small dialogs."""
