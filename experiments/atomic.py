"""Write result files atomically: a temporary file in the same folder, then a rename.

A crash, a cancelled job or a full disk leaves either the old file or the
new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: str | os.PathLike):
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 would hide results from the group
    try:
        yield Path(temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomically(target: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary_path)`` and move the result onto ``target``."""
    with atomic_path(target) as temporary:
        write(temporary)
    return Path(target)
