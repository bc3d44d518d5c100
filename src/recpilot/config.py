"""Where recpilot keeps its caches: one data directory, overridable with ``RECPILOT_HOME``."""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "RECPILOT_HOME"


def data_home() -> Path:
    """The data directory (datasets, catalogs, trained models, assembled LLM weights).

    ``$RECPILOT_HOME`` when set, else ``$XDG_CACHE_HOME/recpilot``, else ``~/.cache/recpilot``.
    The directory is created on first use.
    """
    if env := os.environ.get(ENV_HOME):
        home = Path(env).expanduser()
    else:
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        home = Path(cache) / "recpilot"
    home.mkdir(parents=True, exist_ok=True)
    return home


def subdir(*parts: str) -> Path:
    """A sub-directory of :func:`data_home`, created on first use."""
    path = data_home().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
