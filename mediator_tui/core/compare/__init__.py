"""Comparing runs: two export folders (or two groups of repeated runs) side by side, per figure better,
worse, the same within the noise, or not comparable; gates for CI; compare.json and compare.html."""
