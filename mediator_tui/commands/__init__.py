"""The command-line commands: each parses its options and hands the work to the core."""
