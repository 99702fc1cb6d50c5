"""Inspections (督查) and their findings, each a rectification item (整改): recording,
answering and re-checking (records), lists, the overdue rule and counts (reading), and the
words for them (labels)."""
