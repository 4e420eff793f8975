"""Errors raised by backends that depend on optional packages or remote services."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# What a leaked credential looks like in an error text: a header or key=value
# pair naming a token (its value bare, or quoted: a dict's repr quotes it, and
# a bearer scheme word may precede it), or a Leap token itself (a prefix, a
# dash, 40 hex digits). The exact value of the configured token is masked as
# well (:func:`remember_token`), whatever its shape.
_TOKEN_TEXT = re.compile(
    r"(?i)((x-auth-token|authorization|token|api[_-]?key)[\"']?\s*[:=]\s*(bearer\s+)?)"
    r"(\"[^\"]*\"|'[^']*'|[^\s,;}'\"]+)"
    r"|\b[A-Za-z]{2,10}-[0-9a-fA-F]{20,}\b"
)
# Every form the configured token takes in text: as is, inside a repr, inside JSON.
_SECRETS: set[str] = set()
_MAX_SUMMARY = 300


def safe_summary(error: BaseException) -> str:
    """``Type: text`` of an exception, with anything token-like redacted, at most 300 characters.

    Examples
    --------
    >>> safe_summary(ValueError("bad header X-Auth-Token: DEV-0123456789abcdef0123456789abcdef"))
    'ValueError: bad header X-Auth-Token: [redacted]'
    """
    text = _redact(str(error))
    if len(text) > _MAX_SUMMARY:
        text = text[:_MAX_SUMMARY] + "..."
    return f"{type(error).__name__}: {text}"


def _redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):  # longest first: a repr holds the value
        text = text.replace(secret, "[redacted]")
    # Keep a "token: " prefix, so the message still says what was removed.
    return _TOKEN_TEXT.sub(lambda m: (m.group(1) or "") + "[redacted]", text)


def remember_token() -> None:
    """Read the token from Ocean's configuration, so that its exact value is masked everywhere.

    Patterns miss a token of an unusual shape (free text, quotes, spaces);
    its exact value, and the forms a repr or JSON give it, cannot be
    missed. The value stays in this module's private set, in memory only:
    never on an object that is pickled, logged or written.
    """
    try:
        from dwave.cloud.config import load_config

        token = load_config().get("token")
    except Exception:  # no cloud client, or a malformed dwave.conf: nothing to mask yet
        return
    if isinstance(token, str) and token:
        forms = {token, repr(token)[1:-1], json.dumps(token)[1:-1], token.strip()}
        _SECRETS.update(form for form in forms if len(form) >= 4)


class _RedactTokens(logging.Filter):
    """Rewrite a record's message with anything token-like redacted (never drops it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_REDACTOR = _RedactTokens()

#: HTTP libraries under the cloud client, whose DEBUG records may name a header.
_LOGGED_LIBRARIES = ("urllib3", "requests")


def redact_cloud_logs() -> None:
    """Put the token redactor on every logger of D-Wave's cloud client.

    At DEBUG level the cloud client logs its configuration, token included
    ("Creating qpu.Client() with: {... 'token': ...}"), and anything that
    collects log records (a Slurm task log, a notebook, pytest) would keep it.
    Filters on a logger are not inherited by its children, so the redactor
    goes on each ``dwave.cloud`` logger that exists once the package is
    imported (they are created at import, one per module).
    """
    remember_token()
    manager = logging.root.manager
    names = [
        n
        for n in list(manager.loggerDict)
        if n.split(".")[0] in _LOGGED_LIBRARIES or n.startswith(("dwave.cloud", "dwave.system"))
    ]
    for name in names:
        logger = logging.getLogger(name)
        if _REDACTOR not in logger.filters:
            logger.addFilter(_REDACTOR)


def call_remote(call: Callable[[], T], failure: str, advice: str = "") -> T:
    """Run a call into D-Wave's cloud client; turn any failure into a chain-free error.

    The cloud client's exceptions hold the HTTP request, and its headers hold
    the ``X-Auth-Token``. Anything that pickles or logs an exception with its
    ``__cause__`` or ``__context__`` (joblib workers, Slurm task logs,
    notebooks) would carry the token away. So the error raised here carries
    only a redacted summary, and it is raised after the ``except`` block has
    ended: neither ``__cause__`` nor ``__context__`` refers to the original.
    """
    try:
        return call()
    except Exception as error:
        summary = safe_summary(error)
    raise BackendUnavailableError(f"{failure} ({summary}){'; ' + advice if advice else ''}")


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
    import dwave.cloud  # noqa: F401 - its loggers exist once it is imported

    redact_cloud_logs()
    return system


def require_credentials() -> None:
    """Check that Ocean's own configuration holds an API token, without reading it out.

    The token is looked up the way dwave-cloud-client does (the
    ``DWAVE_API_TOKEN`` environment variable, then ``dwave.conf``) and is
    never copied into hqml's objects, logs or results.
    """
    from dwave.cloud.config import load_config

    redact_cloud_logs()
    try:
        has_token = bool(load_config().get("token"))
    except Exception as error:  # a malformed dwave.conf
        summary = safe_summary(error)
    else:
        summary = None
    if summary is not None:  # raised outside the except block: no chain to the original
        raise BackendUnavailableError(
            f"could not read the D-Wave configuration ({summary}); "
            "fix it with `dwave config create`"
        )
    if not has_token:
        raise BackendUnavailableError(
            "no D-Wave API token found: set the DWAVE_API_TOKEN environment variable or "
            "run `dwave config create` to write one to dwave.conf. hqml never takes the "
            "token as a parameter."
        )
