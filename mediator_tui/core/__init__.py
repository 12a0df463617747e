"""The UI-free core: configuration, processes, metrics and export.

Nothing under this package may import Textual or Locust; a test enforces it.
"""
