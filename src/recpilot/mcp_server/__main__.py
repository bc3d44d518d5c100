"""``python -m recpilot.mcp_server [--dataset NAME] [--user ID] [--embedder hashing]
[--db URL]`` (stdio)."""

from __future__ import annotations

import argparse
import sys

from recpilot.catalog.datasets import DEFAULT_DATASET
from recpilot.errors import RecpilotError
from recpilot.mcp_server.stdio import run_stdio


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m recpilot.mcp_server")
    parser.add_argument("--dataset", default=DEFAULT_DATASET)
    parser.add_argument("--user", default=None)
    parser.add_argument("--llm", default="rules")
    parser.add_argument("--embedder", choices=["minilm", "hashing"], default="minilm")
    parser.add_argument("--db", default=None, help="memory database URL")
    args = parser.parse_args()
    try:
        run_stdio(
            args.dataset, llm=args.llm, user=args.user, embedder=args.embedder, memory_url=args.db
        )
    except RecpilotError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
