"""Demo and benchmark data: `demo` (a six-month-old plan relative to today, and resetting
the database) and `large` (bulk rows for benchmarks)."""
