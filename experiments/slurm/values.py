"""Formats of every value that reaches a batch script, checked before anything is written.

Experiment files, profiles and the command line are user input, and a batch
script is a shell script: a newline in ``time`` starts a new command, a
``$(...)`` in a path runs one. Every value is checked against the format
Slurm or the module system expects (and refused with what was expected and
what arrived); what reaches the shell is then also quoted by the script
writer.
"""

from __future__ import annotations

import os
import re

__all__ = [
    "check_account",
    "check_memory",
    "check_module",
    "check_name",
    "check_path",
    "check_time",
    "escape_filename_pattern",
]

_TIME = re.compile(r"(\d+-\d{1,2}(:\d{1,2}){0,2}|\d+(:\d{1,2}){0,2})")
_MEMORY = re.compile(r"(\d+)([KMGT])")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
_ACCOUNT = re.compile(r"(<[A-Za-z0-9_-]+>|[A-Za-z0-9][A-Za-z0-9_.+-]*)?")
_MODULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+/-]*")
# Path characters plus $NAME / ${NAME} references, which the job shell expands
# inside double quotes; no parentheses or backticks, so no command substitution.
_PATH = re.compile(r"(\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*|[A-Za-z0-9_./+@%:~-])+")
_MEGABYTES = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2}
MIN_MEMORY_MB = 64


def _refuse(what: str, value, expected: str) -> ValueError:
    return ValueError(f"{what} must be {expected}; got {value!r}")


def _text(what: str, value) -> str:
    if not isinstance(value, str):
        raise _refuse(what, value, "a string")
    return value


def _matching(pattern: re.Pattern, value, what: str, expected: str) -> str:
    text = _text(what, value)
    if not pattern.fullmatch(text):
        raise _refuse(what, value, expected)
    return text


def check_time(value, what: str = "time") -> str:
    """A Slurm time limit: ``minutes``, ``[days-]hours:minutes[:seconds]`` and the like."""
    return _matching(_TIME, value, what, "a Slurm time such as 30, 00:30:00 or 1-12:00:00")


def check_memory(value, what: str = "mem") -> str:
    """Memory per node with a unit (K, M, G, T) and at least 64M: "5" alone is 5 MB."""
    text = _matching(_MEMORY, value, what, "a size with a unit such as 512M or 4G")
    match = _MEMORY.fullmatch(text)
    megabytes = int(match.group(1)) * _MEGABYTES[match.group(2)]
    if megabytes < MIN_MEMORY_MB:
        raise _refuse(what, value, f"at least {MIN_MEMORY_MB}M")
    return text


def check_name(value, what: str) -> str:
    """A partition, system or job name: letters, digits, ``_ . + -``; no ``/``."""
    expected = "letters, digits and _ . + - (starting with a letter or digit)"
    return _matching(_NAME, value, what, expected)


def check_account(value, what: str = "account") -> str:
    """A Slurm account, empty, or a ``<placeholder>`` of a shipped profile."""
    return _matching(_ACCOUNT, value, what, "an account name of letters, digits and _ . + -")


def check_module(value, what: str = "module") -> str:
    """A module name as Lmod spells it, e.g. ``Stages/2025`` or ``GCC/12.3.0``."""
    return _matching(_MODULE, value, what, "a module name of letters, digits and _ . + / -")


def check_path(value, what: str) -> str:
    """A path for the job shell: path characters and ``$VAR`` / ``${VAR}`` references only.

    A leading ``~`` is expanded here, at generate time: inside the double
    quotes the script puts around the path, the shell would not expand it.
    """
    text = _text(what, value)
    if text and not _PATH.fullmatch(text):
        raise _refuse(
            what,
            value,
            "a path of letters, digits, _ . / + @ % : ~ - and $VARIABLE or ${VARIABLE} "
            "references (no spaces, quotes, parentheses, semicolons, newlines or unclosed ${)",
        )
    if text.startswith("~"):
        expanded = os.path.expanduser(text)
        if expanded.startswith("~") or not _PATH.fullmatch(expanded):
            raise _refuse(what, value, "a path whose leading ~ names a known user's home")
        return expanded
    return text


def escape_filename_pattern(path: str) -> str:
    """``path`` with ``%`` doubled, so that Slurm's ``--output`` pattern keeps it as it is.

    sbatch expands ``%j``, ``%u``, ``%x`` ... in ``--output`` and reads ``%%``
    as one ``%``: a run directory named ``rd%u`` would otherwise send the
    log into a folder that does not exist, and the job would die unlogged.
    """
    return path.replace("%", "%%")
