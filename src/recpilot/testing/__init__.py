"""Test and benchmark support that ships with the package: planted non-movie catalogs.

:func:`ensure_catalog` builds ``planted-books`` or ``planted-shop`` into ``$RECPILOT_HOME``
through the real ingest path and opens it; :func:`write_files` writes the raw files a user
would bring.
"""

from __future__ import annotations

from .catalogs import PLANTED, SourceFiles, ensure_catalog, write_files

__all__ = ["PLANTED", "SourceFiles", "ensure_catalog", "write_files"]
