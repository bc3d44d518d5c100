"""The ``recpilot`` command line.

Each command group lives in its own module and registers itself on the app here. Library
errors become one clear line: usage mistakes exit 2, failures exit 1; ``--debug`` shows the
traceback.
"""

from __future__ import annotations

import logging
import sys

import typer

from recpilot.errors import ConfigError, IngestError, RecpilotError, UnknownDataset, UnknownId

from . import (
    agent,
    data,
    demos,
    evaluate,
    evaluate_chat,
    evaluate_diversity,
    evaluate_injections,
    evaluate_plans,
    evaluate_population,
    evaluate_requests,
    evaluate_routing,
    memory,
    serve,
    train,
)

app = typer.Typer(
    name="recpilot",
    help="Agentic recommendation: an LLM plans, recommender models and catalog queries are its tools.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data.register(app)
train.register(app)
evaluate.register(app)
evaluate_plans.register(evaluate.eval_app)
evaluate_chat.register(evaluate.eval_app)
evaluate_diversity.register(evaluate.eval_app)
evaluate_requests.register(evaluate.eval_app)
evaluate_injections.register(evaluate.eval_app)
evaluate_population.register(evaluate.eval_app)
evaluate_routing.register(evaluate.eval_app)
agent.register(app)
demos.register(app)
memory.register(app)
serve.register(app)

USAGE_ERRORS = (ConfigError, IngestError, UnknownDataset, UnknownId)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show info logs on stderr."),
) -> None:
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if debug:
        logging.getLogger("recpilot").setLevel(logging.DEBUG)


def main() -> None:
    """Console-script entry point."""
    debug = "--debug" in sys.argv
    try:
        app()
    except RecpilotError as exc:
        if debug:
            raise
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2 if isinstance(exc, USAGE_ERRORS) else 1)
