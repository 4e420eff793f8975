"""QUBO solvers (``dimod.Sampler`` instances) looked up by name."""

from backends.registry import available_backends, get_sampler

__all__ = ["available_backends", "get_sampler"]
