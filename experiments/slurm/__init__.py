"""Batch jobs on a modular supercomputer: system profiles, Slurm job arrays, robust collection."""
