"""Dashboard panes: each draws one part of a snapshot and nothing else."""
