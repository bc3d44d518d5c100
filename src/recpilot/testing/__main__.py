"""``python -m recpilot.testing NAME...``: build planted catalogs and print their paths."""

from __future__ import annotations

import sys

from .catalogs import PLANTED, ensure_catalog


def main(argv: list[str]) -> int:
    names = argv or list(PLANTED)
    unknown = [n for n in names if n not in PLANTED]
    if unknown:
        sys.stderr.write(
            f"unknown planted catalog(s) {', '.join(unknown)}; known: {', '.join(PLANTED)}\n"
        )
        return 2
    for name in names:
        with ensure_catalog(name) as catalog:
            sys.stdout.write(f"{catalog.path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
