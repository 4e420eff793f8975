"""Datasets, benchmarks, batch jobs and the ``hqml`` command line."""
