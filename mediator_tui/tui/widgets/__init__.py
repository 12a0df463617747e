"""Reusable drawing widgets; they know nothing of snapshots."""
