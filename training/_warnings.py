"""Warnings that point at the user's code, however deep inside hqml they are raised."""

from __future__ import annotations

import os
import sys
import warnings

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: The library packages whose frames a warning skips: the estimators and the training.
_LIBRARY_DIRS = tuple(os.path.join(_ROOT, name) + os.sep for name in ("qml", "training"))


def warn_at_caller(message: str, category: type[Warning]) -> None:
    """Warn with the location of the first frame outside hqml's ``qml`` and ``training``.

    Counting frames by hand (a fixed ``stacklevel``) breaks whenever a helper
    is added or a fit runs through an ensemble; Python 3.12's
    ``skip_file_prefixes`` does this walk, but hqml supports 3.10 and 3.11.
    """
    level, frame = 2, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_LIBRARY_DIRS):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
