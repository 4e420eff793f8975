"""Scripts that measure the figures the issues set; each prints a table."""
