"""``python -m recpilot.mcp_server [--dataset NAME] [--user ID] [--embedder hashing]`` (stdio)."""

from __future__ import annotations

import argparse

from recpilot.catalog.datasets import DEFAULT_DATASET
from recpilot.mcp_server.stdio import run_stdio


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m recpilot.mcp_server")
    parser.add_argument("--dataset", default=DEFAULT_DATASET)
    parser.add_argument("--user", default=None)
    parser.add_argument("--llm", default="rules")
    parser.add_argument("--embedder", choices=["minilm", "hashing"], default="minilm")
    args = parser.parse_args()
    run_stdio(args.dataset, llm=args.llm, user=args.user, embedder=args.embedder)


if __name__ == "__main__":
    main()
