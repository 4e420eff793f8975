"""Errors raised by backends that depend on optional packages or remote services."""

from __future__ import annotations


class BackendUnavailableError(RuntimeError):
    """A backend cannot run: missing package, absent credentials or a failed service call."""


class BackendCapacityError(ValueError):
    """The QUBO does not fit on the target sampler."""


def require_dwave_system():
    """Import dwave.system, or say how to install it."""
    try:
        import dwave.system as system
    except ImportError as error:
        raise BackendUnavailableError(
            "this backend needs dwave-system, which is not installed; install it with "
            "`pip install 'hqml[qpu]'` (or `pip install dwave-system`)"
        ) from error
    return system


def require_credentials() -> None:
    """Check that Ocean's own configuration holds an API token, without reading it out.

    The token is looked up the way dwave-cloud-client does (the
    ``DWAVE_API_TOKEN`` environment variable, then ``dwave.conf``) and is
    never copied into hqml's objects, logs or results.
    """
    from dwave.cloud.config import load_config

    try:
        has_token = bool(load_config().get("token"))
    except Exception as error:  # a malformed dwave.conf
        raise BackendUnavailableError(
            f"could not read the D-Wave configuration ({type(error).__name__}: {error}); "
            "fix it with `dwave config create`"
        ) from error
    if not has_token:
        raise BackendUnavailableError(
            "no D-Wave API token found: set the DWAVE_API_TOKEN environment variable or "
            "run `dwave config create` to write one to dwave.conf. hqml never takes the "
            "token as a parameter."
        )
