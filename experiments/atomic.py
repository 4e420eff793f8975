"""Write result files atomically: a temporary file in the same folder, then a rename.

A crash, a cancelled job or a full disk leaves either the old file or the
new one, never half of one.
"""

from __future__ import annotations

import os
import shutil
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


def check_writable_folder(target: str | os.PathLike) -> Path:
    """Refuse, before any computing, an output folder that cannot be written.

    The folder may not exist yet; then its nearest existing parent must be a
    writable folder. A file in its place is refused.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ValueError(f"the output {target} exists and is not a folder; expected a folder")
    parent = target if target.exists() else target.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"the output folder {target} cannot be created or written in {parent}")
    return target


@contextmanager
def atomic_folder(target: str | os.PathLike):
    """Yield a temporary folder beside ``target``; swap it into place on success.

    The previous folder stays complete until the new one is: it is renamed
    aside, the new one renamed in, and only then the old one removed. An
    interrupted write leaves the previous result set and, at worst, a hidden
    temporary folder, never a mix of old and new files.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        yield temporary
        os.chmod(temporary, 0o777 & ~_umask())
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(temporary, target)
            shutil.rmtree(old)
        else:
            os.replace(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
